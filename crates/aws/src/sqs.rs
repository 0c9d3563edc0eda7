//! The AWS queue: an SQS standard queue whose RedrivePolicy sends a message
//! to its dead-letter queue on the receive after the `MAX_RECEIVES`th
//! (`maxReceiveCount`). SQS counts the receives and hides, moves and
//! forgets the messages; this adapter only converts at the edge.

use aipm_core::error::{Error, Result};
use aipm_core::queue::{receipt_not_found, Delivery, Job, Queue, QueueDepth, MAX_RECEIVES};
use async_trait::async_trait;
use aws_sdk_sqs::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_sqs::types::{MessageSystemAttributeName, QueueAttributeName};
use aws_sdk_sqs::Client;
use std::collections::HashMap;
use std::time::{Duration, Instant};

/// SQS's limits: a receive takes at most 10 messages and waits at most 20 s;
/// a message stays hidden at most 12 hours.
const MAX_BATCH: usize = 10;
const MAX_WAIT_SECONDS: i32 = 20;
const MAX_VISIBILITY_SECONDS: i32 = 43_200;
/// Both queues keep a message 14 days (SQS's longest): a dead letter's age
/// counts from its first send, and a job should never vanish unseen.
const RETENTION_SECONDS: &str = "1209600";

/// Where the queues are. The endpoint is set only for an emulator.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SqsConfig {
    pub queue_url: String,
    pub dead_letter_queue_url: String,
    pub endpoint_url: Option<String>,
    pub region: Option<String>,
}

impl SqsConfig {
    /// From the environment, as the Lambda functions and workers get it:
    /// `AIPM_QUEUE_URL` and `AIPM_DEAD_LETTER_QUEUE_URL` (required),
    /// `AIPM_SQS_ENDPOINT` (emulators only) and the SDK's own `AWS_REGION`.
    pub fn from_env() -> std::result::Result<Self, String> {
        let var = |name: &str| std::env::var(name).ok().filter(|s| !s.is_empty());
        Ok(SqsConfig {
            queue_url: var("AIPM_QUEUE_URL").ok_or("AIPM_QUEUE_URL is not set")?,
            // AIPM_DLQ_URL is the shorter name the deployment sets.
            dead_letter_queue_url: var("AIPM_DEAD_LETTER_QUEUE_URL")
                .or_else(|| var("AIPM_DLQ_URL"))
                .ok_or("AIPM_DEAD_LETTER_QUEUE_URL (or AIPM_DLQ_URL) is not set")?,
            endpoint_url: var("AIPM_SQS_ENDPOINT"),
            region: var("AWS_REGION"),
        })
    }
}

#[derive(Clone)]
pub struct SqsQueue {
    client: Client,
    queue_url: String,
    dead_letter_queue_url: String,
}

fn sdk_error<E, R>(context: &'static str) -> impl Fn(SdkError<E, R>) -> Error
where
    E: std::error::Error + aws_sdk_sqs::error::ProvideErrorMetadata + Send + Sync + 'static,
    R: std::fmt::Debug + Send + Sync + 'static,
{
    move |e| {
        let construction = matches!(e, SdkError::ConstructionFailure(_));
        let code = match &e {
            SdkError::ServiceError(service) => {
                aws_sdk_sqs::error::ProvideErrorMetadata::code(service.err()).map(str::to_string)
            }
            _ => None,
        };
        crate::sdk_failure(
            context,
            construction,
            code.as_deref(),
            aws_sdk_sqs::error::DisplayErrorContext(e).to_string(),
        )
    }
}

/// An unknown receipt is `ReceiptHandleIsInvalid`; one whose message was
/// delivered again or is no longer in flight is `MessageNotInflight` or
/// `InvalidParameterValue` naming the ReceiptHandle. All three mean the
/// delivery is over; anything else is a fault.
fn receipt_error<'a, E, R>(
    context: &'static str,
    receipt: &'a str,
) -> impl FnOnce(SdkError<E, R>) -> Error + 'a
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    R: std::fmt::Debug + Send + Sync + 'static,
{
    move |e| {
        let over = e.as_service_error().is_some_and(|s| {
            let code = s.code().unwrap_or_default();
            code.contains("ReceiptHandleIsInvalid")
                || code.contains("MessageNotInflight")
                || (code.contains("InvalidParameterValue")
                    && s.message().unwrap_or_default().contains("ReceiptHandle"))
        });
        if over {
            receipt_not_found(receipt)
        } else {
            sdk_error(context)(e)
        }
    }
}

/// SQS takes whole seconds: round up, so a worker never gets less time than
/// it asked for, and cap at the service's limit.
fn whole_seconds(d: Duration, max: i32) -> i32 {
    let secs = d.as_secs() + u64::from(d.subsec_nanos() > 0);
    i32::try_from(secs).unwrap_or(max).min(max)
}

