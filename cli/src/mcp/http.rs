//! MCP over streamable HTTP at `/mcp` of `aipm serve`, behind the API's
//! token. Browsers are kept out: a request from a page whose origin is not
//! in `--cors-origins` is refused, and without a token only loopback host
//! names are served (DNS rebinding).

use super::policy::Policy;
use super::server::{AipmMcp, Policies};
use aipm_api::{self as api, ApiError, App};
use axum::body::Body;
use axum::extract::{Request, State};
use axum::middleware::{self, Next};
use axum::response::Response;
use rmcp::transport::streamable_http_server::session::local::LocalSessionManager;
use rmcp::transport::{StreamableHttpServerConfig, StreamableHttpService};
use std::sync::Arc;

/// Stops the open MCP streams, so that a graceful shutdown is not held up
/// by clients that keep a stream open.
pub type Shutdown = Box<dyn FnOnce() + Send>;

/// The `/mcp` endpoint for `app` under `policy`, and its shutdown.
pub fn endpoint(app: &App, policy: Policy) -> (axum::Router, Shutdown) {
    let config = app.config.clone();
    let mut http = StreamableHttpServerConfig::default();
    if config.api_token.is_some() {
        // The token guards the endpoint; any host name may reach it.
        http = http.disable_allowed_hosts();
    }
    let cancel = http.cancellation_token.clone();
    let server = AipmMcp::new(app.clone(), Policies::Fixed(Arc::new(policy)));
    let service = StreamableHttpService::new(
        move || Ok(server.clone()),
        Arc::new(LocalSessionManager::default()),
        http,
    );
    let router = axum::Router::new()
        .fallback_service(service)
        .layer(middleware::from_fn_with_state(config, guard));
    (router, Box::new(move || cancel.cancel()))
}

pub(super) fn refuse(error: ApiError) -> Response {
    let answer = error.into_response("mcp");
    let mut out = Response::new(Body::from(answer.body));
    *out.status_mut() = answer.status;
    *out.headers_mut() = answer.headers;
    out
}

async fn guard(
    State(config): State<Arc<api::ApiConfig>>,
    request: Request,
    next: Next,
) -> Response {
    if let Some(origin) = request.headers().get(http::header::ORIGIN) {
        let allowed = config
            .cors_origins
            .iter()
            .any(|o| o == "*" || origin.to_str().is_ok_and(|v| v == o));
        if !allowed {
            return refuse(ApiError::new(
                http::StatusCode::FORBIDDEN,
                "ORIGIN_NOT_ALLOWED",
                "MCP requests from a web page are refused unless its origin is in --cors-origins",
            ));
        }
    }
    if !api::authorized(&config, request.headers()) {
        return refuse(ApiError::unauthorized());
    }
    next.run(request).await
}
