use crate::support::{good_story, Server};
use reqwest::{Method, StatusCode};

#[tokio::test]
async fn health_and_version_report_the_build_and_the_store() {
    let s = Server::start();
    let h = s.get("/api/health").await.body;
    assert_eq!(h["status"], "ok");
    assert_eq!(h["store"]["kind"], "sqlite");
    assert_eq!(h["store"]["ok"], true);
    assert!(h["store"]["latencyMs"].as_f64().unwrap() >= 0.0);
    let v = s.get("/api/version").await.body;
    assert_eq!(v["version"], env!("CARGO_PKG_VERSION"));
    assert!(!v["commit"].as_str().unwrap().is_empty());
}

/// The vocabulary the web UI draws from is the server's own: a status the
/// server accepts is offered, and a value it offers is accepted.
#[tokio::test]
async fn version_carries_the_vocabulary_the_server_accepts() {
    let s = Server::start();
    let v = s.get("/api/version").await.body["vocabulary"].clone();
    assert_eq!(v["epicPoints"], 8);
    let statuses: Vec<&str> = v["storyStatuses"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap())
        .collect();
    assert_eq!(
        statuses,
        [
            "Draft",
            "Ready",
            "In Progress",
            "Blocked",
            "Approved",
            "Done"
        ]
    );
    assert_eq!(v["runStates"]["active"][0], "queued");
    assert!(v["runStates"]["terminal"]
        .as_array()
        .unwrap()
        .iter()
        .any(|s| s == "timed_out"));
    assert!(v["agents"]
        .as_array()
        .unwrap()
        .iter()
        .any(|a| a == "custom"));
    // Every component offered is one a story may carry.
    let components = v["components"].clone();
    assert!(components.as_array().unwrap().len() >= 6);
    let created = s
        .post(
            "/api/stories",
            serde_json::json!({
                "title": "Export the ledger",
                "asA": "bookkeeper",
                "iWant": "to export the ledger to a spreadsheet",
                "soThat": "I can file the quarterly return",
                "components": components,
                "acceptWarnings": true,
            }),
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.body);
    assert_eq!(created.body["components"], components);
}

/// `aipm serve --store dynamodb` on the emulator; then the table goes away.
/// Needs `aipm` built with AWS support (bin/test builds it so).
#[cfg(feature = "aws")]
#[tokio::test]
async fn health_is_degraded_not_a_500_when_the_store_is_down() {
    let endpoint = std::env::var("AIPM_TEST_DYNAMODB_ENDPOINT")
        .expect("AIPM_TEST_DYNAMODB_ENDPOINT is not set: run the suite with bin/test, which starts moto's server");
    let table = format!("aipm-health-{}", std::process::id());
    let s = Server::start_with(
        &[
            ("AIPM_STORE", "dynamodb"),
            ("AIPM_TABLE", &table),
            ("AIPM_DYNAMODB_ENDPOINT", &endpoint),
            ("AWS_REGION", "us-east-1"),
            ("AWS_ACCESS_KEY_ID", "testing"),
            ("AWS_SECRET_ACCESS_KEY", "testing"),
        ],
        tempfile::tempdir().unwrap(),
    );
    let h = s.get("/api/health").await.body;
    assert_eq!(
        (h["status"].as_str(), h["store"]["kind"].as_str()),
        (Some("ok"), Some("dynamodb")),
        "{h}"
    );

    let deleted = reqwest::Client::new()
        .post(&endpoint)
        .header("content-type", "application/x-amz-json-1.0")
        .header("x-amz-target", "DynamoDB_20120810.DeleteTable")
        .header("authorization", "AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=0")
        .body(format!("{{\"TableName\": \"{table}\"}}"))
        .send()
        .await
        .unwrap();
    assert!(deleted.status().is_success());

    let r = s.get("/api/health").await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.body["status"], "degraded", "{}", r.body);
    assert_eq!(r.body["store"]["ok"], false);
    assert!(r.body["store"]["error"].as_str().unwrap().len() > 0);
    let r = s.get("/api/stories").await;
    assert_eq!(
        (r.status, r.code()),
        (StatusCode::INTERNAL_SERVER_ERROR, "INTERNAL")
    );
    assert!(
        r.body["requestId"].is_string(),
        "a fault shows a request id: {}",
        r.body
    );
}

#[tokio::test]
async fn sigterm_stops_gracefully_and_acknowledged_writes_survive_a_restart() {
    let s = Server::start();
    s.story(good_story("Survivor")).await;
    let (status, dir) = s.stop();
    assert!(
        status.success(),
        "aipm serve exits cleanly on SIGTERM: {status}"
    );
    let again = Server::start_with(&[], dir);
    let tree = again.get("/api/stories").await.body;
    assert_eq!(tree[0]["title"], "Survivor");
    assert_eq!(
        again
            .get("/api/projects")
            .await
            .body
            .as_array()
            .unwrap()
            .len(),
        1,
        "the default project is created once"
    );
}