impl SqsQueue {
    /// Build the client once (a Lambda does this outside its handler). It
    /// makes no call: which calls a holder may make (send only, or read the
    /// depth) is its policy's business, and a denied warm-up is a failure
    /// hidden at start.
    pub async fn connect(config: &SqsConfig) -> Result<Self> {
        Ok(SqsQueue {
            client: client(config.endpoint_url.as_deref(), config.region.as_deref()).await,
            queue_url: config.queue_url.clone(),
            dead_letter_queue_url: config.dead_letter_queue_url.clone(),
        })
    }

    /// Create the queue `name` and its dead-letter queue `name-dlq`, with a
    /// RedrivePolicy of `MAX_RECEIVES` receives, and answer the config that
    /// names them (for tests and local runs; in AWS the deployment creates
    /// them). Creating queues that exist with these attributes is a no-op.
    pub async fn create_queues(
        name: &str,
        endpoint_url: Option<String>,
        region: Option<String>,
    ) -> Result<SqsConfig> {
        let client = client(endpoint_url.as_deref(), region.as_deref()).await;
        let dlq_url = client
            .create_queue()
            .queue_name(format!("{name}-dlq"))
            .attributes(
                QueueAttributeName::MessageRetentionPeriod,
                RETENTION_SECONDS,
            )
            .send()
            .await
            .map_err(sdk_error("creating the dead-letter queue"))?
            .queue_url
            .ok_or_else(|| Error::internal("creating the dead-letter queue", "no queue URL"))?;
        let dlq_arn = client
            .get_queue_attributes()
            .queue_url(&dlq_url)
            .attribute_names(QueueAttributeName::QueueArn)
            .send()
            .await
            .map_err(sdk_error("reading the dead-letter queue's ARN"))?
            .attributes
            .and_then(|mut a| a.remove(&QueueAttributeName::QueueArn))
            .ok_or_else(|| Error::internal("reading the dead-letter queue's ARN", "no ARN"))?;
        let redrive = serde_json::json!({
            "deadLetterTargetArn": dlq_arn,
            "maxReceiveCount": MAX_RECEIVES.to_string(),
        });
        let queue_url = client
            .create_queue()
            .queue_name(name)
            .attributes(QueueAttributeName::RedrivePolicy, redrive.to_string())
            .attributes(
                QueueAttributeName::MessageRetentionPeriod,
                RETENTION_SECONDS,
            )
            .send()
            .await
            .map_err(sdk_error("creating the queue"))?
            .queue_url
            .ok_or_else(|| Error::internal("creating the queue", "no queue URL"))?;
        Ok(SqsConfig {
            queue_url,
            dead_letter_queue_url: dlq_url,
            endpoint_url,
            region,
        })
    }

    /// Delete both queues (tests clean up with this).
    pub async fn delete_queues(&self) -> Result<()> {
        for url in [&self.queue_url, &self.dead_letter_queue_url] {
            self.client
                .delete_queue()
                .queue_url(url)
                .send()
                .await
                .map_err(sdk_error("deleting a queue"))?;
        }
        Ok(())
    }

    pub fn queue_url(&self) -> &str {
        &self.queue_url
    }

    /// (visible, in flight) of one queue; SQS's counts are approximate.
    async fn counts(&self, url: &str) -> Result<(u64, u64)> {
        let attributes = self
            .client
            .get_queue_attributes()
            .queue_url(url)
            .attribute_names(QueueAttributeName::ApproximateNumberOfMessages)
            .attribute_names(QueueAttributeName::ApproximateNumberOfMessagesNotVisible)
            .send()
            .await
            .map_err(sdk_error("reading the queue's depth"))?
            .attributes
            .unwrap_or_default();
        let count = |name: &QueueAttributeName| -> u64 {
            attributes
                .get(name)
                .and_then(|v| v.parse().ok())
                .unwrap_or(0)
        };
        Ok((
            count(&QueueAttributeName::ApproximateNumberOfMessages),
            count(&QueueAttributeName::ApproximateNumberOfMessagesNotVisible),
        ))
    }
}

async fn client(endpoint_url: Option<&str>, region: Option<&str>) -> Client {
    Client::new(&crate::config_for(endpoint_url, region).await)
}

/// The job of a received message; an undecodable one is skipped (and,
/// never deleted, reaches the dead-letter queue after its last receive).
fn decode(message: &aws_sdk_sqs::types::Message) -> Option<Job> {
    match Job::from_body(message.body().unwrap_or_default()) {
        Ok(job) => Some(job),
        Err(e) => {
            tracing::warn!(message = message.message_id().unwrap_or_default(), error = %e, "skipping an undecodable queue message");
            None
        }
    }
}

