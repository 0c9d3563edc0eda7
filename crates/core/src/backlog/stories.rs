//! Stories: create, update (including moves and the Done gate), delete.

use super::{expect_version, Backlog};
use crate::backlog::NewTest;
use crate::domain::{
    AcceptanceTest, Counter, Email, InvestAnalysis, ProjectId, Story, StoryChanges, StoryContent,
    StoryId, StoryStatus, TestStatus, Timestamp, Title,
};
use crate::error::{Error, Result, Rule};
use crate::store::{Expect, ProjectContents, Write};
use serde::Serialize;
use serde_json::json;
use std::collections::{HashMap, HashSet};

#[derive(Debug, Clone, PartialEq)]
pub struct NewStory {
    pub project_id: ProjectId,
    pub parent_id: Option<StoryId>,
    pub title: Title,
    pub content: StoryContent,
    pub assignee_email: Option<Email>,
    pub status: StoryStatus,
}

/// Why a story cannot be Done yet (the `details` of STORY_STATUS_BLOCKED).
#[derive(Debug, Clone, PartialEq, Serialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct DonePrerequisites {
    pub incomplete_children: Vec<serde_json::Value>,
    pub failing_tests: Vec<serde_json::Value>,
    pub missing_tests: bool,
}

impl DonePrerequisites {
    /// Rule 2: every descendant Done, at least one test, every test Pass.
    pub fn check(descendants: &[&Story], tests: &[AcceptanceTest]) -> Self {
        DonePrerequisites {
            incomplete_children: descendants
                .iter()
                .filter(|s| s.status != StoryStatus::Done)
                .map(|s| json!({"id": s.id, "title": s.title, "status": s.status}))
                .collect(),
            failing_tests: tests
                .iter()
                .filter(|t| t.status != TestStatus::Pass)
                .map(|t| json!({"id": t.id, "title": t.title, "status": t.status}))
                .collect(),
            missing_tests: tests.is_empty(),
        }
    }

    pub fn met(&self) -> bool {
        self.incomplete_children.is_empty() && self.failing_tests.is_empty() && !self.missing_tests
    }

    fn into_error(self, story: StoryId) -> Error {
        let mut reasons = Vec::new();
        if !self.incomplete_children.is_empty() {
            reasons.push(format!(
                "{} child stories are not Done",
                self.incomplete_children.len()
            ));
        }
        if self.missing_tests {
            reasons.push("it has no acceptance test".to_string());
        }
        if !self.failing_tests.is_empty() {
            reasons.push(format!(
                "{} acceptance tests have not passed",
                self.failing_tests.len()
            ));
        }
        Error::rule(
            Rule::StoryStatusBlocked,
            format!("Story {story} cannot be Done: {}.", reasons.join("; ")),
            serde_json::to_value(&self).expect("plain data serializes"),
        )
    }
}

/// Refuses a tree `depth` stories deep under `parent` beyond `MAX_DEPTH`.
fn too_deep(parent: StoryId, depth: usize) -> Result<()> {
    if depth > super::MAX_DEPTH {
        return Err(Error::invalid(
            "parentId",
            format!(
                "under story {parent} the tree would be {depth} stories deep; stories nest at most {} deep",
                super::MAX_DEPTH
            ),
        ));
    }
    Ok(())
}

/// Every descendant of `root` in `stories`, parents before children.
pub(super) fn descendants<'a>(stories: &'a [Story], root: StoryId) -> Vec<&'a Story> {
    let mut by_parent: HashMap<StoryId, Vec<&Story>> = HashMap::new();
    for s in stories {
        if let Some(p) = s.parent_id {
            by_parent.entry(p).or_default().push(s);
        }
    }
    let mut out = Vec::new();
    let mut frontier = vec![root];
    while let Some(id) = frontier.pop() {
        for child in by_parent.get(&id).map(Vec::as_slice).unwrap_or_default() {
            out.push(*child);
            frontier.push(child.id);
        }
    }
    out
}

