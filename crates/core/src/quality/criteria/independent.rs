//! independent: the story cannot be done until other work is done (another
//! story, team, release, project or outside party).
//!
//! Only the description is read: that is where a team writes down what a
//! story waits on. The title, want and benefit describe the feature, and
//! features are often about dependencies ("mark my task as blocked by another
//! task", "unblock my card", "a dependency graph").

use super::{finding, quote};
use crate::domain::Warning;
use crate::quality::words::{clauses, find_phrase, words, Word};
use crate::quality::StoryText;

pub const CRITERION: &str = "independent";

/// Phrases that say, on their own, that the work waits.
const WAITS: &[&str] = &[
    "blocked by",
    "blocked until",
    "blocked on",
    "cannot start",
    "can't start",
    "can not start",
    "cannot begin",
    "can only start",
    "can only begin",
    "must wait",
    "has to wait",
    "have to wait",
    "needs to wait",
    "waiting for",
    "waiting on",
    "before this can",
    "before we can start",
];

/// Phrases that say it waits only when the same clause names the other work.
const NEEDS: &[&str] = &[
    "depends on",
    "dependent on",
    "requires",
    "require",
    "needs",
    "need",
    "only after",
    "once",
    "until",
];

/// Other work: a unit of delivery or an outside party.
const OTHER_WORK: &[&str] = &[
    "story",
    "ticket",
    "epic",
    "team",
    "project",
    "release",
    "migration",
    "vendor",
    "supplier",
    "procurement",
    "licence",
    "license",
    "contract",
];

/// The other work being finished.
const FINISHED: &[&str] = &[
    "being done",
    "being finished",
    "being completed",
    "to be done",
    "to be finished",
    "to be completed",
    "to be delivered",
    "to be ready",
    "is done",
    "is finished",
    "is completed",
    "is delivered",
    "is ready",
    "finishing",
    "ships",
];

pub fn check(story: &StoryText) -> Option<Warning> {
    let clause = clauses(story.description)
        .into_iter()
        .find(|c| waits_on_other_work(c))?;
    Some(finding(
        CRITERION,
        "The story waits on other work.",
        format!(
            "The description says: \"{}\". A story that cannot start until something else \
             is finished cannot be planned or reordered on its own.",
            quote(clause, 120)
        ),
        "Record the blocking story as a dependency link instead of prose, or split off the \
         part that can be built now (stub or mock the missing piece) so this story stands \
         on its own.",
    ))
}

fn waits_on_other_work(clause: &str) -> bool {
    let w = words(clause);
    let has = |phrases: &[&str]| phrases.iter().any(|p| find_phrase(&w, p).is_some());
    has(WAITS) || (has(NEEDS) && (names_other_work(clause, &w) || has(FINISHED)))
}

/// A kind of work or party by name, or a ticket number ("#12").
fn names_other_work(clause: &str, w: &[Word]) -> bool {
    w.iter()
        .any(|word| OTHER_WORK.contains(&word.lower.trim_end_matches('s')))
        || clause
            .split('#')
            .skip(1)
            .any(|after| after.starts_with(|c: char| c.is_ascii_digit()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with_description(description: &str) -> StoryText<'_> {
        StoryText {
            title: "Pay with a saved card",
            as_a: "returning shopper",
            i_want: "to pay with a card I saved",
            so_that: "checkout takes fewer steps",
            description,
            ..StoryText::default()
        }
    }

    #[test]
    fn flags_work_that_waits_and_not_dependency_words_about_the_domain() {
        let cases = [
            ("Blocked by the card tokenisation work (story 41).", true),
            ("Depends on story 88 being done first.", true),
            ("Must wait for the networking team to finish the rollout.", true),
            ("Requires the Bacs project to be completed first.", true),
            ("Only after story S-114 (timetable API) is done.", true),
            ("We need the payments API from team Ledger to be finished before this can be built.", true),
            // Near-misses: the words describe the domain.
            ("The shipping cost depends on the parcel weight and the zone.", false),
            ("Graph of upstream and downstream dependencies built from tracing data.", false),
            ("Slots blocked for training are greyed out.", false),
            ("Needs a confirmation step before the money moves.", false),
            ("", false),
        ];
        for (description, expected) in cases {
            assert_eq!(
                check(&with_description(description)).is_some(),
                expected,
                "{description}"
            );
        }
    }

    #[test]
    fn the_want_is_not_read_for_dependencies() {
        let story = StoryText {
            i_want: "to mark my task as blocked by another task",
            ..with_description("")
        };
        assert_eq!(check(&story), None);
    }

    #[test]
    fn the_warning_quotes_the_clause() {
        let w = check(&with_description(
            "Fine print. Blocked by procurement; later.",
        ))
        .unwrap();
        assert!(
            w.details.contains("\"Blocked by procurement\""),
            "{}",
            w.details
        );
    }
}
