//! Read-only mode and the tool allowlist.

use crate::client::{error, ok, over_stdio, tool_names};
use crate::stdio::story;
use serde_json::json;
use std::process::Command;

#[test]
fn read_only_mode_hides_and_refuses_the_tools_that_write() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().to_string_lossy().into_owned();
    let s = over_stdio(
        &["--data-dir", &path, "--read-only"],
        json!([
            {"list_tools": true},
            {"call": "create_story", "arguments": story("invoices")},
            {"call": "list_stories", "arguments": {}},
        ]),
    );
    assert_eq!(
        tool_names(&s.results[0]),
        [
            "list_projects",
            "list_stories",
            "search_stories",
            "get_story",
            "list_runs",
            "get_run"
        ]
    );
    let refused = error(&s.results[1]);
    assert_eq!(refused["code"], "TOOL_DISABLED");
    assert!(refused["message"].as_str().unwrap().contains("read-only"));
    assert_eq!(ok(&s.results[2])["items"], json!([]), "nothing was written");
}

#[test]
fn an_allowlist_offers_only_the_tools_it_names() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().to_string_lossy().into_owned();
    let s = over_stdio(
        &["--data-dir", &path, "--tools", "create_story,get_story"],
        json!([
            {"list_tools": true},
            {"call": "create_story", "arguments": story("invoices")},
            {"call": "list_stories", "arguments": {}},
            {"call": "drop_tables", "arguments": {}},
        ]),
    );
    assert_eq!(tool_names(&s.results[0]), ["get_story", "create_story"]);
    assert_eq!(ok(&s.results[1])["id"], 1);
    assert_eq!(error(&s.results[2])["code"], "TOOL_DISABLED");
    assert!(s.results[3]["protocolError"]["message"]
        .as_str()
        .unwrap()
        .contains("unknown tool 'drop_tables'"));
}

#[test]
fn an_allowlist_with_an_unknown_name_stops_the_server_with_the_name() {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_aipm"))
        .args(["mcp", "--tools", "get_story,drop_tables", "--data-dir"])
        .arg(dir.path())
        .env("AIPM_LOG", "warn")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("--tools: 'drop_tables' is not a tool"),
        "{stderr}"
    );
}

#[test]
fn the_environment_sets_read_only_mode_too() {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(crate::client::python())
        .arg(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../tests/mcp/client.py"
        ))
        .args([
            "stdio",
            "env",
            "AIPM_MCP_READ_ONLY=1",
            env!("CARGO_BIN_EXE_aipm"),
            "mcp",
            "--data-dir",
        ])
        .arg(dir.path())
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .and_then(|mut child| {
            use std::io::Write;
            child
                .stdin
                .take()
                .unwrap()
                .write_all(br#"[{"list_tools": true}]"#)?;
            child.wait_with_output()
        })
        .unwrap();
    assert!(out.status.success());
    let seen: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let names = tool_names(&seen["results"][0]);
    assert!(names.contains(&"get_story".to_string()));
    assert!(!names.contains(&"create_story".to_string()), "{names:?}");
}
