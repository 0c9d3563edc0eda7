//! `exportBacklog` (GET /api/export): builds the DynamoDB store, then serves its one endpoint.

use aipm_api::endpoints::EXPORT_BACKLOG;

#[tokio::main]
async fn main() -> Result<(), aipm_lambda::Error> {
    let app = aipm_lambda::app().await?;
    aipm_lambda::serve(EXPORT_BACKLOG, app).await
}
