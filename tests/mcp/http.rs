//! MCP over streamable HTTP at `/mcp` of `aipm serve`, behind the API token.

use crate::client::{error, ok, over_http, tool_names};
use crate::stdio::story;
use crate::support::Server;
use reqwest::StatusCode;
use serde_json::json;

const TOKEN: &str = "s3cret-token-for-tests";

fn server() -> Server {
    Server::start_with(&[("AIPM_API_TOKEN", TOKEN)], tempfile::tempdir().unwrap())
}

fn initialize() -> serde_json::Value {
    json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
        "protocolVersion": "2025-06-18", "capabilities": {},
        "clientInfo": {"name": "curl", "version": "1"}}})
}

#[tokio::test]
async fn without_the_token_mcp_answers_401_like_the_api() {
    let s = server();
    let http = reqwest::Client::new();
    let post = |token: Option<&str>| {
        let mut req = http
            .post(format!("{}/mcp", s.url))
            .header("accept", "application/json, text/event-stream")
            .json(&initialize());
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        req.send()
    };
    let none = post(None).await.unwrap();
    assert_eq!(none.status(), StatusCode::UNAUTHORIZED);
    let body: serde_json::Value = none.json().await.unwrap();
    assert_eq!(body["code"], "UNAUTHORIZED");
    assert_eq!(
        post(Some("wrong")).await.unwrap().status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(post(Some(TOKEN)).await.unwrap().status(), StatusCode::OK);

    let refused = over_http(&format!("{}/mcp", s.url), None, json!([])).err();
    assert!(refused.is_some(), "the client connected without the token");
}

#[tokio::test]
async fn a_page_on_another_origin_is_refused() {
    let s = server();
    let r = reqwest::Client::new()
        .post(format!("{}/mcp", s.url))
        .bearer_auth(TOKEN)
        .header("origin", "https://evil.example")
        .header("accept", "application/json, text/event-stream")
        .json(&initialize())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn with_the_token_a_client_works_the_backlog_the_rest_api_sees() {
    let s = server();
    let seen = over_http(
        &format!("{}/mcp", s.url),
        Some(TOKEN),
        json!([
            {"list_tools": true},
            {"call": "create_story", "arguments": story("invoices")},
            {"call": "update_story", "arguments": {"id": 1, "version": 7, "title": "late"}},
            {"call": "create_story", "arguments": {"title": "x", "components": ["Nope"]}},
        ]),
    )
    .unwrap();
    assert_eq!(seen.initialize["serverInfo"]["name"], "aipm");
    assert!(tool_names(&seen.results[0]).contains(&"record_test_result".to_string()));
    assert_eq!(ok(&seen.results[1])["title"], "invoices");

    let rest = s.get("/api/stories/1").await;
    assert_eq!(rest.status, StatusCode::OK);
    assert_eq!(rest.body["title"], "invoices");

    // The same refusal, word for word, over both doors.
    let over_mcp = error(&seen.results[2]);
    let over_rest = s
        .patch("/api/stories/1", json!({"version": 7, "title": "late"}))
        .await;
    assert_eq!(
        over_rest.status.as_u16(),
        over_mcp["status"].as_u64().unwrap() as u16
    );
    assert_eq!(over_mcp["code"], over_rest.body["code"]);
    assert_eq!(over_mcp["message"], over_rest.body["message"]);
    let bad = error(&seen.results[3]);
    let rest_bad = s
        .post(
            "/api/stories",
            json!({"title": "x", "components": ["Nope"]}),
        )
        .await;
    assert_eq!(
        (&bad["code"], &bad["message"]),
        (&rest_bad.body["code"], &rest_bad.body["message"])
    );
}

#[tokio::test]
async fn serve_read_only_mode_applies_to_its_endpoint() {
    let s = Server::start_with_args(
        &[("AIPM_API_TOKEN", TOKEN)],
        &["--mcp-read-only"],
        tempfile::tempdir().unwrap(),
    );
    let seen = over_http(
        &format!("{}/mcp", s.url),
        Some(TOKEN),
        json!([{"list_tools": true}]),
    )
    .unwrap();
    let names = tool_names(&seen.results[0]);
    assert!(names.contains(&"get_story".to_string()));
    assert!(
        !names
            .iter()
            .any(|n| n.starts_with("create_") || n.starts_with("update_")),
        "{names:?}"
    );
}
