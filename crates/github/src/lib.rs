//! GitHub as the forge, through octocrab: a branch made with the git refs
//! API, TASK.md put with the contents API, a draft PR.

mod api;

pub use self::api::RetryPolicy;

use self::api::{GitHubApi, Reply};
use aipm_core::error::{Error, Result, Rule};
use aipm_core::forge::{
    diffstat, escape_path as escape, Forge, GitRemote, PrState, PullRequestInfo,
    PullRequestRequest, TASK_FILE,
};
use aipm_core::Secret;
use async_trait::async_trait;
use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine;
use http::{Method, StatusCode};
use octocrab::models::pulls::{Merge, PullRequest};
use octocrab::models::repos::{Content, Object, Ref};
use octocrab::models::{IssueState, Repository};
use octocrab::service::middleware::retry::RetryConfig;
use octocrab::Octocrab;
use serde_json::{json, Value};
use std::time::Duration;

const DEFAULT_API_URL: &str = "https://api.github.com";
const DEFAULT_WEB_URL: &str = "https://github.com";
const MAX_BRANCH_SUFFIX: u32 = 100;

/// How AIPM reaches GitHub.
#[derive(Debug, Clone)]
pub struct GitHubConfig {
    /// A fine-grained token with contents: write and pull requests: write on
    /// the repositories (or a classic token with `repo`).
    pub token: Secret,
    /// The REST API root; `https://api.github.com` when None (GitHub
    /// Enterprise: `https://HOST/api/v3`; tests: a local double).
    pub api_url: Option<String>,
    /// Where repositories are cloned from; `https://github.com` when None.
    pub web_url: Option<String>,
    pub retry: RetryPolicy,
}

impl GitHubConfig {
    pub fn new(token: Secret) -> Self {
        GitHubConfig {
            token,
            api_url: None,
            web_url: None,
            retry: RetryPolicy::default(),
        }
    }

    /// With `AIPM_GITHUB_API_URL` (GitHub Enterprise) when it is set.
    pub fn from_env(token: Secret) -> Self {
        let mut config = GitHubConfig::new(token);
        config.api_url = std::env::var("AIPM_GITHUB_API_URL")
            .ok()
            .filter(|u| !u.is_empty());
        config
    }
}

pub struct GitHubForge {
    api: GitHubApi,
    token: Secret,
    web_url: String,
}

impl GitHubForge {
    /// Build the client. Call it inside the Tokio runtime that will use it:
    /// octocrab starts a background task there.
    pub fn new(config: GitHubConfig) -> Result<Self> {
        let mut builder = Octocrab::builder()
            .personal_token(config.token.expose().to_string())
            // Retries are ours (see `api`), so octocrab must not add its own.
            .add_retry_config(RetryConfig::None)
            .set_connect_timeout(Some(Duration::from_secs(10)))
            .set_read_timeout(Some(Duration::from_secs(60)));
        let api_url = config.api_url.as_deref().unwrap_or(DEFAULT_API_URL);
        builder = builder
            .base_uri(api_url)
            .map_err(|_| Error::invalid("githubApiUrl", format!("{api_url:?} is not a URL")))?;
        let client = builder
            .build()
            .map_err(|e| Error::internal("building the GitHub client", e))?;
        let web_url = config.web_url.as_deref().unwrap_or(DEFAULT_WEB_URL);
        Ok(GitHubForge {
            api: GitHubApi::new(client, config.retry),
            token: config.token,
            web_url: web_url.trim_end_matches('/').to_string(),
        })
    }
}

