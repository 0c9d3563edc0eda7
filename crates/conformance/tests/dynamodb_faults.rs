//! How DynamoDB's failures reach the rest of AIPM: a fault that cannot pass
//! by itself is not worth a retry (the worker does not redeliver its job).

mod support;

use aipm_aws::dynamodb::{DynamoConfig, DynamoStore};
use aipm_core::domain::StoryId;
use aipm_core::store::Store;

#[tokio::test]
async fn given_a_table_that_does_not_exist_when_reading_then_the_error_is_not_retryable() {
    std::env::set_var("AWS_ACCESS_KEY_ID", "testing");
    std::env::set_var("AWS_SECRET_ACCESS_KEY", "testing");
    let store = DynamoStore::connect(&DynamoConfig {
        table: support::unique_name("aipm-missing"),
        endpoint_url: Some(support::dynamodb_endpoint()),
        region: Some("us-east-1".into()),
    })
    .await
    .unwrap();

    let error = store.get_story(StoryId(1)).await.unwrap_err();

    assert!(
        format!("{error}").contains("ResourceNotFoundException"),
        "{error}"
    );
    assert!(!error.is_retryable(), "{error}");
}
