//! A test's Given/When/Then health (`gwtHealth`, `measurabilityWarnings`,
//! `measurabilitySuggestions` on the wire): every part present, no blank
//! step, every Then step measurable.

use super::measurable::check_then_step;
use crate::domain::Warning;
use serde::{Deserialize, Serialize};

/// Criterion of a missing or blank Given/When/Then step.
pub const STRUCTURE: &str = "gwt";

/// A test's Given/When/Then health, as `gwtHealth` on the wire.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GwtHealth {
    pub satisfied: bool,
    pub issues: Vec<Warning>,
}

/// Every Then step's warning, and the suggestions on their own (the API's
/// `measurabilityWarnings` and `measurabilitySuggestions`).
pub fn measurability(then: &[String]) -> (Vec<Warning>, Vec<String>) {
    let warnings: Vec<Warning> = then
        .iter()
        .enumerate()
        .filter_map(|(i, step)| numbered_check(i, step))
        .collect();
    let suggestions = warnings.iter().map(|w| w.suggestion.clone()).collect();
    (warnings, suggestions)
}

/// The step's warning, numbered as the user counts ("Then step 2: …").
fn numbered_check(index: usize, step: &str) -> Option<Warning> {
    let n = index + 1;
    check_then_step(step).map(|w| Warning {
        message: format!("Then step {n}: {}", w.message),
        suggestion: format!("Then step {n}: {}", w.suggestion),
        ..w
    })
}

/// Missing or blank steps, then the measurability of each Then step.
pub fn gwt_health(given: &[String], when: &[String], then: &[String]) -> GwtHealth {
    test_checks(given, when, then).1
}

/// A test's `measurabilityWarnings` and `gwtHealth` together, each Then step
/// checked once (what is stored on a test when it is written).
pub fn test_checks(
    given: &[String],
    when: &[String],
    then: &[String],
) -> (Vec<Warning>, GwtHealth) {
    let mut issues = Vec::new();
    for (part, steps) in [("Given", given), ("When", when), ("Then", then)] {
        if steps.is_empty() {
            issues.push(structure_issue(
                format!("The test has no {part} step."),
                format!("Add at least one {part} step."),
            ));
        }
        for (i, _) in steps
            .iter()
            .enumerate()
            .filter(|(_, s)| s.trim().is_empty())
        {
            issues.push(structure_issue(
                format!("{part} step {} is empty.", i + 1),
                format!("Write {part} step {} or remove it.", i + 1),
            ));
        }
    }
    let checked: Vec<(bool, Option<Warning>)> = then
        .iter()
        .enumerate()
        .map(|(i, s)| (s.trim().is_empty(), numbered_check(i, s)))
        .collect();
    // Blank steps were reported above; the others are checked in place.
    issues.extend(
        checked
            .iter()
            .filter(|(blank, _)| !blank)
            .filter_map(|(_, w)| w.clone()),
    );
    let measurability = checked.into_iter().filter_map(|(_, w)| w).collect();
    (
        measurability,
        GwtHealth {
            satisfied: issues.is_empty(),
            issues,
        },
    )
}

fn structure_issue(message: String, suggestion: String) -> Warning {
    Warning {
        criterion: STRUCTURE.into(),
        message,
        details: "An acceptance test needs a starting state (Given), an action (When) and an \
                  outcome to check (Then)."
            .into(),
        suggestion,
        source: "heuristic".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn steps(s: &[&str]) -> Vec<String> {
        s.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn a_complete_measurable_test_is_healthy() {
        let health = gwt_health(
            &steps(&["a cart with 2 items"]),
            &steps(&["the shopper removes one"]),
            &steps(&["the cart badge shows 1"]),
        );
        assert_eq!(
            health,
            GwtHealth {
                satisfied: true,
                issues: vec![]
            }
        );
    }

    #[test]
    fn missing_parts_blank_steps_and_vague_outcomes_are_issues() {
        let health = gwt_health(
            &[],
            &steps(&["the shopper pays", " "]),
            &steps(&["the order is saved", "", "it works"]),
        );
        let messages: Vec<&str> = health.issues.iter().map(|w| w.message.as_str()).collect();
        assert_eq!(
            messages,
            [
                "The test has no Given step.",
                "When step 2 is empty.",
                "Then step 2 is empty.",
                "Then step 1: \"the order is saved\" names no observable outcome.",
                "Then step 3: \"works\" in \"it works\" cannot be checked.",
            ]
        );
        assert!(!health.satisfied);
        assert_eq!(health.issues[0].criterion, STRUCTURE);
        assert_eq!(health.issues[3].criterion, "measurable");
    }

    #[test]
    fn measurability_numbers_warnings_and_lists_their_suggestions() {
        let (warnings, suggestions) =
            measurability(&steps(&["Response status is 200", "the page loads fast"]));
        assert_eq!(warnings.len(), 1);
        assert!(warnings[0].message.starts_with("Then step 2: "));
        assert_eq!(
            suggestions,
            ["Then step 2: Replace \"fast\" with a time limit, e.g. \"the page loads in under 2 seconds\"."]
        );
    }

    #[test]
    fn gwt_health_serializes_in_camel_case() {
        let json = serde_json::to_value(gwt_health(&[], &[], &[])).unwrap();
        assert_eq!(json["satisfied"], false);
        assert_eq!(json["issues"].as_array().unwrap().len(), 3);
    }
}
