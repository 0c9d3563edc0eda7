//! Acceptance tests: add, change, and record a result.

use super::{Call, Tool};
use crate::mcp::args::Args;
use crate::mcp::schema;
use aipm_api::{ApiError, Operation};
use aipm_core::domain::TestStatus;
use serde_json::json;

pub fn tools() -> Vec<Tool> {
    vec![
        Tool {
            name: "create_test",
            description: "Add a Given/When/Then acceptance test to a story. A Then step that cannot be measured is refused with MEASURABILITY_WARNINGS unless acceptWarnings is true.",
            writes: true,
            schema: || {
                schema::object(
                    schema::with(schema::test_fields(), &[("storyId", schema::id("The story"))]),
                    &["storyId", "given", "when", "then"],
                )
            },
            request: |mut args| {
                let story = args.take_id("storyId")?;
                Ok(Call::new(Operation::CreateTest).param("id", story).body(args))
            },
        },
        Tool {
            name: "update_test",
            description: "Change some fields of an acceptance test. Pass the version you read: a stale one is refused with VERSION_CONFLICT.",
            writes: true,
            schema: || {
                schema::object(
                    schema::with(
                        schema::test_fields(),
                        &[("id", schema::id("The acceptance test")), ("version", schema::version())],
                    ),
                    &["id"],
                )
            },
            request: |mut args| {
                let id = args.take_id("id")?;
                Ok(Call::new(Operation::UpdateTest).param("id", id).body(args))
            },
        },
        Tool {
            name: "record_test_result",
            description: "Record the result of running an acceptance test: status Pass or Fail. With version, a test changed since you read it is refused with VERSION_CONFLICT.",
            writes: true,
            schema: || {
                schema::object(
                    schema::with(
                        Default::default(),
                        &[
                            ("id", schema::id("The acceptance test")),
                            ("status", json!({"type": "string", "enum": ["Pass", "Fail"]})),
                            ("version", schema::version()),
                        ],
                    ),
                    &["id", "status"],
                )
            },
            request: record_test_result,
        },
    ]
}

/// A result is a status update limited to Pass and Fail; the other fields of
/// the test are not this tool's to change.
fn record_test_result(mut args: Args) -> Result<Call, ApiError> {
    let id = args.take_id("id")?;
    let status = match args
        .get("status")
        .and_then(|s| s.as_str())
        .map(TestStatus::parse)
    {
        Some(Ok(s @ (TestStatus::Pass | TestStatus::Fail))) => s,
        Some(Ok(other)) => {
            return Err(ApiError::invalid(
                "status",
                format!("a result is Pass or Fail, not '{other}'"),
            ))
        }
        Some(Err(reason)) => return Err(ApiError::invalid("status", reason)),
        None => return Err(ApiError::invalid("status", "is required (Pass or Fail)")),
    };
    let mut body = serde_json::Map::new();
    body.insert("status".into(), json!(status.label()));
    if let Some(version) = args.get("version") {
        body.insert("version".into(), version.clone());
    }
    let mut call = Call::new(Operation::UpdateTest).param("id", id);
    call.body = body;
    Ok(call)
}
