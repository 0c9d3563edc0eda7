//! Drafts made without an LLM (DESIGN §3.3 rule 5, `draftStory`, `draftTest`):
//! deterministic templates built from the user's own words. Where the words
//! do not say something (why the user wants it), the draft asks for it in
//! brackets rather than inventing it.

use super::criteria::{atomic, minimal};
use super::words::{content_stems, stem, words};
use super::StoryText;
use crate::domain::{Component, TITLE_MAX_CHARS};
use serde::{Deserialize, Serialize};

/// A proposed story, as `draftStory` answers it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StoryDraft {
    pub title: String,
    pub as_a: String,
    pub i_want: String,
    pub so_that: String,
    pub description: String,
    pub story_point: Option<u32>,
    pub components: Vec<Component>,
    /// Three to five criteria in plain words.
    pub acceptance_criteria: Vec<String>,
}

/// A proposed acceptance test, as `draftTest` answers it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TestDraft {
    pub title: Option<String>,
    pub given: Vec<String>,
    pub when: Vec<String>,
    pub then: Vec<String>,
}

/// Words that suggest a component of the catalog, in catalog order.
const COMPONENT_HINTS: &[(Component, &[&str])] = &[
    (
        Component::WorkModel,
        &["story", "backlog", "hierarchy", "task", "epic"],
    ),
    (
        Component::DocumentIntelligence,
        &["document", "pdf", "file", "upload", "import"],
    ),
    (
        Component::ReviewGovernance,
        &[
            "review",
            "approve",
            "approval",
            "audit",
            "policy",
            "permission",
        ],
    ),
    (
        Component::OrchestrationEngagement,
        &[
            "notify",
            "notification",
            "email",
            "slack",
            "workflow",
            "agent",
            "integration",
        ],
    ),
    (
        Component::RunVerify,
        &["test", "run", "verify", "deploy", "build", "pipeline"],
    ),
    (
        Component::TraceabilityInsight,
        &[
            "report",
            "dashboard",
            "metric",
            "history",
            "trace",
            "insight",
        ],
    ),
];

pub fn template_story_draft(idea: &str, parent: Option<&StoryText>) -> StoryDraft {
    let idea = tidy(idea);
    let parts = IdeaParts::of(&idea);
    let role = parts
        .role
        .clone()
        .or_else(|| parent.and_then(|p| non_empty(p.as_a)).map(str::to_string))
        .unwrap_or_else(|| "user".to_string());
    let action = parts.want.trim_start_matches("to ").to_string();
    let i_want = if starts_with_action(&action) {
        format!("to {action}")
    } else {
        action.clone()
    };
    // The idea's own reason first; the parent's goal is only a stand-in.
    let so_that = match (&parts.benefit, parent.and_then(|p| non_empty(p.so_that))) {
        (Some(benefit), _) => benefit.clone(),
        (None, Some(goal)) => goal.to_string(),
        (None, None) => format!(
            "[say what changes for the {role} once they can {}]",
            short(&action, 8)
        ),
    };
    let mut description = format!("Drafted from the idea \"{idea}\".");
    if let Some(p) = parent {
        let id = p.id.map(|id| format!("story {id} ")).unwrap_or_default();
        description.push_str(&format!(" Part of {id}\"{}\".", p.title.trim()));
    }
    StoryDraft {
        title: title_from(&action),
        as_a: role.clone(),
        i_want,
        so_that,
        description,
        story_point: None, // Sizing is the team's call.
        components: components_for(&idea),
        acceptance_criteria: vec![
            format!("A {role} can {} and sees a confirmation within 2 seconds.", short(&action, 12)),
            format!("If a required value is missing or invalid, the {role} sees a message naming the field, and nothing is saved."),
            format!("Someone who is not allowed to {} gets a 403 response and no change is made.", short(&action, 12)),
            "The change is recorded with who made it and when.".to_string(),
        ],
    }
}

pub fn template_test_draft(story: &StoryText, idea: Option<&str>) -> TestDraft {
    let role = non_empty(story.as_a).unwrap_or("user");
    let want = non_empty(story.i_want).unwrap_or(story.title).trim();
    let action = want.strip_prefix("to ").unwrap_or(want);
    let when = if starts_with_action(action) {
        format!("the {role} chooses to {action}")
    } else {
        format!("the {role} uses {action}")
    };
    let mut given = vec![format!("a signed-in {role}")];
    let idea = idea.map(tidy).filter(|i| !i.is_empty());
    if let Some(idea) = &idea {
        given.push(format!("the situation: {idea}"));
    }
    let title = match &idea {
        Some(idea) => format!("{}: {idea}", story.title.trim()),
        None => format!("{}: main path", story.title.trim()),
    };
    TestDraft {
        title: Some(title.chars().take(TITLE_MAX_CHARS).collect()),
        given,
        when: vec![when],
        then: vec![
            format!(
                "a confirmation message for \"{}\" is displayed within 2 seconds",
                short(story.title, 8)
            ),
            "no error message is shown".to_string(),
        ],
    }
}

