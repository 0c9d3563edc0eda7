//! What `aipm serve`, `aipm worker`, `import`, `export` and `migrate` share:
//! the store with its queue, the forges, the LLM, and code generation,
//! wired from flags and environment.

use crate::store_args::{StoreArgs, StoreKind};
use aipm_core::backlog::Backlog;
use aipm_core::codegen::CodeGen;
use aipm_core::forge::{AnyForge, Forge};
use aipm_core::quality::{Llm, LlmConfig};
use aipm_core::queue::Queue;
use aipm_core::store::Store;
use aipm_core::Secret;
use aipm_sqlite::SqliteStore;
use std::sync::Arc;

pub struct Runtime {
    pub store: Arc<dyn Store>,
    /// None when the DynamoDB store has no SQS queue configured: then code
    /// generation is off (its endpoints answer 503).
    pub queue: Option<Arc<dyn Queue>>,
}

/// The store, and the queue that goes with it: the embedded queue in the
/// SQLite file, or SQS (`AIPM_QUEUE_URL`, `AIPM_DLQ_URL`) beside DynamoDB.
/// `create` makes a missing DynamoDB table (SQLite files are always
/// migrated).
pub async fn open(args: &StoreArgs, create: bool) -> anyhow::Result<Runtime> {
    match args.store {
        StoreKind::Sqlite => {
            let sqlite = SqliteStore::open(args.data_dir.join(aipm_sqlite::SQLITE_FILE))?;
            let queue: Arc<dyn Queue> = Arc::new(sqlite.queue());
            Ok(Runtime {
                store: Arc::new(sqlite),
                queue: Some(queue),
            })
        }
        StoreKind::Dynamodb => open_dynamodb(args, create).await,
    }
}

#[cfg(feature = "aws")]
async fn open_dynamodb(args: &StoreArgs, create: bool) -> anyhow::Result<Runtime> {
    use aipm_aws::dynamodb::{DynamoConfig, DynamoStore};
    use aipm_aws::sqs::{SqsConfig, SqsQueue};
    let config = DynamoConfig {
        table: args.table.clone().ok_or_else(|| {
            anyhow::anyhow!("--table (or AIPM_TABLE) is required with --store dynamodb")
        })?,
        endpoint_url: args.dynamodb_endpoint.clone(),
        region: args.region.clone(),
    };
    let store = DynamoStore::connect(&config).await?;
    if create {
        store.create_table().await?;
    }
    let queue: Option<Arc<dyn Queue>> = match SqsConfig::from_env() {
        Ok(sqs) => Some(Arc::new(SqsQueue::connect(&sqs).await?)),
        Err(missing) => {
            tracing::warn!(%missing, "no SQS queue configured: code generation is off");
            None
        }
    };
    Ok(Runtime {
        store: Arc::new(store),
        queue,
    })
}

#[cfg(not(feature = "aws"))]
async fn open_dynamodb(_: &StoreArgs, _: bool) -> anyhow::Result<Runtime> {
    anyhow::bail!(
        "--store dynamodb: this aipm was built without AWS support; build it with \
         `cargo install --path cli --features aws`"
    )
}

/// A secret from its environment variable, or — built with AWS support —
/// from the SSM parameter that `name_var` names (the EC2 workers).
async fn secret(value_var: &str, name_var: &str) -> anyhow::Result<Option<Secret>> {
    #[cfg(feature = "aws")]
    {
        Ok(aipm_aws::ssm::secret_from_env_or_ssm(value_var, name_var).await?)
    }
    #[cfg(not(feature = "aws"))]
    {
        if std::env::var(name_var).is_ok_and(|n| !n.is_empty()) {
            anyhow::bail!("{name_var} names an SSM parameter, and this aipm was built without AWS support (--features aws)");
        }
        Ok(std::env::var(value_var)
            .ok()
            .filter(|v| !v.is_empty())
            .map(Secret::new))
    }
}

/// The local git forge always; GitHub too when a token is configured
/// (`AIPM_GITHUB_TOKEN`, or the SSM parameter `AIPM_GITHUB_TOKEN_PARAM`).
pub async fn forge() -> anyhow::Result<Arc<dyn Forge>> {
    let github: Option<Arc<dyn Forge>> =
        match secret("AIPM_GITHUB_TOKEN", "AIPM_GITHUB_TOKEN_PARAM").await? {
            Some(token) => Some(Arc::new(aipm_github::GitHubForge::new(
                aipm_github::GitHubConfig::from_env(token),
            )?)),
            None => None,
        };
    Ok(AnyForge::new(
        Arc::new(aipm_git::LocalGitForge::new()),
        github,
    ))
}

/// Code generation over `queue`, configured from the environment.
pub async fn codegen(
    backlog: Backlog,
    queue: Arc<dyn Queue>,
    public_url: Option<String>,
) -> anyhow::Result<CodeGen> {
    Ok(CodeGen::from_env(
        backlog,
        forge().await?,
        queue,
        public_url,
    ))
}

/// The LLM the environment configures (`AIPM_LLM_*`), if any.
pub async fn llm() -> anyhow::Result<Option<Arc<dyn Llm>>> {
    let Some(mut config) = LlmConfig::from_env() else {
        return Ok(None);
    };
    if let Some(key) = secret("AIPM_LLM_API_KEY", "AIPM_LLM_API_KEY_PARAM").await? {
        config.api_key = Some(key);
    }
    Ok(Some(Arc::new(aipm_llm::LlmClient::new(config)?)))
}
