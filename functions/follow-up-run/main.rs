//! `followUpRun` (POST /api/runs/{runId}/follow-up): builds the DynamoDB store and the job queue, then serves its one endpoint.

use aipm_api::endpoints::FOLLOW_UP_RUN;

#[tokio::main]
async fn main() -> Result<(), aipm_lambda::Error> {
    let app = aipm_lambda::app()
        .await?
        .with_queue(aipm_lambda::queue().await?);
    aipm_lambda::serve(FOLLOW_UP_RUN, app).await
}
