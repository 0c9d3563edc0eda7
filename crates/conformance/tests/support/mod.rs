//! Stores for the conformance suites: a fresh SQLite file per test, and a
//! fresh DynamoDB table per test on the emulator named by
//! `AIPM_TEST_DYNAMODB_ENDPOINT` (the test script starts moto's server).

#![allow(dead_code)]

use aipm_aws::dynamodb::{DynamoConfig, DynamoStore};
use aipm_core::backlog::Backlog;
use aipm_core::store::Store;
use aipm_sqlite::SqliteStore;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;

pub struct Fixture {
    pub backlog: Backlog,
    pub store: Arc<dyn Store>,
    _dir: Option<tempfile::TempDir>,
    /// Dropped with the fixture: the emulator keeps every table in memory,
    /// and its transactions slow down with each one left behind.
    dynamo: Option<DynamoStore>,
}

impl Drop for Fixture {
    fn drop(&mut self) {
        let Some(store) = self.dynamo.take() else {
            return;
        };
        // Drop runs inside the test's runtime; delete from a thread of its own.
        let _ = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            if let Err(e) = runtime.block_on(store.delete_table()) {
                eprintln!("could not delete test table {}: {e}", store.table());
            }
        })
        .join();
    }
}

pub async fn sqlite() -> Fixture {
    let dir = tempfile::tempdir().expect("a temp dir");
    let store: Arc<dyn Store> =
        Arc::new(SqliteStore::open(dir.path().join("aipm.db")).expect("open sqlite"));
    fixture(store, Some(dir)).await
}

pub fn dynamodb_endpoint() -> String {
    std::env::var("AIPM_TEST_DYNAMODB_ENDPOINT").unwrap_or_else(|_| {
        panic!(
            "AIPM_TEST_DYNAMODB_ENDPOINT is not set: run the suite with bin/test, which starts \
             moto's server, or start one yourself (moto_server -p 5000) and export \
             AIPM_TEST_DYNAMODB_ENDPOINT=http://127.0.0.1:5000"
        )
    })
}

/// A table name no other test (or earlier run) uses.
pub fn unique_name(prefix: &str) -> String {
    static SEQ: AtomicU32 = AtomicU32::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos();
    format!(
        "{prefix}-{}-{}-{nanos}",
        std::process::id(),
        SEQ.fetch_add(1, Ordering::Relaxed)
    )
}

pub async fn dynamodb() -> Fixture {
    let config = DynamoConfig {
        table: unique_name("aipm-test"),
        endpoint_url: Some(dynamodb_endpoint()),
        region: Some("us-east-1".into()),
    };
    // Dummy credentials for the emulator.
    std::env::set_var("AWS_ACCESS_KEY_ID", "testing");
    std::env::set_var("AWS_SECRET_ACCESS_KEY", "testing");
    let store = DynamoStore::connect(&config)
        .await
        .expect("connect to dynamodb");
    store.create_table().await.expect("create the table");
    let mut f = fixture(Arc::new(store.clone()), None).await;
    f.dynamo = Some(store);
    f
}

async fn fixture(store: Arc<dyn Store>, dir: Option<tempfile::TempDir>) -> Fixture {
    let backlog = Backlog::new(store.clone());
    backlog
        .ensure_default_project()
        .await
        .expect("default project");
    Fixture {
        backlog,
        store,
        _dir: dir,
        dynamo: None,
    }
}
