//! Health, version and the API token.

use crate::function::Function;
use crate::table::Table;
use aipm_api::Operation;

const TOKEN: &str = "aipm-test-token"; // as in get-stories.bearer-token.json

#[tokio::test]
async fn health_check_answers_200_with_the_store_ok() {
    let table = Table::empty().await;
    let mut health = Function::start_with(Operation::HealthCheck, table.deployed_env().await).await;

    let answer = health.invoke_fixture("health-check").await;

    assert_eq!(answer.status, 200, "{}", answer.body);
    assert_eq!(answer.body["status"], "ok");
    assert_eq!(answer.body["store"]["ok"], true);
    assert_eq!(answer.body["store"]["kind"], "dynamodb");
}

#[tokio::test]
async fn with_an_api_token_a_request_needs_it_as_a_bearer_token() {
    let table = Table::seeded().await;
    let mut env = table.env();
    env.push(("AIPM_API_TOKEN", TOKEN.into()));
    let mut list = Function::start_with(Operation::GetStories, env).await;

    let without = list.invoke_fixture("get-stories").await;
    let with = list.invoke_fixture("get-stories.bearer-token").await;

    assert_eq!(without.status, 401, "{}", without.body);
    assert_eq!(without.code(), Some("UNAUTHORIZED"));
    assert_eq!(with.status, 200, "{}", with.body);
}

#[tokio::test]
async fn health_and_version_answer_without_the_token() {
    let table = Table::empty().await;
    for operation in [Operation::HealthCheck, Operation::Version] {
        let mut env = table.deployed_env().await;
        env.push(("AIPM_API_TOKEN", TOKEN.into()));
        let mut lambda = Function::start_with(operation, env).await;

        let answer = lambda.invoke_fixture(&operation.function()).await;

        assert_eq!(answer.status, 200, "{}: {}", lambda.name, answer.body);
        lambda.stop().await;
    }
}
