//! Which tools a server offers: all of them, the read-only ones
//! (`--read-only`), a chosen few (`--tools`), or — for a coding agent — the
//! two that touch its own story (`Policy::story`).

use super::tools::{self, Call, Tool};
use aipm_api::{ApiError, App};
use aipm_core::domain::StoryId;
use http::StatusCode;
use std::collections::BTreeSet;

/// What an agent gets: read its story, record its tests' results.
pub const STORY_TOOLS: &[&str] = &["get_story", "record_test_result"];

#[derive(Debug, Clone, Default)]
pub struct Policy {
    read_only: bool,
    allowed: Option<BTreeSet<String>>,
    story: Option<StoryId>,
}

impl Policy {
    /// From `--read-only` and `--tools`; an unknown tool name is an error
    /// naming it and the known ones.
    pub fn new(read_only: bool, allowed: &[String]) -> anyhow::Result<Policy> {
        let known: Vec<&str> = tools::all().iter().map(|t| t.name).collect();
        let mut set = BTreeSet::new();
        for name in allowed.iter().map(|n| n.trim()).filter(|n| !n.is_empty()) {
            if !known.contains(&name) {
                anyhow::bail!(
                    "--tools: '{name}' is not a tool; the tools are: {}",
                    known.join(", ")
                );
            }
            set.insert(name.to_string());
        }
        Ok(Policy {
            read_only,
            allowed: (!set.is_empty()).then_some(set),
            story: None,
        })
    }

    /// A coding agent's server: its story, nothing else.
    pub fn story(story: StoryId) -> Policy {
        Policy {
            read_only: false,
            allowed: Some(STORY_TOOLS.iter().map(|t| t.to_string()).collect()),
            story: Some(story),
        }
    }

    /// No tools at all: what a request without a valid grant gets.
    pub fn nothing() -> Policy {
        Policy {
            read_only: true,
            allowed: Some(BTreeSet::new()),
            story: None,
        }
    }

    /// Why `tool` is not offered, if it is not.
    pub fn refusal(&self, tool: &Tool) -> Option<String> {
        if self.read_only && tool.writes {
            return Some(format!(
                "{} changes the backlog and this server is read-only",
                tool.name
            ));
        }
        match &self.allowed {
            Some(allowed) if !allowed.contains(tool.name) => Some(format!(
                "{} is not among this server's tools ({})",
                tool.name,
                allowed.iter().cloned().collect::<Vec<_>>().join(", ")
            )),
            _ => None,
        }
    }

    /// For a story-scoped server: refuse a call about another story, or
    /// about a test that is not the story's.
    pub async fn check_scope(&self, app: &App, tool: &Tool, call: &Call) -> Result<(), ApiError> {
        let Some(story) = self.story else {
            return Ok(());
        };
        let id = call
            .params
            .iter()
            .find(|(k, _)| *k == "id")
            .map(|(_, v)| *v);
        let inside = match tool.name {
            "get_story" => id == Some(story.0),
            "record_test_result" => {
                let view = app.backlog.story_view(story).await?;
                view.acceptance_tests
                    .iter()
                    .any(|t| Some(t.test.id.0) == id)
            }
            _ => false,
        };
        if inside {
            Ok(())
        } else {
            Err(ApiError::new(
                StatusCode::FORBIDDEN,
                "OUT_OF_SCOPE",
                format!("this server is limited to story {story} and its acceptance tests"),
            ))
        }
    }
}

#[cfg(test)]
mod unit {
    use super::*;

    #[test]
    fn read_only_refuses_writes_and_keeps_reads() {
        let policy = Policy::new(true, &[]).unwrap();
        let create = tools::find("create_story").unwrap();
        let get = tools::find("get_story").unwrap();
        assert!(policy.refusal(&create).unwrap().contains("read-only"));
        assert!(policy.refusal(&get).is_none());
    }

    #[test]
    fn an_allowlist_names_existing_tools() {
        let policy = Policy::new(false, &["get_story".into()]).unwrap();
        assert!(policy.refusal(&tools::find("get_story").unwrap()).is_none());
        assert!(policy
            .refusal(&tools::find("list_stories").unwrap())
            .is_some());
        let err = Policy::new(false, &["drop_tables".into()]).unwrap_err();
        assert!(
            err.to_string()
                .starts_with("--tools: 'drop_tables' is not a tool"),
            "{err}"
        );
    }

    #[test]
    fn an_agent_gets_two_tools() {
        let policy = Policy::story(StoryId(7));
        let offered: Vec<&str> = tools::all()
            .iter()
            .filter(|t| policy.refusal(t).is_none())
            .map(|t| t.name)
            .collect();
        assert_eq!(offered, STORY_TOOLS);
    }
}
