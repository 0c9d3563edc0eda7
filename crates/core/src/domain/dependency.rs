use super::{Relationship, StoryId, Timestamp};
use serde::{Deserialize, Serialize};

/// A link from one story to another it names: `story_id` depends on (or is
/// blocked by, for `blocks`) `depends_on_story_id`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Dependency {
    pub story_id: StoryId,
    pub depends_on_story_id: StoryId,
    pub relationship: Relationship,
    pub created_at: Timestamp,
}
