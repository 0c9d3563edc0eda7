//! `listRuns` (GET /api/stories/{id}/runs): builds the DynamoDB store, then serves its one endpoint.

use aipm_api::endpoints::LIST_RUNS;

#[tokio::main]
async fn main() -> Result<(), aipm_lambda::Error> {
    let app = aipm_lambda::app().await?;
    aipm_lambda::serve(LIST_RUNS, app).await
}
