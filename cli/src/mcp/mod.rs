//! `aipm mcp`: the backlog as a Model Context Protocol server, so coding
//! assistants (Claude Code, Kiro, Codex, …) can read and work it. Over stdio
//! here; over streamable HTTP at `/mcp` of `aipm serve` (`http`); and, scoped
//! to one story, for the coding agent of a run (`agent`). Every tool is an
//! API operation answered by the API's handler (docs/mcp.md).

pub mod agent;
mod args;
mod call;
pub mod http;
pub mod policy;
mod schema;
mod server;
mod tools;

pub use server::{AipmMcp, Policies};

use crate::store_args::StoreArgs;
use aipm_api::{ApiConfig, App};
use aipm_core::backlog::Backlog;
use clap::builder::BoolishValueParser;
use clap::Args;
use policy::Policy;
use rmcp::ServiceExt;
use std::sync::Arc;

#[derive(Args, Debug)]
pub struct McpArgs {
    #[command(flatten)]
    pub store: StoreArgs,
    /// Offer only the tools that read; writes are refused.
    #[arg(long, env = "AIPM_MCP_READ_ONLY", value_parser = BoolishValueParser::new())]
    pub read_only: bool,
    /// Offer only these tools (comma-separated names; default: all).
    #[arg(long, env = "AIPM_MCP_TOOLS", value_delimiter = ',')]
    pub tools: Vec<String>,
    /// Where users reach AIPM, for links in TASK.md of the runs started here.
    #[arg(long, env = "AIPM_PUBLIC_URL")]
    pub public_url: Option<String>,
}

/// The policy of the `/mcp` endpoint of `aipm serve`.
#[derive(Args, Debug)]
pub struct ServeMcpArgs {
    /// `/mcp`: offer only the tools that read.
    #[arg(long = "mcp-read-only", env = "AIPM_MCP_READ_ONLY", value_parser = BoolishValueParser::new())]
    pub read_only: bool,
    /// `/mcp`: offer only these tools (comma-separated names).
    #[arg(long = "mcp-tools", env = "AIPM_MCP_TOOLS", value_delimiter = ',')]
    pub tools: Vec<String>,
}

impl ServeMcpArgs {
    pub fn policy(&self) -> anyhow::Result<Policy> {
        Policy::new(self.read_only, &self.tools)
    }
}

/// Serve MCP on standard input and output until the client closes it.
/// Runs started here are queued in the store's queue; the workers of
/// `aipm serve` or `aipm worker` on the same store run them.
pub async fn run(args: McpArgs) -> anyhow::Result<()> {
    let policy = Policy::new(args.read_only, &args.tools)?;
    let runtime = crate::runtime::open(&args.store, true).await?;
    let backlog = Backlog::new(runtime.store.clone());
    backlog.ensure_default_project().await?;
    let codegen = match runtime.queue.clone() {
        Some(queue) => {
            Some(crate::runtime::codegen(backlog.clone(), queue, args.public_url.clone()).await?)
        }
        None => None,
    };
    let app = App::new(backlog, ApiConfig::default())
        .with_llm(crate::runtime::llm().await?)
        .with_codegen(codegen);
    let server = AipmMcp::new(app, Policies::Fixed(Arc::new(policy)));
    tracing::info!("MCP server on stdio");
    let running = server.serve(rmcp::transport::stdio()).await?;
    running.waiting().await?;
    Ok(())
}
