//! The embedded queue: two tables in the store's SQLite file (migration 2),
//! so a job survives a restart with the backlog it belongs to.
//!
//! A message is visible when `visible_at` (Unix milliseconds, wall clock) has
//! passed. A receive hides it until now + visibility, counts the delivery and
//! gives it a fresh random receipt; extend and delete find the message by
//! that receipt, so a receipt stops working as soon as the message is
//! delivered again. A receive that finds a visible message already received
//! `MAX_RECEIVES` times moves it to `queue_dead_letters` instead, as SQS's
//! redrive policy does.

use crate::store::{db_error, SqliteStore};
use aipm_core::error::{Error, Result};
use aipm_core::queue::{receipt_not_found, Delivery, Job, Queue, QueueDepth, MAX_RECEIVES};
use async_trait::async_trait;
use rusqlite::{params, Connection, TransactionBehavior};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// A long poll looks again at least this often, for messages sent by
/// another process on the same file (sends in this process wake it at once).
const POLL_INTERVAL: Duration = Duration::from_millis(500);

/// A handle on the queue in a [`SqliteStore`]'s file; get one with
/// [`SqliteStore::queue`]. Cheap to clone; clones share the connection.
pub struct EmbeddedQueue {
    db: SqliteStore,
}

impl EmbeddedQueue {
    pub(crate) fn new(db: SqliteStore) -> Self {
        EmbeddedQueue { db }
    }

    /// One receive attempt: the deliveries made, and when the next hidden
    /// message becomes visible (for the long poll's nap).
    async fn receive_now(
        &self,
        max: usize,
        visibility: Duration,
    ) -> Result<(Vec<Delivery>, Option<i64>)> {
        let visibility_ms = i64::try_from(visibility.as_millis()).unwrap_or(i64::MAX / 2);
        self.db
            .write(move |c| receive_in(c, max, visibility_ms))
            .await
    }
}

fn receive_in(
    conn: &mut Connection,
    max: usize,
    visibility_ms: i64,
) -> Result<(Vec<Delivery>, Option<i64>)> {
    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(db_error("starting a receive"))?;
    let now = now_ms();
    let mut delivered = Vec::new();
    // Rounds walk the ids upwards, so a message hidden for 0 ms is not taken
    // twice; a round that only dead-letters messages leaves room for more.
    let mut after_id: i64 = 0;
    loop {
        let wanted = max - delivered.len();
        let candidates: Vec<(i64, String, u32, i64)> = {
            let mut stmt = tx
                .prepare_cached(
                    "SELECT id, body, receive_count, created_at FROM queue_messages
                     WHERE visible_at <= ?1 AND id > ?3 ORDER BY id LIMIT ?2",
                )
                .map_err(db_error("preparing a receive"))?;
            let rows = stmt
                .query_map(params![now, wanted as i64, after_id], |r| {
                    Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
                })
                .map_err(db_error("receiving"))?;
            rows.collect::<rusqlite::Result<_>>()
                .map_err(db_error("reading a message"))?
        };
        if candidates.is_empty() {
            break;
        }
        for (id, body, receive_count, created_at) in candidates {
            after_id = id;
            if receive_count >= MAX_RECEIVES {
                tx.execute(
                    "INSERT INTO queue_dead_letters (id, body, receive_count, created_at, dead_at)
                     VALUES (?1, ?2, ?3, ?4, ?5)",
                    params![id, body, receive_count, created_at, now],
                )
                .and_then(|_| tx.execute("DELETE FROM queue_messages WHERE id = ?1", [id]))
                .map_err(db_error("moving a message to the dead letters"))?;
                tracing::warn!(
                    message = id,
                    receive_count,
                    "queue message moved to the dead letters"
                );
                continue;
            }
            let job = match Job::from_body(&body) {
                Ok(job) => Some(job),
                Err(e) => {
                    // Counted and hidden like any delivery, so it reaches the
                    // dead letters instead of blocking the queue.
                    tracing::warn!(message = id, error = %e, "skipping an undecodable queue message");
                    None
                }
            };
            let receipt = new_receipt()?;
            tx.execute(
                "UPDATE queue_messages SET receive_count = receive_count + 1, receipt = ?2,
                 visible_at = ?3 WHERE id = ?1",
                params![id, receipt, now.saturating_add(visibility_ms)],
            )
            .map_err(db_error("marking a message received"))?;
            if let Some(job) = job {
                delivered.push(Delivery {
                    job,
                    receipt,
                    receive_count: receive_count + 1,
                });
            }
        }
        if delivered.len() >= max {
            break;
        }
    }
    let next_visible: Option<i64> = tx
        .query_row(
            "SELECT min(visible_at) FROM queue_messages WHERE visible_at > ?1",
            [now],
            |r| r.get(0),
        )
        .map_err(db_error("finding the next visible message"))?;
    tx.commit().map_err(db_error("committing a receive"))?;
    Ok((delivered, next_visible))
}

