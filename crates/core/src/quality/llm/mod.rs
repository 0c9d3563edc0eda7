//! The optional LLM pass (DESIGN §5): any OpenAI-compatible Chat Completions
//! endpoint, asked for JSON. Its warnings are added beside the deterministic
//! ones; when it fails, the deterministic analysis stands and the failure is
//! recorded. The API key never reaches a log, an error or a response.

mod answers;
mod model;

pub use answers::{message_json, INVEST_PROMPT};
pub use model::Llm;

use super::{heuristic_analysis, StoryText};
use crate::domain::InvestAnalysis;
use std::time::Duration;

/// Connection settings of the LLM endpoint.
#[derive(Debug, Clone)]
pub struct LlmConfig {
    /// Up to and including the version, e.g. `https://api.openai.com/v1`;
    /// requests go to `<base_url>/chat/completions`.
    pub base_url: String,
    pub model: String,
    /// None for endpoints without authentication (a local model server).
    pub api_key: Option<crate::secret::Secret>,
    /// Limit on each attempt, answer included.
    pub timeout: Duration,
    /// Further attempts after a 429 or 5xx answer.
    pub max_retries: u32,
}

impl LlmConfig {
    pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
    pub const DEFAULT_MAX_RETRIES: u32 = 2;

    /// From `AIPM_LLM_BASE_URL`, `AIPM_LLM_MODEL` and `AIPM_LLM_API_KEY`
    /// (plus `AIPM_LLM_TIMEOUT_SECS` and `AIPM_LLM_MAX_RETRIES`); None when the
    /// base URL or the model is unset, which turns the LLM pass off.
    pub fn from_env() -> Option<Self> {
        Self::from_vars(crate::secrets::var)
    }

    fn from_vars(var: impl Fn(&str) -> Option<String>) -> Option<Self> {
        let set = |name: &str| {
            var(name)
                .map(|v| v.trim().to_string())
                .filter(|v| !v.is_empty())
        };
        let number = |name: &str| {
            let raw = set(name)?;
            let parsed = raw.parse::<u64>().ok();
            if parsed.is_none() {
                tracing::warn!(variable = name, "not a whole number; using the default");
            }
            parsed
        };
        Some(LlmConfig {
            base_url: set("AIPM_LLM_BASE_URL")?,
            model: set("AIPM_LLM_MODEL")?,
            api_key: set("AIPM_LLM_API_KEY").map(crate::secret::Secret::new),
            timeout: number("AIPM_LLM_TIMEOUT_SECS")
                .map_or(Self::DEFAULT_TIMEOUT, Duration::from_secs),
            max_retries: number("AIPM_LLM_MAX_RETRIES")
                .map_or(Self::DEFAULT_MAX_RETRIES, |n| n.min(10) as u32),
        })
    }
}

/// Why an LLM call gave no usable answer. The texts name the endpoint's
/// behaviour, never the key.
#[derive(Debug, thiserror::Error)]
pub enum LlmError {
    #[error("the LLM endpoint did not answer within {} s", .0.as_secs_f32())]
    Timeout(Duration),
    #[error("the LLM endpoint answered HTTP {status}: {body}")]
    Status { status: u16, body: String },
    #[error("could not reach the LLM endpoint: {0}")]
    Transport(String),
    #[error("the LLM answer was not usable: {0}")]
    Malformed(String),
    #[error("the LLM client could not be set up: {0}")]
    Setup(String),
}

/// The deterministic analysis, with the LLM's findings added when a client is
/// given. Any failure keeps the deterministic warnings and records the error.
pub async fn analyze_with_llm(
    story: &StoryText<'_>,
    others: &[StoryText<'_>],
    client: Option<&dyn Llm>,
) -> InvestAnalysis {
    let mut analysis = heuristic_analysis(story, others);
    let Some(client) = client else {
        return analysis;
    };
    analysis.ai_model = Some(client.model().to_string());
    match client.invest_warnings(story).await {
        Ok((warnings, summary)) => {
            analysis.source = "openai".into();
            analysis.ai_warnings = warnings;
            analysis.ai_summary = summary;
        }
        Err(error) => {
            tracing::warn!(%error, model = client.model(), "LLM INVEST pass failed; keeping the deterministic analysis");
            analysis.source = "fallback".into();
            analysis.used_fallback = true;
            analysis.error = Some(error.to_string());
            analysis.fallback_warnings = analysis.warnings.clone();
        }
    }
    analysis
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn config(vars: &[(&str, &str)]) -> Option<LlmConfig> {
        let vars: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        LlmConfig::from_vars(|name| vars.get(name).cloned())
    }

    #[test]
    fn the_llm_is_off_unless_base_url_and_model_are_set() {
        assert!(config(&[]).is_none());
        assert!(config(&[("AIPM_LLM_BASE_URL", "http://x/v1")]).is_none());
        assert!(config(&[("AIPM_LLM_BASE_URL", " "), ("AIPM_LLM_MODEL", "m")]).is_none());
        let c = config(&[
            ("AIPM_LLM_BASE_URL", "http://x/v1"),
            ("AIPM_LLM_MODEL", "m"),
        ])
        .unwrap();
        assert!(c.api_key.is_none());
        assert_eq!(c.timeout, LlmConfig::DEFAULT_TIMEOUT);
        assert_eq!(c.max_retries, LlmConfig::DEFAULT_MAX_RETRIES);
    }

    #[test]
    fn limits_come_from_the_environment_too() {
        let c = config(&[
            ("AIPM_LLM_BASE_URL", "http://x/v1"),
            ("AIPM_LLM_MODEL", "m"),
            ("AIPM_LLM_TIMEOUT_SECS", "5"),
            ("AIPM_LLM_MAX_RETRIES", "oops"),
        ])
        .unwrap();
        assert_eq!(c.timeout, Duration::from_secs(5));
        assert_eq!(c.max_retries, LlmConfig::DEFAULT_MAX_RETRIES);
    }

    #[test]
    fn the_key_is_never_printed() {
        let c = config(&[
            ("AIPM_LLM_BASE_URL", "http://x/v1"),
            ("AIPM_LLM_MODEL", "m"),
            ("AIPM_LLM_API_KEY", "sk-very-secret"),
        ])
        .unwrap();
        let key = c.api_key.clone().unwrap();
        assert_eq!(key.expose(), "sk-very-secret");
        assert!(!format!("{c:?}").contains("sk-very-secret"));
        assert_eq!(format!("{key:?}"), "Secret(***)");
    }
}
