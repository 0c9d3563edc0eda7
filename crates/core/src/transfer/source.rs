//! Reading an export into raw records, whatever its format: the original
//! AIPM's SQLite-era table dump, its API tree backup (and AIPM's own JSON
//! export, which has the same shape), its flat story list, or AIPM's CSV.
//! Field values stay raw here; `normalize` turns them into domain values.

use crate::error::{Error, Result};
use serde_json::{Map, Value};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    SqliteExport,
    ApiTree,
    StoryList,
    Csv,
}

impl Format {
    pub fn name(self) -> &'static str {
        match self {
            Format::SqliteExport => "sqlite-export",
            Format::ApiTree => "api-tree",
            Format::StoryList => "story-list",
            Format::Csv => "csv",
        }
    }
}

/// One record of the source.
#[derive(Debug, Clone)]
pub struct Record {
    pub id: String,
    pub fields: Map<String, Value>,
}

#[derive(Debug, Clone)]
pub struct Source {
    pub format: Format,
    pub stories: Vec<Record>,
    pub tests: Vec<Record>,
    pub tasks: Vec<Record>,
    /// Each with `storyId`, `dependsOnStoryId` and `relationship` fields.
    pub links: Vec<Record>,
}

/// The first present field of several spellings.
pub fn field<'a>(fields: &'a Map<String, Value>, names: &[&str]) -> Option<&'a Value> {
    names
        .iter()
        .find_map(|n| fields.get(*n))
        .filter(|v| !v.is_null())
}

/// An id as text: a number or a non-empty string.
fn id_text(v: Option<&Value>) -> Option<String> {
    match v? {
        Value::Number(n) => Some(n.to_string()),
        Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_string()),
        _ => None,
    }
}

pub fn ref_id(fields: &Map<String, Value>, names: &[&str]) -> Option<String> {
    id_text(field(fields, names))
}

fn record(value: &Value, at: String) -> Result<Record> {
    let Value::Object(fields) = value else {
        return Err(Error::invalid(at, "must be an object"));
    };
    let id = id_text(fields.get("id"))
        .ok_or_else(|| Error::invalid(format!("{at}.id"), "is missing"))?;
    Ok(Record {
        id,
        fields: fields.clone(),
    })
}

fn records(value: Option<&Value>, at: &str) -> Result<Vec<Record>> {
    match value {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Array(items)) => items
            .iter()
            .enumerate()
            .map(|(i, v)| record(v, format!("{at}[{i}]")))
            .collect(),
        Some(_) => Err(Error::invalid(at, "must be an array")),
    }
}

/// Links stored as rows without an id of their own.
fn link_rows(value: Option<&Value>, at: &str) -> Result<Vec<Record>> {
    let Some(Value::Array(items)) = value else {
        return match value {
            None | Some(Value::Null) => Ok(Vec::new()),
            Some(_) => Err(Error::invalid(at, "must be an array")),
        };
    };
    let mut out = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let at = format!("{at}[{i}]");
        let Value::Object(row) = item else {
            return Err(Error::invalid(at, "must be an object"));
        };
        let story = ref_id(row, &["story_id", "storyId"])
            .ok_or_else(|| Error::invalid(format!("{at}.story_id"), "is missing"))?;
        let target = ref_id(row, &["depends_on_story_id", "dependsOnStoryId"])
            .ok_or_else(|| Error::invalid(format!("{at}.depends_on_story_id"), "is missing"))?;
        let mut fields = Map::new();
        fields.insert("storyId".into(), Value::String(story.clone()));
        fields.insert("dependsOnStoryId".into(), Value::String(target.clone()));
        fields.insert(
            "relationship".into(),
            row.get("relationship").cloned().unwrap_or(Value::Null),
        );
        out.push(Record {
            id: format!("{story}->{target}"),
            fields,
        });
    }
    Ok(out)
}

/// Parse an export, detecting its format.
pub fn read(bytes: &[u8]) -> Result<Source> {
    let text = std::str::from_utf8(bytes)
        .map_err(|e| Error::invalid("file", format!("is not UTF-8 text ({e})")))?;
    let trimmed = text.trim_start_matches('\u{feff}').trim_start();
    if trimmed.is_empty() {
        return Err(Error::invalid("file", "is empty"));
    }
    if !(trimmed.starts_with('{') || trimmed.starts_with('[')) {
        return super::csv::read(trimmed);
    }
    let value: Value = serde_json::from_str(trimmed).map_err(|e| {
        Error::invalid(
            "file",
            format!(
                "invalid JSON at line {}, column {}: {e}",
                e.line(),
                e.column()
            ),
        )
    })?;
    match &value {
        Value::Object(map) if map.contains_key("tables") => sqlite_export(&map["tables"]),
        Value::Object(map) if map.contains_key("stories") => story_list(map),
        Value::Array(_) => api_tree(&value),
        _ => Err(Error::invalid(
            "file",
            "is not an AIPM export: expected a table dump ({\"tables\": …}), a story list ({\"stories\": […]}), \
             a story tree ([…]) or CSV",
        )),
    }
}

