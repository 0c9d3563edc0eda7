//! JSON Schemas of the tools' arguments. Field names and meanings are the
//! REST API's (docs/openapi.yaml), so a client that knows one knows both.

use aipm_core::domain::{Component, StoryStatus, TestStatus};
use serde_json::{json, Map, Value};

fn labels<T: Copy>(all: &[T], label: fn(T) -> &'static str) -> Vec<&'static str> {
    all.iter().copied().map(label).collect()
}

pub fn id(description: &str) -> Value {
    json!({"type": "integer", "minimum": 1, "description": description})
}

pub fn version() -> Value {
    json!({"type": "integer", "minimum": 0,
        "description": "The version you read; a stale one is refused with VERSION_CONFLICT"})
}

pub fn accept_warnings() -> Value {
    json!({"type": "boolean",
        "description": "Save despite INVEST or measurability warnings (without it they are refused with the warnings listed)"})
}

/// The editable fields of a story.
pub fn story_fields() -> Map<String, Value> {
    let text = |d: &str| json!({"type": "string", "description": d});
    let mut fields = Map::new();
    fields.insert("title".into(), text("Short title (1–200 characters)"));
    fields.insert("description".into(), text("Free text"));
    fields.insert("asA".into(), text("User story: as a …"));
    fields.insert("iWant".into(), text("User story: I want …"));
    fields.insert("soThat".into(), text("User story: so that …"));
    fields.insert(
        "components".into(),
        json!({"type": "array", "items": {"type": "string",
            "enum": labels(Component::ALL, Component::label)}}),
    );
    fields.insert(
        "storyPoint".into(),
        json!({"type": ["integer", "null"], "minimum": 0}),
    );
    fields.insert(
        "assigneeEmail".into(),
        text("An e-mail address, or \"\" for none"),
    );
    fields.insert(
        "status".into(),
        json!({"type": "string", "enum": labels(StoryStatus::ALL, StoryStatus::label)}),
    );
    fields.insert(
        "parentId".into(),
        json!({"type": ["integer", "null"], "minimum": 1, "description": "The parent story; null for a root"}),
    );
    fields.insert("acceptWarnings".into(), accept_warnings());
    fields
}

/// The editable fields of an acceptance test.
pub fn test_fields() -> Map<String, Value> {
    let steps = |d: &str| json!({"type": "array", "items": {"type": "string"}, "minItems": 1, "description": d});
    let mut fields = Map::new();
    fields.insert("title".into(), json!({"type": "string"}));
    fields.insert(
        "given".into(),
        steps("Given: the starting state, one step per item"),
    );
    fields.insert("when".into(), steps("When: the action"));
    fields.insert("then".into(), steps("Then: the measurable outcome"));
    fields.insert("status".into(), test_status());
    fields.insert("acceptWarnings".into(), accept_warnings());
    fields
}

pub fn test_status() -> Value {
    json!({"type": "string", "enum": labels(TestStatus::ALL, TestStatus::label)})
}

/// An object schema with these properties, of which `required` must be given.
pub fn object(properties: Map<String, Value>, required: &[&str]) -> Value {
    json!({"type": "object", "properties": properties, "required": required})
}

/// `extra` added to `fields`.
pub fn with(mut fields: Map<String, Value>, extra: &[(&str, Value)]) -> Map<String, Value> {
    for (name, schema) in extra {
        fields.insert((*name).into(), schema.clone());
    }
    fields
}
