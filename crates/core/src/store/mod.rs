//! The store: where projects, stories, tests, tasks and links live.
//!
//! The rules (DESIGN §3.3) are decided once, above the store, in
//! `crate::backlog`; a store only reads and applies batches of writes
//! atomically, refusing any write whose expected version does not hold. Two
//! implementations — SQLite (`aipm-sqlite`) and DynamoDB (`aipm-aws`) — pass one
//! conformance suite (`crates/conformance/tests/store_conformance.rs`).

use crate::domain::{
    AcceptanceTest, CodeRun, Counter, Dependency, Project, ProjectId, PullRequest, RunId, Story,
    StoryId, Task, TaskId, TestId, WorkerBeat,
};
use crate::error::Result;
use async_trait::async_trait;
use std::time::Duration;

mod absent;
mod runs;
pub use absent::NoStore;
pub use runs::{RunStore, RunWrite};

/// What a write expects to find, checked atomically with the write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expect {
    /// The item must not exist yet.
    Absent,
    /// The item must exist at exactly this version.
    Version(u64),
    /// The item must exist, at any version.
    Exists,
}

/// One write of a batch. Puts carry the whole new item.
#[derive(Debug, Clone, PartialEq)]
pub enum Write {
    PutProject {
        project: Project,
        expect: Expect,
    },
    PutStory {
        story: Story,
        expect: Expect,
    },
    DeleteStory {
        story: Story,
        expect: Expect,
    },
    /// A condition only: the story is as expected (it is the story, parent or
    /// ancestor that the rest of the batch attaches to).
    CheckStory {
        id: StoryId,
        expect: Expect,
    },
    /// A condition only: the test is as expected (it is one that a rule,
    /// such as the Done gate, read and relies on).
    CheckTest {
        story_id: StoryId,
        id: TestId,
        expect: Expect,
    },
    PutTest {
        project_id: ProjectId,
        test: AcceptanceTest,
        expect: Expect,
    },
    DeleteTest {
        project_id: ProjectId,
        test: AcceptanceTest,
        expect: Expect,
    },
    PutTask {
        project_id: ProjectId,
        task: Task,
        expect: Expect,
    },
    DeleteTask {
        project_id: ProjectId,
        task: Task,
        expect: Expect,
    },
    /// Links are created once; re-adding one is refused by `Absent`.
    PutLink {
        project_id: ProjectId,
        link: Dependency,
    },
    DeleteLink {
        project_id: ProjectId,
        link: Dependency,
    },
    PutRun {
        run: CodeRun,
        expect: Expect,
    },
    DeleteRun {
        run: CodeRun,
        expect: Expect,
    },
    PutPullRequest {
        project_id: ProjectId,
        pr: PullRequest,
        expect: Expect,
    },
    DeletePullRequest {
        project_id: ProjectId,
        pr: PullRequest,
        expect: Expect,
    },
    /// A story's one active-run slot: taken with `Absent`, so a second run
    /// cannot start while one is active.
    ClaimActiveRun {
        story_id: StoryId,
        run_id: RunId,
    },
    /// Free the slot; holds only if this run has it.
    ReleaseActiveRun {
        story_id: StoryId,
        run_id: RunId,
    },
}

/// A story with everything stored under it.
#[derive(Debug, Clone, PartialEq)]
pub struct StoryRecord {
    pub story: Story,
    pub tests: Vec<AcceptanceTest>,
    pub tasks: Vec<Task>,
    /// Links from this story to the stories it names.
    pub dependencies: Vec<Dependency>,
    /// Links from other stories to this one.
    pub dependents: Vec<Dependency>,
    pub pull_requests: Vec<PullRequest>,
    pub runs: Vec<CodeRun>,
    /// The run that holds the story's one active slot, if any.
    pub active_run: Option<RunId>,
}

/// Everything of one project, for building the tree.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ProjectContents {
    pub stories: Vec<Story>,
    pub tests: Vec<AcceptanceTest>,
    pub tasks: Vec<Task>,
    pub links: Vec<Dependency>,
    pub pull_requests: Vec<PullRequest>,
    pub runs: Vec<CodeRun>,
}

#[async_trait]
pub trait Store: Send + Sync {
    /// `"sqlite"` or `"dynamodb"`, for health reports and logs.
    fn kind(&self) -> &'static str;

    /// A cheap round trip, for health checks.
    async fn ping(&self) -> Result<Duration>;

    /// Take `count` consecutive ids from a counter; returns the first.
    async fn take_ids(&self, counter: Counter, count: u64) -> Result<u64>;

    async fn get_project(&self, id: ProjectId) -> Result<Option<Project>>;
    async fn list_projects(&self) -> Result<Vec<Project>>;

