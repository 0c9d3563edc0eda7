//! `addDependency` (POST /api/stories/{id}/dependencies): builds the DynamoDB store, then serves its one endpoint.

use aipm_api::endpoints::ADD_DEPENDENCY;

#[tokio::main]
async fn main() -> Result<(), aipm_lambda::Error> {
    let app = aipm_lambda::app().await?;
    aipm_lambda::serve(ADD_DEPENDENCY, app).await
}
