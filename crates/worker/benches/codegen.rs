//! Code-generation benchmark on the embedded shape: generateCode's latency
//! with the forge's share measured apart, and the worker's overhead per run
//! with the scripted fake agent. Run with
//!
//!     cargo bench -p aipm-shared --bench codegen
//!
//! AIPM_BENCH_RUNS sets the number of runs (default 30). A last run's agent
//! prints 150 MB on one line; the worker's peak memory growth is reported.

use aipm_core::backlog::{Backlog, NewStory, ProjectChanges};
use aipm_core::codegen::{Agents, CodeGen, CodeGenSettings, GenerateRequest};
use aipm_core::domain::{Component, Project, RunStatus, StoryContent, StoryStatus, Title};
use aipm_core::error::Result;
use aipm_core::forge::{Forge, GitRemote, PullRequestInfo, PullRequestRequest};
use aipm_git::LocalGitForge;
use aipm_sqlite::SqliteStore;
use aipm_worker::{Worker, WorkerConfig};
use async_trait::async_trait;
use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The local forge, timing each call to open a PR.
struct TimedForge {
    inner: LocalGitForge,
    opened: Mutex<Vec<Duration>>,
}

#[async_trait]
impl Forge for TimedForge {
    fn kind(&self) -> &'static str {
        "local"
    }
    async fn open_pull_request(&self, request: &PullRequestRequest) -> Result<PullRequestInfo> {
        let t = Instant::now();
        let pr = self.inner.open_pull_request(request).await;
        self.opened.lock().unwrap().push(t.elapsed());
        pr
    }
    async fn comment(&self, repo: &str, number: u64, body: &str) -> Result<()> {
        self.inner.comment(repo, number, body).await
    }
    async fn close(&self, repo: &str, number: u64) -> Result<()> {
        self.inner.close(repo, number).await
    }
    async fn merge(&self, repo: &str, number: u64) -> Result<PullRequestInfo> {
        self.inner.merge(repo, number).await
    }
    async fn pull_request(&self, repo: &str, number: u64) -> Result<PullRequestInfo> {
        self.inner.pull_request(repo, number).await
    }
    fn remote(&self, repo: &str) -> Result<GitRemote> {
        self.inner.remote(repo)
    }
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn p99(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[((v.len() as f64 - 1.0) * 0.99).round() as usize]
}

/// The process's peak resident set size so far (VmHWM), in KiB.
fn peak_rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .unwrap()
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

