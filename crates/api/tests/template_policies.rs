//! Least privilege, checked against template.yaml: each function holds
//! exactly the rights its operation needs (the table in `needs`), each right
//! names its one resource, no grant uses a wildcard it can avoid, the workers
//! hold only what `aipm worker` uses, and secrets reach code as SSM parameter
//! names, never as values.
//!
//! A new operation does not compile here until it has a row in `needs`.

use aipm_api::Operation;
use serde_yaml::{Mapping, Value};
use std::collections::BTreeSet;

/// What an operation does besides answering.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Right {
    ReadTable,
    WriteTable,
    Enqueue,
    QueueHealth,
    GithubToken,
    LlmKey,
}

use Right::*;

fn needs(op: Operation) -> &'static [Right] {
    match op {
        Operation::GetStories
        | Operation::GetStory
        | Operation::ListProjects
        | Operation::GetProject
        | Operation::ExportBacklog => &[ReadTable],
        Operation::DraftStory | Operation::DraftTest => &[ReadTable, LlmKey],
        Operation::CreateStory | Operation::CheckStory => &[ReadTable, WriteTable, LlmKey],
        Operation::UpdateStory
        | Operation::DeleteStory
        | Operation::CreateTest
        | Operation::UpdateTest
        | Operation::DeleteTest
        | Operation::AddDependency
        | Operation::RemoveDependency
        | Operation::CreateTask
        | Operation::UpdateTask
        | Operation::DeleteTask
        | Operation::CreateProject
        | Operation::UpdateProject
        | Operation::CancelRun
        | Operation::ImportBacklog => &[ReadTable, WriteTable],
        Operation::ListRuns | Operation::GetRun | Operation::ListPrs => &[ReadTable],
        Operation::GenerateCode => &[ReadTable, WriteTable, Enqueue, GithubToken],
        Operation::RetryRun | Operation::FollowUpRun => &[ReadTable, WriteTable, Enqueue],
        Operation::StopTracking | Operation::MergePr => &[ReadTable, WriteTable, GithubToken],
        Operation::HealthCheck => &[ReadTable, QueueHealth],
        Operation::Version => &[],
    }
}

const TABLE: &str = "!GetAtt BacklogTable.Arn";
const INDEXES: &str = "!Sub ${BacklogTable.Arn}/index/*";
const QUEUE: &str = "!GetAtt JobsQueue.Arn";
const DEAD_LETTERS: &str = "!GetAtt DeadLetterQueue.Arn";
const SSM_KEYS: &str = "!Sub arn:${AWS::Partition}:kms:${AWS::Region}:${AWS::AccountId}:key/*";
const GITHUB_TOKEN: &str = "!Sub arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}:parameter${SsmPrefix}/${Stage}/github-token";
const LLM_KEY: &str = "!Sub arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}:parameter${SsmPrefix}/${Stage}/llm-api-key";

impl Right {
    const ALL: [Right; 6] = [
        ReadTable,
        WriteTable,
        Enqueue,
        QueueHealth,
        GithubToken,
        LlmKey,
    ];

    /// The managed policy in template.yaml that grants it.
    fn policy(self) -> &'static str {
        match self {
            ReadTable => "TableReadPolicy",
            WriteTable => "TableWritePolicy",
            Enqueue => "QueueSendPolicy",
            QueueHealth => "QueueHealthPolicy",
            GithubToken => "GithubTokenReadPolicy",
            LlmKey => "LlmKeyReadPolicy",
        }
    }

    /// Store calls: GetItem, Query, BatchGetItem, DescribeTable at warm-up;
    /// TransactWriteItems (Put, Delete, ConditionCheck, Update per item) and
    /// UpdateItem on counters. See shared/src/store/dynamodb.
    fn actions(self) -> &'static [&'static str] {
        match self {
            ReadTable => &[
                "dynamodb:DescribeTable",
                "dynamodb:GetItem",
                "dynamodb:BatchGetItem",
                "dynamodb:Query",
            ],
            WriteTable => &[
                "dynamodb:PutItem",
                "dynamodb:DeleteItem",
                "dynamodb:UpdateItem",
                "dynamodb:ConditionCheckItem",
            ],
            Enqueue => &["sqs:SendMessage"],
            QueueHealth => &["sqs:GetQueueAttributes"],
            GithubToken | LlmKey => &["ssm:GetParameter", "kms:Decrypt"],
        }
    }

    fn resources(self) -> &'static [&'static str] {
        match self {
            ReadTable => &[TABLE, INDEXES],
            WriteTable => &[TABLE],
            Enqueue => &[QUEUE],
            QueueHealth => &[QUEUE, DEAD_LETTERS],
            GithubToken => &[GITHUB_TOKEN, SSM_KEYS],
            LlmKey => &[LLM_KEY, SSM_KEYS],
        }
    }

    /// The environment variable carrying the SSM parameter's name.
    fn parameter_variable(self) -> Option<&'static str> {
        match self {
            GithubToken => Some("AIPM_GITHUB_TOKEN_PARAM"),
            LlmKey => Some("AIPM_LLM_API_KEY_PARAM"),
            _ => None,
        }
    }
}

