//! Secrets from SSM SecureString parameters, read once at start-up.

use aipm_core::error::Result;

/// A secret read at start-up from an SSM SecureString parameter named by the
/// environment variable `name_var` (e.g. AIPM_GITHUB_TOKEN_PARAM), or taken
/// from `value_var` itself (e.g. AIPM_GITHUB_TOKEN) where no parameter is
/// named. The deployment passes parameter names only, so no secret is ever a
/// plain environment value there.
pub async fn secret_from_env_or_ssm(
    value_var: &str,
    name_var: &str,
) -> Result<Option<aipm_core::Secret>> {
    if let Some(name) = std::env::var(name_var).ok().filter(|n| !n.is_empty()) {
        let sdk = crate::config_for(
            std::env::var("AIPM_SSM_ENDPOINT")
                .ok()
                .filter(|e| !e.is_empty())
                .as_deref(),
            std::env::var("AWS_REGION").ok().as_deref(),
        )
        .await;
        let client = aws_sdk_ssm::Client::new(&sdk);
        let out = client
            .get_parameter()
            .name(&name)
            .with_decryption(true)
            .send()
            .await
            .map_err(|e| {
                use aws_sdk_ssm::error::{ProvideErrorMetadata, SdkError};
                let construction = matches!(e, SdkError::ConstructionFailure(_));
                let code = match &e {
                    SdkError::ServiceError(service) => service.err().code().map(str::to_string),
                    _ => None,
                };
                crate::sdk_failure(
                    format!("reading SSM parameter {name}"),
                    construction,
                    code.as_deref(),
                    aws_sdk_ssm::error::DisplayErrorContext(e).to_string(),
                )
            })?;
        let value = out
            .parameter
            .and_then(|p| p.value)
            .filter(|v| !v.is_empty());
        return Ok(value.map(aipm_core::Secret::new));
    }
    Ok(aipm_core::secrets::var(value_var)
        .filter(|v| !v.is_empty())
        .map(aipm_core::Secret::new))
}
