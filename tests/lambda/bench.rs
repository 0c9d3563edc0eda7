//! Cold start and peak memory of every function: run by bin/bench-functions
//! on a release build; ignored by the test suite.

use crate::function::{binary, Function};
use crate::runtime_api::Outcome;
use crate::table::Table;
use aipm_api::Operation;
use std::time::Duration;

struct Sample {
    /// Process start → first poll of the Runtime API (config, SDK, DynamoDB connection).
    init: Duration,
    /// Process start → the first answer posted to the Runtime API.
    cold_start: Duration,
    peak_rss_kib: u64,
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

async fn cold_start(operation: Operation) -> Sample {
    // A fresh table each time, so that each run answers the same request.
    let table = Table::seeded().await;
    // The function's own environment from template.yaml, as deployed, with
    // the emulator for DynamoDB, SQS and SSM (and its secrets put there).
    let name = operation.function();
    crate::policies::put_parameter(&table.endpoint, "/aipm/dev/github-token", "ghp_test-token")
        .await;
    crate::policies::put_parameter(&table.endpoint, "/aipm/dev/llm-api-key", "sk-test-key").await;
    let queues = table.queues().await;
    let mut env = crate::policies::template_env(&name, &table.name, &queues.0, &queues.1);
    for variable in [
        "AIPM_DYNAMODB_ENDPOINT",
        "AIPM_SQS_ENDPOINT",
        "AIPM_SSM_ENDPOINT",
    ] {
        env.push((variable.to_string(), table.endpoint.clone()));
    }
    env.push(("PATH".to_string(), std::env::var("PATH").unwrap()));
    let mut lambda = Function::start_with(operation, env).await;
    let answer = lambda.invoke_raw(crate::event(&name)).await;
    assert!(
        matches!(answer.outcome, Outcome::Response(_)),
        "{:?}",
        answer.outcome
    );
    let sample = Sample {
        init: lambda.runtime_api().first_poll().expect("a poll") - lambda.started,
        cold_start: answer.at - lambda.started,
        peak_rss_kib: lambda.peak_rss_kib().expect("/proc/<pid>/status"),
    };
    lambda.stop().await;
    sample
}

/// The size of the binary once `strip`ped (as the deployment profile ships it).
fn stripped_size(path: &std::path::Path) -> u64 {
    let copy = tempfile::NamedTempFile::new().expect("a temporary file");
    let status = std::process::Command::new("strip")
        .arg("-o")
        .arg(copy.path())
        .arg(path)
        .status()
        .expect("strip (binutils)");
    assert!(status.success(), "strip {}", path.display());
    std::fs::metadata(copy.path()).unwrap().len()
}

#[tokio::test]
#[ignore = "a benchmark, run by bin/bench-functions"]
async fn cold_start_and_peak_rss_of_every_function() {
    let runs: usize = std::env::var("AIPM_BENCH_RUNS").map_or(5, |v| v.parse().expect("a number"));
    let mut report = String::from(
        "| function | init ms (median) | cold start ms (median) | cold start ms (max) | peak RSS MiB (max) | binary MiB | stripped MiB |\n\
         |---|---:|---:|---:|---:|---:|---:|\n",
    );
    for operation in Operation::ALL {
        let name = operation.function();
        let mut samples = Vec::new();
        for _ in 0..runs {
            samples.push(cold_start(*operation).await);
        }
        let cold: Vec<f64> = samples.iter().map(|s| ms(s.cold_start)).collect();
        let init: Vec<f64> = samples.iter().map(|s| ms(s.init)).collect();
        let rss = samples.iter().map(|s| s.peak_rss_kib).max().unwrap();
        let path = binary(&name).unwrap();
        let size = std::fs::metadata(&path).unwrap().len();
        let stripped = stripped_size(&path);
        report += &format!(
            "| {name} | {:.0} | {:.0} | {:.0} | {:.1} | {:.1} | {:.1} |\n",
            median(init),
            median(cold.clone()),
            cold.iter().copied().fold(0.0, f64::max),
            rss as f64 / 1024.0,
            size as f64 / (1024.0 * 1024.0),
            stripped as f64 / (1024.0 * 1024.0),
        );
    }
    match std::env::var("AIPM_BENCH_REPORT") {
        Ok(path) => std::fs::write(&path, &report).expect("write the report"),
        Err(_) => println!("{report}"),
    }
}
