//! `createTask` (POST /api/stories/{id}/tasks): builds the DynamoDB store, then serves its one endpoint.

use aipm_api::endpoints::CREATE_TASK;

#[tokio::main]
async fn main() -> Result<(), aipm_lambda::Error> {
    let app = aipm_lambda::app().await?;
    aipm_lambda::serve(CREATE_TASK, app).await
}
