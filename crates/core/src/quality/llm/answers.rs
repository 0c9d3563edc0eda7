//! What the model is asked, and checking that what it answers has the right
//! shape before anything of it reaches a story.

use super::LlmError;
use crate::domain::{Component, Warning, TITLE_MAX_CHARS};
use crate::quality::criteria::CRITERIA;
use crate::quality::{StoryDraft, StoryText, TestDraft};
use serde::Deserialize;
use serde_json::{json, Value};

/// The instructions of the INVEST pass. The fixed prompt set
/// (tests/quality/llm) records which prompt its answers belong to.
pub const INVEST_PROMPT: &str = "You review one agile user story against INVEST. \
Flag only real problems a careful agile coach would raise, using these criteria ids: \
well-formed (role, want or benefit blank or a placeholder such as tbd, n/a, none, -), \
independent (waits on other work: a story, ticket, team, release or supplier, in any field), \
negotiable (prescribes the design: technology, code names, SQL, pixels, or locks the design \
as not open to change), valuable (no benefit, nobody named who gains, or a benefit that only \
repeats the want), estimable (admits unknowns, or needs a spike or research first), small \
(too big for an iteration: more than 8 points or epic scope), testable (vague quality without \
a measure in the title, want or description), atomic (several separate goals in the want), \
minimal (notes, criteria or examples in the title or want, or a title over 12 words), unique \
(duplicate). Words of the domain are not problems: a blocked drain, unknown callers, a spike \
in usage, the exact fare. Answer with a JSON object only: {\"summary\": one sentence, \
\"warnings\": [{\"criterion\": id, \"message\": one sentence, \"details\": why, quoting \
the words of the story that show it, \"suggestion\": a concrete rewrite}]}. An empty \
warnings array is a valid answer.";

pub(super) const STORY_DRAFT_PROMPT: &str = "You draft one agile user story from an idea, \
as a child of the parent story when one is given. Keep it small (at most 8 points), one goal, \
no design prescriptions, a real benefit. Answer with a JSON object only: {\"title\": at most \
12 words, \"asA\", \"iWant\", \"soThat\", \"description\", \"storyPoint\": integer or null, \
\"components\": names from [WorkModel, Document_Intelligence, Review_Governance, \
Orchestration_Engagement, Run_Verify, Traceabilty_Insight], \"acceptanceCriteria\": 3 to 5 \
short strings}.";

pub(super) const TEST_DRAFT_PROMPT: &str = "You draft one Given/When/Then acceptance test \
for the story, about the idea when one is given. Every Then step must name an observable \
outcome: a number with a unit, a count, an HTTP status code, a message text in quotes, or a \
named element that appears, disappears or changes state. Answer with a JSON object only: \
{\"title\": string or null, \"given\": [strings], \"when\": [strings], \"then\": [strings]}.";

/// The story as the model sees it.
pub(super) fn story_json(story: &StoryText) -> Value {
    json!({
        "title": story.title,
        "asA": story.as_a,
        "iWant": story.i_want,
        "soThat": story.so_that,
        "description": story.description,
        "storyPoint": story.story_point,
    })
}

/// The JSON object in a Chat Completions answer's first message.
pub fn message_json(completion: Value) -> Result<Value, LlmError> {
    let content = completion
        .pointer("/choices/0/message/content")
        .and_then(Value::as_str)
        .ok_or_else(|| malformed("no choices[0].message.content in the response"))?;
    let value: Value = serde_json::from_str(content.trim())
        .map_err(|e| malformed(format!("the message is not JSON ({e})")))?;
    if value.is_object() {
        Ok(value)
    } else {
        Err(malformed("the message is not a JSON object"))
    }
}

pub(super) fn invest(answer: Value) -> Result<(Vec<Warning>, Option<String>), LlmError> {
    #[derive(Deserialize)]
    struct Answer {
        summary: Option<String>,
        warnings: Vec<Finding>,
    }
    #[derive(Deserialize)]
    struct Finding {
        criterion: String,
        message: String,
        #[serde(default)]
        details: String,
        #[serde(default)]
        suggestion: String,
    }
    let answer: Answer = shape(answer)?;
    let warnings = answer
        .warnings
        .into_iter()
        .map(|f| {
            let criterion = f.criterion.trim().to_lowercase();
            if !CRITERIA.contains(&criterion.as_str()) {
                return Err(malformed(format!("unknown criterion \"{criterion}\"")));
            }
            Ok(Warning {
                criterion,
                message: required(f.message, "message")?,
                details: f.details.trim().to_string(),
                suggestion: f.suggestion.trim().to_string(),
                source: "openai".into(),
            })
        })
        .collect::<Result<_, _>>()?;
    let summary = answer
        .summary
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty());
    Ok((warnings, summary))
}

