//! The stored result of a story's INVEST analysis (DESIGN §3.2). The analyzer
//! that fills it lives in `crate::quality`.

use serde::{Deserialize, Serialize};

/// One finding about a story or an acceptance test.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Warning {
    pub criterion: String,
    pub message: String,
    #[serde(default)]
    pub details: String,
    #[serde(default)]
    pub suggestion: String,
    /// `heuristic` or `openai`.
    #[serde(default = "heuristic")]
    pub source: String,
}

fn heuristic() -> String {
    "heuristic".into()
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct InvestAnalysis {
    /// `heuristic`, `openai` or `fallback`.
    pub source: String,
    pub summary: String,
    pub warnings: Vec<Warning>,
    pub ai_summary: Option<String>,
    pub ai_warnings: Vec<Warning>,
    pub ai_model: Option<String>,
    pub used_fallback: bool,
    pub error: Option<String>,
    pub fallback_warnings: Vec<Warning>,
}

impl InvestAnalysis {
    /// Every warning, deterministic and AI, in that order.
    pub fn all_warnings(&self) -> impl Iterator<Item = &Warning> {
        self.warnings.iter().chain(self.ai_warnings.iter())
    }
}
