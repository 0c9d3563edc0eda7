//! `version` (GET /api/version): answers from the build alone: it links no store client.

use aipm_api::endpoints::VERSION;

#[tokio::main]
async fn main() -> Result<(), aipm_lambda::Error> {
    let app = aipm_lambda::app_without_store().await?;
    aipm_lambda::serve(VERSION, app).await
}
