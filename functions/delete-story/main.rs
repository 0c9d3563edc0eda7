//! `deleteStory` (DELETE /api/stories/{id}): builds the DynamoDB store, then serves its one endpoint.

use aipm_api::endpoints::DELETE_STORY;

#[tokio::main]
async fn main() -> Result<(), aipm_lambda::Error> {
    let app = aipm_lambda::app().await?;
    aipm_lambda::serve(DELETE_STORY, app).await
}
