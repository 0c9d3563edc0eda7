//! Where branches and pull requests live: a local git repository on disk
//! (the embedded default; a local PR record stands for the PR) or GitHub.
//! Code generation calls a forge to open the branch with TASK.md and a draft
//! PR; workers clone and push through the remote it describes.

use crate::error::Result;
use crate::secret::Secret;
use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use std::sync::Arc;

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
pub fn escape_path(text: &str) -> String {
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

/// Whether a project's repository is a local path (else `owner/name` on GitHub).
pub fn is_local(repo: &str) -> bool {
    repo.starts_with('/')
}

/// A repository as a project stores it: an absolute path to a git repository
/// on this machine, or `owner/name` on GitHub (URLs of GitHub are accepted).
pub fn normalize_repository(raw: &str) -> std::result::Result<String, String> {
    let raw = raw.trim();
    if raw.starts_with('/') {
        let path = std::path::Path::new(raw);
        let is_repo = path.join(".git").exists()
            || (path.join("HEAD").is_file() && path.join("objects").is_dir());
        return if is_repo {
            Ok(path
                .canonicalize()
                .map(|p| p.to_string_lossy().into_owned())
                .unwrap_or_else(|_| raw.to_string()))
        } else {
            Err(format!("{raw} is not a git repository on this machine"))
        };
    }
    let name = raw
        .trim_start_matches("https://github.com/")
        .trim_start_matches("git@github.com:")
        .trim_end_matches('/')
        .trim_end_matches(".git");
    let valid = |part: &str| {
        !part.is_empty()
            && part
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
    };
    match name.split_once('/') {
        Some((owner, repo)) if valid(owner) && valid(repo) && !repo.contains('/') => {
            Ok(format!("{owner}/{repo}"))
        }
        _ => Err(format!(
            "'{raw}' is neither an absolute path to a git repository nor owner/name on GitHub"
        )),
    }
}

/// The forge for any repository: local paths go to the local git forge,
/// `owner/name` to GitHub when it is configured.
pub struct AnyForge {
    pub local: Arc<dyn Forge>,
    pub github: Option<Arc<dyn Forge>>,
}

impl AnyForge {
    /// The local forge always; GitHub where it is configured.
    pub fn new(local: Arc<dyn Forge>, github: Option<Arc<dyn Forge>>) -> Arc<dyn Forge> {
        Arc::new(AnyForge { local, github })
    }

    fn pick(&self, repo: &str) -> Result<&dyn Forge> {
        if is_local(repo) {
            return Ok(self.local.as_ref());
        }
        self.github.as_deref().ok_or_else(|| {
            crate::error::Error::invalid(
                "repository",
                format!("{repo} is on GitHub, and GitHub is not configured: set AIPM_GITHUB_TOKEN"),
            )
        })
    }
}

#[async_trait]
impl Forge for AnyForge {
    fn kind(&self) -> &'static str {
        if self.github.is_some() {
            "local+github"
        } else {
            "local"
        }
    }

    async fn open_pull_request(&self, request: &PullRequestRequest) -> Result<PullRequestInfo> {
        self.pick(&request.repo)?.open_pull_request(request).await
    }

    async fn comment(&self, repo: &str, number: u64, body: &str) -> Result<()> {
        self.pick(repo)?.comment(repo, number, body).await
    }

    async fn close(&self, repo: &str, number: u64) -> Result<()> {
        self.pick(repo)?.close(repo, number).await
    }

    async fn merge(&self, repo: &str, number: u64) -> Result<PullRequestInfo> {
        self.pick(repo)?.merge(repo, number).await
    }

    async fn pull_request(&self, repo: &str, number: u64) -> Result<PullRequestInfo> {
        self.pick(repo)?.pull_request(repo, number).await
    }

    fn remote(&self, repo: &str) -> Result<GitRemote> {
        self.pick(repo)?.remote(repo)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repositories_are_paths_or_github_names() {
        assert_eq!(
            normalize_repository("https://github.com/acme/shop.git").unwrap(),
            "acme/shop"
        );
        assert_eq!(
            normalize_repository("git@github.com:acme/shop.git").unwrap(),
            "acme/shop"
        );
        assert_eq!(normalize_repository(" acme/shop ").unwrap(), "acme/shop");
        assert!(normalize_repository("acme").is_err());
        assert!(normalize_repository("a/b/c").is_err());
        assert!(normalize_repository("/definitely/not/here")
            .unwrap_err()
            .contains("not a git repository"));
    }
}
