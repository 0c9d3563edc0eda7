//! `retryRun` (POST /api/runs/{runId}/retry): builds the DynamoDB store and the job queue, then serves its one endpoint.

use aipm_api::endpoints::RETRY_RUN;

#[tokio::main]
async fn main() -> Result<(), aipm_lambda::Error> {
    let app = aipm_lambda::app()
        .await?
        .with_queue(aipm_lambda::queue().await?);
    aipm_lambda::serve(RETRY_RUN, app).await
}
