//! The queue conformance suite, run unchanged against the embedded queue and
//! SQS (on moto's server, which bin/test starts). Test names read
//! `embedded::<case>` and `sqs::<case>`. Visibility timeouts are a second or
//! two; waits are upper bounds that a working queue cuts short.

mod support;

use aipm_aws::sqs::SqsQueue;
use aipm_core::queue::{Delivery, Job, Queue, QueueDepth, MAX_RECEIVES};
use aipm_sqlite::SqliteStore;
use std::path::PathBuf;
use std::sync::Arc;

pub struct Fixture {
    pub queue: Arc<dyn Queue>,
    /// The embedded queue's file, kept for reopening it.
    sqlite: Option<(tempfile::TempDir, PathBuf)>,
    /// Deleted with the fixture, as the store suite's tables are.
    sqs: Option<SqsQueue>,
}

impl Fixture {
    /// Drop the embedded queue's connection and open its file again, as a
    /// restarted `aipm serve` does.
    fn reopen(&mut self) {
        let (_, path) = self
            .sqlite
            .as_ref()
            .expect("only the embedded queue has a file");
        self.queue = Arc::new(SqliteStore::open(path).expect("reopen sqlite").queue());
    }
}

impl Drop for Fixture {
    fn drop(&mut self) {
        let Some(queue) = self.sqs.take() else {
            return;
        };
        // Drop runs inside the test's runtime; delete from a thread of its own.
        let _ = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            if let Err(e) = runtime.block_on(queue.delete_queues()) {
                eprintln!("could not delete test queue {}: {e}", queue.queue_url());
            }
        })
        .join();
    }
}

pub async fn embedded() -> Fixture {
    let dir = tempfile::tempdir().expect("a temp dir");
    let path = dir.path().join("aipm.db");
    let queue = SqliteStore::open(&path).expect("open sqlite").queue();
    Fixture {
        queue: Arc::new(queue),
        sqlite: Some((dir, path)),
        sqs: None,
    }
}

pub async fn sqs() -> Fixture {
    // Dummy credentials for the emulator.
    std::env::set_var("AWS_ACCESS_KEY_ID", "testing");
    std::env::set_var("AWS_SECRET_ACCESS_KEY", "testing");
    // moto serves every service on the one port.
    let config = SqsQueue::create_queues(
        &support::unique_name("aipm-test"),
        Some(support::dynamodb_endpoint()),
        Some("us-east-1".into()),
    )
    .await
    .expect("create the queues");
    let queue = SqsQueue::connect(&config).await.expect("connect to sqs");
    Fixture {
        queue: Arc::new(queue.clone()),
        sqlite: None,
        sqs: Some(queue),
    }
}

macro_rules! conformance {
    ($queue:ident: $($case:ident),+ $(,)?) => {
        mod $queue {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $case() {
                    crate::cases::$case(crate::$queue().await).await;
                }
            )+
        }
    };
}

macro_rules! both_queues {
    ($($case:ident),+ $(,)?; embedded only: $($only:ident),+ $(,)?) => {
        conformance!(embedded: $($case,)+ $($only),+);
        conformance!(sqs: $($case),+);
    };
}

both_queues!(
    sent_job_is_received_and_deleted,
    undeleted_message_comes_back_with_a_new_receipt,
    extend_keeps_a_message_hidden_past_its_timeout,
    message_received_max_times_goes_to_the_dead_letters,
    long_poll_returns_a_message_sent_while_waiting,
    long_poll_returns_empty_when_nothing_comes,
    depth_counts_visible_and_in_flight,
    receive_returns_at_most_max,
    unknown_receipt_is_an_error,
    concurrent_receivers_never_share_a_message;
    embedded only:
    message_survives_reopening_the_file,
    outdated_receipt_cannot_delete,
);

mod cases {
    use super::*;
    use aipm_core::domain::RunId;
    use aipm_core::Error;
    use std::collections::HashSet;
    use std::time::{Duration, Instant};

    const SHORT: Duration = Duration::from_secs(1);
    /// Long enough that no test outlives it: a message hidden this long
    /// stays hidden for the rest of its test.
    const LONG: Duration = Duration::from_secs(60);
    /// An upper bound on waiting for a message that is there or about to be.
    const PATIENCE: Duration = Duration::from_secs(10);

    fn job(run: u64) -> Job {
        Job {
            run_id: RunId(run),
            attempt: 1,
        }
    }

