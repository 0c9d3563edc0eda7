//! A chain of 10,000 stories over HTTP: it imports, the tree answers and
//! exports in size linear in its stories, and the server stays up; a deeper
//! file is refused with 400.

use crate::support::Server;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

fn chain(n: usize) -> Vec<u8> {
    let stories: Vec<Value> = (1..=n)
        .map(|i| json!({"id": i, "title": format!("Step {i}"), "parentId": i.checked_sub(1).filter(|p| *p > 0)}))
        .collect();
    serde_json::to_vec(&json!({ "stories": stories })).unwrap()
}

#[tokio::test]
async fn a_10000_deep_chain_imports_lists_and_exports() {
    let s = Server::start();
    let imported = s.raw(Method::POST, "/api/import", chain(10_000)).await;
    assert_eq!(
        imported.status,
        StatusCode::CREATED,
        "{}",
        imported.body["message"]
    );
    assert_eq!(imported.body["treeDepth"], 10_000);

    for path in ["/api/stories", "/api/export?format=json"] {
        let res = reqwest::get(format!("{}{path}", s.url)).await.unwrap();
        assert_eq!(res.status(), StatusCode::OK, "{path}");
        let body = res.bytes().await.unwrap();
        // Compact: the bytes per story do not grow with the depth.
        assert!(body.len() / 10_000 < 4096, "{path}: {} bytes", body.len());
        let nested = body.windows(12).filter(|w| w == b"\"children\":[").count();
        assert_eq!(nested, 10_000, "{path}");
    }
    assert_eq!(s.get("/api/health").await.status, StatusCode::OK);

    let deeper = s.raw(Method::POST, "/api/import", chain(10_001)).await;
    assert_eq!(
        deeper.status,
        StatusCode::BAD_REQUEST,
        "{}",
        deeper.body["message"]
    );
    assert_eq!(deeper.body["details"]["field"], "file");
}
