//! One handler per operation: a plain async function from the request to a
//! response, calling the backlog.

pub mod codegen;
pub mod items;
pub mod meta;
pub mod projects;
pub mod quality;
pub mod stories;
pub mod transfer;

use crate::input::Input;
use crate::{App, Operation, Request, Response};
use std::future::Future;
use std::pin::Pin;

/// What a handler returns: its answer, or an error the API maps to a status.
pub type HandlerFuture<'a> = Pin<Box<dyn Future<Output = Input<Response>> + Send + 'a>>;

/// A handler: a plain async function from the request to a response.
pub type Handler = for<'a> fn(&'a App, &'a Request) -> HandlerFuture<'a>;

/// One operation of the API with its handler. A Lambda function serves one
/// endpoint by naming it (`aipm_api::endpoints::GET_STORIES`), so its binary
/// links that handler and what it calls, not the others.
#[derive(Clone, Copy)]
pub struct Endpoint {
    pub operation: Operation,
    pub handler: Handler,
}

macro_rules! endpoints {
    ($($name:ident = $op:ident => $handler:path),+ $(,)?) => {
        $(
            pub const $name: Endpoint = Endpoint {
                operation: Operation::$op,
                handler: |app, req| Box::pin($handler(app, req)),
            };
        )+

        /// Every endpoint, for the local server's routing.
        pub const ALL: &[Endpoint] = &[$($name),+];
    };
}

endpoints!(
    GET_STORIES = GetStories => stories::get_stories,
    GET_STORY = GetStory => stories::get_story,
    CREATE_STORY = CreateStory => stories::create_story,
    UPDATE_STORY = UpdateStory => stories::update_story,
    DELETE_STORY = DeleteStory => stories::delete_story,
    CHECK_STORY = CheckStory => quality::check_story,
    DRAFT_STORY = DraftStory => quality::draft_story,
    DRAFT_TEST = DraftTest => quality::draft_test,
    CREATE_TEST = CreateTest => items::create_test,
    UPDATE_TEST = UpdateTest => items::update_test,
    DELETE_TEST = DeleteTest => items::delete_test,
    ADD_DEPENDENCY = AddDependency => items::add_dependency,
    REMOVE_DEPENDENCY = RemoveDependency => items::remove_dependency,
    CREATE_TASK = CreateTask => items::create_task,
    UPDATE_TASK = UpdateTask => items::update_task,
    DELETE_TASK = DeleteTask => items::delete_task,
    LIST_PROJECTS = ListProjects => projects::list_projects,
    CREATE_PROJECT = CreateProject => projects::create_project,
    GET_PROJECT = GetProject => projects::get_project,
    UPDATE_PROJECT = UpdateProject => projects::update_project,
    HEALTH_CHECK = HealthCheck => meta::health,
    VERSION = Version => meta::version,
    EXPORT_BACKLOG = ExportBacklog => transfer::export,
    IMPORT_BACKLOG = ImportBacklog => transfer::import,
    GENERATE_CODE = GenerateCode => codegen::generate_code,
    LIST_RUNS = ListRuns => codegen::list_runs,
    GET_RUN = GetRun => codegen::get_run,
    CANCEL_RUN = CancelRun => codegen::cancel_run,
    RETRY_RUN = RetryRun => codegen::retry_run,
    FOLLOW_UP_RUN = FollowUpRun => codegen::follow_up_run,
    LIST_PRS = ListPrs => codegen::list_prs,
    STOP_TRACKING = StopTracking => codegen::stop_tracking,
    MERGE_PR = MergePr => codegen::merge_pr,
);

/// The endpoint of an operation.
pub fn endpoint(operation: Operation) -> Endpoint {
    *ALL.iter()
        .find(|e| e.operation == operation)
        .expect("every operation has an endpoint")
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_operation_has_exactly_one_endpoint() {
        for op in crate::Operation::ALL {
            assert_eq!(
                super::ALL.iter().filter(|e| e.operation == *op).count(),
                1,
                "{op:?}"
            );
        }
    }
}