fn sqlite_export(tables: &Value) -> Result<Source> {
    let Value::Object(t) = tables else {
        return Err(Error::invalid("tables", "must be an object"));
    };
    if !t.contains_key("user_stories") {
        return Err(Error::invalid("tables.user_stories", "is missing"));
    }
    Ok(Source {
        format: Format::SqliteExport,
        stories: records(t.get("user_stories"), "tables.user_stories")?,
        tests: records(t.get("acceptance_tests"), "tables.acceptance_tests")?,
        tasks: records(t.get("tasks"), "tables.tasks")?,
        links: link_rows(t.get("story_dependencies"), "tables.story_dependencies")?,
    })
}

fn story_list(map: &Map<String, Value>) -> Result<Source> {
    Ok(Source {
        format: Format::StoryList,
        stories: records(map.get("stories"), "stories")?,
        tests: records(
            map.get("acceptanceTests").or(map.get("acceptance_tests")),
            "acceptanceTests",
        )?,
        tasks: records(map.get("tasks"), "tasks")?,
        links: link_rows(
            map.get("dependencies").or(map.get("story_dependencies")),
            "dependencies",
        )?,
    })
}

/// A tree of stories with their tests, tasks and outgoing links nested.
fn api_tree(roots: &Value) -> Result<Source> {
    let mut source = Source {
        format: Format::ApiTree,
        stories: vec![],
        tests: vec![],
        tasks: vec![],
        links: vec![],
    };
    let Value::Array(items) = roots else {
        unreachable!("checked by the caller")
    };
    // (value, path, parent id)
    let mut stack: Vec<(&Value, String, Option<String>)> = items
        .iter()
        .enumerate()
        .rev()
        .map(|(i, v)| (v, format!("[{i}]"), None))
        .collect();
    while let Some((value, at, parent)) = stack.pop() {
        let mut story = record(value, at.clone())?;
        if let Some(p) = &parent {
            story
                .fields
                .insert("parentId".into(), Value::String(p.clone()));
        }
        for (i, t) in story
            .fields
            .get("acceptanceTests")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .enumerate()
        {
            let mut test = record(t, format!("{at}.acceptanceTests[{i}]"))?;
            test.fields
                .insert("storyId".into(), Value::String(story.id.clone()));
            source.tests.push(test);
        }
        for (i, t) in story
            .fields
            .get("tasks")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .enumerate()
        {
            let mut task = record(t, format!("{at}.tasks[{i}]"))?;
            task.fields
                .insert("storyId".into(), Value::String(story.id.clone()));
            source.tasks.push(task);
        }
        for (i, d) in story
            .fields
            .get("dependencies")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .enumerate()
        {
            let at = format!("{at}.dependencies[{i}]");
            let Value::Object(dep) = d else {
                return Err(Error::invalid(at, "must be an object"));
            };
            let target = ref_id(dep, &["storyId", "dependsOnStoryId"])
                .ok_or_else(|| Error::invalid(format!("{at}.storyId"), "is missing"))?;
            let mut fields = Map::new();
            fields.insert("storyId".into(), Value::String(story.id.clone()));
            fields.insert("dependsOnStoryId".into(), Value::String(target.clone()));
            fields.insert(
                "relationship".into(),
                dep.get("relationship").cloned().unwrap_or(Value::Null),
            );
            source.links.push(Record {
                id: format!("{}->{target}", story.id),
                fields,
            });
        }
        let children = match value.get("children") {
            None | Some(Value::Null) => &[][..],
            Some(Value::Array(c)) => c.as_slice(),
            Some(_) => return Err(Error::invalid(format!("{at}.children"), "must be an array")),
        };
        for (i, child) in children.iter().enumerate().rev() {
            stack.push((child, format!("{at}.children[{i}]"), Some(story.id.clone())));
        }
        for nested in ["acceptanceTests", "tasks", "dependencies", "children"] {
            story.fields.remove(nested);
        }
        source.stories.push(story);
    }
    Ok(source)
}
