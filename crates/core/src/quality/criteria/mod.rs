//! The deterministic INVEST checks, one module per criterion, in the order
//! the labeled set lists them. Each check reads only the fields its rule is
//! about and says what it found, why that matters and what to write instead.

pub mod atomic;
pub mod estimable;
pub mod independent;
pub mod minimal;
pub mod negotiable;
pub mod small;
pub mod testable;
pub mod unique;
pub mod valuable;
pub mod well_formed;

use super::StoryText;
use crate::domain::Warning;

/// Every criterion id, in INVEST order (the ids of the labeled set).
pub const CRITERIA: &[&str] = &[
    well_formed::CRITERION,
    independent::CRITERION,
    negotiable::CRITERION,
    valuable::CRITERION,
    estimable::CRITERION,
    small::CRITERION,
    testable::CRITERION,
    atomic::CRITERION,
    minimal::CRITERION,
    unique::CRITERION,
];

/// The checks that look at one story alone, in INVEST order.
pub(crate) const SINGLE_STORY_CHECKS: &[fn(&StoryText) -> Option<Warning>] = &[
    well_formed::check,
    independent::check,
    negotiable::check,
    valuable::check,
    estimable::check,
    small::check,
    testable::check,
    atomic::check,
    minimal::check,
];

/// A deterministic finding.
pub(crate) fn finding(
    criterion: &str,
    message: impl Into<String>,
    details: impl Into<String>,
    suggestion: impl Into<String>,
) -> Warning {
    Warning {
        criterion: criterion.to_string(),
        message: message.into(),
        details: details.into(),
        suggestion: suggestion.into(),
        source: "heuristic".to_string(),
    }
}

/// `text` cut to about `max` characters on a word boundary, for quoting.
pub(crate) fn quote(text: &str, max: usize) -> String {
    let text = text.trim();
    if text.chars().count() <= max {
        return text.to_string();
    }
    let cut: String = text.chars().take(max).collect();
    let cut = cut.rsplit_once(' ').map_or(cut.as_str(), |(head, _)| head);
    format!("{cut}…")
}
