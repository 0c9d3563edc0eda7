//! The job queue between the API and the workers: the embedded queue in the
//! SQLite file (`aipm serve`) and SQS (AWS). Both have SQS's semantics —
//! at-least-once delivery, a visibility timeout that a worker extends while
//! it works (heartbeat), a receive count, and a dead-letter queue that takes
//! a message received more than `max_receives` times — and both pass one
//! conformance suite (`crates/conformance/tests/queue_conformance.rs`). docs/queue.md
//! describes both.

use crate::domain::RunId;
use crate::error::{Error, Result};
use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use std::time::Duration;

/// A message: run this attempt of this code run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Job {
    pub run_id: RunId,
    pub attempt: u32,
}

/// A received message. The receipt names this delivery: extend and delete
/// take it; a later delivery of the same message has another receipt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivery {
    pub job: Job,
    pub receipt: String,
    /// 1 on the first delivery.
    pub receive_count: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct QueueDepth {
    /// Waiting to be received.
    pub visible: u64,
    /// Received and not yet deleted or timed out.
    pub in_flight: u64,
    /// In the dead-letter queue.
    pub dead_letter: u64,
}

/// A delivery is moved to the dead-letter queue instead of being received a
/// fourth time (SQS's redrive policy with maxReceiveCount 3).
pub const MAX_RECEIVES: u32 = 3;

#[async_trait]
pub trait Queue: Send + Sync {
    /// `"embedded"` or `"sqs"`.
    fn kind(&self) -> &'static str;

    async fn send(&self, job: Job) -> Result<()>;

    /// Up to `max` messages, waiting up to `wait` for the first (long
    /// polling). Each received message is hidden from other receivers for
    /// `visibility`. A message already received `MAX_RECEIVES` times goes to
    /// the dead-letter queue instead of being returned.
    async fn receive(
        &self,
        max: usize,
        visibility: Duration,
        wait: Duration,
    ) -> Result<Vec<Delivery>>;

    /// Keep a received message hidden for `visibility` from now (heartbeat).
    /// An unknown or outdated receipt is an error ([`receipt_not_found`]).
    async fn extend(&self, receipt: &str, visibility: Duration) -> Result<()>;

    /// Remove a received message for good. An unknown receipt is an error
    /// ([`receipt_not_found`]). An outdated one never removes the message
    /// from its newer delivery; the embedded queue answers an error, while
    /// SQS's DeleteMessage answers success and deletes nothing (as AWS
    /// documents for a standard queue), so do not count on the error.
    async fn delete(&self, receipt: &str) -> Result<()>;

    async fn depth(&self) -> Result<QueueDepth>;

    /// The jobs in the dead-letter queue, oldest first (for health and tests).
    async fn dead_letters(&self) -> Result<Vec<Job>>;
}

impl Job {
    /// The message body: the job as JSON.
    pub fn to_body(&self) -> String {
        serde_json::to_string(self).expect("a job always encodes")
    }

    pub fn from_body(body: &str) -> Result<Job> {
        serde_json::from_str(body)
            .map_err(|e| Error::internal(format!("decoding the queue message {body:?}"), e))
    }
}

/// The error for an unknown or outdated receipt, from either queue: the
/// delivery it named is over (deleted, or the message went to another
/// receiver). Only the receipt's start is shown: a receipt deletes.
pub fn receipt_not_found(receipt: &str) -> Error {
    let shown: String = receipt.chars().take(8).collect();
    Error::not_found("queue receipt", format!("{shown}…"))
}

/// When a receive's `wait` ends; a wait too long for the clock never ends.
pub fn deadline(wait: Duration) -> std::time::Instant {
    let now = std::time::Instant::now();
    now.checked_add(wait)
        .unwrap_or_else(|| now + Duration::from_secs(100 * 365 * 24 * 3600))
}