    /// Only the story item, without what hangs under it.
    async fn get_story(&self, id: StoryId) -> Result<Option<Story>>;
    /// Several story items at once; missing ones are left out.
    async fn get_stories(&self, ids: Vec<StoryId>) -> Result<Vec<Story>>;
    /// The direct children of `parent`, or the project's root stories.
    async fn stories_under(
        &self,
        project: ProjectId,
        parent: Option<StoryId>,
    ) -> Result<Vec<Story>>;
    /// A story with its tests, tasks and links (one Query on DynamoDB).
    async fn get_story_record(&self, id: StoryId) -> Result<Option<StoryRecord>>;
    /// All stories, tests, tasks and links of a project (paginated internally).
    async fn project_contents(&self, project: ProjectId) -> Result<ProjectContents>;
    /// Only the stories of a project, for the rules that walk the tree.
    async fn project_stories(&self, project: ProjectId) -> Result<Vec<Story>>;

    async fn get_test(&self, id: TestId) -> Result<Option<AcceptanceTest>>;
    async fn get_run(&self, id: RunId) -> Result<Option<CodeRun>>;

    /// Append one chunk to a run's log (not transactional; `seq` orders them).
    async fn append_log(&self, run: RunId, seq: u64, chunk: String) -> Result<()>;
    /// The whole log of a run, in order.
    async fn read_log(&self, run: RunId) -> Result<String>;

    /// Record a worker's heartbeat (replacing its previous one).
    async fn record_worker(&self, beat: WorkerBeat) -> Result<()>;
    /// Every worker's last heartbeat.
    async fn workers(&self) -> Result<Vec<WorkerBeat>>;
    async fn get_task(&self, id: TaskId) -> Result<Option<Task>>;

    /// Apply every write or none. A failed expectation is
    /// `Error::VersionConflict` (or `NotFound` for a missing item) and nothing
    /// is written.
    async fn commit(&self, writes: Vec<Write>) -> Result<()>;

    /// Apply `steps` in order, each step atomic; a store may merge consecutive
    /// steps into one transaction (SQLite applies all of them in one). The
    /// caller orders the steps so that the state after any prefix is valid —
    /// this is how a cascade delete stays free of orphans past DynamoDB's
    /// 100-item transaction limit.
    async fn commit_steps(&self, steps: Vec<Vec<Write>>) -> Result<()>;
}

impl Write {
    /// The entity and id a write concerns, for error messages.
    pub fn target(&self) -> (&'static str, String) {
        match self {
            Write::PutProject { project, .. } => ("project", project.id.to_string()),
            Write::PutStory { story, .. } | Write::DeleteStory { story, .. } => {
                ("story", story.id.to_string())
            }
            Write::CheckStory { id, .. } => ("story", id.to_string()),
            Write::CheckTest { id, .. } => ("acceptance test", id.to_string()),
            Write::PutTest { test, .. } | Write::DeleteTest { test, .. } => {
                ("acceptance test", test.id.to_string())
            }
            Write::PutTask { task, .. } | Write::DeleteTask { task, .. } => {
                ("task", task.id.to_string())
            }
            Write::PutLink { link, .. } | Write::DeleteLink { link, .. } => (
                "dependency",
                format!("{}->{}", link.story_id, link.depends_on_story_id),
            ),
            Write::PutRun { run, .. } | Write::DeleteRun { run, .. } => {
                ("run", run.run_id.to_string())
            }
            Write::PutPullRequest { pr, .. } | Write::DeletePullRequest { pr, .. } => {
                ("pull request", pr.number.to_string())
            }
            Write::ClaimActiveRun { story_id, .. } | Write::ReleaseActiveRun { story_id, .. } => {
                ("active run of story", story_id.to_string())
            }
        }
    }

    /// What the write expects, if anything.
    pub fn expectation(&self) -> Expect {
        match self {
            Write::PutProject { expect, .. }
            | Write::PutStory { expect, .. }
            | Write::DeleteStory { expect, .. }
            | Write::PutTest { expect, .. }
            | Write::DeleteTest { expect, .. }
            | Write::PutTask { expect, .. }
            | Write::DeleteTask { expect, .. }
            | Write::CheckStory { expect, .. }
            | Write::CheckTest { expect, .. } => *expect,
            Write::PutRun { expect, .. }
            | Write::DeleteRun { expect, .. }
            | Write::PutPullRequest { expect, .. }
            | Write::DeletePullRequest { expect, .. } => *expect,
            Write::PutLink { .. } | Write::ClaimActiveRun { .. } => Expect::Absent,
            Write::DeleteLink { .. } => Expect::Exists,
            // The slot's stored version is the id of the run holding it.
            Write::ReleaseActiveRun { run_id, .. } => Expect::Version(run_id.0),
        }
    }

    /// The error for a write whose expectation failed, given the version found.
    pub fn conflict(&self, found: Option<u64>) -> crate::error::Error {
        use crate::error::Error;
        let (entity, id) = self.target();
        match (self.expectation(), found) {
            (Expect::Absent, _) => Error::AlreadyExists { entity, id },
            (_, None) => Error::NotFound { entity, id },
            (Expect::Version(expected), actual) => Error::VersionConflict {
                entity,
                id,
                expected,
                actual,
            },
            (Expect::Exists, Some(_)) => unreachable!("an existing item satisfies Exists"),
        }
    }
}
