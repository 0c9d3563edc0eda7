//! Health and version: answered without the API token.

use crate::input::Input;
use crate::{App, Request, Response};
use http::StatusCode;
use serde_json::{json, Value};

/// A worker is counted alive when its last heartbeat is this recent.
const WORKER_FRESH_SECS: i64 = 60;

/// `ok`, or `degraded` (still 200) when a dependency is down. Health is
/// public; where a token is configured, the details (host names, workers,
/// runs, errors) are shown only to a caller that sends it.
pub async fn health(app: &App, req: &Request) -> Input<Response> {
    if !crate::authorized(&app.config, &req.headers) {
        let ok = app.backlog.ping().await.is_ok();
        let body = json!({
            "status": if ok { "ok" } else { "degraded" },
            "version": app.build.version,
        });
        return Ok(Response::json(StatusCode::OK, &body));
    }
    let kind = app.backlog.store_kind();
    let mut ok = true;
    let store_report = match app.backlog.ping().await {
        Ok(latency) => {
            json!({"kind": kind, "ok": true, "latencyMs": latency.as_secs_f64() * 1e3})
        }
        Err(e) => {
            tracing::warn!(error = %e, "store health check failed");
            ok = false;
            json!({"kind": kind, "ok": false, "error": e.to_string()})
        }
    };
    let forge = match &app.codegen {
        Some(codegen) => json!({"kind": codegen.forge.kind()}),
        None => Value::Null,
    };
    let (queue, workers) = match &app.queue {
        None => (Value::Null, Value::Null),
        Some(q) => {
            let queue = match q.depth().await {
                Ok(d) => {
                    json!({"kind": q.kind(), "ok": true, "visible": d.visible, "inFlight": d.in_flight, "deadLetter": d.dead_letter})
                }
                Err(e) => {
                    ok = false;
                    json!({"kind": q.kind(), "ok": false, "error": e.to_string()})
                }
            };
            let workers = match app.backlog.workers().await {
                Ok(beats) => {
                    let now = aipm_core::domain::Timestamp::now().millis();
                    let alive: Vec<_> = beats
                        .iter()
                        .filter(|b| now - b.heartbeat_at.millis() <= WORKER_FRESH_SECS * 1000)
                        .collect();
                    // How the live workers confine agents; `unavailable: …`
                    // means that worker refuses runs.
                    let mut sandbox: Vec<&str> = alive.iter().map(|b| b.sandbox.as_str()).collect();
                    sandbox.sort_unstable();
                    sandbox.dedup();
                    json!({
                        "alive": alive.len(),
                        "sandbox": sandbox,
                        "lastHeartbeat": beats.iter().map(|b| b.heartbeat_at).max(),
                        "activeRuns": alive.iter().flat_map(|b| b.active_runs.iter()).collect::<Vec<_>>(),
                        "workers": beats,
                    })
                }
                Err(e) => json!({"error": e.to_string()}),
            };
            (queue, workers)
        }
    };
    let body = json!({
        "status": if ok { "ok" } else { "degraded" },
        "version": app.build.version,
        "commit": app.build.commit,
        "store": store_report,
        "queue": queue,
        "workers": workers,
        "forge": forge,
        "llm": {"configured": app.llm.is_some(), "model": app.llm.as_ref().map(|l| l.model().to_string())},
        "epicPoints": aipm_core::quality::EPIC_POINTS,
    });
    Ok(Response::json(StatusCode::OK, &body))
}

/// The build, and the product's vocabulary: the values a client offers and
/// the thresholds it shows, read from the types that decide them, so the web
/// UI copies none of them.
pub async fn version(app: &App, _req: &Request) -> Input<Response> {
    use aipm_core::domain::{Component, RunStatus, StoryStatus, TaskStatus, TestStatus};
    fn labels<T: Copy>(all: &[T], label: impl Fn(T) -> &'static str) -> Vec<&'static str> {
        all.iter().copied().map(label).collect()
    }
    let (terminal, active): (Vec<RunStatus>, Vec<RunStatus>) =
        RunStatus::ALL.iter().partition(|s| s.is_terminal());
    let body = json!({
        "version": app.build.version,
        "commit": app.build.commit,
        "vocabulary": {
            "storyStatuses": labels(StoryStatus::ALL, StoryStatus::label),
            "testStatuses": labels(TestStatus::ALL, TestStatus::label),
            "taskStatuses": labels(TaskStatus::ALL, TaskStatus::label),
            "components": labels(Component::ALL, Component::label),
            "epicPoints": aipm_core::quality::EPIC_POINTS,
            "runStates": {
                "active": labels(&active, RunStatus::label),
                "terminal": labels(&terminal, RunStatus::label),
            },
            "agents": aipm_core::codegen::agent::agent_names(),
        },
    });
    Ok(Response::json(StatusCode::OK, &body))
}
