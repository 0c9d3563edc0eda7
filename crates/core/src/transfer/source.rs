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
    if let Some(at) = too_deep(trimmed.as_bytes()) {
        return Err(Error::invalid(
            "file",
            format!(
                "nests deeper than {MAX_NESTING} levels at byte {at}; AIPM imports trees at most \
                 {MAX_DEPTH} stories deep"
            ),
        ));
    }
    on_deep_stack(|| {
        let mut parser = serde_json::Deserializer::from_str(trimmed);
        // The depth is bounded above, and this runs on a stack sized for it.
        parser.disable_recursion_limit();
        let value = serde::Deserialize::deserialize(&mut parser)
            .and_then(|v: Value| parser.end().map(|()| v))
            .map_err(|e| {
                Error::invalid(
                    "file",
                    format!(
                        "invalid JSON at line {}, column {}: {e}",
                        e.line(),
                        e.column()
                    ),
                )
            })?;
        let source = read_value(&value);
        // Dropping a deep value recurses too: here, on the deep stack.
        drop(value);
        source
    })
}

pub use crate::backlog::MAX_DEPTH;

/// JSON nesting that allows `MAX_DEPTH` in the API tree shape: each story
/// is an object inside its parent's `children` array, under a root array,
/// plus a few levels inside a story.
const MAX_NESTING: usize = 2 * MAX_DEPTH + 8;

/// Parsing and dropping `MAX_NESTING` levels takes a few KiB of stack per
/// level in a debug build; the thread's stack is reserved, not committed, so
/// an import of a flat file touches little of it.
const DEEP_STACK_BYTES: usize = 512 << 20;

/// The byte offset where `json` nests deeper than `MAX_NESTING`, if it does
/// (strings skipped; the text need not be valid JSON).
fn too_deep(json: &[u8]) -> Option<usize> {
    let (mut depth, mut in_string, mut escaped) = (0usize, false, false);
    for (at, &b) in json.iter().enumerate() {
        if in_string {
            match b {
                _ if escaped => escaped = false,
                b'\\' => escaped = true,
                b'"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match b {
            b'"' => in_string = true,
            b'[' | b'{' => {
                depth += 1;
                if depth > MAX_NESTING {
                    return Some(at);
                }
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    None
}

/// Run `f` on a thread whose stack holds `MAX_NESTING` levels of serde_json.
fn on_deep_stack<T: Send>(f: impl FnOnce() -> Result<T> + Send) -> Result<T> {
    std::thread::scope(|scope| {
        std::thread::Builder::new()
            .name("import-parse".into())
            .stack_size(DEEP_STACK_BYTES)
            .spawn_scoped(scope, f)
            .map_err(|e| Error::internal("starting the import parser", e))?
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
    })
}

fn read_value(value: &Value) -> Result<Source> {
    match value {
        Value::Object(map) if map.contains_key("tables") => sqlite_export(&map["tables"]),
        Value::Object(map) if map.contains_key("stories") => story_list(map),
        Value::Array(_) => api_tree(value),
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

/// What a story of the API tree nests; everything else is the story's own.
const NESTED: [&str; 4] = ["acceptanceTests", "tasks", "dependencies", "children"];

/// Where a story sits in the tree: its index among its siblings and the
/// place of its parent, so that a path is spelled out only for an error.
struct Place {
    parent: Option<usize>,
    index: usize,
}

/// `[0].children[2]…`, shortened in the middle when deep.
fn path(places: &[Place], at: usize) -> String {
    let mut indexes = vec![places[at].index];
    let mut next = places[at].parent;
    while let Some(p) = next {
        indexes.push(places[p].index);
        next = places[p].parent;
    }
    indexes.reverse();
    let segment = |(level, i): (usize, &usize)| match level {
        0 => format!("[{i}]"),
        _ => format!(".children[{i}]"),
    };
    if indexes.len() <= 8 {
        return indexes.iter().enumerate().map(segment).collect();
    }
    let head: String = indexes.iter().enumerate().take(2).map(segment).collect();
    let tail: String = indexes
        .iter()
        .enumerate()
        .skip(indexes.len() - 4)
        .map(segment)
        .collect();
    format!("{head}…(level {}){tail}", indexes.len())
}

/// A tree of stories with their tests, tasks and outgoing links nested.
/// Walked with an explicit stack; each story's own fields are copied, never
/// its subtree, so time and memory stay linear in the file at any depth.
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
    let mut places: Vec<Place> = Vec::new();
    // (value, place, parent id)
    let mut stack: Vec<(&Value, usize, Option<String>)> = Vec::new();
    for (i, v) in items.iter().enumerate().rev() {
        places.push(Place {
            parent: None,
            index: i,
        });
        stack.push((v, places.len() - 1, None));
    }
    while let Some((value, place, parent)) = stack.pop() {
        let Value::Object(obj) = value else {
            return Err(Error::invalid(path(&places, place), "must be an object"));
        };
        let id = id_text(obj.get("id"))
            .ok_or_else(|| Error::invalid(format!("{}.id", path(&places, place)), "is missing"))?;
        let mut fields: Map<String, Value> = obj
            .iter()
            .filter(|(k, _)| !NESTED.contains(&k.as_str()))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        if let Some(p) = &parent {
            fields.insert("parentId".into(), Value::String(p.clone()));
        }
        let story = Record { id, fields };
        let nested = |key: &str| obj.get(key).and_then(Value::as_array).into_iter().flatten();
        for (i, t) in nested("acceptanceTests").enumerate() {
            let mut test = record(t, format!("{}.acceptanceTests[{i}]", path(&places, place)))?;
            test.fields
                .insert("storyId".into(), Value::String(story.id.clone()));
            source.tests.push(test);
        }
        for (i, t) in nested("tasks").enumerate() {
            let mut task = record(t, format!("{}.tasks[{i}]", path(&places, place)))?;
            task.fields
                .insert("storyId".into(), Value::String(story.id.clone()));
            source.tasks.push(task);
        }
        for (i, d) in nested("dependencies").enumerate() {
            let Value::Object(dep) = d else {
                let at = format!("{}.dependencies[{i}]", path(&places, place));
                return Err(Error::invalid(at, "must be an object"));
            };
            let target = ref_id(dep, &["storyId", "dependsOnStoryId"]).ok_or_else(|| {
                let at = format!("{}.dependencies[{i}]", path(&places, place));
                Error::invalid(format!("{at}.storyId"), "is missing")
            })?;
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
        let children = match obj.get("children") {
            None | Some(Value::Null) => &[][..],
            Some(Value::Array(c)) => c.as_slice(),
            Some(_) => {
                let at = format!("{}.children", path(&places, place));
                return Err(Error::invalid(at, "must be an array"));
            }
        };
        for (i, child) in children.iter().enumerate().rev() {
            places.push(Place {
                parent: Some(place),
                index: i,
            });
            stack.push((child, places.len() - 1, Some(story.id.clone())));
        }
        source.stories.push(story);
    }
    Ok(source)
}
