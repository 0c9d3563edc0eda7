//! `aipm serve`: the API and the web UI from one process, on the same
//! handlers the Lambda functions use.

use crate::guard::{self, HostCheck};
use crate::limits::{self, LimitArgs};
use crate::store_args::StoreArgs;
use aipm::api::{self, ApiConfig, App, Secret};
use aipm::backlog::Backlog;
use axum::body::{to_bytes, Body};
use axum::extract::State;
use axum::response::IntoResponse;
use clap::Args;
use http::{HeaderValue, StatusCode};
use std::net::SocketAddr;
use std::path::{Component, Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

#[derive(Args, Debug)]
pub struct ServeArgs {
    /// Address to listen on (port 0 picks a free port).
    #[arg(long, env = "AIPM_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,
    #[command(flatten)]
    pub store: StoreArgs,
    /// Directory of the web UI's static files.
    #[arg(long, env = "AIPM_WEB_DIR", default_value = "web")]
    pub web_dir: PathBuf,
    /// Origins allowed by CORS, comma-separated (`*` for any).
    #[arg(long, env = "AIPM_CORS_ORIGINS", value_delimiter = ',')]
    pub cors_origins: Vec<String>,
    /// Further Host names a loopback server answers to (`name` or
    /// `name:port`), comma-separated; on a public address, the only ones.
    #[arg(long, env = "AIPM_ALLOWED_HOSTS", value_delimiter = ',')]
    pub allowed_hosts: Vec<String>,
    #[command(flatten)]
    pub limits: LimitArgs,
    /// Listen on a non-loopback address without AIPM_API_TOKEN.
    #[arg(long)]
    pub insecure_no_auth: bool,
    /// The git repository the default project generates code into: a local
    /// path, or owner/name on GitHub (with AIPM_GITHUB_TOKEN).
    #[arg(long, env = "AIPM_REPO")]
    pub repo: Option<String>,
    /// Do not run code-generation workers in this process.
    #[arg(long)]
    pub no_worker: bool,
    /// Where users reach AIPM, for links in TASK.md and PR comments
    /// (default: the address it listens on).
    #[arg(long, env = "AIPM_PUBLIC_URL")]
    pub public_url: Option<String>,
}

struct Server {
    app: App,
    /// The web UI's directory, resolved: files must lie inside it.
    web_dir: Option<PathBuf>,
    hosts: HostCheck,
    body_timeout: std::time::Duration,
    requests: AtomicU64,
}

pub async fn serve(args: ServeArgs) -> anyhow::Result<()> {
    let token = std::env::var("AIPM_API_TOKEN")
        .ok()
        .filter(|t| !t.is_empty())
        .map(Secret::new);
    if !args.listen.ip().is_loopback() && token.is_none() && !args.insecure_no_auth {
        anyhow::bail!(
            "refusing to listen on {} without AIPM_API_TOKEN: anyone on the network could change the backlog. \
             Set AIPM_API_TOKEN, listen on 127.0.0.1, or pass --insecure-no-auth",
            args.listen
        );
    }
    if let (false, Some(token)) = (args.listen.ip().is_loopback(), &token) {
        if let Some(reason) = guard::weak_token(token.expose()) {
            anyhow::bail!("refusing to listen on {}: {reason}", args.listen);
        }
    }
    let runtime = crate::runtime::open(&args.store).await?;
    let backlog = Backlog::new(runtime.store.clone());
    let project = backlog.ensure_default_project().await?;
    if let Some(repo) = &args.repo {
        let repository =
            aipm::forge::normalize_repository(repo).map_err(|r| anyhow::anyhow!("--repo: {r}"))?;
        if project.repository.as_deref() != Some(repository.as_str()) {
            let changes = aipm::backlog::ProjectChanges {
                repository: Some(Some(repository)),
                ..Default::default()
            };
            backlog.update_project(project.id, None, changes).await?;
        }
    }
    let listener = tokio::net::TcpListener::bind(args.listen).await?;
    let address = listener.local_addr()?;
    let public_url = args
        .public_url
        .clone()
        .unwrap_or_else(|| format!("http://{address}"));
    let codegen = match runtime.queue.clone() {
        Some(queue) => {
            Some(crate::runtime::codegen(backlog.clone(), queue, Some(public_url)).await?)
        }
        None => None,
    };
    let (stop_workers, stopped) = tokio::sync::watch::channel(false);
    let workers = match (&codegen, args.no_worker) {
        (Some(codegen), false) => {
            let worker = aipm::codegen::worker::Worker::new(
                codegen.clone(),
                aipm::codegen::worker::WorkerConfig::from_env(),
            );
            Some(tokio::spawn(async move { worker.run(stopped).await }))
        }
        _ => None,
    };
    let app = App::new(
        backlog,
        ApiConfig {
            api_token: token,
            cors_origins: args.cors_origins.clone(),
        },
    )
    .with_llm(App::llm_from_env().await?)
    .with_codegen(codegen);
    let mut allowed_hosts = args.allowed_hosts.clone();
    if let Some(host) = args.public_url.as_deref().and_then(url_authority) {
        allowed_hosts.push(host);
    }
    let server = Arc::new(Server {
        app,
        web_dir: std::fs::canonicalize(&args.web_dir).ok(),
        hosts: HostCheck::new(address, &allowed_hosts),
        body_timeout: args.limits.body_timeout(),
        requests: AtomicU64::new(0),
    });

    let router = axum::Router::new().fallback(answer).with_state(server);
    println!("AIPM is serving http://{address}/");
    tracing::info!(%address, "listening");
    limits::serve(listener, router, &args.limits, shutdown_signal()).await?;
    if let Some(workers) = workers {
        // Running jobs finish; queued ones wait in the queue for the next start.
        let _ = stop_workers.send(true);
        workers.await??;
    }
    tracing::info!("stopped; every acknowledged write is committed");
    Ok(())
}

/// Ctrl-C or SIGTERM: stop accepting, finish the requests in flight.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
}