#[async_trait]
impl Forge for GitHubForge {
    fn kind(&self) -> &'static str {
        "github"
    }

    async fn open_pull_request(&self, request: &PullRequestRequest) -> Result<PullRequestInfo> {
        let repo = RepoName::parse(&request.repo)?;
        let reply = self.api.call(Method::GET, &repo.path(""), None).await?;
        let found: Repository = self.expect(&repo, "reading the repository", reply)?;
        let base = match &request.base {
            Some(base) => base.clone(),
            None => found.default_branch.ok_or_else(|| {
                Error::invalid("base", format!("{repo} has no default branch; name one"))
            })?,
        };
        let path = repo.path(&format!("/git/ref/heads/{}", escape(&base)));
        let reply = self.api.call(Method::GET, &path, None).await?;
        if reply.status == StatusCode::NOT_FOUND {
            return Err(Error::invalid(
                "base",
                format!("branch {base} does not exist in {repo}"),
            ));
        }
        let base_ref: Ref = self.expect(&repo, "reading the base branch", reply)?;
        let base_sha = match base_ref.object {
            Object::Commit { sha, .. } => sha,
            other => {
                return Err(Error::invalid(
                    "base",
                    format!("{base} in {repo} does not point at a commit ({other:?})"),
                ))
            }
        };

        let branch = self
            .create_suffixed_branch(&repo, &request.branch, &base_sha)
            .await?;
        let opened = async {
            self.put_task(&repo, &branch, request).await?;
            self.open_draft(&repo, &branch, &base, request).await
        }
        .await;
        if opened.is_err() {
            // Leave no half-made branch behind; the error says what failed.
            let path = repo.path(&format!("/git/refs/heads/{}", escape(&branch)));
            if let Ok(reply) = self.api.call(Method::DELETE, &path, None).await {
                if !reply.is_success() {
                    tracing::warn!(%repo, branch, status = %reply.status, "could not delete the branch of a PR that failed to open");
                }
            }
        }
        opened
    }

    async fn comment(&self, repo: &str, number: u64, body: &str) -> Result<()> {
        let repo = RepoName::parse(repo)?;
        let path = repo.path(&format!("/issues/{number}/comments"));
        let reply = self
            .api
            .call(Method::POST, &path, Some(&json!({ "body": body })))
            .await?;
        self.expect_pr(&repo, number, "commenting on", reply)
            .map(|_: Value| ())
    }

    async fn close(&self, repo: &str, number: u64) -> Result<()> {
        let repo = RepoName::parse(repo)?;
        let path = repo.path(&format!("/pulls/{number}"));
        let reply = self
            .api
            .call(Method::PATCH, &path, Some(&json!({ "state": "closed" })))
            .await?;
        self.expect_pr(&repo, number, "closing", reply)
            .map(|_: Value| ())
    }

    async fn merge(&self, repo_name: &str, number: u64) -> Result<PullRequestInfo> {
        let repo = RepoName::parse(repo_name)?;
        let path = repo.path(&format!("/pulls/{number}/merge"));
        let reply = self
            .api
            .call(
                Method::PUT,
                &path,
                Some(&json!({ "merge_method": "squash" })),
            )
            .await?;
        // 405: not mergeable (conflicts, failing required checks, draft);
        // 409: the head moved while merging.
        if matches!(reply.status.as_u16(), 405 | 409) {
            return Err(Error::rule(
                Rule::MergeConflict,
                format!(
                    "GitHub would not squash-merge PR #{number} in {repo}: {}",
                    reply.message()
                ),
                json!({ "number": number, "status": reply.status.as_u16() }),
            ));
        }
        let merge: Merge = self.expect_pr(&repo, number, "merging", reply)?;
        if !merge.merged {
            return Err(Error::rule(
                Rule::MergeConflict,
                format!(
                    "GitHub did not merge PR #{number} in {repo}: {}",
                    merge.message.unwrap_or_default()
                ),
                json!({ "number": number }),
            ));
        }
        self.pull_request(repo_name, number).await
    }

    async fn pull_request(&self, repo: &str, number: u64) -> Result<PullRequestInfo> {
        let repo = RepoName::parse(repo)?;
        let path = repo.path(&format!("/pulls/{number}"));
        let reply = self.api.call(Method::GET, &path, None).await?;
        let pr: PullRequest = self.expect_pr(&repo, number, "reading", reply)?;
        Ok(info(pr))
    }

    fn remote(&self, repo: &str) -> Result<GitRemote> {
        let repo = RepoName::parse(repo)?;
        let basic = BASE64.encode(format!("x-access-token:{}", self.token.expose()));
        // Scoped to the forge's host, so git never sends the token elsewhere
        // (a submodule or a redirect to another host).
        let key = format!("http.{}/.extraHeader", self.web_url);
        Ok(GitRemote {
            url: format!("{}/{}/{}.git", self.web_url, repo.owner, repo.name),
            env: vec![
                ("GIT_CONFIG_COUNT".into(), Secret::new("1")),
                ("GIT_CONFIG_KEY_0".into(), Secret::new(key)),
                (
                    "GIT_CONFIG_VALUE_0".into(),
                    Secret::new(format!("Authorization: Basic {basic}")),
                ),
            ],
        })
    }
}

