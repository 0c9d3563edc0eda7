//! The MCP server: `tools/list` and `tools/call` over the tool table, under
//! a policy.

use super::args::Args;
use super::policy::Policy;
use super::{call, tools};
use aipm_api::{ApiError, App};
use rmcp::model::{
    CallToolRequestParams, CallToolResponse, Implementation, ListToolsResult,
    PaginatedRequestParams, ServerCapabilities, ServerConfig, Tool as McpTool, ToolAnnotations,
};
use rmcp::service::RequestContext;
use rmcp::{ErrorData, RoleServer, ServerHandler};
use std::sync::Arc;

/// Where a server's policy comes from.
#[derive(Clone)]
pub enum Policies {
    /// One policy for every client (stdio, `/mcp`).
    Fixed(Arc<Policy>),
    /// Each HTTP request carries its own (a coding agent's endpoint, where
    /// the bearer token names the run's story); a request without one is
    /// offered nothing.
    PerRequest,
}

#[derive(Clone)]
pub struct AipmMcp {
    app: App,
    policies: Policies,
}

const INSTRUCTIONS: &str = "AIPM's backlog: user stories with Given/When/Then acceptance tests. \
Read before you write: updates take the version you read and a stale one is refused with \
VERSION_CONFLICT. Errors carry the REST API's code, message and details.";

impl AipmMcp {
    /// `app` answers the calls; its own token check is turned off, since
    /// the transport has authenticated the client.
    pub fn new(app: App, policies: Policies) -> AipmMcp {
        let app = App {
            config: Arc::new(aipm_api::ApiConfig::default()),
            ..app
        };
        AipmMcp { app, policies }
    }

    fn policy(&self, context: &RequestContext<RoleServer>) -> Policy {
        match &self.policies {
            Policies::Fixed(p) => (**p).clone(),
            Policies::PerRequest => context
                .extensions
                .get::<http::request::Parts>()
                .and_then(|parts| parts.extensions.get::<Policy>())
                .cloned()
                .unwrap_or_else(Policy::nothing),
        }
    }
}

fn describe(tool: &tools::Tool) -> McpTool {
    let schema = match (tool.schema)() {
        serde_json::Value::Object(map) => map,
        _ => unreachable!("tool schemas are objects"),
    };
    McpTool::new(tool.name, tool.description, Arc::new(schema)).with_annotations(
        ToolAnnotations::new()
            .read_only(!tool.writes)
            .destructive(false)
            .open_world(false),
    )
}

impl ServerHandler for AipmMcp {
    fn get_info(&self) -> ServerConfig {
        ServerConfig::new(ServerCapabilities::builder().enable_tools().build())
            .with_server_info(Implementation::new("aipm", env!("CARGO_PKG_VERSION")))
            .with_instructions(INSTRUCTIONS)
    }

    async fn list_tools(
        &self,
        _request: Option<PaginatedRequestParams>,
        context: RequestContext<RoleServer>,
    ) -> Result<ListToolsResult, ErrorData> {
        let policy = self.policy(&context);
        let offered = tools::all()
            .iter()
            .filter(|t| policy.refusal(t).is_none())
            .map(describe)
            .collect();
        Ok(ListToolsResult::with_all_items(offered))
    }

    async fn call_tool(
        &self,
        request: CallToolRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, ErrorData> {
        let Some(tool) = tools::find(&request.name) else {
            return Err(ErrorData::invalid_params(
                format!("unknown tool '{}'", request.name),
                None,
            ));
        };
        let policy = self.policy(&context);
        if let Some(reason) = policy.refusal(&tool) {
            let refused = ApiError::new(http::StatusCode::FORBIDDEN, "TOOL_DISABLED", reason);
            return Ok(call::error_result(refused).into());
        }
        let args = Args(request.arguments.unwrap_or_default());
        let call = match (tool.request)(args) {
            Ok(call) => call,
            Err(e) => return Ok(call::error_result(e).into()),
        };
        if let Err(e) = policy.check_scope(&self.app, &tool, &call).await {
            return Ok(call::error_result(e).into());
        }
        Ok(call::execute(&self.app, call).await.into())
    }
}
