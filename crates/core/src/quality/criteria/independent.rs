//! independent: the story cannot be done until other work is done (another
//! story, team, release, project or outside party).
//!
//! The description is where a team writes down what a story waits on, and
//! there a waiting phrase with other work named is enough. The title, want and
//! benefit describe the feature, and features are often about dependencies
//! ("mark my task as blocked by another task", "unblock my card once I am
//! home", "a dependency graph"), so there the other work must be pinned down:
//! a ticket ("#88", "story 212", "LIB-301") or named work being finished
//! ("once the payments team ships the gateway").

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
    "cannot be built until",
    "can't be built until",
    "cannot be built before",
    "cannot be done until",
    "cannot be released until",
    "cannot go live until",
    "not possible until",
    "on hold until",
    "on hold pending",
    "pending approval",
    "pending sign-off",
    "pending signoff",
    "pending procurement",
    "pending the contract",
    "pending contract",
    "pending funding",
    "pending legal",
];

/// Phrases that say it waits when the same clause says the other work or
/// party has yet to deliver (`AWAITED`): "depends on the regulator
/// publishing …", "only after the agreement is signed".
const STRONG_NEEDS: &[&str] = &[
    "depends on",
    "dependent on",
    "requires",
    "only after",
    "only possible after",
    "possible only after",
];

/// Another party still to deliver: publishing, releasing, signing,
/// approving, building or rolling out what the story needs.
const AWAITED: &[&str] = &[
    "publishes",
    "publishing",
    "published",
    "being released",
    "to be released",
    "is released",
    "are released",
    "releasing",
    "being built",
    "to be built",
    "giving us",
    "gives us",
    "give us",
    "reaching",
    "delivers",
    "delivering",
    "is signed",
    "are signed",
    "being signed",
    "to be signed",
    "signed off",
    "signs off",
    "not approved",
    "not been approved",
    "not yet approved",
    "goes live",
    "going live",
    "launches",
    "launching",
    "rolled out",
    "rolling out",
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
    "only possible after",
    "possible only after",
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
    let described = clauses(story.description)
        .into_iter()
        .find_map(|c| waits_on_other_work(c).map(|p| ("description", c, p)));
    let (field, clause, phrase) = described.or_else(|| {
        [
            ("title", story.title),
            ("want", story.i_want),
            ("benefit", story.so_that),
        ]
        .into_iter()
        .flat_map(|(field, text)| clauses(text).into_iter().map(move |c| (field, c)))
        .find_map(|(field, c)| waits_on_pinned_work(c).map(|p| (field, c, p)))
    })?;
    Some(finding(
        CRITERION,
        "The story waits on other work.",
        format!(
            "The {field} says: \"{}\" (\"{phrase}\"). A story that cannot start until \
             something else is finished cannot be planned or reordered on its own.",
            quote(clause, 120)
        ),
        "Record the blocking story as a dependency link instead of prose, or split off the \
         part that can be built now (stub or mock the missing piece) so this story stands \
         on its own.",
    ))
}

/// The phrase by which a description clause waits on other work.
fn waits_on_other_work(clause: &str) -> Option<&'static str> {
    let w = words(clause);
    let first = |phrases: &[&'static str]| {
        phrases
            .iter()
            .find(|p| find_phrase(&w, p).is_some())
            .copied()
    };
    first(WAITS)
        .or_else(|| {
            first(NEEDS)
                .filter(|_| names_other_work(clause, &w) || first(FINISHED).is_some())
                .filter(|p| !needs_a_rule_or_an_answer(&w, p))
        })
        .or_else(|| first(STRONG_NEEDS).filter(|_| first(AWAITED).is_some()))
        .or_else(|| {
            // "after the vendor delivers the firmware": a party and its delivery.
            first(&["after"]).filter(|_| {
                names_other_work(clause, &w)
                    && (first(FINISHED).is_some() || first(AWAITED).is_some())
            })
        })
}

/// "requires a valid licence" is a rule of the feature and "needs
/// investigation with the vendor" an unknown (`estimable`): neither waits on
/// other work being finished.
fn needs_a_rule_or_an_answer(w: &[Word], phrase: &str) -> bool {
    let Some(at) = find_phrase(w, phrase) else {
        return false;
    };
    let next: Vec<&str> = w[at + phrase.split(' ').count()..]
        .iter()
        .take(2)
        .map(|w| w.lower.as_str())
        .collect();
    matches!(
        next.as_slice(),
        ["valid", ..]
            | [_, "valid"]
            | [
                "investigation" | "research" | "clarification" | "investigating",
                ..
            ]
    )
}

/// The phrase by which a clause of the title, want or benefit waits on a
/// ticket or on named work being finished.
fn waits_on_pinned_work(clause: &str) -> Option<&'static str> {
    pinned_wait(clause)
}

