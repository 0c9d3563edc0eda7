//! Updates sent without a version by many clients at once: every one lands
//! (the backlog re-reads and re-plans), and only a stale version the client
//! sent is a conflict.

use crate::support::{good_story, Server};
use reqwest::StatusCode;
use serde_json::{json, Value};
use tokio::task::JoinSet;

/// Send every body as a PATCH to `path` at the same time; the answers, in
/// the order of `bodies`.
async fn patch_all(s: &Server, path: &str, bodies: Vec<Value>) -> Vec<(StatusCode, Value)> {
    let client = reqwest::Client::new();
    let mut set = JoinSet::new();
    for (i, body) in bodies.into_iter().enumerate() {
        let req = client.patch(format!("{}{path}", s.url)).json(&body);
        set.spawn(async move {
            let res = req.send().await.expect("request");
            let status = res.status();
            (i, status, res.json::<Value>().await.unwrap_or(Value::Null))
        });
    }
    let mut answers: Vec<(usize, StatusCode, Value)> = set.join_all().await;
    answers.sort_by_key(|(i, ..)| *i);
    answers.into_iter().map(|(_, s, b)| (s, b)).collect()
}

/// Twenty distinct changes spread over `fields`: change `n` sets field
/// `fields[n % len]` to a value that names `n`.
fn changes(fields: &[&str], value: impl Fn(&str, usize) -> Value) -> Vec<(String, Value)> {
    (0..20)
        .map(|n| {
            let field = fields[n % fields.len()];
            (field.to_string(), value(field, n))
        })
        .collect()
}

/// Every PATCH answered 200 and raised the version by exactly one (so none
/// was dropped or merged into another: an update that changes nothing keeps
/// the version), and each field ends with one of the values sent for it.
fn assert_all_landed(
    answers: &[(StatusCode, Value)],
    sent: &[(String, Value)],
    start: u64,
    end: &Value,
) {
    for (status, body) in answers {
        assert_eq!(
            *status,
            StatusCode::OK,
            "every version-less update lands: {body}"
        );
    }
    assert_eq!(
        end["version"],
        start + sent.len() as u64,
        "one version per change: {end}"
    );
    for (field, _) in sent {
        let candidates: Vec<&Value> = sent
            .iter()
            .filter(|(f, _)| f == field)
            .map(|(_, v)| v)
            .collect();
        assert!(
            candidates.contains(&&end[field.as_str()]),
            "{field} holds a value sent for it: {end}"
        );
    }
}

#[tokio::test]
async fn twenty_concurrent_story_updates_without_a_version_all_land() {
    let s = Server::start();
    let story = s.story(good_story("billing")).await;
    let id = story["id"].as_u64().unwrap();
    let sent = changes(
        &["description", "asA", "iWant", "soThat", "assigneeEmail"],
        |field, n| match field {
            "assigneeEmail" => json!(format!("dev{n}@example.com")),
            "asA" => json!(format!("support agent {n}")),
            "iWant" => json!(format!("to see the billing tickets of customer {n}")),
            "soThat" => json!(format!("I answer caller {n} within 2 minutes")),
            _ => json!(format!("The ticket list, revision {n}.")),
        },
    );
    let bodies = sent
        .iter()
        .map(|(f, v)| json!({ f.as_str(): v, "acceptWarnings": true }))
        .collect();
    let answers = patch_all(&s, &format!("/api/stories/{id}"), bodies).await;
    let end = s.get(&format!("/api/stories/{id}")).await.body;
    assert_all_landed(&answers, &sent, 1, &end);

    // One change to each of five fields at once: all five are kept.
    let sent: Vec<(String, Value)> = [
        ("description", json!("Shows the refund state too.")),
        ("asA", json!("billing clerk")),
        ("iWant", json!("to see refunds next to invoices")),
        ("soThat", json!("I settle a dispute within 5 minutes")),
        ("assigneeEmail", json!("clerk@example.com")),
    ]
    .into_iter()
    .map(|(f, v)| (f.to_string(), v))
    .collect();
    let bodies = sent
        .iter()
        .map(|(f, v)| json!({ f.as_str(): v, "acceptWarnings": true }))
        .collect();
    let answers = patch_all(&s, &format!("/api/stories/{id}"), bodies).await;
    let end = s.get(&format!("/api/stories/{id}")).await.body;
    assert_all_landed(&answers, &sent, 21, &end);
    for (field, value) in &sent {
        assert_eq!(&end[field.as_str()], value, "the change to {field} is kept");
    }

    let stale = s
        .patch(
            &format!("/api/stories/{id}"),
            json!({"description": "late", "version": 25}),
        )
        .await;
    assert_eq!(stale.status, StatusCode::CONFLICT);
    assert_eq!(stale.code(), "VERSION_CONFLICT");
    assert_eq!(
        s.get(&format!("/api/stories/{id}")).await.body["version"],
        26
    );
}

#[tokio::test]
async fn twenty_concurrent_test_and_task_updates_without_a_version_all_land() {
    let s = Server::start();
    let story = s.story(good_story("refunds")).await;
    let id = story["id"].as_u64().unwrap();
    let test_id = story["acceptanceTests"][0]["id"].as_u64().unwrap();
    let task = s
        .post(
            &format!("/api/stories/{id}/tasks"),
            json!({"title": "Wire the list", "assigneeEmail": "dev@example.com"}),
        )
        .await;
    assert_eq!(task.status, StatusCode::CREATED, "{}", task.body);
    let task_id = task.body["id"].as_u64().unwrap();

    let test_changes = changes(
        &["title", "given", "when", "then"],
        |field, n| match field {
            "title" => json!(format!("Refund {n} is listed")),
            "given" => json!([format!("a customer with refund {n}")]),
            "when" => json!([format!("the agent opens refund {n}")]),
            _ => json!([format!("refund {n} shows status 200 within 2 seconds")]),
        },
    );
    let task_changes = changes(
        &["title", "description", "estimationHours"],
        |field, n| match field {
            "title" => json!(format!("Wire the list, step {n}")),
            "description" => json!(format!("Step {n} of the wiring.")),
            _ => json!(n as f64 + 0.5),
        },
    );
    let bodies = |sent: &[(String, Value)]| {
        sent.iter()
            .map(|(f, v)| json!({ f.as_str(): v, "acceptWarnings": true }))
            .collect()
    };
    let test_answers = patch_all(&s, &format!("/api/tests/{test_id}"), bodies(&test_changes)).await;
    let task_answers = patch_all(&s, &format!("/api/tasks/{task_id}"), bodies(&task_changes)).await;

    let end = s.get(&format!("/api/stories/{id}")).await.body;
    assert_all_landed(&test_answers, &test_changes, 1, &end["acceptanceTests"][0]);
    assert_all_landed(&task_answers, &task_changes, 1, &end["tasks"][0]);

    for path in [
        format!("/api/tests/{test_id}"),
        format!("/api/tasks/{task_id}"),
    ] {
        let stale = s
            .patch(&path, json!({"title": "Late edit", "version": 3}))
            .await;
        assert_eq!(stale.status, StatusCode::CONFLICT, "{path}: {}", stale.body);
        assert_eq!(stale.code(), "VERSION_CONFLICT");
    }
}
