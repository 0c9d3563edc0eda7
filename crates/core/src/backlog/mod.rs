//! The backlog: every rule of DESIGN §3.3 that concerns data, decided once,
//! above the store. Each operation reads what it needs, decides, and hands the
//! store one batch of conditional writes; a concurrent change makes the batch
//! fail as a whole with a version conflict, and nothing is written.

mod items;
mod projects;
mod quality;
mod stories;
mod tree_json;
mod view;

pub use items::{NewTask, NewTest};
pub use projects::ProjectChanges;
pub use stories::{DonePrerequisites, NewStory};
pub use tree_json::{views_json, views_json_as, Shape, ShapedStory, ShapedTest};
pub use view::{pr_entries, DependencyRef, PrEntry, StoryView, TaskView, TestView};

use crate::domain::{Story, StoryId};
use crate::error::{Error, Result};
use crate::store::{Expect, Store, Write};
use std::future::Future;
use std::sync::Arc;

/// How often an operation is re-planned when something it did not name (an
/// ancestor, a test being marked, or the item itself when the client sent no
/// version) changed between its read and its write. Each re-plan first waits a
/// random pause of up to `REPLAN_PAUSE_MS << tries` (at most 64 ms), so that
/// writers racing for one item spread out instead of colliding again.
const REPLANS: u32 = 12;
const REPLAN_PAUSE_MS: u64 = 1;

#[derive(Clone)]
pub struct Backlog {
    store: Arc<dyn Store>,
}

impl Backlog {
    pub fn new(store: Arc<dyn Store>) -> Self {
        Backlog { store }
    }

    /// The store, for the backlog's own rules (and the import in
    /// `crate::transfer`): nothing outside this crate writes around them.
    pub(crate) fn store(&self) -> &Arc<dyn Store> {
        &self.store
    }

    /// The store as code generation sees it: runs, logs, pull requests and
    /// workers, and no story writes of its own.
    pub fn runs(&self) -> crate::store::RunStore {
        crate::store::RunStore::new(self.store.clone())
    }

