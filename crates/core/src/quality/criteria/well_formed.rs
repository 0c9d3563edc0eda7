//! well-formed: the story names who (As a), what (I want) and why (So that).
//! Presence only; phrasing is the other checks' business. A placeholder
//! ("tbd", "n/a", "none", "-", "?") is a missing part written down.

use super::finding;
use crate::domain::Warning;
use crate::quality::words::placeholder;
use crate::quality::StoryText;

pub const CRITERION: &str = "well-formed";

pub fn check(story: &StoryText) -> Option<Warning> {
    let parts = [
        (
            "As a",
            story.as_a,
            "name the user who benefits: As a <role>",
        ),
        (
            "I want",
            story.i_want,
            "say what that user wants to do: I want to <action>",
        ),
        (
            "So that",
            story.so_that,
            "say what they gain: So that <outcome they care about>",
        ),
    ];
    let missing: Vec<_> = parts
        .iter()
        .filter_map(|p| placeholder(p.1).map(|found| (p, found)))
        .collect();
    if missing.is_empty() {
        return None;
    }
    let names: Vec<&str> = missing.iter().map(|(p, _)| p.0).collect();
    let found: Vec<String> = missing
        .iter()
        .map(|(p, found)| format!("\"{}\" is {found}", p.0))
        .collect();
    let advice: Vec<&str> = missing.iter().map(|(p, _)| p.2).collect();
    let suggestion = capitalize(&advice.join("; "));
    Some(finding(
        CRITERION,
        format!("The story has no \"{}\".", names.join("\", \"")),
        format!(
            "{}. A user story names who wants it, what they want and why. Without all \
             three the team cannot judge its value or when it is done.",
            capitalize(&found.join(", "))
        ),
        format!("{suggestion}."),
    ))
}

fn capitalize(s: &str) -> String {
    let mut chars = s.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn story<'a>(as_a: &'a str, i_want: &'a str, so_that: &'a str) -> StoryText<'a> {
        StoryText {
            title: "Track my parcel",
            as_a,
            i_want,
            so_that,
            ..StoryText::default()
        }
    }

    #[test]
    fn flags_each_blank_part_and_only_blank_parts() {
        let cases = [
            // (as a, i want, so that, expected message or None)
            (
                "customer",
                "to track my parcel",
                "I know when to be home",
                None,
            ),
            // Near-misses: unusual but present.
            (
                "user viewing Gating Tests pages",
                "a vertical scroll bar",
                "I can reach content",
                None,
            ),
            ("subscriber", "to pause my box", "I can go on holiday", None),
            (
                "",
                "to track my parcel",
                "I know when",
                Some("The story has no \"As a\"."),
            ),
            (
                "customer",
                "to track my parcel",
                "   ",
                Some("The story has no \"So that\"."),
            ),
            (
                "",
                " ",
                "",
                Some("The story has no \"As a\", \"I want\", \"So that\"."),
            ),
            // Placeholders are missing parts written down.
            (
                "n/a",
                "to track my parcel",
                "tbd",
                Some("The story has no \"As a\", \"So that\"."),
            ),
            (
                "customer",
                "-",
                "I know when",
                Some("The story has no \"I want\"."),
            ),
            // A placeholder word inside real content is content.
            (
                "passenger",
                "to choose \"none\" as my meal preference",
                "no meal is wasted",
                None,
            ),
        ];
        for (as_a, want, so_that, expected) in cases {
            let got = check(&story(as_a, want, so_that)).map(|w| w.message);
            assert_eq!(
                got.as_deref(),
                expected,
                "{as_a:?} / {want:?} / {so_that:?}"
            );
        }
    }

    #[test]
    fn the_suggestion_says_what_to_write() {
        let w = check(&story("customer", "to track my parcel", "")).unwrap();
        assert_eq!(
            w.suggestion,
            "Say what they gain: So that <outcome they care about>."
        );
        assert_eq!(w.source, "heuristic");
    }

    #[test]
    fn the_details_quote_what_was_found() {
        let w = check(&story("customer", "to track my parcel", "TBD")).unwrap();
        assert!(
            w.details.starts_with("\"So that\" is \"TBD\"."),
            "{}",
            w.details
        );
        let w = check(&story("", "to track my parcel", "I know when")).unwrap();
        assert!(w.details.starts_with("\"As a\" is blank."), "{}", w.details);
    }
}
