//! The worker: takes jobs from the queue and runs them — `aipm worker` on
//! EC2, and the same pool inside `aipm serve`. At-least-once delivery is made
//! safe by the run record: a job whose attempt is not the run's current one,
//! or whose run has ended, is dropped; a redelivered job (its worker died)
//! starts the attempt over on the same branch.

use crate::git::Checkout;
use crate::process::{run_agent, Exit};
use crate::sandbox::Sandbox;
use aipm_core::codegen::agent::Prompt;
use aipm_core::codegen::CodeGen;
use aipm_core::codegen::RunLog;
use aipm_core::config::{self, ConfigError};
use aipm_core::domain::{
    AcceptanceOutcome, CodeRun, RunId, RunStatus, RunSummary, Timestamp, VerifyOutcome, WorkerBeat,
};
use aipm_core::error::{Error, Result};
use aipm_core::queue::{Delivery, MAX_RECEIVES};
use std::collections::BTreeSet;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::{watch, Semaphore};
use tokio::task::JoinSet;
use tracing::Instrument;

/// How often a running attempt's log is written out.
const LOG_FLUSH: Duration = Duration::from_millis(500);

#[derive(Debug, Clone)]
pub struct WorkerConfig {
    pub id: String,
    pub concurrency: usize,
    /// An agent running longer is stopped and the run is `timed_out`.
    pub run_timeout: Duration,
    /// How long a received job stays hidden; extended every `heartbeat`.
    pub visibility: Duration,
    pub heartbeat: Duration,
    /// How often a running job looks for a cancel request.
    pub cancel_poll: Duration,
    /// Long-polling wait of one receive.
    pub poll_wait: Duration,
    /// Where checkouts are made (one directory per attempt, removed after).
    pub scratch: PathBuf,
    /// The agent's environment: the worker's own, less AIPM's secrets and
    /// the worker's AWS credentials.
    pub agent_env: Vec<(String, String)>,
    /// Values masked in run logs.
    pub secrets: Vec<String>,
    /// Where the agent and the verify command run.
    pub sandbox: Sandbox,
    /// The most turns an agent that takes a cap may use in one attempt
    /// (`AIPM_AGENT_MAX_TURNS`; Claude Code's `--max-turns`).
    pub max_turns: Option<u32>,
}

/// Variables the agent never gets: AIPM's secrets (already out of the
/// environment of `aipm serve` and `aipm worker`) and the worker's own AWS
/// credentials (for its queue and store, not the agent's).
fn kept_from_agent(name: &str) -> bool {
    aipm_core::secrets::is_secret_name(name)
        || matches!(
            name,
            "AWS_ACCESS_KEY_ID" | "AWS_SECRET_ACCESS_KEY" | "AWS_SESSION_TOKEN"
        )
}

