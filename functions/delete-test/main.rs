//! `deleteTest` (DELETE /api/tests/{id}): builds the DynamoDB store, then serves its one endpoint.

use aipm_api::endpoints::DELETE_TEST;

#[tokio::main]
async fn main() -> Result<(), aipm_lambda::Error> {
    let app = aipm_lambda::app().await?;
    aipm_lambda::serve(DELETE_TEST, app).await
}
