//! A run's progress, typed, from the machine-readable output agents offer:
//! Claude Code's `--output-format stream-json`, Codex's `exec --json` and
//! Gemini CLI's `--output-format stream-json` print one JSON object per line.
//! The raw log keeps every line as printed; this reads the log back into a
//! plan (the agent's to-do list, with each step's status), the events (tool
//! calls, file changes, messages, errors, each attempt's result) and the
//! tokens and cost the agent reported.
//!
//! The output is the agent's, so it is read as hostile: any line that is not
//! a JSON object of a known shape is plain log and skipped, texts are cut to
//! `MAX_TEXT` characters, the plan to `MAX_STEPS` steps, and only the last
//! `MAX_EVENTS` events are kept (`omittedEvents` counts the rest).

use serde::Serialize;
use serde_json::Value;

/// Longest text of an event or step, in characters.
pub const MAX_TEXT: usize = 300;
/// Most events a progress keeps (the latest).
pub const MAX_EVENTS: usize = 200;
/// Most steps of a plan.
pub const MAX_STEPS: usize = 50;

/// Which machine-readable output the log holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Format {
    ClaudeStreamJson,
    CodexJson,
    GeminiStreamJson,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum StepStatus {
    Pending,
    InProgress,
    Completed,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PlanStep {
    pub text: String,
    pub status: StepStatus,
}

/// One thing the agent did or said.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum Event {
    /// A tool call: its name and the gist of its input (a path, a command).
    #[serde(rename_all = "camelCase")]
    ToolCall {
        attempt: u32,
        tool: String,
        detail: Option<String>,
    },
    /// A file the agent wrote, edited or deleted.
    #[serde(rename_all = "camelCase")]
    FileChange {
        attempt: u32,
        path: String,
        change: String,
    },
    #[serde(rename_all = "camelCase")]
    Message { attempt: u32, text: String },
    #[serde(rename_all = "camelCase")]
    Error { attempt: u32, message: String },
    /// The end of an attempt as the agent reported it.
    #[serde(rename_all = "camelCase")]
    Result {
        attempt: u32,
        ok: bool,
        turns: Option<u64>,
        cost_usd: Option<f64>,
    },
}

/// Tokens and cost over every attempt, where the agent reports them.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Usage {
    pub input_tokens: u64,
    pub output_tokens: u64,
    pub cost_usd: Option<f64>,
    pub turns: Option<u64>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Progress {
    pub format: Option<Format>,
    pub plan: Vec<PlanStep>,
    pub events: Vec<Event>,
    pub omitted_events: usize,
    /// `None` when the agent reported no usage at all.
    pub usage: Option<Usage>,
}

impl Progress {
    /// Read a run's log. A log without machine-readable lines gives an
    /// empty progress (`format` null).
    pub fn from_log(log: &str) -> Progress {
        let mut reader = Reader::default();
        for line in log.lines() {
            reader.line(line);
        }
        reader.progress
    }
}

#[derive(Default)]
struct Reader {
    progress: Progress,
    attempt: u32,
}

fn cut(text: &str) -> String {
    let text = text.trim();
    match text.char_indices().nth(MAX_TEXT) {
        Some((at, _)) => format!("{}…", &text[..at]),
        None => text.to_string(),
    }
}

fn text_of(v: &Value, key: &str) -> Option<String> {
    v.get(key)
        .and_then(Value::as_str)
        .filter(|s| !s.trim().is_empty())
        .map(cut)
}

fn number(v: &Value, key: &str) -> Option<u64> {
    v.get(key).and_then(Value::as_u64)
}

/// The gist of a tool's input: the first of the fields tools name their
/// subject by.
fn detail(input: &Value) -> Option<String> {
    [
        "file_path",
        "path",
        "command",
        "pattern",
        "url",
        "query",
        "description",
    ]
    .iter()
    .find_map(|k| match input.get(*k) {
        Some(Value::String(s)) => Some(cut(s)),
        Some(Value::Array(parts)) => Some(cut(&parts
            .iter()
            .filter_map(Value::as_str)
            .collect::<Vec<_>>()
            .join(" "))),
        _ => None,
    })
}

