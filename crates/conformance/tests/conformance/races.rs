//! Rules under concurrency, with the race staged exactly: `Interleaved`
//! wraps the real store and, just before the first batch that matches, lets
//! a second operation land. Each case plays both orders of a race and checks
//! that the outcome is one of the two serial ones.

use super::{code, new_story, new_test, status_change, story};
use crate::support::Fixture;
use aipm_core::backlog::Backlog;
use aipm_core::domain::*;
use aipm_core::store::{ProjectContents, Store, StoryRecord, Write};
use aipm_core::Result;
use async_trait::async_trait;
use std::collections::HashSet;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::time::Duration;

type Cut = Pin<Box<dyn Future<Output = ()> + Send>>;

/// The real store, with one operation cut in before a chosen batch.
struct Interleaved {
    inner: Arc<dyn Store>,
    cut: Mutex<Option<(fn(&[Write]) -> bool, Cut)>>,
}

impl Interleaved {
    /// A backlog whose first batch matching `when` waits until `cut` has run
    /// (on the store directly), then commits as planned.
    fn backlog(f: &Fixture, when: fn(&[Write]) -> bool, cut: Cut) -> Backlog {
        Backlog::new(Arc::new(Interleaved {
            inner: f.store.clone(),
            cut: Mutex::new(Some((when, cut))),
        }))
    }

    async fn before(&self, writes: &[Write]) {
        let due = {
            let mut slot = self.cut.lock().unwrap();
            match slot.as_ref() {
                Some((when, _)) if when(writes) => slot.take().map(|(_, cut)| cut),
                _ => None,
            }
        };
        if let Some(cut) = due {
            cut.await;
        }
    }
}

#[async_trait]
impl Store for Interleaved {
    fn kind(&self) -> &'static str {
        self.inner.kind()
    }
    async fn ping(&self) -> Result<Duration> {
        self.inner.ping().await
    }
    async fn take_ids(&self, counter: Counter, count: u64) -> Result<u64> {
        self.inner.take_ids(counter, count).await
    }
    async fn get_project(&self, id: ProjectId) -> Result<Option<Project>> {
        self.inner.get_project(id).await
    }
    async fn list_projects(&self) -> Result<Vec<Project>> {
        self.inner.list_projects().await
    }
    async fn get_story(&self, id: StoryId) -> Result<Option<Story>> {
        self.inner.get_story(id).await
    }
    async fn get_stories(&self, ids: Vec<StoryId>) -> Result<Vec<Story>> {
        self.inner.get_stories(ids).await
    }
    async fn stories_under(&self, p: ProjectId, parent: Option<StoryId>) -> Result<Vec<Story>> {
        self.inner.stories_under(p, parent).await
    }
    async fn get_story_record(&self, id: StoryId) -> Result<Option<StoryRecord>> {
        self.inner.get_story_record(id).await
    }
    async fn project_contents(&self, p: ProjectId) -> Result<ProjectContents> {
        self.inner.project_contents(p).await
    }
    async fn project_stories(&self, p: ProjectId) -> Result<Vec<Story>> {
        self.inner.project_stories(p).await
    }
    async fn get_test(&self, id: TestId) -> Result<Option<AcceptanceTest>> {
        self.inner.get_test(id).await
    }
    async fn get_run(&self, id: RunId) -> Result<Option<CodeRun>> {
        self.inner.get_run(id).await
    }
    async fn append_log(&self, run: RunId, seq: u64, chunk: String) -> Result<()> {
        self.inner.append_log(run, seq, chunk).await
    }
    async fn read_log(&self, run: RunId) -> Result<String> {
        self.inner.read_log(run).await
    }
    async fn record_worker(&self, beat: WorkerBeat) -> Result<()> {
        self.inner.record_worker(beat).await
    }
    async fn workers(&self) -> Result<Vec<WorkerBeat>> {
        self.inner.workers().await
    }
    async fn get_task(&self, id: TaskId) -> Result<Option<Task>> {
        self.inner.get_task(id).await
    }
    async fn commit(&self, writes: Vec<Write>) -> Result<()> {
        self.before(&writes).await;
        self.inner.commit(writes).await
    }
    async fn commit_steps(&self, steps: Vec<Vec<Write>>) -> Result<()> {
        self.inner.commit_steps(steps).await
    }
}

