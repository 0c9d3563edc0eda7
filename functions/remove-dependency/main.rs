//! `removeDependency` (DELETE /api/stories/{id}/dependencies/{dependsOnId}): builds the DynamoDB store, then serves its one endpoint.

use aipm_api::endpoints::REMOVE_DEPENDENCY;

#[tokio::main]
async fn main() -> Result<(), aipm_lambda::Error> {
    let app = aipm_lambda::app().await?;
    aipm_lambda::serve(REMOVE_DEPENDENCY, app).await
}
