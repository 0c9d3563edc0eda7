//! `generateCode` (POST /api/stories/{id}/generate-code): builds the DynamoDB store and code generation (queue and forges), then serves its one endpoint.

use aipm_api::endpoints::GENERATE_CODE;

#[tokio::main]
async fn main() -> Result<(), aipm_lambda::Error> {
    let app = aipm_lambda::app().await?;
    let codegen = aipm_lambda::codegen(&app.backlog).await?;
    let app = app.with_codegen(Some(codegen));
    aipm_lambda::serve(GENERATE_CODE, app).await
}
