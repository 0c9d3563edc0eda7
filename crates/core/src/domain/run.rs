use super::{ProjectId, RunId, RunStatus, StoryId, Timestamp};
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
    pub version: u64,
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
