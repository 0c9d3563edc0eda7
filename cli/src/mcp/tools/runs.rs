//! Code generation: start a run for a story, follow it.

use super::{Call, Tool};
use crate::mcp::schema;
use aipm_api::Operation;
use serde_json::{json, Map};

pub fn tools() -> Vec<Tool> {
    vec![
        Tool {
            name: "generate_code",
            description: "Start a code-generation run for a story: AIPM opens a branch with TASK.md and a draft pull request, and a worker runs a coding agent on it. Answers the run and the PR; follow it with get_run.",
            writes: true,
            schema: || {
                schema::object(
                    schema::with(
                        Map::new(),
                        &[
                            ("storyId", schema::id("The story")),
                            ("agent", json!({"type": "string", "description": "kiro, claude, codex, aider, gemini or custom (default: the worker's)"})),
                            ("instructions", json!({"type": "string", "description": "Added to TASK.md"})),
                            ("acceptWarnings", schema::accept_warnings()),
                        ],
                    ),
                    &["storyId"],
                )
            },
            request: |mut args| {
                let story = args.take_id("storyId")?;
                Ok(Call::new(Operation::GenerateCode).param("id", story).body(args))
            },
        },
        Tool {
            name: "list_runs",
            description: "List a story's code-generation runs with their status.",
            writes: false,
            schema: || schema::object(schema::with(Map::new(), &[("storyId", schema::id("The story"))]), &["storyId"]),
            request: |mut args| Ok(Call::new(Operation::ListRuns).param("id", args.take_id("storyId")?)),
        },
        Tool {
            name: "get_run",
            description: "Read a code-generation run: its status, error, summary and log.",
            writes: false,
            schema: || schema::object(schema::with(Map::new(), &[("runId", schema::id("The run"))]), &["runId"]),
            request: |mut args| Ok(Call::new(Operation::GetRun).param("runId", args.take_id("runId")?)),
        },
    ]
}
