//! `aipm serve`: the API and the web UI from one process, on the same
//! handlers the Lambda functions use.

use crate::guard::{self, HostCheck};
use crate::limits::{self, LimitArgs};
use crate::store_args::StoreArgs;
use crate::web::WebUi;
use aipm_api::{self as api, ApiConfig, App, Secret};
use aipm_core::backlog::Backlog;
use axum::body::{to_bytes, Body};
use axum::extract::State;
use clap::Args;
use http::{HeaderValue, StatusCode};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

#[derive(Args, Debug)]
pub struct ServeArgs {
    /// Address to listen on (port 0 picks a free port).
    #[arg(long, env = "AIPM_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,
    #[command(flatten)]
    pub store: StoreArgs,
    /// Serve the web UI from this directory instead of the copy built into
    /// the binary (for working on the UI).
    #[arg(long, env = "AIPM_WEB_DIR")]
    pub web_dir: Option<PathBuf>,
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
    #[command(flatten)]
    pub mcp: crate::mcp::ServeMcpArgs,
}

struct Server {
    app: App,
    web: WebUi,
    hosts: HostCheck,
    body_timeout: std::time::Duration,
    requests: AtomicU64,
}

pub async fn serve(args: ServeArgs) -> anyhow::Result<()> {
    let token = aipm_core::secrets::var("AIPM_API_TOKEN")
        .filter(|t| !t.is_empty())
        .map(Secret::new);
    if !args.listen.ip().is_loopback() && token.is_none() && !args.insecure_no_auth {
        anyhow::bail!(
            "refusing to listen on {} without AIPM_API_TOKEN: anyone on the network could change the backlog. \
             Set AIPM_API_TOKEN, listen on 127.0.0.1, or pass --insecure-no-auth",
            args.listen
        );
    }
    let mcp_policy = args.mcp.policy()?;
    if let (false, Some(token)) = (args.listen.ip().is_loopback(), &token) {
        if let Some(reason) = guard::weak_token(token.expose()) {
            anyhow::bail!("refusing to listen on {}: {reason}", args.listen);
        }
    }
    // Read (and checked) before anything is opened, whether or not a worker runs.
    let worker_config = aipm_worker::WorkerConfig::from_env()?;
    let runtime = crate::runtime::open(&args.store, true).await?;
    let backlog = Backlog::new(runtime.store.clone());
    let project = backlog.ensure_default_project().await?;
    if let Some(repo) = &args.repo {
        let repository = aipm_core::forge::normalize_repository(repo)
            .map_err(|r| anyhow::anyhow!("--repo: {r}"))?;
        if project.repository.as_deref() != Some(repository.as_str()) {
            let changes = aipm_core::backlog::ProjectChanges {
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
            let worker = aipm_worker::Worker::new(codegen.clone(), worker_config)
                .with_mcp(crate::mcp::agent::for_workers(&codegen.backlog).await?);
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
    .with_llm(crate::runtime::llm().await?)
    .with_codegen(codegen);
    let mut allowed_hosts = args.allowed_hosts.clone();
    if let Some(host) = args.public_url.as_deref().and_then(url_authority) {
        allowed_hosts.push(host);
    }
    let server = Arc::new(Server {
        app,
        web: WebUi::new(args.web_dir.clone()),
        hosts: HostCheck::new(address, &allowed_hosts),
        body_timeout: args.limits.body_timeout(),
        requests: AtomicU64::new(0),
    });

    let (mcp, stop_mcp) = crate::mcp::http::endpoint(&server.app, mcp_policy);
    let router = axum::Router::new()
        .route_service("/mcp", mcp)
        .fallback(answer)
        .with_state(server)
        // gzip for clients that ask (a 10,000-story tree shrinks to a few
        // per cent); event streams and small answers are left as they are.
        .layer(tower_http::compression::CompressionLayer::new().gzip(true));
    println!("AIPM is serving http://{address}/");
    tracing::info!(%address, "listening");
    limits::serve(listener, router, &args.limits, async {
        shutdown_signal().await;
        stop_mcp();
    })
    .await?;
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
        let mut r = server.web.respond(&parts.method, &path).await;
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
    let limit = api::body_limit_for(&parts.method, &path);
    let bytes = match tokio::time::timeout(server.body_timeout, to_bytes(body, limit + 1)).await {
        Ok(Ok(b)) => b.to_vec(),
        // Past the limit: hand on an oversized marker body so the API answers 413.
        Ok(Err(_)) => vec![b' '; limit + 1],
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
        query: parts.uri.query().map(api::parse_query).unwrap_or_default(),
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
