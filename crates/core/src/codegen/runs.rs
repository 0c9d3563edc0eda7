//! The runs of code generation and the PRs they opened, as the store keeps
//! them: reading them, and the changes that need no agent — cancel, retry
//! (a queue), stop tracking and merge (a forge). Each takes only what it
//! uses, so a function that lists runs builds neither queue nor forge.

use super::forge_error;
use crate::backlog::{pr_entries, Backlog, PrEntry};
use crate::domain::{
    Attempt, AttemptTrigger, CodeRun, PullRequest, RunId, RunStatus, RunSummary, StoryId, Timestamp,
};
use crate::error::{Error, Result, Rule};
use crate::forge::{Forge, PrState};
use crate::queue::{Job, Queue};
use crate::store::{Expect, RunStore, RunWrite};
use serde_json::json;

#[derive(Clone)]
pub struct Runs {
    pub backlog: Backlog,
}

impl Runs {
    pub fn new(backlog: Backlog) -> Self {
        Runs { backlog }
    }

    /// The store's runs, logs and pull requests.
    pub fn store(&self) -> RunStore {
        self.backlog.runs()
    }

    pub async fn run_record(&self, id: RunId) -> Result<CodeRun> {
        self.store().run(id).await
    }

    /// Read-modify-write a run, re-reading when a worker changed it between.
    pub async fn update_run(
        &self,
        id: RunId,
        change: impl Fn(&mut CodeRun) -> Result<Vec<RunWrite>>,
    ) -> Result<CodeRun> {
        for _ in 0..5 {
            let mut run = self.run_record(id).await?;
            let version = run.version;
            let mut extra = change(&mut run)?;
            run.version = version + 1;
            extra.push(RunWrite::PutRun {
                run: run.clone(),
                expect: Expect::Version(version),
            });
            match self.store().commit(extra).await {
                Ok(()) => return Ok(run),
                Err(Error::VersionConflict { entity: "run", .. }) => continue,
                Err(e) => return Err(e),
            }
        }
        Err(Error::internal(
            "updating a run",
            "it kept changing under us",
        ))
    }

    /// End a run: terminal status, reason (kept when `error` is `None`), and
    /// its story's slot freed.
    pub async fn finish(
        &self,
        id: RunId,
        status: RunStatus,
        error: Option<String>,
    ) -> Result<CodeRun> {
        self.end(id, status, |run| {
            if error.is_some() {
                run.error = error.clone();
            }
        })
        .await
    }

    /// End an attempt the agent ran: terminal status, its error (or none)
    /// and its summary, and the story's slot freed.
    pub async fn finish_attempt(
        &self,
        id: RunId,
        status: RunStatus,
        error: Option<String>,
        summary: Option<RunSummary>,
    ) -> Result<CodeRun> {
        self.end(id, status, |run| {
            run.error = error.clone();
            run.summary = summary.clone();
        })
        .await
    }

    /// The one way a run ends.
    async fn end(
        &self,
        id: RunId,
        status: RunStatus,
        outcome: impl Fn(&mut CodeRun),
    ) -> Result<CodeRun> {
        debug_assert!(status.is_terminal());
        self.update_run(id, |run| {
            let mut writes = Vec::new();
            if !run.status.is_terminal() {
                writes.push(RunWrite::ReleaseActiveRun {
                    story_id: run.story_id,
                    run_id: run.run_id,
                });
            }
            run.status = status;
            run.finished_at = Some(Timestamp::now());
            outcome(run);
            Ok(writes)
        })
        .await
    }

    pub async fn run(&self, id: RunId) -> Result<(CodeRun, String)> {
        let run = self.run_record(id).await?;
        let log = self.store().read_log(id).await?;
        Ok((run, log))
    }

    pub async fn runs_of(&self, story: StoryId) -> Result<Vec<CodeRun>> {
        let record = self.store().story_record(story).await?;
        Ok(record.runs)
    }

    /// Stop a run: a queued one ends at once; a running one is stopped by
    /// its worker within a couple of seconds.
    pub async fn cancel(&self, id: RunId) -> Result<CodeRun> {
        let run = self
            .update_run(id, |run| {
                if run.status.is_terminal() {
                    return Err(Error::rule(
                        Rule::RunNotActive,
                        format!("run {} already ended ({})", run.run_id, run.status),
                        json!({"runId": run.run_id, "status": run.status}),
                    ));
                }
                run.cancel_requested = true;
                if run.status == RunStatus::Queued {
                    run.status = RunStatus::Cancelled;
                    run.finished_at = Some(Timestamp::now());
                    run.error = Some("cancelled before a worker started it".into());
                    return Ok(vec![RunWrite::ReleaseActiveRun {
                        story_id: run.story_id,
                        run_id: run.run_id,
                    }]);
                }
                Ok(Vec::new())
            })
            .await?;
        Ok(run)
    }

    /// Start the next attempt of an ended run, on the same branch and PR.
    pub async fn retry(&self, queue: &dyn Queue, id: RunId) -> Result<CodeRun> {
        self.next_attempt(queue, id, AttemptTrigger::User, None)
            .await
    }