/// One story through generateCode and its run: (generateCode's latency,
/// the run's started → finished).
async fn run_one(
    backlog: &Backlog,
    codegen: &CodeGen,
    i: usize,
    instructions: &str,
) -> (Duration, Duration) {
    let story = backlog
        .create_story(
            NewStory {
                project_id: Project::DEFAULT_ID,
                parent_id: None,
                title: Title::parse(&format!("Bench story {i}")).unwrap(),
                content: StoryContent {
                    as_a: "shopper".into(),
                    i_want: format!("to see offer {i}"),
                    so_that: "I save 5 minutes".into(),
                    components: vec![Component::WorkModel],
                    ..Default::default()
                },
                assignee_email: None,
                status: StoryStatus::Ready,
            },
            None,
            true,
        )
        .await
        .unwrap();
    let request = GenerateRequest {
        instructions: instructions.into(),
        accept_warnings: true,
        ..Default::default()
    };
    let t = Instant::now();
    let generated = codegen.generate(story.id, request).await.unwrap();
    let generate = t.elapsed();
    loop {
        let (run, _) = codegen.runs().run(generated.run.run_id).await.unwrap();
        if run.status.is_terminal() {
            assert_eq!(run.status, RunStatus::Succeeded, "{run:?}");
            let took = run.finished_at.unwrap().millis() - run.started_at.unwrap().millis();
            return (generate, Duration::from_millis(took as u64));
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::main]
async fn main() {
    let runs: usize = std::env::var("AIPM_BENCH_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(30);
    let dir = tempfile::tempdir().unwrap();
    let repo = dir.path().join("repo");
    let git = |args: &[&str]| {
        assert!(Command::new("git")
            .args(args)
            .env("GIT_AUTHOR_NAME", "B")
            .env("GIT_AUTHOR_EMAIL", "b@example.com")
            .env("GIT_COMMITTER_NAME", "B")
            .env("GIT_COMMITTER_EMAIL", "b@example.com")
            .status()
            .unwrap()
            .success())
    };
    git(&["init", "-q", "--bare", "-b", "main", repo.to_str().unwrap()]);
    let work = dir.path().join("work");
    git(&[
        "clone",
        "-q",
        repo.to_str().unwrap(),
        work.to_str().unwrap(),
    ]);
    git(&[
        "-C",
        work.to_str().unwrap(),
        "commit",
        "-q",
        "--allow-empty",
        "-m",
        "init",
    ]);
    git(&[
        "-C",
        work.to_str().unwrap(),
        "push",
        "-q",
        "origin",
        "HEAD:main",
    ]);

    let sqlite = SqliteStore::open(dir.path().join("aipm.db")).unwrap();
    let queue = Arc::new(sqlite.queue());
    let backlog = Backlog::new(Arc::new(sqlite));
    backlog.ensure_default_project().await.unwrap();
    let changes = ProjectChanges {
        repository: Some(Some(repo.to_string_lossy().into_owned())),
        ..Default::default()
    };
    backlog
        .update_project(Project::DEFAULT_ID, None, changes)
        .await
        .unwrap();
    let fake = format!(
        "python3 {}/../../tests/agent/fake_agent.py {{task_file}}",
        env!("CARGO_MANIFEST_DIR")
    );
    let forge = Arc::new(TimedForge {
        inner: LocalGitForge::new(),
        opened: Mutex::new(Vec::new()),
    });
    let codegen = CodeGen {
        backlog: backlog.clone(),
        forge: forge.clone(),
        queue,
        agents: Agents {
            default: "custom".into(),
            custom: Some(fake.clone()),
        },
        settings: CodeGenSettings::default(),
    };
    let mut config = WorkerConfig::from_env().expect("the worker's environment");
    config.concurrency = 1;
    config.scratch = dir.path().join("scratch");
    std::fs::create_dir_all(&config.scratch).unwrap();
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let worker = Worker::new(codegen.clone(), config);
    let pool = tokio::spawn(async move { worker.run(stopped).await });

    let mut generate = Vec::new();
    let mut run_total = Vec::new();
    for i in 0..runs {
        let (g, took) = run_one(&backlog, &codegen, i, "fake-agent: edit").await;
        generate.push(g);
        run_total.push(took);
    }
    // Memory: the worker's peak resident size grows by what it buffers of
    // an agent that prints 150 MB on one line with no newline.
    let before = peak_rss_kib();
    run_one(&backlog, &codegen, runs, "fake-agent: longline 150").await;
    let long_line_growth = peak_rss_kib().saturating_sub(before);
    let _ = stop.send(true);
    pool.await.unwrap().unwrap();

    // The fake agent on its own, in a checkout like the worker's.
    let mut agent_alone = Vec::new();
    let task = work.join("TASK.md");
    std::fs::write(&task, "# Story 1: Bench\n\nfake-agent: edit\n").unwrap();
    let words: Vec<String> = fake
        .replace("{task_file}", task.to_str().unwrap())
        .split(' ')
        .map(String::from)
        .collect();
    for _ in 0..runs {
        let t = Instant::now();
        assert!(Command::new(&words[0])
            .args(&words[1..])
            .current_dir(&work)
            .output()
            .unwrap()
            .status
            .success());
        agent_alone.push(t.elapsed());
    }
    let forge_times = forge.opened.lock().unwrap().clone();
    let without_forge: Vec<Duration> = generate
        .iter()
        .zip(&forge_times)
        .map(|(g, f)| g.saturating_sub(*f))
        .collect();
    println!("| measure ({runs} runs) | median | p99 |");
    println!("|---|---|---|");
    println!(
        "| generateCode, whole call | {:.1} ms | {:.1} ms |",
        ms(median(generate.clone())),
        ms(p99(generate))
    );
    println!(
        "| of which the local forge (branch + TASK.md + PR record) | {:.1} ms | {:.1} ms |",
        ms(median(forge_times.clone())),
        ms(p99(forge_times))
    );
    println!(
        "| generateCode without the forge | {:.1} ms | {:.1} ms |",
        ms(median(without_forge.clone())),
        ms(p99(without_forge))
    );
    println!(
        "| run: started → finished (worker + agent) | {:.0} ms | {:.0} ms |",
        ms(median(run_total.clone())),
        ms(p99(run_total.clone()))
    );
    println!(
        "| the fake agent alone | {:.0} ms | {:.0} ms |",
        ms(median(agent_alone.clone())),
        ms(p99(agent_alone.clone()))
    );
    println!(
        "| worker overhead per run (median run − median agent) | {:.0} ms | |",
        ms(median(run_total).saturating_sub(median(agent_alone)))
    );
    println!(
        "| worker's peak memory growth over a run whose agent prints 150 MB on one line | {:.1} MiB | |",
        long_line_growth as f64 / 1024.0
    );
}
