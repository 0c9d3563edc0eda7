//! The AIPM MCP server, handed to the coding agent of a run. The agent is
//! untrusted code: it gets an endpoint whose bearer token is good for its
//! own story only (read the story, record its acceptance tests' results)
//! and only while the run lasts — never the API token.
//!
//! Per agent (docs/codegen.md, "The agent's MCP server"):
//! - claude: a config file outside the checkout, `--mcp-config <file>
//!   --strict-mcp-config`, and `--allowedTools` for the two tools (print
//!   mode asks for no permission);
//! - kiro: `.kiro/settings/mcp.json` in the checkout (the workspace
//!   config), kept out of git and restored when the agent ends;
//! - codex: `-c mcp_servers.aipm.url=…` and `bearer_token_env_var`, the
//!   token in `AIPM_MCP_TOKEN`;
//! - every agent, custom ones too: `AIPM_MCP_CONFIG`, the path of a file in
//!   the common `mcpServers` JSON form.

use aipm_core::codegen::agent::AgentCommand;
use aipm_core::domain::StoryId;
use aipm_core::error::{Error, Result};
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// The server's name in the agent's configuration (tools appear to Claude
/// as `mcp__aipm__get_story`).
pub const SERVER_NAME: &str = "aipm";

/// The tools a run's agent is given.
pub const AGENT_TOOLS: &[&str] = &["get_story", "record_test_result"];

/// Where agents reach the story-scoped MCP server; the process that runs
/// the workers hosts it (`aipm serve`, `aipm worker`).
pub trait AgentMcp: Send + Sync {
    /// The endpoint's URL, e.g. `http://127.0.0.1:41234/mcp`.
    fn url(&self) -> String;
    /// From now on `token` opens the endpoint for `story` only.
    fn allow(&self, token: &str, story: StoryId);
    fn revoke(&self, token: &str);
}

/// A fresh bearer token: 256 random bits, hex.
fn new_token() -> Result<String> {
    let mut bytes = [0u8; 32];
    getrandom::getrandom(&mut bytes)
        .map_err(|e| Error::internal("making an MCP token", e.to_string()))?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

/// Kiro reads MCP servers from this workspace file.
const KIRO_WORKSPACE_CONFIG: &str = ".kiro/settings/mcp.json";

/// The MCP server configured for one attempt's agent; dropping it revokes
/// the token, removes the files and restores a workspace config it changed.
pub struct AgentSetup {
    server: Arc<dyn AgentMcp>,
    token: String,
    config_dir: PathBuf,
    /// A workspace file written for the agent, with what it held before.
    workspace_file: Option<(PathBuf, Option<Vec<u8>>)>,
}

impl AgentSetup {
    /// Where the agent's MCP configuration is: the sandbox shows it read-only.
    pub fn config_dir(&self) -> &Path {
        &self.config_dir
    }
}

fn write_private(path: &Path, text: &str) -> Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)
        .map_err(|e| Error::internal("writing the agent's MCP config", e))?;
    file.write_all(text.as_bytes())
        .map_err(|e| Error::internal("writing the agent's MCP config", e))
}

