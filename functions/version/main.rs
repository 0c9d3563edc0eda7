//! `version` (GET /api/version): answers from the build alone; its store makes no call.

use aipm_api::endpoints::VERSION;

#[tokio::main]
async fn main() -> Result<(), aipm_lambda::Error> {
    let app = aipm_lambda::app_without_store_calls().await?;
    aipm_lambda::serve(VERSION, app).await
}