    async fn receive_one(queue: &dyn Queue, visibility: Duration) -> Delivery {
        let mut got = queue
            .receive(1, visibility, PATIENCE)
            .await
            .expect("receive");
        assert_eq!(got.len(), 1, "one message within {PATIENCE:?}");
        got.remove(0)
    }

    fn assert_receipt_not_found(result: aipm_core::Result<()>, what: &str) {
        match result {
            Err(Error::NotFound { entity, .. }) => assert_eq!(entity, "queue receipt", "{what}"),
            other => panic!("{what}: expected the receipt to be refused, got {other:?}"),
        }
    }

    fn depth(visible: u64, in_flight: u64, dead_letter: u64) -> QueueDepth {
        QueueDepth {
            visible,
            in_flight,
            dead_letter,
        }
    }

    pub async fn sent_job_is_received_and_deleted(f: Fixture) {
        let q = f.queue.as_ref();
        q.send(job(1)).await.unwrap();

        let d = receive_one(q, LONG).await;
        assert_eq!(d.job, job(1));
        assert_eq!(d.receive_count, 1);
        assert!(!d.receipt.is_empty());

        q.delete(&d.receipt).await.unwrap();
        assert_eq!(q.depth().await.unwrap(), depth(0, 0, 0));
        assert!(q
            .receive(10, LONG, Duration::ZERO)
            .await
            .unwrap()
            .is_empty());
    }

    pub async fn undeleted_message_comes_back_with_a_new_receipt(f: Fixture) {
        let q = f.queue.as_ref();
        q.send(job(2)).await.unwrap();
        let first = receive_one(q, SHORT).await;

        // Not deleted: back once its visibility timeout passes.
        let second = receive_one(q, LONG).await;
        assert_eq!(second.job, job(2));
        assert_eq!(second.receive_count, 2);
        assert_ne!(second.receipt, first.receipt);

        // The first delivery is over: its receipt neither extends nor
        // deletes the message (SQS answers the delete with success and
        // deletes nothing; `outdated_receipt_cannot_delete` holds the
        // embedded queue to an error).
        assert_receipt_not_found(q.extend(&first.receipt, LONG).await, "extend, old receipt");
        let _ = q.delete(&first.receipt).await;
        assert_eq!(q.depth().await.unwrap(), depth(0, 1, 0));

        q.delete(&second.receipt).await.unwrap();
        assert_eq!(q.depth().await.unwrap(), depth(0, 0, 0));
    }

    pub async fn extend_keeps_a_message_hidden_past_its_timeout(f: Fixture) {
        let q = f.queue.as_ref();
        q.send(job(3)).await.unwrap();
        let d = receive_one(q, SHORT).await;

        q.extend(&d.receipt, LONG).await.unwrap();
        tokio::time::sleep(SHORT * 2).await;

        assert!(q
            .receive(1, SHORT, Duration::ZERO)
            .await
            .unwrap()
            .is_empty());
        assert_eq!(q.depth().await.unwrap(), depth(0, 1, 0));
        q.delete(&d.receipt).await.unwrap();
    }

    pub async fn message_received_max_times_goes_to_the_dead_letters(f: Fixture) {
        let q = f.queue.as_ref();
        q.send(job(4)).await.unwrap();
        for n in 1..=MAX_RECEIVES {
            let d = receive_one(q, SHORT).await;
            assert_eq!((d.job, d.receive_count), (job(4), n));
        }

        // The receive after the last allowed one moves it instead.
        let after = q.receive(1, SHORT, SHORT * 3).await.unwrap();
        assert!(after.is_empty(), "received a {}th time", MAX_RECEIVES + 1);
        assert_eq!(q.depth().await.unwrap(), depth(0, 0, 1));
        assert_eq!(q.dead_letters().await.unwrap(), vec![job(4)]);

        assert!(q.receive(1, SHORT, SHORT).await.unwrap().is_empty());
        assert_eq!(q.depth().await.unwrap().dead_letter, 1);
    }

    pub async fn long_poll_returns_a_message_sent_while_waiting(f: Fixture) {
        let queue = f.queue.clone();
        let started = Instant::now();
        let poll = tokio::spawn(async move { queue.receive(1, LONG, PATIENCE).await });
        tokio::time::sleep(Duration::from_millis(300)).await;
        f.queue.send(job(5)).await.unwrap();

        let got = poll.await.unwrap().unwrap();
        assert_eq!(got.iter().map(|d| d.job).collect::<Vec<_>>(), vec![job(5)]);
        assert!(
            started.elapsed() < PATIENCE,
            "the poll waited out its {PATIENCE:?} instead of returning the message"
        );
        f.queue.delete(&got[0].receipt).await.unwrap();
    }

