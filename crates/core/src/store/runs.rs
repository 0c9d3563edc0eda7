//! The store as code generation sees it: runs, their logs, the story's one
//! active-run slot, the pull requests runs open, and workers' heartbeats.
//!
//! Code generation and the worker reach the store only through this port
//! (`Backlog::runs`). Its writes are `RunWrite`s, so no part of code
//! generation can write a story, test, task or link except through the
//! backlog's rules (an acceptance result goes through `Backlog::update_test`).

use super::{Expect, Store, StoryRecord, Write};
use crate::domain::{CodeRun, Counter, ProjectId, PullRequest, RunId, StoryId, WorkerBeat};
use crate::error::{Error, Result};
use std::sync::Arc;

/// One write of a run transaction: applied all together or not at all.
#[derive(Debug, Clone, PartialEq)]
pub enum RunWrite {
    /// A condition only: the story exists (a run is not created for a story
    /// deleted meanwhile).
    StoryExists(StoryId),
    PutRun {
        run: CodeRun,
        expect: Expect,
    },
    /// Take the story's one active-run slot; fails if another run holds it.
    ClaimActiveRun {
        story_id: StoryId,
        run_id: RunId,
    },
    /// Free the slot; holds only if this run has it.
    ReleaseActiveRun {
        story_id: StoryId,
        run_id: RunId,
    },
    PutPullRequest {
        project_id: ProjectId,
        pr: PullRequest,
        expect: Expect,
    },
    DeletePullRequest {
        project_id: ProjectId,
        pr: PullRequest,
        expect: Expect,
    },
}

impl From<RunWrite> for Write {
    fn from(write: RunWrite) -> Write {
        match write {
            RunWrite::StoryExists(id) => Write::CheckStory {
                id,
                expect: Expect::Exists,
            },
            RunWrite::PutRun { run, expect } => Write::PutRun { run, expect },
            RunWrite::ClaimActiveRun { story_id, run_id } => {
                Write::ClaimActiveRun { story_id, run_id }
            }
            RunWrite::ReleaseActiveRun { story_id, run_id } => {
                Write::ReleaseActiveRun { story_id, run_id }
            }
            RunWrite::PutPullRequest {
                project_id,
                pr,
                expect,
            } => Write::PutPullRequest {
                project_id,
                pr,
                expect,
            },
            RunWrite::DeletePullRequest {
                project_id,
                pr,
                expect,
            } => Write::DeletePullRequest {
                project_id,
                pr,
                expect,
            },
        }
    }
}

/// The run store port. Cheap to clone (one shared store behind it).
#[derive(Clone)]
pub struct RunStore {
    store: Arc<dyn Store>,
}

impl RunStore {
    pub(crate) fn new(store: Arc<dyn Store>) -> Self {
        RunStore { store }
    }

    pub async fn get_run(&self, id: RunId) -> Result<Option<CodeRun>> {
        self.store.get_run(id).await
    }

    /// A run that must exist: `NotFound` otherwise.
    pub async fn run(&self, id: RunId) -> Result<CodeRun> {
        self.get_run(id)
            .await?
            .ok_or_else(|| Error::not_found("run", id))
    }

    /// A fresh run id.
    pub async fn new_run_id(&self) -> Result<RunId> {
        Ok(RunId(self.store.take_ids(Counter::Run, 1).await?))
    }

    /// A story with its tests, runs and pull requests (one Query on DynamoDB):
    /// `NotFound` when the story does not exist.
    pub async fn story_record(&self, story: StoryId) -> Result<StoryRecord> {
        self.store
            .get_story_record(story)
            .await?
            .ok_or_else(|| Error::not_found("story", story))
    }

    /// Apply every write or none; a failed expectation is a
    /// `VersionConflict` (or `AlreadyExists` for a taken slot or item).
    pub async fn commit(&self, writes: Vec<RunWrite>) -> Result<()> {
        self.store
            .commit(writes.into_iter().map(Write::from).collect())
            .await
    }

    /// Append one chunk to a run's log (not transactional; `seq` orders them).
    pub async fn append_log(&self, run: RunId, seq: u64, chunk: String) -> Result<()> {
        self.store.append_log(run, seq, chunk).await
    }

    /// The whole log of a run, in order.
    pub async fn read_log(&self, run: RunId) -> Result<String> {
        self.store.read_log(run).await
    }

    /// Record a worker's heartbeat (replacing its previous one).
    pub async fn record_worker(&self, beat: WorkerBeat) -> Result<()> {
        self.store.record_worker(beat).await
    }
}
