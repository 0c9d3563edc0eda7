//! Code generation end to end on the embedded shape: `aipm serve` with its
//! in-process worker (or a separate `aipm worker`), the local git forge on a
//! real repository, and the scripted fake agent (tests/agent/fake_agent.py)
//! as a real child process.

use crate::support::{good_story, Server};
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A git repository with one commit on `main`.
pub fn git_repo() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let git = |args: &[&str]| {
        let out = Command::new("git")
            .args(args)
            .current_dir(dir.path())
            .env("GIT_AUTHOR_NAME", "Dev")
            .env("GIT_AUTHOR_EMAIL", "dev@example.com")
            .env("GIT_COMMITTER_NAME", "Dev")
            .env("GIT_COMMITTER_EMAIL", "dev@example.com")
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "git {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).to_string()
    };
    git(&["init", "-q", "-b", "main"]);
    std::fs::write(dir.path().join("README.md"), "# Shop\n").unwrap();
    git(&["add", "README.md"]);
    git(&["commit", "-q", "-m", "First commit"]);
    dir
}

pub fn git_show(repo: &Path, spec: &str) -> Option<String> {
    let out = Command::new("git")
        .args(["show", spec])
        .current_dir(repo)
        .output()
        .unwrap();
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).to_string())
}

/// The fake agent's command; its script's path is canonical, so the
/// sandbox can show that one file.
fn fake_agent() -> String {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/agent/fake_agent.py");
    format!(
        "python3 {} {{task_file}}",
        script.canonicalize().unwrap().display()
    )
}

/// A server whose default project points at `repo`, running the fake agent.
fn server(repo: &Path, extra: &[(&str, &str)]) -> Server {
    let repo = repo.to_string_lossy().to_string();
    let agent = fake_agent();
    let mut env: Vec<(&str, &str)> = vec![
        ("AIPM_REPO", &repo),
        ("AIPM_AGENT_CMD", &agent),
        ("AIPM_AGENT", "custom"),
    ];
    env.extend_from_slice(extra);
    Server::start_with(&env, tempfile::tempdir().unwrap())
}

async fn generate(s: &Server, story: u64, instructions: &str) -> Value {
    let r = s
        .post(
            &format!("/api/stories/{story}/generate-code"),
            json!({"instructions": instructions}),
        )
        .await;
    assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.body);
    r.body
}

