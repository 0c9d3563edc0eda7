//! `cancelRun` (POST /api/runs/{runId}/cancel): builds the DynamoDB store, then serves its one endpoint.

use aipm_api::endpoints::CANCEL_RUN;

#[tokio::main]
async fn main() -> Result<(), aipm_lambda::Error> {
    let app = aipm_lambda::app().await?;
    aipm_lambda::serve(CANCEL_RUN, app).await
}
