//! The product's nouns, as types that can only hold valid values.

mod acceptance_test;
mod dependency;
mod ids;
mod project;
mod quality;
mod run;
mod story;
mod task;
mod time;
mod values;

pub use acceptance_test::{AcceptanceTest, TestChanges, TestChecks, TestEvidence};
pub use dependency::Dependency;
pub use ids::{parse_id, parse_whole, Counter, ProjectId, RunId, StoryId, TaskId, TestId, MAX_ID};
pub use project::{AgentNetwork, Project};
pub use quality::{InvestAnalysis, Warning};
pub use run::{
    AcceptanceOutcome, Attempt, AttemptTrigger, CodeRun, PullRequest, RecordedResult,
    RefusedResult, ResultStatus, RunSummary, VerifyOutcome, WorkerBeat,
};
pub use story::{Story, StoryChanges, StoryContent};
pub use task::{Task, TaskChanges};
pub use time::Timestamp;
pub use values::{
    optional_email, Component, Email, Hours, Relationship, RunStatus, Steps, StoryStatus,
    TaskStatus, TestStatus, Title, TITLE_MAX_CHARS,
};
