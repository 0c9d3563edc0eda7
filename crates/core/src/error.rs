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

    /// The item a write expects to be absent exists already (a second
    /// creator lost the race).
    #[error("{entity} {id} already exists")]
    AlreadyExists { entity: &'static str, id: String },

    /// A rule of the product refused the change; `details` say which items
    /// and values it is about.
    #[error("{message}")]
    Rule {
        rule: Rule,
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

    pub fn rule(rule: Rule, message: impl Into<String>, details: Value) -> Self {
        Error::Rule {
            rule,
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
            Error::AlreadyExists { .. } => Some("ALREADY_EXISTS"),
            Error::Rule { rule, .. } => Some(rule.code()),
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

/// The rules of the product that can refuse a request, each with the code
/// clients rely on (the original AIPM's, and the new ones) and the kind of
/// refusal, which the HTTP layer maps to a status in one place.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Rule {
    /// A story cannot be Done: tests missing or failing, children not Done.
    StoryStatusBlocked,
    /// A Done story's work cannot be reopened (a passing test leaving Pass,
    /// a new task or test) while the story is Done.
    StoryDone,
    /// The story has INVEST warnings and they were not accepted.
    InvestWarnings,
    /// A Then step names no observable outcome and it was not accepted.
    MeasurabilityWarnings,
    /// A component is not in the catalog.
    InvalidComponents,
    /// The new parent is the story itself or one of its descendants.
    Cycle,
    /// The story already depends on that story.
    DependencyExists,
    /// The story (or the run) has a code run that has not ended.
    RunInProgress,
    /// The run ended already: there is nothing to cancel.
    RunNotActive,
    /// The forge cannot squash the PR's branch into its base without conflicts.
    MergeConflict,
    /// A local forge will not move a branch that a working tree has checked out.
    BaseCheckedOut,
    /// The PR is closed or merged already.
    PrNotOpen,
    /// The forge refused the credentials (missing, expired or without rights).
    ForgeUnauthorized,
    /// The forge (GitHub, the local repository) refused or failed otherwise.
    ForgeError,
    /// The change would leave an item without its story or parent.
    Integrity,
}

/// What kind of refusal a rule is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// The request itself is wrong (HTTP 400).
    BadRequest,
    /// The request is well-formed, but the backlog's state refuses it (409).
    Conflict,
    /// A system the request reaches through (the forge) refused it (502).
    Upstream,
}

impl Rule {
    pub const ALL: [Rule; 15] = [
        Rule::StoryStatusBlocked,
        Rule::StoryDone,
        Rule::InvestWarnings,
        Rule::MeasurabilityWarnings,
        Rule::InvalidComponents,
        Rule::Cycle,
        Rule::DependencyExists,
        Rule::RunInProgress,
        Rule::RunNotActive,
        Rule::MergeConflict,
        Rule::BaseCheckedOut,
        Rule::PrNotOpen,
        Rule::ForgeUnauthorized,
        Rule::ForgeError,
        Rule::Integrity,
    ];

    /// The machine-readable code of the API's answer.
    pub const fn code(self) -> &'static str {
        match self {
            Rule::StoryStatusBlocked => "STORY_STATUS_BLOCKED",
            Rule::StoryDone => "STORY_DONE",
            Rule::InvestWarnings => "INVEST_WARNINGS",
            Rule::MeasurabilityWarnings => "MEASURABILITY_WARNINGS",
            Rule::InvalidComponents => "INVALID_COMPONENTS",
            Rule::Cycle => "CYCLE",
            Rule::DependencyExists => "DEPENDENCY_EXISTS",
            Rule::RunInProgress => "RUN_IN_PROGRESS",
            Rule::RunNotActive => "RUN_NOT_ACTIVE",
            Rule::MergeConflict => "MERGE_CONFLICT",
            Rule::BaseCheckedOut => "BASE_CHECKED_OUT",
            Rule::PrNotOpen => "PR_NOT_OPEN",
            Rule::ForgeUnauthorized => "FORGE_UNAUTHORIZED",
            Rule::ForgeError => "FORGE_ERROR",
            Rule::Integrity => "INTEGRITY",
        }
    }

    pub const fn refusal(self) -> Refusal {
        match self {
            Rule::Cycle | Rule::InvalidComponents => Refusal::BadRequest,
            Rule::ForgeUnauthorized | Rule::ForgeError => Refusal::Upstream,
            Rule::StoryStatusBlocked
            | Rule::StoryDone
            | Rule::InvestWarnings
            | Rule::MeasurabilityWarnings
            | Rule::DependencyExists
            | Rule::RunInProgress
            | Rule::RunNotActive
            | Rule::MergeConflict
            | Rule::BaseCheckedOut
            | Rule::PrNotOpen
            | Rule::Integrity => Refusal::Conflict,
        }
    }

    /// Warnings a client may accept and send again (`acceptWarnings`); the
    /// original AIPM's clients read them at the top level of the answer.
    pub const fn is_warnings(self) -> bool {
        matches!(self, Rule::InvestWarnings | Rule::MeasurabilityWarnings)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_rule_has_its_own_code() {
        let codes: std::collections::BTreeSet<_> = Rule::ALL.iter().map(|r| r.code()).collect();
        assert_eq!(codes.len(), Rule::ALL.len());
    }
}