async fn answer(
    State(server): State<Arc<Server>>,
    request: axum::extract::Request,
) -> axum::response::Response {
    let (parts, body) = request.into_parts();
    let path = parts.uri.path().to_string();
    if let Err(host) = server.hosts.check(&parts.headers) {
        let refusal = api::ApiError::new(
            StatusCode::FORBIDDEN,
            "FORBIDDEN_HOST",
            format!("Host: '{host}' is not a name of this server; add it to AIPM_ALLOWED_HOSTS to allow it"),
        )
        .with_details(serde_json::json!({"header": "Host", "host": host}));
        return into_axum(refusal.into_response(""));
    }
    if !(path.starts_with("/api/") || path == "/api" || path == "/health") {
        let mut r = static_file(server.web_dir.as_deref(), &parts.method, &path).await;
        guard::add_ui_headers(r.headers_mut());
        return r;
    }
    // Refusals that need no body (token, origin, type, size) come before it is read.
    if let Some(refusal) = api::admit(&server.app, &parts.method, &path, &parts.headers) {
        return into_axum(refusal);
    }
    let n = server.requests.fetch_add(1, Ordering::Relaxed);
    let request_id = parts
        .headers
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .map(String::from)
        .unwrap_or_else(|| format!("local-{}-{n}", std::process::id()));
    let bytes =
        match tokio::time::timeout(server.body_timeout, to_bytes(body, api::MAX_BODY_BYTES + 1))
            .await
        {
            Ok(Ok(b)) => b.to_vec(),
            // Past the limit: hand on an oversized marker body so the API answers 413.
            Ok(Err(_)) => vec![b' '; api::MAX_BODY_BYTES + 1],
            Err(_) => {
                let refusal = api::ApiError::new(
                    StatusCode::REQUEST_TIMEOUT,
                    "REQUEST_TIMEOUT",
                    format!(
                        "the request body did not arrive within {} s",
                        server.body_timeout.as_secs()
                    ),
                );
                let mut r = into_axum(refusal.into_response(&request_id));
                r.headers_mut()
                    .insert(http::header::CONNECTION, HeaderValue::from_static("close"));
                return r;
            }
        };
    let req = api::Request {
        method: parts.method,
        path,
        query: parts
            .uri
            .query()
            .map(api::lambda::parse_query)
            .unwrap_or_default(),
        headers: parts.headers,
        body: bytes,
        params: Vec::new(),
        request_id,
    };
    into_axum(api::serve(&server.app, req).await)
}

fn into_axum(response: api::Response) -> axum::response::Response {
    let mut out = axum::response::Response::new(Body::from(response.body));
    *out.status_mut() = response.status;
    *out.headers_mut() = response.headers;
    guard::add_api_headers(out.headers_mut());
    out
}

/// `http://host:port/...` → `host:port`.
fn url_authority(url: &str) -> Option<String> {
    let rest = url.split_once("://")?.1;
    let authority = rest.split(['/', '?', '#']).next()?;
    (!authority.is_empty()).then(|| authority.to_string())
}

fn content_type(path: &Path) -> &'static str {
    match path.extension().and_then(|e| e.to_str()).unwrap_or("") {
        "html" => "text/html; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "json" => "application/json",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "ico" => "image/x-icon",
        _ => "application/octet-stream",
    }
}

/// A file of the web UI: read-only, no dotfiles, nothing outside the
/// directory (a symlink pointing out is refused like a missing file).
async fn static_file(
    web_dir: Option<&Path>,
    method: &http::Method,
    path: &str,
) -> axum::response::Response {
    if !matches!(*method, http::Method::GET | http::Method::HEAD) {
        let mut r = (
            StatusCode::METHOD_NOT_ALLOWED,
            "the web UI's files are read-only",
        )
            .into_response();
        r.headers_mut()
            .insert(http::header::ALLOW, HeaderValue::from_static("GET, HEAD"));
        return r;
    }
    let Some(web_dir) = web_dir else {
        return (StatusCode::NOT_FOUND, "not found").into_response();
    };
    let relative = path.trim_start_matches('/');
    let relative = if relative.is_empty() {
        "index.html"
    } else {
        relative
    };
    let candidate = Path::new(relative);
    let hidden_or_climbing = candidate.components().any(|c| match c {
        Component::Normal(name) => name.to_string_lossy().starts_with('.'),
        _ => true,
    });
    if hidden_or_climbing {
        return (StatusCode::NOT_FOUND, "not found").into_response();
    }
    let file = match tokio::fs::canonicalize(web_dir.join(candidate)).await {
        Ok(file) if file.starts_with(web_dir) => file,
        _ => return (StatusCode::NOT_FOUND, "not found").into_response(),
    };
    match tokio::fs::read(&file).await {
        Ok(bytes) => {
            let mut r = axum::response::Response::new(Body::from(bytes));
            r.headers_mut().insert(
                http::header::CONTENT_TYPE,
                HeaderValue::from_static(content_type(&file)),
            );
            r.headers_mut().insert(
                http::header::CACHE_CONTROL,
                HeaderValue::from_static("no-cache"),
            );
            r
        }
        Err(_) => (StatusCode::NOT_FOUND, "not found").into_response(),
    }
}
