//! A hostile client and a hostile page: cross-site writes, rebinding, slow
//! and idle connections, bodies before the token, ids past what the store can
//! hold, text the rest of the system would choke on, and the web UI's files.

use crate::support::{good_story, Server};
use reqwest::{Method, StatusCode};
use serde_json::json;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// A request written by hand, for headers reqwest would not send.
async fn raw_http(server: &Server, request: String) -> String {
    let address = server.url.trim_start_matches("http://");
    let mut stream = TcpStream::connect(address).await.unwrap();
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut answer = Vec::new();
    // A guard against hanging forever, not a measure of speed.
    let _ = tokio::time::timeout(Duration::from_secs(60), stream.read_to_end(&mut answer)).await;
    String::from_utf8_lossy(&answer).into_owned()
}

fn host_of(server: &Server) -> String {
    server.url.trim_start_matches("http://").to_string()
}

async fn story_count(s: &Server) -> usize {
    s.get("/api/stories?flat=true")
        .await
        .body
        .as_array()
        .map_or(0, Vec::len)
}

#[tokio::test]
async fn a_page_on_another_origin_cannot_create_a_story_with_a_simple_request() {
    let s = Server::start();
    let body = good_story("planted").to_string();
    let host = host_of(&s);
    let answer = raw_http(
        &s,
        format!(
            "POST /api/stories HTTP/1.1\r\nHost: {host}\r\nContent-Type: text/plain\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        ),
    )
    .await;
    assert!(answer.starts_with("HTTP/1.1 415"), "{answer}");
    assert!(answer.contains("Content-Type"), "{answer}");

    let r = s
        .send(
            Method::POST,
            "/api/stories",
            Some(good_story("planted")),
            &[("origin", "https://evil.example")],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    assert!(r.body["message"]
        .as_str()
        .unwrap()
        .contains("https://evil.example"));
    let r = s
        .send(
            Method::POST,
            "/api/stories",
            Some(good_story("planted")),
            &[("sec-fetch-site", "cross-site")],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    assert_eq!(story_count(&s).await, 0, "a refused request writes nothing");

    let own = s.url.clone();
    let r = s
        .send(
            Method::POST,
            "/api/stories",
            Some(good_story("mine")),
            &[("origin", &own), ("sec-fetch-site", "same-origin")],
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
}

#[tokio::test]
async fn an_origin_on_the_cors_list_may_write() {
    let s = Server::start_with(
        &[("AIPM_CORS_ORIGINS", "https://ui.example")],
        tempfile::tempdir().unwrap(),
    );
    let r = s
        .send(
            Method::POST,
            "/api/stories",
            Some(good_story("listed")),
            &[("origin", "https://ui.example")],
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(
        r.headers["access-control-allow-origin"],
        "https://ui.example"
    );
}

#[tokio::test]
async fn a_loopback_server_refuses_a_foreign_host_name() {
    let s = Server::start();
    let answer = raw_http(
        &s,
        "GET /api/stories HTTP/1.1\r\nHost: evil.example\r\nConnection: close\r\n\r\n".into(),
    )
    .await;
    assert!(answer.starts_with("HTTP/1.1 403"), "{answer}");
    assert!(answer.contains("evil.example"), "{answer}");
    let answer = raw_http(
        &s,
        "GET / HTTP/1.1\r\nHost: evil.example:80\r\nConnection: close\r\n\r\n".into(),
    )
    .await;
    assert!(answer.starts_with("HTTP/1.1 403"), "{answer}");
    let port = s.url.rsplit(':').next().unwrap().to_string();
    let answer = raw_http(
        &s,
        format!("GET /api/version HTTP/1.1\r\nHost: localhost:{port}\r\nConnection: close\r\n\r\n"),
    )
    .await;
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");

    let named = Server::start_with(
        &[("AIPM_ALLOWED_HOSTS", "aipm.lan")],
        tempfile::tempdir().unwrap(),
    );
    let answer = raw_http(
        &named,
        "GET /api/version HTTP/1.1\r\nHost: aipm.lan\r\nConnection: close\r\n\r\n".into(),
    )
    .await;
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
}

fn quick_timeouts() -> Vec<&'static str> {
    vec![
        "--header-timeout-secs",
        "1",
        "--body-timeout-secs",
        "1",
        "--max-connections",
        "20",
    ]
}

#[tokio::test]
async fn a_client_that_sends_its_headers_too_slowly_is_cut_off() {
    let s = Server::start_with_args(&[], &quick_timeouts(), tempfile::tempdir().unwrap());
    let mut stream = TcpStream::connect(host_of(&s)).await.unwrap();
    stream
        .write_all(b"GET /api/health HTTP/1.1\r\nHost: x\r\n")
        .await
        .unwrap();
    let mut buf = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(60), stream.read_to_end(&mut buf)).await;
    assert!(read.is_ok(), "the server kept a half-sent request open");
}

#[tokio::test]
async fn a_body_that_stops_arriving_is_answered_408() {
    let s = Server::start_with_args(&[], &quick_timeouts(), tempfile::tempdir().unwrap());
    let mut stream = TcpStream::connect(host_of(&s)).await.unwrap();
    let head = format!("POST /api/stories HTTP/1.1\r\nHost: {}\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{{\"title\"", host_of(&s));
    stream.write_all(head.as_bytes()).await.unwrap();
    let mut buf = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(60), stream.read_to_end(&mut buf)).await;
    assert!(read.is_ok(), "the server waited forever for the body");
    let answer = String::from_utf8_lossy(&buf);
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
}

#[tokio::test]
async fn idle_connections_are_closed_and_do_not_keep_health_away() {
    let s = Server::start_with_args(&[], &quick_timeouts(), tempfile::tempdir().unwrap());
    let mut idle = Vec::new();
    for _ in 0..40 {
        idle.push(TcpStream::connect(host_of(&s)).await.unwrap());
    }
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(60))
        .build()
        .unwrap();
    let health = client
        .get(format!("{}/api/health", s.url))
        .send()
        .await
        .expect("health answers");
    assert_eq!(health.status(), StatusCode::OK);
    let mut first = idle.remove(0);
    let mut buf = [0u8; 1];
    let closed = tokio::time::timeout(Duration::from_secs(60), first.read(&mut buf)).await;
    assert!(
        matches!(closed, Ok(Ok(0)) | Ok(Err(_))),
        "an idle connection stayed open"
    );
}

#[tokio::test]
async fn a_large_body_without_the_token_is_refused_before_it_is_read() {
    let token = "3f9c2a7e41b08d6655e0c1a9b7d43f2e";
    let s = Server::start_with(&[("AIPM_API_TOKEN", token)], tempfile::tempdir().unwrap());
    let mut stream = TcpStream::connect(host_of(&s)).await.unwrap();
    // Announce 100 MB, send none of it: the answer must come anyway.
    let head = format!("POST /api/stories HTTP/1.1\r\nHost: {}\r\nContent-Type: application/json\r\nContent-Length: 100000000\r\n\r\n", host_of(&s));
    stream.write_all(head.as_bytes()).await.unwrap();
    let mut buf = vec![0u8; 4096];
    let n = tokio::time::timeout(Duration::from_secs(60), stream.read(&mut buf))
        .await
        .expect("the server waited for the body before checking the token")
        .unwrap();
    let answer = String::from_utf8_lossy(&buf[..n]);
    assert!(answer.starts_with("HTTP/1.1 401"), "{answer}");
}

#[tokio::test]
async fn ids_past_what_the_store_holds_are_refused_naming_the_field() {
    let s = Server::start();
    for path in [
        "/api/stories/9223372036854775808",
        "/api/stories/18446744073709551615",
        "/api/runs/9223372036854775808",
    ] {
        let r = s.get(path).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{path}: {}", r.body);
        let field = r.body["details"]["field"].as_str().unwrap_or("");
        assert!(["id", "runId"].contains(&field), "{}", r.body);
    }
    for field in ["parentId", "storyPoint"] {
        let mut body = good_story("big");
        body[field] = json!(9223372036854775808u64);
        let r = s.post("/api/stories", body).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{field}: {}", r.body);
        assert_eq!(r.body["details"]["field"], field, "{}", r.body);
    }
    let story = s.story(good_story("base")).await;
    let r = s
        .post(
            &format!("/api/stories/{}/dependencies", story["id"]),
            json!({"dependsOnStoryId": 18446744073709551615u64}),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
    assert_eq!(r.body["details"]["field"], "dependsOnStoryId", "{}", r.body);
}

#[tokio::test]
async fn ids_have_one_spelling() {
    let s = Server::start();
    let story = s.story(good_story("one")).await;
    let id = story["id"].as_u64().unwrap();
    for path in [format!("/api/stories/+{id}"), format!("/api/stories/0{id}")] {
        let r = s.get(&path).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{path}: {}", r.body);
    }
    let mut body = good_story("child");
    body["parentId"] = json!(format!("0{id}"));
    let r = s.post("/api/stories", body).await;
    assert_eq!(
        (r.status, r.body["details"]["field"].as_str()),
        (StatusCode::BAD_REQUEST, Some("parentId")),
        "{}",
        r.body
    );
}

#[tokio::test]
async fn text_the_rest_of_the_system_would_choke_on_is_refused() {
    let s = Server::start();
    for (title, why) in [("a\u{0}b", "NUL"), ("\u{200B}\u{200D}", "visible")] {
        let mut body = good_story("plain");
        body["title"] = json!(title);
        let r = s.post("/api/stories", body).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{title:?}: {}", r.body);
        assert_eq!(r.body["details"]["field"], "title", "{}", r.body);
        assert!(
            r.body["message"].as_str().unwrap().contains(why),
            "{}",
            r.body
        );
    }
    let mut body = good_story("nul in text");
    body["description"] = json!("before\u{0}after");
    let r = s.post("/api/stories", body).await;
    assert_eq!(
        (r.status, r.body["details"]["field"].as_str()),
        (StatusCode::BAD_REQUEST, Some("description")),
        "{}",
        r.body
    );

    let r = s
        .raw(
            Method::POST,
            "/api/stories",
            br#"{"title": "a", "title": "b", "asA": "x"}"#.to_vec(),
        )
        .await;
    assert_eq!(
        (r.status, r.body["details"]["field"].as_str()),
        (StatusCode::BAD_REQUEST, Some("title")),
        "{}",
        r.body
    );

    let host = host_of(&s);
    let body = good_story("zipped").to_string();
    let answer = raw_http(
        &s,
        format!("POST /api/stories HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\nContent-Encoding: gzip\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}", body.len()),
    )
    .await;
    assert!(answer.starts_with("HTTP/1.1 415"), "{answer}");
    assert!(answer.contains("Content-Encoding"), "{answer}");
    assert_eq!(story_count(&s).await, 0);
}

#[tokio::test]
async fn the_web_ui_is_read_only_hides_dotfiles_and_stays_inside_its_directory() {
    let web = tempfile::tempdir().unwrap();
    let outside = tempfile::tempdir().unwrap();
    std::fs::write(
        web.path().join("index.html"),
        "<!doctype html><title>ui</title>",
    )
    .unwrap();
    std::fs::write(web.path().join(".env"), "SECRET=1").unwrap();
    std::fs::write(outside.path().join("secret.txt"), "outside").unwrap();
    std::os::unix::fs::symlink(
        outside.path().join("secret.txt"),
        web.path().join("link.txt"),
    )
    .unwrap();
    let web_dir = web.path().to_str().unwrap().to_string();
    let s = Server::start_with_args(&[], &["--web-dir", &web_dir], tempfile::tempdir().unwrap());
    let client = reqwest::Client::new();
    let index = client.get(format!("{}/", s.url)).send().await.unwrap();
    assert_eq!(index.status(), StatusCode::OK);
    let csp = index.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(
        csp.contains("script-src 'self'") && csp.contains("frame-ancestors 'none'"),
        "{csp}"
    );
    assert_eq!(index.headers()["x-content-type-options"], "nosniff");
    assert_eq!(index.headers()["x-frame-options"], "DENY");
    assert!(index.headers().contains_key("referrer-policy"));
    for path in ["/.env", "/link.txt"] {
        let r = client.get(format!("{}{path}", s.url)).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::NOT_FOUND, "{path}");
    }
    for method in [Method::POST, Method::PUT, Method::DELETE] {
        let r = client
            .request(method.clone(), format!("{}/index.html", s.url))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::METHOD_NOT_ALLOWED, "{method}");
    }
}

#[tokio::test]
async fn health_without_the_token_shows_only_status_and_version() {
    let token = "3f9c2a7e41b08d6655e0c1a9b7d43f2e";
    let s = Server::start_with(&[("AIPM_API_TOKEN", token)], tempfile::tempdir().unwrap());
    let anonymous: serde_json::Value = reqwest::get(format!("{}/api/health", s.url))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let keys: Vec<&String> = anonymous.as_object().unwrap().keys().collect();
    assert_eq!(keys, ["status", "version"], "{anonymous}");
    let full = s.get("/api/health").await;
    assert!(full.body.get("store").is_some(), "{}", full.body);
}

#[test]
fn a_short_token_is_refused_for_a_public_address() {
    let data = tempfile::tempdir().unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_aipm"))
        .args(["serve", "--listen", "0.0.0.0:0", "--data-dir"])
        .arg(data.path())
        .env("AIPM_API_TOKEN", "x")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("at least 32"), "{err}");
}
