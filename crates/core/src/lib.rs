//! AIPM's core: the product's nouns (`domain`), the rules of the backlog
//! (`backlog`), INVEST and Given/When/Then analysis (`quality`), import and
//! export (`transfer`), code-generation orchestration (`codegen`), and the
//! ports the adapters implement — `store::Store`, `queue::Queue`,
//! `forge::Forge`, `quality::llm::Llm`. No AWS, SQLite, HTTP or process type
//! appears here; the adapter crates convert at the edge.

pub mod backlog;
pub mod codegen;
pub mod config;
pub mod domain;
pub mod error;
pub mod forge;
pub mod quality;
pub mod queue;
pub mod retry;
pub mod secret;
pub mod secrets;
pub mod store;
pub mod transfer;

pub use error::{Error, Result};
pub use secret::Secret;