fn marks_done(writes: &[Write]) -> bool {
    writes
        .iter()
        .any(|w| matches!(w, Write::PutStory { story, .. } if story.status == StoryStatus::Done))
}

fn marks_a_root_done(writes: &[Write]) -> bool {
    writes.iter().any(|w| {
        matches!(w, Write::PutStory { story, .. }
            if story.status == StoryStatus::Done && story.parent_id.is_none())
    })
}

fn writes_a_failing_test(writes: &[Write]) -> bool {
    writes
        .iter()
        .any(|w| matches!(w, Write::PutTest { test, .. } if test.status == TestStatus::Fail))
}

fn creates_a_story(writes: &[Write]) -> bool {
    writes.iter().any(|w| {
        matches!(
            w,
            Write::PutStory {
                expect: aipm_core::store::Expect::Absent,
                ..
            }
        )
    })
}

fn marks_for_deletion(writes: &[Write]) -> bool {
    writes
        .iter()
        .any(|w| matches!(w, Write::PutStory { story, .. } if story.deleting))
}

fn fail() -> TestChanges {
    TestChanges {
        status: Some(TestStatus::Fail),
        ..Default::default()
    }
}

/// A story with one passing test: ready to be Done.
async fn ready(b: &Backlog, t: &str) -> (Story, AcceptanceTest) {
    let s = story(b, t, None).await;
    let test = b
        .create_test(s.id, new_test(TestStatus::Pass), true)
        .await
        .unwrap();
    (s, test)
}

async fn status_of(f: &Fixture, s: StoryId, t: TestId) -> (StoryStatus, TestStatus) {
    let story = f.store.get_story(s).await.unwrap().unwrap();
    let test = f.store.get_test(t).await.unwrap().unwrap();
    (story.status, test.status)
}

pub async fn done_gate_holds_the_tests_it_read(f: Fixture) {
    let (s, t) = ready(&f.backlog, "gate read").await;
    // The gate has read the test as Pass; the test fails before the write.
    let inner = f.backlog.clone();
    let cut: Cut = Box::pin(async move {
        inner.update_test(t.id, None, fail(), true).await.unwrap();
    });
    let racing = Interleaved::backlog(&f, marks_done, cut);
    let err = racing
        .update_story(s.id, None, status_change(StoryStatus::Done), true)
        .await
        .unwrap_err();
    assert_eq!(code(&err), "STORY_STATUS_BLOCKED", "{err}");
    assert_eq!(
        status_of(&f, s.id, t.id).await,
        (StoryStatus::Draft, TestStatus::Fail)
    );
}

pub async fn failing_a_test_holds_the_story_it_read(f: Fixture) {
    let (s, t) = ready(&f.backlog, "fail read").await;
    // The test change has read the story as not Done; it becomes Done,
    // counting the test as Pass, before the write.
    let inner = f.backlog.clone();
    let cut: Cut = Box::pin(async move {
        inner
            .update_story(s.id, None, status_change(StoryStatus::Done), true)
            .await
            .unwrap();
    });
    let racing = Interleaved::backlog(&f, writes_a_failing_test, cut);
    let err = racing
        .update_test(t.id, None, fail(), true)
        .await
        .unwrap_err();
    assert_eq!(code(&err), "STORY_DONE", "{err}");
    assert_eq!(
        status_of(&f, s.id, t.id).await,
        (StoryStatus::Done, TestStatus::Pass)
    );
    // Out of Done, the test can fail.
    f.backlog
        .update_story(s.id, None, status_change(StoryStatus::InProgress), true)
        .await
        .unwrap();
    f.backlog
        .update_test(t.id, None, fail(), true)
        .await
        .unwrap();
}

