//! The GitHub forge against a local HTTP double (wiremock) that answers with
//! GitHub's documented example payloads (trimmed, in `fixtures/github`):
//! what is sent, how retries honour the rate-limit headers, and that the
//! token never shows.

use aipm_core::forge::{Forge, PrState, PullRequestRequest};
use aipm_core::Error;
use aipm_core::Secret;
use aipm_github::{GitHubConfig, GitHubForge, RetryPolicy};
use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine;
use serde_json::{json, Value};
use std::time::{Duration, Instant};
use wiremock::matchers::{body_json, header, method, path, query_param};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

const TOKEN: &str = "ghp_test_never_shown_0123456789";
const REPO: &str = "octocat/Hello-World";
const API: &str = "/repos/octocat/Hello-World";
const TASK: &str = "# Task\n\nLet a user reset their password.\n";
const BRANCH: &str = "aipm/7-reset-password";

/// A documented example payload; `"@user.json"` stands for the user object.
fn fixture(name: &str) -> Value {
    let read = |name: &str| -> Value {
        let file = format!(
            "{}/tests/fixtures/github/{name}",
            env!("CARGO_MANIFEST_DIR")
        );
        serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap()
    };
    fn fill(value: &mut Value, user: &Value) {
        match value {
            Value::String(s) if s == "@user.json" => *value = user.clone(),
            Value::Array(items) => items.iter_mut().for_each(|v| fill(v, user)),
            Value::Object(map) => map.values_mut().for_each(|v| fill(v, user)),
            _ => {}
        }
    }
    let mut value = read(name);
    fill(&mut value, &read("user.json"));
    value
}

fn pull(number: u64, head: &str, base: &str, draft: bool) -> Value {
    let mut pr = fixture("pull.json");
    pr["number"] = json!(number);
    pr["head"]["ref"] = json!(head);
    pr["base"]["ref"] = json!(base);
    pr["draft"] = json!(draft);
    pr
}

fn base_sha() -> String {
    fixture("ref.json")["object"]["sha"]
        .as_str()
        .unwrap()
        .to_string()
}

fn forge(server: &MockServer) -> GitHubForge {
    forge_at(&server.uri())
}

fn forge_at(api_url: &str) -> GitHubForge {
    GitHubForge::new(GitHubConfig {
        token: Secret::new(TOKEN),
        api_url: Some(api_url.to_string()),
        web_url: None,
        retry: RetryPolicy {
            max_attempts: 3,
            max_wait: Duration::from_secs(1),
            backoff: Duration::from_millis(10),
        },
    })
    .unwrap()
}

fn request(base: Option<&str>) -> PullRequestRequest {
    PullRequestRequest {
        repo: REPO.into(),
        base: base.map(str::to_string),
        branch: BRANCH.into(),
        title: "Reset password".into(),
        body: "Story 7".into(),
        task_md: TASK.into(),
        commit_message: "AIPM: task for story 7".into(),
    }
}

fn authorized() -> wiremock::matchers::HeaderExactMatcher {
    header("authorization", format!("Bearer {TOKEN}").as_str())
}

fn json_reply(status: u16, body: Value) -> ResponseTemplate {
    ResponseTemplate::new(status).set_body_json(body)
}

/// The repository and its base ref, as every open starts.
async fn mount_repo_and_base(server: &MockServer, base: &str) {
    Mock::given(method("GET"))
        .and(path(API))
        .and(authorized())
        .respond_with(json_reply(200, fixture("repo.json")))
        .expect(1)
        .mount(server)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("{API}/git/ref/heads/{base}")))
        .and(authorized())
        .respond_with(json_reply(200, fixture("ref.json")))
        .expect(1)
        .mount(server)
        .await;
}

async fn mount_branch_created(server: &MockServer, branch: &str) {
    let mut created = fixture("ref.json");
    created["ref"] = json!(format!("refs/heads/{branch}"));
    Mock::given(method("POST"))
        .and(path(format!("{API}/git/refs")))
        .and(authorized())
        .and(body_json(
            json!({ "ref": format!("refs/heads/{branch}"), "sha": base_sha() }),
        ))
        .respond_with(json_reply(201, created))
        .expect(1)
        .mount(server)
        .await;
}

