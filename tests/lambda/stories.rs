//! Requests that go through more than one function, or through the parts of
//! the event a function must decode: body encoding and the query string.

use crate::function::Function;
use crate::table::Table;
use aipm_api::Operation;
use serde_json::json;

#[tokio::test]
async fn a_story_created_by_create_story_is_read_by_the_separate_get_story_function() {
    let table = Table::empty().await;
    let mut create = Function::start(Operation::CreateStory, &table).await;
    let mut get = Function::start(Operation::GetStory, &table).await;

    let created = create.invoke_fixture("create-story").await;
    let fetched = get.invoke_fixture("get-story").await; // GET /api/stories/1

    assert_eq!(created.status, 201, "{}", created.body);
    assert_eq!(created.body["id"], 1);
    assert_eq!(fetched.status, 200, "{}", fetched.body);
    assert_eq!(fetched.headers["content-type"], "application/json");
    assert_eq!(fetched.body["title"], "Export the backlog as CSV");
    assert_eq!(fetched.body["components"], json!(["WorkModel"]));
    assert_eq!(fetched.body["assigneeEmail"], "po@example.com");
    assert_eq!(fetched.body["version"], created.body["version"]);
}

#[tokio::test]
async fn an_update_from_a_stale_version_is_409_version_conflict_and_changes_nothing() {
    let table = Table::seeded().await;
    let mut update = Function::start(Operation::UpdateStory, &table).await;
    let mut get = Function::start(Operation::GetStory, &table).await;

    // Two clients edit story 1: one from its version (3), one from a
    // version it had before its child and test were attached (1).
    let first = update.invoke_fixture("update-story").await;
    let second = update.invoke_fixture("update-story.stale-version").await;

    assert_eq!(first.status, 200, "{}", first.body);
    assert_eq!(second.status, 409, "{}", second.body);
    assert_eq!(second.code(), Some("VERSION_CONFLICT"));
    assert_eq!(second.body["details"]["expectedVersion"], 1);
    assert_eq!(second.body["details"]["currentVersion"], 4);
    let story = get.invoke_fixture("get-story").await.body;
    assert_eq!(story["title"], "Sign in with a magic link");
    assert_eq!(story["status"], "Ready");
}

#[tokio::test]
async fn a_base64_encoded_body_is_decoded_before_it_is_read() {
    let table = Table::empty().await;
    let mut create = Function::start(Operation::CreateStory, &table).await;

    let created = create.invoke_fixture("create-story.base64").await;

    assert_eq!(created.status, 201, "{}", created.body);
    assert_eq!(created.body["title"], "Pay at the café with a QR code");
}

#[tokio::test]
async fn the_query_string_asks_for_the_flat_list_instead_of_the_tree() {
    let table = Table::seeded().await;
    let mut list = Function::start(Operation::GetStories, &table).await;

    let tree = list.invoke_fixture("get-stories").await.body;
    let flat = list.invoke_fixture("get-stories.flat").await.body; // ?flat=true&projectId=1

    let ids = |stories: &serde_json::Value| -> Vec<u64> {
        let mut ids: Vec<u64> = stories
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["id"].as_u64().unwrap())
            .collect();
        ids.sort();
        ids
    };
    assert_eq!(ids(&tree), [1, 2], "roots only");
    let one = tree
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["id"] == 1)
        .unwrap();
    assert_eq!(ids(&one["children"]), [3]);
    assert_eq!(ids(&flat), [1, 2, 3]);
}