impl WorkerConfig {
    /// From the environment: AIPM_WORKER_ID (default host-pid),
    /// AIPM_WORKER_CONCURRENCY (2), AIPM_RUN_TIMEOUT_SECS (900),
    /// AIPM_JOB_VISIBILITY_SECS (60; heartbeats come four times as often),
    /// AIPM_SCRATCH_DIR (the system temp dir), the sandbox
    /// (AIPM_AGENT_SANDBOX, AIPM_SANDBOX_READ, AIPM_SANDBOX_WRITE), the turn
    /// cap (AIPM_AGENT_MAX_TURNS, none by default).
    /// Every variable set to something unusable is refused here, by name.
    pub fn from_env() -> Result<Self, ConfigError> {
        let var = config::var;
        let host = var("HOSTNAME").unwrap_or_else(|| {
            std::fs::read_to_string("/etc/hostname")
                .map(|h| h.trim().to_string())
                .unwrap_or_else(|_| "worker".into())
        });
        let mut secrets = aipm_core::secrets::values();
        secrets.extend(
            std::env::vars()
                .filter(|(k, _)| kept_from_agent(k))
                .map(|(_, v)| v),
        );
        let visibility =
            Duration::from_secs(config::number("AIPM_JOB_VISIBILITY_SECS", 1)?.unwrap_or(60));
        let concurrency = config::number("AIPM_WORKER_CONCURRENCY", 1)?.unwrap_or(2);
        Ok(WorkerConfig {
            id: var("AIPM_WORKER_ID").unwrap_or_else(|| format!("{host}-{}", std::process::id())),
            concurrency: usize::try_from(concurrency)
                .map_err(|_| ConfigError::new("AIPM_WORKER_CONCURRENCY", "is too large"))?,
            run_timeout: Duration::from_secs(
                config::number("AIPM_RUN_TIMEOUT_SECS", 1)?.unwrap_or(900),
            ),
            visibility,
            heartbeat: (visibility / 4).max(Duration::from_millis(500)),
            cancel_poll: Duration::from_millis(500),
            poll_wait: Duration::from_secs(10),
            scratch: var("AIPM_SCRATCH_DIR")
                .map(PathBuf::from)
                .unwrap_or_else(std::env::temp_dir),
            agent_env: std::env::vars()
                .filter(|(k, _)| !kept_from_agent(k))
                .collect(),
            secrets,
            sandbox: Sandbox::from_env()?,
            max_turns: match config::number("AIPM_AGENT_MAX_TURNS", 1)? {
                Some(n) => Some(
                    u32::try_from(n)
                        .map_err(|_| ConfigError::new("AIPM_AGENT_MAX_TURNS", "is too large"))?,
                ),
                None => None,
            },
        })
    }
}

#[derive(Clone)]
pub struct Worker {
    codegen: CodeGen,
    config: Arc<WorkerConfig>,
    active: Arc<Mutex<BTreeSet<RunId>>>,
    started_at: Timestamp,
    /// The story-scoped MCP server handed to agents, where the process hosts one.
    mcp: Option<Arc<dyn crate::mcp_config::AgentMcp>>,
}

impl Worker {
    pub fn new(codegen: CodeGen, config: WorkerConfig) -> Self {
        Worker {
            codegen,
            config: Arc::new(config),
            active: Arc::default(),
            started_at: Timestamp::now(),
            mcp: None,
        }
    }

    /// Give each run's agent the AIPM MCP server, scoped to its story.
    pub fn with_mcp(mut self, mcp: Option<Arc<dyn crate::mcp_config::AgentMcp>>) -> Self {
        self.mcp = mcp;
        self
    }

    async fn beat(&self) {
        let active: Vec<RunId> = self
            .active
            .lock()
            .expect("not poisoned")
            .iter()
            .copied()
            .collect();
        let beat = WorkerBeat {
            id: self.config.id.clone(),
            host: self
                .config
                .id
                .rsplit_once('-')
                .map(|(h, _)| h.to_string())
                .unwrap_or_default(),
            started_at: self.started_at,
            heartbeat_at: Timestamp::now(),
            capacity: self.config.concurrency as u32,
            active_runs: active,
            sandbox: self.config.sandbox.state(),
        };
        if let Err(e) = self.codegen.store().record_worker(beat).await {
            tracing::warn!(error = %e, "could not record the worker's heartbeat");
        }
    }

