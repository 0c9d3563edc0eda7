//! The embedded default forge: a git repository on disk (bare or with a
//! working tree) and a local PR record for each pull request.
//!
//! Branches are made with plumbing (a temporary index, `commit-tree`,
//! `update-ref`), so the user's working tree, index and HEAD never change.

mod git;
mod record;

use self::git::{MergeTree, Repo};
use self::record::{NewPull, PullRecord, PullRecords, RecordComment};
use aipm_core::error::{Error, Result, Rule};
use aipm_core::forge::{
    diffstat, escape_path, Forge, GitRemote, PrState, PullRequestInfo, PullRequestRequest,
    TASK_FILE,
};
use async_trait::async_trait;
use chrono::Utc;
use serde_json::json;
use std::path::Path;

/// `git merge-tree --write-tree` came with git 2.38.
const MERGE_TREE_SINCE: (u32, u32) = (2, 38);

/// How many suffixes (`-2` … ) to try before giving up on a branch name.
const MAX_BRANCH_SUFFIX: u32 = 100;

/// A forge over repositories on this machine; each call names its
/// repository by path (`PullRequestRequest::repo`, `repo` arguments).
#[derive(Debug, Clone, Default)]
pub struct LocalGitForge;

impl LocalGitForge {
    pub fn new() -> Self {
        LocalGitForge
    }
}

#[async_trait]
impl Forge for LocalGitForge {
    fn kind(&self) -> &'static str {
        "local"
    }

    async fn open_pull_request(&self, request: &PullRequestRequest) -> Result<PullRequestInfo> {
        let repo = Repo::open(&request.repo).await?;
        let base = match &request.base {
            Some(base) => base.clone(),
            None => repo.head_branch().await?.ok_or_else(|| {
                Error::invalid(
                    "base",
                    format!(
                        "{} has a detached HEAD, so it has no default branch; name the base branch",
                        request.repo
                    ),
                )
            })?,
        };
        let base_commit = repo.branch_commit(&base).await?.ok_or_else(|| {
            Error::invalid(
                "base",
                format!(
                    "branch {base} does not exist in {} (or has no commits)",
                    request.repo
                ),
            )
        })?;
        if !repo.is_valid_branch_name(&request.branch).await? {
            return Err(Error::invalid(
                "branch",
                format!("{:?} is not a valid git branch name", request.branch),
            ));
        }
        let commit = repo
            .commit_file(
                &base_commit,
                TASK_FILE,
                request.task_md.as_bytes(),
                &request.commit_message,
            )
            .await?;
        let branch = create_suffixed_branch(&repo, &request.branch, &commit).await?;
        let record = PullRecords::new(&repo.common_dir)
            .create(NewPull {
                title: &request.title,
                body: &request.body,
                branch: &branch,
                base: &base,
            })
            .await?;
        info(&repo, &record).await
    }

    async fn comment(&self, repo: &str, number: u64, body: &str) -> Result<()> {
        let repo = Repo::open(repo).await?;
        PullRecords::new(&repo.common_dir)
            .update(number, |record| {
                record.comments.push(RecordComment {
                    body: body.to_string(),
                    created_at: Utc::now(),
                });
                Ok(())
            })
            .await
            .map(drop)
    }

    async fn close(&self, repo: &str, number: u64) -> Result<()> {
        let repo = Repo::open(repo).await?;
        PullRecords::new(&repo.common_dir)
            .update(number, |record| match record.state {
                PrState::Open | PrState::Closed => {
                    record.state = PrState::Closed;
                    Ok(())
                }
                PrState::Merged => Err(not_open(record)),
            })
            .await
            .map(drop)
    }

    async fn merge(&self, repo_path: &str, number: u64) -> Result<PullRequestInfo> {
        let repo = Repo::open(repo_path).await?;
        let version = repo.version().await?;
        if version < MERGE_TREE_SINCE {
            return Err(Error::internal(
                "merging without a working tree",
                format!(
                    "git {}.{} or newer is needed, this machine has {}.{}",
                    MERGE_TREE_SINCE.0, MERGE_TREE_SINCE.1, version.0, version.1
                ),
            ));
        }
        let records = PullRecords::new(&repo.common_dir);
        let record = records.get(number).await?;
        if record.state != PrState::Open {
            return Err(not_open(&record));
        }
        if repo.checked_out_branches().await?.contains(&record.base) {
            return Err(Error::rule(
                Rule::BaseCheckedOut,
                format!(
                    "PR #{number} was not merged because its base branch {} is \
                     checked out in a working tree of {repo_path}; merging would change that \
                     checkout under the user. Switch that working tree to another branch, or \
                     merge {} by hand.",
                    record.base, record.branch
                ),
                json!({ "number": number, "base": record.base }),
            ));
        }
        let missing = |branch: &str| {
            Error::rule(
                Rule::PrNotOpen,
                format!("PR #{number} cannot be merged: branch {branch} no longer exists"),
                json!({ "number": number, "branch": branch }),
            )
        };
        let base_commit = repo
            .branch_commit(&record.base)
            .await?
            .ok_or_else(|| missing(&record.base))?;
        let head_commit = repo
            .branch_commit(&record.branch)
            .await?
            .ok_or_else(|| missing(&record.branch))?;
        let tree = match repo.merge_tree(&base_commit, &head_commit).await? {
            MergeTree::Clean { tree } => tree,
            MergeTree::Conflicts { files } => {
                return Err(Error::rule(
                    Rule::MergeConflict,
                    format!(
                        "PR #{number} was not merged because {} conflicts with {} \
                         in {}; update the branch and try again",
                        record.branch,
                        record.base,
                        files.join(", ")
                    ),
                    json!({ "number": number, "files": files }),
                ));
            }
        };
        let message = squash_message(&record);
        let squash = repo.commit_tree(&tree, &base_commit, &message).await?;
        // The old value guards against a base that moved since we read it.
        repo.move_branch(&record.base, &squash, &base_commit)
            .await?;
        let record = records
            .update(number, |record| {
                record.state = PrState::Merged;
                record.merge_commit = Some(squash.clone());
                Ok(())
            })
            .await?;
        info(&repo, &record).await
    }

    async fn pull_request(&self, repo: &str, number: u64) -> Result<PullRequestInfo> {
        let repo = Repo::open(repo).await?;
        let record = PullRecords::new(&repo.common_dir).get(number).await?;
        info(&repo, &record).await
    }

    fn remote(&self, repo: &str) -> Result<GitRemote> {
        let path = Path::new(repo);
        let looks_like_repo = path.join(".git").exists()
            || (path.join("HEAD").is_file() && path.join("objects").is_dir());
        if !looks_like_repo {
            return Err(Error::invalid(
                "repository",
                format!("{repo} does not exist or is not a git repository"),
            ));
        }
        let url = std::fs::canonicalize(path)
            .map_err(|e| Error::invalid("repository", format!("{repo} cannot be read ({e})")))?;
        Ok(GitRemote {
            url: url.to_string_lossy().into_owned(),
            env: Vec::new(),
        })
    }
}

