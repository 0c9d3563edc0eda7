//! Raw records to domain values. Whatever does not fit is adjusted, never
//! silently: every change is reported with the record's source id.

use super::source::{field, ref_id, Record, Source};
use super::Adjustment;
use crate::domain::{
    Component, Email, Hours, Relationship, Steps, StoryStatus, TaskStatus, TestStatus, Timestamp,
    Title,
};
use serde_json::Value;
use std::collections::{HashMap, HashSet};

/// A story ready to be written, still keyed by source ids.
#[derive(Debug, Clone)]
pub struct StoryPlan {
    pub source_id: String,
    pub parent: Option<String>,
    pub title: Title,
    pub description: String,
    pub as_a: String,
    pub i_want: String,
    pub so_that: String,
    pub components: Vec<Component>,
    pub story_point: Option<u32>,
    pub assignee_email: Option<Email>,
    pub status: StoryStatus,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub version: u64,
}

#[derive(Debug, Clone)]
pub struct TestPlan {
    pub source_id: String,
    pub story: String,
    pub title: Option<Title>,
    pub given: Steps,
    pub when: Steps,
    pub then: Steps,
    pub status: TestStatus,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

#[derive(Debug, Clone)]
pub struct TaskPlan {
    pub source_id: String,
    pub story: String,
    pub title: Title,
    pub description: String,
    pub status: TaskStatus,
    pub assignee_email: Email,
    pub estimation_hours: Option<Hours>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

#[derive(Debug, Clone)]
pub struct LinkPlan {
    pub story: String,
    pub depends_on: String,
    pub relationship: Relationship,
}

#[derive(Debug, Default)]
pub struct Plan {
    /// Parents before children.
    pub stories: Vec<StoryPlan>,
    pub tests: Vec<TestPlan>,
    pub tasks: Vec<TaskPlan>,
    pub links: Vec<LinkPlan>,
    pub adjustments: Vec<Adjustment>,
    pub depth: usize,
}

/// Where a task without a usable assignee is assigned; `.invalid` can never
/// be a real mailbox.
pub const UNASSIGNED: &str = "unassigned@aipm.invalid";

struct Notes<'a> {
    out: &'a mut Vec<Adjustment>,
}

impl Notes<'_> {
    fn add(
        &mut self,
        entity: &'static str,
        source_id: &str,
        field: &str,
        message: impl Into<String>,
    ) {
        self.out.push(Adjustment {
            entity,
            source_id: source_id.to_string(),
            field: field.to_string(),
            message: message.into(),
        });
    }
}

fn text(r: &Record, names: &[&str]) -> String {
    match field(&r.fields, names) {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Number(n)) => n.to_string(),
        _ => String::new(),
    }
}

/// A list given as an array, a JSON array in a string, or plain text.
fn list(r: &Record, names: &[&str]) -> Vec<String> {
    match field(&r.fields, names) {
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(|v| v.as_str().map(String::from))
            .collect(),
        Some(Value::String(s)) => match serde_json::from_str::<Value>(s) {
            Ok(Value::Array(items)) => items
                .iter()
                .filter_map(|v| v.as_str().map(String::from))
                .collect(),
            _ => vec![s.clone()],
        },
        _ => Vec::new(),
    }
}

fn timestamp(
    r: &Record,
    names: &[&str],
    entity: &'static str,
    notes: &mut Notes<'_>,
    now: Timestamp,
) -> Timestamp {
    let parsed = match field(&r.fields, names) {
        Some(Value::Number(n)) => n.as_i64().and_then(Timestamp::from_millis),
        Some(Value::String(s)) => match s.trim().parse::<i64>() {
            Ok(ms) => Timestamp::from_millis(ms),
            Err(_) => Timestamp::parse(s).ok(),
        },
        _ => None,
    };
    parsed.unwrap_or_else(|| {
        notes.add(
            entity,
            &r.id,
            names[0],
            "missing or unreadable; set to the time of the import",
        );
        now
    })
}