#[async_trait]
impl Queue for EmbeddedQueue {
    fn kind(&self) -> &'static str {
        "embedded"
    }

    async fn send(&self, job: Job) -> Result<()> {
        let body = job.to_body();
        self.db
            .write(move |c| {
                let now = now_ms();
                c.execute(
                    "INSERT INTO queue_messages (body, visible_at, created_at) VALUES (?1, ?2, ?2)",
                    params![body, now],
                )
                .map(|_| ())
                .map_err(db_error("sending a queue message"))
            })
            .await?;
        self.db.queue_sent().notify_waiters();
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
        let deadline = aipm_core::queue::deadline(wait);
        loop {
            // Registered before looking, so a send between the look and the
            // nap still wakes this poll.
            let sent = self.db.queue_sent().notified();
            tokio::pin!(sent);
            sent.as_mut().enable();

            let (delivered, next_visible) = self.receive_now(max, visibility).await?;
            let now = Instant::now();
            if !delivered.is_empty() || now >= deadline {
                return Ok(delivered);
            }
            let mut nap = (deadline - now).min(POLL_INTERVAL);
            if let Some(at) = next_visible {
                let until = Duration::from_millis(u64::try_from(at - now_ms()).unwrap_or(0));
                nap = nap.min(until + Duration::from_millis(1));
            }
            tokio::select! {
                _ = &mut sent => {}
                _ = tokio::time::sleep(nap) => {}
            }
        }
    }

    async fn extend(&self, receipt: &str, visibility: Duration) -> Result<()> {
        let receipt = receipt.to_string();
        let visibility_ms = i64::try_from(visibility.as_millis()).unwrap_or(i64::MAX / 2);
        self.db
            .write(move |c| {
                let changed = c
                    .execute(
                        "UPDATE queue_messages SET visible_at = ?2 WHERE receipt = ?1",
                        params![receipt, now_ms().saturating_add(visibility_ms)],
                    )
                    .map_err(db_error("extending a queue message"))?;
                if changed == 0 {
                    return Err(receipt_not_found(&receipt));
                }
                Ok(())
            })
            .await
    }

    async fn delete(&self, receipt: &str) -> Result<()> {
        let receipt = receipt.to_string();
        self.db
            .write(move |c| {
                let deleted = c
                    .execute("DELETE FROM queue_messages WHERE receipt = ?1", [&receipt])
                    .map_err(db_error("deleting a queue message"))?;
                if deleted == 0 {
                    return Err(receipt_not_found(&receipt));
                }
                Ok(())
            })
            .await
    }

    async fn depth(&self) -> Result<QueueDepth> {
        self.db
            .read(|c| {
                let now = now_ms();
                let count = |sql: &str| -> Result<u64> {
                    c.query_row(sql, [now], |r| r.get::<_, i64>(0))
                        .map(|n| n as u64)
                        .map_err(db_error("counting queue messages"))
                };
                Ok(QueueDepth {
                    visible: count("SELECT count(*) FROM queue_messages WHERE visible_at <= ?1")?,
                    in_flight: count("SELECT count(*) FROM queue_messages WHERE visible_at > ?1")?,
                    dead_letter: count("SELECT count(*) FROM queue_dead_letters WHERE ?1 = ?1")?,
                })
            })
            .await
    }

    async fn dead_letters(&self) -> Result<Vec<Job>> {
        let bodies: Vec<String> = self
            .db
            .read(|c| {
                let mut stmt = c
                    .prepare_cached("SELECT body FROM queue_dead_letters ORDER BY id")
                    .map_err(db_error("preparing a dead-letter read"))?;
                let rows = stmt
                    .query_map([], |r| r.get(0))
                    .map_err(db_error("reading the dead letters"))?;
                rows.collect::<rusqlite::Result<_>>()
                    .map_err(db_error("reading a dead letter"))
            })
            .await?;
        Ok(bodies
            .iter()
            .filter_map(|b| match Job::from_body(b) {
                Ok(job) => Some(job),
                Err(e) => {
                    tracing::warn!(error = %e, "skipping an undecodable dead letter");
                    None
                }
            })
            .collect())
    }
}

impl Clone for EmbeddedQueue {
    fn clone(&self) -> Self {
        self.db.queue()
    }
}

impl std::fmt::Debug for EmbeddedQueue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EmbeddedQueue")
            .field("db", &self.db)
            .finish()
    }
}

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

/// 128 random bits as hex: a receipt nobody can guess.
fn new_receipt() -> Result<String> {
    let mut bytes = [0u8; 16];
    getrandom::getrandom(&mut bytes)
        .map_err(|e| Error::internal("drawing a queue receipt", e.to_string()))?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}
