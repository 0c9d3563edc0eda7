use super::{RunId, Steps, StoryId, TestId, TestStatus, Timestamp, Title, Warning};
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
    /// What the status rests on, when a code run recorded it (absent
    /// otherwise; a status set by hand clears it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub evidence: Option<TestEvidence>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub version: u64,
    /// The Given/When/Then checks of the steps as written, computed when the
    /// test is written so that reads do not check every step again. Absent
    /// on tests stored before it existed (reads compute it then).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub checks: Option<TestChecks>,
}

/// What `AcceptanceTest::checks` stores: the API's `measurabilityWarnings`
/// and `gwtHealth`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TestChecks {
    pub measurability_warnings: Vec<Warning>,
    pub gwt_health: crate::quality::GwtHealth,
}

/// How a code run verified an acceptance test: the agent's words, the run
/// and attempt that recorded them, and the commit they describe.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TestEvidence {
    pub run_id: RunId,
    pub attempt: u32,
    /// The commit of the branch the result was read from.
    pub commit: String,
    /// How the test is verified, as the agent wrote it.
    pub detail: String,
    pub recorded_at: Timestamp,
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
    /// Evidence for the new status; a status change without evidence
    /// clears the evidence the test had.
    pub evidence: Option<TestEvidence>,
}

impl AcceptanceTest {
    pub fn apply(&mut self, changes: &TestChanges) {
        // Steps sent as they are leave the test (and its stored checks) alone.
        let steps_changed = [
            (&changes.given, &self.given),
            (&changes.when, &self.when),
            (&changes.then, &self.then),
        ]
        .iter()
        .any(|(new, old)| new.as_ref().is_some_and(|n| n != *old));
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
        if steps_changed {
            self.refresh_checks();
        }
        if let Some(v) = changes.status {
            if v != self.status && changes.evidence.is_none() {
                self.evidence = None;
            }
            self.status = v;
        }
        if let Some(e) = &changes.evidence {
            self.evidence = Some(e.clone());
        }
    }

    /// Check the steps as they are now and keep the result on the test.
    pub fn refresh_checks(&mut self) {
        self.checks = Some(self.computed_checks());
    }

    /// The checks of the steps as they are now.
    pub fn computed_checks(&self) -> TestChecks {
        let (measurability_warnings, gwt_health) = crate::quality::test_checks(
            self.given.as_slice(),
            self.when.as_slice(),
            self.then.as_slice(),
        );
        TestChecks {
            measurability_warnings,
            gwt_health,
        }
    }

    /// The stored checks, or the checks computed now for a test stored
    /// without them.
    pub fn take_checks(&mut self) -> TestChecks {
        match self.checks.take() {
            Some(c) => c,
            None => self.computed_checks(),
        }
    }

    /// The default title of a story's n-th test.
    pub fn default_title(story: StoryId, n: usize) -> Title {
        Title::parse(&format!("AT-{story}-{n}")).expect("a generated title is valid")
    }
}
