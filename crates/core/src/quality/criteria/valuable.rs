//! valuable: the story does not say what value it gives to whom. The benefit
//! or the role is missing (blank or a placeholder: "tbd", "n/a", "-"), or a
//! benefit is given but says nothing beyond the want — it repeats it ("so
//! that a discharge summary PDF is generated"), says it in other words ("work
//! offline / without an internet connection"), or gives no reason at all ("so
//! that it is done", "because it is required"). A missing part is also
//! `well-formed`'s finding: that one asks for the part, this one for the value.

use super::{finding, quote};
use crate::domain::Warning;
use crate::quality::words::{content_stems, placeholder};
use crate::quality::StoryText;

pub const CRITERION: &str = "valuable";

/// Words that say nothing about an outcome: being able to, seeing, having.
const NO_OUTCOME: &[&str] = &[
    "able", "ability", "see", "view", "click", "press", "tap", "use", "there", "way", "option",
    "receive", "receives", "get", "gets", "have", "has", "about",
];

/// Words that give a reason without a benefit: the work is done or required.
const NON_REASONS: &[&str] = &[
    "done",
    "complete",
    "completed",
    "finished",
    "required",
    "requirement",
    "requirements",
    "met",
    "needed",
    "necessary",
    "mandatory",
    "implemented",
    "followed",
    "process",
    "ticket",
    "because",
];

/// The same thing in other words: each phrase is read as the word after it.
const PARAPHRASES: &[(&str, &str)] = &[
    ("without an internet connection", "offline"),
    ("without internet", "offline"),
    ("with no internet connection", "offline"),
    ("without a connection", "offline"),
    ("without a signal", "offline"),
    ("with no connection", "offline"),
    ("with no signal", "offline"),
    ("without connectivity", "offline"),
];

pub fn check(story: &StoryText) -> Option<Warning> {
    if let Some(found) = placeholder(story.so_that) {
        return Some(finding(
            CRITERION,
            "The story states no benefit.",
            format!(
                "\"So that\" is {found}: without an outcome the user or the business \
                 gains, the story cannot be weighed against others."
            ),
            "Say what changes for the user once they have it, e.g. \"so that I can claim \
             the expense\" or \"so that fewer patients miss appointments\".",
        ));
    }
    if let Some(found) = placeholder(story.as_a) {
        return Some(finding(
            CRITERION,
            "The story names nobody who gains from it.",
            format!(
                "\"As a\" is {found}: a benefit nobody receives cannot be weighed, and \
                 nobody can be asked whether the story delivers it."
            ),
            "Name the user or customer who gains, e.g. \"As a returning customer\".",
        ));
    }
    let benefit = story.so_that.trim();
    if placeholder(story.i_want).is_some() {
        return None; // Nothing to compare the benefit with.
    }
    let want = stems(story.i_want);
    let new_words: Vec<String> = stems(benefit)
        .into_iter()
        .filter(|w| !want.contains(w))
        .collect();
    if !new_words.is_empty() {
        return None;
    }
    Some(finding(
        CRITERION,
        "The benefit only repeats the want.",
        format!(
            "\"So that {}\" adds nothing to \"I want {}\": it names no outcome the user \
             or the business gains, so the story cannot be weighed against others.",
            quote(benefit, 80),
            quote(story.i_want, 80)
        ),
        "Say what changes for the user once they have it, e.g. \"so that I can claim the \
         expense\" or \"so that fewer patients miss appointments\".",
    ))
}

/// Content stems, paraphrases folded and non-outcome words dropped.
fn stems(text: &str) -> Vec<String> {
    let mut text = text.to_lowercase();
    for (phrase, word) in PARAPHRASES {
        text = text.replace(phrase, word);
    }
    let mut ignore = NO_OUTCOME.to_vec();
    ignore.extend_from_slice(NON_REASONS);
    content_stems(&text, &ignore)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn story<'a>(i_want: &'a str, so_that: &'a str) -> StoryText<'a> {
        StoryText {
            title: "Story",
            as_a: "user",
            i_want,
            so_that,
            ..StoryText::default()
        }
    }

    #[test]
    fn flags_benefits_that_add_nothing() {
        let cases = [
            (
                "to add a description to a table in the catalogue",
                "the table has a description",
            ),
            (
                "a retry button on failed pipeline runs",
                "I can click retry",
            ),
            (
                "to generate a discharge summary PDF",
                "a discharge summary PDF is generated",
            ),
            (
                "to opt in to the newsletter",
                "I am opted in to the newsletter",
            ),
            ("to set up two-factor authentication", "it is done"),
            (
                "to take the register on my tablet",
                "because it is required",
            ),
            ("to download a certificate", "the requirement is met"),
            (
                "ability to work offline",
                "I can work without an internet connection",
            ),
            (
                "an approve button on leave requests",
                "there is an approve button",
            ),
            (
                "to submit the shift handover",
                "the shift handover is submitted",
            ),
            (
                "to log meter readings offline",
                "I can log readings without a signal",
            ),
        ];
        for (want, benefit) in cases {
            assert!(check(&story(want, benefit)).is_some(), "{want} / {benefit}");
        }
    }

    #[test]
    fn a_short_benefit_beyond_the_want_is_fine() {
        let cases = [
            (
                "to download the invoice for an order as a PDF",
                "I can claim the expense",
            ),
            ("to pause my meal box for a month", "I can go on holiday"),
            (
                "to save a property search",
                "I get an email when a matching home is listed",
            ),
            (
                "to add my boarding pass to my phone's wallet",
                "I can board without printing anything",
            ),
            (
                "to save articles for offline reading",
                "I can read on the underground without signal",
            ),
        ];
        for (want, benefit) in cases {
            assert_eq!(check(&story(want, benefit)), None, "{want} / {benefit}");
        }
    }

    #[test]
    fn a_missing_benefit_or_role_states_no_value() {
        for benefit in ["", "  ", "tbd", "n/a", "none", "-", "?"] {
            let w = check(&story("to see the status of my refund", benefit))
                .unwrap_or_else(|| panic!("not flagged: {benefit:?}"));
            assert_eq!(w.message, "The story states no benefit.");
        }
        let nobody = StoryText {
            as_a: "N/A",
            ..story("to pause my meal box", "I can go on holiday")
        };
        let w = check(&nobody).unwrap();
        assert!(
            w.details.starts_with("\"As a\" is \"N/A\""),
            "{}",
            w.details
        );
        // A want that is missing leaves nothing to repeat.
        assert_eq!(check(&story("", "I can go on holiday")), None);
    }
}
