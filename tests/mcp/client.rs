//! The official MCP client (tests/mcp/client.py, the `mcp` package from
//! PyPI that bin/test installs into .venv-mcp) run as a child process, and
//! readers for what it saw.

use serde_json::Value;
use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};

/// The Python that has the `mcp` package: AIPM_TEST_MCP_PYTHON (bin/test
/// sets it), else the checkout's .venv-mcp.
pub fn python() -> PathBuf {
    let path = std::env::var_os("AIPM_TEST_MCP_PYTHON")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/../.venv-mcp/bin/python"
            ))
        });
    assert!(
        path.exists(),
        "{} is missing: run the suite with bin/test, which installs the MCP client (bin/lib/mcp_client.sh)",
        path.display()
    );
    path
}

fn script() -> &'static str {
    concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/mcp/client.py")
}

/// What the client saw: the initialize answer and one result per step.
pub struct Session {
    pub initialize: Value,
    pub results: Vec<Value>,
}

fn run(args: &[String], steps: Value) -> Result<Session, String> {
    let mut child = Command::new(python())
        .arg(script())
        .args(args)
        .env("AIPM_LOG", "warn")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start the MCP client");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(steps.to_string().as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    if !out.status.success() {
        return Err(String::from_utf8_lossy(&out.stderr).into_owned());
    }
    let seen: Value = serde_json::from_slice(&out.stdout).expect("the client prints JSON");
    Ok(Session {
        initialize: seen["initialize"].clone(),
        results: seen["results"].as_array().cloned().unwrap_or_default(),
    })
}

/// `aipm mcp ARGS` started by the client, over stdio.
pub fn over_stdio(args: &[&str], steps: Value) -> Session {
    let mut argv = vec![
        "stdio".to_string(),
        env!("CARGO_BIN_EXE_aipm").to_string(),
        "mcp".into(),
    ];
    argv.extend(args.iter().map(|a| a.to_string()));
    run(&argv, steps).unwrap_or_else(|e| panic!("the MCP client failed: {e}"))
}

/// The client against `url` over streamable HTTP, with a bearer token.
pub fn over_http(url: &str, token: Option<&str>, steps: Value) -> Result<Session, String> {
    let mut argv = vec!["http".to_string(), url.to_string()];
    argv.extend(token.map(String::from));
    run(&argv, steps)
}

/// The names `tools/list` answered.
pub fn tool_names(list: &Value) -> Vec<String> {
    list["tools"]
        .as_array()
        .expect("a tools/list result")
        .iter()
        .map(|t| t["name"].as_str().unwrap().to_string())
        .collect()
}

/// A successful tool result's structured content.
pub fn ok(result: &Value) -> &Value {
    assert_eq!(result["isError"], false, "the tool failed: {result}");
    &result["structuredContent"]
}

/// A tool error's content: the REST API's `{code, message, details}` and `status`.
pub fn error(result: &Value) -> &Value {
    assert_eq!(result["isError"], true, "the tool did not fail: {result}");
    &result["structuredContent"]
}
