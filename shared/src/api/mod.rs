//! The HTTP API (DESIGN §3): one request type, one response type, one route
//! table and one handler per operation. The local server (`aipm serve`) and
//! the Lambda functions (`lambda`) are two thin ways of calling `respond`.

mod error;
mod guard;
mod handlers;
mod input;
mod json;
pub mod lambda;
mod routes;

pub use error::ApiError;
pub use routes::{resolve, routes, Operation, Resolution, Route};

use crate::backlog::Backlog;
use crate::codegen::CodeGen;
use crate::quality::{LlmClient, LlmConfig};
use http::{HeaderMap, HeaderValue, Method, StatusCode};
use serde::Serialize;
use std::sync::Arc;

/// Largest request body accepted.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

/// A request, as both front doors hand it over.
#[derive(Debug, Clone, Default)]
pub struct Request {
    pub method: Method,
    pub path: String,
    pub query: Vec<(String, String)>,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
    /// Path parameters by name (`id`, `dependsOnId`).
    pub params: Vec<(String, String)>,
    /// Echoed in logs and in 5xx answers.
    pub request_id: String,
}

#[derive(Debug, Clone)]
pub struct Response {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

impl Response {
    pub fn json<T: Serialize>(status: StatusCode, value: &T) -> Response {
        let body = serde_json::to_vec(value).expect("API values serialize");
        let mut headers = HeaderMap::new();
        headers.insert(
            http::header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        Response {
            status,
            headers,
            body,
        }
    }

    pub fn empty(status: StatusCode) -> Response {
        Response {
            status,
            headers: HeaderMap::new(),
            body: Vec::new(),
        }
    }

    /// The body as JSON, for tests.
    pub fn json_body(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or(serde_json::Value::Null)
    }
}

/// Build facts reported by `/api/version` and `/api/health`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct BuildInfo {
    pub version: &'static str,
    pub commit: &'static str,
}

impl BuildInfo {
    pub fn current() -> Self {
        BuildInfo {
            version: env!("CARGO_PKG_VERSION"),
            commit: env!("AIPM_GIT_COMMIT"),
        }
    }
}

/// A secret that never prints.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(***)")
    }
}

/// Settings of the API itself.
#[derive(Debug, Clone, Default)]
pub struct ApiConfig {
    /// With a token, every `/api/` request but health and version needs
    /// `Authorization: Bearer <token>`.
    pub api_token: Option<Secret>,
    /// Origins allowed by CORS; `*` allows any.
    pub cors_origins: Vec<String>,
}

impl ApiConfig {
    /// `AIPM_API_TOKEN` and `AIPM_CORS_ORIGINS` (comma-separated).
    pub fn from_env() -> Self {
        ApiConfig {
            api_token: std::env::var("AIPM_API_TOKEN")
                .ok()
                .filter(|t| !t.is_empty())
                .map(Secret::new),
            cors_origins: std::env::var("AIPM_CORS_ORIGINS")
                .map(|v| {
                    v.split(',')
                        .map(|o| o.trim().to_string())
                        .filter(|o| !o.is_empty())
                        .collect()
                })
                .unwrap_or_default(),
        }
    }
}

/// Everything a handler needs, built once per process.
#[derive(Clone)]
pub struct App {
    pub backlog: Backlog,
    pub config: Arc<ApiConfig>,
    pub build: BuildInfo,
    /// The optional LLM (any OpenAI-compatible Chat Completions endpoint).
    pub llm: Option<Arc<LlmClient>>,
    /// Code generation, where a queue and a forge are configured.
    pub codegen: Option<Arc<CodeGen>>,
}

impl App {
    pub fn new(backlog: Backlog, config: ApiConfig) -> Self {
        App {
            backlog,
            config: Arc::new(config),
            build: BuildInfo::current(),
            llm: None,
            codegen: None,
        }
    }

    pub fn with_codegen(mut self, codegen: Option<CodeGen>) -> Self {
        self.codegen = codegen.map(Arc::new);
        self
    }

    pub fn with_llm(mut self, llm: Option<LlmClient>) -> Self {
        self.llm = llm.map(Arc::new);
        self
    }

    /// The LLM client the environment configures (`AIPM_LLM_*`; the key may
    /// come from the SSM parameter named by `AIPM_LLM_API_KEY_PARAM`), if any.
    pub async fn llm_from_env() -> crate::Result<Option<LlmClient>> {
        let Some(mut config) = LlmConfig::from_env() else {
            return Ok(None);
        };
        if let Some(key) =
            crate::config::secret_from_env_or_ssm("AIPM_LLM_API_KEY", "AIPM_LLM_API_KEY_PARAM")
                .await?
        {
            config.api_key = Some(crate::quality::ApiKey::new(key.expose()));
        }
        LlmClient::new(config)
            .map(Some)
            .map_err(|e| crate::Error::internal("configuring the LLM client", e.to_string()))
    }
}

