//! INVEST and Given/When/Then quality (DESIGN §5): deterministic checks that
//! always run and explain themselves, template drafts for when no LLM is
//! configured, and an optional LLM pass whose findings are added to the
//! deterministic ones, never put in their place. How each check decides, and
//! how well it does on the labeled set, is in docs/quality.md.

pub mod criteria;
mod drafts;
mod gwt;
pub mod llm;
mod measurable;
mod words;

pub use drafts::{template_story_draft, template_test_draft, StoryDraft, TestDraft};
pub use gwt::{gwt_health, measurability, test_checks, GwtHealth, STRUCTURE};
pub use llm::{analyze_with_llm, Llm, LlmConfig, LlmError};
pub use measurable::check_then_step;

use crate::domain::{InvestAnalysis, Story, StoryContent, Title, Warning};

/// A story with more points than this is an epic (the `small` check). The API
/// and the web UI read this one constant; the original disagreed with itself.
pub const EPIC_POINTS: u32 = 8;

/// The words of a story that the checks read, borrowed from wherever the
/// story is (a stored story, a create request, a row of the labeled set).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct StoryText<'a> {
    pub id: Option<u64>,
    pub title: &'a str,
    pub as_a: &'a str,
    pub i_want: &'a str,
    pub so_that: &'a str,
    pub description: &'a str,
    pub story_point: Option<u32>,
}

impl<'a> StoryText<'a> {
    /// A story not stored yet (create, draft) has no id.
    pub fn new(id: Option<u64>, title: &'a Title, content: &'a StoryContent) -> Self {
        StoryText {
            id,
            title: title.as_str(),
            as_a: &content.as_a,
            i_want: &content.i_want,
            so_that: &content.so_that,
            description: &content.description,
            story_point: content.story_point,
        }
    }

    pub fn of(story: &'a Story) -> Self {
        StoryText {
            id: Some(story.id.0),
            title: story.title.as_str(),
            as_a: &story.as_a,
            i_want: &story.i_want,
            so_that: &story.so_that,
            description: &story.description,
            story_point: story.story_point,
        }
    }

    /// Is `other` this same story (by id)? A story is never its own duplicate.
    fn is(&self, other: &StoryText) -> bool {
        self.id.is_some() && self.id == other.id
    }
}

/// Every deterministic finding about `story`, in INVEST order. `others` are
/// the other stories of its project, for the `unique` check.
pub fn analyze_story(story: &StoryText, others: &[StoryText]) -> Vec<Warning> {
    let mut warnings: Vec<Warning> = criteria::SINGLE_STORY_CHECKS
        .iter()
        .filter_map(|check| check(story))
        .collect();
    let others: Vec<StoryText> = others.iter().filter(|o| !story.is(o)).copied().collect();
    warnings.extend(criteria::unique::check(story, &others));
    warnings
}

/// The deterministic analysis as stored on a story.
pub fn heuristic_analysis(story: &StoryText, others: &[StoryText]) -> InvestAnalysis {
    let warnings = analyze_story(story, others);
    InvestAnalysis {
        source: "heuristic".into(),
        summary: summary(&warnings),
        warnings,
        ..InvestAnalysis::default()
    }
}

/// `heuristic_analysis` of each of `group` against the rest of it (a set of
/// siblings), each story's words read once for the `unique` check.
pub fn heuristic_analyses(group: &[StoryText]) -> Vec<InvestAnalysis> {
    group
        .iter()
        .zip(criteria::unique::check_each(group))
        .map(|(story, duplicate)| {
            let mut warnings: Vec<Warning> = criteria::SINGLE_STORY_CHECKS
                .iter()
                .filter_map(|check| check(story))
                .collect();
            warnings.extend(duplicate);
            InvestAnalysis {
                source: "heuristic".into(),
                summary: summary(&warnings),
                warnings,
                ..InvestAnalysis::default()
            }
        })
        .collect()
}

/// One sentence: "Meets INVEST" or "2 INVEST concerns: small, testable".
pub(crate) fn summary(warnings: &[Warning]) -> String {
    let mut criteria: Vec<&str> = Vec::new();
    for w in warnings {
        if !criteria.contains(&w.criterion.as_str()) {
            criteria.push(&w.criterion);
        }
    }
    match criteria.len() {
        0 => "Meets INVEST".into(),
        1 => format!("1 INVEST concern: {}", criteria[0]),
        n => format!("{n} INVEST concerns: {}", criteria.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn story<'a>(id: u64, title: &'a str, i_want: &'a str) -> StoryText<'a> {
        StoryText {
            id: Some(id),
            title,
            as_a: "shopper",
            i_want,
            so_that: "I can buy it later without searching again",
            description: "",
            story_point: Some(3),
        }
    }

    #[test]
    fn a_clean_story_meets_invest() {
        let s = story(
            1,
            "Save items to a wishlist",
            "to save a product to my wishlist",
        );
        let analysis = heuristic_analysis(&s, &[]);
        assert_eq!(analysis.source, "heuristic");
        assert_eq!(analysis.summary, "Meets INVEST");
        assert!(analysis.warnings.is_empty(), "{:?}", analysis.warnings);
    }

    #[test]
    fn the_summary_names_each_criterion_once_in_invest_order() {
        let s = StoryText {
            story_point: Some(EPIC_POINTS + 5),
            ..story(1, "Faster checkout", "a fast checkout")
        };
        let analysis = heuristic_analysis(&s, &[]);
        assert_eq!(analysis.summary, "2 INVEST concerns: small, testable");
        assert!(analysis.warnings.iter().all(|w| w.source == "heuristic"));
    }

    #[test]
    fn a_story_is_never_its_own_duplicate() {
        let s = story(
            7,
            "Save items to a wishlist",
            "to save a product to my wishlist",
        );
        assert!(analyze_story(&s, &[s]).is_empty());
        let copy = StoryText { id: Some(8), ..s };
        let found = analyze_story(&s, &[copy]);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].criterion, "unique");
    }

    #[test]
    fn eight_points_is_not_an_epic_nine_is() {
        let at = |p| StoryText {
            story_point: Some(p),
            ..story(1, "Save items", "to save a product to my wishlist")
        };
        assert!(analyze_story(&at(EPIC_POINTS), &[]).is_empty());
        assert_eq!(
            analyze_story(&at(EPIC_POINTS + 1), &[])[0].criterion,
            "small"
        );
    }
}