impl Backlog {
    /// Create a story and, when given, its first acceptance test (rule 5),
    /// in one transaction.
    pub async fn create_story(
        &self,
        new: NewStory,
        first_test: Option<NewTest>,
        accept_warnings: bool,
    ) -> Result<Story> {
        if self.store.get_project(new.project_id).await?.is_none() {
            return Err(Error::invalid(
                "projectId",
                format!("project {} does not exist", new.project_id),
            ));
        }
        let id = StoryId(self.store.take_ids(Counter::Story, 1).await?);
        let test_id = match first_test {
            Some(_) => Some(self.store.take_ids(Counter::Test, 1).await?),
            None => None,
        };
        self.replanned(None, || async {
            let lineage = match new.parent_id {
                Some(parent) => {
                    let lineage = self.lineage(parent).await.map_err(|e| match e {
                        Error::NotFound { .. } => {
                            Error::invalid("parentId", format!("story {parent} does not exist"))
                        }
                        other => other,
                    })?;
                    if lineage[0].project_id != new.project_id {
                        return Err(Error::invalid(
                            "parentId",
                            format!("story {parent} belongs to another project"),
                        ));
                    }
                    too_deep(parent, lineage.len() + 1)?;
                    if new.status != StoryStatus::Done {
                        Self::refuse_under_done(
                            &lineage[0],
                            "a child that is not Done",
                            "parentId",
                        )?;
                    }
                    lineage
                }
                None => Vec::new(),
            };
            let now = Timestamp::now();
            let content = &new.content;
            let story = Story {
                id,
                project_id: new.project_id,
                parent_id: new.parent_id,
                title: new.title.clone(),
                description: content.description.clone(),
                as_a: content.as_a.clone(),
                i_want: content.i_want.clone(),
                so_that: content.so_that.clone(),
                components: content.components.clone(),
                story_point: content.story_point,
                assignee_email: new.assignee_email.clone(),
                status: new.status,
                created_at: now,
                updated_at: now,
                version: 1,
                invest_analysis: InvestAnalysis::default(),
                deleting: false,
                import_id: None,
            };
            let mut story = story;
            let siblings = self
                .store
                .stories_under(story.project_id, story.parent_id)
                .await?;
            super::quality::check_story(&mut story, &siblings, accept_warnings)?;
            if story.status == StoryStatus::Done {
                // A new story has no children, so only its tests can be missing.
                let tests: Vec<AcceptanceTest> = first_test
                    .iter()
                    .zip(test_id)
                    .map(|(t, tid)| t.build(tid, id, 1, now))
                    .collect();
                let gate = DonePrerequisites::check(&[], &tests);
                if !gate.met() {
                    return Err(gate.into_error(id));
                }
            }
            let mut writes = Self::attach(&lineage);
            writes.push(Write::PutStory {
                story: story.clone(),
                expect: Expect::Absent,
            });
            if let (Some(t), Some(tid)) = (&first_test, test_id) {
                let test = t.build(tid, id, 1, now);
                writes.push(Write::PutTest {
                    project_id: story.project_id,
                    test,
                    expect: Expect::Absent,
                });
            }
            self.store
                .commit(writes)
                .await
                .map_err(|e| super::held_item_gone(e, ("story", id.to_string())))?;
            Ok(story)
        })
        .await
    }

