//! Import and export on both stores: the original AIPM's three formats with
//! exact counts and every adjustment by source id, JSON and CSV round trips,
//! refusals that write nothing, and an import that stays invisible until it
//! is complete.

mod support;

use aipm_core::backlog::StoryView;
use aipm_core::domain::{Counter, Project, ProjectId, Story, StoryId, Title};
use aipm_core::store::{Expect, Write};
use aipm_core::transfer::{ExportFormat, ImportReport, UNASSIGNED};
use aipm_core::Error;
use serde_json::Value;
use support::Fixture;

/// One of the original AIPM's exports, written for these tests
/// (`tests/fixtures/` at the workspace root, beside `Cargo.lock`).
fn fixture(name: &str) -> Vec<u8> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .find(|dir| dir.join("Cargo.lock").is_file())
        .expect("the workspace root");
    let path = root.join("tests/fixtures").join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()))
}

/// The adjustments of a report as (entity, source id, field).
fn adjusted(report: &ImportReport) -> Vec<(&str, &str, &str)> {
    report
        .adjustments
        .iter()
        .map(|a| (a.entity, a.source_id.as_str(), a.field.as_str()))
        .collect()
}

fn created(report: &ImportReport) -> (usize, usize, usize, usize) {
    let c = &report.created;
    (c.stories, c.acceptance_tests, c.tasks, c.dependencies)
}

fn steps(steps: &aipm_core::domain::Steps) -> Vec<&str> {
    steps.as_slice().iter().map(String::as_str).collect()
}

/// The links a story names, as (target's source id, relationship).
fn links_of(view: &StoryView, report: &ImportReport) -> Vec<(String, &'static str)> {
    let source_of = |id: StoryId| {
        report
            .id_map
            .stories
            .iter()
            .find(|(_, new)| **new == id.0)
            .map(|(source, _)| source.clone())
            .expect("every imported story is in the id map")
    };
    let mut links: Vec<_> = view
        .dependencies
        .iter()
        .map(|d| (source_of(d.story_id), d.relationship.label()))
        .collect();
    links.sort();
    links
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

/// The SQLite-era dump: snake_case columns, arrays stored as JSON strings,
/// ISO timestamps, link rows of their own; ids are remapped parents first.
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
    assert_eq!(created(&report), (21, 15, 10, 8));
    assert_eq!(report.tree_depth, 5);
    assert_eq!(
        adjusted(&report),
        [
            ("story", "8", "components"),
            ("story", "15", "status"),
            ("acceptance test", "14", "status"),
            ("acceptance test", "15", "storyId"),
            ("task", "7", "assigneeEmail"),
            ("task", "8", "assigneeEmail"),
            ("task", "9", "status"),
            ("task", "11", "storyId"),
            ("dependency", "5->99", "dependsOnStoryId"),
            ("dependency", "7->7", "dependsOnStoryId"),
            ("dependency", "6->2", "dependsOnStoryId"),
        ]
    );
    let tree = b.story_tree(Project::DEFAULT_ID).await.unwrap();
    assert_eq!(count(&tree), (21, 15, 10, 8));
    assert_eq!(depth(&tree), 5);
    // Ids are the counter's, roots first, and the report maps the source's to them.
    let ids = &report.id_map.stories;
    assert_eq!(ids.len(), 21);
    assert_eq!(
        [ids["1"], ids["10"], ids["16"], ids["2"], ids["5"]],
        [1, 2, 3, 4, 21]
    );
    let story = |source: &str| b.story_view(StoryId(report.id_map.stories[source]));

    let desk = story("1").await.unwrap();
    assert_eq!(desk.story.title.as_str(), "Lending desk");
    assert_eq!(desk.story.story_point, Some(13));
    assert_eq!(
        desk.story.created_at.to_rfc3339(),
        "2024-03-04T09:30:00.000Z"
    );
    assert_eq!(desk.children.len(), 3);
    let test = &desk.acceptance_tests[0].test;
    assert_eq!(
        test.title.as_str(),
        "AT-1-1",
        "the dump's tests have no title"
    );
    assert_eq!(steps(&test.given).len(), 1, "Given stored as a JSON string");
    assert_eq!(steps(&test.then).len(), 2, "Then stored as a JSON string");

    let catalogue = story("10").await.unwrap();
    assert_eq!(
        catalogue.story.created_at.to_rfc3339(),
        "2024-03-04T09:00:00.000Z",
        "an offset is turned into UTC"
    );
    let names = |v: &StoryView| {
        v.story
            .components
            .iter()
            .map(|c| c.label())
            .collect::<Vec<_>>()
    };
    assert_eq!(
        names(&catalogue),
        ["Document_Intelligence", "Traceabilty_Insight"]
    );
    assert_eq!(
        names(&story("11").await.unwrap()),
        ["Traceabilty_Insight"],
        "the corrected spelling is the catalog's component"
    );
    let late_fee = story("8").await.unwrap();
    assert_eq!(names(&late_fee), ["WorkModel"], "Payments is dropped");
    assert_eq!(
        links_of(&late_fee, &report),
        [("20".to_string(), "blocks"), ("7".to_string(), "depends")]
    );
    assert_eq!(story("15").await.unwrap().story.status.label(), "Draft");
    assert_eq!(story("14").await.unwrap().story.status.label(), "Approved");

    let register = story("17").await.unwrap();
    assert_eq!(
        steps(&register.acceptance_tests[0].test.when),
        ["When the clerk saves the form"],
        "When stored as plain text"
    );
    assert_eq!(
        register.tasks[0].estimation_hours.map(|h| h.get()),
        Some(4.5)
    );
    let loans = story("20").await.unwrap();
    assert_eq!(
        steps(&loans.acceptance_tests[0].test.given),
        [
            "Given a member with two loans",
            "And one of them is overdue"
        ],
        "Given as text, one step per line"
    );
    let reminders = story("18").await.unwrap();
    assert_eq!(reminders.acceptance_tests[0].test.status.label(), "Draft");
    let search = story("11").await.unwrap();
    let author_index = search
        .tasks
        .iter()
        .find(|t| t.title.as_str() == "Build the author index");
    assert_eq!(
        author_index.unwrap().assignee_email.as_str(),
        "cat@library.test",
        "a task without an address goes to its story's assignee"
    );
    let accounts = story("16").await.unwrap();
    assert_eq!(accounts.tasks[0].assignee_email.as_str(), UNASSIGNED);
    assert_eq!(
        story("14").await.unwrap().tasks[0].status.label(),
        "Not Started"
    );
}

