//! The LLM port: one JSON request, one JSON answer. The prompts and the
//! reading of the answers are here, once; an adapter (`aipm-llm`) only
//! carries a request to an endpoint and back.

use super::{answers, LlmError};
use crate::domain::Warning;
use crate::quality::{StoryDraft, StoryText, TestDraft};
use async_trait::async_trait;
use serde_json::{json, Value};

/// A chat model that answers a request with one JSON object.
#[async_trait]
pub trait Llm: Send + Sync {
    /// The model's name, as reported in analyses and health.
    fn model(&self) -> &str;

    /// The JSON object the model answered `request` with, following
    /// `instructions`.
    async fn ask(&self, instructions: &str, request: &Value) -> Result<Value, LlmError>;
}

impl dyn Llm + '_ {
    /// INVEST findings (source "openai") and the model's one-line summary.
    pub async fn invest_warnings(
        &self,
        story: &StoryText<'_>,
    ) -> Result<(Vec<Warning>, Option<String>), LlmError> {
        let answer = self
            .ask(answers::INVEST_PROMPT, &answers::story_json(story))
            .await?;
        answers::invest(answer)
    }

    pub async fn draft_story(
        &self,
        idea: &str,
        parent: Option<&StoryText<'_>>,
    ) -> Result<StoryDraft, LlmError> {
        let request = json!({ "idea": idea, "parent": parent.map(answers::story_json) });
        let answer = self.ask(answers::STORY_DRAFT_PROMPT, &request).await?;
        answers::story_draft(answer)
    }

    pub async fn draft_test(
        &self,
        story: &StoryText<'_>,
        idea: Option<&str>,
    ) -> Result<TestDraft, LlmError> {
        let request = json!({ "story": answers::story_json(story), "idea": idea });
        let answer = self.ask(answers::TEST_DRAFT_PROMPT, &request).await?;
        answers::test_draft(answer)
    }
}
