//! Code generation (DESIGN §6): one click turns a story into a branch with
//! TASK.md, a draft PR and a queued job; a worker runs the coding agent on the
//! branch and reports back to the run, the PR and the story. Every run ends in
//! a terminal state the user can see; nothing is ever faked.

pub mod agent;
mod git;
mod log;
pub mod mcp_config;
mod process;
pub mod setup;
mod task_md;
pub mod worker;

pub use agent::Agents;
pub use log::{strip_ansi, RunLog, MAX_LOG_BYTES};

use crate::backlog::{pr_entries, Backlog, PrEntry};
use crate::domain::{CodeRun, Counter, PullRequest, RunId, RunStatus, StoryId, Timestamp};
use crate::error::{codes, Error, Result};
use crate::forge::{Forge, PrState, PullRequestRequest};
use crate::queue::{Job, Queue};
use crate::store::{Expect, Write};
use serde_json::json;
use std::sync::Arc;

/// Where AIPM is reached (links in TASK.md and PR comments) and what the
/// worker checks the result with.
#[derive(Debug, Clone, Default)]
pub struct CodeGenSettings {
    pub public_url: Option<String>,
    pub verify_command: Option<String>,
}

#[derive(Clone)]
pub struct CodeGen {
    pub backlog: Backlog,
    pub forge: Arc<dyn Forge>,
    pub queue: Arc<dyn Queue>,
    pub agents: Agents,
    pub settings: CodeGenSettings,
}

#[derive(Debug, Clone, Default)]
pub struct GenerateRequest {
    pub agent: Option<String>,
    pub instructions: String,
    pub accept_warnings: bool,
}

/// A run with the PR it opened.
#[derive(Debug, Clone)]
pub struct Generated {
    pub run: CodeRun,
    pub pr: PullRequest,
}

/// `aipm/<id>-<slug of the title>`.
pub fn branch_name(story: StoryId, title: &str) -> String {
    let mut slug = String::new();
    for c in title.chars().flat_map(char::to_lowercase) {
        if c.is_ascii_alphanumeric() {
            slug.push(c);
        } else if !slug.ends_with('-') && !slug.is_empty() {
            slug.push('-');
        }
        if slug.len() >= 40 {
            break;
        }
    }
    let slug = slug.trim_end_matches('-');
    if slug.is_empty() {
        format!("aipm/{story}")
    } else {
        format!("aipm/{story}-{slug}")
    }
}

fn forge_error(e: Error) -> Error {
    match e {
        Error::Internal { context, source } => Error::rule(
            "FORGE_ERROR",
            format!("the forge refused or failed: {context}: {source}"),
            json!({}),
        ),
        other => other,
    }
}

impl CodeGen {
    /// The story in the web UI (which opens it from `#story-<id>`); its
    /// details show the story's runs with their logs.
    pub fn story_url(&self, story: StoryId) -> Option<String> {
        self.settings
            .public_url
            .as_ref()
            .map(|u| format!("{}/#story-{story}", u.trim_end_matches('/')))
    }

    async fn run_record(&self, id: RunId) -> Result<CodeRun> {
        self.backlog
            .store()
            .get_run(id)
            .await?
            .ok_or_else(|| Error::not_found("run", id))
    }