    /// A partial update. `expected` is the version the client has, if any.
    pub async fn update_story(
        &self,
        id: StoryId,
        expected: Option<u64>,
        changes: StoryChanges,
        accept_warnings: bool,
    ) -> Result<Story> {
        let own = expected.map(|_| ("story", id.to_string()));
        self.replanned(own, || async {
            let record = self
                .store
                .get_story_record(id)
                .await?
                .ok_or_else(|| Error::not_found("story", id))?;
            let current = record.story;
            if current.deleting {
                return Err(Error::not_found("story", id));
            }
            let version = expect_version("story", id, current.version, expected)?;
            let mut story = current.clone();
            let content_changed = story.apply(&changes);
            let moved = story.parent_id != current.parent_id;
            let becomes_done =
                story.status == StoryStatus::Done && current.status != StoryStatus::Done;

            let mut writes = Vec::new();
            if moved {
                writes.extend(self.check_move(&story).await?);
            } else if let Some(parent) = story.parent_id.filter(|_| {
                current.status == StoryStatus::Done && story.status != StoryStatus::Done
            }) {
                // Reopening a child: its parent must not be Done, and is held
                // at the version read (a parent reaching Done meanwhile, counting
                // this child as Done, sends the reopening round again).
                let parent = self.story(parent).await?;
                Self::refuse_under_done(&parent, "reopening its child", "status")?;
                writes.push(Write::CheckStory {
                    id: parent.id,
                    expect: Expect::Version(parent.version),
                });
            }
            if becomes_done {
                let below = self.subtree(id).await?;
                let gate =
                    DonePrerequisites::check(&below.iter().collect::<Vec<_>>(), &record.tests);
                if !gate.met() {
                    return Err(gate.into_error(id));
                }
                // Hold what the gate read: a descendant or test that changes
                // before the write makes the batch fail, and the gate is
                // decided again on what is there then.
                writes.extend(below.iter().map(|s| Write::CheckStory {
                    id: s.id,
                    expect: Expect::Version(s.version),
                }));
                if !content_changed {
                    // (A content change writes every test below, which holds them.)
                    writes.extend(record.tests.iter().map(|t| Write::CheckTest {
                        story_id: id,
                        id: t.id,
                        expect: Expect::Version(t.version),
                    }));
                }
            }
            if story == current {
                return Ok(current);
            }
            if content_changed || moved {
                // A move alone re-checks for duplicates among the new siblings
                // but refuses nothing: the content was accepted before.
                let siblings = self
                    .store
                    .stories_under(story.project_id, story.parent_id)
                    .await?;
                super::quality::check_story(
                    &mut story,
                    &siblings,
                    accept_warnings || !content_changed,
                )?;
            }
            let now = Timestamp::now();
            story.version = version + 1;
            story.updated_at = now;
            if content_changed {
                // Rule 4: tests written against the old content need a review.
                for test in record
                    .tests
                    .iter()
                    .filter(|t| t.status != TestStatus::NeedsReview)
                {
                    let mut test = test.clone();
                    let expect = Expect::Version(test.version);
                    test.status = TestStatus::NeedsReview;
                    test.version += 1;
                    test.updated_at = now;
                    writes.push(Write::PutTest {
                        project_id: story.project_id,
                        test,
                        expect,
                    });
                }
            }
            writes.push(Write::PutStory {
                story: story.clone(),
                expect: Expect::Version(version),
            });
            self.store
                .commit(writes)
                .await
                .map_err(|e| super::held_item_gone(e, ("story", id.to_string())))?;
            Ok(story)
        })
        .await
    }

    /// How many levels of descendants a story has (0 for a leaf).
    async fn height_below(&self, id: StoryId) -> Result<usize> {
        let mut level: HashMap<StoryId, usize> = HashMap::from([(id, 0)]);
        let mut height = 0;
        for s in self.subtree(id).await? {
            let l = s.parent_id.and_then(|p| level.get(&p)).map_or(1, |l| l + 1);
            height = height.max(l);
            level.insert(s.id, l);
        }
        Ok(height)
    }

    /// Every descendant of a story, parents before children, each read from
    /// the stories under its parent (consistently, on both stores).
    async fn subtree(&self, id: StoryId) -> Result<Vec<Story>> {
        let project = self.story(id).await?.project_id;
        let mut out: Vec<Story> = Vec::new();
        let mut next = 0;
        let mut parent = Some(id);
        while let Some(p) = parent {
            out.extend(self.store.stories_under(project, Some(p)).await?);
            if out.len() > super::MAX_STORIES_BELOW {
                return Err(Error::internal(
                    "walking descendants",
                    "the stored tree has a cycle",
                ));
            }
            parent = out.get(next).map(|s| s.id);
            next += 1;
        }
        Ok(out)
    }