/// Poll a run until `done` says so (or fail after a minute).
async fn wait_run(s: &Server, run: &Value, done: impl Fn(&Value) -> bool) -> Value {
    let started = Instant::now();
    loop {
        let r = s.get(&format!("/api/runs/{run}")).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        if done(&r.body) {
            return r.body;
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "run {run} stuck: {}",
            r.body
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

fn terminal(run: &Value) -> bool {
    [
        "succeeded",
        "no_changes",
        "failed",
        "cancelled",
        "timed_out",
    ]
    .contains(&run["status"].as_str().unwrap_or(""))
}

/// Whether a live process has `marker` on its command line. (Pids inside
/// the agent's sandbox are not the host's, so the child is found by marker.)
fn process_alive(marker: &str) -> bool {
    std::fs::read_dir("/proc").unwrap().flatten().any(|entry| {
        let dir = entry.path();
        // A zombie is dead for our purpose; /proc/<pid>/stat says Z.
        let zombie = std::fs::read_to_string(dir.join("stat"))
            .map(|stat| stat.split_whitespace().nth(2) == Some("Z"))
            .unwrap_or(true);
        !zombie
            && std::fs::read(dir.join("cmdline"))
                .map(|c| String::from_utf8_lossy(&c).contains(marker))
                .unwrap_or(false)
    })
}

/// The marker on the command line of the child the hanging agent started.
fn child_marker(log: &str) -> String {
    let at = log
        .find("(child ")
        .expect("the agent printed its child's marker")
        + 7;
    log[at..].split(')').next().unwrap().to_string()
}

#[tokio::test]
async fn a_story_becomes_a_branch_a_pr_and_pushed_changes() {
    let repo = git_repo();
    let s = server(repo.path(), &[("AIPM_GITHUB_TOKEN", "ghp_secretvalue123")]);
    let story = s.story(good_story("Gift cards")).await;
    let started = generate(&s, 1, "fake-agent: secrets").await;
    let run_id = started["run"]["runId"].clone();
    assert_eq!(started["run"]["status"], "queued");
    assert_eq!(started["pr"]["number"], 1);
    let branch = started["run"]["branchName"].as_str().unwrap().to_string();
    assert_eq!(branch, "aipm/1-gift-cards");
    assert_eq!(started["pr"]["runStatus"], "queued");

    let run = wait_run(&s, &run_id, terminal).await;
    assert_eq!(run["status"], "succeeded", "{run}");
    assert_eq!(
        (
            run["summary"]["commits"].as_u64(),
            run["summary"]["filesChanged"].as_u64()
        ),
        (Some(1), Some(1))
    );
    let log = run["log"].as_str().unwrap();
    assert!(log.contains("wrote feature.txt"), "{log}");
    assert!(!log.contains('\u{1b}'), "ANSI colours are stripped");
    assert!(
        log.contains("secrets seen: []"),
        "AIPM's secrets never reach the agent: {log}"
    );
    assert!(!log.contains("ghp_secretvalue123"));

    let task = git_show(repo.path(), &format!("{branch}:TASK.md")).expect("TASK.md on the branch");
    assert!(task.starts_with("# Story 1: Gift cards"), "{task}");
    assert!(task.contains(&format!(
        "- [ ] **{}**",
        story["acceptanceTests"][0]["title"].as_str().unwrap()
    )));
    assert!(
        task.contains("fake-agent: secrets"),
        "the instructions are in TASK.md"
    );
    let feature = git_show(repo.path(), &format!("{branch}:feature.txt"))
        .expect("the agent's change is pushed");
    assert_eq!(feature, "Implemented: Story 1: Gift cards\n");
    assert_eq!(
        git_show(repo.path(), "main:feature.txt"),
        None,
        "main is untouched until the merge"
    );

    let viewed = s.get("/api/stories/1").await.body;
    assert_eq!(viewed["prs"][0]["runStatus"], "succeeded");
    assert_eq!(viewed["prs"][0]["branchName"], branch);
    let runs = s.get("/api/stories/1/runs").await.body;
    assert_eq!(runs.as_array().unwrap().len(), 1);
    let health = s.get("/api/health").await.body;
    assert_eq!(health["queue"]["kind"], "embedded");
    assert!(
        health["workers"]["alive"].as_u64().unwrap() >= 1,
        "{health}"
    );

    // Merge squashes the branch into main — not while main is checked out
    // in the repository's working tree.
    let refused = s.post("/api/stories/1/prs/1/merge", json!({})).await;
    assert_eq!(
        (refused.status, refused.code()),
        (StatusCode::CONFLICT, "BASE_CHECKED_OUT")
    );
    let detach = Command::new("git")
        .args(["checkout", "-q", "--detach"])
        .current_dir(repo.path())
        .status()
        .unwrap();
    assert!(detach.success());
    let merged = s.post("/api/stories/1/prs/1/merge", json!({})).await;
    assert_eq!(merged.status, StatusCode::OK, "{}", merged.body);
    assert_eq!(merged.body["state"], "merged");
    assert_eq!(
        git_show(repo.path(), "main:feature.txt").as_deref(),
        Some("Implemented: Story 1: Gift cards\n")
    );
}

#[tokio::test]
async fn an_agent_that_changes_nothing_ends_no_changes() {
    let repo = git_repo();
    let s = server(repo.path(), &[]);
    s.story(good_story("Loyalty points")).await;
    let started = generate(&s, 1, "fake-agent: noop").await;
    let run = wait_run(&s, &started["run"]["runId"], terminal).await;
    assert_eq!(run["status"], "no_changes", "{run}");
    assert_eq!(run["summary"]["commits"], 0);
}

#[tokio::test]
async fn an_agent_that_fails_fails_the_run_and_retry_starts_a_new_attempt() {
    let repo = git_repo();
    let s = server(repo.path(), &[]);
    s.story(good_story("Wishlists")).await;
    let started = generate(&s, 1, "fake-agent: fail 7").await;
    let run_id = started["run"]["runId"].clone();
    let run = wait_run(&s, &run_id, terminal).await;
    assert_eq!(run["status"], "failed");
    assert_eq!(run["error"], "the agent exited with code 7");
    assert!(
        run["log"].as_str().unwrap().contains("told to fail"),
        "{}",
        run["log"]
    );

    let retried = s
        .post(&format!("/api/runs/{run_id}/retry"), json!({}))
        .await;
    assert_eq!(retried.status, StatusCode::ACCEPTED, "{}", retried.body);
    assert_eq!(retried.body["attempt"], 2);
    let run = wait_run(&s, &run_id, |r| r["attempt"] == 2 && terminal(r)).await;
    assert_eq!(run["status"], "failed");
    let log = run["log"].as_str().unwrap();
    assert!(
        log.contains("attempt 1") && log.contains("attempt 2"),
        "one log across attempts: {log}"
    );
    assert_eq!(
        s.get("/api/stories/1/prs")
            .await
            .body
            .as_array()
            .unwrap()
            .len(),
        1,
        "a retry opens no second PR"
    );
}

#[tokio::test]
async fn an_agent_past_its_limit_is_stopped_with_its_children() {
    let repo = git_repo();
    let s = server(repo.path(), &[("AIPM_RUN_TIMEOUT_SECS", "2")]);
    s.story(good_story("Store locator")).await;
    let started = generate(&s, 1, "fake-agent: hang").await;
    let run = wait_run(&s, &started["run"]["runId"], terminal).await;
    assert_eq!(run["status"], "timed_out", "{run}");
    assert!(run["error"].as_str().unwrap().contains("limit of 2 s"));
    let child = child_marker(run["log"].as_str().unwrap());
    assert!(
        !process_alive(&child),
        "the agent's child {child} was stopped with it"
    );
}

#[tokio::test]
async fn cancel_stops_a_running_agent_and_its_process_group() {
    let repo = git_repo();
    let s = server(repo.path(), &[]);
    s.story(good_story("Returns")).await;
    let started = generate(&s, 1, "fake-agent: hang").await;
    let run_id = started["run"]["runId"].clone();
    let running = wait_run(&s, &run_id, |r| {
        r["log"].as_str().unwrap_or("").contains("(child ")
    })
    .await;
    assert_eq!(running["status"], "running");

    let second = s.post("/api/stories/1/generate-code", json!({})).await;
    assert_eq!(
        (second.status, second.code()),
        (StatusCode::CONFLICT, "RUN_IN_PROGRESS")
    );

    let cancel = s
        .post(&format!("/api/runs/{run_id}/cancel"), json!({}))
        .await;
    assert_eq!(cancel.status, StatusCode::ACCEPTED);
    let run = wait_run(&s, &run_id, terminal).await;
    assert_eq!(run["status"], "cancelled");
    let child = child_marker(running["log"].as_str().unwrap());
    assert!(!process_alive(&child), "{child} was stopped with the agent");
    let again = s
        .post(&format!("/api/runs/{run_id}/cancel"), json!({}))
        .await;
    assert_eq!(again.code(), "RUN_NOT_ACTIVE");
    // The slot is free again.
    let next = s
        .post(
            "/api/stories/1/generate-code",
            json!({"instructions": "fake-agent: noop"}),
        )
        .await;
    assert_eq!(next.status, StatusCode::ACCEPTED, "{}", next.body);
}

#[tokio::test]
async fn without_a_repository_nothing_is_started() {
    let s = Server::start();
    s.story(good_story("No repo")).await;
    let r = s.post("/api/stories/1/generate-code", json!({})).await;
    assert_eq!(
        (r.status, r.body["details"]["field"].as_str()),
        (StatusCode::BAD_REQUEST, Some("repository"))
    );
    assert_eq!(s.get("/api/stories/1/runs").await.body, json!([]));
    let r = s
        .send(
            reqwest::Method::PATCH,
            "/api/projects/1",
            Some(json!({"repository": "/nope/nowhere"})),
            &[],
        )
        .await;
    assert_eq!(r.body["details"]["field"], "repository");
}

fn aipm(args: &[&str], data_dir: &Path, env: &[(&str, String)]) -> Child {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_aipm"));
    cmd.args(args)
        .arg("--data-dir")
        .arg(data_dir)
        .env("AIPM_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit());
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.spawn().unwrap()
}

/// A worker killed mid-run: the job comes back to another worker, which
/// completes the run once — one branch, one PR, one change.
#[tokio::test]
async fn a_killed_workers_job_is_redelivered_and_completed_once() {
    let repo = git_repo();
    let repo_path = repo.path().to_string_lossy().to_string();
    let data = tempfile::tempdir().unwrap();
    let env = vec![
        ("AIPM_AGENT_CMD", fake_agent()),
        ("AIPM_AGENT", "custom".to_string()),
        ("AIPM_JOB_VISIBILITY_SECS", "2".to_string()),
    ];
    let mut serve_env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    serve_env.push(("AIPM_REPO", &repo_path));
    let s = Server::start_with_args(&serve_env, &["--no-worker"], data);
    s.story(good_story("Gift wrap")).await;
    let started = generate(&s, 1, "fake-agent: sleep 4").await;
    let run_id = started["run"]["runId"].clone();

    let mut first = aipm(&["worker"], s.data_path(), &env);
    wait_run(&s, &run_id, |r| r["status"] == "running").await;
    first.kill().unwrap();
    first.wait().unwrap();

    let mut second = aipm(&["worker"], s.data_path(), &env);
    let run = wait_run(&s, &run_id, terminal).await;
    second.kill().unwrap();
    second.wait().unwrap();
    assert_eq!(run["status"], "succeeded", "{run}");
    assert_eq!(run["attempt"], 1, "a redelivery is the same attempt");
    assert!(
        run["log"].as_str().unwrap().contains("delivery 2"),
        "{}",
        run["log"]
    );
    assert_eq!(
        s.get("/api/stories/1/prs")
            .await
            .body
            .as_array()
            .unwrap()
            .len(),
        1
    );
    let feature = git_show(repo.path(), "aipm/1-gift-wrap:feature.txt").unwrap();
    assert_eq!(
        feature.lines().count(),
        1,
        "the change was made once: {feature}"
    );
    let branches = Command::new("git")
        .args(["branch", "--list", "aipm/*"])
        .current_dir(repo.path())
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&branches.stdout).lines().count(),
        1,
        "one branch"
    );
}

/// A job that fails on every delivery: after the last one the run is failed
/// with the reason, and the job is in the dead-letter queue.
#[tokio::test]
async fn a_poison_job_ends_in_the_dead_letter_queue_and_the_run_fails() {
    let repo = git_repo();
    let repo_path = repo.path().to_string_lossy().to_string();
    let env = vec![
        ("AIPM_AGENT_CMD", fake_agent()),
        ("AIPM_AGENT", "custom".to_string()),
        ("AIPM_JOB_VISIBILITY_SECS", "1".to_string()),
    ];
    let mut serve_env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    serve_env.push(("AIPM_REPO", &repo_path));
    let s = Server::start_with_args(&serve_env, &["--no-worker"], tempfile::tempdir().unwrap());
    s.story(good_story("Vouchers")).await;
    let started = generate(&s, 1, "fake-agent: edit").await;
    // The PR exists, but its branch is gone: every checkout fails.
    let branch = started["run"]["branchName"].as_str().unwrap();
    let deleted = Command::new("git")
        .args(["branch", "-q", "-D", branch])
        .current_dir(repo.path())
        .status()
        .unwrap();
    assert!(deleted.success());
    let mut worker = aipm(&["worker"], s.data_path(), &env);
    let run = wait_run(&s, &started["run"]["runId"], terminal).await;
    assert_eq!(run["status"], "failed", "{run}");
    assert!(
        run["error"]
            .as_str()
            .unwrap()
            .starts_with("gave up after 3 deliveries"),
        "{run}"
    );
    let waiting = Instant::now();
    loop {
        let health = s.get("/api/health").await.body;
        if health["queue"]["deadLetter"] == 1 {
            break;
        }
        assert!(
            waiting.elapsed() < Duration::from_secs(30),
            "the job never reached the dead-letter queue: {health}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    worker.kill().unwrap();
    worker.wait().unwrap();
}

const GITHUB_TOKEN: &str = "ghp_serverGitHubToken0123456789";
const LLM_KEY: &str = "sk-serverLlmKey0123456789abcdef";
const API_TOKEN: &str = "serverApiToken0123456789abcdef";

/// The secrets must not be in `text`, whole or as base64.
fn assert_no_secret(what: &str, text: &str) {
    for secret in [GITHUB_TOKEN, LLM_KEY, API_TOKEN] {
        assert!(!text.contains(secret), "{what} holds {secret}: {text}");
    }
}

/// What the snooping agent reported, decoded from its base64 line and
/// joined from its pieces (so log masking cannot hide a leak from the test).
fn agent_reports(log: &str) -> (String, String) {
    use base64::Engine;
    let encoded = log
        .lines()
        .find_map(|l| l.strip_prefix("loot-base64: "))
        .expect("the agent printed its loot");
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(encoded)
        .expect("base64 (a masked copy would not decode)");
    let pieces: String = log
        .lines()
        .filter_map(|l| l.strip_prefix("loot-piece: "))
        .collect();
    (String::from_utf8_lossy(&decoded).into_owned(), pieces)
}

#[tokio::test]
async fn the_agent_cannot_read_the_servers_secrets_process_or_data() {
    let repo = git_repo();
    let s = server(
        repo.path(),
        &[
            ("AIPM_GITHUB_TOKEN", GITHUB_TOKEN),
            ("AIPM_LLM_API_KEY", LLM_KEY),
            ("AIPM_API_TOKEN", API_TOKEN),
        ],
    );
    let server_environ = std::fs::read(format!("/proc/{}/environ", s.pid())).unwrap();
    assert_no_secret(
        "the server's own environment",
        &String::from_utf8_lossy(&server_environ),
    );

    s.story(good_story("Price alerts")).await;
    let data = s.data_path().display().to_string();
    let started = generate(&s, 1, &format!("fake-agent: snoop {data} 9")).await;
    let run = wait_run(&s, &started["run"]["runId"], terminal).await;
    assert_eq!(run["status"], "succeeded", "{run}");
    let log = run["log"].as_str().unwrap();
    assert_no_secret("the run log", log);
    let (loot, pieces) = agent_reports(log);
    assert_no_secret("what the agent read", &loot);
    assert_no_secret("what the agent printed in pieces", &pieces);
    let branch = started["run"]["branchName"].as_str().unwrap();
    let pushed = git_show(repo.path(), &format!("{branch}:loot.txt")).expect("loot.txt pushed");
    assert_no_secret("the branch", &pushed);
    assert_eq!(pushed, loot);
    assert!(
        loot.contains("data dir: <FileNotFoundError>"),
        "the data dir is not in the agent's view: {loot}"
    );
    let seen = loot.lines().filter(|l| l.starts_with("process ")).count();
    assert!(
        seen <= 3,
        "the agent sees its own processes only, not the server's: {loot}"
    );
    assert!(
        log.contains("[aipm] sandbox: bubblewrap, network: open"),
        "{log}"
    );
    let health = s.get("/api/health").await.body;
    assert_eq!(
        health["workers"]["sandbox"],
        json!(["bubblewrap"]),
        "{health}"
    );
}

/// A run of the snooping agent; its lines about connections and the proxy.
async fn connect_from_agent(s: &Server, story: u64, port: u16) -> String {
    let started = s
        .post(
            &format!("/api/stories/{story}/generate-code"),
            json!({"instructions": format!("fake-agent: snoop /nowhere {port}"), "acceptWarnings": true}),
        )
        .await;
    assert_eq!(started.status, StatusCode::ACCEPTED, "{}", started.body);
    let started = started.body;
    let run = wait_run(s, &started["run"]["runId"], terminal).await;
    assert_eq!(run["status"], "succeeded", "{run}");
    let (loot, _) = agent_reports(run["log"].as_str().unwrap());
    loot.lines()
        .filter(|l| l.starts_with("connect ") || l.starts_with("proxy"))
        .collect::<Vec<_>>()
        .join("\n")
}

async fn set_network(s: &Server, network: &str) {
    let set = s
        .send(
            reqwest::Method::PATCH,
            "/api/projects/1",
            Some(json!({ "agentNetwork": network })),
            &[],
        )
        .await;
    assert_eq!(set.status, StatusCode::OK, "{}", set.body);
    assert_eq!(set.body["agentNetwork"], network);
}

#[tokio::test]
async fn an_allowlisted_network_reaches_allowed_hosts_through_the_proxy_only() {
    let repo = git_repo();
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let allowed = format!("127.0.0.1:{port}");
    let s = server(repo.path(), &[("AIPM_SANDBOX_ALLOW_HOSTS", &allowed)]);
    s.story(good_story("Gift card balance")).await;
    s.story(good_story("Shipping labels")).await;

    set_network(&s, "registries").await;
    let seen = connect_from_agent(&s, 1, port).await;
    assert!(
        seen.contains(&format!("connect {allowed}: failed")),
        "no direct connection: {seen}"
    );
    assert!(
        seen.contains(&format!("proxy {allowed}: HTTP/1.1 200")),
        "an allowed host through the proxy: {seen}"
    );
    assert!(
        seen.contains("proxy example.invalid:443: HTTP/1.1 403"),
        "any other host is refused: {seen}"
    );

    // `repository` on the local forge: no host at all, only the operator's.
    set_network(&s, "repository").await;
    let seen = connect_from_agent(&s, 2, port).await;
    assert!(
        seen.contains(&format!("proxy {allowed}: HTTP/1.1 200")),
        "{seen}"
    );
    assert!(
        seen.contains("proxy example.invalid:443: HTTP/1.1 403"),
        "{seen}"
    );
}

#[tokio::test]
async fn with_network_none_the_agent_reaches_not_even_a_local_port() {
    let repo = git_repo();
    let s = server(repo.path(), &[]);
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    s.story(good_story("Gift card balance")).await;
    s.story(good_story("Shipping labels")).await;

    assert_eq!(s.get("/api/projects/1").await.body["agentNetwork"], "open");
    let open = connect_from_agent(&s, 1, port).await;
    assert!(
        open.contains(": connected"),
        "open is the worker's network: {open}"
    );

    let bad = s
        .send(
            reqwest::Method::PATCH,
            "/api/projects/1",
            Some(json!({"agentNetwork": "everything"})),
            &[],
        )
        .await;
    assert_eq!(
        (bad.status, bad.body["details"]["field"].as_str()),
        (StatusCode::BAD_REQUEST, Some("agentNetwork")),
        "{}",
        bad.body
    );
    let set = s
        .send(
            reqwest::Method::PATCH,
            "/api/projects/1",
            Some(json!({"agentNetwork": "none"})),
            &[],
        )
        .await;
    assert_eq!(set.status, StatusCode::OK, "{}", set.body);
    assert_eq!(set.body["agentNetwork"], "none");
    let none = connect_from_agent(&s, 2, port).await;
    assert!(
        none.contains(&format!("connect 127.0.0.1:{port}: failed")) && none.contains("proxy: none"),
        "no network at all: {none}"
    );
}

/// A directory with only git and python3 on it: a worker without bubblewrap.
fn path_without_bwrap() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let found = |args: &[&str]| {
        let out = Command::new(args[0]).args(&args[1..]).output().unwrap();
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    };
    // The interpreter itself, not a version manager's shim of it.
    let python = found(&["python3", "-c", "import sys; print(sys.executable)"]);
    let git = found(&["sh", "-c", "command -v git"]);
    std::os::unix::fs::symlink(python, dir.path().join("python3")).unwrap();
    std::os::unix::fs::symlink(git, dir.path().join("git")).unwrap();
    dir
}

#[tokio::test]
async fn without_bubblewrap_agents_are_refused_unless_the_sandbox_is_turned_off() {
    let repo = git_repo();
    let bin = path_without_bwrap();
    let path = bin.path().display().to_string();
    let s = server(repo.path(), &[("PATH", &path)]);
    s.story(good_story("Unsandboxed")).await;
    let started = generate(&s, 1, "fake-agent: edit").await;
    let run = wait_run(&s, &started["run"]["runId"], terminal).await;
    assert_eq!(run["status"], "failed", "{run}");
    assert!(
        run["error"]
            .as_str()
            .unwrap()
            .contains("not run without a sandbox: bubblewrap (bwrap) is not installed"),
        "{run}"
    );
    let health = s.get("/api/health").await.body;
    assert!(
        health["workers"]["sandbox"][0]
            .as_str()
            .unwrap()
            .starts_with("unavailable: bubblewrap (bwrap) is not installed"),
        "{health}"
    );

    let repo = git_repo();
    let s = server(
        repo.path(),
        &[("PATH", &path), ("AIPM_AGENT_SANDBOX", "none")],
    );
    s.story(good_story("Unsandboxed by choice")).await;
    let started = generate(&s, 1, "fake-agent: edit").await;
    let run = wait_run(&s, &started["run"]["runId"], terminal).await;
    assert_eq!(run["status"], "succeeded", "{run}");
    assert_eq!(
        s.get("/api/health").await.body["workers"]["sandbox"],
        json!(["off"])
    );
}

#[tokio::test]
async fn invalid_utf8_in_the_agents_output_is_replaced_and_the_run_goes_on() {
    let repo = git_repo();
    let s = server(repo.path(), &[]);
    s.story(good_story("Odd bytes")).await;
    let started = generate(&s, 1, "fake-agent: garbage").await;
    let run = wait_run(&s, &started["run"]["runId"], terminal).await;
    assert_eq!(run["status"], "succeeded", "{run}");
    let log = run["log"].as_str().unwrap();
    assert!(
        log.contains("bad bytes: \u{fffd}\u{fffd}\u{fffd} here"),
        "{log}"
    );
    assert!(log.contains("after the bad bytes 2"), "{log}");
    assert!(log.contains("wrote feature.txt"), "{log}");
}

#[tokio::test]
async fn a_huge_line_without_a_newline_is_cut_with_one_note() {
    let repo = git_repo();
    let s = server(repo.path(), &[]);
    s.story(good_story("Chatty agent")).await;
    let started = generate(&s, 1, "fake-agent: longline 50").await;
    let run = wait_run(&s, &started["run"]["runId"], terminal).await;
    assert_eq!(run["status"], "succeeded", "{run}");
    let log = run["log"].as_str().unwrap();
    assert_eq!(
        log.matches("[aipm: line cut, ").count(),
        1,
        "one note for the cut line"
    );
    assert!(
        log.contains(&format!(
            "line cut, {} more bytes",
            50 * 1024 * 1024 - 64 * 1024
        )),
        "the note says how much was dropped"
    );
    assert!(
        log.contains("[aipm] agent ended: Code(0)"),
        "{}",
        &log[..200]
    );
    assert!(log.len() < 100 * 1024, "the log holds {} bytes", log.len());
}

#[tokio::test]
async fn the_json_log_names_the_request_and_operation_and_each_delivery_its_run_and_attempt() {
    let repo = git_repo();
    let s = server(repo.path(), &[("AIPM_LOG", "info")]);
    s.story(good_story("Order history")).await;
    let r = reqwest::Client::new()
        .post(format!("{}/api/stories/1/generate-code", s.url))
        .header("x-request-id", "req-from-the-test")
        .json(&json!({"instructions": "fake-agent: noop"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::ACCEPTED);
    let run: Value = r.json().await.unwrap();
    let run_id = run["run"]["runId"].clone();
    wait_run(&s, &run_id, terminal).await;

    let log = s.log();
    let answered = log
        .iter()
        .find(|l| l["span"]["request_id"] == "req-from-the-test")
        .unwrap_or_else(|| panic!("no line in the request's span: {log:?}"));
    assert_eq!(answered["span"]["operation"], "generateCode");
    let delivery: Vec<&Value> = log
        .iter()
        .filter(|l| l["span"]["name"] == "delivery")
        .collect();
    assert!(
        !delivery.is_empty(),
        "no line in a delivery's span: {log:?}"
    );
    for line in delivery {
        assert_eq!(line["span"]["run_id"], run_id.to_string(), "{line}");
        assert_eq!(line["span"]["attempt"], 1, "{line}");
    }
}

#[tokio::test]
async fn acceptance_results_land_on_the_tests_and_a_follow_up_works_on_the_same_branch() {
    let repo = git_repo();
    let s = server(repo.path(), &[]);
    let story = s.story(good_story("Vouchers")).await;
    let test_id = story["acceptanceTests"][0]["id"].as_u64().unwrap();
    let started = generate(&s, 1, "fake-agent: accept pass 999=fail").await;
    let run_id = started["run"]["runId"].clone();
    let run = wait_run(&s, &run_id, terminal).await;
    assert_eq!(run["status"], "succeeded", "{run}");
    assert_eq!(
        run["summary"]["acceptance"]["ignored"],
        json!([999]),
        "{run}"
    );
    let viewed = s.get("/api/stories/1").await.body;
    let test = &viewed["acceptanceTests"][0];
    assert_eq!(test["id"].as_u64(), Some(test_id));
    assert_eq!(test["status"], "Pass", "{test}");
    assert_eq!(test["evidence"]["runId"], run_id);

    let empty = s
        .post(
            &format!("/api/runs/{run_id}/follow-up"),
            json!({"message": "  "}),
        )
        .await;
    assert_eq!(
        (empty.status, empty.body["details"]["field"].as_str()),
        (StatusCode::BAD_REQUEST, Some("message"))
    );
    let followed = s
        .post(
            &format!("/api/runs/{run_id}/follow-up"),
            json!({"message": "fake-agent: accept fail"}),
        )
        .await;
    assert_eq!(followed.status, StatusCode::ACCEPTED, "{}", followed.body);
    assert_eq!(followed.body["attempts"][1]["trigger"], "user");
    let run = wait_run(&s, &run_id, |r| r["attempt"] == 2 && terminal(r)).await;
    assert_eq!(run["status"], "succeeded", "{run}");
    let branch = run["branchName"].as_str().unwrap();
    let task = git_show(repo.path(), &format!("{branch}:TASK.md")).unwrap();
    assert!(
        task.contains("## Follow-up (attempt 2, from user)"),
        "{task}"
    );
    let viewed = s.get("/api/stories/1").await.body;
    assert_eq!(viewed["acceptanceTests"][0]["status"], "Fail");
}

/// The story's test as the API shows it.
async fn test_of(s: &Server, story: u64) -> Value {
    s.get(&format!("/api/stories/{story}")).await.body["acceptanceTests"][0].clone()
}

/// Run the next attempt of `run_id` with `message`; the ended attempt.
async fn follow_up(s: &Server, run_id: &Value, attempt: u64, message: &str) -> Value {
    let r = s
        .post(
            &format!("/api/runs/{run_id}/follow-up"),
            json!({ "message": message }),
        )
        .await;
    assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.body);
    assert_eq!(r.body["attempt"], attempt);
    wait_run(s, run_id, |r| r["attempt"] == attempt && terminal(r)).await
}

#[tokio::test]
async fn a_hostile_acceptance_file_changes_no_test_and_the_run_says_what_it_ignored() {
    let repo = git_repo();
    let s = server(repo.path(), &[]);
    s.story(good_story("Vouchers")).await;
    let other = s.story(good_story("Gift tags")).await;
    let other_test = other["acceptanceTests"][0]["id"].as_u64().unwrap();
    let other_before = test_of(&s, 2).await;

    let started = generate(&s, 1, "fake-agent: accept pass").await;
    let run_id = started["run"]["runId"].clone();
    let run = wait_run(&s, &run_id, terminal).await;
    assert_eq!(run["status"], "succeeded", "{run}");
    let passed = test_of(&s, 1).await;
    assert_eq!(
        (&passed["status"], &passed["evidence"]["attempt"]),
        (&json!("Pass"), &json!(1)),
        "{passed}"
    );

    // Each file is not read at all; the test keeps attempt 1's result.
    let cases = [
        ("junk", "does not match the schema"),
        ("extra", "unknown field `approvedBy`"),
        ("huge", "bytes; at most 65536 are read"),
        ("link", ".aipm/acceptance.json is not a regular file"),
    ];
    for (attempt, (kind, reason)) in (2..).zip(cases) {
        let run = follow_up(
            &s,
            &run_id,
            attempt,
            &format!("fake-agent: accept-raw {kind}"),
        )
        .await;
        assert_eq!(run["status"], "succeeded", "{kind}: {run}");
        let acceptance = &run["summary"]["acceptance"];
        assert!(
            acceptance["error"].as_str().unwrap_or("").contains(reason),
            "{kind}: {acceptance}"
        );
        assert_eq!(acceptance["recorded"], json!([]), "{kind}: {acceptance}");
        let log = run["log"].as_str().unwrap();
        assert!(
            log.lines().any(|l| l
                .starts_with("[aipm] acceptance results not read: .aipm/acceptance.json")
                && l.contains(reason)),
            "{kind}: {log}"
        );
        assert!(
            !log.contains("root:"),
            "{kind}: the link is not followed: {log}"
        );
        assert_eq!(test_of(&s, 1).await, passed, "{kind} changed the test");
    }
    let branch = run["branchName"].as_str().unwrap();
    let link = Command::new("git")
        .args(["ls-tree", branch, "--", ".aipm/acceptance.json"])
        .current_dir(repo.path())
        .output()
        .unwrap();
    assert!(
        String::from_utf8_lossy(&link.stdout).starts_with("120000 "),
        "the agent's link itself is what was pushed"
    );

    // Ids that are not this story's tests (another story's, or none at all)
    // are ignored and listed; neither story's test changes.
    let run = follow_up(
        &s,
        &run_id,
        6,
        &format!("fake-agent: accept {other_test}=fail 999999=pass"),
    )
    .await;
    assert_eq!(run["status"], "succeeded", "{run}");
    let acceptance = &run["summary"]["acceptance"];
    assert_eq!(
        acceptance["ignored"],
        json!([other_test, 999999]),
        "{acceptance}"
    );
    assert_eq!(acceptance["recorded"], json!([]), "{acceptance}");
    assert!(
        run["log"].as_str().unwrap().contains(&format!(
            "0 recorded, 0 refused, 2 ignored (not tests of story 1): {other_test}, 999999"
        )),
        "{}",
        run["log"]
    );
    assert_eq!(test_of(&s, 1).await, passed);
    assert_eq!(test_of(&s, 2).await, other_before, "another story's test");
}

#[tokio::test]
async fn a_follow_up_is_refused_while_the_story_has_a_run_in_progress_or_its_message_is_bad() {
    let repo = git_repo();
    let s = server(repo.path(), &[]);
    s.story(good_story("Refunds")).await;
    let started = generate(&s, 1, "fake-agent: hang").await;
    let run_id = started["run"]["runId"].clone();
    wait_run(&s, &run_id, |r| {
        r["log"].as_str().unwrap_or("").contains("(child ")
    })
    .await;
    let follow = |message: Value| {
        let s = &s;
        let run_id = run_id.clone();
        async move {
            s.post(&format!("/api/runs/{run_id}/follow-up"), message)
                .await
        }
    };

    // A good message to a running run: 409. At the limit (in characters,
    // not bytes) the message is good, so the refusal is the run's.
    for message in [
        "fake-agent: edit".to_string(),
        "x".repeat(8000),
        "é".repeat(8000),
    ] {
        let r = follow(json!({ "message": message })).await;
        assert_eq!(
            (r.status, r.code()),
            (StatusCode::CONFLICT, "RUN_IN_PROGRESS"),
            "{}",
            r.body
        );
        assert_eq!(r.body["details"]["runId"], run_id, "{}", r.body);
    }
    // A bad message: 400 naming `message`, whatever the run's state.
    for body in [
        json!({ "message": "x".repeat(8001) }),
        json!({ "message": "" }),
        json!({ "message": " \n\t " }),
        json!({ "message": null }),
        json!({ "message": 5 }),
        json!({}),
    ] {
        let r = follow(body.clone()).await;
        assert_eq!(
            (r.status, r.body["details"]["field"].as_str()),
            (StatusCode::BAD_REQUEST, Some("message")),
            "{body}: {}",
            r.body
        );
    }
    let r = follow(json!({ "message": "x".repeat(8001) })).await;
    assert!(
        r.body["message"]
            .as_str()
            .unwrap()
            .contains("8001 characters long; at most 8000"),
        "{}",
        r.body
    );
    let unknown = s
        .post(
            "/api/runs/999999/follow-up",
            json!({"message": "fake-agent: edit"}),
        )
        .await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND, "{}", unknown.body);

    // Nothing was queued or written by the refusals.
    let run = s.get(&format!("/api/runs/{run_id}")).await.body;
    assert_eq!(
        (
            &run["status"],
            &run["attempt"],
            run["attempts"].as_array().map(Vec::len)
        ),
        (&json!("running"), &json!(1), Some(1)),
        "{run}"
    );
    let health = s.get("/api/health").await.body;
    assert_eq!(health["queue"]["visible"], 0, "{health}");

    // An ended run whose story has another run in progress: 409 as well.
    let cancel = s
        .post(&format!("/api/runs/{run_id}/cancel"), json!({}))
        .await;
    assert_eq!(cancel.status, StatusCode::ACCEPTED);
    let ended = wait_run(&s, &run_id, terminal).await;
    assert_eq!(ended["status"], "cancelled");
    let second = generate(&s, 1, "fake-agent: hang").await;
    let second_id = second["run"]["runId"].clone();
    assert_ne!(second_id, run_id);
    let r = follow(json!({"message": "fake-agent: edit"})).await;
    assert_eq!(
        (r.status, r.code()),
        (StatusCode::CONFLICT, "RUN_IN_PROGRESS"),
        "{}",
        r.body
    );
    let after = s.get(&format!("/api/runs/{run_id}")).await.body;
    assert_eq!(
        (&after["status"], &after["attempt"], &after["summary"]),
        (&ended["status"], &json!(1), &ended["summary"]),
        "the refused follow-up left the ended run as it was: {after}"
    );
    let cancel = s
        .post(&format!("/api/runs/{second_id}/cancel"), json!({}))
        .await;
    assert_eq!(cancel.status, StatusCode::ACCEPTED, "{}", cancel.body);
    wait_run(&s, &second_id, terminal).await;
}

#[tokio::test]
async fn an_agents_stream_json_becomes_the_runs_plan_events_and_cost_over_its_attempts() {
    let repo = git_repo();
    let s = server(repo.path(), &[("AIPM_AGENT_MAX_TURNS", "7")]);
    s.story(good_story("Receipts")).await;
    let started = generate(&s, 1, "fake-agent: stream-json").await;
    let run_id = started["run"]["runId"].clone();
    let run = wait_run(&s, &run_id, terminal).await;
    assert_eq!(run["status"], "succeeded", "{run}");
    let progress = &run["progress"];
    assert_eq!(progress["format"], "claude-stream-json", "{progress}");
    assert_eq!(
        progress["plan"],
        json!([
            {"text": "Read the story", "status": "completed"},
            {"text": "Write feature.txt", "status": "completed"},
            {"text": "Check the result", "status": "completed"},
        ])
    );
    assert_eq!(
        progress["events"],
        json!([
            {"kind": "message", "attempt": 1, "text": "I will implement the story in feature.txt."},
            {"kind": "fileChange", "attempt": 1, "path": "feature.txt", "change": "edit"},
            {"kind": "toolCall", "attempt": 1, "tool": "Bash", "detail": "cat feature.txt"},
            {"kind": "result", "attempt": 1, "ok": true, "turns": 4, "costUsd": 0.0123},
        ])
    );
    assert_eq!(
        progress["usage"],
        json!({"inputTokens": 2048, "outputTokens": 512, "costUsd": 0.0123, "turns": 4})
    );
    // The raw log stays, and says the custom agent takes no turn cap.
    let log = run["log"].as_str().unwrap();
    assert!(log.contains(r#""type": "result""#), "{log}");
    assert!(
        log.contains("[aipm] custom takes no turn cap; only the time limit applies"),
        "{log}"
    );

    // A follow-up's attempt adds its own events and usage.
    let followed = s
        .post(
            &format!("/api/runs/{run_id}/follow-up"),
            json!({"message": "fake-agent: stream-json"}),
        )
        .await;
    assert_eq!(followed.status, StatusCode::ACCEPTED, "{}", followed.body);
    let run = wait_run(&s, &run_id, |r| r["attempt"] == 2 && terminal(r)).await;
    let progress = &run["progress"];
    let attempts: Vec<u64> = progress["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["attempt"].as_u64().unwrap())
        .collect();
    assert_eq!(attempts, [1, 1, 1, 1, 2, 2, 2, 2], "{progress}");
    assert_eq!(progress["usage"]["inputTokens"], 4096);
    assert_eq!(progress["usage"]["turns"], 8);
    let cost = progress["usage"]["costUsd"].as_f64().unwrap();
    assert!((cost - 0.0246).abs() < 1e-9, "{cost}");
}

#[tokio::test]
async fn plain_agent_output_gives_an_empty_progress() {
    let repo = git_repo();
    let s = server(repo.path(), &[]);
    s.story(good_story("Plain")).await;
    let started = generate(&s, 1, "").await;
    let run = wait_run(&s, &started["run"]["runId"], terminal).await;
    assert_eq!(run["status"], "succeeded", "{run}");
    assert_eq!(
        run["progress"],
        json!({"format": null, "plan": [], "events": [], "omittedEvents": 0, "usage": null})
    );
}