async fn mount_task_and_pull(server: &MockServer, branch: &str, base: &str) {
    Mock::given(method("PUT"))
        .and(path(format!("{API}/contents/TASK.md")))
        .and(authorized())
        .and(body_json(json!({
            "message": "AIPM: task for story 7",
            "content": BASE64.encode(TASK),
            "branch": branch,
        })))
        .respond_with(json_reply(201, fixture("contents_put.json")))
        .expect(1)
        .mount(server)
        .await;
    Mock::given(method("POST"))
        .and(path(format!("{API}/pulls")))
        .and(authorized())
        .and(body_json(json!({
            "title": "Reset password",
            "body": "Story 7",
            "head": branch,
            "base": base,
            "draft": true,
        })))
        .respond_with(json_reply(201, pull(1347, branch, base, true)))
        .expect(1)
        .mount(server)
        .await;
}

fn calls(requests: &[Request]) -> Vec<String> {
    requests
        .iter()
        .map(|r| format!("{} {}", r.method, r.url.path()))
        .collect()
}

/// Display, alternate Display and Debug of an error and its causes.
fn every_spelling(error: &Error) -> String {
    let mut text = format!("{error} | {error:#} | {error:?}");
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        text.push_str(&format!(" | {cause}"));
        source = cause.source();
    }
    text
}

/// Named after the file so `cargo nextest run forge` selects these tests.
mod forge_github {
    use super::*;

    #[tokio::test]
    async fn given_no_base_when_a_pr_opens_then_it_reads_the_default_branch_and_sends_branch_task_and_draft(
    ) {
        let server = MockServer::start().await;
        mount_repo_and_base(&server, "master").await;
        mount_branch_created(&server, BRANCH).await;
        mount_task_and_pull(&server, BRANCH, "master").await;

        let pr = forge(&server)
            .open_pull_request(&request(None))
            .await
            .unwrap();

        assert_eq!(pr.number, 1347);
        assert_eq!((pr.branch.as_str(), pr.base.as_str()), (BRANCH, "master"));
        assert_eq!((pr.state, pr.draft), (PrState::Open, true));
        assert_eq!(
            pr.html_url,
            "https://github.com/octocat/Hello-World/pull/1347"
        );
        assert_eq!(
            pr.url,
            "https://api.github.com/repos/octocat/Hello-World/pulls/1347"
        );
        assert_eq!(pr.commits, Some(3));
        assert_eq!(pr.diffstat.as_deref(), Some("5 files changed, +100 -3"));
        let sent = server.received_requests().await.unwrap();
        assert_eq!(
            calls(&sent),
            [
                format!("GET {API}"),
                format!("GET {API}/git/ref/heads/master"),
                format!("POST {API}/git/refs"),
                format!("PUT {API}/contents/TASK.md"),
                format!("POST {API}/pulls"),
            ]
        );
        let task: Value = serde_json::from_slice(&sent[3].body).unwrap();
        let decoded = BASE64.decode(task["content"].as_str().unwrap()).unwrap();
        assert_eq!(String::from_utf8(decoded).unwrap(), TASK);
    }

    #[tokio::test]
    async fn given_the_branch_exists_when_a_pr_opens_then_it_takes_the_next_suffix() {
        let server = MockServer::start().await;
        mount_repo_and_base(&server, "main").await;
        Mock::given(method("POST"))
            .and(path(format!("{API}/git/refs")))
            .and(body_json(
                json!({ "ref": format!("refs/heads/{BRANCH}"), "sha": base_sha() }),
            ))
            .respond_with(json_reply(
                422,
                json!({
                    "message": "Reference already exists",
                    "documentation_url": "https://docs.github.com/rest/git/refs#create-a-reference",
                    "status": "422"
                }),
            ))
            .expect(1)
            .mount(&server)
            .await;
        let second = format!("{BRANCH}-2");
        mount_branch_created(&server, &second).await;
        mount_task_and_pull(&server, &second, "main").await;

        let pr = forge(&server)
            .open_pull_request(&request(Some("main")))
            .await
            .unwrap();

        assert_eq!(pr.branch, second);
    }

    #[tokio::test]
    async fn given_drafts_are_unavailable_when_a_pr_opens_then_it_opens_a_ready_pr_and_says_so() {
        let server = MockServer::start().await;
        mount_repo_and_base(&server, "main").await;
        mount_branch_created(&server, BRANCH).await;
        Mock::given(method("PUT"))
            .and(path(format!("{API}/contents/TASK.md")))
            .respond_with(json_reply(201, fixture("contents_put.json")))
            .mount(&server)
            .await;
        Mock::given(method("POST"))
            .and(path(format!("{API}/pulls")))
            .and(wiremock::matchers::body_partial_json(json!({ "draft": true })))
            .respond_with(json_reply(
                422,
                json!({
                    "message": "Validation Failed",
                    "errors": [{
                        "resource": "PullRequest",
                        "code": "custom",
                        "message": "Draft pull requests are not supported in this repository."
                    }],
                    "documentation_url": "https://docs.github.com/rest/pulls/pulls#create-a-pull-request"
                }),
            ))
            .expect(1)
            .mount(&server)
            .await;
        Mock::given(method("POST"))
            .and(path(format!("{API}/pulls")))
            .and(wiremock::matchers::body_partial_json(
                json!({ "draft": false }),
            ))
            .respond_with(json_reply(201, pull(1347, BRANCH, "main", false)))
            .expect(1)
            .mount(&server)
            .await;

        let pr = forge(&server)
            .open_pull_request(&request(Some("main")))
            .await
            .unwrap();

        assert!(!pr.draft, "reported as what GitHub made");
    }

