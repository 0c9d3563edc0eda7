use crate::input::{Body, Input};
use crate::{ApiError, App, Request, Response};
use aipm_core::backlog::ProjectChanges;
use aipm_core::domain::{AgentNetwork, ProjectId};
use http::StatusCode;

pub async fn list_projects(app: &App, _req: &Request) -> Input<Response> {
    Ok(Response::json(
        StatusCode::OK,
        &app.backlog.projects().await?,
    ))
}

pub async fn create_project(app: &App, req: &Request) -> Input<Response> {
    let body = Body::parse(req)?;
    let name = body.required_title("name")?;
    let description = body.text("description")?.unwrap_or_default();
    let repository = match body.text("repository")?.filter(|r| !r.trim().is_empty()) {
        Some(r) => Some(
            aipm_core::forge::normalize_repository(&r)
                .map_err(|reason| ApiError::invalid("repository", reason))?,
        ),
        None => None,
    };
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

pub async fn update_project(app: &App, req: &Request) -> Input<Response> {
    let id = ProjectId(req.id_param("id")?);
    let body = Body::parse(req)?;
    let repository = match body.text("repository")? {
        None => None,
        Some(r) if r.trim().is_empty() => Some(None),
        Some(r) => Some(Some(
            aipm_core::forge::normalize_repository(&r)
                .map_err(|reason| ApiError::invalid("repository", reason))?,
        )),
    };
    let changes = ProjectChanges {
        name: body.title("name")?,
        description: body.text("description")?,
        repository,
        agent_network: body
            .text("agentNetwork")?
            .map(|n| AgentNetwork::parse(&n).map_err(|r| ApiError::invalid("agentNetwork", r)))
            .transpose()?,
    };
    let expected = req.expected_version(&body)?;
    Ok(Response::json(
        StatusCode::OK,
        &app.backlog.update_project(id, expected, changes).await?,
    ))
}
