//! Deep trees: a chain of thousands of stories imports, lists, exports in
//! size linear in its stories, and round-trips; a deeper one is refused with
//! a 400 naming the file, never a crash.

mod support;

use aipm_core::backlog::NewStory;
use aipm_core::backlog::{views_json, StoryView};
use aipm_core::domain::{Project, ProjectId, StoryChanges, StoryId, StoryStatus, Title};
use aipm_core::transfer::{ExportFormat, MAX_DEPTH};
use serde_json::{json, Value};

/// A story list (`{"stories": […]}`) of `n` stories, each the child of the
/// one before.
fn story_list(n: usize, chained: bool) -> Vec<u8> {
    let stories: Vec<Value> = (1..=n)
        .map(|i| {
            json!({
                "id": i,
                "title": format!("Step {i} of the checkout"),
                "parentId": if chained && i > 1 { json!(i - 1) } else { Value::Null },
                "status": "Draft",
            })
        })
        .collect();
    serde_json::to_vec(&json!({ "stories": stories })).unwrap()
}

/// The API tree shape, `n` stories deep, written by hand.
fn nested_tree(n: usize) -> Vec<u8> {
    let mut out = String::from("[");
    for i in 1..=n {
        out.push_str(&format!(r#"{{"id":{i},"title":"Level {i}","children":["#));
    }
    out.push_str(&"]}".repeat(n));
    out.push(']');
    out.into_bytes()
}

/// Levels of a tree, without recursion.
fn depth(roots: &[StoryView]) -> usize {
    let mut deepest = 0;
    let mut stack: Vec<(&StoryView, usize)> = roots.iter().map(|r| (r, 1)).collect();
    while let Some((v, d)) = stack.pop() {
        deepest = deepest.max(d);
        stack.extend(v.children.iter().map(|c| (c, d + 1)));
    }
    deepest
}

/// A flat view as JSON, without what an import renumbers.
fn comparable(v: &StoryView) -> Value {
    let mut value = serde_json::to_value(v).unwrap();
    let map = value.as_object_mut().unwrap();
    for key in ["id", "projectId", "parentId", "children"] {
        map.remove(key);
    }
    for test in map["acceptanceTests"].as_array_mut().unwrap() {
        for key in ["id", "storyId"] {
            test.as_object_mut().unwrap().remove(key);
        }
    }
    value
}

fn new_story(title: &str, parent: Option<StoryId>) -> NewStory {
    NewStory {
        project_id: Project::DEFAULT_ID,
        parent_id: parent,
        title: Title::parse(title).unwrap(),
        content: Default::default(),
        assignee_email: None,
        status: StoryStatus::Draft,
    }
}

async fn new_project(f: &support::Fixture, name: &str) -> ProjectId {
    let project = f
        .backlog
        .create_project(
            aipm_core::domain::Title::parse(name).unwrap(),
            String::new(),
            None,
        )
        .await
        .unwrap();
    project.id
}

#[tokio::test]
async fn a_2000_deep_chain_exports_in_linear_size_and_round_trips() {
    let f = support::sqlite().await;
    let b = &f.backlog;
    let report = b
        .import(&story_list(2000, true), Project::DEFAULT_ID, false)
        .await
        .unwrap();
    assert_eq!(report.tree_depth, 2000);
    let chain = b
        .export(Project::DEFAULT_ID, ExportFormat::Json)
        .await
        .unwrap();

    // A chain ten times shorter has as many bytes per story, give or take
    // the digits of the ids: nothing is indented per level.
    let short_project = new_project(&f, "short").await;
    b.import(&story_list(200, true), short_project, false)
        .await
        .unwrap();
    let short = b.export(short_project, ExportFormat::Json).await.unwrap();
    let per_story = chain.len() / 2000;
    assert!(
        per_story <= short.len() / 200 + 16,
        "{per_story} bytes per story 2000 deep, {} 200 deep",
        short.len() / 200
    );
    assert!(per_story < 4096, "{per_story} bytes per story");

    // Export → import → export: the same stories, the same chain.
    let again = new_project(&f, "again").await;
    let report = b.import(&chain, again, false).await.unwrap();
    assert_eq!(report.format, "api-tree");
    assert_eq!(report.created.stories, 2000);
    assert!(report.adjustments.is_empty(), "{:?}", report.adjustments);
    assert_eq!(depth(&b.story_tree(again).await.unwrap()), 2000);
    let before = b.story_list(Project::DEFAULT_ID).await.unwrap();
    let after = b.story_list(again).await.unwrap();
    assert_eq!(before.len(), after.len());
    for (x, y) in before.iter().zip(&after) {
        assert_eq!(comparable(x), comparable(y));
    }
}

#[tokio::test]
async fn the_deepest_supported_chain_imports_lists_exports_and_reimports() {
    let f = support::sqlite().await;
    let b = &f.backlog;
    let report = b
        .import(&story_list(MAX_DEPTH, true), Project::DEFAULT_ID, false)
        .await
        .unwrap();
    let deepest = StoryId(report.id_map.stories[&MAX_DEPTH.to_string()]);
    let tree = b.story_tree(Project::DEFAULT_ID).await.unwrap();
    assert_eq!(depth(&tree), MAX_DEPTH);
    let listed = views_json(&tree);
    drop(tree);
    let exported = b
        .export(Project::DEFAULT_ID, ExportFormat::Json)
        .await
        .unwrap();
    assert_eq!(listed.len(), exported.len());

    let again = new_project(&f, "again").await;
    let report = b.import(&exported, again, false).await.unwrap();
    assert_eq!(report.tree_depth, MAX_DEPTH);

    // Nothing nests deeper afterwards: neither a new story nor a move.
    let err = b
        .create_story(new_story("too deep", Some(deepest)), None, true)
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("VALIDATION_ERROR"), "{err}");
    assert!(err.to_string().starts_with("parentId: "), "{err}");
    let root = b
        .create_story(new_story("root", None), None, true)
        .await
        .unwrap();
    let leaf = b
        .create_story(new_story("leaf", Some(root.id)), None, true)
        .await
        .unwrap();
    let at = f.store.get_story(deepest).await.unwrap().unwrap().parent_id;
    let err = b
        .update_story(
            root.id,
            None,
            StoryChanges {
                parent_id: Some(at),
                ..Default::default()
            },
            true,
        )
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("VALIDATION_ERROR"), "{err}");
    assert!(f.store.get_story(leaf.id).await.unwrap().is_some());
    let report = b
        .import(&nested_tree(MAX_DEPTH), again, true)
        .await
        .unwrap();
    assert_eq!(report.tree_depth, MAX_DEPTH);
}

#[tokio::test]
async fn a_deeper_tree_is_refused_naming_the_file_and_writes_nothing() {
    let f = support::sqlite().await;
    let b = &f.backlog;
    for (shape, file) in [
        ("story list", story_list(MAX_DEPTH + 1, true)),
        ("tree", nested_tree(MAX_DEPTH + 1)),
        ("nesting", "[".repeat(1_000_000).into_bytes()),
    ] {
        let err = b
            .import(&file, Project::DEFAULT_ID, false)
            .await
            .unwrap_err();
        assert_eq!(err.code(), Some("VALIDATION_ERROR"), "{shape}: {err}");
        assert!(err.to_string().starts_with("file: "), "{shape}: {err}");
        assert!(
            err.to_string().contains("10000 stories deep"),
            "{shape}: {err}"
        );
    }
    assert!(b.story_list(Project::DEFAULT_ID).await.unwrap().is_empty());
}
