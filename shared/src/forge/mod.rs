//! Where branches and pull requests live: a local git repository on disk
//! (the embedded default; a local PR record stands for the PR) or GitHub.
//! Code generation calls a forge to open the branch with TASK.md and a draft
//! PR; workers clone and push through the remote it describes.

use crate::api::Secret;
use crate::error::Result;
use async_trait::async_trait;
use serde::{Deserialize, Serialize};

pub mod github;
pub mod local;

pub use github::{GitHubConfig, GitHubForge, RetryPolicy};
pub use local::LocalGitForge;

/// The file every AIPM branch carries: the task the agent works from.
pub const TASK_FILE: &str = "TASK.md";

/// What generateCode asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PullRequestRequest {
    /// `owner/name` on GitHub; the path of the repository for a local forge.
    pub repo: String,
    /// The branch to start from; the repository's default branch when None.
    pub base: Option<String>,
    /// The branch wanted, `aipm/<storyId>-<slug>`; the forge adds `-2`, `-3`…
    /// when it is taken.
    pub branch: String,
    pub title: String,
    /// The PR description (links back to the story).
    pub body: String,
    /// The content of TASK.md, committed on the new branch.
    pub task_md: String,
    pub commit_message: String,
}

/// A PR as the forge reports it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PullRequestInfo {
    pub number: u64,
    /// API URL of the PR (GitHub) or `file://…#pr-<n>` (local).
    pub url: String,
    /// Where a person looks at it.
    pub html_url: String,
    pub branch: String,
    pub base: String,
    pub state: PrState,
    pub draft: bool,
    /// Commits on the branch that the base does not have.
    pub commits: Option<u32>,
    /// `N files changed, +A -D`, when the forge can tell.
    pub diffstat: Option<String>,
}

/// The one spelling of a diffstat both forges report:
/// `3 files changed, +10 -2`.
pub fn diffstat(files: u64, additions: u64, deletions: u64) -> String {
    let noun = if files == 1 { "file" } else { "files" };
    format!("{files} {noun} changed, +{additions} -{deletions}")
}

/// Text as URL path segments: everything but unreserved bytes and `/`
/// percent-encoded (branch names in API paths, paths in `file://` URLs).
pub(crate) fn escape_path(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'/' | b'-' | b'.' | b'_' | b'~' => {
                out.push(byte as char)
            }
            _ => out.push_str(&format!("%{byte:02X}")),
        }
    }
    out
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PrState {
    Open,
    Closed,
    Merged,
}

/// How a worker reaches the repository with git: the URL, and environment
/// for git (e.g. `GIT_CONFIG_*` carrying an auth header) that must never be
/// logged or put on a command line.
#[derive(Debug, Clone)]
pub struct GitRemote {
    pub url: String,
    pub env: Vec<(String, Secret)>,
}

#[async_trait]
pub trait Forge: Send + Sync {
    /// `"local"` or `"github"`.
    fn kind(&self) -> &'static str;

    /// Create the branch from the base (suffixed when taken), commit TASK.md
    /// on it, and open a draft PR. Nothing is faked: any failure is an error.
    async fn open_pull_request(&self, request: &PullRequestRequest) -> Result<PullRequestInfo>;

    async fn comment(&self, repo: &str, number: u64, body: &str) -> Result<()>;

    async fn close(&self, repo: &str, number: u64) -> Result<()>;

    /// Squash-merge into the base branch.
    async fn merge(&self, repo: &str, number: u64) -> Result<PullRequestInfo>;

    async fn pull_request(&self, repo: &str, number: u64) -> Result<PullRequestInfo>;

    /// The remote a worker clones from and pushes to.
    fn remote(&self, repo: &str) -> Result<GitRemote>;
}