/// The API's tree backup: camelCase, nested children, tests, tasks and
/// links; timestamps as ids; fields of the original UI that are ignored.
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
    assert_eq!(created(&report), (13, 8, 2, 3));
    assert_eq!(report.tree_depth, 4);
    assert_eq!(
        adjusted(&report),
        [
            ("story", "1770100000010", "components"),
            ("story", "1770100000011", "assigneeEmail"),
            ("story", "1770100000012", "status"),
            ("story", "1770100000012", "title"),
            ("story", "1770100000012", "updatedAt"),
            ("story", "1770100000009", "id"),
            ("story", "1770100000013", "parentId"),
            ("acceptance test", "1770100000505", "when"),
            ("task", "1770100000901", "estimationHours"),
            (
                "dependency",
                "1770100000006->1770099999999",
                "dependsOnStoryId"
            ),
        ]
    );
    let tree = b.story_tree(Project::DEFAULT_ID).await.unwrap();
    assert_eq!(count(&tree), (13, 8, 2, 3));
    assert_eq!(depth(&tree), 4);
    // Timestamps-as-ids become small counter ids.
    assert!(report.id_map.stories.values().all(|id| *id <= 13));
    let story = |source: &str| b.story_view(StoryId(report.id_map.stories[source]));

    // A story whose parent the backup lacks is a root.
    let gate = story("1770100000013").await.unwrap();
    assert_eq!(gate.story.parent_id, None);
    assert_eq!(tree.len(), 4);
    // Epoch milliseconds, as a number and as a string of digits.
    let waiting = story("1770100000005").await.unwrap();
    assert_eq!(waiting.story.created_at.millis(), 1_770_100_000_005);
    assert_eq!(waiting.story.updated_at.millis(), 1_770_100_500_000);
    assert_eq!(waiting.story.assignee_email, None, "'' is no assignee");
    assert_eq!(
        steps(&waiting.acceptance_tests[1].test.when),
        ["(empty in the source)"]
    );
    assert_eq!(
        steps(
            &story("1770100000003").await.unwrap().acceptance_tests[0]
                .test
                .then
        ),
        ["All 24 plots are drawn with their numbers"],
        "Then as one text"
    );
    let news = story("1770100000010").await.unwrap();
    let names: Vec<_> = news.story.components.iter().map(|c| c.label()).collect();
    assert_eq!(names, ["Traceabilty_Insight"], "Compost is dropped");
    assert_eq!(news.children.len(), 2);
    let rota = story("1770100000011").await.unwrap();
    assert_eq!(rota.story.assignee_email, None);
    assert_eq!(
        links_of(&rota, &report),
        [("1770100000005".to_string(), "blocks")]
    );
    let untitled = story("1770100000012").await.unwrap();
    assert_eq!(
        untitled.story.title.as_str(),
        "Untitled story 1770100000012"
    );
    assert_eq!(untitled.story.status.label(), "Draft");
    assert_eq!(untitled.story.story_point, None);
    // The link's target under its other name.
    assert_eq!(
        links_of(&story("1770100000008").await.unwrap(), &report),
        [("1770100000003".to_string(), "depends")]
    );
    assert_eq!(
        story("1770100000009").await.unwrap().story.title.as_str(),
        "Report a broken tool",
        "the first of two records with one id is kept"
    );
    let plots = story("1770100000001").await.unwrap();
    let hours: Vec<_> = plots
        .tasks
        .iter()
        .map(|t| t.estimation_hours.map(|h| h.get()))
        .collect();
    assert_eq!(hours, [Some(2.0), None]);
}

