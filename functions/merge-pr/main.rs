//! `mergePr` (POST /api/stories/{id}/prs/{number}/merge): builds the DynamoDB store and the forges, then serves its one endpoint.

use aipm_api::endpoints::MERGE_PR;

#[tokio::main]
async fn main() -> Result<(), aipm_lambda::Error> {
    let app = aipm_lambda::app()
        .await?
        .with_forge(aipm_lambda::forge().await?);
    aipm_lambda::serve(MERGE_PR, app).await
}
