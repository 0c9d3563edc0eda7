//! minimal: the title or want carries material that is not the story —
//! notes, acceptance criteria, solution details or references in brackets
//! ("(see RMA policy v3; NOTE: …)", "[AC: …]"), an "e.g." list, "NOTE:",
//! or a title longer than `TITLE_MAX_WORDS` words.
//!
//! Notes belong in the description (it is not read here), criteria in the
//! acceptance tests. An acronym expansion, "Single sign-on (SSO)", is not a note.

use super::{finding, quote};
use crate::domain::Warning;
use crate::quality::words::{find_phrase, split_brackets, words};
use crate::quality::StoryText;

use super::estimable::is_spike_note;
use super::independent::waits_on_pinned_work_note as waits_on_pinned_work;

pub const CRITERION: &str = "minimal";

/// The longest title that still reads as a name for the story.
pub const TITLE_MAX_WORDS: usize = 12;

/// Markers of notes and examples outside brackets.
const NOTE_MARKERS: &[&str] = &["e g", "i e", "for example", "note", "fyi", "todo", "ac"];

pub fn check(story: &StoryText) -> Option<Warning> {
    let title_words = story
        .title
        .split_whitespace()
        .filter(|w| w.chars().any(char::is_alphanumeric))
        .count();
    let found = [("title", story.title), ("want", story.i_want)]
        .into_iter()
        .find_map(|(field, text)| extra_material(text).map(|m| (field, m)));
    let (message, details, suggestion) = match found {
        Some((field, material)) => (
            format!("The {field} carries notes that are not part of the story."),
            format!(
                "The {field} includes {material}. Notes, examples and criteria in the {field} \
                 bury the goal and go stale there."
            ),
            "Move the note or example to the description, and any acceptance criterion to \
             an acceptance test; keep the title and want to the user's goal."
                .to_string(),
        ),
        None if title_words > TITLE_MAX_WORDS => (
            format!("The title has {title_words} words."),
            format!(
                "\"{}\" is longer than {TITLE_MAX_WORDS} words: a title that describes the \
                 solution is hard to scan in a backlog.",
                quote(story.title, 100)
            ),
            format!(
                "Name the goal in {TITLE_MAX_WORDS} words or fewer (e.g. the want's verb and \
                 object) and move the detail to the description."
            ),
        ),
        None => return None,
    };
    Some(finding(CRITERION, message, details, suggestion))
}

/// What in `text` is not the story itself, described for the user.
fn extra_material(text: &str) -> Option<String> {
    let (body, bracketed) = split_brackets(text);
    if let Some(inner) = bracketed
        .iter()
        .find(|inner| !is_acronym(inner) && !is_dependency_note(inner))
    {
        return Some(format!("\"({})\"", quote(inner, 60)));
    }
    let w = words(&body);
    let lower = body.to_lowercase();
    NOTE_MARKERS.iter().find_map(|marker| {
        find_phrase(&w, marker)?;
        match *marker {
            "e g" => Some("an \"e.g.\" list".to_string()),
            "i e" | "for example" => Some("an inline example".to_string()),
            // "NOTE", "AC" … are markers only as labels: "NOTE: reuse v1".
            label => lower
                .contains(&format!("{label}:"))
                .then(|| format!("a \"{}:\" label", label.to_uppercase())),
        }
    })
}

/// "(blocked by #88)", "(depends on story 212)", "(spike)": a note that only
/// says the story waits or needs a spike. `independent` and `estimable` warn
/// about it and say what to do; calling it clutter as well would count one
/// problem twice.
fn is_dependency_note(inner: &str) -> bool {
    !inner.contains([';', ':', ',']) && (waits_on_pinned_work(inner) || is_spike_note(inner))
}

/// "(SSO)": an expansion of the words before it, not a note.
fn is_acronym(inner: &str) -> bool {
    let w = words(inner);
    w.len() == 1
        && (2..=6).contains(&w[0].raw.len())
        && w[0]
            .raw
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn story<'a>(title: &'a str, i_want: &'a str) -> StoryText<'a> {
        StoryText {
            title,
            as_a: "user",
            i_want,
            so_that: "I get what I need",
            description: "Reminder at 15:00 (see ADR-12; e.g. Slack). NOTE: copy TBD.",
            ..StoryText::default()
        }
    }

    #[test]
    fn a_note_that_only_says_what_it_waits_on_is_left_to_independent() {
        for title in ["Gift cards (blocked by #412)", "Loyalty tiers (spike)"] {
            assert!(
                check(&story(title, "to buy a gift card")).is_none(),
                "{title}"
            );
        }
        assert!(check(&story(
            "Gift cards (blocked by #412; see the brand guide)",
            "to buy one"
        ))
        .is_some());
    }

    #[test]
    fn flags_notes_and_long_titles() {
        let cases = [
            (
                "Return form (see RMA policy v3; NOTE: legal to review)",
                "to request a return",
                "(see RMA",
            ),
            (
                "Timetable export [AC: PDF A4 landscape]",
                "to export my timetable",
                "(AC: PDF",
            ),
            (
                "Carousel",
                "a carousel (designs in Figma, see link in ticket)",
                "(designs in Figma",
            ),
            (
                "Edit story",
                "to update a story's fields (title, description, status)",
                "(title,",
            ),
            (
                "Visitor sign-in",
                "visitors to sign in, e.g. contractors, auditors",
                "e.g.",
            ),
            (
                "Spending",
                "my spending by category NOTE: reuse the v1 categoriser",
                "NOTE:",
            ),
        ];
        for (title, want, material) in cases {
            let w = check(&story(title, want)).unwrap_or_else(|| panic!("not flagged: {title}"));
            assert!(w.details.contains(material), "{title}: {}", w.details);
        }
        let long =
            "Add a button on the deployments page that lets engineers pause an in-progress rollout";
        let w = check(&story(long, "to pause a rollout")).unwrap();
        assert_eq!(w.message, "The title has 14 words.");
    }

    #[test]
    fn acronyms_twelve_word_titles_and_description_notes_are_fine() {
        let cases = [
            (
                "Single sign-on (SSO) for staff",
                "to sign in with my company account",
            ),
            (
                "Show the estimated delivery date on the product page for each size",
                "to see it",
            ),
            (
                "Timesheet reminder",
                "a reminder on Friday if my timesheet is not submitted",
            ),
            ("Note taking", "to take a note during a meeting"),
        ];
        for (title, want) in cases {
            assert_eq!(check(&story(title, want)), None, "{title}");
        }
    }
}
