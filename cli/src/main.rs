//! `aipm`: the command line of AIPM.

mod guard;
mod limits;
mod mcp;
mod runtime;
mod serve;
mod store_args;
mod web;
mod worker;

use aipm_core::backlog::Backlog;
use aipm_core::domain::ProjectId;
use aipm_core::transfer::ExportFormat;
use clap::{Parser, Subcommand};
use std::io::Write;
use std::path::PathBuf;
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
    /// Serve the API and the web UI (SQLite in the data dir by default),
    /// with code-generation workers in the same process.
    Serve(serve::ServeArgs),
    /// Serve the backlog to MCP clients (Claude Code, Kiro, Codex, …) on
    /// standard input and output, on the same store as `serve`.
    Mcp(mcp::McpArgs),
    /// Run code-generation workers: take jobs from the queue until SIGTERM,
    /// then finish the running ones.
    Worker(worker::WorkerArgs),
    /// Create or upgrade the store (SQLite migrations, or the DynamoDB table)
    /// and its default project.
    Migrate {
        #[command(flatten)]
        store: StoreArgs,
    },
    /// Import a backlog: the original AIPM's table dump, tree backup or story
    /// list, or AIPM's own JSON or CSV export. Prints the report as JSON.
    Import {
        /// The file to import.
        file: PathBuf,
        /// The project to import into.
        #[arg(long, default_value_t = 1)]
        project: u64,
        /// Report what would be imported without writing anything.
        #[arg(long)]
        dry_run: bool,
        #[command(flatten)]
        store: StoreArgs,
    },
    /// Export a project's backlog to standard output (or --output).
    Export {
        #[arg(long, default_value = "json")]
        format: String,
        #[arg(long, default_value_t = 1)]
        project: u64,
        #[arg(long, short)]
        output: Option<PathBuf>,
        #[command(flatten)]
        store: StoreArgs,
    },
}

fn main() -> anyhow::Result<()> {
    // Inside an agent's sandbox this binary is the network relay, nothing else.
    if let Some(code) = aipm_worker::egress::relay_if_asked() {
        std::process::exit(code);
    }
    // Before any thread starts: the secrets leave the environment.
    aipm_core::secrets::take_from_env();
    run()
}

#[tokio::main]
async fn run() -> anyhow::Result<()> {
    // `info` when unset; a value that does not parse stops the start, named.
    let filter = match std::env::var("AIPM_LOG") {
        Ok(value) => tracing_subscriber::EnvFilter::try_new(&value).map_err(|e| {
            anyhow::anyhow!("AIPM_LOG={value}: {e} (for example `info` or `warn,aipm_api=debug`)")
        })?,
        Err(_) => tracing_subscriber::EnvFilter::new("info"),
    };
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .json()
        .with_writer(std::io::stderr)
        .init();
    match Cli::parse().command {
        Command::Serve(args) => serve::serve(args).await?,
        Command::Worker(args) => worker::run(args).await?,
        Command::Mcp(args) => mcp::run(args).await?,
        Command::Migrate { store } => {
            let store = runtime::open(&store, true).await?.store;
            let project = Backlog::new(store.clone()).ensure_default_project().await?;
            println!(
                "{} store is ready; default project {} ({})",
                store.kind(),
                project.id,
                project.name
            );
        }
        Command::Import {
            file,
            project,
            dry_run,
            store,
        } => {
            let bytes = std::fs::read(&file)
                .map_err(|e| anyhow::anyhow!("reading {}: {e}", file.display()))?;
            let backlog = open_backlog(&store).await?;
            let report = backlog.import(&bytes, ProjectId(project), dry_run).await?;
            println!("{}", serde_json::to_string_pretty(&report)?);
        }
        Command::Export {
            format,
            project,
            output,
            store,
        } => {
            let format =
                ExportFormat::parse(&format).map_err(|r| anyhow::anyhow!("--format: {r}"))?;
            let backlog = open_backlog(&store).await?;
            let bytes = backlog.export(ProjectId(project), format).await?;
            match output {
                Some(path) => std::fs::write(&path, bytes)?,
                None => std::io::stdout().write_all(&bytes)?,
            }
        }
    }
    Ok(())
}

async fn open_backlog(store: &StoreArgs) -> anyhow::Result<Backlog> {
    let backlog = Backlog::new(runtime::open(store, true).await?.store);
    backlog.ensure_default_project().await?;
    Ok(backlog)
}
