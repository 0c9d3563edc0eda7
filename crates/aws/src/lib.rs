//! AIPM on AWS: the DynamoDB store (`dynamodb`), the SQS queue (`sqs`) and
//! secrets from SSM (`ssm`), each behind the feature of the same name, so a
//! Lambda function links only the clients its operation uses. All share one
//! SDK configuration (`sdk_config`).

#[cfg(feature = "dynamodb")]
pub mod dynamodb;
#[cfg(feature = "sqs")]
pub mod sqs;
#[cfg(feature = "ssm")]
pub mod ssm;

/// The AWS SDK's shared configuration for DynamoDB and SQS: the rustls/ring
/// HTTP client (the SDKs are built without their default TLS stacks, so
/// without one every call fails with "no HTTP client"; it speaks plain http
/// to a local emulator too), and the region and endpoint when given
/// (an endpoint only for an emulator such as moto).
pub async fn sdk_config(endpoint_url: Option<&str>, region: Option<&str>) -> aws_config::SdkConfig {
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
