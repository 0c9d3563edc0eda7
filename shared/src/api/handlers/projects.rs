use crate::api::input::{Body, Input};
use crate::api::{App, Request, Response};
use crate::domain::ProjectId;
use http::StatusCode;

pub async fn list_projects(app: &App) -> Input<Response> {
    Ok(Response::json(
        StatusCode::OK,
        &app.backlog.projects().await?,
    ))
}

pub async fn create_project(app: &App, req: &Request) -> Input<Response> {
    let body = Body::parse(req)?;
    let name = body.required_title("name")?;
    let description = body.text("description")?.unwrap_or_default();
    let repository = body.text("repository")?.filter(|r| !r.trim().is_empty());
    let project = app
        .backlog
        .create_project(name, description, repository)
        .await?;
    Ok(Response::json(StatusCode::CREATED, &project))
}

pub async fn get_project(app: &App, req: &Request) -> Input<Response> {
    let id = ProjectId(req.id_param("id")?);
    Ok(Response::json(
        StatusCode::OK,
        &app.backlog.project(id).await?,
    ))
}
