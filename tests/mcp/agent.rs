//! The coding agent of a run gets AIPM's MCP server, scoped to its story:
//! `aipm serve` with its worker, a real git repository, and an agent that is
//! a real MCP client (tests/mcp/mcp_agent.py) started by the worker.

use crate::client::{ok, over_http, python};
use crate::stdio::story;
use crate::support::Server;
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::process::Command;
use std::time::{Duration, Instant};

const TOKEN: &str = "the-api-token-the-agent-never-sees";

fn git_repo() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for args in [
        &["init", "-q", "-b", "main"][..],
        &[
            "-c",
            "user.name=Dev",
            "-c",
            "user.email=dev@example.com",
            "commit",
            "-q",
            "--allow-empty",
            "-m",
            "First commit",
        ],
    ] {
        let out = Command::new("git")
            .args(args)
            .current_dir(dir.path())
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "git {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    dir
}

#[tokio::test]
async fn the_agent_reads_its_story_and_records_a_result_and_nothing_more() {
    let repo = git_repo();
    let note_dir = tempfile::tempdir().unwrap();
    let note = note_dir.path().join("grant.json");
    let agent = format!(
        "{} {}/../tests/mcp/mcp_agent.py {{task_file}}",
        python().display(),
        env!("CARGO_MANIFEST_DIR")
    );
    let repo_path = repo.path().to_string_lossy().into_owned();
    let note_path = note.to_string_lossy().into_owned();
    // The agent runs in the sandbox: it needs its venv (the MCP client) to
    // read and the note's directory to write, as any installed agent would.
    let venv = python()
        .parent()
        .and_then(|bin| bin.parent())
        .unwrap()
        .to_string_lossy()
        .into_owned();
    let base = std::process::Command::new(python())
        .args(["-c", "import sys; print(sys.base_prefix)"])
        .output()
        .expect("the MCP client's python");
    let venv = format!("{venv}:{}", String::from_utf8_lossy(&base.stdout).trim());
    let note_dir_path = note_dir.path().to_string_lossy().into_owned();
    let s = Server::start_with(
        &[
            ("AIPM_API_TOKEN", TOKEN),
            ("AIPM_REPO", &repo_path),
            ("AIPM_AGENT", "custom"),
            ("AIPM_AGENT_CMD", &agent),
            ("MCP_AGENT_NOTE", &note_path),
            ("AIPM_SANDBOX_READ", &venv),
            ("AIPM_SANDBOX_WRITE", &note_dir_path),
        ],
        tempfile::tempdir().unwrap(),
    );
    s.story(story("invoices")).await;
    s.story(story("payroll")).await;

    // The run is started, and later read, over MCP.
    let mcp = format!("{}/mcp", s.url);
    let started = over_http(
        &mcp,
        Some(TOKEN),
        json!([{"call": "generate_code", "arguments": {"storyId": 1}}]),
    )
    .unwrap();
    let run_id = ok(&started.results[0])["run"]["runId"].as_u64().unwrap();

    let begun = Instant::now();
    loop {
        let r = s.get(&format!("/api/runs/{run_id}")).await;
        if [
            "succeeded",
            "failed",
            "no_changes",
            "cancelled",
            "timed_out",
        ]
        .contains(&r.body["status"].as_str().unwrap_or(""))
        {
            break;
        }
        assert!(
            begun.elapsed() < Duration::from_secs(90),
            "run stuck: {}",
            r.body
        );
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    let read = over_http(
        &mcp,
        Some(TOKEN),
        json!([{"call": "get_run", "arguments": {"runId": run_id}}]),
    )
    .unwrap();
    let run = ok(&read.results[0]);
    let log = run["log"].as_str().unwrap();
    assert_eq!(run["status"], "succeeded", "{log}");
    assert!(
        log.contains("the agent has AIPM's MCP server for story 1"),
        "{log}"
    );
    assert!(
        log.contains("mcp tools: get_story,record_test_result"),
        "{log}"
    );
    assert!(log.contains("mcp story: invoices"), "{log}");
    assert!(log.contains("mcp recorded: Pass"), "{log}");
    assert!(log.contains("mcp other story: OUT_OF_SCOPE"), "{log}");
    assert!(log.contains("mcp other test: OUT_OF_SCOPE"), "{log}");
    assert!(log.contains("mcp create: TOOL_DISABLED"), "{log}");

    let story = s.get("/api/stories/1").await;
    assert_eq!(story.body["acceptanceTests"][0]["status"], "Pass");
    let other = s.get("/api/stories/2").await;
    assert_eq!(other.body["acceptanceTests"][0]["id"], 2);
    assert_eq!(
        other.body["acceptanceTests"][0]["status"], "Draft",
        "the other story's test is untouched"
    );
    let stories = s.get("/api/stories?flat=true").await;
    assert_eq!(
        stories.body.as_array().unwrap().len(),
        2,
        "the agent created nothing"
    );

    // What the agent was given: not the API token, and dead once the run ended.
    let grant: Value = serde_json::from_str(&std::fs::read_to_string(&note).unwrap()).unwrap();
    let header = grant["headers"]["Authorization"].as_str().unwrap();
    assert!(!header.contains(TOKEN));
    let late = reqwest::Client::new()
        .post(grant["url"].as_str().unwrap())
        .header("authorization", header)
        .header("accept", "application/json, text/event-stream")
        .json(&json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
            "protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "late", "version": "1"}}}))
        .send()
        .await
        .unwrap();
    assert_eq!(late.status(), StatusCode::UNAUTHORIZED);
}
