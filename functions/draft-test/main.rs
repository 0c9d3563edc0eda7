//! `draftTest` (POST /api/stories/{id}/tests/draft): builds the DynamoDB store and the LLM, then serves its one endpoint.

use aipm_api::endpoints::DRAFT_TEST;

#[tokio::main]
async fn main() -> Result<(), aipm_lambda::Error> {
    let app = aipm_lambda::app()
        .await?
        .with_llm(aipm_lambda::llm().await?);
    aipm_lambda::serve(DRAFT_TEST, app).await
}