fn step_status(s: &str) -> StepStatus {
    match s {
        "completed" | "done" => StepStatus::Completed,
        "in_progress" | "in-progress" | "active" => StepStatus::InProgress,
        _ => StepStatus::Pending,
    }
}

impl Reader {
    fn line(&mut self, line: &str) {
        if let Some(rest) = line.strip_prefix("[aipm] attempt ") {
            if let Some(n) = rest.split(' ').next().and_then(|n| n.parse().ok()) {
                self.attempt = n;
            }
            return;
        }
        let line = line.trim();
        if !line.starts_with('{') {
            return;
        }
        let Ok(v) = serde_json::from_str::<Value>(line) else {
            return;
        };
        let Some(kind) = v.get("type").and_then(Value::as_str) else {
            return;
        };
        match kind {
            "system" | "assistant" | "user" if v.get("message").is_some() || kind == "system" => {
                self.claude(kind, &v)
            }
            "result" if v.get("stats").is_some() => self.gemini(kind, &v),
            "result" => self.claude(kind, &v),
            k if k.starts_with("item.") || k.starts_with("turn.") || k == "thread.started" => {
                self.codex(k, &v)
            }
            "init" | "message" | "tool_use" | "tool_result" => self.gemini(kind, &v),
            // Codex and Gemini both print a bare error event.
            "error" => {
                if let Some(message) = text_of(&v, "message") {
                    let attempt = self.attempt;
                    self.push(Event::Error { attempt, message });
                }
            }
            _ => {}
        }
    }

    fn saw(&mut self, format: Format) {
        self.progress.format.get_or_insert(format);
    }

    fn push(&mut self, event: Event) {
        let events = &mut self.progress.events;
        if events.len() == MAX_EVENTS {
            events.remove(0);
            self.progress.omitted_events += 1;
        }
        events.push(event);
    }

    fn usage(&mut self) -> &mut Usage {
        self.progress.usage.get_or_insert_with(Usage::default)
    }

    fn plan(&mut self, steps: impl Iterator<Item = PlanStep>) {
        self.progress.plan = steps
            .filter(|s| !s.text.is_empty())
            .take(MAX_STEPS)
            .collect();
    }

    fn tool(&mut self, name: &str, input: &Value) {
        let attempt = self.attempt;
        match name {
            "TodoWrite" | "write_todos" => {
                if let Some(todos) = input.get("todos").and_then(Value::as_array) {
                    self.plan(todos.iter().map(|t| {
                        PlanStep {
                            text: text_of(t, "content")
                                .or_else(|| text_of(t, "description"))
                                .unwrap_or_default(),
                            status: step_status(
                                t.get("status").and_then(Value::as_str).unwrap_or(""),
                            ),
                        }
                    }));
                }
                return;
            }
            "Write" | "Edit" | "MultiEdit" | "NotebookEdit" | "write_file" | "replace" => {
                if let Some(path) = text_of(input, "file_path").or_else(|| text_of(input, "path")) {
                    let change = if matches!(name, "Write" | "write_file") {
                        "write"
                    } else {
                        "edit"
                    };
                    self.push(Event::FileChange {
                        attempt,
                        path,
                        change: change.into(),
                    });
                    return;
                }
            }
            _ => {}
        }
        self.push(Event::ToolCall {
            attempt,
            tool: cut(name),
            detail: detail(input),
        });
    }

