//! Projects: separate backlogs in one store.

use super::Backlog;
use crate::domain::{AgentNetwork, Counter, Project, ProjectId, Timestamp, Title};
use crate::error::{Error, Result};
use crate::store::{Expect, Write};

impl Backlog {
    /// Create the default project (id 1) unless it exists. Safe to call from
    /// several processes at once.
    pub async fn ensure_default_project(&self) -> Result<Project> {
        if let Some(p) = self.store.get_project(Project::DEFAULT_ID).await? {
            return Ok(p);
        }
        let now = Timestamp::now();
        let project = Project {
            id: Project::DEFAULT_ID,
            name: Title::parse(Project::DEFAULT_NAME).expect("a valid name"),
            description: String::new(),
            repository: None,
            agent_network: AgentNetwork::default(),
            created_at: now,
            updated_at: now,
            version: 1,
            pending_imports: Vec::new(),
        };
        match self
            .store
            .commit(vec![Write::PutProject {
                project: project.clone(),
                expect: Expect::Absent,
            }])
            .await
        {
            Ok(()) => Ok(project),
            // Another process created it first.
            Err(Error::AlreadyExists { .. }) => self.project(Project::DEFAULT_ID).await,
            Err(e) => Err(e),
        }
    }

    pub async fn create_project(
        &self,
        name: Title,
        description: String,
        repository: Option<String>,
    ) -> Result<Project> {
        // The counter's n-th id is project n + 1: id 1 is the default project.
        let id = ProjectId(self.store.take_ids(Counter::Project, 1).await? + 1);
        let now = Timestamp::now();
        let project = Project {
            id,
            name,
            description,
            repository,
            agent_network: AgentNetwork::default(),
            created_at: now,
            updated_at: now,
            version: 1,
            pending_imports: Vec::new(),
        };
        self.store
            .commit(vec![Write::PutProject {
                project: project.clone(),
                expect: Expect::Absent,
            }])
            .await?;
        Ok(project)
    }

    pub async fn project(&self, id: ProjectId) -> Result<Project> {
        self.store
            .get_project(id)
            .await?
            .ok_or_else(|| Error::not_found("project", id))
    }

    pub async fn projects(&self) -> Result<Vec<Project>> {
        self.store.list_projects().await
    }
}

/// A partial update of a project.
#[derive(Debug, Clone, Default)]
pub struct ProjectChanges {
    pub name: Option<Title>,
    pub description: Option<String>,
    /// `Some(None)` removes the repository.
    pub repository: Option<Option<String>>,
    pub agent_network: Option<AgentNetwork>,
}

impl Backlog {
    pub async fn update_project(
        &self,
        id: ProjectId,
        expected: Option<u64>,
        changes: ProjectChanges,
    ) -> Result<Project> {
        let current = self.project(id).await?;
        let version = super::expect_version("project", id, current.version, expected)?;
        let mut project = current.clone();
        if let Some(name) = changes.name {
            project.name = name;
        }
        if let Some(description) = changes.description {
            project.description = description;
        }
        if let Some(repository) = changes.repository {
            project.repository = repository;
        }
        if let Some(network) = changes.agent_network {
            project.agent_network = network;
        }
        if project == current {
            return Ok(current);
        }
        project.version = version + 1;
        project.updated_at = Timestamp::now();
        self.store
            .commit(vec![Write::PutProject {
                project: project.clone(),
                expect: Expect::Version(version),
            }])
            .await?;
        Ok(project)
    }
}