pub async fn done_gate_holds_the_descendants_it_read(f: Fixture) {
    let b = &f.backlog;
    let (parent, _) = ready(b, "gate parent").await;
    let child = story(b, "gate child", Some(parent.id)).await;
    b.create_test(child.id, new_test(TestStatus::Pass), true)
        .await
        .unwrap();
    b.update_story(child.id, None, status_change(StoryStatus::Done), true)
        .await
        .unwrap();
    // The gate has read the child as Done; it is reopened before the write.
    let inner = b.clone();
    let cut: Cut = Box::pin(async move {
        inner
            .update_story(child.id, None, status_change(StoryStatus::InProgress), true)
            .await
            .unwrap();
    });
    // (Only the parent's move to Done: the cut reopens the child.)
    let racing = Interleaved::backlog(&f, marks_a_root_done, cut);
    let err = racing
        .update_story(parent.id, None, status_change(StoryStatus::Done), true)
        .await
        .unwrap_err();
    assert_eq!(code(&err), "STORY_STATUS_BLOCKED", "{err}");
    let after = f.store.get_story(parent.id).await.unwrap().unwrap();
    assert_ne!(after.status, StoryStatus::Done);
}

fn creates_a_test(writes: &[Write]) -> bool {
    writes.iter().any(|w| {
        matches!(
            w,
            Write::PutTest {
                expect: aipm_core::store::Expect::Absent,
                ..
            }
        )
    })
}

async fn tests_of(f: &Fixture, s: StoryId) -> Vec<TestStatus> {
    let record = f.store.get_story_record(s).await.unwrap().unwrap();
    record.tests.iter().map(|t| t.status).collect()
}

pub async fn done_gate_counts_a_test_created_after_it_read(f: Fixture) {
    // The gate has read one passing test; a draft test is added before the
    // write: the gate decides again, counting it, and refuses.
    let (s, _) = ready(&f.backlog, "gate vs new test").await;
    let inner = f.backlog.clone();
    let cut: Cut = Box::pin(async move {
        inner
            .create_test(s.id, new_test(TestStatus::Draft), true)
            .await
            .unwrap();
    });
    let racing = Interleaved::backlog(&f, marks_done, cut);
    let err = racing
        .update_story(s.id, None, status_change(StoryStatus::Done), true)
        .await
        .unwrap_err();
    assert_eq!(code(&err), "STORY_STATUS_BLOCKED", "{err}");
    let after = f.store.get_story(s.id).await.unwrap().unwrap();
    assert_ne!(after.status, StoryStatus::Done);

    // The other order: the create has read the story as not Done; it is
    // Done before the write: the create decides again and is refused.
    let (s, _) = ready(&f.backlog, "new test vs gate").await;
    let inner = f.backlog.clone();
    let cut: Cut = Box::pin(async move {
        inner
            .update_story(s.id, None, status_change(StoryStatus::Done), true)
            .await
            .unwrap();
    });
    let racing = Interleaved::backlog(&f, creates_a_test, cut);
    let err = racing
        .create_test(s.id, new_test(TestStatus::Draft), true)
        .await
        .unwrap_err();
    assert_eq!(code(&err), "STORY_DONE", "{err}");
    assert_eq!(tests_of(&f, s.id).await, vec![TestStatus::Pass]);
}

