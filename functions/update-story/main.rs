//! `updateStory` (PATCH /api/stories/{id}, PUT /api/stories/{id}): builds the DynamoDB store, then serves its one endpoint.

use aipm_api::endpoints::UPDATE_STORY;

#[tokio::main]
async fn main() -> Result<(), aipm_lambda::Error> {
    let app = aipm_lambda::app().await?;
    aipm_lambda::serve(UPDATE_STORY, app).await
}
