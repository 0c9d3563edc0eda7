//! What a function answers to bad requests, and how it fails when it cannot
//! run at all.

use crate::function::Function;
use crate::runtime_api::Outcome;
use crate::table::Table;
use aipm_api::Operation;
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

/// Without an LLM configured, the quality functions answer from the
/// deterministic analyzer and templates, and say so.
#[tokio::test]
async fn check_story_draft_story_and_draft_test_answer_without_an_llm() {
    let table = Table::seeded().await;
    let mut check = Function::start(Operation::CheckStory, &table).await;
    let answer = check.invoke_fixture("check-story").await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert_eq!(answer.body["investAnalysis"]["source"], "heuristic");
    check.stop().await;

    for (operation, fixture) in [
        (Operation::DraftStory, "draft-story"),
        (Operation::DraftTest, "draft-test"),
    ] {
        let mut lambda = Function::start(operation, &table).await;
        let answer = lambda.invoke_fixture(fixture).await;
        assert_eq!(answer.status, 200, "{}: {}", lambda.name, answer.body);
        assert_eq!(answer.body["source"], "template", "{}", answer.body);
        lambda.stop().await;
    }
}

/// Export and import through their functions: the CSV export names the
/// seeded stories, and an import answers its report.
#[tokio::test]
async fn export_and_import_answer_through_their_functions() {
    let table = Table::seeded().await;
    let mut export = Function::start(Operation::ExportBacklog, &table).await;
    let answer = export.invoke_fixture("export-backlog").await;
    assert_eq!(answer.status, 200);
    assert!(answer.headers["content-type"]
        .as_str()
        .unwrap()
        .starts_with("text/csv"));
    export.stop().await;

    let mut import = Function::start(Operation::ImportBacklog, &table).await;
    let answer = import.invoke_fixture("import-backlog").await;
    assert_eq!(answer.status, 201, "{}", answer.body);
    assert_eq!(answer.body["format"], "story-list");
    assert_eq!(answer.body["created"]["stories"], 2);
    assert_eq!(answer.body["created"]["acceptanceTests"], 1);
    assert_eq!(answer.body["adjustments"][0]["field"], "components");
    import.stop().await;
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

#[tokio::test]
async fn a_write_from_a_page_on_another_origin_is_403_and_writes_nothing() {
    let table = Table::empty().await;
    let mut create = Function::start(Operation::CreateStory, &table).await;
    let mut list = Function::start(Operation::GetStories, &table).await;

    // Given the create-story request as a page on another origin, or as a
    // "simple" text/plain request, would make a browser send it.
    let mut foreign = crate::event("create-story");
    foreign["headers"]["origin"] = json!("https://evil.example");
    let mut plain = crate::event("create-story");
    plain["headers"]["content-type"] = json!("text/plain;charset=UTF-8");

    let foreign = create.invoke(foreign).await;
    let plain = create.invoke(plain).await;

    assert_eq!(foreign.status, 403, "{}", foreign.body);
    assert_eq!(foreign.code(), Some("FORBIDDEN_ORIGIN"));
    assert_eq!(plain.status, 415, "{}", plain.body);
    assert_eq!(plain.body["details"]["header"], "Content-Type");
    let stories = list.invoke_fixture("get-stories").await;
    assert_eq!(stories.body, json!([]), "nothing was created");
}

/// A log filter that does not parse stops the function at start, naming the
/// variable and its value, rather than logging at a level nobody chose.
#[test]
fn an_unparsable_log_filter_stops_the_function_naming_it() {
    for function in ["version", "get-stories"] {
        let binary = crate::function::binary(function).expect("the binary is built");
        let out = std::process::Command::new(binary)
            .env("AIPM_LOG", "aipm_api=loud")
            .env("AIPM_TABLE", "aipm-test")
            .env("AWS_LAMBDA_RUNTIME_API", "127.0.0.1:9")
            .stdin(std::process::Stdio::null())
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{function} ran: {stderr}");
        assert!(
            stderr.contains("AIPM_LOG=aipm_api=loud"),
            "{function} names the variable and its value: {stderr}"
        );
    }
}
