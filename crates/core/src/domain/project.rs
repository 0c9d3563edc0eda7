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
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub version: u64,
    /// Imports under way: their stories stay hidden until the import's last
    /// step removes its id from here (one conditional write).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub pending_imports: Vec<u64>,
}

impl Project {
    pub const DEFAULT_ID: ProjectId = ProjectId(1);
    pub const DEFAULT_NAME: &'static str = "Default";
}