fn title(r: &Record, entity: &'static str, fallback: &str, notes: &mut Notes<'_>) -> Title {
    let raw = text(r, &["title"]);
    match Title::parse(&raw) {
        Ok(t) => t,
        Err(_) if raw.trim().is_empty() => {
            notes.add(
                entity,
                &r.id,
                "title",
                format!("empty; titled '{fallback}'"),
            );
            Title::parse(fallback).expect("fallback titles are valid")
        }
        Err(reason) => {
            let cut: String = raw
                .trim()
                .chars()
                .take(crate::domain::TITLE_MAX_CHARS)
                .collect();
            notes.add(
                entity,
                &r.id,
                "title",
                format!(
                    "{reason}; cut to {} characters",
                    crate::domain::TITLE_MAX_CHARS
                ),
            );
            Title::parse(&cut).expect("a cut title is valid")
        }
    }
}

fn steps(r: &Record, names: &[&str], notes: &mut Notes<'_>) -> Steps {
    let items: Vec<String> = list(r, names)
        .into_iter()
        .flat_map(|s| {
            s.lines()
                .map(str::trim)
                .map(String::from)
                .collect::<Vec<_>>()
        })
        .filter(|s| !s.is_empty())
        .collect();
    Steps::parse(items).unwrap_or_else(|_| {
        notes.add(
            "acceptance test",
            &r.id,
            names[0],
            "no step in the source; imported as '(empty in the source)'",
        );
        Steps::parse(vec!["(empty in the source)".into()]).expect("a valid step")
    })
}

fn story_plan(r: &Record, notes: &mut Notes<'_>, now: Timestamp) -> StoryPlan {
    let mut components = Vec::new();
    let mut unknown = Vec::new();
    let names = match field(&r.fields, &["components"]) {
        Some(Value::String(s)) if !s.trim_start().starts_with('[') => {
            s.split(',').map(|p| p.trim().to_string()).collect()
        }
        _ => list(r, &["components"]),
    };
    for name in names.iter().filter(|n| !n.trim().is_empty()) {
        match Component::parse_name(name) {
            Ok(c) if !components.contains(&c) => components.push(c),
            Ok(_) => {}
            Err(_) => unknown.push(name.clone()),
        }
    }
    if !unknown.is_empty() {
        notes.add(
            "story",
            &r.id,
            "components",
            format!("dropped {} (not in the catalog)", unknown.join(", ")),
        );
    }
    let point_names = ["storyPoint", "story_point", "story_points", "storyPoints"];
    let story_point = match field(&r.fields, &point_names) {
        None => None,
        Some(Value::Number(n)) if n.as_u64().is_some() => {
            n.as_u64().and_then(|v| u32::try_from(v).ok())
        }
        Some(Value::Number(n)) if n.as_f64().is_some_and(|f| f >= 0.0) => {
            let rounded = n.as_f64().unwrap_or(0.0).round() as u32;
            notes.add(
                "story",
                &r.id,
                "storyPoint",
                format!("{n} is not a whole number; rounded to {rounded}"),
            );
            Some(rounded)
        }
        Some(Value::String(s)) if s.trim().parse::<u32>().is_ok() => s.trim().parse().ok(),
        Some(other) => {
            notes.add(
                "story",
                &r.id,
                "storyPoint",
                format!("{other} is not a whole number ≥ 0; left empty"),
            );
            None
        }
    };
    let email_raw = text(r, &["assigneeEmail", "assignee_email", "assignee"]);
    let assignee_email = Email::parse_optional(&email_raw).unwrap_or_else(|reason| {
        notes.add(
            "story",
            &r.id,
            "assigneeEmail",
            format!("'{email_raw}' {reason}; left empty"),
        );
        None
    });
    let status_raw = text(r, &["status"]);
    let status = if status_raw.trim().is_empty() {
        StoryStatus::Draft
    } else {
        StoryStatus::parse(&status_raw).unwrap_or_else(|reason| {
            notes.add(
                "story",
                &r.id,
                "status",
                format!("{reason}; imported as Draft"),
            );
            StoryStatus::Draft
        })
    };
    let version = field(&r.fields, &["version"])
        .and_then(Value::as_u64)
        .filter(|v| *v > 0)
        .unwrap_or(1);
    StoryPlan {
        source_id: r.id.clone(),
        parent: ref_id(&r.fields, &["parentId", "parent_id"]),
        title: title(r, "story", &format!("Untitled story {}", r.id), notes),
        description: text(r, &["description"]),
        as_a: text(r, &["asA", "as_a"]),
        i_want: text(r, &["iWant", "i_want"]),
        so_that: text(r, &["soThat", "so_that"]),
        components,
        story_point,
        assignee_email,
        status,
        created_at: timestamp(r, &["createdAt", "created_at"], "story", notes, now),
        updated_at: timestamp(r, &["updatedAt", "updated_at"], "story", notes, now),
        version,
    }
}

