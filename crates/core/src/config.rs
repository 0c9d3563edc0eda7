//! Settings read from the environment once, at start-up, and checked there:
//! a variable that is set to something unusable stops the program with the
//! variable named, instead of quietly running on a default.

use std::str::FromStr;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{name}: {reason}")]
pub struct ConfigError {
    pub name: String,
    pub reason: String,
}

impl ConfigError {
    pub fn new(name: &str, reason: impl Into<String>) -> Self {
        ConfigError {
            name: name.to_string(),
            reason: reason.into(),
        }
    }
}

/// The variable's value when it is set and not blank.
pub fn var(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

/// A whole number of at least `min`, or `None` when the variable is unset.
pub fn number(name: &str, min: u64) -> Result<Option<u64>, ConfigError> {
    let Some(raw) = var(name) else {
        return Ok(None);
    };
    parse_number(name, &raw, min).map(Some)
}

fn parse_number(name: &str, raw: &str, min: u64) -> Result<u64, ConfigError> {
    match u64::from_str(raw.trim()) {
        Ok(n) if n >= min => Ok(n),
        _ => Err(ConfigError::new(
            name,
            format!("'{raw}' is not a whole number of {min} or more"),
        )),
    }
}

/// One of `choices`, or `None` when the variable is unset.
pub fn choice(name: &str, choices: &[&'static str]) -> Result<Option<&'static str>, ConfigError> {
    let Some(raw) = var(name) else {
        return Ok(None);
    };
    choices
        .iter()
        .find(|c| c.eq_ignore_ascii_case(raw.trim()))
        .copied()
        .map(Some)
        .ok_or_else(|| {
            ConfigError::new(
                name,
                format!("'{raw}' is not one of: {}", choices.join(", ")),
            )
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_number_names_the_variable_and_the_value_it_refused() {
        assert_eq!(parse_number("AIPM_X", " 4 ", 1), Ok(4));
        let err = parse_number("AIPM_WORKER_CONCURRENCY", "abc", 1).unwrap_err();
        assert_eq!(
            err.to_string(),
            "AIPM_WORKER_CONCURRENCY: 'abc' is not a whole number of 1 or more"
        );
        assert!(parse_number("AIPM_X", "0", 1).is_err());
        assert!(parse_number("AIPM_X", "-3", 0).is_err());
        assert!(parse_number("AIPM_X", "2.5", 0).is_err());
    }
}
