//! The acceptance contract: TASK.md lists the story's acceptance tests by
//! id, the agent records per id how it verified each one in
//! `.aipm/acceptance.json` on the branch, and the worker maps the results
//! back onto the tests through the backlog's rules. The file is written by
//! the agent, so it is read as hostile: a size limit, a strict schema, and
//! ids that are not the story's are ignored and reported.

use crate::backlog::Backlog;
use crate::domain::{
    AcceptanceOutcome, RecordedResult, RefusedResult, ResultStatus, RunId, StoryId, TestChanges,
    TestEvidence, TestId, Timestamp,
};
use serde::Deserialize;
use std::collections::BTreeSet;

/// Where the agent writes its results, relative to the repository's root.
pub const ACCEPTANCE_FILE: &str = ".aipm/acceptance.json";
/// A larger file is not read.
pub const MAX_ACCEPTANCE_BYTES: u64 = 64 * 1024;
/// At most this many results in one file.
pub const MAX_RESULTS: usize = 500;
/// The longest evidence text, in characters.
pub const MAX_EVIDENCE_CHARS: usize = 2000;

/// `.aipm/acceptance.json` as the agent writes it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    version: u32,
    tests: Vec<Entry>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
struct Entry {
    id: u64,
    status: ResultStatus,
    evidence: String,
}

/// One result the file claims, checked for shape.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Claim {
    pub id: TestId,
    pub status: ResultStatus,
    pub evidence: String,
}

/// Parse the file's bytes: JSON of exactly the schema, version 1, each id
/// once, evidence not empty and at most [`MAX_EVIDENCE_CHARS`].
pub fn parse(bytes: &[u8]) -> Result<Vec<Claim>, String> {
    if bytes.len() as u64 > MAX_ACCEPTANCE_BYTES {
        return Err(format!(
            "{ACCEPTANCE_FILE} is {} bytes; at most {MAX_ACCEPTANCE_BYTES} are read",
            bytes.len()
        ));
    }
    let file: File = serde_json::from_slice(bytes)
        .map_err(|e| format!("{ACCEPTANCE_FILE} does not match the schema: {e}"))?;
    if file.version != 1 {
        return Err(format!(
            "{ACCEPTANCE_FILE} has version {}; only version 1 is read",
            file.version
        ));
    }
    if file.tests.len() > MAX_RESULTS {
        return Err(format!(
            "{ACCEPTANCE_FILE} has {} results; at most {MAX_RESULTS} are read",
            file.tests.len()
        ));
    }
    let mut seen = BTreeSet::new();
    let mut claims = Vec::with_capacity(file.tests.len());
    for entry in file.tests {
        if !seen.insert(entry.id) {
            return Err(format!("{ACCEPTANCE_FILE} names test {} twice", entry.id));
        }
        let evidence = entry.evidence.trim();
        if evidence.is_empty() {
            return Err(format!(
                "{ACCEPTANCE_FILE}: the evidence of test {} is empty",
                entry.id
            ));
        }
        if evidence.chars().count() > MAX_EVIDENCE_CHARS {
            return Err(format!(
                "{ACCEPTANCE_FILE}: the evidence of test {} is longer than {MAX_EVIDENCE_CHARS} characters",
                entry.id
            ));
        }
        if evidence
            .chars()
            .any(|c| c.is_control() && c != '\n' && c != '\t')
        {
            return Err(format!(
                "{ACCEPTANCE_FILE}: the evidence of test {} holds control characters",
                entry.id
            ));
        }
        claims.push(Claim {
            id: TestId(entry.id),
            status: entry.status,
            evidence: evidence.to_string(),
        });
    }
    Ok(claims)
}

/// The run and commit the results came from.
pub struct Source<'a> {
    pub run_id: RunId,
    pub attempt: u32,
    pub commit: &'a str,
    /// Whether the verify command ran and failed: then no Pass is recorded.
    pub verify_failed: bool,
}