pub async fn done_gate_counts_a_child_created_after_it_read(f: Fixture) {
    // The gate has read no children; a draft child is created before the
    // write: the gate decides again and refuses.
    let (parent, _) = ready(&f.backlog, "gate vs new child").await;
    let inner = f.backlog.clone();
    let cut: Cut = Box::pin(async move {
        inner
            .create_story(new_story("late child", Some(parent.id)), None, true)
            .await
            .unwrap();
    });
    let racing = Interleaved::backlog(&f, marks_a_root_done, cut);
    let err = racing
        .update_story(parent.id, None, status_change(StoryStatus::Done), true)
        .await
        .unwrap_err();
    assert_eq!(code(&err), "STORY_STATUS_BLOCKED", "{err}");
    let after = f.store.get_story(parent.id).await.unwrap().unwrap();
    assert_ne!(after.status, StoryStatus::Done);

    // The other order: the parent is Done before the child's write.
    let (parent, _) = ready(&f.backlog, "new child vs gate").await;
    let inner = f.backlog.clone();
    let cut: Cut = Box::pin(async move {
        inner
            .update_story(parent.id, None, status_change(StoryStatus::Done), true)
            .await
            .unwrap();
    });
    let racing = Interleaved::backlog(&f, creates_a_story, cut);
    let err = racing
        .create_story(new_story("early child", Some(parent.id)), None, true)
        .await
        .unwrap_err();
    assert_eq!(code(&err), "STORY_DONE", "{err}");
    let children = f
        .store
        .stories_under(Project::DEFAULT_ID, Some(parent.id))
        .await
        .unwrap();
    assert!(
        children.is_empty(),
        "no child under the Done story: {children:?}"
    );
}

pub async fn a_done_story_keeps_its_work_finished(f: Fixture) {
    let b = &f.backlog;
    let (parent, _) = ready(b, "finished parent").await;
    let child = story(b, "finished child", Some(parent.id)).await;
    b.create_test(child.id, new_test(TestStatus::Pass), true)
        .await
        .unwrap();
    b.update_story(child.id, None, status_change(StoryStatus::Done), true)
        .await
        .unwrap();
    b.update_story(parent.id, None, status_change(StoryStatus::Done), true)
        .await
        .unwrap();
    let loose = story(b, "loose story", None).await;

    // Given a Done story, when work that is not finished is attached to it
    // or one of its children is reopened, then each is refused naming the
    // field, and nothing changes.
    let draft_test = b
        .create_test(parent.id, new_test(TestStatus::Draft), true)
        .await;
    let draft_child = b
        .create_story(new_story("draft child", Some(parent.id)), None, true)
        .await;
    let reopened = b
        .update_story(child.id, None, status_change(StoryStatus::InProgress), true)
        .await;
    let moved_in = b
        .update_story(
            loose.id,
            None,
            StoryChanges {
                parent_id: Some(Some(parent.id)),
                ..Default::default()
            },
            true,
        )
        .await;
    for (what, field, result) in [
        ("a draft test", "status", draft_test.map(|_| ())),
        ("a draft child", "parentId", draft_child.map(|_| ())),
        ("reopening a child", "status", reopened.map(|_| ())),
        ("moving a draft story in", "parentId", moved_in.map(|_| ())),
    ] {
        let err = result.expect_err(what);
        assert_eq!(code(&err), "STORY_DONE", "{what}: {err}");
        let aipm_core::Error::Rule { details, .. } = &err else {
            panic!("{what}: {err}");
        };
        assert_eq!(details["field"], field, "{what}");
        assert_eq!(details["storyId"], parent.id.0, "{what}");
    }
    assert_eq!(tests_of(&f, parent.id).await, vec![TestStatus::Pass]);
    let children = f
        .store
        .stories_under(Project::DEFAULT_ID, Some(parent.id))
        .await
        .unwrap();
    assert_eq!(children.len(), 1);
    assert_eq!(children[0].status, StoryStatus::Done);

    // A passing test or a Done child may still join it.
    b.create_test(parent.id, new_test(TestStatus::Pass), true)
        .await
        .unwrap();
}

