//! Store benchmark: create 10,000 stories in a 5-level tree through the
//! backlog rules, then load the whole tree. Run with
//!
//!     cargo bench -p aipm-shared --bench store
//!
//! SQLite always; DynamoDB too when AIPM_BENCH_DYNAMODB_ENDPOINT names an
//! emulator (bin/bench starts moto's server). AIPM_BENCH_STORIES and
//! AIPM_BENCH_CONCURRENCY change the size and the number of writers.

use aipm_aws::dynamodb::{DynamoConfig, DynamoStore};
use aipm_core::backlog::{Backlog, NewStory};
use aipm_core::domain::{Component, Project, StoryContent, StoryId, StoryStatus, Title};
use aipm_core::store::Store;
use aipm_sqlite::SqliteStore;
use std::sync::Arc;
use std::time::{Duration, Instant};

fn env_or(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Stories per level, summing to `total`: 0.1%, 0.9%, 9%, 30%, the rest.
fn levels(total: usize) -> Vec<usize> {
    let l0 = (total / 1000).max(1);
    let l1 = (total * 9 / 1000).max(1);
    let l2 = (total * 9 / 100).max(1);
    let l3 = (total * 3 / 10).max(1);
    vec![l0, l1, l2, l3, total - l0 - l1 - l2 - l3]
}

fn new_story(n: usize, parent: Option<StoryId>) -> NewStory {
    NewStory {
        project_id: Project::DEFAULT_ID,
        parent_id: parent,
        title: Title::parse(&format!("Story {n}: export the monthly report")).unwrap(),
        content: StoryContent {
            description:
                "Benchmark story with a realistic amount of text in its description field.".into(),
            as_a: "finance analyst".into(),
            i_want: "to export the monthly report as CSV".into(),
            so_that: "I can reconcile accounts in 10 minutes instead of an hour".into(),
            components: vec![Component::WorkModel],
            story_point: Some(3),
        },
        assignee_email: None,
        status: StoryStatus::Draft,
    }
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

async fn run(name: &str, store: Arc<dyn Store>) {
    let total = env_or("AIPM_BENCH_STORIES", 10_000);
    let writers = env_or("AIPM_BENCH_CONCURRENCY", 4);
    let backlog = Backlog::new(store);
    backlog.ensure_default_project().await.unwrap();

    let started = Instant::now();
    let mut latencies = Vec::with_capacity(total);
    let mut previous: Vec<StoryId> = Vec::new();
    let mut n = 0;
    for size in levels(total) {
        let mut level = Vec::with_capacity(size);
        let parents = previous.clone();
        let mut batch_start = 0;
        while batch_start < size {
            let batch_end = (batch_start + writers).min(size);
            let mut handles = Vec::new();
            for i in batch_start..batch_end {
                let parent = (!parents.is_empty()).then(|| parents[i % parents.len()]);
                let b = backlog.clone();
                let story = new_story(n + i, parent);
                handles.push(tokio::spawn(async move {
                    let t = Instant::now();
                    let s = b.create_story(story, None, true).await.unwrap();
                    (s.id, t.elapsed())
                }));
            }
            for h in handles {
                let (id, took) = h.await.unwrap();
                level.push(id);
                latencies.push(took);
            }
            batch_start = batch_end;
        }
        n += size;
        previous = level;
    }
    let create_total = started.elapsed();
    latencies.sort();

    let mut loads = Vec::new();
    let mut count = 0;
    for _ in 0..5 {
        let t = Instant::now();
        let tree = backlog.story_tree(Project::DEFAULT_ID).await.unwrap();
        loads.push(t.elapsed());
        count = count_tree(&tree);
    }
    assert_eq!(count, total, "the tree holds every story");
    loads.sort();
    println!(
        "| {name} | {total} | {writers} | {:.1} s | {:.0} | {:.1} ms | {:.1} ms | {:.0} ms | {:.0} ms |",
        create_total.as_secs_f64(),
        total as f64 / create_total.as_secs_f64(),
        percentile(&latencies, 0.5).as_secs_f64() * 1e3,
        percentile(&latencies, 0.99).as_secs_f64() * 1e3,
        percentile(&loads, 0.5).as_secs_f64() * 1e3,
        loads.last().unwrap().as_secs_f64() * 1e3,
    );
}

fn count_tree(views: &[aipm_core::backlog::StoryView]) -> usize {
    views.iter().map(|v| 1 + count_tree(&v.children)).sum()
}

#[tokio::main]
async fn main() {
    println!("| store | stories | writers | create all | stories/s | create p50 | create p99 | tree load p50 | tree load max |");
    println!("|---|---|---|---|---|---|---|---|---|");
    let dir = tempfile::tempdir().unwrap();
    let sqlite = SqliteStore::open(dir.path().join("bench.db")).unwrap();
    run("sqlite", Arc::new(sqlite)).await;

    if let Ok(endpoint) = std::env::var("AIPM_BENCH_DYNAMODB_ENDPOINT") {
        std::env::set_var("AWS_ACCESS_KEY_ID", "bench");
        std::env::set_var("AWS_SECRET_ACCESS_KEY", "bench");
        let config = DynamoConfig {
            table: format!("aipm-bench-{}", std::process::id()),
            endpoint_url: Some(endpoint),
            region: Some("us-east-1".into()),
        };
        let store = DynamoStore::connect(&config).await.unwrap();
        store.create_table().await.unwrap();
        run("dynamodb (moto)", Arc::new(store)).await;
    } else {
        eprintln!("AIPM_BENCH_DYNAMODB_ENDPOINT is not set: DynamoDB not measured");
    }
}
