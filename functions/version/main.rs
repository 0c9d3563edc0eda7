//! `version` (GET /api/version): builds the DynamoDB store, then serves its one endpoint.

use aipm_api::endpoints::VERSION;

#[tokio::main]
async fn main() -> Result<(), aipm_lambda::Error> {
    let app = aipm_lambda::app().await?;
    aipm_lambda::serve(VERSION, app).await
}