    /// Take and run jobs until `shutdown` turns true; then stop taking new
    /// ones and let the running ones finish (graceful drain).
    pub async fn run(&self, mut shutdown: watch::Receiver<bool>) -> Result<()> {
        let slots = Arc::new(Semaphore::new(self.config.concurrency));
        let mut jobs = JoinSet::new();
        let beats = {
            let me = self.clone();
            tokio::spawn(async move {
                loop {
                    me.beat().await;
                    tokio::time::sleep(me.config.heartbeat).await;
                }
            })
        };
        tracing::info!(worker = %self.config.id, concurrency = self.config.concurrency, queue = self.codegen.queue.kind(), sandbox = %self.config.sandbox.state(), "worker started");
        while !*shutdown.borrow() {
            while jobs.try_join_next().is_some() {}
            let free = slots.available_permits();
            if free == 0 {
                tokio::select! {
                    _ = jobs.join_next() => {}
                    _ = shutdown.changed() => {}
                }
                continue;
            }
            let received = tokio::select! {
                r = self.codegen.queue.receive(free, self.config.visibility, self.config.poll_wait) => r,
                _ = shutdown.changed() => break,
            };
            let deliveries = match received {
                Ok(d) => d,
                Err(e) => {
                    tracing::warn!(error = %e, "receiving from the queue failed; trying again shortly");
                    tokio::time::sleep(Duration::from_secs(2)).await;
                    continue;
                }
            };
            for delivery in deliveries {
                let permit = slots
                    .clone()
                    .acquire_owned()
                    .await
                    .expect("the semaphore stays open");
                let me = self.clone();
                let span = tracing::info_span!(
                    "delivery",
                    run_id = %delivery.job.run_id,
                    attempt = delivery.job.attempt,
                    receive_count = delivery.receive_count,
                    worker = %self.config.id
                );
                jobs.spawn(
                    async move {
                        me.handle(delivery).await;
                        drop(permit);
                    }
                    .instrument(span),
                );
            }
        }
        tracing::info!(worker = %self.config.id, running = jobs.len(), "draining: finishing the running jobs");
        while jobs.join_next().await.is_some() {}
        beats.abort();
        self.beat().await;
        tracing::info!(worker = %self.config.id, "worker stopped");
        Ok(())
    }

    /// One delivery, start to end. Faults of the infrastructure leave the
    /// message for redelivery; on the last allowed delivery the run fails
    /// and the message goes on to the dead-letter queue.
    pub async fn handle(&self, delivery: Delivery) {
        let job = delivery.job;
        let queue = &self.codegen.queue;
        let run = match self.codegen.store().get_run(job.run_id).await {
            Ok(Some(run)) => run,
            Ok(None) => {
                tracing::warn!(run = %job.run_id, "a job for a run that does not exist; dropped");
                let _ = queue.delete(&delivery.receipt).await;
                return;
            }
            Err(e) => {
                tracing::warn!(run = %job.run_id, error = %e, "could not read the run; the job comes back later");
                return;
            }
        };
        if run.attempt != job.attempt || run.status.is_terminal() {
            tracing::info!(run = %job.run_id, attempt = job.attempt, status = %run.status, "stale job; dropped");
            let _ = queue.delete(&delivery.receipt).await;
            return;
        }
        tracing::info!(agent = %run.agent, "running the attempt");
        self.active.lock().expect("not poisoned").insert(run.run_id);
        let outcome = self.execute(run, &delivery).await;
        self.active
            .lock()
            .expect("not poisoned")
            .remove(&job.run_id);
        match outcome {
            Ok(()) => {
                tracing::info!("attempt finished");
                if let Err(e) = queue.delete(&delivery.receipt).await {
                    tracing::warn!(run = %job.run_id, error = %e, "could not delete a finished job; it will be dropped as stale");
                }
            }
            Err(e) if e.is_retryable() && delivery.receive_count < MAX_RECEIVES => {
                tracing::warn!(run = %job.run_id, delivery = delivery.receive_count, error = %e, "attempt failed; the job will be delivered again");
                self.note(
                    job.run_id,
                    &format!("[aipm] this delivery failed: {e}; the job will be retried"),
                )
                .await;
            }
            Err(e) => {
                let reason = if e.is_retryable() {
                    format!("gave up after {} deliveries: {e}", delivery.receive_count)
                } else {
                    e.to_string()
                };
                tracing::error!(run = %job.run_id, error = %reason, "run failed");
                self.note(job.run_id, &format!("[aipm] {reason}")).await;
                if let Ok(run) = self
                    .codegen
                    .finish(job.run_id, RunStatus::Failed, Some(reason))
                    .await
                {
                    self.comment(&run).await;
                }
                if !e.is_retryable() {
                    let _ = queue.delete(&delivery.receipt).await;
                }
                // A retryable fault on the last delivery: the message stays,
                // and the queue moves it to the dead-letter queue.
            }
        }
    }

