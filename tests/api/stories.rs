use crate::support::{good_story, Server};
use reqwest::{Method, StatusCode};
use serde_json::json;

#[tokio::test]
async fn created_story_comes_back_with_everything_attached() {
    let s = Server::start();
    let created = s
        .story(json!({
            "title": "  Show open tickets  ",
            "asA": "support agent",
            "iWant": "to see open tickets",
            "soThat": "I answer faster",
            "components": "WorkModel, Traceability_Insight",
            "storyPoint": "5",
            "status": "ready",
            "assigneeEmail": "agent@example.com",
        }))
        .await;
    assert_eq!(created["id"], 1);
    assert_eq!(created["projectId"], 1);
    assert_eq!(created["title"], "Show open tickets");
    assert_eq!(
        created["components"],
        json!(["WorkModel", "Traceabilty_Insight"])
    );
    assert_eq!(created["storyPoint"], 5);
    assert_eq!(created["status"], "Ready");
    assert_eq!(created["version"], 1);
    for field in [
        "acceptanceTests",
        "tasks",
        "dependencies",
        "dependents",
        "blockedBy",
        "blocking",
        "children",
        "investWarnings",
    ] {
        assert!(created[field].is_array(), "{field} is attached");
    }
    let fetched = s.get("/api/stories/1").await;
    assert_eq!(fetched.status, StatusCode::OK);
    assert_eq!(fetched.body["title"], "Show open tickets");
    assert_eq!(fetched.body["assigneeEmail"], "agent@example.com");
}

#[tokio::test]
async fn tree_nests_children_without_repeating_them_at_the_top() {
    let s = Server::start();
    let epic = s.story(good_story("Epic")).await;
    let mut feature = good_story("Feature");
    feature["parentId"] = epic["id"].clone();
    let feature = s.story(feature).await;
    let mut leaf = good_story("Leaf");
    leaf["parentId"] = feature["id"].clone();
    s.story(leaf).await;

    let tree = s.get("/api/stories").await.body;
    assert_eq!(tree.as_array().unwrap().len(), 1);
    assert_eq!(tree[0]["title"], "Epic");
    assert_eq!(tree[0]["children"][0]["title"], "Feature");
    assert_eq!(tree[0]["children"][0]["children"][0]["title"], "Leaf");

    let flat = s.get("/api/stories?flat=true").await.body;
    let titles: Vec<&str> = flat
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["title"].as_str().unwrap())
        .collect();
    assert_eq!(titles, ["Epic", "Feature", "Leaf"]);
}

