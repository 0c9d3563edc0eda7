//! `aipm`: the command line of AIPM.

mod serve;
mod store_args;

use aipm::backlog::Backlog;
use clap::{Parser, Subcommand};
use store_args::StoreArgs;

#[derive(Parser)]
#[command(
    name = "aipm",
    version,
    about = "AIPM — an AI project manager: a backlog of user stories that become pull requests"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the API and the web UI (SQLite in the data dir by default).
    Serve(serve::ServeArgs),
    /// Create or upgrade the store (SQLite migrations, or the DynamoDB table)
    /// and its default project.
    Migrate {
        #[command(flatten)]
        store: StoreArgs,
    },
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("AIPM_LOG")
                .unwrap_or_else(|_| "info".into()),
        )
        .json()
        .with_writer(std::io::stderr)
        .init();
    match Cli::parse().command {
        Command::Serve(args) => serve::serve(args).await?,
        Command::Migrate { store } => {
            let config = store.config()?;
            let store = config.open(true).await?;
            let project = Backlog::new(store.clone()).ensure_default_project().await?;
            println!(
                "{} store is ready; default project {} ({})",
                store.kind(),
                project.id,
                project.name
            );
        }
    }
    Ok(())
}
