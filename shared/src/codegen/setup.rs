//! Code generation wired from the environment, the same way for `aipm
//! serve`, `aipm worker` and the Lambda functions.

use super::{Agents, CodeGen, CodeGenSettings};
use crate::backlog::Backlog;
use crate::config::secret_from_env_or_ssm;
use crate::error::Result;
use crate::forge::{AnyForge, Forge, GitHubConfig, GitHubForge, LocalGitForge};
use crate::queue::Queue;
use std::sync::Arc;

/// The local git forge always; GitHub too when a token is configured:
/// `AIPM_GITHUB_TOKEN`, or the SSM parameter named by
/// `AIPM_GITHUB_TOKEN_PARAM`. `AIPM_GITHUB_API_URL` points at another API
/// (GitHub Enterprise).
pub async fn forge_from_env() -> Result<Arc<dyn Forge>> {
    let github: Option<Arc<dyn Forge>> =
        match secret_from_env_or_ssm("AIPM_GITHUB_TOKEN", "AIPM_GITHUB_TOKEN_PARAM").await? {
            Some(token) => {
                let mut config = GitHubConfig::new(token);
                if let Some(url) = std::env::var("AIPM_GITHUB_API_URL")
                    .ok()
                    .filter(|u| !u.is_empty())
                {
                    config.api_url = Some(url);
                }
                Some(Arc::new(GitHubForge::new(config)?))
            }
            None => None,
        };
    Ok(Arc::new(AnyForge {
        local: Arc::new(LocalGitForge::new()),
        github,
    }))
}

/// Code generation over `queue`, with the forges, agents (`AIPM_AGENT`,
/// `AIPM_AGENT_CMD`) and verify command (`AIPM_VERIFY_CMD`) of the environment.
pub async fn codegen_from_env(
    backlog: Backlog,
    queue: Arc<dyn Queue>,
    public_url: Option<String>,
) -> Result<CodeGen> {
    Ok(CodeGen {
        backlog,
        forge: forge_from_env().await?,
        queue,
        agents: Agents::from_env(),
        settings: CodeGenSettings {
            public_url: public_url.or_else(|| {
                std::env::var("AIPM_PUBLIC_URL")
                    .ok()
                    .filter(|u| !u.is_empty())
            }),
            verify_command: std::env::var("AIPM_VERIFY_CMD")
                .ok()
                .filter(|c| !c.trim().is_empty()),
        },
    })
}
