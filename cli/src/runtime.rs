//! What `aipm serve` and `aipm worker` share: the store with its queue, the
//! forges, and code generation wired from flags and environment.

use crate::store_args::StoreArgs;
use aipm::backlog::Backlog;
use aipm::codegen::CodeGen;
use aipm::config::StoreConfig;
use aipm::queue::sqs::{SqsConfig, SqsQueue};
use aipm::queue::Queue;
use aipm::store::sqlite::SqliteStore;
use aipm::store::Store;
use std::sync::Arc;

pub struct Runtime {
    pub store: Arc<dyn Store>,
    /// None when the DynamoDB store has no SQS queue configured: then code
    /// generation is off (its endpoints answer 503).
    pub queue: Option<Arc<dyn Queue>>,
}

/// The store, and the queue that goes with it: the embedded queue in the
/// SQLite file, or SQS (`AIPM_QUEUE_URL`, `AIPM_DEAD_LETTER_QUEUE_URL`)
/// beside DynamoDB.
pub async fn open(args: &StoreArgs) -> anyhow::Result<Runtime> {
    match args.config()? {
        StoreConfig::Sqlite { data_dir } => {
            let sqlite = SqliteStore::open(data_dir.join(aipm::config::SQLITE_FILE))?;
            let queue: Arc<dyn Queue> = Arc::new(sqlite.queue());
            Ok(Runtime {
                store: Arc::new(sqlite),
                queue: Some(queue),
            })
        }
        config @ StoreConfig::Dynamodb(_) => {
            let store = config.open(true).await?;
            let queue: Option<Arc<dyn Queue>> = match SqsConfig::from_env() {
                Ok(sqs) => Some(Arc::new(SqsQueue::connect(&sqs).await?)),
                Err(missing) => {
                    tracing::warn!(%missing, "no SQS queue configured: code generation is off");
                    None
                }
            };
            Ok(Runtime { store, queue })
        }
    }
}

/// Code generation over `queue`, configured from the environment.
pub async fn codegen(
    backlog: Backlog,
    queue: Arc<dyn Queue>,
    public_url: Option<String>,
) -> anyhow::Result<CodeGen> {
    Ok(aipm::codegen::setup::codegen_from_env(backlog, queue, public_url).await?)
}
