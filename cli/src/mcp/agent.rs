//! The MCP endpoint for coding agents: on loopback, beside the workers of
//! this process. A bearer token the worker made for one run opens it for
//! that run's story only (`Policy::story`); anything else, including a web
//! page, is refused. Tokens live in memory and end with their run.

use super::policy::Policy;
use super::server::{AipmMcp, Policies};
use aipm_api::{same_secret, ApiConfig, ApiError, App};
use aipm_core::backlog::Backlog;
use aipm_core::domain::StoryId;
use aipm_worker::mcp_config::AgentMcp;
use axum::extract::{Request, State};
use axum::middleware::{self, Next};
use axum::response::Response;
use rmcp::transport::streamable_http_server::session::local::LocalSessionManager;
use rmcp::transport::{StreamableHttpServerConfig, StreamableHttpService};
use std::sync::{Arc, Mutex};

#[derive(Default)]
struct Grants(Mutex<Vec<(String, StoryId)>>);

impl Grants {
    fn story_of(&self, token: &str) -> Option<StoryId> {
        let grants = self.0.lock().expect("not poisoned");
        grants
            .iter()
            .find(|(t, _)| same_secret(t.as_bytes(), token.as_bytes()))
            .map(|(_, s)| *s)
    }
}

pub struct AgentEndpoint {
    url: String,
    grants: Arc<Grants>,
}

impl AgentMcp for AgentEndpoint {
    fn url(&self) -> String {
        self.url.clone()
    }

    fn allow(&self, token: &str, story: StoryId) {
        let mut grants = self.grants.0.lock().expect("not poisoned");
        grants.push((token.to_string(), story));
    }

    fn revoke(&self, token: &str) {
        let mut grants = self.grants.0.lock().expect("not poisoned");
        grants.retain(|(t, _)| t != token);
    }
}

/// The endpoint for the workers of this process, unless `AIPM_AGENT_MCP`
/// is `off`. It runs until the process ends.
pub async fn for_workers(backlog: &Backlog) -> anyhow::Result<Option<Arc<dyn AgentMcp>>> {
    if std::env::var("AIPM_AGENT_MCP").is_ok_and(|v| v.eq_ignore_ascii_case("off")) {
        return Ok(None);
    }
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let url = format!("http://{}/mcp", listener.local_addr()?);
    let grants = Arc::new(Grants::default());
    let app = App::new(backlog.clone(), ApiConfig::default());
    let server = AipmMcp::new(app, Policies::PerRequest);
    let service = StreamableHttpService::new(
        move || Ok(server.clone()),
        Arc::new(LocalSessionManager::default()),
        StreamableHttpServerConfig::default(),
    );
    let router = axum::Router::new()
        .route_service("/mcp", service)
        .layer(middleware::from_fn_with_state(grants.clone(), guard));
    tokio::spawn(async move {
        if let Err(e) = axum::serve(listener, router).await {
            tracing::error!(error = %e, "the agents' MCP endpoint stopped");
        }
    });
    tracing::info!(%url, "MCP endpoint for coding agents");
    Ok(Some(Arc::new(AgentEndpoint { url, grants })))
}

async fn guard(State(grants): State<Arc<Grants>>, mut request: Request, next: Next) -> Response {
    let story = request
        .headers()
        .get(http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .and_then(|token| grants.story_of(token));
    let from_a_page = request.headers().contains_key(http::header::ORIGIN);
    match story {
        Some(story) if !from_a_page => {
            request.extensions_mut().insert(Policy::story(story));
            next.run(request).await
        }
        _ => super::http::refuse(ApiError::unauthorized()),
    }
}