    /// Rule 6 for a move: the new parent exists in the same project and is not
    /// the story itself or one of its descendants. Returns the conditions that
    /// keep the new parent's lineage as checked.
    ///
    /// The cycle check reads the new parent's lineage (consistently) and
    /// holds it: a concurrent move that would close a cycle writes a story of
    /// that lineage, so one of the two batches fails and is re-planned.
    async fn check_move(&self, story: &Story) -> Result<Vec<crate::store::Write>> {
        let Some(parent) = story.parent_id else {
            return Ok(Vec::new());
        };
        if parent == story.id {
            return Err(Error::rule(
                Rule::Cycle,
                format!("story {} cannot be its own parent", story.id),
                json!({"field": "parentId", "storyId": story.id, "parentId": parent}),
            ));
        }
        let lineage = self.lineage(parent).await.map_err(|e| match e {
            Error::NotFound { .. } => {
                Error::invalid("parentId", format!("story {parent} does not exist"))
            }
            other => other,
        })?;
        if lineage.iter().any(|ancestor| ancestor.id == story.id) {
            return Err(Error::rule(
                Rule::Cycle,
                format!(
                    "story {parent} is a descendant of story {}; the move would make a cycle",
                    story.id
                ),
                json!({"field": "parentId", "storyId": story.id, "parentId": parent}),
            ));
        }
        if lineage[0].project_id != story.project_id {
            return Err(Error::invalid(
                "parentId",
                format!("story {parent} belongs to another project"),
            ));
        }
        too_deep(
            parent,
            lineage.len() + 1 + self.height_below(story.id).await?,
        )?;
        if story.status != StoryStatus::Done {
            Self::refuse_under_done(
                &lineage[0],
                "moving a story that is not Done under it",
                "parentId",
            )?;
        }
        Ok(Self::attach(&lineage))
    }

    /// Delete a story with its whole subtree, tests, tasks and links (rule 7).
    /// Returns how many stories were deleted.
    ///
    /// First the root is marked `deleting` (conditional on its version): from
    /// then on nothing can attach under it, because every attach holds the
    /// versions of the lineage it read. Then the subtree goes bottom-up, each
    /// story together with what hangs under it, so that whatever prefix of the
    /// steps has been applied, no item is left without its story or parent.
    pub async fn delete_story(&self, id: StoryId, expected: Option<u64>) -> Result<usize> {
        // Without a version, a mark that lost to a concurrent change of the
        // root (an edit, a child attached) reads again and marks what is there.
        let own = expected.map(|_| ("story", id.to_string()));
        let root = self
            .replanned(own, || async {
                let root = self.story(id).await?;
                let before = self.subtree_contents(&root).await?;
                if let Some(active) = before.runs.iter().find(|r| !r.status.is_terminal()) {
                    return Err(Error::rule(
                        Rule::RunInProgress,
                        format!(
                            "story {} has code run {} in progress; cancel it before deleting",
                            active.story_id, active.run_id
                        ),
                        json!({"storyId": active.story_id, "runId": active.run_id}),
                    ));
                }
                if !root.deleting {
                    let version = expect_version("story", id, root.version, expected)?;
                    let mut marked = root.clone();
                    marked.deleting = true;
                    marked.version = version + 1;
                    self.store
                        .commit(vec![Write::PutStory {
                            story: marked,
                            expect: Expect::Version(version),
                        }])
                        .await?;
                }
                Ok(root)
            })
            .await?;
        // Read after the mark, consistently: whatever attached before the mark
        // is in the plan, and nothing can attach after it.
        let contents = self.subtree_contents(&root).await?;
        let steps = deletion_steps(&contents, id);
        let deleted = steps
            .iter()
            .filter(|s| s.iter().any(|w| matches!(w, Write::DeleteStory { .. })))
            .count();
        self.store.commit_steps(steps).await?;
        Ok(deleted)
    }

