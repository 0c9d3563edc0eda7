//! AIPM on AWS: the DynamoDB store (`dynamodb`), the SQS queue (`sqs`) and
//! secrets from SSM (`ssm`), each behind the feature of the same name, so a
//! Lambda function links only the clients its operation uses. All share one
//! SDK configuration (`shared_config`).

#[cfg(feature = "dynamodb")]
pub mod dynamodb;
#[cfg(feature = "sqs")]
pub mod sqs;
#[cfg(feature = "ssm")]
pub mod ssm;

/// The AWS SDK's configuration, loaded once per process and shared by every
/// client (DynamoDB, SQS, SSM): one credentials provider and its cache, one
/// region, one HTTP client — the rustls/ring one (the SDKs are built without
/// their default TLS stacks, so without it every call fails with "no HTTP
/// client"; it speaks plain http to a local emulator too). Each client sets
/// its own endpoint, for an emulator only (`endpoint_for`).
pub async fn shared_config(region: Option<&str>) -> aws_config::SdkConfig {
    use std::collections::HashMap;
    use std::sync::Mutex;
    // Keyed by region: a process has one, but tests name theirs.
    static LOADED: Mutex<Option<HashMap<Option<String>, aws_config::SdkConfig>>> = Mutex::new(None);
    let key = region.map(str::to_string);
    if let Some(config) = LOADED
        .lock()
        .expect("the SDK configuration lock")
        .get_or_insert_with(HashMap::new)
        .get(&key)
    {
        return config.clone();
    }
    let http = aws_smithy_http_client::Builder::new()
        .tls_provider(aws_smithy_http_client::tls::Provider::Rustls(
            aws_smithy_http_client::tls::rustls_provider::CryptoMode::Ring,
        ))
        .build_https();
    let mut loader = aws_config::defaults(aws_config::BehaviorVersion::latest()).http_client(http);
    if let Some(region) = region {
        loader = loader.region(aws_config::Region::new(region.to_string()));
    }
    let config = loader.load().await;
    // Two first callers may both load; either result serves.
    LOADED
        .lock()
        .expect("the SDK configuration lock")
        .get_or_insert_with(HashMap::new)
        .entry(key)
        .or_insert(config)
        .clone()
}

/// The shared configuration with a client's own endpoint, when one is given
/// (an emulator such as moto).
#[cfg(any(feature = "dynamodb", feature = "sqs", feature = "ssm"))]
pub(crate) async fn config_for(
    endpoint_url: Option<&str>,
    region: Option<&str>,
) -> aws_config::SdkConfig {
    let shared = shared_config(region).await;
    match endpoint_url {
        Some(endpoint) => shared.into_builder().endpoint_url(endpoint).build(),
        None => shared,
    }
}

/// An SDK call's failure as AIPM's error, retryable unless it cannot pass by
/// itself: a request that could not be built, or a service error whose code
/// says the credentials, the permissions, the request or the resource are
/// wrong. `service_code` is the error code of a service error, `None` for
/// timeouts, dispatch and response failures (all worth trying again).
#[cfg(any(feature = "dynamodb", feature = "sqs", feature = "ssm"))]
pub(crate) fn sdk_failure(
    context: impl Into<String>,
    construction: bool,
    service_code: Option<&str>,
    message: String,
) -> aipm_core::Error {
    if construction || service_code.is_some_and(is_permanent) {
        aipm_core::Error::permanent(context, message)
    } else {
        aipm_core::Error::internal(context, message)
    }
}

/// Service error codes (DynamoDB, SQS, SSM) that repeat on every try.
fn is_permanent(code: &str) -> bool {
    matches!(
        code,
        "AccessDeniedException"
            | "AccessDenied"
            | "UnrecognizedClientException"
            | "InvalidClientTokenId"
            | "InvalidSignatureException"
            | "MissingAuthenticationToken"
            | "IncompleteSignature"
            | "ValidationException"
            | "ResourceNotFoundException"
            | "ParameterNotFound"
            | "AWS.SimpleQueueService.NonExistentQueue"
            | "QueueDoesNotExist"
            | "InvalidParameterValue"
            | "KMSAccessDeniedException"
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn access_denied_is_not_retryable_and_throttling_is() {
        let denied =
            super::sdk_failure("reading", false, Some("AccessDeniedException"), "no".into());
        let throttled =
            super::sdk_failure("reading", false, Some("ThrottlingException"), "slow".into());
        let timeout = super::sdk_failure("reading", false, None, "timed out".into());
        let unbuildable = super::sdk_failure("reading", true, None, "bad".into());
        assert!(!denied.is_retryable());
        assert!(throttled.is_retryable());
        assert!(timeout.is_retryable());
        assert!(!unbuildable.is_retryable());
    }
}
