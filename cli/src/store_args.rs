//! The flags that choose a store, shared by every subcommand that opens one.

use clap::{Args, ValueEnum};
use std::path::PathBuf;

#[derive(Clone, Copy, Debug, ValueEnum, PartialEq, Eq)]
pub enum StoreKind {
    Sqlite,
    Dynamodb,
}

#[derive(Args, Debug, Clone)]
pub struct StoreArgs {
    /// Which store to use.
    #[arg(long, env = "AIPM_STORE", value_enum, default_value = "sqlite")]
    pub store: StoreKind,
    /// Directory of the SQLite file (sqlite store).
    #[arg(long, env = "AIPM_DATA_DIR", default_value = ".aipm")]
    pub data_dir: PathBuf,
    /// DynamoDB table name (dynamodb store).
    #[arg(long, env = "AIPM_TABLE")]
    pub table: Option<String>,
    /// DynamoDB endpoint, for an emulator such as moto's server.
    #[arg(long, env = "AIPM_DYNAMODB_ENDPOINT")]
    pub dynamodb_endpoint: Option<String>,
    /// AWS region (otherwise the SDK's usual sources).
    #[arg(long, env = "AWS_REGION")]
    pub region: Option<String>,
}
