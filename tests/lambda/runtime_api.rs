//! A local Lambda Runtime API: the four endpoints a custom runtime such as
//! `lambda_runtime` talks to (docs.aws.amazon.com/lambda/latest/dg/runtimes-api.html),
//! so a function binary runs here exactly as it does in Lambda. One emulator
//! serves one function process, one event at a time.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};
use tokio::sync::{mpsc, oneshot};

/// How long a function may take over one event (the `Lambda-Runtime-Deadline-Ms`).
const TIMEOUT: Duration = Duration::from_secs(30);

/// What the function posted back for one event.
#[derive(Debug, Clone)]
pub enum Outcome {
    /// `POST /runtime/invocation/{id}/response`.
    Response(Value),
    /// `POST /runtime/invocation/{id}/error`: `Lambda-Runtime-Function-Error-Type`
    /// and the `{errorType, errorMessage}` body.
    Error { error_type: String, body: Value },
}

#[derive(Debug)]
pub struct Answer {
    pub outcome: Outcome,
    /// When the emulator received it.
    pub at: Instant,
}

/// An event handed to the function, waiting for its answer.
pub struct Pending {
    answer: oneshot::Receiver<Answer>,
}

impl Pending {
    /// The answer, or `None` if the emulator stopped first.
    pub async fn answer(self) -> Option<Answer> {
        self.answer.await.ok()
    }
}

struct Invocation {
    request_id: String,
    trace_id: String,
    event: Value,
}

struct Shared {
    function_arn: String,
    events: tokio::sync::Mutex<mpsc::UnboundedReceiver<Invocation>>,
    waiting: Mutex<HashMap<String, oneshot::Sender<Answer>>>,
    first_poll: OnceLock<Instant>,
    init_error: Mutex<Option<Value>>,
}

pub struct RuntimeApi {
    address: String,
    shared: Arc<Shared>,
    events: mpsc::UnboundedSender<Invocation>,
    served: AtomicU64,
    server: tokio::task::JoinHandle<()>,
}

impl RuntimeApi {
    /// Serve on a free loopback port for the function `function_name`.
    pub async fn start(function_name: &str) -> RuntimeApi {
        let (events, queue) = mpsc::unbounded_channel();
        let shared = Arc::new(Shared {
            function_arn: format!("arn:aws:lambda:us-east-1:123456789012:function:{function_name}"),
            events: tokio::sync::Mutex::new(queue),
            waiting: Mutex::new(HashMap::new()),
            first_poll: OnceLock::new(),
            init_error: Mutex::new(None),
        });
        let base = "/2018-06-01/runtime";
        let router = Router::new()
            .route(&format!("{base}/invocation/next"), get(next))
            .route(
                &format!("{base}/invocation/{{id}}/response"),
                post(response),
            )
            .route(&format!("{base}/invocation/{{id}}/error"), post(error))
            .route(&format!("{base}/init/error"), post(init_error))
            .with_state(shared.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind a loopback port");
        let address = listener.local_addr().expect("a local address").to_string();
        let server = tokio::spawn(async move {
            axum::serve(listener, router).await.expect("runtime API");
        });
        RuntimeApi {
            address,
            shared,
            events,
            served: AtomicU64::new(0),
            server,
        }
    }

    /// `host:port`, the form `AWS_LAMBDA_RUNTIME_API` takes.
    pub fn address(&self) -> &str {
        &self.address
    }

    /// Queue an event for the function's next poll.
    pub fn enqueue(&self, event: Value) -> Pending {
        let n = self.served.fetch_add(1, Ordering::Relaxed);
        let request_id = format!("{:08x}-0000-4000-8000-{n:012x}", std::process::id());
        let epoch = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_secs();
        let trace_id = format!("Root=1-{epoch:08x}-{n:024x};Sampled=0");
        let (tx, rx) = oneshot::channel();
        self.shared
            .waiting
            .lock()
            .unwrap()
            .insert(request_id.clone(), tx);
        self.events
            .send(Invocation {
                request_id: request_id.clone(),
                trace_id,
                event,
            })
            .expect("the emulator is running");
        Pending { answer: rx }
    }

    /// When the function first asked for an event: the end of its init phase.
    pub fn first_poll(&self) -> Option<Instant> {
        self.shared.first_poll.get().copied()
    }

    /// What the function posted to `/runtime/init/error`, if anything.
    pub fn init_error(&self) -> Option<Value> {
        self.shared.init_error.lock().unwrap().clone()
    }
}

impl Drop for RuntimeApi {
    fn drop(&mut self) {
        self.server.abort();
    }
}

/// `GET /runtime/invocation/next`: blocks until an event is queued.
async fn next(State(shared): State<Arc<Shared>>) -> Response {
    let _ = shared.first_poll.set(Instant::now());
    let Some(invocation) = shared.events.lock().await.recv().await else {
        return StatusCode::GONE.into_response();
    };
    let deadline = SystemTime::now() + TIMEOUT;
    let deadline_ms = deadline.duration_since(UNIX_EPOCH).unwrap().as_millis();
    let mut headers = HeaderMap::new();
    let mut put = |name: &'static str, value: String| {
        headers.insert(name, HeaderValue::from_str(&value).expect("a header value"));
    };
    put(
        "lambda-runtime-aws-request-id",
        invocation.request_id.clone(),
    );
    put("lambda-runtime-deadline-ms", deadline_ms.to_string());
    put(
        "lambda-runtime-invoked-function-arn",
        shared.function_arn.clone(),
    );
    put("lambda-runtime-trace-id", invocation.trace_id);
    (headers, Json(invocation.event)).into_response()
}

fn settle(shared: &Shared, id: &str, outcome: Outcome) -> Response {
    let at = Instant::now();
    match shared.waiting.lock().unwrap().remove(id) {
        Some(tx) => {
            let _ = tx.send(Answer { outcome, at });
            (StatusCode::ACCEPTED, Json(json!({"status": "OK"}))).into_response()
        }
        None => (
            StatusCode::BAD_REQUEST,
            Json(json!({"errorMessage": format!("Invalid request ID: {id}"), "errorType": "InvalidRequestID"})),
        )
            .into_response(),
    }
}

fn json_or_text(body: &[u8]) -> Value {
    serde_json::from_slice(body)
        .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(body).into()))
}

/// `POST /runtime/invocation/{id}/response`.
async fn response(
    State(shared): State<Arc<Shared>>,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    settle(&shared, &id, Outcome::Response(json_or_text(&body)))
}

/// `POST /runtime/invocation/{id}/error`.
async fn error(
    State(shared): State<Arc<Shared>>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let error_type = headers
        .get("lambda-runtime-function-error-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("Unhandled")
        .to_string();
    settle(
        &shared,
        &id,
        Outcome::Error {
            error_type,
            body: json_or_text(&body),
        },
    )
}

/// `POST /runtime/init/error`: the function could not start.
async fn init_error(State(shared): State<Arc<Shared>>, body: Bytes) -> Response {
    *shared.init_error.lock().unwrap() = Some(json_or_text(&body));
    (StatusCode::ACCEPTED, Json(json!({"status": "OK"}))).into_response()
}
