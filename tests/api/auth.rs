use crate::support::Server;
use reqwest::StatusCode;
use std::process::Command;

#[tokio::test]
async fn with_a_token_every_api_call_but_health_and_version_needs_it() {
    let s = Server::start_with(
        &[("AIPM_API_TOKEN", "s3cret-token")],
        tempfile::tempdir().unwrap(),
    );
    let client = reqwest::Client::new();
    let anonymous = client
        .get(format!("{}/api/stories", s.url))
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
    let wrong = client
        .get(format!("{}/api/stories", s.url))
        .bearer_auth("s3cret-tokem")
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    for open in ["/api/health", "/api/version", "/health"] {
        let r = client.get(format!("{}{open}", s.url)).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::OK, "{open}");
    }
    assert_eq!(
        s.get("/api/stories").await.status,
        StatusCode::OK,
        "the right token is let in"
    );
}

#[tokio::test]
async fn without_a_token_the_api_is_open_on_loopback() {
    let s = Server::start();
    assert_eq!(s.get("/api/stories").await.status, StatusCode::OK);
}

#[test]
fn serve_refuses_a_public_address_without_a_token() {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_aipm"))
        .args(["serve", "--listen", "0.0.0.0:0", "--data-dir"])
        .arg(dir.path())
        .env_remove("AIPM_API_TOKEN")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("AIPM_API_TOKEN") && stderr.contains("--insecure-no-auth"),
        "{stderr}"
    );
}