    #[tokio::test]
    async fn given_task_md_exists_on_the_base_when_a_pr_opens_then_it_is_replaced_with_its_sha() {
        let server = MockServer::start().await;
        mount_repo_and_base(&server, "main").await;
        mount_branch_created(&server, BRANCH).await;
        Mock::given(method("PUT"))
            .and(path(format!("{API}/contents/TASK.md")))
            .and(wiremock::matchers::body_partial_json(
                json!({ "sha": "3d21ec53a331a6f037a91c368710b99387d012c1" }),
            ))
            .respond_with(json_reply(200, fixture("contents_put.json")))
            .expect(1)
            .with_priority(1)
            .mount(&server)
            .await;
        Mock::given(method("PUT"))
            .and(path(format!("{API}/contents/TASK.md")))
            .respond_with(json_reply(
                422,
                json!({ "message": "Invalid request.\n\n\"sha\" wasn't supplied." }),
            ))
            .expect(1)
            .mount(&server)
            .await;
        Mock::given(method("GET"))
            .and(path(format!("{API}/contents/TASK.md")))
            .and(query_param("ref", BRANCH))
            .respond_with(json_reply(200, fixture("contents_get.json")))
            .expect(1)
            .mount(&server)
            .await;
        Mock::given(method("POST"))
            .and(path(format!("{API}/pulls")))
            .respond_with(json_reply(201, pull(1347, BRANCH, "main", true)))
            .expect(1)
            .mount(&server)
            .await;

        let pr = forge(&server)
            .open_pull_request(&request(Some("main")))
            .await
            .unwrap();

        assert_eq!(pr.number, 1347);
    }

    #[tokio::test]
    async fn given_a_429_with_retry_after_when_reading_a_pr_then_it_waits_and_succeeds() {
        let server = MockServer::start().await;
        Mock::given(method("GET"))
            .and(path(format!("{API}/pulls/1347")))
            .respond_with(
                json_reply(429, json!({ "message": "API rate limit exceeded" }))
                    .insert_header("retry-after", "1"),
            )
            .up_to_n_times(1)
            .with_priority(1)
            .expect(1)
            .mount(&server)
            .await;
        Mock::given(method("GET"))
            .and(path(format!("{API}/pulls/1347")))
            .respond_with(json_reply(200, pull(1347, BRANCH, "main", true)))
            .expect(1)
            .mount(&server)
            .await;
        let started = Instant::now();

        let pr = forge(&server).pull_request(REPO, 1347).await.unwrap();

        let waited = started.elapsed();
        assert_eq!(pr.number, 1347);
        assert!(
            waited >= Duration::from_millis(950) && waited < Duration::from_secs(3),
            "waited {waited:?}"
        );
    }

    #[tokio::test]
    async fn given_a_502_when_commenting_then_it_retries_and_succeeds() {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .and(path(format!("{API}/issues/1347/comments")))
            .respond_with(ResponseTemplate::new(502).set_body_string("<html>Bad gateway</html>"))
            .up_to_n_times(1)
            .with_priority(1)
            .expect(1)
            .mount(&server)
            .await;
        Mock::given(method("POST"))
            .and(path(format!("{API}/issues/1347/comments")))
            .and(authorized())
            .and(body_json(json!({ "body": "Run 3 succeeded" })))
            .respond_with(json_reply(201, fixture("issue_comment.json")))
            .expect(1)
            .mount(&server)
            .await;

        forge(&server)
            .comment(REPO, 1347, "Run 3 succeeded")
            .await
            .unwrap();
    }