impl AgentSetup {
    /// Grant the agent of a run on `story`, working in `checkout`, the MCP
    /// server, and add what its CLI needs to `command` and `env`. Config
    /// files go to `config_dir` (outside the checkout; created, removed).
    pub fn prepare(
        server: Arc<dyn AgentMcp>,
        story: StoryId,
        checkout: &Path,
        config_dir: PathBuf,
        command: &mut AgentCommand,
        env: &mut Vec<(String, String)>,
    ) -> Result<AgentSetup> {
        let token = new_token()?;
        let url = server.url();
        server.allow(&token, story);
        let mut setup = AgentSetup {
            server,
            token: token.clone(),
            config_dir: config_dir.clone(),
            workspace_file: None,
        };
        {
            use std::os::unix::fs::DirBuilderExt;
            std::fs::DirBuilder::new()
                .recursive(true)
                .mode(0o700)
                .create(&config_dir)
                .map_err(|e| Error::internal("creating the agent's MCP config directory", e))?;
        }
        let common = config_dir.join("mcp.json");
        write_private(&common, &mcp_servers(&url, &token, true).to_string())?;
        env.push((
            "AIPM_MCP_CONFIG".into(),
            common.to_string_lossy().into_owned(),
        ));
        match command.name.as_str() {
            "claude" => {
                let tools: Vec<String> = AGENT_TOOLS
                    .iter()
                    .map(|t| format!("mcp__{SERVER_NAME}__{t}"))
                    .collect();
                command.args.extend([
                    "--mcp-config".to_string(),
                    common.to_string_lossy().into_owned(),
                    "--strict-mcp-config".into(),
                    "--allowedTools".into(),
                    tools.join(","),
                ]);
            }
            "kiro" => {
                let path = checkout.join(KIRO_WORKSPACE_CONFIG);
                setup.workspace_file = Some((path.clone(), std::fs::read(&path).ok()));
                let mut config = setup
                    .workspace_file
                    .as_ref()
                    .and_then(|(_, before)| before.as_deref())
                    .and_then(|b| serde_json::from_slice::<Value>(b).ok())
                    .filter(Value::is_object)
                    .unwrap_or_else(|| json!({}));
                if !config["mcpServers"].is_object() {
                    config["mcpServers"] = json!({});
                }
                config["mcpServers"][SERVER_NAME] =
                    mcp_servers(&url, &token, false)["mcpServers"][SERVER_NAME].clone();
                if let Some(parent) = path.parent() {
                    std::fs::create_dir_all(parent)
                        .map_err(|e| Error::internal("creating .kiro/settings", e))?;
                }
                write_private(&path, &serde_json::to_string_pretty(&config).expect("JSON"))?;
                exclude_from_git(checkout, KIRO_WORKSPACE_CONFIG)?;
            }
            "codex" => {
                command.args.extend([
                    "-c".to_string(),
                    format!("mcp_servers.{SERVER_NAME}.url=\"{url}\""),
                    "-c".into(),
                    format!("mcp_servers.{SERVER_NAME}.bearer_token_env_var=\"AIPM_MCP_TOKEN\""),
                ]);
                env.push(("AIPM_MCP_TOKEN".into(), token));
            }
            _ => {}
        }
        Ok(setup)
    }
}

/// The common `mcpServers` form (Claude Code, Kiro). Claude wants the
/// transport named (`"type": "http"`).
pub fn mcp_servers(url: &str, token: &str, typed: bool) -> Value {
    let mut server = json!({
        "url": url,
        "headers": {"Authorization": format!("Bearer {token}")},
    });
    if typed {
        server["type"] = json!("http");
    }
    json!({"mcpServers": {SERVER_NAME: server}})
}

/// Keep `path` out of the run's commit (the checkout's own exclude file).
fn exclude_from_git(checkout: &Path, path: &str) -> Result<()> {
    let info = checkout.join(".git/info");
    std::fs::create_dir_all(&info).map_err(|e| Error::internal("excluding the MCP config", e))?;
    let exclude = info.join("exclude");
    let mut text = std::fs::read_to_string(&exclude).unwrap_or_default();
    if !text.lines().any(|l| l == format!("/{path}")) {
        if !text.is_empty() && !text.ends_with('\n') {
            text.push('\n');
        }
        text.push_str(&format!("/{path}\n"));
        std::fs::write(&exclude, text)
            .map_err(|e| Error::internal("excluding the MCP config", e))?;
    }
    Ok(())
}