    async fn note(&self, run: RunId, line: &str) {
        if let Ok(log) = RunLog::open(self.codegen.store(), run, self.config.secrets.clone()).await
        {
            let _ = log.line(line).await;
            let _ = log.flush().await;
        }
    }

    async fn set_status(&self, run: RunId, status: RunStatus) -> Result<CodeRun> {
        let worker = self.config.id.clone();
        self.codegen
            .update_run(run, |r| {
                r.status = status;
                r.worker = Some(worker.clone());
                r.heartbeat_at = Some(Timestamp::now());
                if status == RunStatus::Preparing {
                    r.started_at = Some(Timestamp::now());
                }
                Ok(Vec::new())
            })
            .await
    }

    async fn execute(&self, run: CodeRun, delivery: &Delivery) -> Result<()> {
        let log = RunLog::open(
            self.codegen.store(),
            run.run_id,
            self.config.secrets.clone(),
        )
        .await?;
        if run.cancel_requested {
            log.line("[aipm] cancelled before the agent started")
                .await?;
            log.flush().await?;
            let run = self
                .codegen
                .finish(
                    run.run_id,
                    RunStatus::Cancelled,
                    Some("cancelled by the user".into()),
                )
                .await?;
            self.comment(&run).await;
            return Ok(());
        }
        log.line(&format!(
            "[aipm] attempt {} of run {} on worker {} (delivery {})",
            run.attempt, run.run_id, self.config.id, delivery.receive_count
        ))
        .await?;
        self.set_status(run.run_id, RunStatus::Preparing).await?;

        // Heartbeat and cancel watch for the whole attempt.
        let (cancel_tx, cancel_rx) = watch::channel(false);
        let keeper = {
            let me = self.clone();
            let receipt = delivery.receipt.clone();
            let id = run.run_id;
            tokio::spawn(async move { me.keep_alive(id, receipt, cancel_tx).await })
        };
        // The user follows the log live: what is buffered is written twice a second.
        let flusher = {
            let log = log.clone();
            tokio::spawn(async move {
                loop {
                    tokio::time::sleep(LOG_FLUSH).await;
                    let _ = log.flush().await;
                }
            })
        };
        let result = self.attempt(&run, &log, cancel_rx).await;
        keeper.abort();
        flusher.abort();
        if let Err(e) = log.flush().await {
            tracing::warn!(run = %run.run_id, error = %e, "could not write the run log");
        }
        let (status, error, summary) = result?;
        let finished = self
            .codegen
            .finish_attempt(run.run_id, status, error, summary)
            .await?;
        self.comment(&finished).await;
        Ok(())
    }

    /// Extend the job's visibility and the run's heartbeat; watch for a
    /// cancel request.
    async fn keep_alive(&self, run: RunId, receipt: String, cancel: watch::Sender<bool>) {
        let mut last_beat = tokio::time::Instant::now();
        loop {
            tokio::time::sleep(self.config.cancel_poll).await;
            if let Ok(Some(r)) = self.codegen.store().get_run(run).await {
                if r.cancel_requested && !*cancel.borrow() {
                    let _ = cancel.send(true);
                }
            }
            if last_beat.elapsed() >= self.config.heartbeat {
                last_beat = tokio::time::Instant::now();
                if let Err(e) = self
                    .codegen
                    .queue
                    .extend(&receipt, self.config.visibility)
                    .await
                {
                    tracing::warn!(%run, error = %e, "could not extend the job's visibility");
                }
                let _ = self
                    .codegen
                    .update_run(run, |r| {
                        r.heartbeat_at = Some(Timestamp::now());
                        Ok(Vec::new())
                    })
                    .await;
            }
        }
    }