    /// A story's subtree with everything stored under each of its stories,
    /// read story by story from the base records (consistent on both stores).
    async fn subtree_contents(&self, root: &Story) -> Result<ProjectContents> {
        let mut contents = ProjectContents {
            stories: vec![root.clone()],
            ..Default::default()
        };
        contents.stories.extend(self.subtree(root.id).await?);
        let mut links = HashSet::new();
        for story in &contents.stories {
            let Some(record) = self.store.get_story_record(story.id).await? else {
                continue;
            };
            contents.tests.extend(record.tests);
            contents.tasks.extend(record.tasks);
            contents.pull_requests.extend(record.pull_requests);
            contents.runs.extend(record.runs);
            for link in record.dependencies.into_iter().chain(record.dependents) {
                if links.insert((link.story_id, link.depends_on_story_id)) {
                    contents.links.push(link);
                }
            }
        }
        Ok(contents)
    }

    /// What deleting a story would remove: stories (itself included) and tests.
    pub async fn deletion_impact(&self, id: StoryId) -> Result<(usize, usize)> {
        let root = self.story(id).await?;
        let contents = self.store.project_contents(root.project_id).await?;
        let mut doomed: HashSet<StoryId> = descendants(&contents.stories, id)
            .iter()
            .map(|s| s.id)
            .collect();
        doomed.insert(id);
        let tests = contents
            .tests
            .iter()
            .filter(|t| doomed.contains(&t.story_id))
            .count();
        Ok((doomed.len(), tests))
    }
}

/// The ordered steps of a cascade delete: for each story, deepest first, one
/// step removing its links (both ends), tests, tasks and then the story.
fn deletion_steps(contents: &ProjectContents, root: StoryId) -> Vec<Vec<Write>> {
    let Some(root_story) = contents.stories.iter().find(|s| s.id == root) else {
        return Vec::new();
    };
    let project_id = root_story.project_id;
    let mut order: Vec<&Story> = vec![root_story];
    order.extend(descendants(&contents.stories, root));
    order.reverse(); // children before parents
    let mut removed_links = HashSet::new();
    order
        .into_iter()
        .map(|story| {
            let mut step = Vec::new();
            for link in contents
                .links
                .iter()
                .filter(|l| l.story_id == story.id || l.depends_on_story_id == story.id)
            {
                if removed_links.insert((link.story_id, link.depends_on_story_id)) {
                    step.push(Write::DeleteLink {
                        project_id,
                        link: link.clone(),
                    });
                }
            }
            for test in contents.tests.iter().filter(|t| t.story_id == story.id) {
                step.push(Write::DeleteTest {
                    project_id,
                    test: test.clone(),
                    expect: Expect::Exists,
                });
            }
            for task in contents.tasks.iter().filter(|t| t.story_id == story.id) {
                step.push(Write::DeleteTask {
                    project_id,
                    task: task.clone(),
                    expect: Expect::Exists,
                });
            }
            for pr in contents
                .pull_requests
                .iter()
                .filter(|p| p.story_id == story.id)
            {
                step.push(Write::DeletePullRequest {
                    project_id,
                    pr: pr.clone(),
                    expect: Expect::Exists,
                });
            }
            for run in contents.runs.iter().filter(|r| r.story_id == story.id) {
                step.push(Write::DeleteRun {
                    run: run.clone(),
                    expect: Expect::Exists,
                });
            }
            step.push(Write::DeleteStory {
                story: story.clone(),
                expect: Expect::Exists,
            });
            step
        })
        .collect()
}

impl Backlog {
    /// Store a freshly computed INVEST analysis on a story read at `version`.
    pub async fn record_analysis(
        &self,
        id: StoryId,
        version: u64,
        analysis: InvestAnalysis,
    ) -> Result<Story> {
        let mut story = self.story(id).await?;
        expect_version("story", id, story.version, Some(version))?;
        story.invest_analysis = analysis;
        story.version = version + 1;
        story.updated_at = Timestamp::now();
        self.store
            .commit(vec![Write::PutStory {
                story: story.clone(),
                expect: Expect::Version(version),
            }])
            .await?;
        Ok(story)
    }
}
