//! Coding agents: presets for the CLIs AIPM knows and a custom command
//! template. A command is an argv — never a shell line — and the task goes
//! to the agent as a file or on standard input, never spliced into argv.

use crate::error::{Error, Result};

/// How the task reaches the agent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Prompt {
    /// TASK.md's text on standard input.
    Stdin,
    /// The path of TASK.md in place of `{task_file}`.
    File,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgentCommand {
    pub name: String,
    pub program: String,
    pub args: Vec<String>,
    pub prompt: Prompt,
}

impl AgentCommand {
    /// Cap the agent's turns where its CLI takes a cap (Claude Code's
    /// `--max-turns`); `false` when it takes none.
    pub fn cap_turns(&mut self, turns: u32) -> bool {
        match self.name.as_str() {
            "claude" => {
                self.args
                    .extend(["--max-turns".to_string(), turns.to_string()]);
                true
            }
            _ => false,
        }
    }
}

/// The agents a run may name: the presets, then `custom` (the command
/// template of `AIPM_AGENT_CMD`).
pub fn agent_names() -> Vec<&'static str> {
    PRESETS.iter().map(|(n, _, _)| *n).chain([CUSTOM]).collect()
}

/// The presets: name, argv, how the task is given.
pub const PRESETS: &[(&str, &[&str], Prompt)] = &[
    (
        "kiro",
        &["kiro-cli", "chat", "--no-interactive", "--trust-all-tools"],
        Prompt::Stdin,
    ),
    // Machine-readable output where the CLI offers it: the run's progress
    // (plan, events, tokens and cost) is read from it (`codegen::progress`).
    (
        "claude",
        &[
            "claude",
            "-p",
            "--output-format",
            "stream-json",
            "--verbose",
        ],
        Prompt::Stdin,
    ),
    ("codex", &["codex", "exec", "--json"], Prompt::Stdin),
    (
        "aider",
        &["aider", "--yes-always", "--message-file", "{task_file}"],
        Prompt::File,
    ),
    (
        "gemini",
        &["gemini", "--output-format", "stream-json", "-p"],
        Prompt::Stdin,
    ),
];

/// The name of the custom command preset (`AIPM_AGENT_CMD`).
pub const CUSTOM: &str = "custom";

/// Split a command template into words: whitespace separates, single and
/// double quotes group, a backslash escapes the next character. No shell
/// expansion of any kind happens.
pub fn split_words(template: &str) -> std::result::Result<Vec<String>, String> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut in_word = false;
    let mut quote: Option<char> = None;
    let mut chars = template.chars();
    while let Some(c) = chars.next() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some('"'), '\\') | (None, '\\') => {
                word.push(
                    chars
                        .next()
                        .ok_or("the command ends with a lone backslash")?,
                );
                in_word = true;
            }
            (Some(_), c) => word.push(c),
            (None, '\'' | '"') => {
                quote = Some(c);
                in_word = true;
            }
            (None, c) if c.is_whitespace() => {
                if in_word {
                    words.push(std::mem::take(&mut word));
                    in_word = false;
                }
            }
            (None, c) => {
                word.push(c);
                in_word = true;
            }
        }
    }
    if quote.is_some() {
        return Err("the command has an unclosed quote".into());
    }
    if in_word {
        words.push(word);
    }
    if words.is_empty() {
        return Err("the command is empty".into());
    }
    Ok(words)
}

/// The agents a worker can run: the presets, and `custom` when a template is set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Agents {
    pub default: String,
    pub custom: Option<String>,
}

impl Agents {
    /// `AIPM_AGENT` (default `kiro`, or `custom` when only `AIPM_AGENT_CMD`
    /// is set) and `AIPM_AGENT_CMD`.
    pub fn from_env() -> Self {
        let custom = std::env::var("AIPM_AGENT_CMD")
            .ok()
            .filter(|c| !c.trim().is_empty());
        let default = std::env::var("AIPM_AGENT")
            .ok()
            .filter(|a| !a.trim().is_empty())
            .unwrap_or_else(|| {
                if custom.is_some() {
                    CUSTOM.into()
                } else {
                    "kiro".into()
                }
            });
        Agents { default, custom }
    }

    /// Check a requested agent name (`None`: the default); the error names
    /// the field `agent`.
    pub fn choose(&self, requested: Option<&str>) -> Result<String> {
        let name = requested
            .map(str::trim)
            .filter(|n| !n.is_empty())
            .unwrap_or(&self.default)
            .to_lowercase();
        self.command(&name, "TASK.md")?;
        Ok(name)
    }

