//! AIPM's CSV: one row per story (RFC 4180), with the story's acceptance
//! tests, tasks and outgoing links as JSON in their own columns, so that a
//! CSV export can be imported again without loss.

use super::source::{Format, Record, Source};
use crate::backlog::StoryView;
use crate::error::{Error, Result};
use serde_json::{json, Map, Value};

pub const COLUMNS: &[&str] = &[
    "id",
    "parentId",
    "projectId",
    "title",
    "description",
    "asA",
    "iWant",
    "soThat",
    "components",
    "storyPoint",
    "assigneeEmail",
    "status",
    "createdAt",
    "updatedAt",
    "version",
    "dependencies",
    "acceptanceTests",
    "tasks",
];

/// Write every story of a flat list as a row.
pub fn write(stories: &[StoryView]) -> Result<Vec<u8>> {
    let mut out = csv::Writer::from_writer(Vec::new());
    let fail = |e: csv::Error| Error::internal("writing CSV", e);
    out.write_record(COLUMNS).map_err(fail)?;
    for view in stories {
        let s = &view.story;
        let components: Vec<&str> = s.components.iter().map(|c| c.label()).collect();
        let links: Vec<Value> = view
            .dependencies
            .iter()
            .map(|d| json!({"storyId": d.story_id, "relationship": d.relationship}))
            .collect();
        let tests: Vec<&crate::domain::AcceptanceTest> =
            view.acceptance_tests.iter().map(|t| &t.test).collect();
        let row = [
            s.id.to_string(),
            s.parent_id.map(|p| p.to_string()).unwrap_or_default(),
            s.project_id.to_string(),
            s.title.to_string(),
            s.description.clone(),
            s.as_a.clone(),
            s.i_want.clone(),
            s.so_that.clone(),
            components.join(","),
            s.story_point.map(|p| p.to_string()).unwrap_or_default(),
            s.assignee_email
                .as_ref()
                .map(|e| e.as_str().to_string())
                .unwrap_or_default(),
            s.status.label().to_string(),
            s.created_at.to_rfc3339(),
            s.updated_at.to_rfc3339(),
            s.version.to_string(),
            serde_json::to_string(&links).expect("plain data"),
            serde_json::to_string(&tests).expect("plain data"),
            serde_json::to_string(&view.tasks).expect("plain data"),
        ];
        out.write_record(&row).map_err(fail)?;
    }
    out.into_inner()
        .map_err(|e| Error::internal("writing CSV", e.to_string()))
}

fn json_cell(cell: &str, at: &str) -> Result<Vec<Value>> {
    if cell.trim().is_empty() {
        return Ok(Vec::new());
    }
    match serde_json::from_str::<Value>(cell) {
        Ok(Value::Array(items)) => Ok(items),
        _ => Err(Error::invalid(at, "must be a JSON array")),
    }
}

/// Read AIPM's CSV back into records.
pub fn read(text: &str) -> Result<Source> {
    let mut reader = csv::ReaderBuilder::new()
        .flexible(false)
        .from_reader(text.as_bytes());
    let headers = reader
        .headers()
        .map_err(|e| Error::invalid("file", format!("unreadable CSV header ({e})")))?
        .clone();
    for required in ["id", "title"] {
        if !headers.iter().any(|h| h == required) {
            return Err(Error::invalid(
                "file",
                format!("is neither JSON nor AIPM's CSV: the header has no '{required}' column"),
            ));
        }
    }
    let mut source = Source {
        format: Format::Csv,
        stories: vec![],
        tests: vec![],
        tasks: vec![],
        links: vec![],
    };
    for (i, row) in reader.records().enumerate() {
        let line = i + 2;
        let row = row
            .map_err(|e| Error::invalid(format!("line {line}"), format!("unreadable CSV ({e})")))?;
        let mut fields = Map::new();
        for (name, cell) in headers.iter().zip(row.iter()) {
            if !["dependencies", "acceptanceTests", "tasks"].contains(&name) && !cell.is_empty() {
                fields.insert(name.to_string(), Value::String(cell.to_string()));
            }
        }
        let at = format!("line {line}");
        let id = fields
            .get("id")
            .and_then(Value::as_str)
            .map(String::from)
            .ok_or_else(|| Error::invalid(format!("{at}.id"), "is missing"))?;
        if let Some(Value::String(v)) = fields.get("version").cloned() {
            fields.insert(
                "version".into(),
                v.parse::<u64>().map(Value::from).unwrap_or(Value::Null),
            );
        }
        let cell = |name: &str| {
            headers
                .iter()
                .position(|h| h == name)
                .and_then(|p| row.get(p))
                .unwrap_or("")
        };
        for (n, t) in json_cell(cell("acceptanceTests"), &format!("{at}.acceptanceTests"))?
            .into_iter()
            .enumerate()
        {
            let Value::Object(mut t) = t else {
                return Err(Error::invalid(
                    format!("{at}.acceptanceTests[{n}]"),
                    "must be an object",
                ));
            };
            t.insert("storyId".into(), Value::String(id.clone()));
            let tid = t
                .get("id")
                .map(|v| v.to_string())
                .unwrap_or_else(|| format!("{id}-test-{n}"));
            source.tests.push(Record { id: tid, fields: t });
        }
        for (n, t) in json_cell(cell("tasks"), &format!("{at}.tasks"))?
            .into_iter()
            .enumerate()
        {
            let Value::Object(mut t) = t else {
                return Err(Error::invalid(
                    format!("{at}.tasks[{n}]"),
                    "must be an object",
                ));
            };
            t.insert("storyId".into(), Value::String(id.clone()));
            let tid = t
                .get("id")
                .map(|v| v.to_string())
                .unwrap_or_else(|| format!("{id}-task-{n}"));
            source.tasks.push(Record { id: tid, fields: t });
        }
        for d in json_cell(cell("dependencies"), &format!("{at}.dependencies"))? {
            let target = d
                .get("storyId")
                .map(|v| v.to_string().trim_matches('"').to_string())
                .unwrap_or_default();
            let mut f = Map::new();
            f.insert("storyId".into(), Value::String(id.clone()));
            f.insert("dependsOnStoryId".into(), Value::String(target.clone()));
            f.insert(
                "relationship".into(),
                d.get("relationship").cloned().unwrap_or(Value::Null),
            );
            source.links.push(Record {
                id: format!("{id}->{target}"),
                fields: f,
            });
        }
        source.stories.push(Record { id, fields });
    }
    Ok(source)
}
