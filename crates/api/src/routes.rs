//! The one route table: the local server routes by it, each Lambda function
//! serves one of its operations, and a test checks that the OpenAPI document
//! and template.yaml name the same set.

use http::Method;

/// Every operation of the API. `name()` is the OpenAPI operationId and the
/// SAM logical id's stem; `function()` is the Lambda binary's name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Operation {
    GetStories,
    GetStory,
    CreateStory,
    UpdateStory,
    DeleteStory,
    CheckStory,
    DraftStory,
    CreateTest,
    UpdateTest,
    DeleteTest,
    DraftTest,
    AddDependency,
    RemoveDependency,
    CreateTask,
    UpdateTask,
    DeleteTask,
    ListProjects,
    CreateProject,
    GetProject,
    HealthCheck,
    Version,
    ExportBacklog,
    ImportBacklog,
    UpdateProject,
    GenerateCode,
    ListRuns,
    GetRun,
    CancelRun,
    RetryRun,
    FollowUpRun,
    ListPrs,
    StopTracking,
    MergePr,
}

pub struct Route {
    pub method: Method,
    /// A path with `{name}` segments, as OpenAPI and API Gateway write them.
    pub path: &'static str,
    pub operation: Operation,
}

macro_rules! routes {
    ($($method:ident $path:literal => $op:ident),+ $(,)?) => {
        pub fn routes() -> Vec<Route> {
            vec![$(Route { method: Method::$method, path: $path, operation: Operation::$op }),+]
        }
    };
}

routes!(
    GET "/api/stories" => GetStories,
    POST "/api/stories" => CreateStory,
    POST "/api/stories/draft" => DraftStory,
    GET "/api/stories/{id}" => GetStory,
    PATCH "/api/stories/{id}" => UpdateStory,
    PUT "/api/stories/{id}" => UpdateStory,
    DELETE "/api/stories/{id}" => DeleteStory,
    POST "/api/stories/{id}/health-check" => CheckStory,
    POST "/api/stories/{id}/tests" => CreateTest,
    POST "/api/stories/{id}/tests/draft" => DraftTest,
    PATCH "/api/tests/{id}" => UpdateTest,
    PUT "/api/tests/{id}" => UpdateTest,
    DELETE "/api/tests/{id}" => DeleteTest,
    POST "/api/stories/{id}/dependencies" => AddDependency,
    DELETE "/api/stories/{id}/dependencies/{dependsOnId}" => RemoveDependency,
    POST "/api/stories/{id}/tasks" => CreateTask,
    PATCH "/api/tasks/{id}" => UpdateTask,
    PUT "/api/tasks/{id}" => UpdateTask,
    DELETE "/api/tasks/{id}" => DeleteTask,
    GET "/api/projects" => ListProjects,
    POST "/api/projects" => CreateProject,
    GET "/api/projects/{id}" => GetProject,
    GET "/api/health" => HealthCheck,
    GET "/health" => HealthCheck,
    GET "/api/version" => Version,
    GET "/api/export" => ExportBacklog,
    POST "/api/import" => ImportBacklog,
    PATCH "/api/projects/{id}" => UpdateProject,
    POST "/api/stories/{id}/generate-code" => GenerateCode,
    GET "/api/stories/{id}/runs" => ListRuns,
    GET "/api/runs/{runId}" => GetRun,
    POST "/api/runs/{runId}/cancel" => CancelRun,
    POST "/api/runs/{runId}/retry" => RetryRun,
    POST "/api/runs/{runId}/follow-up" => FollowUpRun,
    GET "/api/stories/{id}/prs" => ListPrs,
    DELETE "/api/stories/{id}/prs/{number}" => StopTracking,
    POST "/api/stories/{id}/prs/{number}/merge" => MergePr,
);