/// Order stories parents first; a parent that is missing or part of a cycle
/// makes the story a root, with a note.
fn order_stories(stories: Vec<StoryPlan>, notes: &mut Notes<'_>) -> (Vec<StoryPlan>, usize) {
    let known: HashSet<String> = stories.iter().map(|s| s.source_id.clone()).collect();
    let mut stories = stories;
    for s in &mut stories {
        if let Some(p) = s.parent.clone() {
            if !known.contains(&p) {
                notes.add(
                    "story",
                    &s.source_id,
                    "parentId",
                    format!("parent {p} is not in the file; imported as a root story"),
                );
                s.parent = None;
            } else if p == s.source_id {
                notes.add(
                    "story",
                    &s.source_id,
                    "parentId",
                    "the story is its own parent; imported as a root story",
                );
                s.parent = None;
            }
        }
    }
    let mut children: HashMap<String, Vec<usize>> = HashMap::new();
    for (i, s) in stories.iter().enumerate() {
        if let Some(p) = &s.parent {
            children.entry(p.clone()).or_default().push(i);
        }
    }
    let mut ordered = Vec::with_capacity(stories.len());
    let mut placed = vec![false; stories.len()];
    let mut depth = 0;
    let mut frontier: std::collections::VecDeque<(usize, usize)> = stories
        .iter()
        .enumerate()
        .filter(|(_, s)| s.parent.is_none())
        .map(|(i, _)| (i, 1))
        .collect();
    loop {
        while let Some((i, d)) = frontier.pop_front() {
            if placed[i] {
                continue;
            }
            placed[i] = true;
            depth = depth.max(d);
            ordered.push(i);
            for c in children.get(&stories[i].source_id).into_iter().flatten() {
                frontier.push_back((*c, d + 1));
            }
        }
        // Whatever is left hangs in a cycle: cut it at its first story.
        let Some(cut) = (0..stories.len()).find(|i| !placed[*i]) else {
            break;
        };
        notes.add(
            "story",
            &stories[cut].source_id,
            "parentId",
            "the parent chain is a cycle; imported as a root story",
        );
        stories[cut].parent = None;
        frontier.push_back((cut, 1));
    }
    let mut slots: Vec<Option<StoryPlan>> = stories.into_iter().map(Some).collect();
    (
        ordered
            .into_iter()
            .filter_map(|i| slots[i].take())
            .collect(),
        depth,
    )
}

