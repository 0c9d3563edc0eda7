//! Calls to GitHub's REST API through octocrab, retried here rather than in
//! octocrab: its retry layer waits as long as a rate-limit header says (an
//! hour, if the reset is an hour away) and retries 5xx without pause. This
//! one waits what GitHub asks only up to a cap, backs off on 5xx, and gives
//! up after a bounded number of attempts.

use aipm_core::error::{Error, Result};
use chrono::{TimeZone, Utc};
use http::{HeaderMap, Method, StatusCode};
use octocrab::Octocrab;
use serde::de::DeserializeOwned;
use serde_json::Value;
use std::time::Duration;

/// How hard to try when GitHub is busy or limiting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts per call, the first included.
    pub max_attempts: u32,
    /// The longest single wait; a rate limit that resets later than this
    /// fails the call at once (the job is retried later instead).
    pub max_wait: Duration,
    /// The first pause after a 5xx or a bare 429; doubled each time.
    pub backoff: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 4,
            max_wait: Duration::from_secs(60),
            backoff: Duration::from_secs(1),
        }
    }
}

/// What GitHub answered that was not a success (or was, but unreadable).
#[derive(Debug, thiserror::Error)]
#[error("GitHub answered {status}: {message}")]
pub struct GitHubFailure {
    pub status: u16,
    pub message: String,
}

/// An answer, successful or not, after retries.
pub struct Reply {
    pub status: StatusCode,
    headers: HeaderMap,
    body: Vec<u8>,
}

impl Reply {
    pub fn is_success(&self) -> bool {
        self.status.is_success()
    }

    /// GitHub's `message` with the `errors` it lists (a 422's details), or
    /// the start of the body, or the status's reason.
    pub fn message(&self) -> String {
        let parsed = serde_json::from_slice::<Value>(&self.body).ok();
        let top = parsed
            .as_ref()
            .and_then(|v| v.get("message")?.as_str().map(str::to_string));
        let details: Vec<String> = parsed
            .as_ref()
            .and_then(|v| v.get("errors")?.as_array().cloned())
            .unwrap_or_default()
            .iter()
            .filter_map(|e| {
                let text = e.get("message").or_else(|| e.get("code"))?;
                text.as_str().map(str::to_string)
            })
            .collect();
        let text = match (top, details.is_empty()) {
            (Some(top), true) => top,
            (Some(top), false) => format!("{top}: {}", details.join("; ")),
            (None, _) => String::from_utf8_lossy(&self.body)
                .chars()
                .take(200)
                .collect::<String>()
                .trim()
                .to_string(),
        };
        if text.is_empty() {
            self.status
                .canonical_reason()
                .unwrap_or("no reason given")
                .to_string()
        } else {
            text
        }
    }

    pub fn failure(&self) -> GitHubFailure {
        GitHubFailure {
            status: self.status.as_u16(),
            message: self.message(),
        }
    }

    /// The body as one of octocrab's models.
    pub fn json<T: DeserializeOwned>(&self, doing: &str) -> Result<T> {
        serde_json::from_slice(&self.body)
            .map_err(|e| Error::internal(format!("reading GitHub's answer to {doing}"), e))
    }
}

pub struct GitHubApi {
    client: Octocrab,
    retry: RetryPolicy,
}

impl GitHubApi {
    pub fn new(client: Octocrab, retry: RetryPolicy) -> GitHubApi {
        GitHubApi { client, retry }
    }

    /// Send one request, retrying what is worth retrying; any answer GitHub
    /// gives in the end is returned for the caller to judge.
    pub async fn call(&self, method: Method, path: &str, body: Option<&Value>) -> Result<Reply> {
        let mut attempt = 1;
        loop {
            let gave_up = format!("GitHub {method} {path} (gave up after {attempt} attempts)");
            let (wait, failure) = match self.send(&method, path, body).await {
                Ok(reply) => match self.pause(&reply, attempt) {
                    Pause::None => return Ok(reply),
                    Pause::TooLong(wait) => {
                        let until = Utc::now() + wait;
                        let message = format!(
                            "rate limit exhausted until {} ({} s away, more than the {} s AIPM \
                             waits); try again later",
                            until.format("%H:%M:%S UTC"),
                            wait.as_secs(),
                            self.retry.max_wait.as_secs()
                        );
                        let status = reply.status.as_u16();
                        return Err(Error::internal(
                            format!("GitHub {method} {path}"),
                            GitHubFailure { status, message },
                        ));
                    }
                    Pause::For(wait) => (wait, Error::internal(gave_up, reply.failure())),
                },
                // Transport errors (refused, reset, timed out) are worth another try.
                Err(e) => (self.backoff(attempt), Error::internal(gave_up, e)),
            };
            if attempt >= self.retry.max_attempts {
                return Err(failure);
            }
            tracing::warn!(
                method = %method,
                path,
                attempt,
                wait_ms = wait.as_millis() as u64,
                "GitHub is busy or limiting; retrying"
            );
            tokio::time::sleep(wait).await;
            attempt += 1;
        }
    }

    async fn send(
        &self,
        method: &Method,
        path: &str,
        body: Option<&Value>,
    ) -> std::result::Result<Reply, octocrab::Error> {
        let request = http::Request::builder().method(method.clone()).uri(path);
        let request = self.client.build_request(request, body)?;
        let response = self.client.execute(request).await?;
        let status = response.status();
        let headers = response.headers().clone();
        let body = self.client.body_to_string(response).await?.into_bytes();
        Ok(Reply {
            status,
            headers,
            body,
        })
    }

    /// How long GitHub asks us to wait before the next attempt, if at all.
    fn pause(&self, reply: &Reply, attempt: u32) -> Pause {
        let status = reply.status;
        let number =
            |name: &str| -> Option<i64> { reply.headers.get(name)?.to_str().ok()?.parse().ok() };
        let asked = match (
            number("retry-after"),
            number("x-ratelimit-remaining"),
            number("x-ratelimit-reset"),
        ) {
            (Some(seconds), _, _) => Some(Duration::from_secs(seconds.max(0) as u64)),
            (None, Some(0), Some(reset)) => {
                let reset = Utc
                    .timestamp_opt(reset, 0)
                    .single()
                    .unwrap_or_else(Utc::now);
                let left = (reset - Utc::now()).num_milliseconds().max(0) as u64;
                Some(Duration::from_millis(left))
            }
            _ => None,
        };
        let limited = status == StatusCode::TOO_MANY_REQUESTS
            || (status == StatusCode::FORBIDDEN && asked.is_some());
        match asked {
            Some(wait) if limited && wait > self.retry.max_wait => Pause::TooLong(wait),
            Some(wait) if limited => Pause::For(wait),
            _ if status == StatusCode::TOO_MANY_REQUESTS || status.is_server_error() => {
                Pause::For(self.backoff(attempt))
            }
            // A bare 403 is a permission answer, not a rate limit.
            _ => Pause::None,
        }
    }

    /// Exponential backoff with full jitter, at most `max_wait`.
    fn backoff(&self, attempt: u32) -> Duration {
        aipm_core::retry::backoff(self.retry.backoff, attempt, self.retry.max_wait)
    }
}

enum Pause {
    None,
    For(Duration),
    TooLong(Duration),
}