    /// Read-modify-write a run, re-reading when a worker changed it between.
    pub async fn update_run(
        &self,
        id: RunId,
        change: impl Fn(&mut CodeRun) -> Result<Vec<Write>>,
    ) -> Result<CodeRun> {
        for _ in 0..5 {
            let mut run = self.run_record(id).await?;
            let version = run.version;
            let mut extra = change(&mut run)?;
            run.version = version + 1;
            extra.push(Write::PutRun {
                run: run.clone(),
                expect: Expect::Version(version),
            });
            match self.backlog.store().commit(extra).await {
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

    /// End a run: terminal status, reason, and its story's slot freed.
    pub async fn finish(
        &self,
        id: RunId,
        status: RunStatus,
        error: Option<String>,
    ) -> Result<CodeRun> {
        debug_assert!(status.is_terminal());
        self.update_run(id, |run| {
            let mut writes = Vec::new();
            if !run.status.is_terminal() {
                writes.push(Write::ReleaseActiveRun {
                    story_id: run.story_id,
                    run_id: run.run_id,
                });
            }
            run.status = status;
            run.finished_at = Some(Timestamp::now());
            if error.is_some() {
                run.error = error.clone();
            }
            Ok(writes)
        })
        .await
    }

    /// Start a run for a story: branch, TASK.md, draft PR, job. Answers once
    /// the job is queued; the worker does the rest.
    pub async fn generate(&self, story_id: StoryId, request: GenerateRequest) -> Result<Generated> {
        let view = self.backlog.story_view(story_id).await?;
        let story = &view.story;
        let project = self.backlog.project(story.project_id).await?;
        let repo = project.repository.clone().ok_or_else(|| {
            Error::invalid(
                "repository",
                format!(
                    "project {} has no repository: set one with PATCH /api/projects/{} {{\"repository\": …}} \
                     (a local git path or owner/name on GitHub), or start aipm serve with --repo PATH",
                    project.id, project.id
                ),
            )
        })?;
        if !story.invest_analysis.warnings.is_empty() && !request.accept_warnings {
            return Err(Error::rule(
                codes::INVEST_WARNINGS,
                "The story has INVEST warnings; fix them or send \"acceptWarnings\": true to generate code anyway.",
                json!({"warnings": story.invest_analysis.warnings, "suggestions": story.invest_analysis.warnings.iter().map(|w| &w.suggestion).collect::<Vec<_>>()}),
            ));
        }
        let agent = self.agents.choose(request.agent.as_deref())?;
        let run_id = RunId(self.backlog.store().take_ids(Counter::Run, 1).await?);
        let now = Timestamp::now();
        let mut run = CodeRun {
            run_id,
            story_id,
            project_id: story.project_id,
            agent,
            instructions: request.instructions.clone(),
            status: RunStatus::Queued,
            repo: repo.clone(),
            branch_name: branch_name(story_id, story.title.as_str()),
            pr_number: None,
            pr_url: None,
            attempt: 1,
            created_at: now,
            started_at: None,
            finished_at: None,
            error: None,
            summary: None,
            cancel_requested: false,
            heartbeat_at: None,
            worker: None,
            version: 1,
        };
        let claim = self
            .backlog
            .store()
            .commit(vec![
                Write::CheckStory {
                    id: story_id,
                    expect: Expect::Exists,
                },
                Write::ClaimActiveRun { story_id, run_id },
                Write::PutRun {
                    run: run.clone(),
                    expect: Expect::Absent,
                },
            ])
            .await;
        if let Err(e) = claim {
            return Err(match e {
                Error::Rule {
                    code: "ALREADY_EXISTS",
                    ..
                } => {
                    let active = self
                        .backlog
                        .store()
                        .get_story_record(story_id)
                        .await?
                        .and_then(|r| r.active_run);
                    Error::rule(
                        codes::RUN_IN_PROGRESS,
                        format!("story {story_id} already has a code run in progress; cancel it or wait for it to end"),
                        json!({"storyId": story_id, "runId": active}),
                    )
                }
                other => other,
            });
        }

        let task_md = task_md::render(&task_md::TaskContext {
            story: &view,
            run_id: run_id.0,
            instructions: &request.instructions,
            story_url: self.story_url(story_id).as_deref(),
            verify_command: self.settings.verify_command.as_deref(),
        });
        let pr_request = PullRequestRequest {
            repo: repo.clone(),
            base: None,
            branch: run.branch_name.clone(),
            title: format!("{} (story {})", story.title, story_id),
            body: format!(
                "Draft PR opened by AIPM for story {story_id}: **{}**.\n\nThe task is in `TASK.md`. A coding agent ({}) works on this branch; its result is reported here.{}",
                story.title,
                run.agent,
                self.story_url(story_id).map(|u| format!("\n\nStory: {u}")).unwrap_or_default()
            ),
            task_md,
            commit_message: format!("Add TASK.md for story {story_id}: {}", story.title),
        };
        let opened = match self.forge.open_pull_request(&pr_request).await {
            Ok(pr) => pr,
            Err(e) => {
                let e = forge_error(e);
                self.finish(
                    run_id,
                    RunStatus::Failed,
                    Some(format!("could not open the pull request: {e}")),
                )
                .await?;
                return Err(e);
            }
        };
        let pr = PullRequest {
            story_id,
            number: opened.number,
            pr_url: opened.url.clone(),
            html_url: opened.html_url.clone(),
            branch_name: opened.branch.clone(),
            repo: repo.clone(),
            task_title: story.title.to_string(),
            created_at: now,
            updated_at: now,
            assignee: story
                .assignee_email
                .as_ref()
                .map(|e| e.as_str().to_string())
                .unwrap_or_default(),
            state: opened.state,
            run_id,
            version: 1,
        };
        let pr_write = Write::PutPullRequest {
            project_id: story.project_id,
            pr: pr.clone(),
            expect: Expect::Absent,
        };
        run = self
            .update_run(run_id, |r| {
                r.branch_name = opened.branch.clone();
                r.pr_number = Some(opened.number);
                r.pr_url = Some(opened.html_url.clone());
                Ok(vec![pr_write.clone()])
            })
            .await?;
        if let Err(e) = self.queue.send(Job { run_id, attempt: 1 }).await {
            self.finish(
                run_id,
                RunStatus::Failed,
                Some(format!("could not queue the job: {e}")),
            )
            .await?;
            return Err(e);
        }
        Ok(Generated { run, pr })
    }

    pub async fn run(&self, id: RunId) -> Result<(CodeRun, String)> {
        let run = self.run_record(id).await?;
        let log = self.backlog.store().read_log(id).await?;
        Ok((run, log))
    }

    pub async fn runs_of(&self, story: StoryId) -> Result<Vec<CodeRun>> {
        let record = self
            .backlog
            .store()
            .get_story_record(story)
            .await?
            .ok_or_else(|| Error::not_found("story", story))?;
        Ok(record.runs)
    }

    /// Stop a run: a queued one ends at once; a running one is stopped by
    /// its worker within a couple of seconds.
    pub async fn cancel(&self, id: RunId) -> Result<CodeRun> {
        let run = self
            .update_run(id, |run| {
                if run.status.is_terminal() {
                    return Err(Error::rule(
                        "RUN_NOT_ACTIVE",
                        format!("run {} already ended ({})", run.run_id, run.status),
                        json!({"runId": run.run_id, "status": run.status}),
                    ));
                }
                run.cancel_requested = true;
                if run.status == RunStatus::Queued {
                    run.status = RunStatus::Cancelled;
                    run.finished_at = Some(Timestamp::now());
                    run.error = Some("cancelled before a worker started it".into());
                    return Ok(vec![Write::ReleaseActiveRun {
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
    pub async fn retry(&self, id: RunId) -> Result<CodeRun> {
        let current = self.run_record(id).await?;
        if !current.status.is_terminal() {
            return Err(Error::rule(
                codes::RUN_IN_PROGRESS,
                format!("run {id} is still {}; cancel it first", current.status),
                json!({"runId": id, "status": current.status}),
            ));
        }
        let run = self
            .update_run(id, |run| {
                if !run.status.is_terminal() {
                    return Err(Error::rule(
                        codes::RUN_IN_PROGRESS,
                        format!("run {id} is already running again"),
                        json!({"runId": id}),
                    ));
                }
                run.attempt += 1;
                run.status = RunStatus::Queued;
                run.started_at = None;
                run.finished_at = None;
                run.error = None;
                run.summary = None;
                run.cancel_requested = false;
                run.heartbeat_at = None;
                run.worker = None;
                Ok(vec![Write::ClaimActiveRun {
                    story_id: run.story_id,
                    run_id: run.run_id,
                }])
            })
            .await
            .map_err(|e| match e {
                Error::Rule {
                    code: "ALREADY_EXISTS",
                    ..
                } => Error::rule(
                    codes::RUN_IN_PROGRESS,
                    format!(
                        "story {} has another code run in progress",
                        current.story_id
                    ),
                    json!({"storyId": current.story_id}),
                ),
                other => other,
            })?;
        if let Err(e) = self
            .queue
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
        let record = self
            .backlog
            .store()
            .get_story_record(story)
            .await?
            .ok_or_else(|| Error::not_found("story", story))?;
        Ok(pr_entries(record.pull_requests, &record.runs))
    }

    async fn pull_request(
        &self,
        story: StoryId,
        number: u64,
    ) -> Result<(PullRequest, crate::domain::ProjectId)> {
        let record = self
            .backlog
            .store()
            .get_story_record(story)
            .await?
            .ok_or_else(|| Error::not_found("story", story))?;
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
    pub async fn stop_tracking(&self, story: StoryId, number: u64, close: bool) -> Result<()> {
        let (pr, project_id) = self.pull_request(story, number).await?;
        if close && pr.state == PrState::Open {
            self.forge
                .close(&pr.repo, number)
                .await
                .map_err(forge_error)?;
        }
        self.backlog
            .store()
            .commit(vec![Write::DeletePullRequest {
                project_id,
                pr,
                expect: Expect::Exists,
            }])
            .await
    }

    /// Squash-merge a PR and record it merged.
    pub async fn merge(&self, story: StoryId, number: u64) -> Result<PullRequest> {
        let (mut pr, project_id) = self.pull_request(story, number).await?;
        let merged = self
            .forge
            .merge(&pr.repo, number)
            .await
            .map_err(forge_error)?;
        let version = pr.version;
        pr.state = merged.state;
        pr.updated_at = Timestamp::now();
        pr.version += 1;
        self.backlog
            .store()
            .commit(vec![Write::PutPullRequest {
                project_id,
                pr: pr.clone(),
                expect: Expect::Version(version),
            }])
            .await?;
        Ok(pr)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn branch_names_are_slugs_of_the_title() {
        assert_eq!(
            branch_name(StoryId(7), "Export the Monthly Report (CSV)!"),
            "aipm/7-export-the-monthly-report-csv"
        );
        assert_eq!(branch_name(StoryId(8), "日本語"), "aipm/8");
        assert!(branch_name(StoryId(9), &"long title ".repeat(20)).len() <= "aipm/9-".len() + 40);
    }
}