    /// Check out, run the agent, check the result, push. Returns the
    /// terminal status with its reason and summary.
    async fn attempt(
        &self,
        run: &CodeRun,
        log: &RunLog,
        cancel: watch::Receiver<bool>,
    ) -> Result<(RunStatus, Option<String>, Option<RunSummary>)> {
        let remote = self.codegen.forge.remote(&run.repo)?;
        let remote_url = remote.url.clone();
        let dir = self.config.scratch.join(format!(
            "aipm-run-{}-{}-{}",
            run.run_id,
            run.attempt,
            std::process::id()
        ));
        let _ = tokio::fs::remove_dir_all(&dir).await;
        let scratch = ScratchDir(dir.clone());
        log.line(&format!("[aipm] checking out {} ", run.branch_name))
            .await?;
        let mut checkout = Checkout::clone(remote, &run.branch_name, dir.clone()).await?;
        let task_path = dir.join("TASK.md");
        let mut task = tokio::fs::read_to_string(&task_path)
            .await
            .map_err(|e| Error::internal("reading TASK.md from the branch", e))?;
        if let Some(attempt) = run.current_attempt() {
            if let Some(message) = &attempt.message {
                // A follow-up: its message goes at the end of TASK.md, and the
                // branch keeps it with the attempt's work.
                task.push_str(&aipm_core::codegen::task_md::follow_up_section(
                    attempt.number,
                    attempt.trigger.as_str(),
                    message,
                ));
                tokio::fs::write(&task_path, &task)
                    .await
                    .map_err(|e| Error::internal("writing TASK.md", e))?;
                checkout
                    .commit_task(&format!(
                        "TASK.md: follow-up for attempt {} of AIPM run {}",
                        attempt.number, run.run_id
                    ))
                    .await?;
                log.line(&format!(
                    "[aipm] follow-up from {}: TASK.md carries its message",
                    attempt.trigger.as_str()
                ))
                .await?;
            }
        }
        let mut command = self
            .codegen
            .agents
            .command(&run.agent, &task_path.to_string_lossy())?;
        if let Some(turns) = self.config.max_turns {
            let line = if command.cap_turns(turns) {
                format!("[aipm] at most {turns} turns")
            } else {
                format!(
                    "[aipm] {} takes no turn cap; only the time limit applies",
                    command.name
                )
            };
            log.line(&line).await?;
        }
        let network = self
            .codegen
            .backlog
            .project(run.project_id)
            .await?
            .agent_network;
        let mut env = self.config.agent_env.clone();
        env.push(("AIPM_RUN_ID".into(), run.run_id.to_string()));
        env.push(("AIPM_STORY_ID".into(), run.story_id.to_string()));
        env.push((
            "AIPM_TASK_FILE".into(),
            task_path.to_string_lossy().into_owned(),
        ));
        // AIPM's MCP server, scoped to this run's story, before the sandbox
        // wraps the command it adds to.
        let mcp = match &self.mcp {
            Some(server) => Some(crate::mcp_config::AgentSetup::prepare(
                server.clone(),
                run.story_id,
                &dir,
                dir.with_extension("mcp"),
                &mut command,
                &mut env,
            )?),
            None => None,
        };
        if mcp.is_some() {
            log.line(&format!(
                "[aipm] the agent has AIPM's MCP server for story {} (get_story, record_test_result)",
                run.story_id
            ))
            .await?;
        }
        let proxy =
            crate::egress::start_for(network, &remote_url, &dir, &self.config.sandbox.allow_hosts)?;
        if proxy.is_some() {
            env.extend(crate::egress::proxy_env());
        }
        let socket = proxy.as_ref().map(|p| p.socket.as_path());
        let sandboxed = self
            .config
            .sandbox
            .reading(mcp.iter().map(|m| m.config_dir().to_path_buf()))
            .wrap(&command, &dir, network, socket, &env)?;
        self.set_status(run.run_id, RunStatus::Running).await?;
        log.line(&format!(
            "[aipm] running {} ({}{}), limit {} s",
            command.name,
            command.program,
            if command.prompt == Prompt::Stdin {
                ", task on stdin"
            } else {
                ", task as a file"
            },
            self.config.run_timeout.as_secs()
        ))
        .await?;
        log.line(&format!(
            "[aipm] sandbox: {}, network: {}",
            self.config.sandbox.state(),
            network.as_str()
        ))
        .await?;
        let exit = run_agent(
            &sandboxed,
            &dir,
            &env,
            &task,
            log,
            self.config.run_timeout,
            cancel,
        )
        .await?;
        // The grant ends with the agent, before its work is committed.
        drop(mcp);
        log.line(&format!("[aipm] agent ended: {exit:?}")).await?;
        let mut summary = RunSummary::default();
        let outcome = match exit {
            Exit::Cancelled => (
                RunStatus::Cancelled,
                Some("cancelled by the user".to_string()),
            ),
            Exit::TimedOut => (
                RunStatus::TimedOut,
                Some(format!(
                    "the agent ran past its limit of {} s and was stopped",
                    self.config.run_timeout.as_secs()
                )),
            ),
            Exit::Signal(sig) => (
                RunStatus::Failed,
                Some(format!("the agent was killed by signal {sig}")),
            ),
            Exit::Code(code) if code != 0 => {
                summary.agent_exit_code = Some(code);
                (
                    RunStatus::Failed,
                    Some(format!("the agent exited with code {code}")),
                )
            }
            Exit::Code(code) => {
                checkout
                    .commit_all(&format!(
                        "AIPM run {}: changes for story {}",
                        run.run_id, run.story_id
                    ))
                    .await?;
                summary = checkout.summary().await?;
                summary.agent_exit_code = Some(code);
                if summary.commits == 0 {
                    log.line("[aipm] the agent changed nothing").await?;
                    (
                        RunStatus::NoChanges,
                        Some("the agent finished without changing anything".to_string()),
                    )
                } else {
                    let verify = self.verify(&dir, network, socket, &env, log).await?;
                    let failed = verify.as_ref().is_some_and(|v| !v.passed);
                    summary.verify = verify;
                    self.set_status(run.run_id, RunStatus::Pushing).await?;
                    log.line(&format!(
                        "[aipm] pushing {} commit(s), {} file(s) changed (+{} -{})",
                        summary.commits,
                        summary.files_changed,
                        summary.insertions,
                        summary.deletions
                    ))
                    .await?;
                    checkout.push().await?;
                    summary.acceptance = self.acceptance(run, &checkout, failed, log).await?;
                    if failed {
                        (
                            RunStatus::Failed,
                            Some(
                                "the verify command failed; the changes are pushed for review"
                                    .to_string(),
                            ),
                        )
                    } else {
                        (RunStatus::Succeeded, None)
                    }
                }
            }
        };
        drop(scratch);
        Ok((outcome.0, outcome.1, Some(summary)))
    }

