//! Least privilege by evidence: each function binary, run on its fixture
//! against the emulator through a recording proxy, calls only the AWS
//! actions its policies in template.yaml allow — at start-up and per request.

use crate::coverage::FIXTURES;
use crate::function::Function;
use crate::recorder::Recorder;
use crate::table::Table;
use aipm_api::Operation;
use serde_yaml::Value;
use std::collections::{BTreeMap, BTreeSet};

/// Each function's allowed actions: the `Action`s of the managed policies
/// its `Policies` name (`!Ref`), keyed by its binary's name.
fn allowed_actions() -> BTreeMap<String, BTreeSet<String>> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../template.yaml");
    let template: Value = serde_yaml::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let resources = template["Resources"].as_mapping().expect("Resources");
    let actions_of = |policy: &str| -> BTreeSet<String> {
        let statements = &resources[policy]["Properties"]["PolicyDocument"]["Statement"];
        statements
            .as_sequence()
            .into_iter()
            .flatten()
            .filter(|s| s["Effect"].as_str() == Some("Allow"))
            .flat_map(|s| match &s["Action"] {
                Value::String(a) => vec![a.clone()],
                Value::Sequence(list) => list
                    .iter()
                    .filter_map(|a| a.as_str().map(str::to_string))
                    .collect(),
                _ => Vec::new(),
            })
            .collect()
    };
    let mut allowed = BTreeMap::new();
    for (_, resource) in resources {
        if resource["Type"].as_str() != Some("AWS::Serverless::Function") {
            continue;
        }
        let Some(binary) = resource["Metadata"]["BuildProperties"]["Binary"].as_str() else {
            continue;
        };
        let mut actions = BTreeSet::new();
        for policy in resource["Properties"]["Policies"]
            .as_sequence()
            .into_iter()
            .flatten()
        {
            // `!Ref Name` parses as a tagged value.
            let name = match policy {
                Value::Tagged(tagged) => tagged.value.as_str().map(str::to_string),
                other => other.as_str().map(str::to_string),
            };
            if let Some(name) = name {
                actions.extend(actions_of(&name));
            }
        }
        allowed.insert(binary.to_string(), actions);
    }
    allowed
}

#[tokio::test]
async fn every_function_calls_only_the_aws_actions_its_policy_allows() {
    let allowed = allowed_actions();
    let mut report = Vec::new();
    let mut denied = Vec::new();
    for &(function, _) in FIXTURES {
        let operation = Operation::from_function(function).unwrap();
        let table = Table::seeded().await;
        let recorder = Recorder::start(&table.endpoint).await;
        let mut env = table.deployed_env().await;
        for (name, value) in env.iter_mut() {
            if *name == "AIPM_DYNAMODB_ENDPOINT" || *name == "AIPM_SQS_ENDPOINT" {
                *value = recorder.address().to_string();
            }
        }
        env.push(("PATH", std::env::var("PATH").unwrap()));
        let mut lambda = Function::start_with(operation, env).await;
        lambda.invoke_fixture(function).await;
        lambda.stop().await;

        let called = recorder.actions();
        let grants = allowed
            .get(function)
            .unwrap_or_else(|| panic!("{function} is not in template.yaml"));
        for action in called.difference(grants) {
            denied.push(format!("{function} calls {action}"));
        }
        report.push(format!(
            "{function}: {}",
            called.into_iter().collect::<Vec<_>>().join(", ")
        ));
    }
    println!("{}", report.join("\n"));
    assert!(
        denied.is_empty(),
        "calls the function's policy denies:\n{}\n\nall calls:\n{}",
        denied.join("\n"),
        report.join("\n")
    );
}
