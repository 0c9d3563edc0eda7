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

/// The environment template.yaml gives a function: the Globals' variables
/// and its own, with each reference resolved to the test's resources (the
/// table, the queues, the SSM parameters on the emulator; the LLM endpoint
/// and model have the parameters' defaults, empty).
pub(crate) fn template_env(
    binary: &str,
    table: &str,
    queue: &str,
    dlq: &str,
) -> Vec<(String, String)> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../template.yaml");
    let template: Value = serde_yaml::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let function = template["Resources"]
        .as_mapping()
        .expect("Resources")
        .values()
        .find(|r| r["Metadata"]["BuildProperties"]["Binary"].as_str() == Some(binary))
        .unwrap_or_else(|| panic!("{binary} is not in template.yaml"));
    let globals = &template["Globals"]["Function"]["Environment"]["Variables"];
    let own = &function["Properties"]["Environment"]["Variables"];
    let mut env = Vec::new();
    for variables in [globals, own] {
        for (name, value) in variables.as_mapping().into_iter().flatten() {
            let name = name.as_str().unwrap().to_string();
            let value = match value {
                Value::String(s) => s.clone(),
                Value::Tagged(tagged) => {
                    let tag = tagged.tag.to_string();
                    let arg = format!("{:?}", tagged.value);
                    match (tag.as_str(), tagged.value.as_str()) {
                        ("!Ref", Some("BacklogTable")) => table.to_string(),
                        ("!Ref", Some("JobsQueue")) => queue.to_string(),
                        ("!Ref", Some("DeadLetterQueue")) => dlq.to_string(),
                        ("!Ref", Some("LlmBaseUrl" | "LlmModel")) => String::new(),
                        ("!Sub", Some(sub)) => sub
                            .replace("${SsmPrefix}", "/aipm")
                            .replace("${Stage}", "dev"),
                        // CorsAllowedOrigins, as the fixtures' origin names it.
                        ("!Join", _) => "https://aipm.example.com".to_string(),
                        _ => panic!(
                            "{binary}: {name} has a value the test cannot resolve: {tag} {arg}"
                        ),
                    }
                }
                other => panic!("{binary}: {name} is not a string: {other:?}"),
            };
            env.push((name, value));
        }
    }
    env
}

/// SecureString parameters on the emulator, as the deployment keeps them.
pub(crate) async fn put_parameter(endpoint: &str, name: &str, value: &str) {
    let answer = reqwest::Client::new()
        .post(endpoint)
        .header("X-Amz-Target", "AmazonSSM.PutParameter")
        .header("Content-Type", "application/x-amz-json-1.1")
        .header(
            "Authorization",
            "AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1/ssm/aws4_request, SignedHeaders=host, Signature=0",
        )
        .body(
            serde_json::json!({ "Name": name, "Value": value, "Type": "SecureString", "Overwrite": true })
                .to_string(),
        )
        .send()
        .await
        .expect("PutParameter");
    assert!(
        answer.status().is_success(),
        "PutParameter {name}: {}",
        answer.status()
    );
}

