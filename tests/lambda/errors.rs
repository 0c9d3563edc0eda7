//! What a function answers to bad requests, and how it fails when it cannot
//! run at all.

use crate::function::Function;
use crate::runtime_api::Outcome;
use crate::table::Table;
use aipm::api::Operation;
use serde_json::json;

#[tokio::test]
async fn a_body_that_is_not_json_is_400_invalid_json() {
    let table = Table::empty().await;
    let mut create = Function::start(Operation::CreateStory, &table).await;

    let answer = create.invoke_fixture("create-story.invalid-json").await;

    assert_eq!(answer.status, 400, "{}", answer.body);
    assert_eq!(answer.code(), Some("INVALID_JSON"));
    assert_eq!(answer.body["details"]["field"], "body");
}

#[tokio::test]
async fn a_story_without_a_title_is_400_naming_the_field() {
    let table = Table::empty().await;
    let mut create = Function::start(Operation::CreateStory, &table).await;

    let answer = create.invoke_fixture("create-story.missing-title").await;

    assert_eq!(answer.status, 400, "{}", answer.body);
    assert_eq!(answer.body["details"]["field"], "title");
    assert!(answer.body["message"].as_str().unwrap().contains("title"));
}

#[tokio::test]
async fn an_unknown_story_is_404() {
    let table = Table::seeded().await;
    let mut get = Function::start(Operation::GetStory, &table).await;

    let answer = get.invoke_fixture("get-story.unknown").await; // story 999

    assert_eq!(answer.status, 404, "{}", answer.body);
    assert_eq!(
        answer.body["details"],
        json!({"entity": "story", "id": "999"})
    );
}

/// This assertion changes when the story-quality work (INVEST checks and
/// drafting) lands: then these functions answer 200 with their results.
#[tokio::test]
async fn check_story_draft_story_and_draft_test_answer_501_not_implemented_for_now() {
    let table = Table::seeded().await;
    for operation in [
        Operation::CheckStory,
        Operation::DraftStory,
        Operation::DraftTest,
    ] {
        let mut lambda = Function::start(operation, &table).await;

        let answer = lambda.invoke_fixture(&operation.function()).await;

        assert_eq!(answer.status, 501, "{}: {}", lambda.name, answer.body);
        assert_eq!(answer.code(), Some("NOT_IMPLEMENTED"));
        lambda.stop().await;
    }
}

#[tokio::test]
async fn an_event_that_is_not_an_http_api_request_is_an_invocation_error_and_the_function_serves_on(
) {
    let table = Table::seeded().await;
    let mut get = Function::start(Operation::GetStory, &table).await;

    let refused = get.invoke_raw(json!("not an API Gateway event")).await;
    let next = get.invoke_fixture("get-story").await;

    let Outcome::Error { body, .. } = refused.outcome else {
        panic!("expected an invocation error, got {:?}", refused.outcome)
    };
    assert!(
        body["errorMessage"].as_str().is_some_and(|m| !m.is_empty()),
        "{body}"
    );
    assert_eq!(next.status, 200);
}

#[tokio::test]
async fn a_function_without_aipm_table_exits_at_start_naming_the_variable() {
    let table = Table::empty().await;
    let env = table.env().into_iter().filter(|(k, _)| *k != "AIPM_TABLE");
    let mut get = Function::start_with(Operation::GetStory, env).await;

    let status = get.exit_status().await;

    assert!(!status.success());
    let output = get.output().join("\n");
    assert!(output.contains("AIPM_TABLE is not set"), "{output}");
}