// ---------------------------------------------------------------- template

fn template() -> Value {
    let path = format!("{}/../../template.yaml", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("reading {path}: {e}"));
    serde_yaml::from_str(&text).unwrap_or_else(|e| panic!("parsing {path}: {e}"))
}

fn resources(template: &Value) -> impl Iterator<Item = (String, &Value)> {
    template["Resources"]
        .as_mapping()
        .expect("Resources")
        .iter()
        .map(|(k, v)| (k.as_str().unwrap().to_string(), v))
}

fn of_type<'t>(template: &'t Value, kind: &str) -> Vec<(String, &'t Value)> {
    resources(template)
        .filter(|(_, r)| r["Type"] == kind)
        .collect()
}

/// A function resource: its logical id, operation and definition.
fn functions(template: &Value) -> Vec<(String, Operation, &Value)> {
    of_type(template, "AWS::Serverless::Function")
        .into_iter()
        .map(|(id, r)| {
            let binary = r["Metadata"]["BuildProperties"]["Binary"]
                .as_str()
                .unwrap_or_else(|| panic!("{id} has no BuildProperties.Binary"));
            let op = Operation::from_function(binary)
                .unwrap_or_else(|| panic!("{id} builds {binary}, which is no operation"));
            (id, op, r)
        })
        .collect()
}

/// A value as written in the template: a string, or `!Tag value` for a
/// short-form intrinsic (`Ref: X` and `!Ref X` read the same).
fn show(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Tagged(t) => format!("!{} {}", tag_name(&t.tag), show(&t.value)),
        Value::Mapping(m) if m.len() == 1 => {
            let (k, inner) = m.iter().next().unwrap();
            let k = k.as_str().unwrap_or_default();
            match k.strip_prefix("Fn::").or((k == "Ref").then_some("Ref")) {
                Some(name) => format!("!{name} {}", show(inner)),
                None => serde_yaml::to_string(v).unwrap().trim().to_string(),
            }
        }
        other => serde_yaml::to_string(other).unwrap().trim().to_string(),
    }
}

fn tag_name(tag: &serde_yaml::value::Tag) -> String {
    tag.to_string().trim_start_matches('!').to_string()
}

/// One value or a list of them, as IAM allows.
fn one_or_many(v: &Value) -> Vec<&Value> {
    match v {
        Value::Sequence(items) => items.iter().collect(),
        Value::Null => Vec::new(),
        one => vec![one],
    }
}

/// The statements of a policy document, both branches of an `!If`.
fn statements(document: &Value) -> Vec<&Value> {
    let mut out = Vec::new();
    for s in one_or_many(&document["Statement"]) {
        match s {
            Value::Tagged(t) if tag_name(&t.tag) == "If" => {
                for branch in t.value.as_sequence().unwrap().iter().skip(1) {
                    if branch
                        .as_mapping()
                        .is_some_and(|m| m.contains_key("Effect"))
                    {
                        out.push(branch);
                    }
                }
            }
            s => out.push(s),
        }
    }
    out
}

fn strings(v: &Value) -> BTreeSet<String> {
    one_or_many(v).into_iter().map(show).collect()
}

fn set(items: &[&str]) -> BTreeSet<String> {
    items.iter().map(|s| s.to_string()).collect()
}

