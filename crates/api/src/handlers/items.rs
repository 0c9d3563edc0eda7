//! Acceptance tests, tasks and dependency links.

use crate::input::{Body, Input};
use crate::{ApiError, App, Request, Response};
use aipm_core::backlog::{NewTask, NewTest, TestView};
use aipm_core::domain::{
    Relationship, StoryId, TaskChanges, TaskId, TaskStatus, TestChanges, TestId, TestStatus,
};
use http::StatusCode;

fn required<T>(value: Option<T>, field: &str) -> Input<T> {
    value.ok_or_else(|| ApiError::invalid(field, "is required"))
}

pub async fn create_test(app: &App, req: &Request) -> Input<Response> {
    let story = StoryId(req.id_param("id")?);
    let body = Body::parse(req)?;
    let new = NewTest {
        title: body.title("title")?,
        given: required(body.steps("given")?, "given")?,
        when: required(body.steps("when")?, "when")?,
        then: required(body.steps("then")?, "then")?,
        status: body
            .label("status", TestStatus::parse)?
            .unwrap_or(TestStatus::Draft),
    };
    let test = app
        .backlog
        .create_test(story, new, body.bool("acceptWarnings")?)
        .await?;
    Ok(Response::json(StatusCode::CREATED, &TestView::from(test)))
}

pub async fn update_test(app: &App, req: &Request) -> Input<Response> {
    let id = TestId(req.id_param("id")?);
    let body = Body::parse(req)?;
    let expected = req.expected_version(&body)?;
    let changes = TestChanges {
        title: body.title("title")?,
        given: body.steps("given")?,
        when: body.steps("when")?,
        then: body.steps("then")?,
        status: body.label("status", TestStatus::parse)?,
        evidence: None,
    };
    let test = app
        .backlog
        .update_test(id, expected, changes, body.bool("acceptWarnings")?)
        .await?;
    Ok(Response::json(StatusCode::OK, &TestView::from(test)))
}

pub async fn delete_test(app: &App, req: &Request) -> Input<Response> {
    let id = TestId(req.id_param("id")?);
    let body = Body::parse(req)?;
    app.backlog
        .delete_test(id, req.expected_version(&body)?)
        .await?;
    Ok(Response::empty(StatusCode::NO_CONTENT))
}

pub async fn create_task(app: &App, req: &Request) -> Input<Response> {
    let story = StoryId(req.id_param("id")?);
    let body = Body::parse(req)?;
    let new = NewTask {
        title: body.required_title("title")?,
        description: body.text("description")?.unwrap_or_default(),
        status: body
            .label("status", TaskStatus::parse)?
            .unwrap_or(TaskStatus::NotStarted),
        assignee_email: body.required_email("assigneeEmail")?,
        estimation_hours: body.hours("estimationHours")?.flatten(),
    };
    let task = app.backlog.create_task(story, new).await?;
    Ok(Response::json(StatusCode::CREATED, &task))
}

pub async fn update_task(app: &App, req: &Request) -> Input<Response> {
    let id = TaskId(req.id_param("id")?);
    let body = Body::parse(req)?;
    let expected = req.expected_version(&body)?;
    let assignee = match body.email("assigneeEmail")? {
        Some(None) => {
            return Err(ApiError::invalid(
                "assigneeEmail",
                "a task needs an assignee",
            ))
        }
        other => other.flatten(),
    };
    let changes = TaskChanges {
        title: body.title("title")?,
        description: body.text("description")?,
        status: body.label("status", TaskStatus::parse)?,
        assignee_email: assignee,
        estimation_hours: body.hours("estimationHours")?,
    };
    let task = app.backlog.update_task(id, expected, changes).await?;
    Ok(Response::json(StatusCode::OK, &task))
}

pub async fn delete_task(app: &App, req: &Request) -> Input<Response> {
    let id = TaskId(req.id_param("id")?);
    let body = Body::parse(req)?;
    app.backlog
        .delete_task(id, req.expected_version(&body)?)
        .await?;
    Ok(Response::empty(StatusCode::NO_CONTENT))
}

pub async fn add_dependency(app: &App, req: &Request) -> Input<Response> {
    let story = StoryId(req.id_param("id")?);
    let body = Body::parse(req)?;
    let target = required(body.id("dependsOnStoryId")?.flatten(), "dependsOnStoryId")?;
    let relationship = body
        .label("relationship", Relationship::parse)?
        .unwrap_or(Relationship::Depends);
    app.backlog
        .add_dependency(story, StoryId(target), relationship)
        .await?;
    Ok(Response::json(
        StatusCode::CREATED,
        &app.backlog.story_view(story).await?,
    ))
}

pub async fn remove_dependency(app: &App, req: &Request) -> Input<Response> {
    let story = StoryId(req.id_param("id")?);
    let target = StoryId(req.id_param("dependsOnId")?);
    app.backlog.remove_dependency(story, target).await?;
    Ok(Response::empty(StatusCode::NO_CONTENT))
}