/// The flat story list: both casings in one file, epoch-ms timestamps,
/// text steps, and a parent chain with every flaw the importer mends.
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
    assert_eq!(created(&report), (11, 4, 2, 3));
    assert_eq!(report.tree_depth, 3);
    assert_eq!(
        adjusted(&report),
        [
            ("story", "1", "components"),
            ("story", "4", "storyPoint"),
            ("story", "3", "id"),
            ("story", "9", "storyPoint"),
            ("story", "9", "assigneeEmail"),
            ("story", "9", "title"),
            ("story", "10", "status"),
            ("story", "10", "createdAt"),
            ("story", "11", "title"),
            ("story", "5", "parentId"),
            ("story", "6", "parentId"),
            ("story", "7", "parentId"),
            ("acceptance test", "3", "when"),
            ("acceptance test", "4", "storyId"),
            ("acceptance test", "5", "status"),
            ("task", "1", "assigneeEmail"),
            ("task", "1", "estimationHours"),
            ("task", "1", "title"),
            ("dependency", "4->2", "relationship"),
            ("dependency", "8->404", "dependsOnStoryId"),
        ]
    );
    assert!(report.adjustments[0].message.contains("System"));
    let tree = b.story_tree(Project::DEFAULT_ID).await.unwrap();
    assert_eq!(depth(&tree), 3);
    assert_eq!(count(&tree), (11, 4, 2, 3));
    let id = |source: &str| StoryId(report.id_map.stories[source]);
    let story = |source: &str| b.story_view(id(source));

    let plan = story("1").await.unwrap();
    assert_eq!(
        plan.story.created_at.to_rfc3339(),
        "2026-01-01T00:00:00.000Z"
    );
    assert_eq!(plan.story.story_point, Some(8), "story_points");
    assert_eq!(
        plan.story.assignee_email.as_ref().map(|e| e.as_str()),
        Some("planner@foodbank.test"),
        "assignee"
    );
    assert_eq!(plan.acceptance_tests[0].test.status.label(), "Draft");
    // The camelCase record among snake_case ones.
    let sign_up = story("2").await.unwrap();
    assert_eq!(sign_up.story.parent_id, Some(id("1")));
    assert_eq!(sign_up.story.story_point, Some(3));
    assert_eq!(sign_up.story.status.label(), "Done");
    assert_eq!(
        sign_up.story.created_at.to_rfc3339(),
        "2026-01-02T00:00:00.000Z"
    );
    let names: Vec<_> = sign_up.story.components.iter().map(|c| c.label()).collect();
    assert_eq!(names, ["WorkModel", "Run_Verify"], "a comma-separated list");
    let test = &sign_up.acceptance_tests[0].test;
    assert_eq!(steps(&test.given), ["a shift has one free slot"]);
    assert_eq!(
        steps(&test.then),
        ["the shift shows no free slot", "I get a confirmation email"]
    );
    let task = &sign_up.tasks[0];
    assert_eq!(
        (task.title.as_str(), task.assignee_email.as_str()),
        ("Untitled task", "planner@foodbank.test")
    );
    assert_eq!(task.estimation_hours, None);

    let cancel = story("3").await.unwrap();
    assert_eq!(
        cancel.story.title.as_str(),
        "Cancel a shift up to a day before"
    );
    assert_eq!(cancel.story.parent_id, Some(id("2")));
    assert_eq!(links_of(&cancel, &report), [("2".to_string(), "depends")]);
    assert_eq!(steps(&cancel.acceptance_tests[0].test.then).len(), 2);
    let names_on_shift = story("4").await.unwrap();
    assert_eq!(names_on_shift.story.story_point, Some(2), "1.5 is rounded");
    assert_eq!(
        names_on_shift.acceptance_tests[0].test.title.as_str(),
        format!("AT-{}-1", id("4")),
        "an empty title is generated"
    );
    assert_eq!(
        links_of(&names_on_shift, &report),
        [("2".to_string(), "depends")]
    );
    for root in ["5", "6", "7"] {
        assert_eq!(story(root).await.unwrap().story.parent_id, None, "{root}");
    }
    assert_eq!(story("8").await.unwrap().story.parent_id, Some(id("7")));
    let overview = story("9").await.unwrap();
    assert_eq!(overview.story.title.as_str().chars().count(), 200);
    assert_eq!(
        (overview.story.story_point, &overview.story.assignee_email),
        (None, &None)
    );
    assert_eq!(links_of(&overview, &report), [("5".to_string(), "blocks")]);
    assert_eq!(story("10").await.unwrap().story.status.label(), "Draft");
    assert_eq!(
        story("11").await.unwrap().story.title.as_str(),
        "Untitled story 11"
    );
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
    assert_eq!(report.created.stories, 21);
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
