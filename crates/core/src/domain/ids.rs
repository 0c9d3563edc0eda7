//! Identifiers: small positive integers handed out by a per-kind counter.

use serde::{Deserialize, Serialize};
use std::fmt;

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
                match raw.trim().parse::<u64>() {
                    Ok(n) if n > 0 => Ok($name(n)),
                    _ => Err(format!("'{raw}' is not a positive integer id")),
                }
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
