//! Code generation over HTTP: start a run, follow it, cancel or retry it,
//! and the PRs it opened.

use crate::input::{Body, Input};
use crate::{ApiError, App, Request, Response};
use aipm_core::codegen::{CodeGen, GenerateRequest, Runs};
use aipm_core::domain::{AttemptTrigger, RunId, StoryId};
use aipm_core::forge::Forge;
use aipm_core::queue::Queue;
use http::StatusCode;
use serde_json::json;

fn not_configured(needs: &str) -> ApiError {
    ApiError::new(
        StatusCode::SERVICE_UNAVAILABLE,
        "CODEGEN_NOT_CONFIGURED",
        format!(
            "code generation is not configured here: it needs {needs} (aipm serve sets both up)"
        ),
    )
}

fn codegen(app: &App) -> Input<&CodeGen> {
    app.codegen
        .as_deref()
        .ok_or_else(|| not_configured("a queue and a forge"))
}

fn queue(app: &App) -> Input<&dyn Queue> {
    app.queue
        .as_deref()
        .ok_or_else(|| not_configured("a queue"))
}

fn forge(app: &App) -> Input<&dyn Forge> {
    app.forge
        .as_deref()
        .ok_or_else(|| not_configured("a forge"))
}

fn runs(app: &App) -> Runs {
    Runs::new(app.backlog.clone())
}

fn run_json(run: &aipm_core::domain::CodeRun, log: Option<&str>) -> serde_json::Value {
    let mut v = serde_json::to_value(run).expect("runs serialize");
    if let Some(log) = log {
        v["progress"] = json!(aipm_core::codegen::progress::Progress::from_log(log));
        v["log"] = json!(log);
    }
    v
}

pub async fn generate_code(app: &App, req: &Request) -> Input<Response> {
    let story = StoryId(req.id_param("id")?);
    let body = Body::parse(req)?;
    let request = GenerateRequest {
        agent: body.text("agent")?.filter(|a| !a.trim().is_empty()),
        instructions: body.text("instructions")?.unwrap_or_default(),
        accept_warnings: body.bool("acceptWarnings")?,
    };
    let generated = codegen(app)?.generate(story, request).await?;
    let pr =
        aipm_core::backlog::pr_entries(vec![generated.pr], std::slice::from_ref(&generated.run));
    Ok(Response::json(
        StatusCode::ACCEPTED,
        &json!({"run": run_json(&generated.run, None), "pr": pr[0]}),
    ))
}

pub async fn list_runs(app: &App, req: &Request) -> Input<Response> {
    let story = StoryId(req.id_param("id")?);
    let runs = runs(app).runs_of(story).await?;
    Ok(Response::json(StatusCode::OK, &runs))
}

pub async fn get_run(app: &App, req: &Request) -> Input<Response> {
    let id = RunId(req.id_param("runId")?);
    let (run, log) = runs(app).run(id).await?;
    Ok(Response::json(StatusCode::OK, &run_json(&run, Some(&log))))
}

pub async fn cancel_run(app: &App, req: &Request) -> Input<Response> {
    let id = RunId(req.id_param("runId")?);
    let run = runs(app).cancel(id).await?;
    Ok(Response::json(StatusCode::ACCEPTED, &run_json(&run, None)))
}

pub async fn retry_run(app: &App, req: &Request) -> Input<Response> {
    let id = RunId(req.id_param("runId")?);
    let run = runs(app).retry(queue(app)?, id).await?;
    Ok(Response::json(StatusCode::ACCEPTED, &run_json(&run, None)))
}

pub async fn follow_up_run(app: &App, req: &Request) -> Input<Response> {
    let id = RunId(req.id_param("runId")?);
    let body = Body::parse(req)?;
    let message = body.text("message")?.unwrap_or_default();
    let run = runs(app)
        .follow_up(queue(app)?, id, &message, AttemptTrigger::User)
        .await?;
    Ok(Response::json(StatusCode::ACCEPTED, &run_json(&run, None)))
}

pub async fn list_prs(app: &App, req: &Request) -> Input<Response> {
    let story = StoryId(req.id_param("id")?);
    Ok(Response::json(
        StatusCode::OK,
        &runs(app).prs_of(story).await?,
    ))
}

pub async fn stop_tracking(app: &App, req: &Request) -> Input<Response> {
    let story = StoryId(req.id_param("id")?);
    let number = req.id_param("number")?;
    let close = req.query_flag("close")?;
    runs(app)
        .stop_tracking(forge(app)?, story, number, close)
        .await?;
    Ok(Response::empty(StatusCode::NO_CONTENT))
}

pub async fn merge_pr(app: &App, req: &Request) -> Input<Response> {
    let story = StoryId(req.id_param("id")?);
    let number = req.id_param("number")?;
    let pr = runs(app).merge(forge(app)?, story, number).await?;
    Ok(Response::json(StatusCode::OK, &pr))
}
