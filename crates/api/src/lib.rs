//! The HTTP API (DESIGN §3): one request type, one response type, one route
//! table and one handler per operation. The local server (`aipm serve`) and
//! the Lambda functions (`lambda`) are two thin ways of calling `respond`.

mod error;
mod guard;
pub mod handlers;
pub use handlers as endpoints;
mod input;
mod json;
mod routes;

pub use error::ApiError;
pub use handlers::{Endpoint, Handler};
pub use routes::{resolve, routes, Operation, Resolution, Route};

use aipm_core::backlog::Backlog;
use aipm_core::codegen::CodeGen;
use aipm_core::forge::Forge;
use aipm_core::quality::Llm;
use aipm_core::queue::Queue;
pub use aipm_core::Secret;
use http::{HeaderMap, HeaderValue, Method, StatusCode};
use serde::Serialize;
use std::sync::Arc;
use tracing::Instrument;

/// Largest request body accepted, except by the import.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

/// Largest backlog file `POST /api/import` accepts: a real backlog of ten
/// thousand stories with their tests is tens of megabytes.
pub const MAX_IMPORT_BYTES: usize = 64 * 1024 * 1024;

/// The body limit of an operation.
pub fn body_limit(operation: Operation) -> usize {
    if operation == Operation::ImportBacklog {
        MAX_IMPORT_BYTES
    } else {
        MAX_BODY_BYTES
    }
}

/// The body limit of the operation a request names (`MAX_BODY_BYTES` when
/// it names none), for a front door that reads bodies before routing.
pub fn body_limit_for(method: &Method, path: &str) -> usize {
    match resolve(method, path) {
        Resolution::Found { operation, .. } => body_limit(operation),
        _ => MAX_BODY_BYTES,
    }
}

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
            api_token: aipm_core::secrets::var("AIPM_API_TOKEN")
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
    pub llm: Option<Arc<dyn Llm>>,
    /// Code generation, where a queue and a forge are configured.
    pub codegen: Option<Arc<CodeGen>>,
    /// The job queue, for health: code generation's, or the queue alone
    /// where a function reads its depth and starts no runs.
    pub queue: Option<Arc<dyn Queue>>,
    /// The forge, for the PR operations: code generation's, or the forge
    /// alone where a function merges or closes PRs and starts no runs.
    pub forge: Option<Arc<dyn Forge>>,
}

impl App {
    pub fn new(backlog: Backlog, config: ApiConfig) -> Self {
        App {
            backlog,
            config: Arc::new(config),
            build: BuildInfo::current(),
            llm: None,
            codegen: None,
            queue: None,
            forge: None,
        }
    }

    pub fn with_codegen(mut self, codegen: Option<CodeGen>) -> Self {
        if let Some(codegen) = &codegen {
            self.queue = Some(codegen.queue.clone());
            self.forge = Some(codegen.forge.clone());
        }
        self.codegen = codegen.map(Arc::new);
        self
    }

    pub fn with_queue(mut self, queue: Arc<dyn Queue>) -> Self {
        self.queue = Some(queue);
        self
    }

    pub fn with_forge(mut self, forge: Arc<dyn Forge>) -> Self {
        self.forge = Some(forge);
        self
    }

    pub fn with_llm(mut self, llm: Option<Arc<dyn Llm>>) -> Self {
        self.llm = llm;
        self
    }
}

/// Decode a query string (`a=1&b=x%20y`) into pairs, as browsers encode
/// forms: `+` is a space, a bad escape stays as written.
pub fn parse_query(raw: &str) -> Vec<(String, String)> {
    form_urlencoded::parse(raw.as_bytes())
        .into_owned()
        .collect()
}

/// Constant-time comparison, so the token cannot be guessed byte by byte.
pub fn same_secret(a: &[u8], b: &[u8]) -> bool {
    let mut diff = a.len() ^ b.len();
    for i in 0..a.len().max(b.len()) {
        diff |= usize::from(a.get(i).copied().unwrap_or(0) ^ b.get(i).copied().unwrap_or(0));
    }
    diff == 0
}

/// Whether `headers` carry the API token (always, when there is none); also
/// the check of the MCP endpoint `aipm serve` mounts beside the API.
pub fn authorized(config: &ApiConfig, headers: &HeaderMap) -> bool {
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

/// Answer one request for an endpoint: the request checks (`guard`: encoding,
/// origin of a write, token, content type), the handler, errors as
/// `{message, code, details}`.
pub async fn respond(app: &App, endpoint: Endpoint, req: Request) -> Response {
    let operation = endpoint.operation;
    // The same checks `admit` makes from the head, for front doors (Lambda)
    // that get the request whole.
    let has_body = !req.body.is_empty();
    if let Err(e) = guard::check(&app.config, operation, &req.method, &req.headers, has_body) {
        return e.into_response(&req.request_id);
    }
    if req.body.len() > body_limit(operation) {
        return ApiError::too_large(body_limit(operation)).into_response(&req.request_id);
    }
    let request_id = req.request_id.clone();
    match (endpoint.handler)(app, &req).await {
        Ok(response) if req.method == Method::GET => with_etag(response, &req.headers),
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

/// A 200 answer to a GET carries an ETag (a hash of its body); a request
/// whose If-None-Match names it gets 304 and no body, so a client polling an
/// unchanged backlog does not download it again.
fn with_etag(mut response: Response, headers: &HeaderMap) -> Response {
    if response.status != StatusCode::OK {
        return response;
    }
    let tag = format!("\"{:016x}\"", fnv1a(&response.body));
    let matches = headers
        .get_all(http::header::IF_NONE_MATCH)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(|t| t.trim().trim_start_matches("W/"))
        .any(|t| t == tag || t == "*");
    if let Ok(value) = HeaderValue::from_str(&tag) {
        response.headers.insert(http::header::ETAG, value);
    }
    if matches {
        response.status = StatusCode::NOT_MODIFIED;
        response.body.clear();
        response.headers.remove(http::header::CONTENT_TYPE);
    }
    response
}

/// FNV-1a, 64 bits: stable across processes, so every function and server
/// gives one body the same tag.
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, b| {
        (hash ^ u64::from(*b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
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
        Ok(())
            if guard::content_length(headers).is_some_and(|n| n > body_limit(operation) as u64) =>
        {
            ApiError::too_large(body_limit(operation))
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
                let span = tracing::info_span!(
                    "request",
                    request_id = %req.request_id,
                    operation = operation.name()
                );
                async move {
                    let response = respond(app, handlers::endpoint(operation), req).await;
                    tracing::info!(status = response.status.as_u16(), "answered");
                    response
                }
                .instrument(span)
                .await
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
    fn query_strings_are_decoded() {
        assert_eq!(
            parse_query("flat=true&projectId=2&q=a%20b+c&empty"),
            vec![
                ("flat".into(), "true".into()),
                ("projectId".into(), "2".into()),
                ("q".into(), "a b c".into()),
                ("empty".into(), "".into())
            ]
        );
        assert_eq!(parse_query("bad=%zz%"), vec![("bad".into(), "%zz%".into())]);
    }

    #[test]
    fn secrets_compare_whole() {
        assert!(same_secret(b"abc", b"abc"));
        assert!(!same_secret(b"abc", b"abd"));
        assert!(!same_secret(b"abc", b"abcd"));
        assert!(!same_secret(b"", b"a"));
        assert_eq!(format!("{:?}", Secret::new("hunter2")), "Secret(***)");
    }
}
