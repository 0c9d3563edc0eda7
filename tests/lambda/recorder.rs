//! A recording proxy between a function and the AWS emulator: it forwards
//! every request unchanged and writes down the IAM action each one needs, so
//! a test can compare what a function really calls with what its policy in
//! template.yaml allows.

use axum::body::{to_bytes, Body};
use axum::extract::{Request, State};
use axum::http::{HeaderName, StatusCode};
use axum::response::Response;
use axum::Router;
use serde_json::Value;
use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};

#[derive(Clone)]
struct Shared {
    upstream: String,
    client: reqwest::Client,
    actions: Arc<Mutex<BTreeSet<String>>>,
    requests: Arc<Mutex<Vec<String>>>,
}

pub struct Recorder {
    address: String,
    actions: Arc<Mutex<BTreeSet<String>>>,
    requests: Arc<Mutex<Vec<String>>>,
    server: tokio::task::JoinHandle<()>,
}

impl Recorder {
    /// Listen on a free loopback port and forward to `upstream` (moto).
    pub async fn start(upstream: &str) -> Recorder {
        let actions = Arc::new(Mutex::new(BTreeSet::new()));
        let requests = Arc::new(Mutex::new(Vec::new()));
        let shared = Shared {
            upstream: upstream.trim_end_matches('/').to_string(),
            client: reqwest::Client::new(),
            actions: actions.clone(),
            requests: requests.clone(),
        };
        let app = Router::new().fallback(forward).with_state(shared);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = format!("http://{}", listener.local_addr().unwrap());
        let server = tokio::spawn(async move {
            axum::serve(listener, app).await.unwrap();
        });
        Recorder {
            address,
            actions,
            requests,
            server,
        }
    }

    /// The endpoint to give the function instead of the emulator's.
    pub fn address(&self) -> &str {
        &self.address
    }

    /// The IAM actions recorded so far (`dynamodb:Query`, `sqs:SendMessage`).
    pub fn actions(&self) -> BTreeSet<String> {
        self.actions.lock().unwrap().clone()
    }

    /// Every request so far, in order, by its API operation
    /// (`dynamodb:Query`, `dynamodb:TransactWriteItems`, `sqs:SendMessage`).
    pub fn requests(&self) -> Vec<String> {
        self.requests.lock().unwrap().clone()
    }
}

impl Drop for Recorder {
    fn drop(&mut self) {
        self.server.abort();
    }
}

async fn forward(State(shared): State<Shared>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let body = to_bytes(body, 64 << 20).await.unwrap_or_default();
    let target = parts
        .headers
        .get("x-amz-target")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let needed = actions_of(target.as_deref(), &body);
    shared.actions.lock().unwrap().extend(needed);
    shared
        .requests
        .lock()
        .unwrap()
        .push(request_name(target.as_deref()));

    let url = format!(
        "{}{}",
        shared.upstream,
        parts.uri.path_and_query().map_or("/", |p| p.as_str())
    );
    let mut upstream = shared.client.request(parts.method, url).body(body.to_vec());
    for (name, value) in &parts.headers {
        if name != "host" && name != "content-length" {
            upstream = upstream.header(name, value);
        }
    }
    let answer = match upstream.send().await {
        Ok(answer) => answer,
        Err(e) => {
            return Response::builder()
                .status(StatusCode::BAD_GATEWAY)
                .body(Body::from(e.to_string()))
                .unwrap()
        }
    };
    let mut out = Response::builder().status(answer.status().as_u16());
    for (name, value) in answer.headers() {
        if name != "content-length" && name != "transfer-encoding" {
            out = out.header(
                HeaderName::from_bytes(name.as_str().as_bytes()).unwrap(),
                value.as_bytes(),
            );
        }
    }
    out.body(Body::from(answer.bytes().await.unwrap_or_default()))
        .unwrap()
}

/// A request's API operation, `service:Operation`.
fn request_name(target: Option<&str>) -> String {
    match target.and_then(|t| t.split_once('.')) {
        Some((service, operation)) => {
            let service = match service {
                s if s.starts_with("DynamoDB") => "dynamodb",
                "AmazonSQS" => "sqs",
                "AmazonSSM" => "ssm",
                other => other,
            };
            format!("{service}:{operation}")
        }
        None => "unknown".into(),
    }
}

/// The IAM actions a request needs. DynamoDB's transactions are authorised
/// item by item: a TransactWriteItems needs the action of each of its items.
fn actions_of(target: Option<&str>, body: &[u8]) -> Vec<String> {
    let Some((service, operation)) = target.and_then(|t| t.split_once('.')) else {
        return vec![format!(
            "unknown:{}",
            String::from_utf8_lossy(body)
                .chars()
                .take(60)
                .collect::<String>()
        )];
    };
    let prefix = match service {
        s if s.starts_with("DynamoDB") => "dynamodb",
        "AmazonSQS" => "sqs",
        "AmazonSSM" => "ssm",
        other => return vec![format!("unknown:{other}.{operation}")],
    };
    let parsed: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
    match (prefix, operation) {
        ("dynamodb", "TransactWriteItems" | "TransactGetItems") => parsed["TransactItems"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|item| item.as_object()?.keys().next().cloned())
            .map(|kind| {
                let action = match kind.as_str() {
                    "Put" => "PutItem",
                    "Update" => "UpdateItem",
                    "Delete" => "DeleteItem",
                    "ConditionCheck" => "ConditionCheckItem",
                    "Get" => "GetItem",
                    other => other,
                };
                format!("dynamodb:{action}")
            })
            .collect(),
        _ => vec![format!("{prefix}:{operation}")],
    }
}
