//! Then steps that can be checked (DESIGN §5): a step must name an observable
//! outcome — a number with a unit or a count, a status or error code, a
//! message in quotes, an element that appears, disappears or changes state, a
//! named state ("Done"), file or location. A judgement ("correctly", "fast",
//! "the user is happy") is not an outcome unless a number or a quoted value
//! backs it ("fast: p99 latency is below 500 ms").

use super::words::{find_phrase, has_quantity, words};
use crate::domain::Warning;

mod advice;
mod outcomes;

use advice::Advice;
use outcomes::names_observable;

pub const CRITERION: &str = "measurable";

/// Judgements, grouped by what a tester needs instead.
const VAGUE: &[(Kind, &[&str])] = &[
    (
        Kind::Speed,
        &[
            "fast",
            "faster",
            "quick",
            "quickly",
            "immediately",
            "responsive",
            "slow",
        ],
    ),
    (
        Kind::Value,
        &[
            "correctly",
            "correct",
            "properly",
            "right",
            "expected",
            "as expected",
            "accordingly",
            "sufficient",
            "relevant",
            "appropriate",
            "up to date",
            "consistent",
            "consistently",
        ],
    ),
    (
        Kind::Error,
        &["clear", "clearly", "actionable", "gracefully", "helpful"],
    ),
    (
        Kind::Judgement,
        &[
            "good",
            "nice",
            "professional",
            "happy",
            "looks",
            "understands",
            "intuitive",
            "user friendly",
            "easily",
            "easy",
            "seamless",
            "seamlessly",
            "better",
            "clean",
            "readable",
            "sensible",
            "reasonable",
            "acceptable",
            "effectively",
            "efficiently",
        ],
    ),
    (
        Kind::Result,
        &[
            "works",
            "successfully",
            "succeeds",
            "robust",
            "secure",
            "scales",
            "issues",
            "problems",
            "broken",
            "edge cases",
        ],
    ),
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    Speed,
    Value,
    Error,
    Judgement,
    Result,
}

/// None when `step` names an observable outcome; otherwise a warning with a
/// suggestion for that step.
pub fn check_then_step(step: &str) -> Option<Warning> {
    let outcome = strip_keyword(step);
    if outcome.is_empty() {
        return Some(warning(
            "The Then step is empty.".into(),
            "There is nothing to check.".into(),
            Advice::Default,
        ));
    }
    let backed = has_quantity(outcome) || has_quoted_value(outcome);
    if let Some((kind, vague)) = vague_word(outcome).filter(|_| !backed) {
        return Some(warning(
            format!("\"{vague}\" in \"{outcome}\" cannot be checked."),
            format!(
                "\"{vague}\" is a judgement, and no number or quoted value in the step \
                 says what it means."
            ),
            Advice::Vague(kind, vague),
        ));
    }
    if backed || names_observable(outcome) {
        return None;
    }
    Some(warning(
        format!("\"{outcome}\" names no observable outcome."),
        "The step has no number, no quoted text, no name or state, and no visible effect \
         on a specific thing (\"an error is shown\" does not say which error)."
            .into(),
        Advice::for_topic(outcome),
    ))
}

/// The step without a leading "Then", "And" or "But".
fn strip_keyword(step: &str) -> &str {
    let step = step.trim();
    for keyword in ["then", "and", "but"] {
        if let Some(head) = step.get(..keyword.len()) {
            let rest = &step[keyword.len()..];
            if head.eq_ignore_ascii_case(keyword) && (rest.is_empty() || rest.starts_with(' ')) {
                return rest.trim();
            }
        }
    }
    step
}

fn vague_word(text: &str) -> Option<(Kind, &'static str)> {
    let w = words(text);
    VAGUE.iter().find_map(|(kind, phrases)| {
        phrases
            .iter()
            .find(|p| {
                find_phrase(&w, p).is_some_and(|i| p.contains(' ') || !in_compound(text, &w[i]))
            })
            .map(|p| (*kind, *p))
    })
}

/// A word joined by hyphens to its neighbours is part of a name, not a
/// judgement: "right-to-work", "fast-track".
fn in_compound(text: &str, word: &super::words::Word) -> bool {
    let end = word.start + word.raw.len();
    text[..word.start].ends_with('-') || text[end..].starts_with('-')
}