    /// Claude Code: `system`, `assistant` and `user` messages, then `result`.
    fn claude(&mut self, kind: &str, v: &Value) {
        self.saw(Format::ClaudeStreamJson);
        let attempt = self.attempt;
        match kind {
            "assistant" => {
                let content = v["message"]["content"]
                    .as_array()
                    .cloned()
                    .unwrap_or_default();
                for part in &content {
                    match part.get("type").and_then(Value::as_str) {
                        Some("text") => {
                            if let Some(text) = text_of(part, "text") {
                                self.push(Event::Message { attempt, text });
                            }
                        }
                        Some("tool_use") => {
                            let name = part.get("name").and_then(Value::as_str).unwrap_or("tool");
                            self.tool(name, &part["input"]);
                        }
                        _ => {}
                    }
                }
            }
            "result" => {
                let ok = !v.get("is_error").and_then(Value::as_bool).unwrap_or(false)
                    && v.get("subtype")
                        .and_then(Value::as_str)
                        .unwrap_or("success")
                        == "success";
                let cost = v.get("total_cost_usd").and_then(Value::as_f64);
                let turns = number(v, "num_turns");
                if !ok {
                    if let Some(message) = text_of(v, "result").or_else(|| text_of(v, "subtype")) {
                        self.push(Event::Error { attempt, message });
                    }
                }
                self.push(Event::Result {
                    attempt,
                    ok,
                    turns,
                    cost_usd: cost,
                });
                let usage = self.usage();
                usage.input_tokens += number(&v["usage"], "input_tokens").unwrap_or(0);
                usage.output_tokens += number(&v["usage"], "output_tokens").unwrap_or(0);
                if let Some(cost) = cost {
                    *usage.cost_usd.get_or_insert(0.0) += cost;
                }
                if let Some(turns) = turns {
                    *usage.turns.get_or_insert(0) += turns;
                }
            }
            _ => {}
        }
    }

    /// Codex: `thread.started`, `turn.*` and `item.*` events.
    fn codex(&mut self, kind: &str, v: &Value) {
        self.saw(Format::CodexJson);
        let attempt = self.attempt;
        match kind {
            "turn.completed" => {
                let usage = self.usage();
                usage.input_tokens += number(&v["usage"], "input_tokens").unwrap_or(0);
                usage.output_tokens += number(&v["usage"], "output_tokens").unwrap_or(0);
                *usage.turns.get_or_insert(0) += 1;
            }
            "turn.failed" => {
                let message =
                    text_of(&v["error"], "message").unwrap_or_else(|| "the turn failed".into());
                self.push(Event::Error { attempt, message });
            }
            "item.started" | "item.updated" | "item.completed" => {
                let item = &v["item"];
                match item.get("type").and_then(Value::as_str) {
                    Some("todo_list") => {
                        if let Some(items) = item.get("items").and_then(Value::as_array) {
                            self.plan(items.iter().map(|t| PlanStep {
                                text: text_of(t, "text").unwrap_or_default(),
                                status: if t.get("completed").and_then(Value::as_bool) == Some(true)
                                {
                                    StepStatus::Completed
                                } else {
                                    StepStatus::Pending
                                },
                            }));
                        }
                    }
                    _ if kind != "item.completed" => {}
                    Some("agent_message") => {
                        if let Some(text) = text_of(item, "text") {
                            self.push(Event::Message { attempt, text });
                        }
                    }
                    Some("command_execution") => self.push(Event::ToolCall {
                        attempt,
                        tool: "command".into(),
                        detail: text_of(item, "command"),
                    }),
                    Some("mcp_tool_call") => self.push(Event::ToolCall {
                        attempt,
                        tool: text_of(item, "tool").unwrap_or_else(|| "mcp".into()),
                        detail: text_of(item, "server"),
                    }),
                    Some("file_change") => {
                        for change in item["changes"].as_array().into_iter().flatten() {
                            if let Some(path) = text_of(change, "path") {
                                self.push(Event::FileChange {
                                    attempt,
                                    path,
                                    change: text_of(change, "kind")
                                        .unwrap_or_else(|| "edit".into()),
                                });
                            }
                        }
                    }
                    Some("error") => {
                        if let Some(message) = text_of(item, "message") {
                            self.push(Event::Error { attempt, message });
                        }
                    }
                    _ => {}
                }
            }
            _ => {}
        }
    }