    /// Start the next attempt on the run's branch with a message for the
    /// agent, carried into TASK.md: what the user (or a review, or CI)
    /// wants changed in what the earlier attempts did.
    pub async fn follow_up(
        &self,
        queue: &dyn Queue,
        id: RunId,
        message: &str,
        trigger: AttemptTrigger,
    ) -> Result<CodeRun> {
        let message = check_message(message)?;
        self.next_attempt(queue, id, trigger, Some(message)).await
    }

    async fn next_attempt(
        &self,
        queue: &dyn Queue,
        id: RunId,
        trigger: AttemptTrigger,
        message: Option<String>,
    ) -> Result<CodeRun> {
        let current = self.run_record(id).await?;
        if !current.status.is_terminal() {
            return Err(Error::rule(
                Rule::RunInProgress,
                format!(
                    "run {id} is still {}; wait for it to end or cancel it first",
                    current.status
                ),
                json!({"runId": id, "status": current.status}),
            ));
        }
        let run = self
            .update_run(id, |run| {
                if !run.status.is_terminal() {
                    return Err(Error::rule(
                        Rule::RunInProgress,
                        format!("run {id} is already running again"),
                        json!({"runId": id}),
                    ));
                }
                run.attempt += 1;
                run.attempts.push(Attempt {
                    number: run.attempt,
                    trigger,
                    message: message.clone(),
                    requested_at: Timestamp::now(),
                });
                run.status = RunStatus::Queued;
                run.started_at = None;
                run.finished_at = None;
                run.error = None;
                run.summary = None;
                run.cancel_requested = false;
                run.heartbeat_at = None;
                run.worker = None;
                Ok(vec![RunWrite::ClaimActiveRun {
                    story_id: run.story_id,
                    run_id: run.run_id,
                }])
            })
            .await
            .map_err(|e| match e {
                Error::AlreadyExists { .. } => Error::rule(
                    Rule::RunInProgress,
                    format!(
                        "story {} has another code run in progress",
                        current.story_id
                    ),
                    json!({"storyId": current.story_id}),
                ),
                other => other,
            })?;
        if let Err(e) = queue
            .send(Job {
                run_id: id,
                attempt: run.attempt,
            })
            .await
        {
            self.finish(
                id,
                RunStatus::Failed,
                Some(format!("could not queue the job: {e}")),
            )
            .await?;
            return Err(e);
        }
        Ok(run)
    }

    pub async fn prs_of(&self, story: StoryId) -> Result<Vec<PrEntry>> {
        let record = self.store().story_record(story).await?;
        Ok(pr_entries(record.pull_requests, &record.runs))
    }

    async fn pull_request(
        &self,
        story: StoryId,
        number: u64,
    ) -> Result<(PullRequest, crate::domain::ProjectId)> {
        let record = self.store().story_record(story).await?;
        let pr = record
            .pull_requests
            .into_iter()
            .find(|p| p.number == number)
            .ok_or_else(|| {
                Error::not_found("pull request", format!("{number} of story {story}"))
            })?;
        Ok((pr, record.story.project_id))
    }

    /// Stop tracking a PR; with `close`, close it on the forge first.
    pub async fn stop_tracking(
        &self,
        forge: &dyn Forge,
        story: StoryId,
        number: u64,
        close: bool,
    ) -> Result<()> {
        let (pr, project_id) = self.pull_request(story, number).await?;
        if close && pr.state == PrState::Open {
            forge.close(&pr.repo, number).await.map_err(forge_error)?;
        }
        self.store()
            .commit(vec![RunWrite::DeletePullRequest {
                project_id,
                pr,
                expect: Expect::Exists,
            }])
            .await
    }

    /// Squash-merge a PR and record it merged.
    pub async fn merge(
        &self,
        forge: &dyn Forge,
        story: StoryId,
        number: u64,
    ) -> Result<PullRequest> {
        let (mut pr, project_id) = self.pull_request(story, number).await?;
        let merged = forge.merge(&pr.repo, number).await.map_err(forge_error)?;
        let version = pr.version;
        pr.state = merged.state;
        pr.updated_at = Timestamp::now();
        pr.version += 1;
        self.store()
            .commit(vec![RunWrite::PutPullRequest {
                project_id,
                pr: pr.clone(),
                expect: Expect::Version(version),
            }])
            .await?;
        Ok(pr)
    }
}

/// The longest follow-up message, in characters.
pub const MAX_FOLLOW_UP_CHARS: usize = 8000;

/// A follow-up's message: not empty, at most [`MAX_FOLLOW_UP_CHARS`].
pub fn check_message(message: &str) -> Result<String> {
    let message = message.trim();
    if message.is_empty() {
        return Err(Error::invalid(
            "message",
            "is empty: say what the next attempt should do",
        ));
    }
    let chars = message.chars().count();
    if chars > MAX_FOLLOW_UP_CHARS {
        return Err(Error::invalid(
            "message",
            format!("is {chars} characters long; at most {MAX_FOLLOW_UP_CHARS} are allowed"),
        ));
    }
    Ok(message.to_string())
}
