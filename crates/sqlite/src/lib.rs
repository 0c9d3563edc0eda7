//! AIPM's embedded shape on SQLite: the store (`SqliteStore`) and the job
//! queue (`EmbeddedQueue`) in one file, sharing one writer connection.

pub mod queue;
mod schema;
pub mod store;

pub use queue::EmbeddedQueue;
pub use store::SqliteStore;

/// The SQLite file inside a data directory.
pub const SQLITE_FILE: &str = "aipm.db";