/// One line, single spaces, no trailing full stop.
fn tidy(text: &str) -> String {
    let one_line = text.split_whitespace().collect::<Vec<_>>().join(" ");
    one_line.trim_end_matches(['.', '!']).to_string()
}

/// What an idea says itself: "As a nurse, I want to … so that …" gives all
/// three parts; "I want to … so that …" the want and the benefit; anything
/// else is the want.
#[derive(Debug, PartialEq, Eq)]
struct IdeaParts {
    role: Option<String>,
    want: String,
    benefit: Option<String>,
}

const ROLE_OPENERS: &[&str] = &["as an ", "as a ", "as the "];
const WANT_OPENERS: &[&str] = &[
    "i want ",
    "i'd like ",
    "i would like ",
    "i need ",
    "we want ",
    "we need ",
];
const BENEFIT_OPENERS: &[&str] = &["so that ", "so i can ", "so we can ", "in order to "];

impl IdeaParts {
    fn of(idea: &str) -> Self {
        // ASCII lowercasing keeps byte offsets, so `lower`'s indices cut `idea`.
        let lower = idea.to_ascii_lowercase();
        let (head, benefit) = match find_opener(&lower, BENEFIT_OPENERS) {
            Some((at, opener)) => {
                // "so I can go home" keeps its subject: "I can go home".
                let kept = if opener.starts_with("so ") && opener != "so that " {
                    &idea[at + 3..]
                } else {
                    &idea[at + opener.len()..]
                };
                (&idea[..at], non_empty(kept.trim_matches([',', ' '])))
            }
            None => (idea, None),
        };
        let head_lower = &lower[..head.len()];
        let mut role = None;
        let mut want = head;
        if let Some(opener) = ROLE_OPENERS.iter().find(|o| head_lower.starts_with(*o)) {
            if let Some((at, w)) = find_opener(head_lower, WANT_OPENERS) {
                role = non_empty(head[opener.len()..at].trim_matches([',', ' ']));
                want = &head[at + w.len()..];
            }
        } else if let Some(w) = WANT_OPENERS.iter().find(|w| head_lower.starts_with(*w)) {
            want = &head[w.len()..];
        }
        let want = want.trim_matches([',', ' ']);
        IdeaParts {
            role: role.map(str::to_string),
            want: if role.is_some() || want.len() != head.trim().len() {
                want.to_string()
            } else {
                lowercase_first(want)
            },
            benefit: benefit.map(str::to_string),
        }
    }
}

/// The first of `openers` that starts a word in `lower`, and where.
fn find_opener(lower: &str, openers: &[&'static str]) -> Option<(usize, &'static str)> {
    openers
        .iter()
        .filter_map(|o| {
            lower
                .match_indices(o)
                .find(|(at, _)| *at == 0 || !lower.as_bytes()[at - 1].is_ascii_alphanumeric())
                .map(|(at, _)| (at, *o))
        })
        .min_by_key(|(at, _)| *at)
}

fn starts_with_action(text: &str) -> bool {
    words(text)
        .first()
        .is_some_and(|w| atomic::ACTIONS.contains(&w.lower.as_str()) || w.lower == "see")
}

/// A title: the want in sentence case, at most `TITLE_MAX_WORDS` words.
fn title_from(action: &str) -> String {
    let title = short(action, minimal::TITLE_MAX_WORDS);
    let mut chars = title.chars();
    match chars.next() {
        Some(c) => c.to_uppercase().chain(chars).collect(),
        None => "New story".to_string(),
    }
}

fn components_for(idea: &str) -> Vec<Component> {
    let stems = content_stems(idea, &[]);
    COMPONENT_HINTS
        .iter()
        .filter(|(_, hints)| hints.iter().any(|h| stems.contains(&stem(h))))
        .map(|(c, _)| *c)
        .collect()
}

/// The first `max` words.
fn short(text: &str, max: usize) -> String {
    text.split_whitespace()
        .take(max)
        .collect::<Vec<_>>()
        .join(" ")
}

fn lowercase_first(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        // Keep acronyms and names: "PDF export", "Slack alerts".
        Some(c) if chars.clone().next().is_some_and(char::is_lowercase) => {
            c.to_lowercase().chain(chars).collect()
        }
        _ => text.to_string(),
    }
}

