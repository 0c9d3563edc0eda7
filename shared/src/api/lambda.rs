//! The Lambda front door: API Gateway HTTP API (payload 2.0) events in and
//! out. Each function binary calls `run` with its operation; API Gateway
//! routes and answers CORS preflights itself.

use super::{respond, ApiConfig, App, Operation, Request, Response};
use crate::backlog::Backlog;
use crate::config::StoreConfig;
use aws_lambda_events::apigw::{ApiGatewayV2httpRequest, ApiGatewayV2httpResponse};
use aws_lambda_events::encodings::Body;
use base64::Engine;
use lambda_runtime::{service_fn, LambdaEvent};

/// The request an event carries.
pub fn request_from_event(event: ApiGatewayV2httpRequest, lambda_request_id: &str) -> Request {
    let body = match event.body {
        Some(b) if event.is_base64_encoded => {
            // A body API Gateway could not decode is handed on as is; the
            // handler then refuses it as invalid JSON.
            base64::engine::general_purpose::STANDARD
                .decode(b.as_bytes())
                .unwrap_or_else(|_| b.into_bytes())
        }
        Some(b) => b.into_bytes(),
        None => Vec::new(),
    };
    let query = match &event.raw_query_string {
        Some(raw) if !raw.is_empty() => parse_query(raw),
        _ => event
            .query_string_parameters
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
    };
    Request {
        method: event.request_context.http.method.clone(),
        path: event.raw_path.clone().unwrap_or_default(),
        query,
        headers: event.headers,
        body,
        params: event.path_parameters.into_iter().collect(),
        request_id: event
            .request_context
            .request_id
            .unwrap_or_else(|| lambda_request_id.to_string()),
    }
}

/// Decode `a=1&b=x%20y` into pairs.
pub fn parse_query(raw: &str) -> Vec<(String, String)> {
    raw.split('&')
        .filter(|p| !p.is_empty())
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            (percent_decode(k), percent_decode(v))
        })
        .collect()
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                match std::str::from_utf8(&bytes[i + 1..i + 3])
                    .ok()
                    .and_then(|h| u8::from_str_radix(h, 16).ok())
                    .ok_or(())
                {
                    Ok(b) => {
                        out.push(b);
                        i += 2;
                    }
                    Err(_) => out.push(b'%'),
                }
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

pub fn response_to_event(response: Response) -> ApiGatewayV2httpResponse {
    let mut out = ApiGatewayV2httpResponse::default();
    out.status_code = i64::from(response.status.as_u16());
    out.headers = response.headers;
    out.body = if response.body.is_empty() {
        None
    } else {
        Some(Body::Text(
            String::from_utf8_lossy(&response.body).into_owned(),
        ))
    };
    out.is_base64_encoded = false;
    out
}

/// Answer one event for `operation`.
pub async fn handle_event(
    app: &App,
    operation: Operation,
    event: LambdaEvent<ApiGatewayV2httpRequest>,
) -> ApiGatewayV2httpResponse {
    let request = request_from_event(event.payload, &event.context.request_id);
    let request_id = request.request_id.clone();
    let response = respond(app, operation, request).await;
    tracing::info!(request_id = %request_id, operation = operation.name(), status = response.status.as_u16(), "answered");
    response_to_event(response)
}

/// The app of a function: DynamoDB from `AIPM_TABLE` (see `StoreConfig`),
/// API settings, the LLM and — where `AIPM_QUEUE_URL` is set — code
/// generation over SQS, all from the environment. Built once per container.
pub async fn app_from_env() -> Result<App, lambda_runtime::Error> {
    let store = StoreConfig::dynamodb_from_env()?.open(false).await?;
    let backlog = Backlog::new(store);
    let codegen = match crate::queue::sqs::SqsConfig::from_env() {
        Ok(sqs) => {
            let queue = std::sync::Arc::new(crate::queue::sqs::SqsQueue::connect(&sqs).await?);
            Some(crate::codegen::setup::codegen_from_env(backlog.clone(), queue, None).await?)
        }
        Err(_) => None,
    };
    Ok(App::new(backlog, ApiConfig::from_env())
        .with_llm(App::llm_from_env().await?)
        .with_codegen(codegen))
}

/// The whole `main` of a function binary.
pub async fn run(operation: Operation) -> Result<(), lambda_runtime::Error> {
    tracing_init();
    let app = app_from_env().await?;
    let app = &app;
    lambda_runtime::run(service_fn(move |event| async move {
        Ok::<_, lambda_runtime::Error>(handle_event(app, operation, event).await)
    }))
    .await
}

fn tracing_init() {
    use tracing_subscriber::EnvFilter;
    let _ = tracing_subscriber::fmt()
        .json()
        .with_env_filter(
            EnvFilter::try_from_env("AIPM_LOG").unwrap_or_else(|_| EnvFilter::new("info")),
        )
        .without_time()
        .try_init();
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
}
