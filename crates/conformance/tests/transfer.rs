//! Import and export on both stores: the original AIPM's three formats with
//! exact counts, JSON and CSV round trips, refusals that write nothing, and
//! an import that stays invisible until it is complete.

mod support;

use aipm_core::backlog::StoryView;
use aipm_core::domain::{Counter, Project, ProjectId, Story, StoryId, Title};
use aipm_core::store::{Expect, Write};
use aipm_core::transfer::ExportFormat;
use aipm_core::Error;
use serde_json::Value;
use support::Fixture;

fn fixture(name: &str) -> Vec<u8> {
    let path = format!(
        "{}/../../shared/fixtures/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read(&path).unwrap_or_else(|e| panic!("reading {path}: {e}"))
}

fn depth(views: &[StoryView]) -> usize {
    views
        .iter()
        .map(|v| 1 + depth(&v.children))
        .max()
        .unwrap_or(0)
}

fn count(views: &[StoryView]) -> (usize, usize, usize, usize) {
    views.iter().fold((0, 0, 0, 0), |acc, v| {
        let below = count(&v.children);
        (
            acc.0 + 1 + below.0,
            acc.1 + v.acceptance_tests.len() + below.1,
            acc.2 + v.tasks.len() + below.2,
            acc.3 + v.dependencies.len() + below.3,
        )
    })
}

/// Drop what an import renumbers, so two exports can be compared.
fn without_ids(v: Value) -> Value {
    match v {
        Value::Object(map) => Value::Object(
            map.into_iter()
                .filter(|(k, _)| !["id", "storyId", "parentId", "projectId"].contains(&k.as_str()))
                .map(|(k, v)| (k, without_ids(v)))
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.into_iter().map(without_ids).collect()),
        other => other,
    }
}

async fn imports_the_table_dump(f: Fixture) {
    let b = &f.backlog;
    let report = b
        .import(
            &fixture("original-sqlite-export.json"),
            Project::DEFAULT_ID,
            false,
        )
        .await
        .unwrap();
    assert_eq!(report.format, "sqlite-export");
    assert_eq!(
        (
            report.created.stories,
            report.created.acceptance_tests,
            report.created.tasks,
            report.created.dependencies
        ),
        (50, 103, 200, 77)
    );
    assert_eq!(report.tree_depth, 6);
    assert!(report.adjustments.is_empty(), "{:?}", report.adjustments);
    let tree = b.story_tree(Project::DEFAULT_ID).await.unwrap();
    assert_eq!(count(&tree), (50, 103, 200, 77));
    assert_eq!(depth(&tree), 6);
    // Ids are the counter's, and the report maps the source's to them.
    assert_eq!(report.id_map.stories["1"], 1);
    assert_eq!(report.id_map.stories.len(), 50);
    let first = b.story_view(StoryId(1)).await.unwrap();
    assert_eq!(
        first.story.title.as_str(),
        "AUTH Epic 1: Unified Authentication Experience"
    );
    assert_eq!(first.story.story_point, Some(13));
    assert_eq!(
        first.story.created_at.to_rfc3339(),
        "2024-05-01T08:00:00.000Z"
    );
    assert_eq!(
        first.acceptance_tests[0].test.given.as_slice().len(),
        2,
        "Given stored as a JSON string becomes steps"
    );
}

async fn imports_the_tree_backup(f: Fixture) {
    let b = &f.backlog;
    let report = b
        .import(
            &fixture("original-api-backup.json"),
            Project::DEFAULT_ID,
            false,
        )
        .await
        .unwrap();
    assert_eq!(report.format, "api-tree");
    assert_eq!(
        (
            report.created.stories,
            report.created.acceptance_tests,
            report.created.tasks,
            report.created.dependencies
        ),
        (93, 111, 0, 0)
    );
    let tree = b.story_tree(Project::DEFAULT_ID).await.unwrap();
    assert_eq!(count(&tree), (93, 111, 0, 0));
    assert_eq!(depth(&tree), 4);
    assert_eq!(report.tree_depth, 4);
    // Timestamps-as-ids become small counter ids.
    assert!(report.id_map.stories.values().all(|id| *id <= 93));
    assert!(report.id_map.stories.contains_key("1769568233846"));
    // A story whose parent the backup lacks is a root, and the report says so.
    let orphan = report
        .adjustments
        .iter()
        .find(|a| a.source_id == "1768798163377")
        .expect("the dangling parent is reported");
    assert_eq!(orphan.field, "parentId");
}

async fn imports_the_story_list_with_every_adjustment_reported(f: Fixture) {
    let b = &f.backlog;
    let report = b
        .import(
            &fixture("original-story-list.json"),
            Project::DEFAULT_ID,
            false,
        )
        .await
        .unwrap();
    assert_eq!(report.format, "story-list");
    assert_eq!(
        (report.created.stories, report.created.acceptance_tests),
        (49, 6)
    );
    assert_eq!(report.tree_depth, 3);
    let dropped: Vec<_> = report
        .adjustments
        .iter()
        .filter(|a| a.field == "components")
        .collect();
    assert_eq!(
        dropped.len(),
        49,
        "every story's 'System' component is reported"
    );
    assert!(dropped[0].message.contains("System"));
    let tree = b.story_tree(Project::DEFAULT_ID).await.unwrap();
    assert_eq!(depth(&tree), 3);
    let list = b.story_list(Project::DEFAULT_ID).await.unwrap();
    let done = list
        .iter()
        .filter(|v| v.story.status.label() == "Done")
        .count();
    assert_eq!(done, 5, "statuses are kept as given");
    assert!(list
        .iter()
        .all(|v| v.story.assignee_email.as_ref().map(|e| e.as_str()) == Some("dev@aipm.dev")));
}

async fn json_and_csv_round_trip_apart_from_ids(f: Fixture) {
    let b = &f.backlog;
    b.import(
        &fixture("original-sqlite-export.json"),
        Project::DEFAULT_ID,
        false,
    )
    .await
    .unwrap();
    let first_json = b
        .export(Project::DEFAULT_ID, ExportFormat::Json)
        .await
        .unwrap();
    let first_csv = b
        .export(Project::DEFAULT_ID, ExportFormat::Csv)
        .await
        .unwrap();

    let from_json = b
        .create_project(Title::parse("From JSON").unwrap(), String::new(), None)
        .await
        .unwrap();
    b.import(&first_json, from_json.id, false).await.unwrap();
    let from_csv = b
        .create_project(Title::parse("From CSV").unwrap(), String::new(), None)
        .await
        .unwrap();
    let report = b.import(&first_csv, from_csv.id, false).await.unwrap();
    assert_eq!(report.format, "csv");
    assert!(report.adjustments.is_empty(), "{:?}", report.adjustments);

    let original: Value = serde_json::from_slice(&first_json).unwrap();
    for project in [from_json.id, from_csv.id] {
        let again: Value =
            serde_json::from_slice(&b.export(project, ExportFormat::Json).await.unwrap()).unwrap();
        assert_eq!(
            without_ids(again),
            without_ids(original.clone()),
            "project {project} differs"
        );
    }
}

async fn malformed_files_are_refused_naming_the_place_and_write_nothing(f: Fixture) {
    let b = &f.backlog;
    let cases: [(&[u8], &str); 5] = [
        (b"{\"tables\": {\"user_stories\": [", "line 1"),
        (
            b"{\"tables\": {\"user_stories\": [{\"title\": \"no id\"}]}}",
            "tables.user_stories[0].id",
        ),
        (
            b"{\"tables\": {\"user_stories\": [{\"id\": 1}], \"tasks\": 7}}",
            "tables.tasks",
        ),
        (
            b"[{\"id\": 1, \"title\": \"ok\", \"children\": [{\"title\": \"no id\"}]}]",
            "[0].children[0].id",
        ),
        (b"name,owner\nx,y\n", "'id' column"),
    ];
    for (bytes, place) in cases {
        let err = b
            .import(bytes, Project::DEFAULT_ID, false)
            .await
            .unwrap_err();
        assert!(matches!(err, Error::Invalid { .. }), "{err}");
        assert!(err.to_string().contains(place), "{err} should name {place}");
    }
    let err = b.import(b"[]", ProjectId(99), false).await.unwrap_err();
    assert!(
        matches!(&err, Error::Invalid { field, .. } if field == "projectId"),
        "{err}"
    );
    assert!(b.story_tree(Project::DEFAULT_ID).await.unwrap().is_empty());
}

async fn a_dry_run_reports_without_writing(f: Fixture) {
    let b = &f.backlog;
    let report = b
        .import(
            &fixture("original-sqlite-export.json"),
            Project::DEFAULT_ID,
            true,
        )
        .await
        .unwrap();
    assert!(report.dry_run);
    assert_eq!(report.created.stories, 50);
    assert!(report.id_map.stories.is_empty());
    assert!(b.story_tree(Project::DEFAULT_ID).await.unwrap().is_empty());
    assert_eq!(
        f.store.take_ids(Counter::Story, 1).await.unwrap(),
        1,
        "no id was taken"
    );
}

/// What an import that died half-way leaves: its stories are written but the
/// project still lists the import as pending — none of it is visible.
async fn an_unfinished_import_is_invisible(f: Fixture) {
    let b = &f.backlog;
    let project = b.project(Project::DEFAULT_ID).await.unwrap();
    let mut pending = project.clone();
    pending.pending_imports.push(7);
    pending.version += 1;
    let mut story: Story = b
        .create_story(conformance_story("visible"), None, true)
        .await
        .unwrap();
    story.id = StoryId(f.store.take_ids(Counter::Story, 1).await.unwrap());
    story.import_id = Some(7);
    f.store
        .commit(vec![
            Write::PutProject {
                project: pending,
                expect: Expect::Version(project.version),
            },
            Write::PutStory {
                story: story.clone(),
                expect: Expect::Absent,
            },
        ])
        .await
        .unwrap();
    let titles: Vec<String> = b
        .story_list(Project::DEFAULT_ID)
        .await
        .unwrap()
        .iter()
        .map(|v| v.story.title.to_string())
        .collect();
    assert_eq!(titles, ["visible"]);
    assert_eq!(
        b.story_view(story.id).await.unwrap_err().code(),
        Some("NOT_FOUND")
    );
}

fn conformance_story(title: &str) -> aipm_core::backlog::NewStory {
    aipm_core::backlog::NewStory {
        project_id: Project::DEFAULT_ID,
        parent_id: None,
        title: Title::parse(title).unwrap(),
        content: Default::default(),
        assignee_email: None,
        status: aipm_core::domain::StoryStatus::Draft,
    }
}

macro_rules! both_stores {
    ($($case:ident),+ $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $case() {
                    super::$case(crate::support::sqlite().await).await;
                }
            )+
        }
        mod dynamodb {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $case() {
                    super::$case(crate::support::dynamodb().await).await;
                }
            )+
        }
    };
}

both_stores!(
    imports_the_table_dump,
    imports_the_tree_backup,
    imports_the_story_list_with_every_adjustment_reported,
    json_and_csv_round_trip_apart_from_ids,
    malformed_files_are_refused_naming_the_place_and_write_nothing,
    a_dry_run_reports_without_writing,
    an_unfinished_import_is_invisible,
);
