use super::{Steps, StoryId, TestId, TestStatus, Timestamp, Title};
use serde::{Deserialize, Serialize};

/// A Given/When/Then acceptance test of one story, as stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AcceptanceTest {
    pub id: TestId,
    pub story_id: StoryId,
    pub title: Title,
    pub given: Steps,
    pub when: Steps,
    pub then: Steps,
    pub status: TestStatus,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub version: u64,
}

/// A partial update of a test; `None` leaves a field as it is (a PATCH without
/// `status` keeps the status — the original reset it to Draft).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct TestChanges {
    pub title: Option<Title>,
    pub given: Option<Steps>,
    pub when: Option<Steps>,
    pub then: Option<Steps>,
    pub status: Option<TestStatus>,
}

impl AcceptanceTest {
    pub fn apply(&mut self, changes: &TestChanges) {
        if let Some(v) = &changes.title {
            self.title = v.clone();
        }
        if let Some(v) = &changes.given {
            self.given = v.clone();
        }
        if let Some(v) = &changes.when {
            self.when = v.clone();
        }
        if let Some(v) = &changes.then {
            self.then = v.clone();
        }
        if let Some(v) = changes.status {
            self.status = v;
        }
    }

    /// The default title of a story's n-th test.
    pub fn default_title(story: StoryId, n: usize) -> Title {
        Title::parse(&format!("AT-{story}-{n}")).expect("a generated title is valid")
    }
}