/// Create `wanted`, or `wanted-2`, `wanted-3`… when taken.
async fn create_suffixed_branch(repo: &Repo, wanted: &str, commit: &str) -> Result<String> {
    for n in 1..=MAX_BRANCH_SUFFIX {
        let name = match n {
            1 => wanted.to_string(),
            n => format!("{wanted}-{n}"),
        };
        if repo.create_branch(&name, commit).await? {
            return Ok(name);
        }
    }
    Err(Error::invalid(
        "branch",
        format!("{wanted} and its suffixes up to -{MAX_BRANCH_SUFFIX} are all taken"),
    ))
}

async fn info(repo: &Repo, record: &PullRecord) -> Result<PullRequestInfo> {
    let comparison = repo.compare(&record.base, &record.branch).await?;
    let url = format!("{}#pr-{}", file_url(&repo.path), record.number);
    Ok(PullRequestInfo {
        number: record.number,
        url: url.clone(),
        html_url: url,
        branch: record.branch.clone(),
        base: record.base.clone(),
        state: record.state,
        draft: record.draft,
        commits: comparison.map(|(commits, _)| commits),
        diffstat: comparison.map(|(_, s)| diffstat(s.files, s.additions, s.deletions)),
    })
}

fn not_open(record: &PullRecord) -> Error {
    let state = match record.state {
        PrState::Open => "open",
        PrState::Closed => "closed",
        PrState::Merged => "merged",
    };
    Error::rule(
        Rule::PrNotOpen,
        format!("PR #{} is {state} already", record.number),
        json!({ "number": record.number, "state": state }),
    )
}

/// GitHub's squash spelling: the title with the PR number, then the body.
fn squash_message(record: &PullRecord) -> String {
    let mut message = format!("{} (#{})", record.title, record.number);
    if !record.body.trim().is_empty() {
        message.push_str("\n\n");
        message.push_str(record.body.trim());
    }
    message.push('\n');
    message
}

/// `file://` plus the path, with the bytes a URL cannot carry escaped.
fn file_url(path: &Path) -> String {
    format!("file://{}", escape_path(&path.to_string_lossy()))
}

#[cfg(test)]
mod tests {
    use super::file_url;
    use std::path::Path;

    #[test]
    fn file_urls_escape_what_a_url_cannot_carry() {
        assert_eq!(
            file_url(Path::new("/srv/my repo#1")),
            "file:///srv/my%20repo%231"
        );
    }
}
