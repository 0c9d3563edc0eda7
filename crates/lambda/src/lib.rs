//! The Lambda front door: API Gateway HTTP API (payload 2.0) events in and
//! out, and the wiring of a function. A function's `main` builds what its
//! operation uses — the DynamoDB store (`app`, feature `store`; `version`
//! keeps no data: `app_without_store`), the LLM (`llm`,
//! feature `llm`), code generation (`codegen`, feature `codegen`), the queue
//! alone (`queue`, feature `queue`) — and serves its one endpoint (`serve`).
//! API Gateway routes and answers CORS preflights itself.

use aipm_api::{respond, ApiConfig, App, Endpoint, Request, Response};
use aipm_core::backlog::Backlog;
use aws_lambda_events::apigw::{ApiGatewayV2httpRequest, ApiGatewayV2httpResponse};
use aws_lambda_events::encodings::Body;
use base64::Engine;
use lambda_runtime::{service_fn, LambdaEvent};
use std::sync::Arc;
use tracing::Instrument;

pub type Error = lambda_runtime::Error;

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
        Some(raw) if !raw.is_empty() => aipm_api::parse_query(raw),
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

/// Answer one event for `endpoint`, in a span with the request id and the
/// operation.
pub async fn handle_event(
    app: &App,
    endpoint: Endpoint,
    event: LambdaEvent<ApiGatewayV2httpRequest>,
) -> ApiGatewayV2httpResponse {
    let request = request_from_event(event.payload, &event.context.request_id);
    let operation = endpoint.operation.name();
    let span = tracing::info_span!("request", request_id = %request.request_id, operation);
    async move {
        let response = respond(app, endpoint, request).await;
        tracing::info!(status = response.status.as_u16(), "answered");
        response_to_event(response)
    }
    .instrument(span)
    .await
}

/// The app every function but `version` starts from: the DynamoDB store of
/// `AIPM_TABLE` (see `DynamoConfig::from_env`) and the API settings. Built
/// once per execution environment, outside the handler.
#[cfg(feature = "store")]
pub async fn app() -> Result<App, Error> {
    use aipm_aws::dynamodb::{DynamoConfig, DynamoStore};
    tracing_init()?;
    let config = DynamoConfig::from_env()?;
    let store = DynamoStore::connect(&config).await?;
    Ok(App::new(
        Backlog::new(Arc::new(store)),
        ApiConfig::from_env(),
    ))
}

/// The app of an operation that keeps no data (`version`): no store client
/// is linked or built (`NoStore` refuses any call), so the function needs
/// neither `AIPM_TABLE` nor table rights.
pub async fn app_without_store() -> Result<App, Error> {
    tracing_init()?;
    Ok(App::new(
        Backlog::new(Arc::new(aipm_core::store::NoStore)),
        ApiConfig::from_env(),
    ))
}

/// The LLM the environment configures (`AIPM_LLM_BASE_URL`, `AIPM_LLM_MODEL`;
/// the key from the SSM parameter named by `AIPM_LLM_API_KEY_PARAM`), if any.
#[cfg(feature = "llm")]
pub async fn llm() -> Result<Option<Arc<dyn aipm_core::quality::Llm>>, Error> {
    let Some(mut config) = aipm_core::quality::LlmConfig::from_env() else {
        return Ok(None);
    };
    if let Some(key) =
        aipm_aws::ssm::secret_from_env_or_ssm("AIPM_LLM_API_KEY", "AIPM_LLM_API_KEY_PARAM").await?
    {
        config.api_key = Some(key);
    }
    Ok(Some(Arc::new(aipm_llm::LlmClient::new(config)?)))
}

/// The job queue (`AIPM_QUEUE_URL`, `AIPM_DLQ_URL`).
#[cfg(feature = "queue")]
pub async fn queue() -> Result<Arc<dyn aipm_core::queue::Queue>, Error> {
    let config = aipm_aws::sqs::SqsConfig::from_env()?;
    Ok(Arc::new(aipm_aws::sqs::SqsQueue::connect(&config).await?))
}

/// The forges: the local git forge, and GitHub when a token is configured
/// (the SSM parameter named by `AIPM_GITHUB_TOKEN_PARAM`).
#[cfg(feature = "forge")]
pub async fn forge() -> Result<Arc<dyn aipm_core::forge::Forge>, Error> {
    let github: Option<Arc<dyn aipm_core::forge::Forge>> =
        match aipm_aws::ssm::secret_from_env_or_ssm("AIPM_GITHUB_TOKEN", "AIPM_GITHUB_TOKEN_PARAM")
            .await?
        {
            Some(token) => Some(Arc::new(aipm_github::GitHubForge::new(
                aipm_github::GitHubConfig::from_env(token),
            )?)),
            None => None,
        };
    Ok(aipm_core::forge::AnyForge::new(
        Arc::new(aipm_git::LocalGitForge::new()),
        github,
    ))
}

/// Code generation: the queue and the forges.
#[cfg(feature = "codegen")]
pub async fn codegen(backlog: &Backlog) -> Result<aipm_core::codegen::CodeGen, Error> {
    Ok(aipm_core::codegen::CodeGen::from_env(
        backlog.clone(),
        forge().await?,
        queue().await?,
        None,
    ))
}

/// Serve `endpoint` until the runtime stops the function.
pub async fn serve(endpoint: Endpoint, app: App) -> Result<(), Error> {
    let app = &app;
    lambda_runtime::run(service_fn(move |event| async move {
        Ok::<_, Error>(handle_event(app, endpoint, event).await)
    }))
    .await
}

/// JSON logs on stdout, filtered by `AIPM_LOG` (`info`, `warn,aipm_api=debug`:
/// a level, or targets with levels; `info` when unset). A value that does not
/// parse stops the start with the variable named, like any other bad setting.
/// A `Targets` filter, not `EnvFilter`: it needs no regular-expression
/// engine, which is a tenth of a function's binary (docs/benchmarks.md).
fn tracing_init() -> Result<(), Error> {
    use tracing_subscriber::filter::{LevelFilter, Targets};
    use tracing_subscriber::prelude::*;
    let filter = match std::env::var("AIPM_LOG") {
        Ok(value) => value.parse::<Targets>().map_err(|e| {
            format!("AIPM_LOG={value}: {e} (for example `info` or `warn,aipm_api=debug`)")
        })?,
        Err(_) => Targets::new().with_default(LevelFilter::INFO),
    };
    let _ = tracing_subscriber::registry()
        .with(
            tracing_subscriber::fmt::layer()
                .json()
                .with_current_span(true)
                .without_time()
                .with_filter(filter),
        )
        .try_init();
    Ok(())
}
