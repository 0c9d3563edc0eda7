//! Export and import of a project's backlog.

use super::stories::project_of;
use crate::input::Input;
use crate::{ApiError, App, Request, Response};
use aipm_core::transfer::ExportFormat;
use http::{HeaderValue, StatusCode};

pub async fn export(app: &App, req: &Request) -> Input<Response> {
    let project = project_of(req)?;
    let format = ExportFormat::parse(req.query_value("format").unwrap_or("json"))
        .map_err(|r| ApiError::invalid("format", r))?;
    let body = app.backlog.export(project, format).await?;
    let extension = match format {
        ExportFormat::Json => "json",
        ExportFormat::Csv => "csv",
    };
    let mut response = Response::empty(StatusCode::OK);
    response.body = body;
    response.headers.insert(
        http::header::CONTENT_TYPE,
        HeaderValue::from_static(format.content_type()),
    );
    if let Ok(v) = HeaderValue::from_str(&format!(
        "attachment; filename=\"aipm-project-{project}.{extension}\""
    )) {
        response
            .headers
            .insert(http::header::CONTENT_DISPOSITION, v);
    }
    Ok(response)
}

/// The body is the exported file itself (JSON or CSV).
pub async fn import(app: &App, req: &Request) -> Input<Response> {
    let project = project_of(req)?;
    let dry_run = req.query_flag("dryRun")?;
    let report = app.backlog.import(&req.body, project, dry_run).await?;
    let status = if dry_run {
        StatusCode::OK
    } else {
        StatusCode::CREATED
    };
    Ok(Response::json(status, &report))
}
