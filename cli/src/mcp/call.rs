//! Answering a tool call with the API's handler for its operation: the
//! request is built as the REST front door would build it, so input
//! validation, the backlog's rules and the error codes are the API's own.

use super::tools::Call;
use aipm_api::{self as api, ApiError, App};
use rmcp::model::CallToolResult;
use serde_json::{json, Value};
use std::sync::atomic::{AtomicU64, Ordering};

static CALLS: AtomicU64 = AtomicU64::new(0);

/// The error as the REST API writes it (`code`, `message`, `details`), with
/// its HTTP status, as a tool error the model can read.
pub fn error_result(error: ApiError) -> CallToolResult {
    let response = error.into_response("mcp");
    error_from(response.status.as_u16(), response.json_body())
}

fn error_from(status: u16, mut body: Value) -> CallToolResult {
    if let Value::Object(map) = &mut body {
        map.insert("status".into(), json!(status));
    }
    CallToolResult::structured_error(body)
}

/// Run `call` on `app`. The app's own token check is not this layer's: the
/// MCP transport has authenticated the client already.
pub async fn execute(app: &App, call: Call) -> CallToolResult {
    let request_id = format!(
        "mcp-{}-{}",
        std::process::id(),
        CALLS.fetch_add(1, Ordering::Relaxed)
    );
    let req = api::Request {
        path: format!("mcp:{}", call.operation.name()),
        query: call
            .query
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect(),
        body: serde_json::to_vec(&call.body).expect("JSON values serialize"),
        params: call
            .params
            .into_iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        request_id,
        ..Default::default()
    };
    let response = api::respond(app, api::handlers::endpoint(call.operation), req).await;
    let body = response.json_body();
    if !response.status.is_success() {
        return error_from(response.status.as_u16(), body);
    }
    let body = match (body, call.refine) {
        // 204: the operation answers nothing.
        (Value::Null, _) => json!({"ok": true}),
        (body, Some(refine)) => refine(body),
        (body, None) => body,
    };
    // Lists are wrapped: structured content is an object.
    let body = match body {
        Value::Array(items) => json!({ "items": items }),
        other => other,
    };
    CallToolResult::structured(body)
}