fn non_empty(text: &str) -> Option<&str> {
    Some(text.trim()).filter(|t| !t.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::quality::{analyze_story, check_then_step};

    #[test]
    fn a_story_draft_keeps_the_users_words_and_asks_for_the_benefit() {
        let draft = template_story_draft("Export the audit log as a CSV file.", None);
        assert_eq!(draft.title, "Export the audit log as a CSV file");
        assert_eq!(draft.as_a, "user");
        assert_eq!(draft.i_want, "to export the audit log as a CSV file");
        assert!(
            draft.so_that.starts_with("[say what changes for the user"),
            "{}",
            draft.so_that
        );
        assert!((3..=5).contains(&draft.acceptance_criteria.len()));
        assert_eq!(draft.story_point, None);
    }

    #[test]
    fn a_child_draft_takes_role_and_goal_from_its_parent() {
        let parent = StoryText {
            id: Some(4),
            title: "Ward dashboard",
            as_a: "charge nurse",
            so_that: "I can place incoming patients quickly",
            ..StoryText::default()
        };
        let draft = template_story_draft("show free beds per ward", Some(&parent));
        assert_eq!(draft.as_a, "charge nurse");
        assert_eq!(draft.so_that, "I can place incoming patients quickly");
        assert!(draft
            .description
            .contains("Part of story 4 \"Ward dashboard\""));
    }

    #[test]
    fn an_as_a_i_want_idea_is_split_into_its_parts() {
        let draft = template_story_draft(
            "As a teacher, I want to publish the syllabus so that students can prepare",
            None,
        );
        assert_eq!(draft.as_a, "teacher");
        assert_eq!(draft.i_want, "to publish the syllabus");
        assert_eq!(draft.so_that, "students can prepare");
        assert_eq!(draft.components, vec![]);
    }

    #[test]
    fn the_ideas_own_benefit_wins_over_the_parents() {
        let parent = StoryText {
            id: Some(4),
            title: "Ward dashboard",
            as_a: "charge nurse",
            so_that: "I can place incoming patients quickly",
            ..StoryText::default()
        };
        let cases = [
            (
                "As a ward clerk, I want to print the bed list, so that porters know where to go.",
                (
                    "ward clerk",
                    "to print the bed list",
                    "porters know where to go",
                ),
            ),
            (
                "AS AN on-call doctor I'd like to see free beds So That I can admit tonight",
                ("on-call doctor", "to see free beds", "I can admit tonight"),
            ),
            (
                "I want to see free beds per ward so I can plan the night shift",
                (
                    "charge nurse",
                    "to see free beds per ward",
                    "I can plan the night shift",
                ),
            ),
            (
                "show free beds per ward",
                (
                    "charge nurse",
                    "show free beds per ward",
                    "I can place incoming patients quickly",
                ),
            ),
        ];
        for (idea, (role, want, benefit)) in cases {
            let d = template_story_draft(idea, Some(&parent));
            assert_eq!(
                (d.as_a.as_str(), d.i_want.as_str(), d.so_that.as_str()),
                (role, want, benefit),
                "{idea}"
            );
        }
    }

    #[test]
    fn a_drafted_story_with_its_own_benefit_meets_invest() {
        let draft = template_story_draft(
            "As a customer I want to download my invoice as a PDF so that I can claim the expense",
            None,
        );
        let text = StoryText {
            title: &draft.title,
            as_a: &draft.as_a,
            i_want: &draft.i_want,
            so_that: &draft.so_that,
            description: &draft.description,
            ..StoryText::default()
        };
        assert_eq!(analyze_story(&text, &[]), vec![]);
    }

    #[test]
    fn a_story_draft_without_a_benefit_is_flagged_only_for_the_missing_benefit() {
        let draft = template_story_draft("let reviewers approve a story's test report", None);
        let text = StoryText {
            title: &draft.title,
            as_a: &draft.as_a,
            i_want: &draft.i_want,
            so_that: &draft.so_that,
            description: &draft.description,
            ..StoryText::default()
        };
        // The bracketed request is a placeholder: saved as is, the story
        // would be refused until the user says why.
        let criteria: Vec<String> = analyze_story(&text, &[])
            .into_iter()
            .map(|w| w.criterion)
            .collect();
        assert_eq!(criteria, ["well-formed", "valuable"]);
        assert_eq!(
            draft.components,
            vec![
                Component::WorkModel,
                Component::ReviewGovernance,
                Component::RunVerify,
                Component::TraceabilityInsight
            ]
        );
    }

    #[test]
    fn template_then_steps_are_measurable() {
        let story = StoryText {
            title: "Download an invoice",
            as_a: "customer",
            i_want: "to download the invoice for an order as a PDF",
            so_that: "I can claim the expense",
            ..StoryText::default()
        };
        for idea in [None, Some("the order has no invoice yet")] {
            let draft = template_test_draft(&story, idea);
            assert!(!draft.given.is_empty() && !draft.when.is_empty());
            for step in &draft.then {
                assert_eq!(check_then_step(step), None, "{step}");
            }
        }
        let draft = template_test_draft(&story, Some("the order has no invoice yet"));
        assert_eq!(
            draft.when,
            ["the customer chooses to download the invoice for an order as a PDF"]
        );
        assert_eq!(
            draft.given[1],
            "the situation: the order has no invoice yet"
        );
    }
}
