//! Health and version: answered without the API token.

use crate::api::input::Input;
use crate::api::{App, Response};
use http::StatusCode;
use serde_json::json;

/// `ok`, or `degraded` (still 200) when a dependency is down.
pub async fn health(app: &App) -> Input<Response> {
    let store = app.backlog.store();
    let (store_report, ok) = match store.ping().await {
        Ok(latency) => (
            json!({"kind": store.kind(), "ok": true, "latencyMs": latency.as_secs_f64() * 1e3}),
            true,
        ),
        Err(e) => {
            tracing::warn!(error = %e, "store health check failed");
            (
                json!({"kind": store.kind(), "ok": false, "error": e.to_string()}),
                false,
            )
        }
    };
    let body = json!({
        "status": if ok { "ok" } else { "degraded" },
        "version": app.build.version,
        "commit": app.build.commit,
        "store": store_report,
    });
    Ok(Response::json(StatusCode::OK, &body))
}

pub fn version(app: &App) -> Response {
    Response::json(StatusCode::OK, &app.build)
}
