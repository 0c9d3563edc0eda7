//! INVEST health checks and AI drafts: the LLM when one is configured, the
//! deterministic template otherwise or when the LLM fails (said in `source`
//! and `error`).

use crate::input::{Body, Input};
use crate::{ApiError, App, Request, Response};
use aipm_core::backlog::NewTest;
use aipm_core::domain::{Steps, StoryId, TestStatus, Title};
use aipm_core::quality::{self, StoryText, TestDraft};
use http::StatusCode;
use serde_json::json;

/// Where a draft came from: `openai`, `template`, or `fallback` (the LLM
/// failed; `error` says why).
struct Origin {
    source: &'static str,
    error: Option<String>,
}

fn to_new_test(draft: &TestDraft) -> Option<NewTest> {
    Some(NewTest {
        title: draft.title.as_deref().and_then(|t| Title::parse(t).ok()),
        given: Steps::parse(draft.given.clone()).ok()?,
        when: Steps::parse(draft.when.clone()).ok()?,
        then: Steps::parse(draft.then.clone()).ok()?,
        status: TestStatus::Draft,
    })
}

/// A test drafted for `story`: by the LLM when configured and its answer is
/// usable, else from the template.
pub(super) async fn draft_test_for(
    app: &App,
    story: &StoryText<'_>,
    idea: Option<&str>,
) -> (NewTest, TestDraftOrigin) {
    let mut error = None;
    if let Some(llm) = &app.llm {
        match llm.draft_test(story, idea).await {
            Ok(draft) => match to_new_test(&draft) {
                Some(test) => {
                    return (
                        test,
                        TestDraftOrigin(Origin {
                            source: "openai",
                            error: None,
                        }),
                    )
                }
                None => {
                    error = Some("the LLM's draft had an empty Given, When or Then".to_string())
                }
            },
            Err(e) => error = Some(e.to_string()),
        }
    }
    let template = quality::template_test_draft(story, idea);
    let test = to_new_test(&template).expect("template drafts have every step");
    let source = if error.is_some() {
        "fallback"
    } else {
        "template"
    };
    (test, TestDraftOrigin(Origin { source, error }))
}

/// Where a drafted test came from.
pub(super) struct TestDraftOrigin(Origin);

/// `POST /api/stories/{id}/health-check` `{includeAiInvest}`: recompute and
/// store the story's INVEST analysis.
pub async fn check_story(app: &App, req: &Request) -> Input<Response> {
    let id = StoryId(req.id_param("id")?);
    let body = Body::parse(req)?;
    let include_ai = body.bool("includeAiInvest")?;
    let story = app.backlog.story_view(id).await?.story;
    let siblings = app.backlog.siblings_of(&story).await?;
    let others: Vec<StoryText> = siblings.iter().map(StoryText::of).collect();
    let text = StoryText::of(&story);
    let analysis = if include_ai {
        let mut analysis = quality::analyze_with_llm(&text, &others, app.llm.as_deref()).await;
        if app.llm.is_none() {
            analysis.source = "fallback".into();
            analysis.used_fallback = true;
            analysis.error =
                Some("no LLM is configured (set AIPM_LLM_BASE_URL and AIPM_LLM_MODEL)".into());
            analysis.fallback_warnings = analysis.warnings.clone();
        }
        analysis
    } else {
        quality::heuristic_analysis(&text, &others)
    };
    app.backlog
        .record_analysis(id, story.version, analysis)
        .await?;
    Ok(Response::json(
        StatusCode::OK,
        &app.backlog.story_view(id).await?,
    ))
}

/// `POST /api/stories/draft` `{idea, parentId}`.
pub async fn draft_story(app: &App, req: &Request) -> Input<Response> {
    let body = Body::parse(req)?;
    let idea = body.text("idea")?.unwrap_or_default();
    if idea.trim().is_empty() {
        return Err(ApiError::invalid(
            "idea",
            "is required: describe the story in a few words",
        ));
    }
    let parent = match body.id("parentId")?.flatten() {
        Some(p) => Some(
            app.backlog
                .story_view(StoryId(p))
                .await
                .map_err(|_| ApiError::invalid("parentId", format!("story {p} does not exist")))?
                .story,
        ),
        None => None,
    };
    let parent_text = parent.as_ref().map(StoryText::of);
    let mut origin = Origin {
        source: "template",
        error: None,
    };
    let mut draft = None;
    if let Some(llm) = &app.llm {
        match llm.draft_story(&idea, parent_text.as_ref()).await {
            Ok(d) => {
                draft = Some(d);
                origin.source = "openai";
            }
            Err(e) => {
                origin = Origin {
                    source: "fallback",
                    error: Some(e.to_string()),
                }
            }
        }
    }
    let draft = draft.unwrap_or_else(|| quality::template_story_draft(&idea, parent_text.as_ref()));
    let mut out = serde_json::to_value(&draft).expect("drafts serialize");
    out["parentId"] = json!(parent.map(|p| p.id));
    out["source"] = json!(origin.source);
    out["error"] = json!(origin.error);
    Ok(Response::json(StatusCode::OK, &out))
}

/// `POST /api/stories/{id}/tests/draft` `{idea}`: a proposed test, not saved.
pub async fn draft_test(app: &App, req: &Request) -> Input<Response> {
    let id = StoryId(req.id_param("id")?);
    let body = Body::parse(req)?;
    let idea = body.text("idea")?.filter(|i| !i.trim().is_empty());
    let story = app.backlog.story_view(id).await?.story;
    let (test, TestDraftOrigin(origin)) =
        draft_test_for(app, &StoryText::of(&story), idea.as_deref()).await;
    let out = json!({
        "storyId": id,
        "title": test.title,
        "given": test.given,
        "when": test.when,
        "then": test.then,
        "status": test.status,
        "source": origin.source,
        "error": origin.error,
    });
    Ok(Response::json(StatusCode::OK, &out))
}
