use super::{Email, Hours, StoryId, TaskId, TaskStatus, Timestamp, Title};
use serde::{Deserialize, Serialize};

/// A unit of work under a story.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Task {
    pub id: TaskId,
    pub story_id: StoryId,
    pub title: Title,
    pub description: String,
    pub status: TaskStatus,
    pub assignee_email: Email,
    pub estimation_hours: Option<Hours>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub version: u64,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct TaskChanges {
    pub title: Option<Title>,
    pub description: Option<String>,
    pub status: Option<TaskStatus>,
    pub assignee_email: Option<Email>,
    pub estimation_hours: Option<Option<Hours>>,
}

impl Task {
    pub fn apply(&mut self, changes: &TaskChanges) {
        if let Some(v) = &changes.title {
            self.title = v.clone();
        }
        if let Some(v) = &changes.description {
            self.description = v.clone();
        }
        if let Some(v) = changes.status {
            self.status = v;
        }
        if let Some(v) = &changes.assignee_email {
            self.assignee_email = v.clone();
        }
        if let Some(v) = changes.estimation_hours {
            self.estimation_hours = v;
        }
    }
}
