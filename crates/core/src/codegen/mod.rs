//! Code generation (DESIGN §6): one click turns a story into a branch with
//! TASK.md, a draft PR and a queued job; a worker runs the coding agent on the
//! branch and reports back to the run, the PR and the story. Every run ends in
//! a terminal state the user can see; nothing is ever faked.

pub mod acceptance;
pub mod agent;
mod log;
pub mod progress;
mod runs;
pub mod task_md;

pub use agent::Agents;
pub use log::{strip_ansi, RunLog, MAX_LOG_BYTES};
pub use runs::{check_message, Runs, MAX_FOLLOW_UP_CHARS};

use crate::backlog::Backlog;
use crate::domain::{
    Attempt, AttemptTrigger, CodeRun, PullRequest, RunId, RunStatus, StoryId, Timestamp,
};
use crate::error::{Error, Result, Rule};
use crate::forge::{Forge, PullRequestRequest};
use crate::queue::{Job, Queue};
use crate::store::{Expect, RunStore, RunWrite};
use serde_json::json;
use std::sync::Arc;

/// Where AIPM is reached (links in TASK.md and PR comments) and what the
/// worker checks the result with.
#[derive(Debug, Clone, Default)]
pub struct CodeGenSettings {
    pub public_url: Option<String>,
    pub verify_command: Option<String>,
}

impl CodeGenSettings {
    /// `public_url`, else `AIPM_PUBLIC_URL`; the verify command from
    /// `AIPM_VERIFY_CMD`.
    pub fn from_env(public_url: Option<String>) -> Self {
        let set = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
        CodeGenSettings {
            public_url: public_url.or_else(|| set("AIPM_PUBLIC_URL")),
            verify_command: set("AIPM_VERIFY_CMD"),
        }
    }
}

#[derive(Clone)]
pub struct CodeGen {
    pub backlog: Backlog,
    pub forge: Arc<dyn Forge>,
    pub queue: Arc<dyn Queue>,
    pub agents: Agents,
    pub settings: CodeGenSettings,
}

impl CodeGen {
    /// The runs, read and changed through the store.
    pub fn runs(&self) -> Runs {
        Runs::new(self.backlog.clone())
    }

    /// The store's runs, logs, pull requests and worker heartbeats: all of
    /// the store code generation and its worker reach.
    pub fn store(&self) -> RunStore {
        self.backlog.runs()
    }

    pub async fn update_run(
        &self,
        id: RunId,
        change: impl Fn(&mut CodeRun) -> Result<Vec<RunWrite>>,
    ) -> Result<CodeRun> {
        self.runs().update_run(id, change).await
    }

    pub async fn finish(
        &self,
        id: RunId,
        status: RunStatus,
        error: Option<String>,
    ) -> Result<CodeRun> {
        self.runs().finish(id, status, error).await
    }

    pub async fn finish_attempt(
        &self,
        id: RunId,
        status: RunStatus,
        error: Option<String>,
        summary: Option<crate::domain::RunSummary>,
    ) -> Result<CodeRun> {
        self.runs().finish_attempt(id, status, error, summary).await
    }

    /// Code generation over `queue` and `forge`, with the agents
    /// (`AIPM_AGENT`, `AIPM_AGENT_CMD`) and settings of the environment.
    pub fn from_env(
        backlog: Backlog,
        forge: Arc<dyn Forge>,
        queue: Arc<dyn Queue>,
        public_url: Option<String>,
    ) -> Self {
        CodeGen {
            backlog,
            forge,
            queue,
            agents: Agents::from_env(),
            settings: CodeGenSettings::from_env(public_url),
        }
    }
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
        Error::Internal {
            context, source, ..
        } => Error::rule(
            Rule::ForgeError,
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
                Rule::InvestWarnings,
                "The story has INVEST warnings; fix them or send \"acceptWarnings\": true to generate code anyway.",
                json!({"warnings": story.invest_analysis.warnings, "suggestions": story.invest_analysis.warnings.iter().map(|w| &w.suggestion).collect::<Vec<_>>()}),
            ));
        }
        let agent = self.agents.choose(request.agent.as_deref())?;
        let run_id = self.store().new_run_id().await?;
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
            attempts: vec![Attempt {
                number: 1,
                trigger: AttemptTrigger::User,
                message: None,
                requested_at: now,
            }],
            version: 1,
        };
        let claim = self
            .store()
            .commit(vec![
                RunWrite::StoryExists(story_id),
                RunWrite::ClaimActiveRun { story_id, run_id },
                RunWrite::PutRun {
                    run: run.clone(),
                    expect: Expect::Absent,
                },
            ])
            .await;
        if let Err(e) = claim {
            return Err(match e {
                Error::AlreadyExists { .. } => {
                    let active = self.store().story_record(story_id).await?.active_run;
                    Error::rule(
                        Rule::RunInProgress,
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
        let pr_write = RunWrite::PutPullRequest {
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
