//! One error type for the domain, the rules and the stores. The HTTP layer maps
//! each variant to a status code; `Internal` keeps its cause for the log.

use serde_json::Value;

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Bad input: names the field and says why.
    #[error("{field}: {reason}")]
    Invalid { field: String, reason: String },

    #[error("{entity} {id} not found")]
    NotFound { entity: &'static str, id: String },

    /// The client (or a concurrent writer) worked from an older version.
    #[error("{entity} {id} was changed by someone else (you have version {expected}, it is now at {})", actual.map_or("deleted".to_string(), |v| v.to_string()))]
    VersionConflict {
        entity: &'static str,
        id: String,
        expected: u64,
        actual: Option<u64>,
    },

    /// A rule of the product refused the change (STORY_STATUS_BLOCKED, CYCLE, …).
    #[error("{message}")]
    Rule {
        code: &'static str,
        message: String,
        details: Value,
    },

    /// A fault of a dependency (store, queue, forge); never the user's doing.
    #[error("{context}: {source}")]
    Internal {
        context: String,
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
        /// Whether trying again later can succeed (a timeout, throttling, a
        /// 5xx) or not (access denied, a missing table, a malformed item).
        retryable: bool,
    },
}

impl Error {
    pub fn invalid(field: impl Into<String>, reason: impl Into<String>) -> Self {
        Error::Invalid {
            field: field.into(),
            reason: reason.into(),
        }
    }

    pub fn not_found(entity: &'static str, id: impl ToString) -> Self {
        Error::NotFound {
            entity,
            id: id.to_string(),
        }
    }

    pub fn rule(code: &'static str, message: impl Into<String>, details: Value) -> Self {
        Error::Rule {
            code,
            message: message.into(),
            details,
        }
    }

    /// A fault that may pass: worth trying again.
    pub fn internal(
        context: impl Into<String>,
        source: impl Into<Box<dyn std::error::Error + Send + Sync>>,
    ) -> Self {
        Error::Internal {
            context: context.into(),
            source: source.into(),
            retryable: true,
        }
    }

    /// A fault that stays until someone fixes it (credentials, permissions,
    /// configuration, corrupt data): trying again only repeats it.
    pub fn permanent(
        context: impl Into<String>,
        source: impl Into<Box<dyn std::error::Error + Send + Sync>>,
    ) -> Self {
        Error::Internal {
            context: context.into(),
            source: source.into(),
            retryable: false,
        }
    }

    /// The machine-readable code clients rely on, where there is one.
    pub fn code(&self) -> Option<&'static str> {
        match self {
            Error::Invalid { .. } => Some("VALIDATION_ERROR"),
            Error::NotFound { .. } => Some("NOT_FOUND"),
            Error::VersionConflict { .. } => Some("VERSION_CONFLICT"),
            Error::Rule { code, .. } => Some(code),
            Error::Internal { .. } => None,
        }
    }

    /// Worth trying again later (a queue redelivery, a client retry)?
    pub fn is_retryable(&self) -> bool {
        matches!(
            self,
            Error::Internal {
                retryable: true,
                ..
            }
        )
    }
}

/// Rule codes shared with the original AIPM's clients, and the new ones.
pub mod codes {
    pub const STORY_STATUS_BLOCKED: &str = "STORY_STATUS_BLOCKED";
    /// A passing test of a Done story cannot leave Pass while the story is Done.
    pub const STORY_DONE: &str = "STORY_DONE";
    pub const INVEST_WARNINGS: &str = "INVEST_WARNINGS";
    pub const MEASURABILITY_WARNINGS: &str = "MEASURABILITY_WARNINGS";
    pub const INVALID_COMPONENTS: &str = "INVALID_COMPONENTS";
    pub const CYCLE: &str = "CYCLE";
    pub const RUN_IN_PROGRESS: &str = "RUN_IN_PROGRESS";
    /// The forge cannot squash the PR's branch into its base without conflicts.
    pub const MERGE_CONFLICT: &str = "MERGE_CONFLICT";
    /// A local forge will not move a branch that a working tree has checked out.
    pub const BASE_CHECKED_OUT: &str = "BASE_CHECKED_OUT";
    /// The PR is closed or merged already.
    pub const PR_NOT_OPEN: &str = "PR_NOT_OPEN";
    /// The forge refused the credentials (missing, expired or without rights).
    pub const FORGE_UNAUTHORIZED: &str = "FORGE_UNAUTHORIZED";
}
