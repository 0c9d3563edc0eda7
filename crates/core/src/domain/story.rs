use super::{
    optional_email, Component, Email, InvestAnalysis, ProjectId, StoryId, StoryStatus, Timestamp,
    Title,
};
use serde::{Deserialize, Serialize};

/// A user story as stored. What the API attaches to it (tests, children,
/// links, health) is assembled by `crate::backlog`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Story {
    pub id: StoryId,
    pub project_id: ProjectId,
    pub parent_id: Option<StoryId>,
    pub title: Title,
    pub description: String,
    pub as_a: String,
    pub i_want: String,
    pub so_that: String,
    pub components: Vec<Component>,
    pub story_point: Option<u32>,
    #[serde(with = "optional_email")]
    pub assignee_email: Option<Email>,
    pub status: StoryStatus,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub version: u64,
    #[serde(default)]
    pub invest_analysis: InvestAnalysis,
    /// Set on the root of a subtree whose deletion has begun: the subtree is
    /// hidden and nothing may be attached under it.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub deleting: bool,
    /// The import that wrote this story; while that import is pending on its
    /// project the story is not visible.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub import_id: Option<u64>,
}

/// The fields a user writes. Create takes them all; update takes any subset
/// (`StoryChanges`).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct StoryContent {
    pub description: String,
    pub as_a: String,
    pub i_want: String,
    pub so_that: String,
    pub components: Vec<Component>,
    pub story_point: Option<u32>,
}

/// A partial update: `None` leaves the field as it is. For nullable fields the
/// inner `Option` is the new value (`Some(None)` clears it).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct StoryChanges {
    pub title: Option<Title>,
    pub description: Option<String>,
    pub as_a: Option<String>,
    pub i_want: Option<String>,
    pub so_that: Option<String>,
    pub components: Option<Vec<Component>>,
    pub story_point: Option<Option<u32>>,
    pub assignee_email: Option<Option<Email>>,
    pub status: Option<StoryStatus>,
    pub parent_id: Option<Option<StoryId>>,
}

impl Story {
    /// Apply `changes`; returns whether the story's content (what INVEST and
    /// the acceptance tests are about) changed.
    pub fn apply(&mut self, changes: &StoryChanges) -> bool {
        let before = self.content();
        if let Some(v) = &changes.title {
            self.title = v.clone();
        }
        if let Some(v) = &changes.description {
            self.description = v.clone();
        }
        if let Some(v) = &changes.as_a {
            self.as_a = v.clone();
        }
        if let Some(v) = &changes.i_want {
            self.i_want = v.clone();
        }
        if let Some(v) = &changes.so_that {
            self.so_that = v.clone();
        }
        if let Some(v) = &changes.components {
            self.components = v.clone();
        }
        if let Some(v) = changes.story_point {
            self.story_point = v;
        }
        if let Some(v) = &changes.assignee_email {
            self.assignee_email = v.clone();
        }
        if let Some(v) = changes.status {
            self.status = v;
        }
        if let Some(v) = changes.parent_id {
            self.parent_id = v;
        }
        before != self.content()
    }

    /// The content fields of DESIGN §3.3 rule 4 (the title included).
    pub fn content(&self) -> (Title, StoryContent) {
        (
            self.title.clone(),
            StoryContent {
                description: self.description.clone(),
                as_a: self.as_a.clone(),
                i_want: self.i_want.clone(),
                so_that: self.so_that.clone(),
                components: self.components.clone(),
                story_point: self.story_point,
            },
        )
    }
}
