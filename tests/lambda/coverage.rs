//! Every operation of the route table has its own binary, and each binary
//! serves the operation it is named after.

use crate::function::Function;
use crate::table::Table;
use aipm_api::Operation;
use std::collections::BTreeSet;

/// Each function's successful request and its status on the seeded backlog.
const FIXTURES: &[(&str, u16)] = &[
    ("get-stories", 200),
    ("get-story", 200),
    ("create-story", 201),
    ("update-story", 200),
    ("delete-story", 204),
    ("create-test", 201),
    ("update-test", 200),
    ("delete-test", 204),
    ("add-dependency", 201),
    ("remove-dependency", 204),
    ("create-task", 201),
    ("update-task", 200),
    ("delete-task", 204),
    ("list-projects", 200),
    ("get-project", 200),
    ("create-project", 201),
    ("health-check", 200),
    ("version", 200),
    ("check-story", 200),
    ("draft-story", 200),
    ("draft-test", 200),
    ("export-backlog", 200),
    ("import-backlog", 201),
    ("update-project", 200),
    // Without AIPM_QUEUE_URL the code-generation functions say they are not
    // configured (503); tests/lambda/codegen.rs runs them with SQS.
    ("generate-code", 503),
    ("list-runs", 503),
    ("get-run", 503),
    ("cancel-run", 503),
    ("retry-run", 503),
    ("follow-up-run", 503),
    ("list-prs", 503),
    ("stop-tracking", 503),
    ("merge-pr", 503),
];

#[tokio::test]
async fn every_operation_is_served_by_its_own_binary() {
    let mut invoked = BTreeSet::new();
    for &(function, status) in FIXTURES {
        let operation = Operation::from_function(function)
            .unwrap_or_else(|| panic!("{function} names no operation"));
        let table = Table::seeded().await;
        let mut lambda = Function::start(operation, &table).await;

        let answer = lambda.invoke_fixture(function).await;

        assert_eq!(answer.status, status, "{function}: {}", answer.body);
        // Its log names the operation it answered: main.rs wires the right one.
        let served = lambda
            .log_record(|r| r["fields"]["message"] == "answered")
            .await
            .unwrap_or_else(|| panic!("{function} logged no answer"));
        assert_eq!(
            served["fields"]["operation"],
            operation.name(),
            "{function}"
        );
        lambda.stop().await;
        invoked.insert(function.to_string());
    }
    let operations: BTreeSet<String> = Operation::ALL.iter().map(|op| op.function()).collect();
    assert_eq!(
        invoked,
        operations,
        "every operation needs a binary in functions/ and a fixture in tests/events; missing: {:?}",
        operations.difference(&invoked).collect::<Vec<_>>()
    );
}