/// Constant-time comparison, so the token cannot be guessed byte by byte.
fn same_secret(a: &[u8], b: &[u8]) -> bool {
    let mut diff = a.len() ^ b.len();
    for i in 0..a.len().max(b.len()) {
        diff |= usize::from(a.get(i).copied().unwrap_or(0) ^ b.get(i).copied().unwrap_or(0));
    }
    diff == 0
}

/// Whether the request carries the token (always, when none is configured).
pub(crate) fn authorized(config: &ApiConfig, headers: &HeaderMap) -> bool {
    let Some(token) = &config.api_token else {
        return true;
    };
    let given = headers
        .get(http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or("");
    same_secret(given.as_bytes(), token.expose().as_bytes())
}

/// Answer one request for a known operation: auth, the handler, errors as
/// `{message, code, details}`.
pub async fn respond(app: &App, operation: Operation, req: Request) -> Response {
    if !operation.is_public() && !authorized(&app.config, &req.headers) {
        return ApiError::unauthorized().into_response(&req.request_id);
    }
    if req.body.len() > MAX_BODY_BYTES {
        return ApiError::too_large().into_response(&req.request_id);
    }
    let request_id = req.request_id.clone();
    match handlers::handle(app, operation, &req).await {
        Ok(response) => response,
        Err(err) => {
            let response = err.into_response(&request_id);
            if response.status.is_server_error() {
                tracing::error!(request_id = %request_id, operation = operation.name(), status = response.status.as_u16(), "request failed");
            }
            response
        }
    }
}

/// The local server's answer from a request's head alone, before its body is
/// read: a refusal (encoding, origin, token, content type, size), or `None`
/// to go on and read the body.
pub fn admit(app: &App, method: &Method, path: &str, headers: &HeaderMap) -> Option<Response> {
    if *method == Method::OPTIONS {
        return None;
    }
    let Resolution::Found { operation, .. } = resolve(method, path) else {
        return None;
    };
    let refusal = match guard::check(
        &app.config,
        operation,
        method,
        headers,
        guard::announces_body(headers),
    ) {
        Err(e) => e,
        Ok(()) if guard::content_length(headers).is_some_and(|n| n > MAX_BODY_BYTES as u64) => {
            ApiError::too_large()
        }
        Ok(()) => return None,
    };
    let mut response = refusal.into_response("");
    add_cors(
        &app.config,
        headers.get(http::header::ORIGIN),
        &mut response.headers,
    );
    Some(response)
}

/// Route and answer a request the way the local server does: CORS preflight,
/// the route table, the browser protections (`guard`), then `respond`. CORS
/// headers are added to every answer.
pub async fn serve(app: &App, mut req: Request) -> Response {
    let origin = req.headers.get(http::header::ORIGIN).cloned();
    let mut response = if req.method == Method::OPTIONS {
        Response::empty(StatusCode::NO_CONTENT)
    } else {
        match resolve(&req.method, &req.path) {
            Resolution::Found { operation, params } => {
                req.params = params;
                let has_body = !req.body.is_empty();
                match guard::check(&app.config, operation, &req.method, &req.headers, has_body) {
                    Ok(()) => respond(app, operation, req).await,
                    Err(e) => e.into_response(&req.request_id),
                }
            }
            Resolution::MethodNotAllowed { allowed } => {
                let mut r = ApiError::method_not_allowed(&req.method, &req.path)
                    .into_response(&req.request_id);
                let list: Vec<&str> = allowed.iter().map(Method::as_str).collect();
                if let Ok(v) = HeaderValue::from_str(&list.join(", ")) {
                    r.headers.insert(http::header::ALLOW, v);
                }
                r
            }
            Resolution::NotFound => {
                ApiError::route_not_found(&req.method, &req.path).into_response(&req.request_id)
            }
        }
    };
    add_cors(&app.config, origin.as_ref(), &mut response.headers);
    response
}

fn add_cors(config: &ApiConfig, origin: Option<&HeaderValue>, headers: &mut HeaderMap) {
    let Some(origin) = origin else { return };
    let allowed = config
        .cors_origins
        .iter()
        .any(|o| o == "*" || origin.to_str().is_ok_and(|v| v == o));
    if !allowed {
        return;
    }
    headers.insert(http::header::ACCESS_CONTROL_ALLOW_ORIGIN, origin.clone());
    headers.insert(http::header::VARY, HeaderValue::from_static("Origin"));
    headers.insert(
        http::header::ACCESS_CONTROL_ALLOW_METHODS,
        HeaderValue::from_static("GET, POST, PUT, PATCH, DELETE, OPTIONS"),
    );
    headers.insert(
        http::header::ACCESS_CONTROL_ALLOW_HEADERS,
        HeaderValue::from_static("Authorization, Content-Type, If-Match"),
    );
    headers.insert(
        http::header::ACCESS_CONTROL_MAX_AGE,
        HeaderValue::from_static("600"),
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_compare_whole() {
        assert!(same_secret(b"abc", b"abc"));
        assert!(!same_secret(b"abc", b"abd"));
        assert!(!same_secret(b"abc", b"abcd"));
        assert!(!same_secret(b"", b"a"));
        assert_eq!(format!("{:?}", Secret::new("hunter2")), "Secret(***)");
    }
}