    #[tokio::test]
    async fn given_the_rate_limit_resets_within_the_cap_when_calling_then_it_waits_for_the_reset() {
        let server = MockServer::start().await;
        let reset = chrono::Utc::now().timestamp() + 1;
        Mock::given(method("GET"))
            .and(path(format!("{API}/pulls/1347")))
            .respond_with(
                json_reply(
                    403,
                    json!({ "message": "API rate limit exceeded for user ID 1." }),
                )
                .insert_header("x-ratelimit-remaining", "0")
                .insert_header("x-ratelimit-reset", reset.to_string().as_str()),
            )
            .up_to_n_times(1)
            .with_priority(1)
            .expect(1)
            .mount(&server)
            .await;
        Mock::given(method("GET"))
            .and(path(format!("{API}/pulls/1347")))
            .respond_with(json_reply(200, pull(1347, BRANCH, "main", true)))
            .expect(1)
            .mount(&server)
            .await;

        let pr = forge(&server).pull_request(REPO, 1347).await.unwrap();

        assert_eq!(pr.number, 1347);
        assert!(
            chrono::Utc::now().timestamp() >= reset,
            "waited for the reset"
        );
    }

    #[tokio::test]
    async fn given_the_rate_limit_resets_beyond_the_wait_cap_when_calling_then_it_fails_at_once() {
        let server = MockServer::start().await;
        let reset = chrono::Utc::now().timestamp() + 3600;
        Mock::given(method("GET"))
            .and(path(format!("{API}/pulls/1347")))
            .respond_with(
                json_reply(
                    403,
                    json!({ "message": "API rate limit exceeded for user ID 1." }),
                )
                .insert_header("x-ratelimit-remaining", "0")
                .insert_header("x-ratelimit-reset", reset.to_string().as_str()),
            )
            .expect(1)
            .mount(&server)
            .await;
        let started = Instant::now();

        let error = forge(&server).pull_request(REPO, 1347).await.unwrap_err();

        assert!(started.elapsed() < Duration::from_millis(500));
        assert!(matches!(error, Error::Internal { .. }), "{error:?}");
        assert!(error.is_retryable());
        assert!(
            format!("{error:#}").contains("rate limit exhausted"),
            "{error:#}"
        );
    }

    #[tokio::test]
    async fn given_429s_beyond_the_attempt_budget_when_calling_then_it_gives_up() {
        let server = MockServer::start().await;
        Mock::given(method("PATCH"))
            .and(path(format!("{API}/pulls/1347")))
            .respond_with(
                json_reply(
                    429,
                    json!({ "message": "You have exceeded a secondary rate limit." }),
                )
                .insert_header("retry-after", "0"),
            )
            .expect(3)
            .mount(&server)
            .await;

        let error = forge(&server).close(REPO, 1347).await.unwrap_err();

        assert!(matches!(error, Error::Internal { .. }), "{error:?}");
        let text = format!("{error:#}");
        assert!(text.contains("gave up after 3 attempts"), "{text}");
        assert!(text.contains("secondary rate limit"), "{text}");
    }

    #[tokio::test]
    async fn given_an_open_pr_when_closed_then_it_patches_the_state_and_reads_closed() {
        let server = MockServer::start().await;
        let mut closed = pull(1347, BRANCH, "main", true);
        closed["state"] = json!("closed");
        closed["closed_at"] = json!("2011-01-27T19:01:12Z");
        Mock::given(method("PATCH"))
            .and(path(format!("{API}/pulls/1347")))
            .and(authorized())
            .and(body_json(json!({ "state": "closed" })))
            .respond_with(json_reply(200, closed.clone()))
            .expect(1)
            .mount(&server)
            .await;
        Mock::given(method("GET"))
            .and(path(format!("{API}/pulls/1347")))
            .respond_with(json_reply(200, closed))
            .expect(1)
            .mount(&server)
            .await;
        let forge = forge(&server);

        forge.close(REPO, 1347).await.unwrap();

        assert_eq!(
            forge.pull_request(REPO, 1347).await.unwrap().state,
            PrState::Closed
        );
    }

    #[tokio::test]
    async fn given_an_open_pr_when_merged_then_it_asks_for_a_squash_and_reports_merged() {
        let server = MockServer::start().await;
        Mock::given(method("PUT"))
            .and(path(format!("{API}/pulls/1347/merge")))
            .and(authorized())
            .and(body_json(json!({ "merge_method": "squash" })))
            .respond_with(json_reply(200, fixture("merge.json")))
            .expect(1)
            .mount(&server)
            .await;
        let mut merged = pull(1347, BRANCH, "main", false);
        merged["state"] = json!("closed");
        merged["merged"] = json!(true);
        merged["merged_at"] = json!("2011-01-27T19:01:12Z");
        Mock::given(method("GET"))
            .and(path(format!("{API}/pulls/1347")))
            .respond_with(json_reply(200, merged))
            .expect(1)
            .mount(&server)
            .await;

        let pr = forge(&server).merge(REPO, 1347).await.unwrap();

        assert_eq!(pr.state, PrState::Merged);
    }