#[tokio::test]
async fn patch_changes_only_the_fields_it_names_and_put_is_an_alias() {
    let s = Server::start();
    s.story(good_story("Partial")).await;
    let r = s
        .patch(
            "/api/stories/1",
            json!({"description": "New words", "version": 1}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(
        r.body["title"], "Partial",
        "PATCH does not demand or drop the title"
    );
    assert_eq!(r.body["description"], "New words");
    assert_eq!(r.body["storyPoint"], 3);
    assert_eq!(r.body["version"], 2);

    let r = s
        .send(
            Method::PUT,
            "/api/stories/1",
            Some(json!({"storyPoint": null})),
            &[],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.body["storyPoint"], json!(null));
    assert_eq!(r.body["version"], 3);
}

#[tokio::test]
async fn stale_version_is_a_conflict_whether_sent_in_body_or_if_match() {
    let s = Server::start();
    s.story(good_story("Versioned")).await;
    s.patch("/api/stories/1", json!({"status": "Ready"})).await;
    let r = s
        .patch("/api/stories/1", json!({"title": "Lost", "version": 1}))
        .await;
    assert_eq!(
        (r.status, r.code()),
        (StatusCode::CONFLICT, "VERSION_CONFLICT")
    );
    assert_eq!(r.body["details"]["currentVersion"], 2);
    let r = s
        .send(
            Method::PATCH,
            "/api/stories/1",
            Some(json!({"title": "Lost"})),
            &[("If-Match", "\"1\"")],
        )
        .await;
    assert_eq!(r.code(), "VERSION_CONFLICT");
    assert_eq!(
        s.get("/api/stories/1").await.body["title"],
        "Versioned",
        "nothing was written"
    );
    let r = s
        .send(
            Method::PATCH,
            "/api/stories/1",
            Some(json!({"title": "Kept"})),
            &[("If-Match", "W/\"2\"")],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
}

#[tokio::test]
async fn concurrent_patches_with_one_version_let_exactly_one_win() {
    let s = Server::start();
    s.story(good_story("Contended")).await;
    let attempts = (0..6).map(|i| {
        s.patch(
            "/api/stories/1",
            json!({"title": format!("Writer {i}"), "version": 1}),
        )
    });
    let replies = futures_join(attempts).await;
    let wins: Vec<_> = replies
        .iter()
        .filter(|r| r.status == StatusCode::OK)
        .collect();
    assert_eq!(wins.len(), 1, "exactly one writer wins");
    assert!(replies
        .iter()
        .filter(|r| r.status != StatusCode::OK)
        .all(|r| r.code() == "VERSION_CONFLICT"));
    let stored = s.get("/api/stories/1").await.body;
    assert_eq!(stored["title"], wins[0].body["title"]);
    assert_eq!(stored["version"], 2);
}

async fn futures_join<F: std::future::Future>(futures: impl Iterator<Item = F>) -> Vec<F::Output> {
    let handles: Vec<_> = futures.collect();
    let mut out = Vec::new();
    // Drive them together on this task.
    let mut pinned: Vec<std::pin::Pin<Box<F>>> = handles.into_iter().map(Box::pin).collect();
    let mut results: Vec<Option<F::Output>> = pinned.iter().map(|_| None).collect();
    std::future::poll_fn(|cx| {
        let mut pending = false;
        for (i, f) in pinned.iter_mut().enumerate() {
            if results[i].is_none() {
                match f.as_mut().poll(cx) {
                    std::task::Poll::Ready(v) => results[i] = Some(v),
                    std::task::Poll::Pending => pending = true,
                }
            }
        }
        if pending {
            std::task::Poll::Pending
        } else {
            std::task::Poll::Ready(())
        }
    })
    .await;
    out.extend(results.into_iter().map(Option::unwrap));
    out
}

#[tokio::test]
async fn delete_cascades_to_the_subtree_and_answers_204() {
    let s = Server::start();
    let keep = s.story(good_story("Keep")).await;
    let root = s.story(good_story("Root")).await;
    let mut child = good_story("Child");
    child["parentId"] = root["id"].clone();
    let child = s.story(child).await;
    let t = s
        .post(
            &format!("/api/stories/{}/tests", child["id"]),
            json!({"given": ["g"], "when": ["w"], "then": ["status 200 is returned"]}),
        )
        .await;
    assert_eq!(t.status, StatusCode::CREATED);
    s.post(
        &format!("/api/stories/{}/dependencies", keep["id"]),
        json!({"dependsOnStoryId": child["id"]}),
    )
    .await;

    let r = s.delete(&format!("/api/stories/{}", root["id"])).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    assert_eq!(
        s.get(&format!("/api/stories/{}", child["id"])).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        s.get(&format!("/api/tests/{}", t.body["id"])).await.status,
        StatusCode::METHOD_NOT_ALLOWED
    );
    let kept = s.get(&format!("/api/stories/{}", keep["id"])).await.body;
    assert_eq!(kept["dependencies"], json!([]));
    assert_eq!(
        s.get("/api/stories").await.body.as_array().unwrap().len(),
        1
    );
    assert_eq!(
        s.delete(&format!("/api/stories/{}", root["id"]))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn done_gate_names_children_tests_and_missing_tests() {
    let s = Server::start();
    let parent = s.story(good_story("Parent")).await;
    let drafted = parent["acceptanceTests"][0]["id"].clone();
    let mut child = good_story("Child");
    child["parentId"] = parent["id"].clone();
    let child = s.story(child).await;

    let r = s.patch("/api/stories/1", json!({"status": "Done"})).await;
    assert_eq!(
        (r.status, r.code()),
        (StatusCode::CONFLICT, "STORY_STATUS_BLOCKED")
    );
    assert_eq!(
        r.body["details"]["incompleteChildren"][0]["id"],
        child["id"]
    );
    assert_eq!(
        r.body["details"]["failingTests"][0]["id"], drafted,
        "the drafted test is not Pass yet"
    );
    assert_eq!(r.body["details"]["missingTests"], false);
    let r = s
        .patch(
            "/api/stories/1",
            json!({"status": "Done", "acceptWarnings": true}),
        )
        .await;
    assert_eq!(
        r.code(),
        "STORY_STATUS_BLOCKED",
        "acceptWarnings does not bypass the gate"
    );

    assert_eq!(
        s.delete(&format!("/api/tests/{drafted}")).await.status,
        StatusCode::NO_CONTENT
    );
    let r = s.patch("/api/stories/1", json!({"status": "Done"})).await;
    assert_eq!(
        r.body["details"]["missingTests"], true,
        "a story with no test cannot be Done"
    );

    let child_test = child["acceptanceTests"][0]["id"].clone();
    s.patch(
        &format!("/api/tests/{child_test}"),
        json!({"status": "Fail"}),
    )
    .await;
    let r = s.patch("/api/stories/2", json!({"status": "done"})).await;
    assert_eq!(r.body["details"]["failingTests"][0]["id"], child_test);
    s.patch(
        &format!("/api/tests/{child_test}"),
        json!({"status": "Pass"}),
    )
    .await;
    assert_eq!(
        s.patch("/api/stories/2", json!({"status": "Done"}))
            .await
            .status,
        StatusCode::OK
    );

    let t = s
        .post(
            "/api/stories/1/tests",
            json!({"given": "g", "when": "w", "then": "the list shows 3 rows", "status": "Pass"}),
        )
        .await;
    assert_eq!(t.status, StatusCode::CREATED, "{}", t.body);
    assert_eq!(
        s.patch("/api/stories/1", json!({"status": "Done"}))
            .await
            .status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn moves_are_checked_for_cycles_and_projects() {
    let s = Server::start();
    s.story(good_story("A")).await;
    s.story(json!({"title": "B", "parentId": 1, "acceptWarnings": true}))
        .await;
    let r = s.patch("/api/stories/1", json!({"parentId": 2})).await;
    assert_eq!((r.status, r.code()), (StatusCode::BAD_REQUEST, "CYCLE"));
    let r = s.patch("/api/stories/1", json!({"parentId": 1})).await;
    assert_eq!(r.code(), "CYCLE");

    let other = s.post("/api/projects", json!({"name": "Other"})).await.body;
    let foreign = s
        .story(json!({"title": "Foreign", "projectId": other["id"], "acceptWarnings": true}))
        .await;
    let r = s
        .patch("/api/stories/2", json!({"parentId": foreign["id"]}))
        .await;
    assert_eq!(
        (r.status, r.body["details"]["field"].as_str()),
        (StatusCode::BAD_REQUEST, Some("parentId"))
    );
    let r = s
        .post("/api/stories", json!({"title": "Orphan", "parentId": 99}))
        .await;
    assert_eq!(r.body["details"]["field"], "parentId");
    assert_eq!(
        s.get(&format!("/api/stories?projectId={}", other["id"]))
            .await
            .body
            .as_array()
            .unwrap()
            .len(),
        1
    );
    assert_eq!(
        s.get("/api/stories?projectId=42").await.status,
        StatusCode::NOT_FOUND
    );
}