/// A value in quotes: "Files must be under 10 MB", “Paid”.
fn has_quoted_value(text: &str) -> bool {
    let quoted = |open: char, close: char| {
        text.split_once(open).is_some_and(|(_, rest)| {
            rest.split_once(close)
                .is_some_and(|(v, _)| !v.trim().is_empty())
        })
    };
    quoted('"', '"') || quoted('“', '”')
}

fn warning(message: String, found: String, advice: Advice) -> Warning {
    Warning {
        criterion: CRITERION.into(),
        message,
        details: format!(
            "{found} A Then step must name an outcome a tester can observe: a number with \
             a unit or a count, a status code, a message text, a named state, or an element \
             that appears, disappears or changes state."
        ),
        suggestion: advice.suggestion(),
        source: "heuristic".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn observable_outcomes_pass() {
        for step in [
            "Then the order total shows $42.00",
            "the signed form is attached to the tenancy record",
            "the lost card stops opening the gym turnstile",
            "no duplicate payment is charged",
            "the bids are ranked lowest price first",
            "the quote total matches the sum of the line items",
            "the renewal price is shown beside last year's price",
            "the upload is rejected with the message \"Files must be under 10 MB\"",
            "the API responds with 404 and error code STORY_NOT_FOUND",
            "Story status updates to Done",
            "the Delete button is no longer visible",
            "An empty state message is displayed",
            "the generated PDF has one page per student",
            "All stories are displayed in descending priority order",
            "And variance calculations are exported to risk-scoring-drift.csv",
            "the user is redirected to /login",
            // Near-misses: a judgement word backed by a number.
            "the response is fast: p99 latency is below 500 ms",
            "the page loads in under 2 seconds on a throttled 4G connection",
            // Visible effects on a specific thing, named states and standards.
            "the chosen columns are displayed",
            "a confirmation banner is displayed",
            "outputs for the story meet DoD standards",
            "the archived courses are listed under the archive heading",
            "the learner receives the certificate by email",
            "the shopper is redirected to the order summary page",
            "the refund status is approved",
            "the invoice is marked paid",
            "no error message is shown",
            // Active voice, records with values, names joined by hyphens.
            "the third episode shows the paywall prompt",
            "the rota lists only qualified lifeguards",
            "the cancelled extra is not added to the bill",
            "the visa check is recorded with the officer's initials",
            "the right-of-way request is listed under pending requests",
        ] {
            assert_eq!(check_then_step(step), None, "{step}");
        }
    }

    #[test]
    fn judgements_and_unnamed_outcomes_are_flagged() {
        let cases = [
            ("it works", "\"works\" in \"it works\" cannot be checked."),
            ("the total is calculated correctly", "\"correctly\" in \"the total is calculated correctly\" cannot be checked."),
            ("the API rejects it with a clear validation error", "\"clear\" in \"the API rejects it with a clear validation error\" cannot be checked."),
            ("the status is updated", "\"the status is updated\" names no observable outcome."),
            ("an error is shown", "\"an error is shown\" names no observable outcome."),
            ("the basket total is shown", "\"the basket total is shown\" names no observable outcome."),
            ("the UI is updated", "\"the UI is updated\" names no observable outcome."),
            ("a message is displayed", "\"a message is displayed\" names no observable outcome."),
            ("the user receives feedback", "\"the user receives feedback\" names no observable outcome."),
            ("the form is user-friendly", "\"user friendly\" in \"the form is user-friendly\" cannot be checked."),
            ("the page is fast", "\"fast\" in \"the page is fast\" cannot be checked."),
            ("Then", "The Then step is empty."),
        ];
        for (step, message) in cases {
            let w = check_then_step(step).unwrap_or_else(|| panic!("not flagged: {step}"));
            assert_eq!(w.message, message);
            assert_eq!(w.criterion, CRITERION);
        }
    }

    #[test]
    fn the_suggestion_fits_the_step() {
        let suggestion = |step| check_then_step(step).unwrap().suggestion;
        assert!(suggestion("the page loads quickly").contains("time limit"));
        assert!(suggestion("the status is updated").contains("\"Paid\""));
        assert!(suggestion("the notification is sent").contains("subject"));
        assert!(suggestion("an error is shown").contains("409"));
        assert!(suggestion("the data is correct").contains("exact value"));
    }
}
