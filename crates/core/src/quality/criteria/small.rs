//! small: the story is too big to fit in an iteration — more story points
//! than `EPIC_POINTS`, or a scope that makes it an epic at any estimate (the
//! "entire suite", "whole system", "all modules", "end-to-end everything").
//!
//! Scope words about the data one feature handles are not size: "my entire
//! order history", "a whole tax year of transactions", "every alert includes
//! a runbook link". So the words count only before a product-sized noun.

use super::{finding, quote};
use crate::domain::Warning;
use crate::quality::words::{find_phrase, span, words, Word};
use crate::quality::{StoryText, EPIC_POINTS};

pub const CRITERION: &str = "small";

/// Words that make the whole of something the scope …
const WHOLE: &[&str] = &["entire", "whole", "complete"];
/// … when that something is a product, not a piece of data.
const PRODUCTS: &[&str] = &[
    "system",
    "systems",
    "platform",
    "product",
    "suite",
    "intranet",
    "app",
    "application",
    "website",
    "site",
    "portal",
    "stack",
    "backend",
    "frontend",
];
/// "all modules", "every feature": the parts of a product, all at once.
const EVERY: &[&str] = &["all", "every"];
const PARTS: &[&str] = &[
    "module",
    "modules",
    "feature",
    "features",
    "service",
    "services",
    "department",
    "departments",
    "product",
    "products",
    "system",
    "systems",
    "application",
    "applications",
];
const EPIC_PHRASES: &[&str] = &[
    "all related",
    "end to end everything",
    "covers everything",
    "and everything else",
];

/// How many words may stand between "whole" and the product ("the whole paper
/// records system").
const NOUN_REACH: usize = 4;

pub fn check(story: &StoryText) -> Option<Warning> {
    if let Some(points) = story.story_point.filter(|p| *p > EPIC_POINTS) {
        return Some(finding(
            CRITERION,
            format!("{points} story points make this an epic."),
            format!(
                "Stories above {EPIC_POINTS} points rarely fit in one iteration and hide \
                 more than one deliverable."
            ),
            format!(
                "Split it into stories of {EPIC_POINTS} points or fewer, each a slice a user \
                 can try (one workflow, one user type or one rule at a time), and keep this \
                 one as their parent."
            ),
        ));
    }
    let (field, scope) = [
        ("title", story.title),
        ("want", story.i_want),
        ("description", story.description),
    ]
    .into_iter()
    .find_map(|(field, text)| epic_scope(text).map(|s| (field, s)))?;
    Some(finding(
        CRITERION,
        "The scope makes this an epic.",
        format!(
            "The {field} asks for \"{}\": that is a product or a programme of work, not a \
             story one team can finish in an iteration.",
            quote(&scope, 80)
        ),
        "Make this the parent and write child stories for the first slices users need \
         (one module, one workflow or one user type each); estimate those.",
    ))
}

/// The words that set an epic's scope, if any.
fn epic_scope(text: &str) -> Option<String> {
    let w = words(text);
    for (i, word) in w.iter().enumerate() {
        if WHOLE.contains(&word.lower.as_str()) {
            if let Some(end) = noun_within(&w[i + 1..], PRODUCTS, NOUN_REACH) {
                return Some(span(text, &w, i, i + 1 + end).to_string());
            }
        }
        let next_is_part = w
            .get(i + 1)
            .is_some_and(|n| PARTS.contains(&n.lower.as_str()));
        if EVERY.contains(&word.lower.as_str()) && next_is_part {
            return Some(span(text, &w, i, i + 1).to_string());
        }
        // "all association features", "all back-office modules": the parts of
        // one product, named by what they belong to (services and products
        // are often the data: "all courier services that deliver here").
        if word.lower == "all" {
            if let Some(end) = (2..=3).find(|&k| {
                w.get(i + k).is_some_and(|n| {
                    matches!(n.lower.as_str(), "features" | "modules" | "functions")
                }) && w
                    .get(i + k + 1)
                    .is_none_or(|after| !after.lower.ends_with('s'))
            }) {
                if w[i + 1..i + end].iter().all(|m| !m.lower.ends_with('s')) {
                    return Some(span(text, &w, i, i + end).to_string());
                }
            }
        }
    }
    EPIC_PHRASES.iter().find_map(|p| {
        let at = find_phrase(&w, p)?;
        // The phrase and the word it governs ("all related services").
        let to = (at + p.split(' ').count()).min(w.len() - 1);
        Some(span(text, &w, at, to).to_string())
    })
}

fn noun_within(rest: &[Word], nouns: &[&str], reach: usize) -> Option<usize> {
    rest.iter()
        .take(reach + 1)
        .position(|w| nouns.contains(&w.lower.as_str()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn story(i_want: &str, story_point: Option<u32>) -> StoryText<'_> {
        StoryText {
            title: "Story",
            as_a: "user",
            i_want,
            so_that: "I get what I need",
            story_point,
            ..StoryText::default()
        }
    }

    #[test]
    fn points_above_the_epic_threshold_are_too_big() {
        for (points, flagged) in [
            (None, false),
            (Some(0), false),
            (Some(8), false),
            (Some(9), true),
            (Some(100), true),
        ] {
            let w = check(&story("to renew my permit", points));
            assert_eq!(w.is_some(), flagged, "{points:?}");
        }
    }

    #[test]
    fn epic_scope_is_too_big_at_any_estimate() {
        let cases = [
            ("to migrate the whole system to the cloud", "whole system"),
            (
                "to replace the whole paper records system across all departments",
                "whole paper records system",
            ),
            (
                "the entire fleet management suite",
                "entire fleet management suite",
            ),
            (
                "a complete self-serve data platform",
                "complete self-serve data platform",
            ),
            (
                "all modules of the admin console on the new design",
                "all modules",
            ),
            ("programmatic access to all features", "all features"),
            (
                "one app with booking, payments and all related services",
                "all related services",
            ),
            (
                "to move all clinic booking features online",
                "all clinic booking features",
            ),
            (
                "a member app with tee times, scores, the bar tab and everything else",
                "and everything else",
            ),
        ];
        for (want, scope) in cases {
            let w = check(&story(want, Some(3))).unwrap_or_else(|| panic!("not flagged: {want}"));
            assert!(w.details.contains(scope), "{want}: {}", w.details);
        }
    }

    #[test]
    fn scope_words_about_the_data_of_one_feature_are_not_size() {
        for want in [
            "to see my entire order history as a paginated list",
            "to export a whole tax year of transactions as a CSV file",
            "to add everything from a previous order to my basket",
            "every alert to include a link to its runbook",
            "a modal showing all story titles",
            "all data encrypted at rest and in transit",
            "to download all fuel card statements for the quarter",
            "to see all courier services that deliver to my postcode",
        ] {
            assert_eq!(check(&story(want, Some(3))), None, "{want}");
        }
    }
}