    /// The command for `name`, with `{task_file}` replaced by `task_file`.
    pub fn command(&self, name: &str, task_file: &str) -> Result<AgentCommand> {
        let (words, prompt) = if name == CUSTOM {
            let template = self.custom.as_deref().ok_or_else(|| {
                Error::invalid(
                    "agent",
                    "the custom agent needs AIPM_AGENT_CMD (a command with {task_file})",
                )
            })?;
            let words = split_words(template).map_err(|r| Error::invalid("AIPM_AGENT_CMD", r))?;
            let prompt = if template.contains("{task_file}") {
                Prompt::File
            } else {
                Prompt::Stdin
            };
            (words, prompt)
        } else {
            let (_, argv, prompt) =
                PRESETS.iter().find(|(n, _, _)| *n == name).ok_or_else(|| {
                    Error::invalid(
                        "agent",
                        format!("'{name}' is not one of: {}", agent_names().join(", ")),
                    )
                })?;
            (argv.iter().map(|w| w.to_string()).collect(), *prompt)
        };
        let mut words: Vec<String> = words
            .into_iter()
            .map(|w| w.replace("{task_file}", task_file))
            .collect();
        let program = words.remove(0);
        Ok(AgentCommand {
            name: name.to_string(),
            program,
            args: words,
            prompt,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_split_like_a_shell_would_without_running_one() {
        assert_eq!(
            split_words("a  b 'c d' \"e f\" g\\ h").unwrap(),
            ["a", "b", "c d", "e f", "g h"]
        );
        assert_eq!(split_words("run '' x").unwrap(), ["run", "", "x"]);
        assert_eq!(
            split_words("echo $(rm -rf /); ls").unwrap(),
            ["echo", "$(rm", "-rf", "/);", "ls"]
        );
        assert!(split_words("a 'b").is_err());
        assert!(split_words("   ").is_err());
    }

    #[test]
    fn only_claude_takes_a_turn_cap() {
        let agents = Agents {
            default: "claude".into(),
            custom: Some("my-agent {task_file}".into()),
        };
        let mut claude = agents.command("claude", "TASK.md").unwrap();
        assert!(claude.cap_turns(12));
        assert_eq!(
            claude.args,
            [
                "-p",
                "--output-format",
                "stream-json",
                "--verbose",
                "--max-turns",
                "12"
            ]
        );
        for name in ["kiro", "codex", "aider", "gemini", "custom"] {
            let mut other = agents.command(name, "TASK.md").unwrap();
            let before = other.args.clone();
            assert!(!other.cap_turns(12), "{name}");
            assert_eq!(other.args, before, "{name}");
        }
    }

    #[test]
    fn presets_give_the_task_by_stdin_or_file() {
        let agents = Agents {
            default: "kiro".into(),
            custom: None,
        };
        let kiro = agents.command("kiro", "/w/TASK.md").unwrap();
        assert_eq!(kiro.program, "kiro-cli");
        assert_eq!(kiro.args, ["chat", "--no-interactive", "--trust-all-tools"]);
        assert_eq!(kiro.prompt, Prompt::Stdin);
        let aider = agents.command("aider", "/w/TASK.md").unwrap();
        assert_eq!(aider.args, ["--yes-always", "--message-file", "/w/TASK.md"]);
        assert_eq!(aider.prompt, Prompt::File);
    }

    #[test]
    fn custom_commands_substitute_the_task_file() {
        let agents = Agents {
            default: CUSTOM.into(),
            custom: Some("my-agent --task {task_file} --fast".into()),
        };
        let cmd = agents.command(CUSTOM, "/tmp/x/TASK.md").unwrap();
        assert_eq!(
            (cmd.program.as_str(), cmd.args.as_slice()),
            (
                "my-agent",
                &[
                    "--task".to_string(),
                    "/tmp/x/TASK.md".into(),
                    "--fast".into()
                ][..]
            )
        );
        assert_eq!(cmd.prompt, Prompt::File);
    }

    #[test]
    fn unknown_agents_name_the_field() {
        let agents = Agents {
            default: "kiro".into(),
            custom: None,
        };
        let err = agents.choose(Some("copilot")).unwrap_err().to_string();
        assert!(
            err.starts_with("agent: 'copilot' is not one of: kiro, claude"),
            "{err}"
        );
        assert!(agents
            .choose(Some("custom"))
            .unwrap_err()
            .to_string()
            .contains("AIPM_AGENT_CMD"));
        assert_eq!(agents.choose(Some("Claude")).unwrap(), "claude");
        assert_eq!(agents.choose(None).unwrap(), "kiro");
    }
}
