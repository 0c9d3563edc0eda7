//! Every operation of the route table has its own binary, and each binary
//! serves the operation it is named after.

use crate::function::Function;
use crate::table::Table;
use aipm_api::Operation;
use std::collections::BTreeSet;

/// Each function's successful request and its status on the seeded backlog.
pub const FIXTURES: &[(&str, u16)] = &[
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
    // The seeded project has no repository and no runs yet.
    ("generate-code", 400),
    ("list-runs", 200),
    ("get-run", 404),
    ("cancel-run", 404),
    ("retry-run", 404),
    ("follow-up-run", 404),
    ("list-prs", 200),
    ("stop-tracking", 404),
    ("merge-pr", 404),
];

#[tokio::test]
async fn every_operation_is_served_by_its_own_binary() {
    let mut invoked = BTreeSet::new();
    for &(function, status) in FIXTURES {
        let operation = Operation::from_function(function)
            .unwrap_or_else(|| panic!("{function} names no operation"));
        let table = Table::seeded().await;
        let mut env = table.deployed_env().await;
        env.push(("PATH", std::env::var("PATH").unwrap()));
        let mut lambda = Function::start_with(operation, env).await;

        let answer = lambda.invoke_fixture(function).await;

        assert_eq!(answer.status, status, "{function}: {}", answer.body);
        // Its log names the operation it answered: main.rs wires the right one.
        let served = lambda
            .log_record(|r| r["fields"]["message"] == "answered")
            .await
            .unwrap_or_else(|| panic!("{function} logged no answer"));
        assert_eq!(served["span"]["operation"], operation.name(), "{function}");
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