#[async_trait]
impl Queue for SqsQueue {
    fn kind(&self) -> &'static str {
        "sqs"
    }

    async fn send(&self, job: Job) -> Result<()> {
        self.client
            .send_message()
            .queue_url(&self.queue_url)
            .message_body(job.to_body())
            .send()
            .await
            .map_err(sdk_error("sending a queue message"))?;
        Ok(())
    }

    async fn receive(
        &self,
        max: usize,
        visibility: Duration,
        wait: Duration,
    ) -> Result<Vec<Delivery>> {
        if max == 0 {
            return Ok(Vec::new());
        }
        // One SQS long poll waits at most 20 s; a longer wait takes several.
        let deadline = aipm_core::queue::deadline(wait);
        loop {
            let remaining = deadline.saturating_duration_since(Instant::now());
            let out = self
                .client
                .receive_message()
                .queue_url(&self.queue_url)
                .max_number_of_messages(max.min(MAX_BATCH) as i32)
                .visibility_timeout(whole_seconds(visibility, MAX_VISIBILITY_SECONDS))
                .wait_time_seconds(whole_seconds(remaining, MAX_WAIT_SECONDS))
                .message_system_attribute_names(MessageSystemAttributeName::ApproximateReceiveCount)
                .send()
                .await
                .map_err(sdk_error("receiving queue messages"))?;
            let delivered: Vec<Delivery> = out
                .messages()
                .iter()
                .filter_map(|m| {
                    let receive_count = m
                        .attributes()
                        .and_then(|a| a.get(&MessageSystemAttributeName::ApproximateReceiveCount))
                        .and_then(|c| c.parse().ok())
                        .unwrap_or(1);
                    Some(Delivery {
                        job: decode(m)?,
                        receipt: m.receipt_handle()?.to_string(),
                        receive_count,
                    })
                })
                .collect();
            if !delivered.is_empty() || Instant::now() >= deadline {
                return Ok(delivered);
            }
        }
    }

    async fn extend(&self, receipt: &str, visibility: Duration) -> Result<()> {
        self.client
            .change_message_visibility()
            .queue_url(&self.queue_url)
            .receipt_handle(receipt)
            .visibility_timeout(whole_seconds(visibility, MAX_VISIBILITY_SECONDS))
            .send()
            .await
            .map_err(receipt_error("extending a queue message", receipt))?;
        Ok(())
    }

    async fn delete(&self, receipt: &str) -> Result<()> {
        self.client
            .delete_message()
            .queue_url(&self.queue_url)
            .receipt_handle(receipt)
            .send()
            .await
            .map_err(receipt_error("deleting a queue message", receipt))?;
        Ok(())
    }

    async fn depth(&self) -> Result<QueueDepth> {
        let ((visible, in_flight), (dead_visible, dead_in_flight)) = tokio::try_join!(
            self.counts(&self.queue_url),
            self.counts(&self.dead_letter_queue_url)
        )?;
        Ok(QueueDepth {
            visible,
            in_flight,
            dead_letter: dead_visible + dead_in_flight,
        })
    }

    /// For tests and health only: peeks with receives of visibility 0, so it
    /// bumps the dead letters' receive counts and, SQS sampling its servers,
    /// may list only some of a large dead-letter queue (`depth` counts them).
    async fn dead_letters(&self) -> Result<Vec<Job>> {
        const ROUNDS: usize = 10;
        let mut seen: HashMap<String, (u64, Job)> = HashMap::new();
        for _ in 0..ROUNDS {
            let out = self
                .client
                .receive_message()
                .queue_url(&self.dead_letter_queue_url)
                .max_number_of_messages(MAX_BATCH as i32)
                .visibility_timeout(0)
                .wait_time_seconds(0)
                .message_system_attribute_names(MessageSystemAttributeName::SentTimestamp)
                .send()
                .await
                .map_err(sdk_error("reading the dead letters"))?;
            let before = seen.len();
            for m in out.messages() {
                let (Some(id), Some(job)) = (m.message_id(), decode(m)) else {
                    continue;
                };
                let sent = m
                    .attributes()
                    .and_then(|a| a.get(&MessageSystemAttributeName::SentTimestamp))
                    .and_then(|t| t.parse().ok())
                    .unwrap_or(0);
                seen.insert(id.to_string(), (sent, job));
            }
            if seen.len() == before {
                break;
            }
        }
        let mut jobs: Vec<(u64, Job)> = seen.into_values().collect();
        jobs.sort_by_key(|(sent, job)| (*sent, job.run_id, job.attempt));
        Ok(jobs.into_iter().map(|(_, job)| job).collect())
    }
}

impl std::fmt::Debug for SqsQueue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqsQueue")
            .field("queue_url", &self.queue_url)
            .field("dead_letter_queue_url", &self.dead_letter_queue_url)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_round_up_to_whole_seconds_within_the_limit() {
        assert_eq!(whole_seconds(Duration::ZERO, 20), 0);
        assert_eq!(whole_seconds(Duration::from_millis(1), 20), 1);
        assert_eq!(whole_seconds(Duration::from_secs(2), 20), 2);
        assert_eq!(whole_seconds(Duration::from_millis(2_001), 20), 3);
        assert_eq!(whole_seconds(Duration::from_secs(3_600), 20), 20);
    }
}
