//! Identifiers: small positive integers handed out by a per-kind counter.

use serde::{Deserialize, Serialize};
use std::fmt;

/// Largest id (and version, and count) accepted: the stores keep integers as
/// signed 64-bit values (SQLite's INTEGER), so 2^63 and above cannot be held.
pub const MAX_ID: u64 = i64::MAX as u64;

/// A whole number in its one plain spelling: ASCII digits, no sign, no
/// leading zero, at most `MAX_ID`. `+1`, `01` and ` 1` are refused so that
/// one number has one spelling.
pub fn parse_whole(raw: &str) -> Result<u64, String> {
    let digits = !raw.is_empty() && raw.bytes().all(|b| b.is_ascii_digit());
    if !digits || (raw.len() > 1 && raw.starts_with('0')) {
        return Err(format!("'{raw}' is not a plain whole number"));
    }
    match raw.parse::<u64>() {
        Ok(n) if n <= MAX_ID => Ok(n),
        _ => Err(format!("'{raw}' is larger than {MAX_ID}")),
    }
}

/// An id: a plain whole number from 1 to `MAX_ID`.
pub fn parse_id(raw: &str) -> Result<u64, String> {
    match parse_whole(raw) {
        Ok(0) => Err("ids start at 1".into()),
        Ok(n) => Ok(n),
        Err(e) if e.contains("larger") => Err(e),
        Err(_) => Err(format!("'{raw}' is not a positive integer id")),
    }
}

macro_rules! id_type {
    ($(#[$meta:meta])* $name:ident, $entity:literal) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub u64);

        impl $name {
            pub const ENTITY: &'static str = $entity;

            /// Parse an id from a path segment or a JSON number's text.
            pub fn parse(raw: &str) -> Result<Self, String> {
                parse_id(raw).map($name)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }
    };
}

id_type!(ProjectId, "project");
id_type!(StoryId, "story");
id_type!(TestId, "acceptance test");
id_type!(TaskId, "task");
id_type!(RunId, "run");

/// The counters that hand out ids, one per kind of entity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Counter {
    Project,
    Story,
    Test,
    Task,
    Run,
    Import,
}

impl Counter {
    pub fn name(self) -> &'static str {
        match self {
            Counter::Project => "project",
            Counter::Story => "story",
            Counter::Test => "test",
            Counter::Task => "task",
            Counter::Run => "run",
            Counter::Import => "import",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_id_has_one_spelling_and_fits_the_stores() {
        assert_eq!(parse_id("1"), Ok(1));
        assert_eq!(parse_id("9223372036854775807"), Ok(MAX_ID));
        for bad in ["0", "+1", "01", " 1", "1 ", "-1", "", "1e3", "\u{0661}"] {
            assert!(parse_id(bad).is_err(), "{bad:?} was accepted");
        }
        let too_big = parse_id("9223372036854775808").unwrap_err();
        assert!(too_big.contains("larger"), "{too_big}");
        assert!(parse_id("18446744073709551615").is_err());
        assert!(parse_id("18446744073709551616").is_err());
        assert_eq!(parse_whole("0"), Ok(0));
        assert_eq!(StoryId::parse("42"), Ok(StoryId(42)));
    }
}
