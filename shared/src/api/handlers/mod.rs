//! One handler per operation: a plain async function from the request to a
//! response, calling the backlog.

mod codegen;
mod items;
mod meta;
mod projects;
mod quality;
mod stories;
mod transfer;

use super::{ApiError, App, Operation, Request, Response};

pub async fn handle(app: &App, operation: Operation, req: &Request) -> Result<Response, ApiError> {
    use Operation::*;
    match operation {
        GetStories => stories::get_stories(app, req).await,
        GetStory => stories::get_story(app, req).await,
        CreateStory => stories::create_story(app, req).await,
        UpdateStory => stories::update_story(app, req).await,
        DeleteStory => stories::delete_story(app, req).await,
        CheckStory => quality::check_story(app, req).await,
        DraftStory => quality::draft_story(app, req).await,
        DraftTest => quality::draft_test(app, req).await,
        CreateTest => items::create_test(app, req).await,
        UpdateTest => items::update_test(app, req).await,
        DeleteTest => items::delete_test(app, req).await,
        AddDependency => items::add_dependency(app, req).await,
        RemoveDependency => items::remove_dependency(app, req).await,
        CreateTask => items::create_task(app, req).await,
        UpdateTask => items::update_task(app, req).await,
        DeleteTask => items::delete_task(app, req).await,
        ListProjects => projects::list_projects(app).await,
        CreateProject => projects::create_project(app, req).await,
        GetProject => projects::get_project(app, req).await,
        HealthCheck => meta::health(app, req).await,
        Version => Ok(meta::version(app)),
        ExportBacklog => transfer::export(app, req).await,
        ImportBacklog => transfer::import(app, req).await,
        UpdateProject => projects::update_project(app, req).await,
        GenerateCode => codegen::generate_code(app, req).await,
        ListRuns => codegen::list_runs(app, req).await,
        GetRun => codegen::get_run(app, req).await,
        CancelRun => codegen::cancel_run(app, req).await,
        RetryRun => codegen::retry_run(app, req).await,
        ListPrs => codegen::list_prs(app, req).await,
        StopTracking => codegen::stop_tracking(app, req).await,
        MergePr => codegen::merge_pr(app, req).await,
    }
}