impl GitHubForge {
    /// Create `refs/heads/<wanted>`, or `-2`, `-3`… when GitHub says it exists.
    async fn create_suffixed_branch(
        &self,
        repo: &RepoName,
        wanted: &str,
        sha: &str,
    ) -> Result<String> {
        for n in 1..=MAX_BRANCH_SUFFIX {
            let name = match n {
                1 => wanted.to_string(),
                n => format!("{wanted}-{n}"),
            };
            let body = json!({ "ref": format!("refs/heads/{name}"), "sha": sha });
            let reply = self
                .api
                .call(Method::POST, &repo.path("/git/refs"), Some(&body))
                .await?;
            if reply.status == StatusCode::UNPROCESSABLE_ENTITY {
                let message = reply.message();
                if message.contains("already exists") {
                    continue;
                }
                return Err(Error::invalid(
                    "branch",
                    format!("GitHub refused branch {name} in {repo}: {message}"),
                ));
            }
            let _: Ref = self.expect(repo, "creating the branch", reply)?;
            return Ok(name);
        }
        Err(Error::invalid(
            "branch",
            format!("{wanted} and its suffixes up to -{MAX_BRANCH_SUFFIX} are all taken in {repo}"),
        ))
    }

    /// Commit TASK.md on the branch; replace it when the base has one already.
    async fn put_task(
        &self,
        repo: &RepoName,
        branch: &str,
        request: &PullRequestRequest,
    ) -> Result<()> {
        let path = repo.path(&format!("/contents/{TASK_FILE}"));
        let mut body = json!({
            "message": request.commit_message,
            "content": BASE64.encode(&request.task_md),
            "branch": branch,
        });
        let mut reply = self.api.call(Method::PUT, &path, Some(&body)).await?;
        if reply.status == StatusCode::UNPROCESSABLE_ENTITY && reply.message().contains("sha") {
            let at = format!("{path}?ref={}", escape(branch));
            let existing = self.api.call(Method::GET, &at, None).await?;
            let existing: Content = self.expect(repo, "reading the existing TASK.md", existing)?;
            body["sha"] = json!(existing.sha);
            reply = self.api.call(Method::PUT, &path, Some(&body)).await?;
        }
        self.expect(repo, "committing TASK.md", reply)
            .map(|_: Value| ())
    }

    async fn open_draft(
        &self,
        repo: &RepoName,
        branch: &str,
        base: &str,
        request: &PullRequestRequest,
    ) -> Result<PullRequestInfo> {
        let mut body = json!({
            "title": request.title,
            "body": request.body,
            "head": branch,
            "base": base,
            "draft": true,
        });
        let path = repo.path("/pulls");
        let mut reply = self.api.call(Method::POST, &path, Some(&body)).await?;
        if reply.status == StatusCode::UNPROCESSABLE_ENTITY
            && reply.message().to_lowercase().contains("draft")
        {
            // Drafts need a paid plan for private repositories; an open PR
            // (reported as not a draft) is the next best thing.
            tracing::warn!(%repo, "draft PRs are not available here; opening a ready PR");
            body["draft"] = json!(false);
            reply = self.api.call(Method::POST, &path, Some(&body)).await?;
        }
        let pr: PullRequest = self.expect(repo, "opening the pull request", reply)?;
        Ok(info(pr))
    }

    /// A success read as `T`, or the error GitHub's answer means for a call
    /// on the repository.
    fn expect<T: serde::de::DeserializeOwned>(
        &self,
        repo: &RepoName,
        doing: &str,
        reply: Reply,
    ) -> Result<T> {
        if reply.is_success() {
            return reply.json(doing);
        }
        Err(match reply.status {
            StatusCode::NOT_FOUND => Error::invalid(
                "repository",
                format!(
                    "GitHub repository {repo} was not found, or the token cannot see it \
                     (while {doing})"
                ),
            ),
            _ => refusal(repo, doing, &reply),
        })
    }

