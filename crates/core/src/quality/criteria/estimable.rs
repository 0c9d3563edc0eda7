//! estimable: the text admits that something about the work is unknown —
//! "TBD", "not sure", "somehow", "figure out", "we need to investigate", "???".
//!
//! Read where a team records what it knows about the work: the description,
//! and notes in brackets in the title or want ("(NOTE: copy TBD)"). The title,
//! want and benefit otherwise describe the user's task, where the same words
//! are the domain: a student flags questions they are "not sure about", an
//! analyst "investigates" alerts, an allergy is "recorded as unknown".
//!
//! A spike or research that has to come first is an unknown too ("Spike:
//! compare two providers", "needs research into which APIs we can use"),
//! read in the description and in a title that opens with "Spike". A spike in
//! a metric ("a spike in cloud spend") is the domain.

use super::{finding, quote};
use crate::domain::Warning;
use crate::quality::words::{clauses, first_phrase, split_brackets, words};
use crate::quality::StoryText;

pub const CRITERION: &str = "estimable";

const UNKNOWNS: &[&str] = &[
    "tbd",
    "tbc",
    "to be decided",
    "to be determined",
    "to be confirmed",
    "not sure",
    "unsure",
    "unclear",
    "unknown",
    "somehow",
    "figure out",
    "investigate",
    "nobody knows",
    "no one knows",
    "open question",
    "open questions",
    "no idea",
    "don't know",
    "do not know",
    "not known",
    "not yet known",
    "uncertain",
    "undecided",
    "to be clarified",
    "needs research",
    "need to research",
    "more research",
    "research into",
    "needs investigation",
    "needs discovery",
    "etc",
];

/// Words after "spike" that make it a spike in a metric, not research.
const METRIC_SPIKE: &[&str] = &["in", "of", "above", "at", "during", "when", "after"];

pub fn check(story: &StoryText) -> Option<Warning> {
    let spike_title = words(story.title)
        .first()
        .is_some_and(|w| w.lower == "spike")
        .then_some(story.title);
    let notes = [story.title, story.i_want]
        .into_iter()
        .flat_map(|text| split_brackets(text).1)
        .chain(spike_title);
    let (clause, unknown) = clauses(story.description)
        .into_iter()
        .chain(notes)
        .find_map(|clause| admitted_unknown(clause).map(|u| (clause, u)))?;
    Some(finding(
        CRITERION,
        "The story admits that part of the work is unknown.",
        format!(
            "\"{}\" ({unknown}): the team cannot size work whose content or approach is \
             still open.",
            quote(clause, 120)
        ),
        "Settle the open question before planning (decide it with the product owner), or \
         split off a time-boxed spike that answers it and estimate this story afterwards.",
    ))
}

fn admitted_unknown(clause: &str) -> Option<&'static str> {
    if clause.contains("??") {
        return Some("open question marks");
    }
    first_phrase(clause, UNKNOWNS)
        .map(|p| match p {
            "tbd" | "tbc" => "to be decided",
            "etc" => "an open-ended list",
            other => other,
        })
        .or_else(|| research_spike(clause).then_some("a spike"))
}

/// "(spike)", "(spike first)": a bracketed note asking only for a spike.
pub(super) fn is_spike_note(inner: &str) -> bool {
    research_spike(inner) && words(inner).len() <= 4
}

/// "Spike: compare …", "a time-boxed spike first"; not "a spike in sign-ups".
fn research_spike(clause: &str) -> bool {
    let w = words(clause);
    w.iter().enumerate().any(|(i, word)| {
        matches!(word.lower.as_str(), "spike" | "spikes")
            && w.get(i + 1)
                .is_none_or(|next| !METRIC_SPIKE.contains(&next.lower.as_str()))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn story<'a>(title: &'a str, i_want: &'a str, description: &'a str) -> StoryText<'a> {
        StoryText {
            title,
            as_a: "user",
            i_want,
            so_that: "I get what I need",
            description,
            ..StoryText::default()
        }
    }

    #[test]
    fn flags_admitted_unknowns_in_the_description_and_notes() {
        let cases = [
            (
                "Regulatory position unknown; which coins ??? Product to decide.",
                "unknown",
            ),
            ("Metering approach not sure yet.", "not sure"),
            (
                "Conversion rate of points to currency is TBD.",
                "to be decided",
            ),
            ("Somehow take preferences into account.", "somehow"),
            (
                "We need to figure out the constraints with HR.",
                "figure out",
            ),
            ("Number of reports ??? Nobody knows.", "open question marks"),
            ("Widget content: tasks, streaks, etc.", "an open-ended list"),
            (
                "Spike to compare two open banking providers first.",
                "a spike",
            ),
            (
                "Needs research into which watch APIs we can use.",
                "needs research",
            ),
            ("We have no idea yet how long the solver takes.", "no idea"),
            ("We don't know yet which rules apply.", "don't know"),
        ];
        for (description, unknown) in cases {
            let w = check(&story("Widget", "a widget", description))
                .unwrap_or_else(|| panic!("not flagged: {description}"));
            assert!(w.details.contains(unknown), "{description}: {}", w.details);
        }
        let noted = story(
            "Order notifications (see thread; NOTE: copy TBD)",
            "updates",
            "",
        );
        assert!(check(&noted).is_some());
        let spike = story("Spike: open banking providers", "to link my accounts", "");
        assert!(check(&spike).unwrap().details.contains("(a spike)"));
    }

    #[test]
    fn the_same_words_about_the_users_task_are_not_unknowns() {
        let cases = [
            (
                "Spam warning for unknown callers",
                "to see a spam warning",
                "",
            ),
            (
                "TBD rooms on the agenda",
                "to show TBD as the room of unplaced sessions",
                "",
            ),
            ("Flag questions", "to flag questions I'm not sure about", ""),
            (
                "Investigate flagged transactions",
                "to open a flagged transaction",
                "",
            ),
            (
                "Allergy warning",
                "a warning when allergy status is recorded as unknown",
                "",
            ),
            (
                "Delivery route",
                "my stops in driving order",
                "Twenty stops per page.",
            ),
            (
                "Cost anomaly alerts",
                "an alert on a spike in cloud spend",
                "Alert when there is a spike in spend above the weekly average.",
            ),
            ("Research notes", "to attach research notes to a sample", ""),
        ];
        for (title, want, description) in cases {
            assert_eq!(check(&story(title, want, description)), None, "{title}");
        }
    }
}