#[tokio::test]
async fn every_function_calls_only_the_aws_actions_its_policy_allows() {
    let allowed = allowed_actions();
    let mut report = Vec::new();
    let mut denied = Vec::new();
    let mut counts = Vec::new();
    for &(function, _) in FIXTURES {
        let operation = Operation::from_function(function).unwrap();
        let table = Table::seeded().await;
        put_parameter(&table.endpoint, "/aipm/dev/github-token", "ghp_test-token").await;
        put_parameter(&table.endpoint, "/aipm/dev/llm-api-key", "sk-test-key").await;
        let recorder = Recorder::start(&table.endpoint).await;
        let queues = table.queues().await;
        // Exactly what template.yaml gives the function, and the emulator's
        // endpoints (which the deployment has no need of).
        let mut env = template_env(function, &table.name, &queues.0, &queues.1);
        for name in [
            "AIPM_DYNAMODB_ENDPOINT",
            "AIPM_SQS_ENDPOINT",
            "AIPM_SSM_ENDPOINT",
        ] {
            env.push((name.to_string(), recorder.address().to_string()));
        }
        env.push(("PATH".to_string(), std::env::var("PATH").unwrap()));
        let mut lambda = Function::start_with(operation, env).await;
        // What init calls (the warming GetItem, the token from SSM) is not
        // the operation's: count from the first poll of the Runtime API.
        let ready = std::time::Instant::now();
        while lambda.runtime_api().first_poll().is_none() {
            assert!(
                ready.elapsed() < std::time::Duration::from_secs(30),
                "{function} never polled"
            );
            tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        }
        let at_init = recorder.requests().len();
        lambda.invoke_fixture(function).await;
        lambda.stop().await;
        counts.push((function, tally(&recorder.requests()[at_init..])));

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
    let measured: Vec<String> = counts
        .iter()
        .map(|(function, tally)| format!("| {function} | {tally} |"))
        .collect();
    let documented = documented_request_counts();
    assert_eq!(
        documented,
        measured,
        "docs/storage.md's requests per operation differ from what the functions make; measured:\n{}",
        measured.join("\n")
    );
    assert!(
        denied.is_empty(),
        "calls the function's policy denies:\n{}\n\nall calls:\n{}",
        denied.join("\n"),
        report.join("\n")
    );
}

/// `Query ×2, GetItem` from a list of requests, in order of first use;
/// `none` when there were none.
fn tally(requests: &[String]) -> String {
    let mut seen: Vec<(String, usize)> = Vec::new();
    for r in requests {
        match seen.iter_mut().find(|(name, _)| name == r) {
            Some((_, n)) => *n += 1,
            None => seen.push((r.clone(), 1)),
        }
    }
    if seen.is_empty() {
        return "none".into();
    }
    let total: usize = seen.iter().map(|(_, n)| n).sum();
    let parts: Vec<String> = seen
        .into_iter()
        .map(|(name, n)| {
            if n == 1 {
                name
            } else {
                format!("{name} ×{n}")
            }
        })
        .collect();
    format!("{total}: {}", parts.join(", "))
}

/// The table rows of docs/storage.md's "Requests per operation".
fn documented_request_counts() -> Vec<String> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/storage.md");
    let text = std::fs::read_to_string(path).unwrap();
    let section = text
        .split("<!-- requests per operation: begin -->")
        .nth(1)
        .and_then(|rest| rest.split("<!-- requests per operation: end -->").next())
        .expect("docs/storage.md marks its requests-per-operation table");
    section
        .lines()
        .filter(|l| l.starts_with("| ") && !l.starts_with("| function"))
        .map(str::to_string)
        .collect()
}

/// The variables each of `aipm-lambda`'s features reads, beside what every
/// function reads (the Globals: CORS origins, log filter).
const FEATURE_VARIABLES: &[(&str, &[&str])] = &[
    ("store", &["AIPM_TABLE"]),
    ("queue", &["AIPM_QUEUE_URL", "AIPM_DLQ_URL"]),
    (
        "llm",
        &[
            "AIPM_LLM_BASE_URL",
            "AIPM_LLM_MODEL",
            "AIPM_LLM_TIMEOUT_SECS",
            "AIPM_LLM_MAX_RETRIES",
            "AIPM_LLM_API_KEY_PARAM",
        ],
    ),
    ("forge", &["AIPM_GITHUB_TOKEN_PARAM"]),
    (
        "codegen",
        &["AIPM_QUEUE_URL", "AIPM_DLQ_URL", "AIPM_GITHUB_TOKEN_PARAM"],
    ),
];

/// A function's environment in template.yaml holds what the features its
/// package builds read, and nothing else: no queue URL where no queue is
/// linked, no LLM settings where no LLM client is.
#[test]
fn every_function_is_given_only_the_variables_its_features_read() {
    let mut wrong = Vec::new();
    for &(function, _) in FIXTURES {
        let manifest = format!(
            "{}/../../functions/{function}/Cargo.toml",
            env!("CARGO_MANIFEST_DIR")
        );
        let manifest = std::fs::read_to_string(&manifest).unwrap();
        let features: Vec<&str> = manifest
            .lines()
            .find(|l| l.starts_with("aipm-lambda"))
            .and_then(|l| l.split_once("features = [").map(|(_, f)| f))
            .map(|f| {
                f.split(']')
                    .next()
                    .unwrap()
                    .split(',')
                    .map(|s| s.trim().trim_matches('"'))
                    .filter(|s| !s.is_empty())
                    .collect()
            })
            .unwrap_or_default();
        let mut expected: BTreeSet<String> = ["AIPM_CORS_ORIGINS", "AIPM_LOG"]
            .into_iter()
            .map(str::to_string)
            .collect();
        for feature in &features {
            let (_, variables) = FEATURE_VARIABLES
                .iter()
                .find(|(name, _)| name == feature)
                .unwrap_or_else(|| panic!("{function}: unknown feature {feature}"));
            expected.extend(variables.iter().map(|v| v.to_string()));
        }
        let given: BTreeSet<String> = template_env(function, "t", "q", "d")
            .into_iter()
            .map(|(name, _)| name)
            .collect();
        if given != expected {
            wrong.push(format!(
                "{function} (features {features:?}): template.yaml gives {given:?}, its features read {expected:?}"
            ));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}
