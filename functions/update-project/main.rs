//! `updateProject` (PATCH /api/projects/{id}): builds the DynamoDB store, then serves its one endpoint.

use aipm_api::endpoints::UPDATE_PROJECT;

#[tokio::main]
async fn main() -> Result<(), aipm_lambda::Error> {
    let app = aipm_lambda::app().await?;
    aipm_lambda::serve(UPDATE_PROJECT, app).await
}
