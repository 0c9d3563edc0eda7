use crate::input::{Body, Input};
use crate::{App, Request, Response};
use aipm_core::backlog::{NewStory, Shape};
use aipm_core::domain::{Project, ProjectId, StoryChanges, StoryContent, StoryId, StoryStatus};
use aipm_core::quality::StoryText;
use http::StatusCode;

/// The project a request names (`projectId` in the query), else the default.
pub(super) fn project_of(req: &Request) -> Input<ProjectId> {
    Ok(req
        .query_id("projectId")?
        .map(ProjectId)
        .unwrap_or(Project::DEFAULT_ID))
}

/// The `view` a read asks for: lean (the default), the original's full
/// shape, or (for the story list only) the outline's summary.
fn shape_of(req: &Request, accepted: &[&str]) -> Input<Shape> {
    let Some(name) = req.query_value("view") else {
        return Ok(Shape::Lean);
    };
    match Shape::parse(name).filter(|_| accepted.contains(&name)) {
        Some(shape) => Ok(shape),
        None => Err(crate::ApiError::invalid(
            "view",
            format!("'{name}' is not one of: {}", accepted.join(", ")),
        )),
    }
}

pub async fn get_stories(app: &App, req: &Request) -> Input<Response> {
    let project = project_of(req)?;
    let shape = shape_of(req, Shape::NAMES)?;
    app.backlog.project(project).await?;
    let stories = if req.query_flag("flat")? {
        app.backlog.story_list(project).await?
    } else {
        app.backlog.story_tree(project).await?
    };
    // Written without recursion, so a tree of any depth answers.
    let mut response = Response::json(StatusCode::OK, &());
    response.body = aipm_core::backlog::views_json_as(&stories, shape);
    Ok(response)
}

pub async fn get_story(app: &App, req: &Request) -> Input<Response> {
    let id = StoryId(req.id_param("id")?);
    let shape = shape_of(req, &["lean", "full"])?;
    Ok(Response::json(
        StatusCode::OK,
        &app.backlog.story_view(id).await?.shaped(shape),
    ))
}

/// The story fields of a create or update body.
fn changes(body: &Body) -> Input<StoryChanges> {
    Ok(StoryChanges {
        title: body.title("title")?,
        description: body.text("description")?,
        as_a: body.text("asA")?,
        i_want: body.text("iWant")?,
        so_that: body.text("soThat")?,
        components: body.components("components")?,
        story_point: body.story_point("storyPoint")?,
        assignee_email: body.email("assigneeEmail")?,
        status: body.label("status", StoryStatus::parse)?,
        parent_id: body.id("parentId")?.map(|p| p.map(StoryId)),
    })
}

pub async fn create_story(app: &App, req: &Request) -> Input<Response> {
    let body = Body::parse(req)?;
    let title = body.required_title("title")?;
    let c = changes(&body)?;
    // `mrId` is the original AIPM's name for the project.
    let project_id = match body.u64("projectId")?.or(body.u64("mrId")?) {
        Some(id) => ProjectId(id),
        None => project_of(req)?,
    };
    let new = NewStory {
        project_id,
        parent_id: c.parent_id.flatten(),
        title,
        content: StoryContent {
            description: c.description.unwrap_or_default(),
            as_a: c.as_a.unwrap_or_default(),
            i_want: c.i_want.unwrap_or_default(),
            so_that: c.so_that.unwrap_or_default(),
            components: c.components.unwrap_or_default(),
            story_point: c.story_point.flatten(),
        },
        assignee_email: c.assignee_email.flatten(),
        status: c.status.unwrap_or(StoryStatus::Draft),
    };
    let accept = body.bool("acceptWarnings")?;
    // Rule 5: every new story starts with one Draft test drafted from it.
    let text = StoryText::new(None, &new.title, &new.content);
    let (first_test, _) = super::quality::draft_test_for(app, &text, None).await;
    let story = app
        .backlog
        .create_story(new, Some(first_test), accept)
        .await?;
    Ok(Response::json(
        StatusCode::CREATED,
        &app.backlog.story_view(story.id).await?,
    ))
}

pub async fn update_story(app: &App, req: &Request) -> Input<Response> {
    let id = StoryId(req.id_param("id")?);
    let body = Body::parse(req)?;
    let expected = req.expected_version(&body)?;
    let accept = body.bool("acceptWarnings")?;
    let story = app
        .backlog
        .update_story(id, expected, changes(&body)?, accept)
        .await?;
    Ok(Response::json(
        StatusCode::OK,
        &app.backlog.story_view(story.id).await?,
    ))
}

pub async fn delete_story(app: &App, req: &Request) -> Input<Response> {
    let id = StoryId(req.id_param("id")?);
    let body = Body::parse(req)?;
    let expected = match req.query_value("version") {
        Some(v) => Some(v.parse::<u64>().map_err(|_| {
            crate::ApiError::invalid("version", format!("'{v}' is not a version number"))
        })?),
        None => req.expected_version(&body)?,
    };
    app.backlog.delete_story(id, expected).await?;
    Ok(Response::empty(StatusCode::NO_CONTENT))
}
