//! Reading a backlog cheaply: large imports, gzip when asked, and 304 for a
//! tree the client already has.

use crate::support::Server;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use std::io::Read;

/// A flat backlog of `n` stories with long descriptions (about 500 bytes each).
fn backlog(n: usize) -> Vec<u8> {
    let stories: Vec<Value> = (1..=n)
        .map(|i| {
            json!({
                "id": i,
                "title": format!("Report number {i} for the finance team"),
                "description": "The finance team reads this report every month to reconcile the ledger. ".repeat(6),
            })
        })
        .collect();
    serde_json::to_vec(&json!({ "stories": stories })).unwrap()
}

#[tokio::test]
async fn an_import_over_one_mebibyte_is_accepted_while_other_bodies_keep_their_limit() {
    let s = Server::start();
    // Past the general limit by its bytes (JSON allows the whitespace).
    let mut file = backlog(20);
    file.extend(std::iter::repeat_n(b' ', 2 << 20));
    assert!(file.len() > 2 << 20, "the file is {} bytes", file.len());

    let imported = s.raw(Method::POST, "/api/import", file.clone()).await;
    let story = s.raw(Method::POST, "/api/stories", file).await;

    assert_eq!(
        imported.status,
        StatusCode::CREATED,
        "{}",
        imported.body["message"]
    );
    assert_eq!(imported.body["created"]["stories"], 20, "{}", imported.body);
    assert_eq!(story.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(story.body["code"], "PAYLOAD_TOO_LARGE");
}

#[tokio::test]
async fn the_tree_is_gzipped_for_a_client_that_asks_and_plain_for_one_that_does_not() {
    let s = Server::start();
    let imported = s.raw(Method::POST, "/api/import", backlog(150)).await;
    assert_eq!(
        imported.status,
        StatusCode::CREATED,
        "{}",
        imported.body["message"]
    );
    let client = reqwest::Client::new();
    let url = format!("{}/api/stories", s.url);

    let plain = client.get(&url).send().await.unwrap();
    assert_eq!(plain.headers().get("content-encoding"), None);
    let plain = plain.bytes().await.unwrap();
    let zipped = client
        .get(&url)
        .header("accept-encoding", "gzip")
        .send()
        .await
        .unwrap();
    assert_eq!(zipped.headers()["content-encoding"], "gzip");
    let zipped = zipped.bytes().await.unwrap();

    let mut unzipped = Vec::new();
    flate2::read::GzDecoder::new(&zipped[..])
        .read_to_end(&mut unzipped)
        .unwrap();
    assert_eq!(unzipped, plain, "the same tree");
    assert!(
        zipped.len() * 10 < plain.len(),
        "{} bytes gzipped of {}",
        zipped.len(),
        plain.len()
    );
}

#[tokio::test]
async fn an_unchanged_tree_is_304_until_a_story_changes() {
    let s = Server::start();
    s.raw(Method::POST, "/api/import", backlog(3)).await;
    let client = reqwest::Client::new();
    let url = format!("{}/api/stories", s.url);

    let first = client.get(&url).send().await.unwrap();
    let tag = first.headers()["etag"].to_str().unwrap().to_string();
    let again = client
        .get(&url)
        .header("if-none-match", &tag)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), StatusCode::NOT_MODIFIED);
    assert_eq!(again.headers()["etag"].to_str().unwrap(), tag);
    assert!(again.bytes().await.unwrap().is_empty());

    let changed = s
        .patch(
            "/api/stories/1",
            json!({"title": "Report for the audit team", "acceptWarnings": true}),
        )
        .await;
    assert_eq!(changed.status, StatusCode::OK, "{}", changed.body);
    let after = client
        .get(&url)
        .header("if-none-match", &tag)
        .send()
        .await
        .unwrap();
    assert_eq!(after.status(), StatusCode::OK);
    assert_ne!(after.headers()["etag"].to_str().unwrap(), tag);
}