/// Whether a bracketed note waits on a ticket or named work being finished.
pub(super) fn waits_on_pinned_work_note(clause: &str) -> bool {
    pinned_wait(clause).is_some()
}

fn pinned_wait(clause: &str) -> Option<&'static str> {
    let w = words(clause);
    let first = |phrases: &[&'static str]| {
        phrases
            .iter()
            .find(|p| find_phrase(&w, p).is_some())
            .copied()
    };
    let waits = first(WAITS)
        .or_else(|| first(NEEDS))
        .or_else(|| first(&["after"]))?;
    let pinned =
        ticket_reference(clause, &w) || (names_other_work(clause, &w) && first(FINISHED).is_some());
    pinned.then_some(waits)
}

/// "#88", "story 212", "ticket 4", "LIB-301", "S-114".
fn ticket_reference(clause: &str, w: &[Word]) -> bool {
    let numbered = |word: &Word| word.raw.chars().all(|c| c.is_ascii_digit());
    let hash = clause
        .split('#')
        .skip(1)
        .any(|after| after.starts_with(|c: char| c.is_ascii_digit()));
    let named = w.windows(2).any(|p| {
        matches!(
            p[0].lower.as_str(),
            "story" | "stories" | "ticket" | "issue" | "epic"
        ) && numbered(&p[1])
    });
    let key = w.windows(2).any(|p| {
        let gap = &clause[p[0].start + p[0].raw.len()..p[1].start];
        p[0].raw.chars().all(|c| c.is_ascii_uppercase()) && gap == "-" && numbered(&p[1])
    });
    hash || named || key
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
            // Waiting on an outside party still to deliver, in other words.
            ("Cannot be built until the standards body publishes the schema.", true),
            ("Depends on the port authority giving us access to its berth feed.", true),
            ("Requires the lab data licence, which legal has not approved yet.", true),
            ("Only after the hospital data-sharing agreement is signed.", true),
            ("Depends on the broadband rollout reaching the valley first.", true),
            ("On hold until the auditors sign off the new chart of accounts.", true),
            ("Pending procurement of the handheld scanners.", true),
            ("Only possible after story 31 stores the delivery slots.", true),
            ("We start after the vendor delivers the firmware.", true),
            // Near-misses: the same words about the domain.
            ("The fee depends on the size of the plot.", false),
            ("Requires the member to sign in first.", false),
            ("Claims not yet approved are shown in amber.", false),
            ("Books on hold are listed first.", false),
            ("After the courier scans the parcel the customer gets a text.", false),
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
    fn title_want_and_benefit_wait_when_the_other_work_is_pinned_down() {
        let cases = [
            (
                "Buy now pay later (blocked by #301)",
                "to pay in instalments",
                "I spread the cost",
                "blocked by",
            ),
            (
                "Data export (depends on story 140)",
                "to export a result",
                "I share it",
                "depends on",
            ),
            (
                "Vaccination booking",
                "to book a flu jab once the booking team ships the new calendar",
                "I get my jab",
                "once",
            ),
            (
                "Orders",
                "to send orders after the supplier onboarding epic is completed",
                "orders arrive",
                "after",
            ),
            (
                "Tax form",
                "to update my tax residency",
                "my statements are right once story 77 is done",
                "once",
            ),
            (
                "Book club (needs LIB-301)",
                "to join a book club",
                "I meet readers",
                "needs",
            ),
        ];
        for (title, i_want, so_that, phrase) in cases {
            let story = StoryText {
                title,
                i_want,
                so_that,
                ..with_description("")
            };
            let w = check(&story).unwrap_or_else(|| panic!("not flagged: {title}"));
            assert!(
                w.details.contains(&format!("(\"{phrase}\")")),
                "{title}: {}",
                w.details
            );
        }
    }

    #[test]
    fn a_rule_or_an_open_question_is_not_waiting() {
        for description in [
            "Boarding requires a valid pilot licence.",
            "The firmware format needs investigation with the supplier.",
        ] {
            assert_eq!(check(&with_description(description)), None, "{description}");
        }
        assert!(check(&with_description(
            "Requires the supplier contract to be signed."
        ))
        .is_some());
    }

    #[test]
    fn dependency_words_about_the_feature_are_not_waiting() {
        for (title, i_want) in [
            (
                "Mark task blocked",
                "to mark my task as blocked by another task",
            ),
            ("Unblock a card", "to unblock my card once I am home"),
            (
                "Release calendar",
                "to see which release each story ships in",
            ),
            (
                "Approvals",
                "finance to approve a claim after the team lead has approved it",
            ),
            ("Links", "to link a story to the story it depends on"),
        ] {
            let story = StoryText {
                title,
                i_want,
                ..with_description("")
            };
            assert_eq!(check(&story), None, "{i_want}");
        }
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
