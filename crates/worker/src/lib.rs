//! The code-generation worker (DESIGN §6): takes a job from the queue, checks
//! the branch out in a scratch directory, runs the coding agent there as a
//! child process in its own process group, verifies, commits, pushes and
//! reports back through `aipm_core::codegen::CodeGen`.

pub mod egress;
mod git;
pub mod mcp_config;
mod process;
mod sandbox;
mod worker;

pub use worker::{Worker, WorkerConfig};