    /// Which store holds the backlog (`sqlite`, `dynamodb`), for health.
    pub fn store_kind(&self) -> &'static str {
        self.store.kind()
    }

    /// A cheap round trip to the store, for health: its latency.
    pub async fn ping(&self) -> Result<std::time::Duration> {
        self.store.ping().await
    }

    /// Every worker's last heartbeat, for health.
    pub async fn workers(&self) -> Result<Vec<crate::domain::WorkerBeat>> {
        self.store.workers().await
    }

    /// The other stories under the same parent (or the other root stories of
    /// its project): what a story's INVEST analysis compares it with.
    pub async fn siblings_of(&self, story: &Story) -> Result<Vec<Story>> {
        let mut siblings = self
            .store
            .stories_under(story.project_id, story.parent_id)
            .await?;
        siblings.retain(|s| s.id != story.id);
        Ok(siblings)
    }

    async fn story(&self, id: StoryId) -> Result<Story> {
        self.store
            .get_story(id)
            .await?
            .ok_or_else(|| Error::not_found("story", id))
    }

    /// The story and its ancestors, nearest first. Refuses a story that is
    /// being deleted (itself or an ancestor): nothing may attach under it.
    async fn lineage(&self, id: StoryId) -> Result<Vec<Story>> {
        let mut chain = vec![self.story(id).await?];
        while let Some(parent) = chain.last().and_then(|s| s.parent_id) {
            if chain.len() > MAX_DEPTH {
                return Err(Error::internal(
                    "walking ancestors",
                    "the stored tree has a cycle",
                ));
            }
            let story = self.story(parent).await?;
            chain.push(story);
        }
        if chain.iter().any(|s| s.deleting) {
            return Err(Error::not_found("story", id));
        }
        if let Some(imported) = chain.iter().find(|s| s.import_id.is_some()) {
            if self.pending_import(imported).await? {
                return Err(Error::not_found("story", id));
            }
        }
        Ok(chain)
    }

    /// Whether the story belongs to an import that has not finished.
    async fn pending_import(&self, story: &Story) -> Result<bool> {
        let Some(import) = story.import_id else {
            return Ok(false);
        };
        let project = self.store.get_project(story.project_id).await?;
        Ok(project.is_some_and(|p| p.pending_imports.contains(&import)))
    }

    /// Conditions that keep a lineage as it was read: each story at its version.
    /// What attaching a test or a child to `lineage[0]` writes: that story
    /// moves to its next version, the rest of the lineage is held. A Done
    /// gate that read the story without the new test or child then fails its
    /// condition and decides again, counting it (the gate holds what exists;
    /// this makes what it did not see change something it holds).
    fn attach(lineage: &[Story]) -> Vec<Write> {
        let Some((target, ancestors)) = lineage.split_first() else {
            return Vec::new();
        };
        let mut touched = target.clone();
        touched.version += 1;
        touched.updated_at = crate::domain::Timestamp::now();
        let mut writes = vec![Write::PutStory {
            story: touched,
            expect: Expect::Version(target.version),
        }];
        writes.extend(Self::hold(ancestors));
        writes
    }

    /// Refuse to attach something that is not finished under a Done story
    /// (rule 2 holds after the gate, not only at it).
    fn refuse_under_done(story: &Story, what: &str, field: &str) -> Result<()> {
        if story.status != crate::domain::StoryStatus::Done {
            return Ok(());
        }
        Err(Error::rule(
            crate::error::Rule::StoryDone,
            format!(
                "story {} is Done; {what} would leave it Done with unfinished work: \
                 move the story out of Done first",
                story.id
            ),
            serde_json::json!({"storyId": story.id, "field": field}),
        ))
    }

    fn hold(lineage: &[Story]) -> impl Iterator<Item = Write> + '_ {
        lineage.iter().map(|s| Write::CheckStory {
            id: s.id,
            expect: Expect::Version(s.version),
        })
    }

    /// Run `attempt` again when it lost a race on something the caller did not
    /// name (`own` is the item whose version the caller sent, if any).
    async fn replanned<T, F, Fut>(
        &self,
        own: Option<(&'static str, String)>,
        mut attempt: F,
    ) -> Result<T>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T>>,
    {
        let mut tries = 0;
        loop {
            match attempt().await {
                Err(Error::VersionConflict { entity, id, .. })
                    if tries < REPLANS && own.as_ref() != Some(&(entity, id.clone())) =>
                {
                    tries += 1;
                    tracing::debug!(entity, %id, tries, "re-planning after a concurrent change");
                    tokio::time::sleep(replan_pause(tries)).await;
                }
                other => return other,
            }
        }
    }
}

/// The deepest a tree may be, in stories (a chain of this many stories, each
/// the child of the one before). Creates, moves and imports that would go
/// deeper are refused.
pub const MAX_DEPTH: usize = 10_000;

/// The most stories a walk down the tree expects: more means the stored
/// tree has a cycle.
const MAX_STORIES_BELOW: usize = 1_000_000;

/// A held item (a descendant, a test, an ancestor) deleted between the read
/// and the write fails its expectation as not found; for the operation it is
/// a concurrent change like any other, to re-plan on. `own` is the item the
/// operation writes, whose absence is a plain not found.
fn held_item_gone(e: Error, own: (&'static str, String)) -> Error {
    match e {
        Error::NotFound { entity, id } if (entity, id.as_str()) != (own.0, own.1.as_str()) => {
            Error::VersionConflict {
                entity,
                id,
                expected: 0,
                actual: None,
            }
        }
        other => other,
    }
}

/// A random pause before re-plan number `tries` (1-based).
fn replan_pause(tries: u32) -> std::time::Duration {
    let ceiling = std::time::Duration::from_millis(REPLAN_PAUSE_MS << tries.min(6));
    crate::retry::jittered(ceiling.max(std::time::Duration::from_millis(1)))
}

/// Check a client's expected version against what was read, before writing.
fn expect_version(
    entity: &'static str,
    id: impl ToString,
    current: u64,
    sent: Option<u64>,
) -> Result<u64> {
    match sent {
        Some(v) if v != current => Err(Error::VersionConflict {
            entity,
            id: id.to_string(),
            expected: v,
            actual: Some(current),
        }),
        _ => Ok(current),
    }
}
