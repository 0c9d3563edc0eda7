//! Stories: list, search, read, create, update; and the projects they live in.

use super::{Call, Tool};
use crate::mcp::args::Args;
use crate::mcp::schema;
use aipm_api::{ApiError, Operation};
use serde_json::{json, Map, Value};

pub fn tools() -> Vec<Tool> {
    vec![
        Tool {
            name: "list_projects",
            description: "List the projects (each has its own backlog and repository).",
            writes: false,
            schema: || schema::object(Map::new(), &[]),
            request: |_| Ok(Call::new(Operation::ListProjects)),
        },
        Tool {
            name: "list_stories",
            description: "List a project's stories: the tree (children nested), or a flat list with flat=true. Each story carries its acceptance tests, tasks, links and INVEST health.",
            writes: false,
            schema: || {
                schema::object(
                    schema::with(
                        Map::new(),
                        &[
                            ("projectId", schema::id("The project (default: the default project)")),
                            ("flat", json!({"type": "boolean"})),
                        ],
                    ),
                    &[],
                )
            },
            request: list_stories,
        },
        Tool {
            name: "search_stories",
            description: "Find stories by words in their title, user story or description, and by status, component or assignee. Answers a short entry per story; read one with get_story.",
            writes: false,
            schema: || {
                schema::object(
                    schema::with(
                        Map::new(),
                        &[
                            ("query", json!({"type": "string", "description": "Words that must all appear (any case)"})),
                            ("status", schema::story_fields()["status"].clone()),
                            ("component", json!({"type": "string"})),
                            ("assigneeEmail", json!({"type": "string"})),
                            ("projectId", schema::id("The project (default: the default project)")),
                        ],
                    ),
                    &[],
                )
            },
            request: search_stories,
        },
        Tool {
            name: "get_story",
            description: "Read one story with its acceptance tests (Given/When/Then, status, version), tasks, links, pull requests and INVEST health.",
            writes: false,
            schema: || schema::object(schema::with(Map::new(), &[("id", schema::id("The story"))]), &["id"]),
            request: |mut args| Ok(Call::new(Operation::GetStory).param("id", args.take_id("id")?)),
        },
        Tool {
            name: "create_story",
            description: "Create a story (it starts with one drafted acceptance test). INVEST warnings refuse it with code INVEST_WARNINGS unless acceptWarnings is true.",
            writes: true,
            schema: || {
                schema::object(
                    schema::with(
                        schema::story_fields(),
                        &[("projectId", schema::id("The project (default: the default project)"))],
                    ),
                    &["title"],
                )
            },
            request: |args| Ok(Call::new(Operation::CreateStory).body(args)),
        },
        Tool {
            name: "update_story",
            description: "Change some fields of a story. Pass the version you read: a stale one is refused with VERSION_CONFLICT.",
            writes: true,
            schema: || {
                schema::object(
                    schema::with(
                        schema::story_fields(),
                        &[("id", schema::id("The story")), ("version", schema::version())],
                    ),
                    &["id"],
                )
            },
            request: |mut args| {
                let id = args.take_id("id")?;
                Ok(Call::new(Operation::UpdateStory).param("id", id).body(args))
            },
        },
    ]
}

fn list_stories(mut args: Args) -> Result<Call, ApiError> {
    let mut call = Call::new(Operation::GetStories);
    if let Some(project) = args.take_optional_id("projectId")? {
        call = call.query("projectId", project.to_string());
    }
    if args.take_flag("flat")? == Some(true) {
        call = call.query("flat", "true");
    }
    Ok(call)
}

fn search_stories(mut args: Args) -> Result<Call, ApiError> {
    let mut call = Call::new(Operation::GetStories).query("flat", "true");
    if let Some(project) = args.take_optional_id("projectId")? {
        call = call.query("projectId", project.to_string());
    }
    let filter = Filter {
        words: args
            .take_text("query")?
            .unwrap_or_default()
            .split_whitespace()
            .map(str::to_lowercase)
            .collect(),
        status: args.take_text("status")?,
        component: args.take_text("component")?,
        assignee: args.take_text("assigneeEmail")?,
    };
    call.refine = Some(Box::new(move |stories| filter.apply(stories)));
    Ok(call)
}

struct Filter {
    words: Vec<String>,
    status: Option<String>,
    component: Option<String>,
    assignee: Option<String>,
}

fn same(a: &Value, b: &str) -> bool {
    a.as_str().is_some_and(|a| a.eq_ignore_ascii_case(b.trim()))
}

impl Filter {
    fn matches(&self, story: &Value) -> bool {
        let text: String = ["title", "asA", "iWant", "soThat", "description"]
            .iter()
            .filter_map(|f| story[*f].as_str())
            .collect::<Vec<_>>()
            .join("\n")
            .to_lowercase();
        self.words.iter().all(|w| text.contains(w.as_str()))
            && self
                .status
                .as_deref()
                .is_none_or(|s| same(&story["status"], s))
            && self
                .assignee
                .as_deref()
                .is_none_or(|a| same(&story["assigneeEmail"], a))
            && self.component.as_deref().is_none_or(|c| {
                story["components"]
                    .as_array()
                    .is_some_and(|cs| cs.iter().any(|x| same(x, c)))
            })
    }

    /// The matching stories of a flat list, each as a short entry.
    fn apply(&self, stories: Value) -> Value {
        let entries: Vec<Value> = stories
            .as_array()
            .into_iter()
            .flatten()
            .filter(|s| self.matches(s))
            .map(|s| {
                let mut entry = Map::new();
                for field in [
                    "id",
                    "title",
                    "status",
                    "parentId",
                    "storyPoint",
                    "components",
                    "assigneeEmail",
                    "version",
                ] {
                    entry.insert(field.into(), s[field].clone());
                }
                entry.insert(
                    "acceptanceTests".into(),
                    json!(s["acceptanceTests"].as_array().map_or(0, Vec::len)),
                );
                Value::Object(entry)
            })
            .collect();
        json!({"stories": entries})
    }
}