pub async fn racing_done_and_a_failing_test_never_both_land(f: Fixture) {
    for round in 0..4 {
        let (s, t) = ready(&f.backlog, &format!("race {round}")).await;
        let (done, failed) = tokio::join!(
            f.backlog
                .update_story(s.id, None, status_change(StoryStatus::Done), true),
            f.backlog.update_test(t.id, None, fail(), true),
        );
        let end = status_of(&f, s.id, t.id).await;
        match (done, failed) {
            (Ok(_), Err(e)) => {
                assert_eq!(code(&e), "STORY_DONE", "{e}");
                assert_eq!(end, (StoryStatus::Done, TestStatus::Pass));
            }
            (Err(e), Ok(_)) => {
                assert_eq!(code(&e), "STORY_STATUS_BLOCKED", "{e}");
                assert_eq!(end, (StoryStatus::Draft, TestStatus::Fail));
            }
            other => panic!("exactly one of the two lands, got {other:?}"),
        }
    }
}

/// No story without its parent, no test or task without its story.
async fn assert_no_orphans(f: &Fixture) {
    let c = f.store.project_contents(Project::DEFAULT_ID).await.unwrap();
    let ids: HashSet<StoryId> = c.stories.iter().map(|s| s.id).collect();
    for s in &c.stories {
        if let Some(p) = s.parent_id {
            assert!(ids.contains(&p), "story {} outlived its parent {p}", s.id);
        }
    }
    for t in &c.tests {
        assert!(
            ids.contains(&t.story_id),
            "test {} outlived its story",
            t.id
        );
    }
    for t in &c.tasks {
        assert!(
            ids.contains(&t.story_id),
            "task {} outlived its story",
            t.id
        );
    }
}

pub async fn a_child_created_while_its_parent_is_deleted_is_never_an_orphan(f: Fixture) {
    let b = &f.backlog;
    // The create has read the parent's lineage; the parent is deleted before
    // the write: the create is refused.
    let parent = story(b, "doomed parent", None).await;
    let inner = b.clone();
    let cut: Cut = Box::pin(async move {
        inner.delete_story(parent.id, None).await.unwrap();
    });
    let racing = Interleaved::backlog(&f, creates_a_story, cut);
    let err = racing
        .create_story(new_story("late child", Some(parent.id)), None, true)
        .await
        .unwrap_err();
    assert_eq!(code(&err), "VALIDATION_ERROR", "{err}");
    assert_no_orphans(&f).await;

    // The delete has read the subtree; a child (with a test) is created
    // before the mark: the delete's plan, read after the mark, takes it too.
    let parent = story(b, "second parent", None).await;
    let inner = b.clone();
    let cut: Cut = Box::pin(async move {
        let child = inner
            .create_story(
                new_story("early child", Some(parent.id)),
                Some(new_test(TestStatus::Draft)),
                true,
            )
            .await
            .unwrap();
        story(&inner, "grandchild", Some(child.id)).await;
    });
    let racing = Interleaved::backlog(&f, marks_for_deletion, cut);
    assert_eq!(racing.delete_story(parent.id, None).await.unwrap(), 3);
    assert_no_orphans(&f).await;
    assert!(b.story_list(Project::DEFAULT_ID).await.unwrap().is_empty());
}

pub async fn racing_child_creates_and_a_delete_leave_no_orphan(f: Fixture) {
    let b = &f.backlog;
    for round in 0..3 {
        let parent = story(b, &format!("parent {round}"), None).await;
        let (deleted, a, c) = tokio::join!(
            b.delete_story(parent.id, None),
            b.create_story(new_story("child a", Some(parent.id)), None, true),
            b.create_story(new_story("child c", Some(parent.id)), None, true),
        );
        deleted.unwrap();
        for created in [a, c] {
            if let Err(e) = created {
                assert_eq!(code(&e), "VALIDATION_ERROR", "{e}");
            }
        }
        assert_no_orphans(&f).await;
    }
    assert!(b.story_list(Project::DEFAULT_ID).await.unwrap().is_empty());
}
