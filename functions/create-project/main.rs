//! `createProject` (POST /api/projects): builds the DynamoDB store, then serves its one endpoint.

use aipm_api::endpoints::CREATE_PROJECT;

#[tokio::main]
async fn main() -> Result<(), aipm_lambda::Error> {
    let app = aipm_lambda::app().await?;
    aipm_lambda::serve(CREATE_PROJECT, app).await
}