pub fn plan(source: &Source, now: Timestamp) -> Plan {
    let mut adjustments = Vec::new();
    let mut notes = Notes {
        out: &mut adjustments,
    };
    let mut seen = HashSet::new();
    let mut stories = Vec::new();
    for r in &source.stories {
        if !seen.insert(r.id.clone()) {
            notes.add(
                "story",
                &r.id,
                "id",
                "the id appears twice; the later record is skipped",
            );
            continue;
        }
        stories.push(story_plan(r, &mut notes, now));
    }
    let (stories, depth) = order_stories(stories, &mut notes);
    let assignees: HashMap<&str, Option<&Email>> = stories
        .iter()
        .map(|s| (s.source_id.as_str(), s.assignee_email.as_ref()))
        .collect();

    let mut tests = Vec::new();
    for r in &source.tests {
        let Some(story) = ref_id(&r.fields, &["storyId", "story_id"])
            .filter(|s| assignees.contains_key(s.as_str()))
        else {
            notes.add(
                "acceptance test",
                &r.id,
                "storyId",
                "its story is not in the file; skipped",
            );
            continue;
        };
        let status_raw = text(r, &["status"]);
        let status = if status_raw.trim().is_empty() {
            TestStatus::Draft
        } else {
            TestStatus::parse(&status_raw).unwrap_or_else(|reason| {
                notes.add(
                    "acceptance test",
                    &r.id,
                    "status",
                    format!("{reason}; imported as Draft"),
                );
                TestStatus::Draft
            })
        };
        let raw_title = text(r, &["title"]);
        tests.push(TestPlan {
            source_id: r.id.clone(),
            story,
            title: (!raw_title.trim().is_empty())
                .then(|| title(r, "acceptance test", "Acceptance test", &mut notes)),
            given: steps(r, &["given"], &mut notes),
            when: steps(r, &["when", "when_step", "whenStep"], &mut notes),
            then: steps(r, &["then", "then_step", "thenStep"], &mut notes),
            status,
            created_at: timestamp(
                r,
                &["createdAt", "created_at"],
                "acceptance test",
                &mut notes,
                now,
            ),
            updated_at: timestamp(
                r,
                &["updatedAt", "updated_at"],
                "acceptance test",
                &mut notes,
                now,
            ),
        });
    }

    let mut tasks = Vec::new();
    for r in &source.tasks {
        let Some(story) = ref_id(&r.fields, &["storyId", "story_id"])
            .filter(|s| assignees.contains_key(s.as_str()))
        else {
            notes.add(
                "task",
                &r.id,
                "storyId",
                "its story is not in the file; skipped",
            );
            continue;
        };
        let raw = text(r, &["assigneeEmail", "assignee_email", "assignee"]);
        let assignee_email = match Email::parse(&raw) {
            Ok(e) => e,
            Err(_) => {
                let fallback = assignees[story.as_str()]
                    .cloned()
                    .unwrap_or_else(|| Email::parse(UNASSIGNED).expect("valid"));
                notes.add(
                    "task",
                    &r.id,
                    "assigneeEmail",
                    format!(
                        "'{raw}' is not an address; assigned to {}",
                        fallback.as_str()
                    ),
                );
                fallback
            }
        };
        let status_raw = text(r, &["status"]);
        let status = if status_raw.trim().is_empty() {
            TaskStatus::NotStarted
        } else {
            TaskStatus::parse(&status_raw).unwrap_or_else(|reason| {
                notes.add(
                    "task",
                    &r.id,
                    "status",
                    format!("{reason}; imported as Not Started"),
                );
                TaskStatus::NotStarted
            })
        };
        let estimation_hours = match field(&r.fields, &["estimationHours", "estimation_hours"]) {
            None => None,
            Some(v) => match v.as_f64().map(Hours::parse) {
                Some(Ok(h)) => Some(h),
                _ => {
                    notes.add(
                        "task",
                        &r.id,
                        "estimationHours",
                        format!("{v} is not a number ≥ 0; left empty"),
                    );
                    None
                }
            },
        };
        tasks.push(TaskPlan {
            source_id: r.id.clone(),
            story,
            title: title(r, "task", "Untitled task", &mut notes),
            description: text(r, &["description"]),
            status,
            assignee_email,
            estimation_hours,
            created_at: timestamp(r, &["createdAt", "created_at"], "task", &mut notes, now),
            updated_at: timestamp(r, &["updatedAt", "updated_at"], "task", &mut notes, now),
        });
    }

    let mut links = Vec::new();
    let mut linked = HashSet::new();
    for r in &source.links {
        let story = ref_id(&r.fields, &["storyId"]).unwrap_or_default();
        let target = ref_id(&r.fields, &["dependsOnStoryId"]).unwrap_or_default();
        if !assignees.contains_key(story.as_str()) || !assignees.contains_key(target.as_str()) {
            notes.add(
                "dependency",
                &r.id,
                "dependsOnStoryId",
                "an end of the link is not in the file; skipped",
            );
            continue;
        }
        if story == target {
            notes.add(
                "dependency",
                &r.id,
                "dependsOnStoryId",
                "a story cannot depend on itself; skipped",
            );
            continue;
        }
        if !linked.insert((story.clone(), target.clone())) {
            notes.add(
                "dependency",
                &r.id,
                "dependsOnStoryId",
                "the link appears twice; the later one is skipped",
            );
            continue;
        }
        let raw = text(r, &["relationship"]);
        let relationship = if raw.trim().is_empty() {
            Relationship::Depends
        } else {
            Relationship::parse(&raw).unwrap_or_else(|reason| {
                notes.add(
                    "dependency",
                    &r.id,
                    "relationship",
                    format!("{reason}; imported as depends"),
                );
                Relationship::Depends
            })
        };
        links.push(LinkPlan {
            story,
            depends_on: target,
            relationship,
        });
    }
    Plan {
        stories,
        tests,
        tasks,
        links,
        adjustments,
        depth,
    }
}