    /// Read the agent's `.aipm/acceptance.json` from the pushed branch, when
    /// this attempt changed it, and record its results on the story's tests.
    async fn acceptance(
        &self,
        run: &CodeRun,
        checkout: &Checkout,
        verify_failed: bool,
        log: &RunLog,
    ) -> Result<Option<AcceptanceOutcome>> {
        use aipm_core::codegen::acceptance::{self, ACCEPTANCE_FILE, MAX_ACCEPTANCE_BYTES};
        let Some(read) = checkout
            .committed_file(ACCEPTANCE_FILE, MAX_ACCEPTANCE_BYTES)
            .await?
        else {
            return Ok(None);
        };
        let claims = match read.and_then(|bytes| acceptance::parse(&bytes)) {
            Ok(claims) => claims,
            Err(reason) => {
                log.line(&format!("[aipm] acceptance results not read: {reason}"))
                    .await?;
                return Ok(Some(AcceptanceOutcome {
                    error: Some(reason),
                    ..Default::default()
                }));
            }
        };
        let commit = checkout.head().await?;
        let outcome = acceptance::apply(
            &self.codegen.backlog,
            run.story_id,
            claims,
            &acceptance::Source {
                run_id: run.run_id,
                attempt: run.attempt,
                commit: &commit,
                verify_failed,
            },
        )
        .await?;
        log.line(&format!(
            "[aipm] acceptance results: {} recorded, {} refused, {} ignored (not tests of story {}){}",
            outcome.recorded.len(),
            outcome.refused.len(),
            outcome.ignored.len(),
            run.story_id,
            if outcome.ignored.is_empty() {
                String::new()
            } else {
                format!(
                    ": {}",
                    outcome
                        .ignored
                        .iter()
                        .map(u64::to_string)
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            }
        ))
        .await?;
        for refused in &outcome.refused {
            log.line(&format!(
                "[aipm] acceptance test {} not recorded: {}",
                refused.test_id, refused.reason
            ))
            .await?;
        }
        Ok(Some(outcome))
    }

    /// Run AIPM_VERIFY_CMD in the checkout, if it is set.
    async fn verify(
        &self,
        dir: &std::path::Path,
        network: aipm_core::domain::AgentNetwork,
        proxy: Option<&std::path::Path>,
        env: &[(String, String)],
        log: &RunLog,
    ) -> Result<Option<VerifyOutcome>> {
        let Some(command) = self.codegen.settings.verify_command.clone() else {
            return Ok(None);
        };
        let words = aipm_core::codegen::agent::split_words(&command)
            .map_err(|r| Error::invalid("AIPM_VERIFY_CMD", r))?;
        let verify = aipm_core::codegen::agent::AgentCommand {
            name: "verify".into(),
            program: words[0].clone(),
            args: words[1..].to_vec(),
            prompt: Prompt::File,
        };
        log.line(&format!("[aipm] verifying with: {command}"))
            .await?;
        // The verify command runs the agent's code: it is confined the same way.
        let verify = self
            .config
            .sandbox
            .wrap(&verify, dir, network, proxy, env)?;
        let (_tx, rx) = watch::channel(false);
        let exit = run_agent(&verify, dir, env, "", log, self.config.run_timeout, rx).await?;
        let exit_code = match exit {
            Exit::Code(c) => Some(c),
            _ => None,
        };
        let passed = exit_code == Some(0);
        log.line(&format!(
            "[aipm] verify {}",
            if passed { "passed" } else { "failed" }
        ))
        .await?;
        Ok(Some(VerifyOutcome {
            command,
            exit_code,
            passed,
        }))
    }

    /// Report a finished run on its PR; a failure to comment is only logged.
    async fn comment(&self, run: &CodeRun) {
        let Some(number) = run.pr_number else { return };
        let mut body = format!(
            "**AIPM run {} (attempt {})**: `{}`",
            run.run_id, run.attempt, run.status
        );
        if let Some(error) = &run.error {
            body.push_str(&format!("\n\n{error}"));
        }
        if let Some(s) = &run.summary {
            body.push_str(&format!(
                "\n\n{} commit(s), {} file(s) changed, +{} -{}",
                s.commits, s.files_changed, s.insertions, s.deletions
            ));
            if let Some(v) = &s.verify {
                body.push_str(&format!(
                    "\n\nVerify `{}`: {}",
                    v.command,
                    if v.passed { "passed" } else { "failed" }
                ));
            }
        }
        if let Some(url) = self.codegen.story_url(run.story_id) {
            body.push_str(&format!("\n\nLog: {url}"));
        }
        if let Err(e) = self.codegen.forge.comment(&run.repo, number, &body).await {
            tracing::warn!(run = %run.run_id, error = %e, "could not comment on the PR");
        }
    }
}

/// A checkout directory, removed when dropped.
struct ScratchDir(PathBuf);

impl Drop for ScratchDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
