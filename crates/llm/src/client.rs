//! One Chat Completions call with a time limit, retried with exponential
//! backoff when the endpoint is busy (429) or failing (5xx).

use aipm_core::quality::llm::message_json;
use aipm_core::quality::{Llm, LlmConfig, LlmError};
use async_trait::async_trait;
use reqwest::header::{HeaderMap, RETRY_AFTER};
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::time::Duration;

/// First wait before a retry; doubled each time.
const BACKOFF_START: Duration = Duration::from_millis(500);
/// No single wait is longer, whatever Retry-After asks.
const BACKOFF_MAX: Duration = Duration::from_secs(20);
/// How much of an error body is kept in the error text.
const BODY_EXCERPT: usize = 300;

/// A client of one endpoint and model; cheap to clone, create it once.
#[derive(Clone)]
pub struct LlmClient {
    http: reqwest::Client,
    config: LlmConfig,
    url: String,
}

impl std::fmt::Debug for LlmClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LlmClient")
            .field("config", &self.config)
            .finish()
    }
}

impl LlmClient {
    pub fn new(config: LlmConfig) -> Result<Self, LlmError> {
        let http = reqwest::Client::builder()
            .timeout(config.timeout)
            .build()
            .map_err(|e| LlmError::Setup(e.to_string()))?;
        let url = format!("{}/chat/completions", config.base_url.trim_end_matches('/'));
        Ok(LlmClient { http, config, url })
    }
}

#[async_trait]
impl Llm for LlmClient {
    fn model(&self) -> &str {
        &self.config.model
    }

    async fn ask(&self, instructions: &str, request: &Value) -> Result<Value, LlmError> {
        let body = json!({
            "model": self.config.model,
            "messages": [
                { "role": "system", "content": instructions },
                { "role": "user", "content": request.to_string() },
            ],
            "response_format": { "type": "json_object" },
            "temperature": 0,
        });
        let mut attempt = 0;
        loop {
            let wait = match self.attempt(&body).await {
                Ok(completion) => return message_json(completion),
                Err(Retry::Never(e)) => return Err(e),
                Err(Retry::After(e, _)) | Err(Retry::Backoff(e))
                    if attempt >= self.config.max_retries =>
                {
                    return Err(e)
                }
                Err(Retry::After(_, asked)) => asked.min(BACKOFF_MAX),
                Err(Retry::Backoff(_)) => (BACKOFF_START * 2u32.pow(attempt)).min(BACKOFF_MAX),
            };
            attempt += 1;
            tracing::info!(
                attempt,
                wait_ms = wait.as_millis() as u64,
                "retrying the LLM call"
            );
            tokio::time::sleep(wait).await;
        }
    }
}

impl LlmClient {
    async fn attempt(&self, body: &Value) -> Result<Value, Retry> {
        let mut request = self.http.post(&self.url).json(body);
        if let Some(key) = &self.config.api_key {
            request = request.bearer_auth(key.expose());
        }
        let response = request
            .send()
            .await
            .map_err(|e| Retry::Never(self.transport(e)))?;
        let status = response.status();
        if status.is_success() {
            return response.json::<Value>().await.map_err(|e| {
                Retry::Never(match e.is_timeout() {
                    true => LlmError::Timeout(self.config.timeout),
                    false => LlmError::Malformed(format!("the response is not JSON ({e})")),
                })
            });
        }
        let retry_after = retry_after(response.headers());
        let text = response.text().await.unwrap_or_default();
        let error = LlmError::Status {
            status: status.as_u16(),
            body: self.excerpt(&text),
        };
        Err(match (status, retry_after) {
            (StatusCode::TOO_MANY_REQUESTS, Some(wait)) => Retry::After(error, wait),
            (s, Some(wait)) if s.is_server_error() => Retry::After(error, wait),
            (StatusCode::TOO_MANY_REQUESTS, None) => Retry::Backoff(error),
            (s, None) if s.is_server_error() => Retry::Backoff(error),
            _ => Retry::Never(error),
        })
    }

    /// A slow model stays slow: a timeout is not retried, so the user waits
    /// at most one time limit for the fallback.
    fn transport(&self, e: reqwest::Error) -> LlmError {
        if e.is_timeout() {
            LlmError::Timeout(self.config.timeout)
        } else {
            // Without the URL's query, the error names host and cause only.
            LlmError::Transport(self.redact(&e.without_url().to_string()))
        }
    }

    fn excerpt(&self, body: &str) -> String {
        let cut: String = body.trim().chars().take(BODY_EXCERPT).collect();
        self.redact(&cut)
    }

    /// Endpoints sometimes echo the request; the key must not come back out.
    fn redact(&self, text: &str) -> String {
        match &self.config.api_key {
            Some(key) if !key.expose().is_empty() => text.replace(key.expose(), "***"),
            _ => text.to_string(),
        }
    }
}

enum Retry {
    Never(LlmError),
    Backoff(LlmError),
    /// The endpoint said when to come back.
    After(LlmError, Duration),
}

/// Retry-After as seconds or as an HTTP date.
fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let raw = headers.get(RETRY_AFTER)?.to_str().ok()?.trim();
    if let Ok(seconds) = raw.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let at = chrono::DateTime::parse_from_rfc2822(raw).ok()?;
    let wait = at.with_timezone(&chrono::Utc) - chrono::Utc::now();
    Some(wait.to_std().unwrap_or(Duration::ZERO))
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    #[test]
    fn retry_after_is_read_as_seconds_or_a_date() {
        let mut headers = HeaderMap::new();
        assert_eq!(retry_after(&headers), None);
        headers.insert(RETRY_AFTER, HeaderValue::from_static("3"));
        assert_eq!(retry_after(&headers), Some(Duration::from_secs(3)));
        headers.insert(
            RETRY_AFTER,
            HeaderValue::from_static("Wed, 21 Oct 2015 07:28:00 GMT"),
        );
        assert_eq!(retry_after(&headers), Some(Duration::ZERO));
        headers.insert(RETRY_AFTER, HeaderValue::from_static("soon"));
        assert_eq!(retry_after(&headers), None);
    }
}
