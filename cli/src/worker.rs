//! `aipm worker`: the code-generation worker on its own — on EC2 beside SQS
//! and DynamoDB, or next to `aipm serve --no-worker` on one machine.

use crate::store_args::StoreArgs;
use aipm_core::backlog::Backlog;
use aipm_worker::{Worker, WorkerConfig};
use clap::Args;

#[derive(Args, Debug)]
pub struct WorkerArgs {
    #[command(flatten)]
    pub store: StoreArgs,
    /// Jobs run at once (else AIPM_WORKER_CONCURRENCY, default 2).
    #[arg(long)]
    pub concurrency: Option<usize>,
    /// Where users reach AIPM, for the log link in PR comments.
    #[arg(long, env = "AIPM_PUBLIC_URL")]
    pub public_url: Option<String>,
}

pub async fn run(args: WorkerArgs) -> anyhow::Result<()> {
    let mut config = WorkerConfig::from_env()?;
    let runtime = crate::runtime::open(&args.store, true).await?;
    let backlog = Backlog::new(runtime.store.clone());
    let queue = runtime.queue.ok_or_else(|| {
        anyhow::anyhow!(
            "a worker needs a queue: set AIPM_QUEUE_URL and AIPM_DEAD_LETTER_QUEUE_URL (SQS)"
        )
    })?;
    let codegen = crate::runtime::codegen(backlog, queue, args.public_url).await?;
    if let Some(n) = args.concurrency.filter(|n| *n > 0) {
        config.concurrency = n;
    }
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let mcp = crate::mcp::agent::for_workers(&codegen.backlog).await?;
    let worker = Worker::new(codegen, config).with_mcp(mcp);
    let running = tokio::spawn(async move { worker.run(stopped).await });
    crate::serve::shutdown_signal().await;
    tracing::info!("SIGTERM or Ctrl-C: draining");
    let _ = stop.send(true);
    running.await??;
    Ok(())
}