/// Record the claims on the story's tests, each through the backlog's
/// rules (a Done story's passing test cannot turn Fail). A test the file
/// does not name keeps its status and evidence.
pub async fn apply(
    backlog: &Backlog,
    story: StoryId,
    claims: Vec<Claim>,
    source: &Source<'_>,
) -> crate::error::Result<AcceptanceOutcome> {
    let record = backlog.runs().story_record(story).await?;
    let own: BTreeSet<TestId> = record.tests.iter().map(|t| t.id).collect();
    let mut outcome = AcceptanceOutcome::default();
    for claim in claims {
        if !own.contains(&claim.id) {
            outcome.ignored.push(claim.id.0);
            continue;
        }
        if source.verify_failed && claim.status == ResultStatus::Pass {
            outcome.refused.push(RefusedResult {
                test_id: claim.id,
                status: claim.status,
                reason: "the verify command failed, so no test is recorded as passing".into(),
            });
            continue;
        }
        let changes = TestChanges {
            status: Some(claim.status.test_status()),
            evidence: Some(TestEvidence {
                run_id: source.run_id,
                attempt: source.attempt,
                commit: source.commit.to_string(),
                detail: claim.evidence.clone(),
                recorded_at: Timestamp::now(),
            }),
            ..Default::default()
        };
        match backlog.update_test(claim.id, None, changes, true).await {
            Ok(_) => outcome.recorded.push(RecordedResult {
                test_id: claim.id,
                status: claim.status,
            }),
            Err(e) if !e.is_retryable() => outcome.refused.push(RefusedResult {
                test_id: claim.id,
                status: claim.status,
                reason: e.to_string(),
            }),
            Err(e) => return Err(e),
        }
    }
    Ok(outcome)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_well_formed_file_gives_its_claims() {
        let claims = parse(
            br#"{"version": 1, "tests": [
                {"id": 4, "status": "pass", "evidence": "tests/cart.rs::gift_card_applies passes"},
                {"id": 5, "status": "fail", "evidence": "  not done yet \n"}]}"#,
        )
        .unwrap();
        assert_eq!(claims.len(), 2);
        assert_eq!(claims[0].id, TestId(4));
        assert_eq!(claims[1].status, ResultStatus::Fail);
        assert_eq!(claims[1].evidence, "not done yet");
    }

    #[test]
    fn anything_off_the_schema_is_refused_with_the_reason() {
        let cases: &[(&[u8], &str)] = &[
            (b"not json", "does not match the schema"),
            (br#"{"version": 1, "tests": [], "extra": 1}"#, "unknown field `extra`"),
            (br#"{"version": 2, "tests": []}"#, "only version 1"),
            (
                br#"{"version": 1, "tests": [{"id": 1, "status": "passed", "evidence": "x"}]}"#,
                "unknown variant `passed`",
            ),
            (
                br#"{"version": 1, "tests": [{"id": -1, "status": "pass", "evidence": "x"}]}"#,
                "does not match the schema",
            ),
            (
                br#"{"version": 1, "tests": [{"id": 1, "status": "pass", "evidence": "  "}]}"#,
                "evidence of test 1 is empty",
            ),
            (
                br#"{"version": 1, "tests": [{"id": 1, "status": "pass", "evidence": "a"}, {"id": 1, "status": "fail", "evidence": "b"}]}"#,
                "names test 1 twice",
            ),
            (
                br#"{"version": 1, "tests": [{"id": 1, "status": "pass", "evidence": "a\u001b[31m"}]}"#,
                "control characters",
            ),
        ];
        for (bytes, reason) in cases {
            let err = parse(bytes).unwrap_err();
            assert!(err.contains(reason), "{err} should say {reason}");
        }
        let long = format!(
            r#"{{"version": 1, "tests": [{{"id": 1, "status": "pass", "evidence": "{}"}}]}}"#,
            "x".repeat(MAX_EVIDENCE_CHARS + 1)
        );
        assert!(parse(long.as_bytes()).unwrap_err().contains("longer than"));
        let huge = vec![b' '; MAX_ACCEPTANCE_BYTES as usize + 1];
        assert!(parse(&huge).unwrap_err().contains("at most 65536"));
    }
}