impl Operation {
    pub const ALL: &'static [Operation] = &[
        Operation::GetStories,
        Operation::GetStory,
        Operation::CreateStory,
        Operation::UpdateStory,
        Operation::DeleteStory,
        Operation::CheckStory,
        Operation::DraftStory,
        Operation::CreateTest,
        Operation::UpdateTest,
        Operation::DeleteTest,
        Operation::DraftTest,
        Operation::AddDependency,
        Operation::RemoveDependency,
        Operation::CreateTask,
        Operation::UpdateTask,
        Operation::DeleteTask,
        Operation::ListProjects,
        Operation::CreateProject,
        Operation::GetProject,
        Operation::HealthCheck,
        Operation::Version,
        Operation::ExportBacklog,
        Operation::ImportBacklog,
        Operation::UpdateProject,
        Operation::GenerateCode,
        Operation::ListRuns,
        Operation::GetRun,
        Operation::CancelRun,
        Operation::RetryRun,
        Operation::FollowUpRun,
        Operation::ListPrs,
        Operation::StopTracking,
        Operation::MergePr,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Operation::GetStories => "getStories",
            Operation::GetStory => "getStory",
            Operation::CreateStory => "createStory",
            Operation::UpdateStory => "updateStory",
            Operation::DeleteStory => "deleteStory",
            Operation::CheckStory => "checkStory",
            Operation::DraftStory => "draftStory",
            Operation::CreateTest => "createTest",
            Operation::UpdateTest => "updateTest",
            Operation::DeleteTest => "deleteTest",
            Operation::DraftTest => "draftTest",
            Operation::AddDependency => "addDependency",
            Operation::RemoveDependency => "removeDependency",
            Operation::CreateTask => "createTask",
            Operation::UpdateTask => "updateTask",
            Operation::DeleteTask => "deleteTask",
            Operation::ListProjects => "listProjects",
            Operation::CreateProject => "createProject",
            Operation::GetProject => "getProject",
            Operation::HealthCheck => "healthCheck",
            Operation::Version => "version",
            Operation::ExportBacklog => "exportBacklog",
            Operation::ImportBacklog => "importBacklog",
            Operation::UpdateProject => "updateProject",
            Operation::GenerateCode => "generateCode",
            Operation::ListRuns => "listRuns",
            Operation::GetRun => "getRun",
            Operation::CancelRun => "cancelRun",
            Operation::RetryRun => "retryRun",
            Operation::FollowUpRun => "followUpRun",
            Operation::ListPrs => "listPrs",
            Operation::StopTracking => "stopTracking",
            Operation::MergePr => "mergePr",
        }
    }

    /// The Lambda binary: `getStories` → `get-stories`.
    pub fn function(self) -> String {
        let mut out = String::new();
        for c in self.name().chars() {
            if c.is_ascii_uppercase() {
                out.push('-');
                out.push(c.to_ascii_lowercase());
            } else {
                out.push(c);
            }
        }
        out
    }

    pub fn from_function(name: &str) -> Option<Operation> {
        Operation::ALL
            .iter()
            .copied()
            .find(|op| op.function() == name)
    }

    /// Health and version answer without the API token.
    pub fn is_public(self) -> bool {
        matches!(self, Operation::HealthCheck | Operation::Version)
    }
}

/// The outcome of matching a method and path against the table.
#[derive(Debug, PartialEq, Eq)]
pub enum Resolution {
    Found {
        operation: Operation,
        params: Vec<(String, String)>,
    },
    /// The path exists, but not with this method.
    MethodNotAllowed {
        allowed: Vec<Method>,
    },
    NotFound,
}

fn match_path(pattern: &str, path: &str) -> Option<Vec<(String, String)>> {
    let path = path
        .strip_suffix('/')
        .filter(|p| !p.is_empty())
        .unwrap_or(path);
    let mut params = Vec::new();
    let mut want = pattern.split('/');
    let mut got = path.split('/');
    loop {
        match (want.next(), got.next()) {
            (None, None) => return Some(params),
            (Some(w), Some(g)) if w.starts_with('{') && w.ends_with('}') && !g.is_empty() => {
                params.push((w[1..w.len() - 1].to_string(), g.to_string()));
            }
            (Some(w), Some(g)) if w == g => {}
            _ => return None,
        }
    }
}

pub fn resolve(method: &Method, path: &str) -> Resolution {
    let mut allowed = Vec::new();
    for route in routes() {
        if let Some(params) = match_path(route.path, path) {
            if route.method == *method || (*method == Method::HEAD && route.method == Method::GET) {
                return Resolution::Found {
                    operation: route.operation,
                    params,
                };
            }
            allowed.push(route.method);
        }
    }
    if allowed.is_empty() {
        Resolution::NotFound
    } else {
        Resolution::MethodNotAllowed { allowed }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literal_segments_win_over_parameters() {
        let Resolution::Found { operation, params } = resolve(&Method::POST, "/api/stories/draft")
        else {
            panic!()
        };
        assert_eq!(operation, Operation::DraftStory);
        assert!(params.is_empty());
    }

    #[test]
    fn parameters_are_captured_by_name() {
        let found = resolve(&Method::DELETE, "/api/stories/7/dependencies/9");
        assert_eq!(
            found,
            Resolution::Found {
                operation: Operation::RemoveDependency,
                params: vec![
                    ("id".into(), "7".into()),
                    ("dependsOnId".into(), "9".into())
                ]
            }
        );
    }

    #[test]
    fn wrong_method_and_unknown_path_are_told_apart() {
        assert!(matches!(
            resolve(&Method::POST, "/api/tests/3"),
            Resolution::MethodNotAllowed { .. }
        ));
        assert_eq!(resolve(&Method::GET, "/api/nothing"), Resolution::NotFound);
    }

    #[test]
    fn every_operation_has_a_route_and_a_function_name() {
        for op in Operation::ALL {
            assert!(
                routes().iter().any(|r| r.operation == *op),
                "{op:?} has no route"
            );
            assert_eq!(Operation::from_function(&op.function()), Some(*op));
        }
        assert_eq!(Operation::GetStories.function(), "get-stories");
    }
}
