//! Where AIPM keeps its data, from flags and environment, and opening it.

use crate::error::Result;
use crate::store::dynamodb::{DynamoConfig, DynamoStore};
use crate::store::sqlite::SqliteStore;
use crate::store::Store;
use std::path::PathBuf;
use std::sync::Arc;

/// The SQLite file inside a data directory.
pub const SQLITE_FILE: &str = "aipm.db";

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StoreConfig {
    /// The embedded store: `<data_dir>/aipm.db`.
    Sqlite { data_dir: PathBuf },
    /// DynamoDB (or an emulator when `endpoint_url` is set).
    Dynamodb(DynamoConfig),
}

impl StoreConfig {
    /// DynamoDB settings from the environment, as the Lambda functions and
    /// workers get them: `AIPM_TABLE` (required), `AIPM_DYNAMODB_ENDPOINT`
    /// (emulators only) and the SDK's own `AWS_REGION`.
    pub fn dynamodb_from_env() -> std::result::Result<Self, String> {
        let table = std::env::var("AIPM_TABLE").map_err(|_| "AIPM_TABLE is not set".to_string())?;
        Ok(StoreConfig::Dynamodb(DynamoConfig {
            table,
            endpoint_url: std::env::var("AIPM_DYNAMODB_ENDPOINT")
                .ok()
                .filter(|s| !s.is_empty()),
            region: std::env::var("AWS_REGION").ok().filter(|s| !s.is_empty()),
        }))
    }

    /// Open the store, bringing its schema up to date (SQLite migrations;
    /// for DynamoDB, `create_table` when `create` is set — in AWS the
    /// deployment creates the table).
    pub async fn open(&self, create: bool) -> Result<Arc<dyn Store>> {
        Ok(match self {
            StoreConfig::Sqlite { data_dir } => {
                Arc::new(SqliteStore::open(data_dir.join(SQLITE_FILE))?)
            }
            StoreConfig::Dynamodb(config) => {
                let store = DynamoStore::connect(config).await?;
                if create {
                    store.create_table().await?;
                }
                Arc::new(store)
            }
        })
    }
}

/// The AWS SDK's shared configuration for DynamoDB and SQS: the rustls/ring
/// HTTP client (the SDKs are built without their default TLS stacks, so
/// without one every call fails with "no HTTP client"; it speaks plain http
/// to a local emulator too), and the region and endpoint when given
/// (an endpoint only for an emulator such as moto).
pub async fn aws_sdk_config(
    endpoint_url: Option<&str>,
    region: Option<&str>,
) -> aws_config::SdkConfig {
    let http = aws_smithy_http_client::Builder::new()
        .tls_provider(aws_smithy_http_client::tls::Provider::Rustls(
            aws_smithy_http_client::tls::rustls_provider::CryptoMode::Ring,
        ))
        .build_https();
    let mut loader = aws_config::defaults(aws_config::BehaviorVersion::latest()).http_client(http);
    if let Some(region) = region {
        loader = loader.region(aws_config::Region::new(region.to_string()));
    }
    if let Some(endpoint) = endpoint_url {
        loader = loader.endpoint_url(endpoint);
    }
    loader.load().await
}

/// A secret read at start-up from an SSM SecureString parameter named by the
/// environment variable `name_var` (e.g. AIPM_GITHUB_TOKEN_PARAM), or taken
/// from `value_var` itself (e.g. AIPM_GITHUB_TOKEN) where no parameter is
/// named. The deployment passes parameter names only, so no secret is ever a
/// plain environment value there.
pub async fn secret_from_env_or_ssm(
    value_var: &str,
    name_var: &str,
) -> Result<Option<crate::api::Secret>> {
    if let Some(name) = std::env::var(name_var).ok().filter(|n| !n.is_empty()) {
        let sdk = aws_sdk_config(None, std::env::var("AWS_REGION").ok().as_deref()).await;
        let client = aws_sdk_ssm::Client::new(&sdk);
        let out = client
            .get_parameter()
            .name(&name)
            .with_decryption(true)
            .send()
            .await
            .map_err(|e| {
                crate::error::Error::internal(
                    format!("reading SSM parameter {name}"),
                    aws_sdk_ssm::error::DisplayErrorContext(e).to_string(),
                )
            })?;
        let value = out
            .parameter
            .and_then(|p| p.value)
            .filter(|v| !v.is_empty());
        return Ok(value.map(crate::api::Secret::new));
    }
    Ok(crate::secrets::var(value_var)
        .filter(|v| !v.is_empty())
        .map(crate::api::Secret::new))
}