    /// Like `expect`, for a call on one PR: 404 means no such PR.
    fn expect_pr<T: serde::de::DeserializeOwned>(
        &self,
        repo: &RepoName,
        number: u64,
        doing: &str,
        reply: Reply,
    ) -> Result<T> {
        if reply.status == StatusCode::NOT_FOUND {
            return Err(Error::not_found("pull request", format!("{repo}#{number}")));
        }
        let doing = format!("{doing} PR #{number}");
        self.expect(repo, &doing, reply)
    }
}

/// The error for an unsuccessful answer other than 404.
fn refusal(repo: &RepoName, doing: &str, reply: &Reply) -> Error {
    let message = reply.message();
    match reply.status {
        StatusCode::UNAUTHORIZED => Error::rule(
            Rule::ForgeUnauthorized,
            format!(
                "GitHub rejected the token while {doing} in {repo} ({message}): it is missing, \
                 expired or revoked; configure a valid GitHub token"
            ),
            json!({ "status": 401 }),
        ),
        StatusCode::FORBIDDEN => Error::rule(
            Rule::ForgeUnauthorized,
            format!(
                "GitHub refused {doing} in {repo} ({message}): the token lacks rights; it needs \
                 contents: write and pull requests: write on the repository (classic token: repo)"
            ),
            json!({ "status": 403 }),
        ),
        _ => Error::internal(format!("{doing} in {repo}"), reply.failure()),
    }
}

fn info(pr: PullRequest) -> PullRequestInfo {
    let state = if pr.merged == Some(true) || pr.merged_at.is_some() {
        PrState::Merged
    } else if pr.state == Some(IssueState::Closed) {
        PrState::Closed
    } else {
        PrState::Open
    };
    let diffstat = match (pr.changed_files, pr.additions, pr.deletions) {
        (Some(files), Some(additions), Some(deletions)) => {
            Some(diffstat(files, additions, deletions))
        }
        _ => None,
    };
    PullRequestInfo {
        number: pr.number,
        html_url: pr
            .html_url
            .map(|u| u.to_string())
            .unwrap_or_else(|| pr.url.clone()),
        url: pr.url,
        branch: pr.head.ref_field,
        base: pr.base.ref_field,
        state,
        draft: pr.draft.unwrap_or(false),
        commits: pr.commits.map(|c| c.min(u32::MAX as u64) as u32),
        diffstat,
    }
}

/// `owner/name`, checked.
struct RepoName {
    owner: String,
    name: String,
}

impl RepoName {
    fn parse(repo: &str) -> Result<RepoName> {
        let valid = |part: &str| {
            !part.is_empty()
                && part != "."
                && part != ".."
                && part
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        };
        let repo_without_suffix = repo.strip_suffix(".git").unwrap_or(repo);
        match repo_without_suffix.split_once('/') {
            Some((owner, name)) if valid(owner) && valid(name) => Ok(RepoName {
                owner: owner.to_string(),
                name: name.to_string(),
            }),
            _ => Err(Error::invalid(
                "repository",
                format!("{repo:?} is not a GitHub repository; write it as owner/name"),
            )),
        }
    }

    /// The API path of the repository, plus `rest`.
    fn path(&self, rest: &str) -> String {
        format!("/repos/{}/{}{rest}", self.owner, self.name)
    }
}

impl std::fmt::Display for RepoName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.owner, self.name)
    }
}

#[cfg(test)]
mod tests {
    use super::{escape, RepoName};

    #[test]
    fn repository_names_are_owner_slash_name() {
        assert_eq!(
            RepoName::parse("octo/hello.git").unwrap().to_string(),
            "octo/hello"
        );
        for bad in ["octo", "octo/", "/x", "a/b/c", "a/..", "a b/c", "octo/.git"] {
            assert!(RepoName::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn branch_names_become_path_segments() {
        assert_eq!(escape("aipm/12-fix #3"), "aipm/12-fix%20%233");
    }
}