pub(super) fn story_draft(answer: Value) -> Result<StoryDraft, LlmError> {
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Answer {
        title: String,
        as_a: String,
        i_want: String,
        so_that: String,
        #[serde(default)]
        description: String,
        story_point: Option<u32>,
        #[serde(default)]
        components: Vec<String>,
        acceptance_criteria: Vec<String>,
    }
    let a: Answer = shape(answer)?;
    let title = required(a.title, "title")?;
    if title.chars().count() > TITLE_MAX_CHARS {
        return Err(malformed(format!(
            "title is longer than {TITLE_MAX_CHARS} characters"
        )));
    }
    let criteria: Vec<String> = a
        .acceptance_criteria
        .into_iter()
        .map(|c| c.trim().to_string())
        .filter(|c| !c.is_empty())
        .collect();
    if !(3..=5).contains(&criteria.len()) {
        return Err(malformed(format!(
            "{} acceptance criteria, expected 3 to 5",
            criteria.len()
        )));
    }
    Ok(StoryDraft {
        title,
        as_a: required(a.as_a, "asA")?,
        i_want: required(a.i_want, "iWant")?,
        so_that: required(a.so_that, "soThat")?,
        description: a.description.trim().to_string(),
        story_point: a.story_point,
        components: Component::parse_list(a.components.iter().map(String::as_str))
            .map_err(malformed)?,
        acceptance_criteria: criteria,
    })
}

pub(super) fn test_draft(answer: Value) -> Result<TestDraft, LlmError> {
    #[derive(Deserialize)]
    struct Answer {
        title: Option<String>,
        given: Vec<String>,
        when: Vec<String>,
        then: Vec<String>,
    }
    let a: Answer = shape(answer)?;
    let steps = |steps: Vec<String>, part: &str| -> Result<Vec<String>, LlmError> {
        let steps: Vec<String> = steps.into_iter().map(|s| s.trim().to_string()).collect();
        if steps.is_empty() || steps.iter().any(String::is_empty) {
            return Err(malformed(format!("\"{part}\" needs non-empty steps")));
        }
        Ok(steps)
    };
    Ok(TestDraft {
        title: a
            .title
            .map(|t| t.trim().chars().take(TITLE_MAX_CHARS).collect::<String>())
            .filter(|t| !t.is_empty()),
        given: steps(a.given, "given")?,
        when: steps(a.when, "when")?,
        then: steps(a.then, "then")?,
    })
}

fn shape<T: serde::de::DeserializeOwned>(answer: Value) -> Result<T, LlmError> {
    serde_json::from_value(answer).map_err(|e| malformed(format!("unexpected shape ({e})")))
}

fn required(value: String, field: &str) -> Result<String, LlmError> {
    let value = value.trim().to_string();
    if value.is_empty() {
        Err(malformed(format!("\"{field}\" is empty")))
    } else {
        Ok(value)
    }
}

fn malformed(reason: impl Into<String>) -> LlmError {
    LlmError::Malformed(reason.into())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn completion(content: &str) -> Value {
        json!({ "choices": [{ "message": { "role": "assistant", "content": content } }] })
    }

    #[test]
    fn the_message_must_be_a_json_object() {
        assert!(message_json(completion("{\"a\": 1}")).is_ok());
        for bad in ["not json", "[1, 2]", ""] {
            assert!(
                matches!(message_json(completion(bad)), Err(LlmError::Malformed(_))),
                "{bad}"
            );
        }
        assert!(message_json(json!({ "choices": [] })).is_err());
    }

    #[test]
    fn invest_findings_are_checked_and_marked_as_the_models() {
        let (warnings, summary) = invest(json!({
            "summary": " One concern. ",
            "warnings": [{ "criterion": "Small", "message": "Too big.", "suggestion": "Split it." }]
        }))
        .unwrap();
        assert_eq!(summary.as_deref(), Some("One concern."));
        assert_eq!(warnings[0].criterion, "small");
        assert_eq!(warnings[0].source, "openai");
        for bad in [
            json!({ "warnings": [{ "criterion": "vibes", "message": "x" }] }),
            json!({ "warnings": [{ "criterion": "small", "message": " " }] }),
            json!({ "summary": "no list" }),
        ] {
            assert!(invest(bad.clone()).is_err(), "{bad}");
        }
    }

    #[test]
    fn drafts_need_their_fields() {
        let story = json!({
            "title": "Export the audit log", "asA": "compliance officer",
            "iWant": "to export the audit log as CSV", "soThat": "I can hand it to auditors",
            "storyPoint": 3, "components": ["Review_Governance"],
            "acceptanceCriteria": ["a", "b", "c"]
        });
        assert_eq!(
            story_draft(story.clone()).unwrap().components,
            [Component::ReviewGovernance]
        );
        let mut too_few = story.clone();
        too_few["acceptanceCriteria"] = json!(["a"]);
        assert!(story_draft(too_few).is_err());
        let mut unknown = story;
        unknown["components"] = json!(["Billing"]);
        assert!(story_draft(unknown).is_err());

        let test = json!({ "title": null, "given": ["a shopper"], "when": ["they pay"], "then": ["the total shows $4"] });
        assert_eq!(test_draft(test).unwrap().title, None);
        let blank = json!({ "given": ["a"], "when": [" "], "then": ["b"], "title": "t" });
        assert!(test_draft(blank).is_err());
    }
}
