//! `getRun` (GET /api/runs/{runId}): builds the DynamoDB store, then serves its one endpoint.

use aipm_api::endpoints::GET_RUN;

#[tokio::main]
async fn main() -> Result<(), aipm_lambda::Error> {
    let app = aipm_lambda::app().await?;
    aipm_lambda::serve(GET_RUN, app).await
}