impl Drop for AgentSetup {
    fn drop(&mut self) {
        self.server.revoke(&self.token);
        let _ = std::fs::remove_dir_all(&self.config_dir);
        match self.workspace_file.take() {
            Some((path, Some(before))) => {
                let _ = std::fs::write(path, before);
            }
            Some((path, None)) => {
                let _ = std::fs::remove_file(path);
            }
            None => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    #[derive(Default)]
    struct Grants(Mutex<Vec<(String, StoryId)>>);

    impl AgentMcp for Grants {
        fn url(&self) -> String {
            "http://127.0.0.1:9/mcp".into()
        }
        fn allow(&self, token: &str, story: StoryId) {
            self.0.lock().unwrap().push((token.into(), story));
        }
        fn revoke(&self, token: &str) {
            self.0.lock().unwrap().retain(|(t, _)| t != token);
        }
    }

    fn command(name: &str, args: &[&str]) -> AgentCommand {
        AgentCommand {
            name: name.into(),
            program: name.into(),
            args: args.iter().map(|a| a.to_string()).collect(),
            prompt: aipm_core::codegen::agent::Prompt::Stdin,
        }
    }

    #[test]
    fn claude_gets_a_config_file_and_only_the_two_tools() {
        let grants = Arc::new(Grants::default());
        let work = tempfile::tempdir().unwrap();
        let config_dir = work.path().join("mcp");
        let mut cmd = command("claude", &["-p"]);
        let mut env = Vec::new();
        let setup = AgentSetup::prepare(
            grants.clone(),
            StoryId(4),
            work.path(),
            config_dir.clone(),
            &mut cmd,
            &mut env,
        )
        .unwrap();
        let file = config_dir.join("mcp.json");
        assert_eq!(
            cmd.args,
            [
                "-p",
                "--mcp-config",
                &file.to_string_lossy(),
                "--strict-mcp-config",
                "--allowedTools",
                "mcp__aipm__get_story,mcp__aipm__record_test_result"
            ]
        );
        let config: Value = serde_json::from_slice(&std::fs::read(&file).unwrap()).unwrap();
        let token = grants.0.lock().unwrap()[0].0.clone();
        assert_eq!(token.len(), 64);
        assert_eq!(
            config["mcpServers"]["aipm"]["headers"]["Authorization"],
            format!("Bearer {token}")
        );
        assert_eq!(config["mcpServers"]["aipm"]["type"], "http");
        assert!(
            !cmd.args.iter().any(|a| a.contains(&token)),
            "the token is not on the command line"
        );
        assert!(!env.iter().any(|(_, v)| v.contains(&token)));
        drop(setup);
        assert!(grants.0.lock().unwrap().is_empty(), "revoked");
        assert!(!config_dir.exists(), "removed");
    }

    #[test]
    fn kiro_gets_a_workspace_config_that_is_excluded_and_restored() {
        let grants = Arc::new(Grants::default());
        let work = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(work.path().join(".git/info")).unwrap();
        std::fs::create_dir_all(work.path().join(".kiro/settings")).unwrap();
        let own = r#"{"mcpServers": {"docs": {"command": "docs-mcp"}}}"#;
        std::fs::write(work.path().join(KIRO_WORKSPACE_CONFIG), own).unwrap();
        let mut cmd = command("kiro", &["chat"]);
        let setup = AgentSetup::prepare(
            grants.clone(),
            StoryId(4),
            work.path(),
            work.path().join("m"),
            &mut cmd,
            &mut Vec::new(),
        )
        .unwrap();
        let config: Value = serde_json::from_slice(
            &std::fs::read(work.path().join(KIRO_WORKSPACE_CONFIG)).unwrap(),
        )
        .unwrap();
        assert_eq!(
            config["mcpServers"]["docs"]["command"], "docs-mcp",
            "the project's servers stay"
        );
        assert_eq!(
            config["mcpServers"]["aipm"]["url"],
            "http://127.0.0.1:9/mcp"
        );
        let exclude = std::fs::read_to_string(work.path().join(".git/info/exclude")).unwrap();
        assert!(exclude.lines().any(|l| l == "/.kiro/settings/mcp.json"));
        assert_eq!(cmd.args, ["chat"]);
        drop(setup);
        assert_eq!(
            std::fs::read_to_string(work.path().join(KIRO_WORKSPACE_CONFIG)).unwrap(),
            own
        );
    }

    #[test]
    fn codex_reads_the_token_from_the_environment() {
        let grants = Arc::new(Grants::default());
        let work = tempfile::tempdir().unwrap();
        let mut cmd = command("codex", &["exec"]);
        let mut env = Vec::new();
        let _setup = AgentSetup::prepare(
            grants.clone(),
            StoryId(4),
            work.path(),
            work.path().join("m"),
            &mut cmd,
            &mut env,
        )
        .unwrap();
        assert_eq!(
            cmd.args,
            [
                "exec",
                "-c",
                "mcp_servers.aipm.url=\"http://127.0.0.1:9/mcp\"",
                "-c",
                "mcp_servers.aipm.bearer_token_env_var=\"AIPM_MCP_TOKEN\""
            ]
        );
        let token = &grants.0.lock().unwrap()[0].0;
        assert!(env.contains(&("AIPM_MCP_TOKEN".to_string(), token.clone())));
        assert!(env.iter().any(|(k, _)| k == "AIPM_MCP_CONFIG"));
    }
}
