use super::{ProjectId, Timestamp, Title};
use serde::{Deserialize, Serialize};

/// A backlog of its own. Every store starts with the default project.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Project {
    pub id: ProjectId,
    pub name: Title,
    pub description: String,
    /// Where code generation opens branches: a local path or `owner/name` on GitHub.
    pub repository: Option<String>,
    /// What the coding agent's network reaches (see docs/codegen.md).
    #[serde(default)]
    pub agent_network: AgentNetwork,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub version: u64,
    /// Imports under way: their stories stay hidden until the import's last
    /// step removes its id from here (one conditional write).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub pending_imports: Vec<u64>,
}

/// The coding agent's network, per project.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AgentNetwork {
    /// No network at all: not even the worker's loopback.
    None,
    /// HTTPS tunnels (through the worker's proxy) to the repository's host only.
    Repository,
    /// HTTPS tunnels to the repository's host and the package registries.
    Registries,
    /// The worker's network as it is: the internet, and the worker's own
    /// loopback services. Agent CLIs need it to reach their model's API.
    #[default]
    Open,
}

impl AgentNetwork {
    pub const NAMES: [&'static str; 4] = ["none", "repository", "registries", "open"];

    pub fn parse(text: &str) -> Result<Self, String> {
        match text.trim() {
            "none" => Ok(AgentNetwork::None),
            "repository" => Ok(AgentNetwork::Repository),
            "registries" => Ok(AgentNetwork::Registries),
            "open" => Ok(AgentNetwork::Open),
            other => Err(format!(
                "'{other}' is not one of: {}",
                Self::NAMES.join(", ")
            )),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            AgentNetwork::None => "none",
            AgentNetwork::Repository => "repository",
            AgentNetwork::Registries => "registries",
            AgentNetwork::Open => "open",
        }
    }

    /// Whether the agent's network goes through the worker's proxy.
    pub fn is_allowlisted(self) -> bool {
        matches!(self, AgentNetwork::Repository | AgentNetwork::Registries)
    }
}

impl Project {
    pub const DEFAULT_ID: ProjectId = ProjectId(1);
    pub const DEFAULT_NAME: &'static str = "Default";
}
