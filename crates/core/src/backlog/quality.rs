//! Rule 3 of DESIGN §3.3: INVEST and Then-step checks run on create and on
//! every content change; their warnings refuse the change (409) unless the
//! client accepts them, and the analysis is stored on the story either way.

use crate::domain::{Steps, Story};
use crate::error::{Error, Result, Rule};
use crate::quality::{self, StoryText};
use serde_json::json;

/// Analyse `story` against the stories beside it (for duplicates), store the
/// result on it, and refuse it when it has warnings the client did not accept.
pub(super) fn check_story(
    story: &mut Story,
    siblings: &[Story],
    accept_warnings: bool,
) -> Result<()> {
    let others: Vec<StoryText> = siblings
        .iter()
        .filter(|s| s.id != story.id)
        .map(StoryText::of)
        .collect();
    // A content change makes an earlier AI pass stale: it looked at the old
    // text. A health check with `includeAiInvest` runs it again.
    story.invest_analysis = quality::heuristic_analysis(&StoryText::of(story), &others);
    let warnings = &story.invest_analysis.warnings;
    if warnings.is_empty() || accept_warnings {
        return Ok(());
    }
    let criteria: Vec<&str> = warnings.iter().map(|w| w.criterion.as_str()).collect();
    let suggestions: Vec<&str> = warnings
        .iter()
        .map(|w| w.suggestion.as_str())
        .filter(|s| !s.is_empty())
        .collect();
    Err(Error::rule(
        Rule::InvestWarnings,
        format!(
            "The story has {} INVEST warning(s) ({}); revise it, or send \"acceptWarnings\": true to save it anyway.",
            warnings.len(),
            criteria.join(", ")
        ),
        json!({ "warnings": warnings, "suggestions": suggestions }),
    ))
}

/// Refuse Then steps without an observable outcome unless accepted.
pub(super) fn check_then_steps(then: &Steps, accept_warnings: bool) -> Result<()> {
    let (warnings, suggestions) = quality::measurability(then.as_slice());
    if warnings.is_empty() || accept_warnings {
        return Ok(());
    }
    Err(Error::rule(
        Rule::MeasurabilityWarnings,
        format!(
            "{} Then step(s) do not name an observable outcome (a number with a unit, a status code, a visible effect); \
             revise them, or send \"acceptWarnings\": true to save anyway.",
            warnings.len()
        ),
        json!({ "warnings": warnings, "suggestions": suggestions }),
    ))
}
