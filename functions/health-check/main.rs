//! `healthCheck` (GET /api/health, GET /health): builds the DynamoDB store and the job queue, then serves its one endpoint.

use aipm_api::endpoints::HEALTH_CHECK;

#[tokio::main]
async fn main() -> Result<(), aipm_lambda::Error> {
    let app = aipm_lambda::app()
        .await?
        .with_queue(aipm_lambda::queue().await?);
    aipm_lambda::serve(HEALTH_CHECK, app).await
}
