//! `importBacklog` (POST /api/import): builds the DynamoDB store, then serves its one endpoint.

use aipm_api::endpoints::IMPORT_BACKLOG;

#[tokio::main]
async fn main() -> Result<(), aipm_lambda::Error> {
    let app = aipm_lambda::app().await?;
    aipm_lambda::serve(IMPORT_BACKLOG, app).await
}