/// Every policy document in the template, named by where it is.
fn policy_documents(template: &Value) -> Vec<(String, &Value)> {
    let mut out = Vec::new();
    for (id, r) in resources(template) {
        let p = &r["Properties"];
        if p["PolicyDocument"].is_mapping() {
            out.push((id.clone(), &p["PolicyDocument"]));
        }
        for (i, inline) in one_or_many(&p["Policies"]).into_iter().enumerate() {
            if inline["PolicyDocument"].is_mapping() {
                out.push((format!("{id}.Policies[{i}]"), &inline["PolicyDocument"]));
            } else if inline["Statement"].is_sequence() {
                out.push((format!("{id}.Policies[{i}]"), inline));
            }
        }
    }
    out
}

fn env<'t>(function: &'t Value, globals: &'t Value) -> Vec<(String, &'t Value)> {
    let mut vars = Vec::new();
    for source in [globals, &function["Properties"]] {
        if let Some(m) = source["Environment"]["Variables"].as_mapping() {
            vars.extend(m.iter().map(|(k, v)| (k.as_str().unwrap().to_string(), v)));
        }
    }
    vars
}

// ---------------------------------------------------------------- tests

#[test]
fn every_function_holds_exactly_the_rights_its_operation_needs() {
    let template = template();
    let mut wrong = Vec::new();
    for (id, op, function) in functions(&template) {
        let mut held = BTreeSet::new();
        for policy in one_or_many(&function["Properties"]["Policies"]) {
            let name = show(policy);
            let right = Right::ALL
                .into_iter()
                .find(|r| name == format!("!Ref {}", r.policy()));
            match right {
                Some(r) => {
                    held.insert(r);
                }
                None => wrong.push(format!(
                    "{id}: policy {name:?} is not one of the managed policies this test knows; \
                     grant rights through them (template.yaml, section `rights`)"
                )),
            }
        }
        let needed: BTreeSet<Right> = needs(op).iter().copied().collect();
        if held != needed {
            wrong.push(format!(
                "{id} ({}): holds {held:?}, needs {needed:?}",
                op.function()
            ));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn each_right_grants_its_actions_on_its_resource_and_nothing_else() {
    let template = template();
    for right in Right::ALL {
        let policy = &template["Resources"][right.policy()];
        assert_eq!(
            policy["Type"],
            "AWS::IAM::ManagedPolicy",
            "{}",
            right.policy()
        );
        let (mut actions, mut resources) = (BTreeSet::new(), BTreeSet::new());
        for s in statements(&policy["Properties"]["PolicyDocument"]) {
            assert_eq!(s["Effect"], "Allow", "{}", right.policy());
            actions.extend(strings(&s["Action"]));
            resources.extend(strings(&s["Resource"]));
        }
        assert_eq!(
            actions,
            set(right.actions()),
            "actions of {}",
            right.policy()
        );
        assert_eq!(
            resources,
            set(right.resources()),
            "resources of {}",
            right.policy()
        );
    }
}

#[test]
fn no_grant_uses_a_wildcard_it_can_avoid() {
    let template = template();
    // Session Manager's calls take no resource; kms:Decrypt on any key is
    // narrowed by conditions to SSM and to the parameter decrypted.
    let session_manager = set(&[
        "ssm:UpdateInstanceInformation",
        "ssmmessages:CreateControlChannel",
        "ssmmessages:CreateDataChannel",
        "ssmmessages:OpenControlChannel",
        "ssmmessages:OpenDataChannel",
    ]);
    for (place, document) in policy_documents(&template) {
        for s in statements(document) {
            if s["Effect"] != "Allow" {
                continue;
            }
            let actions = strings(&s["Action"]);
            for a in &actions {
                assert!(!a.contains('*'), "{place}: wildcard action {a}");
            }
            for r in strings(&s["Resource"]) {
                if r == "*" {
                    assert_eq!(
                        actions, session_manager,
                        "{place}: Resource * for {actions:?}"
                    );
                } else if r == SSM_KEYS {
                    let c = &s["Condition"];
                    assert_eq!(actions, set(&["kms:Decrypt"]), "{place}");
                    assert!(
                        !c["StringEquals"]["kms:ViaService"].is_null(),
                        "{place}: kms:Decrypt without kms:ViaService"
                    );
                    let scoped = ["StringEquals", "StringLike"]
                        .iter()
                        .any(|op| !c[*op]["kms:EncryptionContext:PARAMETER_ARN"].is_null());
                    assert!(scoped, "{place}: kms:Decrypt not scoped to a parameter");
                } else {
                    assert!(
                        !r.ends_with(":*") && r != "!Sub *",
                        "{place}: wildcard resource {r}"
                    );
                }
            }
        }
    }
}

#[test]
fn the_workers_hold_only_what_aipm_worker_uses() {
    let template = template();
    let role = &template["Resources"]["WorkerRole"]["Properties"];
    assert_eq!(
        strings(&role["ManagedPolicyArns"]),
        set(&[
            "!Ref TableReadPolicy",
            "!Ref TableWritePolicy",
            "!Ref GithubTokenReadPolicy"
        ]),
        "the workers read and write runs and stories, and push with the GitHub token"
    );
    let mut actions = BTreeSet::new();
    for inline in one_or_many(&role["Policies"]) {
        for s in statements(&inline["PolicyDocument"]) {
            actions.extend(strings(&s["Action"]));
        }
    }
    let consume = [
        "sqs:ReceiveMessage",
        "sqs:DeleteMessage",
        "sqs:ChangeMessageVisibility",
        "sqs:GetQueueAttributes",
    ];
    let own = ["s3:GetObject", "ssm:GetParametersByPath", "kms:Decrypt"];
    let shell = [
        "ssm:UpdateInstanceInformation",
        "ssmmessages:CreateControlChannel",
        "ssmmessages:CreateDataChannel",
        "ssmmessages:OpenControlChannel",
        "ssmmessages:OpenDataChannel",
    ];
    let expected: BTreeSet<String> = consume
        .iter()
        .chain(&own)
        .chain(&shell)
        .map(|s| s.to_string())
        .collect();
    assert_eq!(actions, expected);
}

#[test]
fn secrets_reach_the_code_as_parameter_names_never_as_values() {
    let template = template();
    let globals = &template["Globals"]["Function"];
    for (id, op, function) in functions(&template) {
        let vars = env(function, globals);
        for (name, value) in &vars {
            let secret_like = ["TOKEN", "KEY", "SECRET", "PASSWORD"]
                .iter()
                .any(|w| name.contains(w));
            assert!(
                !secret_like || name.ends_with("_PARAM"),
                "{id}: {name} = {} looks like a secret in the environment; pass the SSM \
                 parameter's name as {name}_PARAM instead",
                show(value)
            );
        }
        for right in Right::ALL {
            let Some(variable) = right.parameter_variable() else {
                continue;
            };
            let has_name = vars.iter().any(|(n, _)| n == variable);
            let has_right = needs(op).contains(&right);
            assert_eq!(
                has_name, has_right,
                "{id}: {variable} must be set exactly when the function may read it"
            );
        }
    }
}

#[test]
fn every_function_has_an_alarm_on_its_errors() {
    let template = template();
    let watched: BTreeSet<String> = of_type(&template, "AWS::CloudWatch::Alarm")
        .into_iter()
        .filter(|(_, a)| a["Properties"]["MetricName"] == "Errors")
        .flat_map(|(_, a)| {
            one_or_many(&a["Properties"]["Dimensions"])
                .into_iter()
                .filter(|d| d["Name"] == "FunctionName")
                .map(|d| show(&d["Value"]))
                .collect::<Vec<_>>()
        })
        .collect();
    let functions: BTreeSet<String> = functions(&template)
        .into_iter()
        .map(|(id, _, _)| format!("!Ref {id}"))
        .collect();
    assert_eq!(watched, functions);
}

#[test]
fn functions_take_their_settings_from_globals() {
    // Keeps every function block the same small shape (docs/deploy.md).
    let template = template();
    let allowed: BTreeSet<&str> = [
        "Description",
        "Timeout",
        "Policies",
        "Environment",
        "Events",
    ]
    .into();
    for (id, _, function) in functions(&template) {
        let props: &Mapping = function["Properties"].as_mapping().unwrap();
        for key in props.keys() {
            let key = key.as_str().unwrap();
            assert!(
                allowed.contains(key),
                "{id}: {key} belongs in Globals (or extend this list on purpose)"
            );
        }
    }
}
