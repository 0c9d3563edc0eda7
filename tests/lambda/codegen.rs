//! The code-generation functions on the AWS shape: DynamoDB and SQS on moto,
//! the project's repository a bare git repository on disk (the local forge
//! runs inside the function, as GitHub would answer it in AWS).

use crate::function::Function;
use crate::table::Table;
use aipm_api::Operation;
use aipm_aws::sqs::SqsQueue;
use aipm_core::backlog::ProjectChanges;
use aipm_core::domain::Project;
use aipm_core::queue::Queue;
use std::process::Command;
use std::time::Duration;

fn bare_repo() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let work = dir.path().join("work");
    let bare = dir.path().join("shop.git");
    let git = |args: &[&str]| {
        let ok = Command::new("git")
            .args(args)
            .env("GIT_AUTHOR_NAME", "Dev")
            .env("GIT_AUTHOR_EMAIL", "dev@example.com")
            .env("GIT_COMMITTER_NAME", "Dev")
            .env("GIT_COMMITTER_EMAIL", "dev@example.com")
            .status()
            .unwrap()
            .success();
        assert!(ok, "git {args:?}");
    };
    git(&["init", "-q", "-b", "main", work.to_str().unwrap()]);
    git(&[
        "-C",
        work.to_str().unwrap(),
        "commit",
        "-q",
        "--allow-empty",
        "-m",
        "First commit",
    ]);
    git(&[
        "clone",
        "-q",
        "--bare",
        work.to_str().unwrap(),
        bare.to_str().unwrap(),
    ]);
    dir
}

#[tokio::test]
async fn generate_follow_cancel_retry_merge_and_stop_tracking_through_the_functions() {
    let table = Table::seeded().await;
    let repo = bare_repo();
    let bare = repo.path().join("shop.git").to_string_lossy().into_owned();
    table
        .backlog
        .update_project(
            Project::DEFAULT_ID,
            None,
            ProjectChanges {
                repository: Some(Some(bare.clone())),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let name = format!("aipm-fn-jobs-{}", std::process::id());
    let sqs = SqsQueue::create_queues(
        &name,
        Some(table.endpoint.clone()),
        Some("us-east-1".into()),
    )
    .await
    .unwrap();
    let queue = SqsQueue::connect(&sqs).await.unwrap();
    let mut env = table.env();
    env.push(("AIPM_QUEUE_URL", sqs.queue_url.clone()));
    env.push(("AIPM_DLQ_URL", sqs.dead_letter_queue_url.clone()));
    env.push(("AIPM_SQS_ENDPOINT", table.endpoint.clone()));
    env.push(("PATH", std::env::var("PATH").unwrap()));
    let call = |operation: Operation, fixture: &'static str| {
        let env = env.clone();
        async move {
            let mut lambda = Function::start_with(operation, env).await;
            let answer = lambda.invoke_fixture(fixture).await;
            lambda.stop().await;
            answer
        }
    };

    let started = call(Operation::GenerateCode, "generate-code").await;
    assert_eq!(started.status, 202, "{}", started.body);
    assert_eq!(started.body["run"]["status"], "queued");
    assert_eq!(started.body["pr"]["number"], 1);
    let branch = started.body["run"]["branchName"]
        .as_str()
        .unwrap()
        .to_string();
    let task = Command::new("git")
        .args(["--git-dir", &bare, "show", &format!("{branch}:TASK.md")])
        .output()
        .unwrap();
    assert!(task.status.success(), "TASK.md is on the branch");

    let jobs = queue
        .receive(10, Duration::from_secs(30), Duration::from_secs(2))
        .await
        .unwrap();
    assert_eq!(jobs.len(), 1, "one job is queued");
    assert_eq!((jobs[0].job.run_id.0, jobs[0].job.attempt), (1, 1));

    let run = call(Operation::GetRun, "get-run").await;
    assert_eq!(
        (run.status, run.body["status"].as_str()),
        (200, Some("queued"))
    );
    assert_eq!(
        call(Operation::ListRuns, "list-runs")
            .await
            .body
            .as_array()
            .unwrap()
            .len(),
        1
    );
    let prs = call(Operation::ListPrs, "list-prs").await;
    assert_eq!(prs.body[0]["runStatus"], "queued");

    let cancelled = call(Operation::CancelRun, "cancel-run").await;
    assert_eq!(
        (cancelled.status, cancelled.body["status"].as_str()),
        (202, Some("cancelled"))
    );
    let retried = call(Operation::RetryRun, "retry-run").await;
    assert_eq!(
        (retried.status, retried.body["attempt"].as_u64()),
        (202, Some(2))
    );
    queue.delete(&jobs[0].receipt).await.unwrap();
    let jobs = queue
        .receive(10, Duration::from_secs(30), Duration::from_secs(2))
        .await
        .unwrap();
    assert_eq!(
        jobs.iter().map(|d| d.job.attempt).collect::<Vec<_>>(),
        [2],
        "the retry queued attempt 2"
    );

    let merged = call(Operation::MergePr, "merge-pr").await;
    assert_eq!(
        (merged.status, merged.body["state"].as_str()),
        (200, Some("merged")),
        "{}",
        merged.body
    );
    let on_main = Command::new("git")
        .args(["--git-dir", &bare, "show", "main:TASK.md"])
        .output()
        .unwrap();
    assert!(on_main.status.success(), "the squash landed on main");
    let stopped = call(Operation::StopTracking, "stop-tracking").await;
    assert_eq!(stopped.status, 204);
    assert_eq!(
        call(Operation::ListPrs, "list-prs").await.body,
        serde_json::json!([])
    );
    queue.delete_queues().await.unwrap();
}