#[tokio::test]
async fn cors_allows_configured_origins_with_every_method() {
    let s = Server::start_with(
        &[("AIPM_CORS_ORIGINS", "https://aipm.example.com")],
        tempfile::tempdir().unwrap(),
    );
    let r = s
        .send(
            Method::OPTIONS,
            "/api/stories/1",
            None,
            &[
                ("Origin", "https://aipm.example.com"),
                ("Access-Control-Request-Method", "PUT"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    assert_eq!(
        r.headers["access-control-allow-origin"],
        "https://aipm.example.com"
    );
    let methods = r.headers["access-control-allow-methods"].to_str().unwrap();
    for m in ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"] {
        assert!(methods.contains(m), "{m} in {methods}");
    }
    let r = s
        .send(
            Method::GET,
            "/api/stories",
            None,
            &[("Origin", "https://evil.example.com")],
        )
        .await;
    assert!(r.headers.get("access-control-allow-origin").is_none());
}

/// `aipm serve` started anywhere serves the UI built into it: no checkout
/// beside it, no `web/` in its working directory.
#[tokio::test]
async fn the_web_ui_is_served_from_the_root_wherever_aipm_runs() {
    let elsewhere = tempfile::tempdir().unwrap();
    let s = Server::start_in(
        Some(elsewhere.path()),
        &[],
        &[],
        tempfile::tempdir().unwrap(),
    );
    let web = concat!(env!("CARGO_MANIFEST_DIR"), "/../web");

    let r = reqwest::get(format!("{}/", s.url)).await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers()["content-type"], "text/html; charset=utf-8");
    assert_eq!(
        r.text().await.unwrap(),
        std::fs::read_to_string(format!("{web}/index.html")).unwrap()
    );
    for (path, content_type) in [
        ("/js/app.js", "text/javascript; charset=utf-8"),
        ("/css/base.css", "text/css; charset=utf-8"),
        ("/favicon.svg", "image/svg+xml"),
    ] {
        let r = reqwest::get(format!("{}{path}", s.url)).await.unwrap();
        assert_eq!(r.status(), StatusCode::OK, "{path}");
        assert_eq!(r.headers()["content-type"], content_type, "{path}");
        assert_eq!(
            r.bytes().await.unwrap(),
            std::fs::read(format!("{web}{path}")).unwrap(),
            "{path} is the file of web/"
        );
    }
    for missing in ["/../Cargo.toml", "/js/nothing.js", "/%2e%2e/Cargo.toml"] {
        let r = reqwest::get(format!("{}{missing}", s.url)).await.unwrap();
        assert_eq!(r.status(), StatusCode::NOT_FOUND, "{missing}");
    }
    assert!(
        std::fs::read_dir(elsewhere.path())
            .unwrap()
            .next()
            .is_none(),
        "nothing is written into the working directory"
    );
}

/// `--web-dir` serves the UI from disk instead, for working on it.
#[tokio::test]
async fn web_dir_serves_the_ui_from_disk() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("index.html"), "<p>from disk</p>").unwrap();
    std::fs::create_dir(dir.path().join("js")).unwrap();
    std::fs::write(dir.path().join("js/app.js"), "export const x = 1;").unwrap();
    let web_dir = dir.path().to_str().unwrap();
    let s = Server::start_in(
        None,
        &[],
        &["--web-dir", web_dir],
        tempfile::tempdir().unwrap(),
    );
    let r = reqwest::get(format!("{}/", s.url)).await.unwrap();
    assert_eq!(r.headers()["content-type"], "text/html; charset=utf-8");
    assert_eq!(r.text().await.unwrap(), "<p>from disk</p>");
    let r = reqwest::get(format!("{}/js/app.js", s.url)).await.unwrap();
    assert_eq!(
        r.headers()["content-type"],
        "text/javascript; charset=utf-8"
    );
    assert_eq!(r.text().await.unwrap(), "export const x = 1;");
    let r = reqwest::get(format!("{}/css/base.css", s.url))
        .await
        .unwrap();
    assert_eq!(
        r.status(),
        StatusCode::NOT_FOUND,
        "nothing of the built-in copy shows through"
    );
}

#[test]
fn a_setting_with_an_unusable_value_stops_serve_and_worker_naming_it() {
    for (name, value) in [
        ("AIPM_WORKER_CONCURRENCY", "abc"),
        ("AIPM_RUN_TIMEOUT_SECS", "0"),
        ("AIPM_JOB_VISIBILITY_SECS", "-5"),
        ("AIPM_AGENT_SANDBOX", "docker"),
        ("AIPM_LOG", "aipm_api=loud"),
    ] {
        for command in ["serve", "worker"] {
            let dir = tempfile::tempdir().unwrap();
            let out = std::process::Command::new(env!("CARGO_BIN_EXE_aipm"))
                .args([command, "--data-dir"])
                .arg(dir.path())
                .env(name, value)
                .stdin(std::process::Stdio::null())
                .output()
                .unwrap();
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert!(
                !out.status.success(),
                "{command} with {name}={value} ran: {stderr}"
            );
            assert!(
                stderr.contains(name) && stderr.contains(value),
                "{command} names {name} and '{value}': {stderr}"
            );
            assert!(
                std::fs::read_dir(dir.path()).unwrap().next().is_none(),
                "{command} opened nothing before refusing"
            );
        }
    }
}
