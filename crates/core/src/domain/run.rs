use super::{ProjectId, RunId, RunStatus, StoryId, TestId, TestStatus, Timestamp};
use crate::forge::PrState;
use serde::{Deserialize, Serialize};

/// One code generation for a story: its branch and PR, and its attempts. A
/// retry starts the next attempt of the same run on the same branch.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CodeRun {
    pub run_id: RunId,
    pub story_id: StoryId,
    pub project_id: ProjectId,
    /// The agent preset (`kiro`, `claude`, `codex`, `aider`, `gemini`) or `custom`.
    pub agent: String,
    /// The user's extra instructions, written into TASK.md.
    pub instructions: String,
    pub status: RunStatus,
    /// `owner/name` or a local path.
    pub repo: String,
    pub branch_name: String,
    pub pr_number: Option<u64>,
    pub pr_url: Option<String>,
    pub attempt: u32,
    pub created_at: Timestamp,
    pub started_at: Option<Timestamp>,
    pub finished_at: Option<Timestamp>,
    /// Why the run failed, timed out or was cancelled.
    pub error: Option<String>,
    pub summary: Option<RunSummary>,
    /// Set by cancel; the worker stops the agent when it sees it.
    #[serde(default)]
    pub cancel_requested: bool,
    /// The worker's last sign of life.
    pub heartbeat_at: Option<Timestamp>,
    /// Which worker holds the run.
    pub worker: Option<String>,
    /// Every attempt with what started it, oldest first.
    #[serde(default)]
    pub attempts: Vec<Attempt>,
    pub version: u64,
}

impl CodeRun {
    /// The record of the current attempt, when the run keeps one.
    pub fn current_attempt(&self) -> Option<&Attempt> {
        self.attempts.iter().find(|a| a.number == self.attempt)
    }
}

/// One attempt of a run: what started it and, for a follow-up, what it asks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Attempt {
    pub number: u32,
    pub trigger: AttemptTrigger,
    /// The follow-up's message, carried into TASK.md; none for the first
    /// attempt and a plain retry.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    pub requested_at: Timestamp,
}

/// What started an attempt: a user (generate, retry, follow-up), a review
/// comment on the PR, or a failing CI check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AttemptTrigger {
    User,
    Review,
    Ci,
}

impl AttemptTrigger {
    pub fn as_str(self) -> &'static str {
        match self {
            AttemptTrigger::User => "user",
            AttemptTrigger::Review => "review",
            AttemptTrigger::Ci => "ci",
        }
    }
}

/// What a finished attempt produced, as the worker checked it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct RunSummary {
    pub agent_exit_code: Option<i32>,
    pub commits: u32,
    pub files_changed: u32,
    pub insertions: u32,
    pub deletions: u32,
    pub verify: Option<VerifyOutcome>,
    /// What became of the agent's `.aipm/acceptance.json`, when this
    /// attempt wrote one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub acceptance: Option<AcceptanceOutcome>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ResultStatus {
    Pass,
    Fail,
}

impl ResultStatus {
    pub fn test_status(self) -> TestStatus {
        match self {
            ResultStatus::Pass => TestStatus::Pass,
            ResultStatus::Fail => TestStatus::Fail,
        }
    }
}

/// What became of the results of one attempt, kept in the run's summary.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct AcceptanceOutcome {
    /// Results recorded on the story's tests.
    pub recorded: Vec<RecordedResult>,
    /// Ids in the file that are not tests of the run's story.
    pub ignored: Vec<u64>,
    /// Results the backlog's rules (or the verify command) did not let
    /// through, with the reason.
    pub refused: Vec<RefusedResult>,
    /// Why the file was not read at all.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RecordedResult {
    pub test_id: TestId,
    pub status: ResultStatus,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RefusedResult {
    pub test_id: TestId,
    pub status: ResultStatus,
    pub reason: String,
}

/// The verify command's result (`AIPM_VERIFY_CMD`, e.g. the repo's tests).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct VerifyOutcome {
    pub command: String,
    pub exit_code: Option<i32>,
    pub passed: bool,
}

/// A pull request AIPM opened for a story and tracks.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PullRequest {
    pub story_id: StoryId,
    pub number: u64,
    pub pr_url: String,
    pub html_url: String,
    pub branch_name: String,
    pub repo: String,
    pub task_title: String,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub assignee: String,
    pub state: PrState,
    /// The run that opened it.
    pub run_id: RunId,
    pub version: u64,
}

/// A worker's last report: who it is and what it is running.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WorkerBeat {
    pub id: String,
    pub host: String,
    pub started_at: Timestamp,
    pub heartbeat_at: Timestamp,
    pub capacity: u32,
    pub active_runs: Vec<RunId>,
    /// How the worker confines its agents: `bubblewrap`, `off` (the
    /// operator's explicit choice) or `unavailable: <why>` (runs refused).
    #[serde(default)]
    pub sandbox: String,
}
