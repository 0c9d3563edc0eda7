//! The store of a process whose operation keeps no data (the `version`
//! function): it links no database client and makes no call. Every method
//! fails, permanently, so a handler that reaches for data there is a fault
//! in the wiring that shows at once, never a silent empty answer.

use super::{ProjectContents, Store, StoryRecord, Write};
use crate::domain::{
    AcceptanceTest, CodeRun, Counter, Project, ProjectId, RunId, Story, StoryId, Task, TaskId,
    TestId, WorkerBeat,
};
use crate::error::{Error, Result};
use async_trait::async_trait;
use std::time::Duration;

/// A store that holds nothing and refuses every call.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoStore;

fn refused<T>(call: &str) -> Result<T> {
    Err(Error::permanent(
        format!("store call {call}"),
        "this process was started without a store: its operation reads and writes no data",
    ))
}

#[async_trait]
impl Store for NoStore {
    fn kind(&self) -> &'static str {
        "none"
    }
    async fn ping(&self) -> Result<Duration> {
        refused("ping")
    }
    async fn take_ids(&self, _: Counter, _: u64) -> Result<u64> {
        refused("take_ids")
    }
    async fn get_project(&self, _: ProjectId) -> Result<Option<Project>> {
        refused("get_project")
    }
    async fn list_projects(&self) -> Result<Vec<Project>> {
        refused("list_projects")
    }
    async fn get_story(&self, _: StoryId) -> Result<Option<Story>> {
        refused("get_story")
    }
    async fn get_stories(&self, _: Vec<StoryId>) -> Result<Vec<Story>> {
        refused("get_stories")
    }
    async fn stories_under(&self, _: ProjectId, _: Option<StoryId>) -> Result<Vec<Story>> {
        refused("stories_under")
    }
    async fn get_story_record(&self, _: StoryId) -> Result<Option<StoryRecord>> {
        refused("get_story_record")
    }
    async fn project_contents(&self, _: ProjectId) -> Result<ProjectContents> {
        refused("project_contents")
    }
    async fn project_stories(&self, _: ProjectId) -> Result<Vec<Story>> {
        refused("project_stories")
    }
    async fn get_test(&self, _: TestId) -> Result<Option<AcceptanceTest>> {
        refused("get_test")
    }
    async fn get_run(&self, _: RunId) -> Result<Option<CodeRun>> {
        refused("get_run")
    }
    async fn append_log(&self, _: RunId, _: u64, _: String) -> Result<()> {
        refused("append_log")
    }
    async fn read_log(&self, _: RunId) -> Result<String> {
        refused("read_log")
    }
    async fn record_worker(&self, _: WorkerBeat) -> Result<()> {
        refused("record_worker")
    }
    async fn workers(&self) -> Result<Vec<WorkerBeat>> {
        refused("workers")
    }
    async fn get_task(&self, _: TaskId) -> Result<Option<Task>> {
        refused("get_task")
    }
    async fn commit(&self, _: Vec<Write>) -> Result<()> {
        refused("commit")
    }
    async fn commit_steps(&self, _: Vec<Vec<Write>>) -> Result<()> {
        refused("commit_steps")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn every_call_fails_and_is_not_worth_retrying() {
        let err = NoStore.list_projects().await.unwrap_err();
        assert!(!err.is_retryable());
        assert!(err.to_string().contains("without a store"), "{err}");
        assert!(NoStore.commit(Vec::new()).await.is_err());
    }
}