    #[tokio::test]
    async fn given_a_pr_github_cannot_merge_when_merged_then_it_is_a_merge_conflict() {
        let server = MockServer::start().await;
        Mock::given(method("PUT"))
            .and(path(format!("{API}/pulls/1347/merge")))
            .respond_with(json_reply(
                405,
                json!({ "message": "Pull Request is not mergeable" }),
            ))
            .expect(1)
            .mount(&server)
            .await;

        let error = forge(&server).merge(REPO, 1347).await.unwrap_err();

        assert_eq!(error.code(), Some("MERGE_CONFLICT"));
        assert!(error.to_string().contains("not mergeable"), "{error}");
    }

    #[tokio::test]
    async fn given_a_repository_when_a_worker_asks_for_the_remote_then_the_token_rides_in_env_only()
    {
        let server = MockServer::start().await;

        let remote = forge(&server).remote(REPO).unwrap();

        assert_eq!(remote.url, "https://github.com/octocat/Hello-World.git");
        assert!(!remote.url.contains(TOKEN) && !remote.url.contains('@'));
        let env: Vec<(&str, &str)> = remote
            .env
            .iter()
            .map(|(k, v)| (k.as_str(), v.expose()))
            .collect();
        let basic = BASE64.encode(format!("x-access-token:{TOKEN}"));
        assert_eq!(
            env,
            [
                ("GIT_CONFIG_COUNT", "1"),
                ("GIT_CONFIG_KEY_0", "http.https://github.com/.extraHeader"),
                (
                    "GIT_CONFIG_VALUE_0",
                    format!("Authorization: Basic {basic}").as_str()
                ),
            ]
        );
        assert!(!format!("{remote:?}").contains(TOKEN));
        assert!(!format!("{remote:?}").contains(&basic));
    }

    #[tokio::test]
    async fn given_failures_of_every_kind_when_they_are_shown_then_the_token_is_not_in_them() {
        let server = MockServer::start().await;
        Mock::given(method("GET"))
            .and(path(API))
            .respond_with(json_reply(401, json!({ "message": "Bad credentials" })))
            .mount(&server)
            .await;
        Mock::given(method("GET"))
            .and(path(format!("{API}/pulls/1")))
            .respond_with(json_reply(
                403,
                json!({ "message": "Resource not accessible by personal access token" }),
            ))
            .mount(&server)
            .await;
        Mock::given(method("GET"))
            .and(path(format!("{API}/pulls/2")))
            .respond_with(ResponseTemplate::new(500))
            .mount(&server)
            .await;
        Mock::given(method("GET"))
            .and(path("/repos/octocat/missing"))
            .respond_with(json_reply(404, json!({ "message": "Not Found" })))
            .mount(&server)
            .await;
        let forge = forge(&server);
        // Nothing listens on a port just freed.
        let closed_port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let unreachable = forge_at(&format!("http://127.0.0.1:{closed_port}"));

        let unauthorized = forge.open_pull_request(&request(None)).await.unwrap_err();
        let forbidden = forge.pull_request(REPO, 1).await.unwrap_err();
        let broken = forge.pull_request(REPO, 2).await.unwrap_err();
        let mut missing_request = request(None);
        missing_request.repo = "octocat/missing".into();
        let missing = forge.open_pull_request(&missing_request).await.unwrap_err();
        let down = unreachable.pull_request(REPO, 1).await.unwrap_err();
        let malformed = forge.comment("not a repo", 1, "x").await.unwrap_err();

        assert_eq!(unauthorized.code(), Some("FORGE_UNAUTHORIZED"));
        assert!(unauthorized.to_string().contains("token"), "{unauthorized}");
        assert_eq!(forbidden.code(), Some("FORGE_UNAUTHORIZED"));
        assert!(
            forbidden.to_string().contains("lacks rights"),
            "{forbidden}"
        );
        assert!(matches!(broken, Error::Internal { .. }), "{broken:?}");
        assert!(
            matches!(&missing, Error::Invalid { field, .. } if field == "repository"),
            "{missing:?}"
        );
        assert!(missing.to_string().contains("octocat/missing"), "{missing}");
        assert!(matches!(down, Error::Internal { .. }), "{down:?}");
        assert!(
            matches!(&malformed, Error::Invalid { field, .. } if field == "repository"),
            "{malformed:?}"
        );
        for error in [unauthorized, forbidden, broken, missing, down, malformed] {
            let shown = every_spelling(&error);
            assert!(!shown.contains(TOKEN), "token shown in {shown}");
        }
    }
}
