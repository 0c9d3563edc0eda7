use crate::support::{good_story, Server};
use reqwest::StatusCode;
use serde_json::json;

#[tokio::test]
async fn tests_keep_their_status_on_patch_and_are_reviewed_after_content_changes() {
    let s = Server::start();
    s.story(good_story("Tested")).await;
    let t = s.post("/api/stories/1/tests", json!({"given": ["a list"], "when": ["I open it"], "then": ["3 rows are shown"], "status": "Pass"})).await;
    assert_eq!(t.status, StatusCode::CREATED, "{}", t.body);
    assert_eq!(
        t.body["title"], "AT-1-2",
        "the story's drafted test is AT-1-1"
    );
    let id = t.body["id"].clone();
    let r = s
        .patch(
            &format!("/api/tests/{id}"),
            json!({"then": ["4 rows are shown"], "version": 1}),
        )
        .await;
    assert_eq!(r.body["status"], "Pass", "a PATCH without status keeps it");
    assert_eq!(r.body["then"], json!(["4 rows are shown"]));

    s.patch(
        "/api/stories/1",
        json!({"iWant": "to see closed tickets too"}),
    )
    .await;
    let story = s.get("/api/stories/1").await.body;
    assert_eq!(
        story["acceptanceTests"][0]["status"],
        "Need review with update"
    );

    let r = s
        .post(
            "/api/stories/1/tests",
            json!({"given": [], "when": ["w"], "then": ["t"]}),
        )
        .await;
    assert_eq!(
        (r.status, r.body["details"]["field"].as_str()),
        (StatusCode::BAD_REQUEST, Some("given"))
    );
    assert_eq!(
        s.send(
            reqwest::Method::DELETE,
            &format!("/api/tests/{id}"),
            None,
            &[]
        )
        .await
        .status,
        StatusCode::NO_CONTENT
    );
}

#[tokio::test]
async fn tasks_need_an_assignee_and_keep_their_estimate() {
    let s = Server::start();
    s.story(good_story("With tasks")).await;
    let r = s
        .post("/api/stories/1/tasks", json!({"title": "Write migration"}))
        .await;
    assert_eq!(r.body["details"]["field"], "assigneeEmail");
    let r = s.post("/api/stories/1/tasks", json!({"title": "Write migration", "assigneeEmail": "dev@aipm.dev", "estimationHours": 4})).await;
    assert_eq!(r.status, StatusCode::CREATED);
    assert_eq!(r.body["status"], "Not Started");
    let id = r.body["id"].clone();
    let r = s
        .patch(&format!("/api/tasks/{id}"), json!({"status": "done"}))
        .await;
    assert_eq!(
        (
            r.body["status"].as_str(),
            r.body["estimationHours"].as_f64()
        ),
        (Some("Done"), Some(4.0))
    );
    let r = s
        .patch(&format!("/api/tasks/{id}"), json!({"estimationHours": -1}))
        .await;
    assert_eq!(r.body["details"]["field"], "estimationHours");
    assert_eq!(s.get("/api/stories/1").await.body["tasks"][0]["id"], id);
    assert_eq!(
        s.delete(&format!("/api/tasks/{id}")).await.status,
        StatusCode::NO_CONTENT
    );
}

#[tokio::test]
async fn dependencies_are_seen_from_both_ends() {
    let s = Server::start();
    s.story(good_story("API")).await;
    s.story(good_story("UI")).await;
    let r = s
        .post(
            "/api/stories/2/dependencies",
            json!({"dependsOnStoryId": 1, "relationship": "blocks"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(r.body["blockedBy"][0]["storyId"], 1);
    assert_eq!(r.body["dependencies"][0]["title"], "API");
    let api = s.get("/api/stories/1").await.body;
    assert_eq!(api["blocking"][0]["storyId"], 2);
    let r = s
        .post(
            "/api/stories/2/dependencies",
            json!({"dependsOnStoryId": 2}),
        )
        .await;
    assert_eq!(
        (r.status, r.body["details"]["field"].as_str()),
        (StatusCode::BAD_REQUEST, Some("dependsOnStoryId"))
    );
    let r = s
        .post(
            "/api/stories/2/dependencies",
            json!({"dependsOnStoryId": 1}),
        )
        .await;
    assert_eq!(
        (r.status, r.code()),
        (StatusCode::CONFLICT, "DEPENDENCY_EXISTS")
    );
    assert_eq!(
        s.delete("/api/stories/2/dependencies/1").await.status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        s.delete("/api/stories/2/dependencies/1").await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn projects_are_listed_created_and_fetched() {
    let s = Server::start();
    let list = s.get("/api/projects").await.body;
    assert_eq!(
        list[0]["name"], "Default",
        "first start creates the default project"
    );
    let r = s
        .post(
            "/api/projects",
            json!({"name": "Billing", "description": "Invoices"}),
        )
        .await;
    assert_eq!(
        (r.status, r.body["id"].as_u64()),
        (StatusCode::CREATED, Some(2))
    );
    assert_eq!(s.get("/api/projects/2").await.body["name"], "Billing");
    assert_eq!(s.get("/api/projects/9").await.status, StatusCode::NOT_FOUND);
    assert_eq!(
        s.post("/api/projects", json!({})).await.body["details"]["field"],
        "name"
    );
}