    /// Gemini CLI: `init`, `message`, `tool_use`, `tool_result`, `error`, `result`.
    fn gemini(&mut self, kind: &str, v: &Value) {
        self.saw(Format::GeminiStreamJson);
        let attempt = self.attempt;
        match kind {
            "message" if v.get("role").and_then(Value::as_str) == Some("assistant") => {
                if let Some(text) = text_of(v, "content") {
                    self.push(Event::Message { attempt, text });
                }
            }
            "tool_use" => {
                let name = v
                    .get("tool_name")
                    .and_then(Value::as_str)
                    .unwrap_or("tool")
                    .to_string();
                self.tool(&name, &v["parameters"]);
            }
            "result" => {
                let ok = v.get("status").and_then(Value::as_str).unwrap_or("success") == "success";
                self.push(Event::Result {
                    attempt,
                    ok,
                    turns: None,
                    cost_usd: None,
                });
                let stats = &v["stats"];
                let usage = self.usage();
                usage.input_tokens += number(stats, "input_tokens").unwrap_or(0);
                usage.output_tokens += number(stats, "output_tokens").unwrap_or(0);
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CLAUDE: &str = r#"[aipm] attempt 1 of run 4 on worker w (delivery 1)
{"type":"system","subtype":"init","session_id":"s","tools":["Edit"]}
{"type":"assistant","message":{"content":[{"type":"text","text":"I'll add the export."},{"type":"tool_use","id":"t1","name":"TodoWrite","input":{"todos":[{"content":"Add the CSV writer","status":"completed"},{"content":"Wire the button","status":"in_progress"},{"content":"Test it","status":"pending"}]}}]}}
{"type":"assistant","message":{"content":[{"type":"tool_use","id":"t2","name":"Edit","input":{"file_path":"src/export.rs","old_string":"a","new_string":"b"}}]}}
{"type":"user","message":{"content":[{"type":"tool_result","tool_use_id":"t2","content":"ok"}]}}
{"type":"assistant","message":{"content":[{"type":"tool_use","id":"t3","name":"Bash","input":{"command":"cargo test"}}]}}
not json at all {"type":"result"
{"type":"result","subtype":"success","is_error":false,"num_turns":6,"total_cost_usd":0.0425,"usage":{"input_tokens":1200,"output_tokens":340}}
"#;

    #[test]
    fn claude_stream_json_gives_plan_events_and_cost() {
        let p = Progress::from_log(CLAUDE);
        assert_eq!(p.format, Some(Format::ClaudeStreamJson));
        assert_eq!(
            p.plan.iter().map(|s| s.status).collect::<Vec<_>>(),
            [
                StepStatus::Completed,
                StepStatus::InProgress,
                StepStatus::Pending
            ]
        );
        assert_eq!(p.plan[1].text, "Wire the button");
        assert_eq!(
            p.events,
            vec![
                Event::Message {
                    attempt: 1,
                    text: "I'll add the export.".into()
                },
                Event::FileChange {
                    attempt: 1,
                    path: "src/export.rs".into(),
                    change: "edit".into()
                },
                Event::ToolCall {
                    attempt: 1,
                    tool: "Bash".into(),
                    detail: Some("cargo test".into())
                },
                Event::Result {
                    attempt: 1,
                    ok: true,
                    turns: Some(6),
                    cost_usd: Some(0.0425)
                },
            ]
        );
        assert_eq!(
            p.usage,
            Some(Usage {
                input_tokens: 1200,
                output_tokens: 340,
                cost_usd: Some(0.0425),
                turns: Some(6)
            })
        );
    }

    #[test]
    fn usage_adds_up_over_attempts_and_a_failed_result_is_an_error() {
        let log = format!(
            "{CLAUDE}[aipm] attempt 2 of run 4 on worker w (delivery 1)\n{}\n",
            r#"{"type":"result","subtype":"error_max_turns","is_error":true,"num_turns":10,"total_cost_usd":0.01,"usage":{"input_tokens":100,"output_tokens":10}}"#
        );
        let p = Progress::from_log(&log);
        let usage = p.usage.unwrap();
        assert_eq!(
            (usage.input_tokens, usage.output_tokens, usage.turns),
            (1300, 350, Some(16))
        );
        assert!((usage.cost_usd.unwrap() - 0.0525).abs() < 1e-9);
        assert_eq!(
            p.events[p.events.len() - 2..],
            [
                Event::Error {
                    attempt: 2,
                    message: "error_max_turns".into()
                },
                Event::Result {
                    attempt: 2,
                    ok: false,
                    turns: Some(10),
                    cost_usd: Some(0.01)
                },
            ]
        );
    }

    #[test]
    fn codex_json_gives_todo_list_commands_file_changes_and_tokens() {
        let log = r#"{"type":"thread.started","thread_id":"t"}
{"type":"turn.started"}
{"type":"item.updated","item":{"id":"i0","type":"todo_list","items":[{"text":"Read the story","completed":true},{"text":"Change the form","completed":false}]}}
{"type":"item.completed","item":{"id":"i1","type":"command_execution","command":"bash -lc ls","status":"completed"}}
{"type":"item.completed","item":{"id":"i2","type":"file_change","changes":[{"path":"web/form.js","kind":"update"},{"path":"web/new.js","kind":"add"}]}}
{"type":"item.completed","item":{"id":"i3","type":"agent_message","text":"Done."}}
{"type":"turn.completed","usage":{"input_tokens":5000,"cached_input_tokens":100,"output_tokens":700}}
"#;
        let p = Progress::from_log(log);
        assert_eq!(p.format, Some(Format::CodexJson));
        assert_eq!(p.plan.len(), 2);
        assert_eq!(p.plan[0].status, StepStatus::Completed);
        assert_eq!(p.events.len(), 4);
        assert_eq!(
            p.events[2],
            Event::FileChange {
                attempt: 0,
                path: "web/new.js".into(),
                change: "add".into()
            }
        );
        assert_eq!(
            p.usage,
            Some(Usage {
                input_tokens: 5000,
                output_tokens: 700,
                cost_usd: None,
                turns: Some(1)
            })
        );
    }

    #[test]
    fn gemini_stream_json_gives_tools_and_tokens() {
        let log = r#"{"type":"init","session_id":"s","model":"g"}
{"type":"message","role":"user","content":"the task"}
{"type":"tool_use","tool_name":"write_file","tool_id":"w1","parameters":{"file_path":"a.txt","content":"x"}}
{"type":"tool_use","tool_name":"run_shell_command","tool_id":"r1","parameters":{"command":"make test"}}
{"type":"message","role":"assistant","content":"All done"}
{"type":"result","status":"success","stats":{"total_tokens":900,"input_tokens":800,"output_tokens":100}}
"#;
        let p = Progress::from_log(log);
        assert_eq!(p.format, Some(Format::GeminiStreamJson));
        assert_eq!(
            p.events[..2],
            [
                Event::FileChange {
                    attempt: 0,
                    path: "a.txt".into(),
                    change: "write".into()
                },
                Event::ToolCall {
                    attempt: 0,
                    tool: "run_shell_command".into(),
                    detail: Some("make test".into())
                },
            ]
        );
        assert_eq!(p.usage.unwrap().input_tokens, 800);
    }

    #[test]
    fn plain_output_and_hostile_lines_give_nothing_and_texts_are_bounded() {
        let p = Progress::from_log("building...\n{not json\n{\"no\":\"type\"}\n[1,2]\n");
        assert_eq!(p, Progress::default());
        let long = "x".repeat(10_000);
        let mut log = String::new();
        for _ in 0..(MAX_EVENTS + 5) {
            log += &format!(
                "{}\n",
                serde_json::json!({"type":"assistant","message":{"content":[{"type":"text","text": long}]}})
            );
        }
        let p = Progress::from_log(&log);
        assert_eq!(p.events.len(), MAX_EVENTS);
        assert_eq!(p.omitted_events, 5);
        let Event::Message { text, .. } = &p.events[0] else {
            panic!()
        };
        assert_eq!(text.chars().count(), MAX_TEXT + 1);
    }
}
