//! AIPM's one library: the domain, the rules, the stores and everything the
//! `aipm` binary and the Lambda functions share.

pub mod api;
pub mod backlog;
pub mod codegen;
pub mod config;
pub mod domain;
pub mod error;
pub mod forge;
pub mod quality;
pub mod queue;
pub mod secrets;
pub mod store;
pub mod transfer;

pub use error::{Error, Result};