    pub async fn long_poll_returns_empty_when_nothing_comes(f: Fixture) {
        let started = Instant::now();
        let got = f.queue.receive(1, SHORT, SHORT).await.unwrap();
        assert!(got.is_empty());
        assert!(started.elapsed() >= SHORT, "returned before its wait");
    }

    pub async fn depth_counts_visible_and_in_flight(f: Fixture) {
        let q = f.queue.as_ref();
        for run in 10..13 {
            q.send(job(run)).await.unwrap();
        }
        assert_eq!(q.depth().await.unwrap(), depth(3, 0, 0));
        let d = receive_one(q, LONG).await;
        assert_eq!(q.depth().await.unwrap(), depth(2, 1, 0));
        q.delete(&d.receipt).await.unwrap();
        assert_eq!(q.depth().await.unwrap(), depth(2, 0, 0));
    }

    pub async fn receive_returns_at_most_max(f: Fixture) {
        let q = f.queue.as_ref();
        for run in 20..25 {
            q.send(job(run)).await.unwrap();
        }
        let got = q.receive(2, LONG, PATIENCE).await.unwrap();
        assert!((1..=2).contains(&got.len()), "got {}", got.len());
        let distinct: HashSet<Job> = got.iter().map(|d| d.job).collect();
        assert_eq!(distinct.len(), got.len());
        assert_eq!(q.depth().await.unwrap().in_flight, got.len() as u64);
    }

    pub async fn unknown_receipt_is_an_error(f: Fixture) {
        let q = f.queue.as_ref();
        q.send(job(6)).await.unwrap();
        let d = receive_one(q, LONG).await;
        for receipt in ["no-such-receipt", "0123456789abcdef0123456789abcdef"] {
            assert_receipt_not_found(q.extend(receipt, LONG).await, "extend");
            assert_receipt_not_found(q.delete(receipt).await, "delete");
        }
        // The real delivery is untouched.
        assert_eq!(q.depth().await.unwrap(), depth(0, 1, 0));
        q.delete(&d.receipt).await.unwrap();
    }

    pub async fn concurrent_receivers_never_share_a_message(f: Fixture) {
        const JOBS: u64 = 6;
        for run in 1..=JOBS {
            f.queue.send(job(100 + run)).await.unwrap();
        }
        let receiver = |queue: Arc<dyn Queue>| async move {
            let mut got = Vec::new();
            loop {
                let batch = queue.receive(2, LONG, SHORT).await.unwrap();
                if batch.is_empty() {
                    return got;
                }
                got.extend(batch);
            }
        };
        let (a, b) = tokio::join!(
            tokio::spawn(receiver(f.queue.clone())),
            tokio::spawn(receiver(f.queue.clone()))
        );
        let all: Vec<Delivery> = a.unwrap().into_iter().chain(b.unwrap()).collect();

        let jobs: HashSet<Job> = all.iter().map(|d| d.job).collect();
        assert_eq!(jobs.len(), all.len(), "a message went to two receivers");
        assert_eq!(jobs.len() as u64, JOBS);
        assert!(all.iter().all(|d| d.receive_count == 1));
        for d in &all {
            f.queue.delete(&d.receipt).await.unwrap();
        }
    }

    pub async fn message_survives_reopening_the_file(mut f: Fixture) {
        f.queue.send(job(7)).await.unwrap();
        let in_flight = receive_one(f.queue.as_ref(), SHORT).await;
        f.queue.send(job(8)).await.unwrap();

        f.reopen();

        let mut got = Vec::new();
        while got.len() < 2 {
            got.push(receive_one(f.queue.as_ref(), LONG).await);
        }
        got.sort_by_key(|d| d.job.run_id);
        assert_eq!((got[0].job, got[0].receive_count), (job(7), 2));
        assert_eq!((got[1].job, got[1].receive_count), (job(8), 1));
        assert_ne!(got[0].receipt, in_flight.receipt);
    }

    pub async fn outdated_receipt_cannot_delete(f: Fixture) {
        let q = f.queue.as_ref();
        q.send(job(9)).await.unwrap();
        let first = receive_one(q, SHORT).await;
        let second = receive_one(q, LONG).await;

        assert_receipt_not_found(q.delete(&first.receipt).await, "delete, old receipt");
        assert_eq!(q.depth().await.unwrap(), depth(0, 1, 0));
        q.delete(&second.receipt).await.unwrap();
    }
}
