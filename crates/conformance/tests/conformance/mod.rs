//! The store conformance suite: every case runs unchanged against each store
//! (see `store_conformance.rs`). Cases go through `Backlog`, so they check the
//! rules of DESIGN §3.3 and the store operations they rely on.

#![allow(dead_code)]

use crate::support::Fixture;
use aipm_core::backlog::{Backlog, NewStory, NewTask, NewTest};
use aipm_core::domain::*;
use aipm_core::store::{Expect, Write};
use aipm_core::Error;
use std::collections::HashSet;

mod races;
pub use races::*;

pub fn title(s: &str) -> Title {
    Title::parse(s).unwrap()
}

fn steps(s: &str) -> Steps {
    Steps::parse(vec![s.to_string()]).unwrap()
}

pub fn new_story(t: &str, parent: Option<StoryId>) -> NewStory {
    NewStory {
        project_id: Project::DEFAULT_ID,
        parent_id: parent,
        title: title(t),
        content: StoryContent {
            description: format!("{t} described"),
            as_a: "project manager".into(),
            i_want: format!("to {t}"),
            so_that: "the team ships what users need".into(),
            components: vec![Component::WorkModel],
            story_point: Some(3),
        },
        assignee_email: None,
        status: StoryStatus::Draft,
    }
}

pub fn new_test(status: TestStatus) -> NewTest {
    NewTest {
        title: None,
        given: steps("a story exists"),
        when: steps("the user opens it"),
        then: steps("the title is shown"),
        status,
    }
}

fn new_task(t: &str) -> NewTask {
    NewTask {
        title: title(t),
        description: String::new(),
        status: TaskStatus::NotStarted,
        assignee_email: Email::parse("dev@aipm.dev").unwrap(),
        estimation_hours: Some(Hours::parse(2.5).unwrap()),
    }
}

pub async fn story(b: &Backlog, t: &str, parent: Option<StoryId>) -> Story {
    b.create_story(new_story(t, parent), None, true)
        .await
        .unwrap()
}

fn status_change(status: StoryStatus) -> StoryChanges {
    StoryChanges {
        status: Some(status),
        ..Default::default()
    }
}

fn code(e: &Error) -> &'static str {
    e.code().unwrap_or("INTERNAL")
}

// ---- ids and projects ----

pub async fn ids_are_small_counters(f: Fixture) {
    let b = &f.backlog;
    let a = story(b, "first", None).await;
    let c = story(b, "second", None).await;
    assert_eq!(a.id, StoryId(1));
    assert_eq!(c.id, StoryId(2));
    let p = b
        .create_project(title("Billing"), "".into(), None)
        .await
        .unwrap();
    assert_eq!(p.id, ProjectId(2), "project 1 is the default one");
    let listed: Vec<ProjectId> = b.projects().await.unwrap().iter().map(|p| p.id).collect();
    assert_eq!(listed, [ProjectId(1), ProjectId(2)]);
}

pub async fn concurrent_id_takes_never_collide(f: Fixture) {
    let mut handles = Vec::new();
    for _ in 0..40 {
        let store = f.store.clone();
        handles.push(tokio::spawn(async move {
            store.take_ids(Counter::Story, 1).await.unwrap()
        }));
    }
    let mut seen = HashSet::new();
    for h in handles {
        assert!(seen.insert(h.await.unwrap()), "an id was handed out twice");
    }
    assert_eq!(seen, (1..=40).collect());
    assert_eq!(f.store.take_ids(Counter::Story, 10).await.unwrap(), 41);
    assert_eq!(f.store.take_ids(Counter::Story, 1).await.unwrap(), 51);
}

pub async fn default_project_is_created_once(f: Fixture) {
    let again = f.backlog.ensure_default_project().await.unwrap();
    assert_eq!(again.id, Project::DEFAULT_ID);
    assert_eq!(f.backlog.projects().await.unwrap().len(), 1);
}

// ---- create and read ----

pub async fn created_story_reads_back_as_written(f: Fixture) {
    let b = &f.backlog;
    let created = b
        .create_story(
            new_story("read back", None),
            Some(new_test(TestStatus::Draft)),
            true,
        )
        .await
        .unwrap();
    assert_eq!(created.version, 1);
    let view = b.story_view(created.id).await.unwrap();
    assert_eq!(view.story, created);
    assert_eq!(
        view.acceptance_tests.len(),
        1,
        "the first test is created with the story"
    );
    let test = &view.acceptance_tests[0].test;
    assert_eq!(test.title.as_str(), format!("AT-{}-1", created.id));
    assert_eq!(test.status, TestStatus::Draft);
}

/// A test's Given/When/Then checks are computed when it is written and kept
/// in its stored form: the store gives back exactly what was computed, and
/// a change of steps stores the new checks.
pub async fn test_checks_are_stored_and_read_back(f: Fixture) {
    let b = &f.backlog;
    let s = story(b, "store checks", None).await;
    let mut new = new_test(TestStatus::Draft);
    new.then = Steps::parse(vec!["it works well".into(), "the title is shown".into()]).unwrap();
    let created = b.create_test(s.id, new, true).await.unwrap();
    let stored = f.store.get_test(created.id).await.unwrap().unwrap();
    let checks = stored.checks.clone().expect("checks stored on create");
    assert_eq!(stored, created);
    assert_eq!(checks, created.computed_checks());
    assert_eq!(checks.measurability_warnings.len(), 1, "{checks:?}");
    assert!(!checks.gwt_health.satisfied);

    let changes = TestChanges {
        then: Some(steps("the title is shown")),
        ..TestChanges::default()
    };
    b.update_test(created.id, None, changes, true)
        .await
        .unwrap();
    let updated = f.store.get_test(created.id).await.unwrap().unwrap();
    let checks = updated.checks.expect("checks stored on update");
    assert!(checks.measurability_warnings.is_empty(), "{checks:?}");
    assert!(checks.gwt_health.satisfied);
}

pub async fn parent_must_exist_in_the_same_project(f: Fixture) {
    let b = &f.backlog;
    let other = b
        .create_project(title("Other"), "".into(), None)
        .await
        .unwrap();
    let mut foreign = new_story("foreign root", None);
    foreign.project_id = other.id;
    let foreign = b.create_story(foreign, None, true).await.unwrap();

    let err = b
        .create_story(new_story("child", Some(foreign.id)), None, true)
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::Invalid { field, .. } if field == "parentId"),
        "{err}"
    );
    let err = b
        .create_story(new_story("child", Some(StoryId(999))), None, true)
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::Invalid { field, reason } if field == "parentId" && reason.contains("999")),
        "{err}"
    );
    let mut lost = new_story("lost", None);
    lost.project_id = ProjectId(77);
    let err = b.create_story(lost, None, true).await.unwrap_err();
    assert!(
        matches!(&err, Error::Invalid { field, .. } if field == "projectId"),
        "{err}"
    );
    assert!(
        b.story_tree(Project::DEFAULT_ID).await.unwrap().is_empty(),
        "a refused create wrote nothing"
    );
}

pub async fn tree_nests_children_once(f: Fixture) {
    let b = &f.backlog;
    let epic = story(b, "epic", None).await;
    let feature = story(b, "feature", Some(epic.id)).await;
    let leaf = story(b, "leaf", Some(feature.id)).await;
    let other_root = story(b, "other root", None).await;

    let tree = b.story_tree(Project::DEFAULT_ID).await.unwrap();
    let roots: Vec<StoryId> = tree.iter().map(|v| v.story.id).collect();
    assert_eq!(
        roots,
        [epic.id, other_root.id],
        "children are not repeated at the top"
    );
    assert_eq!(tree[0].children.len(), 1);
    assert_eq!(tree[0].children[0].story.id, feature.id);
    assert_eq!(tree[0].children[0].children[0].story.id, leaf.id);

    let flat = b.story_list(Project::DEFAULT_ID).await.unwrap();
    assert_eq!(flat.len(), 4);
    assert!(flat.iter().all(|v| v.children.is_empty()));

    let view = b.story_view(epic.id).await.unwrap();
    assert_eq!(
        view.children.len(),
        1,
        "a story's view lists its direct children"
    );
}

pub async fn projects_keep_their_stories_apart(f: Fixture) {
    let b = &f.backlog;
    let other = b
        .create_project(title("Other"), "".into(), None)
        .await
        .unwrap();
    story(b, "in default", None).await;
    let mut s = new_story("in other", None);
    s.project_id = other.id;
    b.create_story(s, None, true).await.unwrap();
    let default_titles: Vec<String> = b
        .story_list(Project::DEFAULT_ID)
        .await
        .unwrap()
        .iter()
        .map(|v| v.story.title.to_string())
        .collect();
    assert_eq!(default_titles, ["in default"]);
    assert_eq!(b.story_list(other.id).await.unwrap().len(), 1);
}

/// A project larger than one page of a DynamoDB Query (1 MB) is read
/// whole: every page is read, none twice.
pub async fn a_project_larger_than_one_read_page_is_read_whole(f: Fixture) {
    let b = &f.backlog;
    let filler = "The export keeps every column the report shows, in order. ".repeat(700);
    for n in 0..30 {
        let mut s = new_story(&format!("export report {n}"), None);
        s.content.description = format!("{n}: {filler}");
        b.create_story(s, None, true).await.unwrap();
    }
    let listed = b.story_list(Project::DEFAULT_ID).await.unwrap();
    let bytes: usize = listed
        .iter()
        .map(|v| v.story.content().1.description.len())
        .sum();
    assert!(bytes > 1_200_000, "more than a page: {bytes} bytes");
    let mut titles: Vec<String> = listed.iter().map(|v| v.story.title.to_string()).collect();
    titles.sort();
    titles.dedup();
    assert_eq!(titles.len(), 30, "each story once");
}

// ---- updates and versions ----

pub async fn update_changes_only_what_it_names(f: Fixture) {
    let b = &f.backlog;
    let s = story(b, "partial", None).await;
    let changes = StoryChanges {
        description: Some("new words".into()),
        ..Default::default()
    };
    let updated = b.update_story(s.id, Some(1), changes, true).await.unwrap();
    assert_eq!(updated.version, 2);
    assert_eq!(updated.description, "new words");
    assert_eq!(updated.title, s.title);
    assert_eq!(updated.as_a, s.as_a);
    assert_eq!(updated.story_point, s.story_point);
    assert_eq!(b.story_view(s.id).await.unwrap().story, updated);

    let cleared = StoryChanges {
        story_point: Some(None),
        ..Default::default()
    };
    assert_eq!(
        b.update_story(s.id, None, cleared, true)
            .await
            .unwrap()
            .story_point,
        None
    );
}

pub async fn stale_version_is_refused_and_nothing_is_written(f: Fixture) {
    let b = &f.backlog;
    let s = story(b, "stale", None).await;
    b.update_story(s.id, Some(1), status_change(StoryStatus::Ready), true)
        .await
        .unwrap();
    let err = b
        .update_story(
            s.id,
            Some(1),
            StoryChanges {
                title: Some(title("lost")),
                ..Default::default()
            },
            true,
        )
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::VersionConflict {
                expected: 1,
                actual: Some(2),
                ..
            }
        ),
        "{err}"
    );
    let now = b.story_view(s.id).await.unwrap().story;
    assert_eq!(now.title.as_str(), "stale");
    assert_eq!(now.version, 2);
}

pub async fn two_writers_with_one_version_exactly_one_wins(f: Fixture) {
    let b = &f.backlog;
    let s = story(b, "race", None).await;
    let mut handles = Vec::new();
    for i in 0..8 {
        let b = b.clone();
        handles.push(tokio::spawn(async move {
            let changes = StoryChanges {
                title: Some(title(&format!("writer {i}"))),
                ..Default::default()
            };
            b.update_story(s.id, Some(1), changes, true).await
        }));
    }
    let mut wins = Vec::new();
    for h in handles {
        match h.await.unwrap() {
            Ok(story) => wins.push(story),
            Err(e) => assert_eq!(code(&e), "VERSION_CONFLICT", "{e}"),
        }
    }
    assert_eq!(wins.len(), 1, "exactly one writer wins");
    let stored = b.story_view(s.id).await.unwrap().story;
    assert_eq!(stored, wins[0]);
    assert_eq!(stored.version, 2);
}

pub async fn concurrent_updates_without_version_all_land(f: Fixture) {
    let b = &f.backlog;
    let s = story(b, "merge", None).await;
    let a = {
        let b = b.clone();
        tokio::spawn(async move {
            b.update_story(
                s.id,
                None,
                StoryChanges {
                    description: Some("from a".into()),
                    ..Default::default()
                },
                true,
            )
            .await
        })
    };
    let c = {
        let b = b.clone();
        tokio::spawn(async move {
            b.update_story(
                s.id,
                None,
                StoryChanges {
                    as_a: Some("from c".into()),
                    ..Default::default()
                },
                true,
            )
            .await
        })
    };
    a.await.unwrap().unwrap();
    c.await.unwrap().unwrap();
    let stored = b.story_view(s.id).await.unwrap().story;
    assert_eq!(
        (stored.description.as_str(), stored.as_a.as_str()),
        ("from a", "from c"),
        "no update was lost"
    );
    assert_eq!(stored.version, 3);
}

pub async fn content_change_marks_tests_for_review(f: Fixture) {
    let b = &f.backlog;
    let s = b
        .create_story(
            new_story("reviewed", None),
            Some(new_test(TestStatus::Pass)),
            true,
        )
        .await
        .unwrap();
    b.update_story(s.id, None, status_change(StoryStatus::Ready), true)
        .await
        .unwrap();
    let view = b.story_view(s.id).await.unwrap();
    assert_eq!(
        view.acceptance_tests[0].test.status,
        TestStatus::Pass,
        "a status change is not a content change"
    );

    b.update_story(
        s.id,
        None,
        StoryChanges {
            so_that: Some("a new benefit".into()),
            ..Default::default()
        },
        true,
    )
    .await
    .unwrap();
    let view = b.story_view(s.id).await.unwrap();
    let test = &view.acceptance_tests[0].test;
    assert_eq!(test.status, TestStatus::NeedsReview);
    assert_eq!(test.version, 2);
}

pub async fn unchanged_update_keeps_the_version(f: Fixture) {
    let b = &f.backlog;
    let s = story(b, "same", None).await;
    let same = b
        .update_story(
            s.id,
            Some(1),
            StoryChanges {
                title: Some(title("same")),
                ..Default::default()
            },
            true,
        )
        .await
        .unwrap();
    assert_eq!(same.version, 1);
}

// ---- moves ----

pub async fn moving_under_own_descendant_is_a_cycle(f: Fixture) {
    let b = &f.backlog;
    let a = story(b, "a", None).await;
    let child = story(b, "child", Some(a.id)).await;
    let grandchild = story(b, "grandchild", Some(child.id)).await;
    for target in [grandchild.id, child.id, a.id] {
        let err = b
            .update_story(
                a.id,
                None,
                StoryChanges {
                    parent_id: Some(Some(target)),
                    ..Default::default()
                },
                true,
            )
            .await
            .unwrap_err();
        assert_eq!(code(&err), "CYCLE", "{err}");
    }
    assert_eq!(
        b.story_view(a.id).await.unwrap().story.parent_id,
        None,
        "nothing was written"
    );

    let moved = b
        .update_story(
            grandchild.id,
            None,
            StoryChanges {
                parent_id: Some(Some(a.id)),
                ..Default::default()
            },
            true,
        )
        .await
        .unwrap();
    assert_eq!(moved.parent_id, Some(a.id));
    let to_root = b
        .update_story(
            grandchild.id,
            None,
            StoryChanges {
                parent_id: Some(None),
                ..Default::default()
            },
            true,
        )
        .await
        .unwrap();
    assert_eq!(to_root.parent_id, None);
}

pub async fn moving_to_another_project_is_refused(f: Fixture) {
    let b = &f.backlog;
    let other = b
        .create_project(title("Other"), "".into(), None)
        .await
        .unwrap();
    let mut s = new_story("there", None);
    s.project_id = other.id;
    let there = b.create_story(s, None, true).await.unwrap();
    let here = story(b, "here", None).await;
    let err = b
        .update_story(
            here.id,
            None,
            StoryChanges {
                parent_id: Some(Some(there.id)),
                ..Default::default()
            },
            true,
        )
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::Invalid { field, .. } if field == "parentId"),
        "{err}"
    );
}

// ---- the Done gate ----

pub async fn done_needs_children_done(f: Fixture) {
    let b = &f.backlog;
    let parent = b
        .create_story(
            new_story("parent", None),
            Some(new_test(TestStatus::Pass)),
            true,
        )
        .await
        .unwrap();
    let child = story(b, "child", Some(parent.id)).await;
    let err = b
        .update_story(parent.id, None, status_change(StoryStatus::Done), true)
        .await
        .unwrap_err();
    assert_eq!(code(&err), "STORY_STATUS_BLOCKED");
    let Error::Rule { details, .. } = &err else {
        panic!("{err}")
    };
    assert_eq!(details["incompleteChildren"][0]["id"], child.id.0);
    assert_eq!(details["failingTests"].as_array().unwrap().len(), 0);
    assert_eq!(details["missingTests"], false);
    assert_eq!(
        b.story_view(parent.id).await.unwrap().story.status,
        StoryStatus::Draft
    );
}

pub async fn done_needs_at_least_one_test(f: Fixture) {
    let b = &f.backlog;
    let s = story(b, "untested", None).await;
    let err = b
        .update_story(s.id, None, status_change(StoryStatus::Done), true)
        .await
        .unwrap_err();
    let Error::Rule { rule, details, .. } = &err else {
        panic!("{err}")
    };
    assert_eq!(*rule, aipm_core::error::Rule::StoryStatusBlocked);
    assert_eq!(details["missingTests"], true);
}

pub async fn done_needs_every_test_passing(f: Fixture) {
    let b = &f.backlog;
    let s = b
        .create_story(
            new_story("failing", None),
            Some(new_test(TestStatus::Pass)),
            true,
        )
        .await
        .unwrap();
    let failing = b
        .create_test(s.id, new_test(TestStatus::Fail), true)
        .await
        .unwrap();
    let err = b
        .update_story(s.id, None, status_change(StoryStatus::Done), true)
        .await
        .unwrap_err();
    let Error::Rule { details, .. } = &err else {
        panic!("{err}")
    };
    assert_eq!(details["failingTests"][0]["id"], failing.id.0);
    assert_eq!(details["failingTests"].as_array().unwrap().len(), 1);

    b.update_test(
        failing.id,
        None,
        TestChanges {
            status: Some(TestStatus::Pass),
            ..Default::default()
        },
        true,
    )
    .await
    .unwrap();
    let done = b
        .update_story(s.id, None, status_change(StoryStatus::Done), true)
        .await
        .unwrap();
    assert_eq!(done.status, StoryStatus::Done);
}

pub async fn done_gate_looks_at_every_descendant(f: Fixture) {
    let b = &f.backlog;
    let parent = b
        .create_story(
            new_story("parent", None),
            Some(new_test(TestStatus::Pass)),
            true,
        )
        .await
        .unwrap();
    let child = b
        .create_story(
            new_story("child", Some(parent.id)),
            Some(new_test(TestStatus::Pass)),
            true,
        )
        .await
        .unwrap();
    let grandchild = story(b, "grandchild", Some(child.id)).await;
    // The child cannot be Done either, so make the grandchild's subtree the only blocker.
    let err = b
        .update_story(parent.id, None, status_change(StoryStatus::Done), true)
        .await
        .unwrap_err();
    let Error::Rule { details, .. } = &err else {
        panic!("{err}")
    };
    let blocking: HashSet<u64> = details["incompleteChildren"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_u64().unwrap())
        .collect();
    assert_eq!(blocking, HashSet::from([child.id.0, grandchild.id.0]));
}

// ---- tests and tasks ----

pub async fn test_update_keeps_status_unless_named(f: Fixture) {
    let b = &f.backlog;
    let s = story(b, "tested", None).await;
    let t = b
        .create_test(s.id, new_test(TestStatus::Pass), true)
        .await
        .unwrap();
    assert_eq!(t.title.as_str(), format!("AT-{}-1", s.id));
    let changes = TestChanges {
        then: Some(steps("the total shows 42 items")),
        ..Default::default()
    };
    let updated = b.update_test(t.id, Some(1), changes, true).await.unwrap();
    assert_eq!(
        updated.status,
        TestStatus::Pass,
        "a PATCH without status keeps it"
    );
    assert_eq!(updated.version, 2);
    let err = b
        .update_test(t.id, Some(1), TestChanges::default(), true)
        .await
        .unwrap_err();
    assert_eq!(code(&err), "VERSION_CONFLICT");
    let err = b.delete_test(t.id, Some(1)).await.unwrap_err();
    assert_eq!(code(&err), "VERSION_CONFLICT");
    b.delete_test(t.id, Some(2)).await.unwrap();
    assert!(b
        .story_view(s.id)
        .await
        .unwrap()
        .acceptance_tests
        .is_empty());
    assert_eq!(
        code(&b.delete_test(t.id, None).await.unwrap_err()),
        "NOT_FOUND"
    );
}

pub async fn tasks_belong_to_their_story(f: Fixture) {
    let b = &f.backlog;
    let s = story(b, "with tasks", None).await;
    let t = b
        .create_task(s.id, new_task("write the migration"))
        .await
        .unwrap();
    let changes = TaskChanges {
        status: Some(TaskStatus::Done),
        ..Default::default()
    };
    let done = b.update_task(t.id, Some(1), changes).await.unwrap();
    assert_eq!((done.status, done.version), (TaskStatus::Done, 2));
    assert_eq!(done.estimation_hours, Some(Hours::parse(2.5).unwrap()));
    let view = b.story_view(s.id).await.unwrap();
    assert_eq!(view.tasks, vec![done.clone()]);
    assert_eq!(
        code(
            &b.create_task(StoryId(999), new_task("x"))
                .await
                .unwrap_err()
        ),
        "NOT_FOUND"
    );
    b.delete_task(t.id, Some(2)).await.unwrap();
    assert!(b.story_view(s.id).await.unwrap().tasks.is_empty());
}

// ---- dependencies ----

pub async fn dependencies_show_at_both_ends(f: Fixture) {
    let b = &f.backlog;
    let api = story(b, "api", None).await;
    let ui = story(b, "ui", None).await;
    let docs = story(b, "docs", None).await;
    b.add_dependency(ui.id, api.id, Relationship::Depends)
        .await
        .unwrap();
    b.add_dependency(docs.id, ui.id, Relationship::Blocks)
        .await
        .unwrap();

    let ui_view = b.story_view(ui.id).await.unwrap();
    assert_eq!(ui_view.dependencies[0].story_id, api.id);
    assert_eq!(ui_view.dependencies[0].title.as_str(), "api");
    assert_eq!(ui_view.dependents[0].story_id, docs.id);
    assert_eq!(ui_view.blocking[0].story_id, docs.id);
    assert!(ui_view.blocked_by.is_empty());
    let docs_view = b.story_view(docs.id).await.unwrap();
    assert_eq!(docs_view.blocked_by[0].story_id, ui.id);

    let tree = b.story_list(Project::DEFAULT_ID).await.unwrap();
    let api_in_list = tree.iter().find(|v| v.story.id == api.id).unwrap();
    assert_eq!(
        api_in_list.dependents[0].story_id, ui.id,
        "the list carries links too"
    );

    let err = b
        .add_dependency(ui.id, api.id, Relationship::Depends)
        .await
        .unwrap_err();
    assert_eq!(code(&err), "DEPENDENCY_EXISTS");
    let err = b
        .add_dependency(ui.id, ui.id, Relationship::Depends)
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::Invalid { field, .. } if field == "dependsOnStoryId"),
        "{err}"
    );
    let err = b
        .add_dependency(ui.id, StoryId(999), Relationship::Depends)
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::Invalid { field, .. } if field == "dependsOnStoryId"),
        "{err}"
    );

    b.remove_dependency(ui.id, api.id).await.unwrap();
    assert!(b.story_view(api.id).await.unwrap().dependents.is_empty());
    assert_eq!(
        code(&b.remove_dependency(ui.id, api.id).await.unwrap_err()),
        "NOT_FOUND"
    );
}

// ---- delete ----

pub async fn delete_removes_the_whole_subtree(f: Fixture) {
    let b = &f.backlog;
    let keep = story(b, "keep", None).await;
    let root = b
        .create_story(
            new_story("root", None),
            Some(new_test(TestStatus::Draft)),
            true,
        )
        .await
        .unwrap();
    let child = b
        .create_story(
            new_story("child", Some(root.id)),
            Some(new_test(TestStatus::Draft)),
            true,
        )
        .await
        .unwrap();
    let task = b.create_task(child.id, new_task("task")).await.unwrap();
    b.add_dependency(keep.id, child.id, Relationship::Depends)
        .await
        .unwrap();
    b.add_dependency(child.id, keep.id, Relationship::Blocks)
        .await
        .unwrap();

    assert_eq!(b.deletion_impact(root.id).await.unwrap(), (2, 2));
    // Attaching the child moved the root to version 2.
    assert_eq!(b.delete_story(root.id, Some(2)).await.unwrap(), 2);

    let tree = b.story_tree(Project::DEFAULT_ID).await.unwrap();
    assert_eq!(tree.len(), 1);
    assert_eq!(tree[0].story.id, keep.id);
    let kept = b.story_view(keep.id).await.unwrap();
    assert!(
        kept.dependencies.is_empty() && kept.dependents.is_empty(),
        "links to the subtree are gone"
    );
    assert_eq!(
        code(&b.story_view(child.id).await.unwrap_err()),
        "NOT_FOUND"
    );
    assert!(f.store.get_task(task.id).await.unwrap().is_none());
    let contents = f.store.project_contents(Project::DEFAULT_ID).await.unwrap();
    assert!(contents.tests.is_empty() && contents.tasks.is_empty() && contents.links.is_empty());
}

pub async fn stale_delete_is_refused(f: Fixture) {
    let b = &f.backlog;
    let s = story(b, "stale delete", None).await;
    b.update_story(s.id, None, status_change(StoryStatus::Ready), true)
        .await
        .unwrap();
    assert_eq!(
        code(&b.delete_story(s.id, Some(1)).await.unwrap_err()),
        "VERSION_CONFLICT"
    );
    assert!(b.story_view(s.id).await.is_ok());
}

/// 40 stories in three levels, each with two tests and a task: 160 items,
/// past DynamoDB's 100-item transaction limit.
pub async fn delete_past_one_hundred_items(f: Fixture) {
    let b = &f.backlog;
    let keep = story(b, "keep", None).await;
    let root = b
        .create_story(
            new_story("big root", None),
            Some(new_test(TestStatus::Draft)),
            true,
        )
        .await
        .unwrap();
    let mut all = vec![root.id];
    let mut parents = vec![root.id];
    while all.len() < 40 {
        let parent = parents[(all.len() - 1) / 3 % parents.len()];
        let s = b
            .create_story(
                new_story(&format!("s{}", all.len()), Some(parent)),
                Some(new_test(TestStatus::Draft)),
                true,
            )
            .await
            .unwrap();
        b.create_test(s.id, new_test(TestStatus::Draft), true)
            .await
            .unwrap();
        b.create_task(s.id, new_task("t")).await.unwrap();
        all.push(s.id);
        if all.len() < 10 {
            parents.push(s.id);
        }
    }
    b.add_dependency(keep.id, all[39], Relationship::Depends)
        .await
        .unwrap();
    let (stories, tests) = b.deletion_impact(root.id).await.unwrap();
    assert_eq!((stories, tests), (40, 79));

    assert_eq!(b.delete_story(root.id, None).await.unwrap(), 40);
    let contents = f.store.project_contents(Project::DEFAULT_ID).await.unwrap();
    assert_eq!(
        contents.stories.iter().map(|s| s.id).collect::<Vec<_>>(),
        [keep.id]
    );
    assert!(contents.tests.is_empty() && contents.tasks.is_empty() && contents.links.is_empty());
}

/// A delete that died after marking its root: the subtree is hidden, nothing
/// can attach under it, and deleting again finishes the job.
pub async fn interrupted_delete_hides_the_subtree_and_resumes(f: Fixture) {
    let b = &f.backlog;
    let root = story(b, "root", None).await;
    let child = story(b, "child", Some(root.id)).await;
    // (Attaching the child moved the root to version 2.)
    let root = f.store.get_story(root.id).await.unwrap().unwrap();
    let mut marked = root.clone();
    marked.deleting = true;
    marked.version = root.version + 1;
    f.store
        .commit(vec![Write::PutStory {
            story: marked,
            expect: Expect::Version(root.version),
        }])
        .await
        .unwrap();

    assert!(b.story_tree(Project::DEFAULT_ID).await.unwrap().is_empty());
    assert!(b.story_list(Project::DEFAULT_ID).await.unwrap().is_empty());
    let err = b
        .create_story(new_story("late child", Some(child.id)), None, true)
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::Invalid { field, .. } if field == "parentId"),
        "{err}"
    );
    assert_eq!(
        code(
            &b.create_test(child.id, new_test(TestStatus::Draft), true)
                .await
                .unwrap_err()
        ),
        "NOT_FOUND"
    );

    assert_eq!(b.delete_story(root.id, None).await.unwrap(), 2);
    assert!(f
        .store
        .project_contents(Project::DEFAULT_ID)
        .await
        .unwrap()
        .stories
        .is_empty());
}

/// A writer that read the lineage before the delete began cannot attach
/// under it afterwards.
pub async fn attach_after_delete_began_is_refused(f: Fixture) {
    let b = &f.backlog;
    let root = story(b, "root", None).await;
    let child = story(b, "child", Some(root.id)).await;
    let root = f.store.get_story(root.id).await.unwrap().unwrap();
    // The writer read root and child as they are; the delete then marked root.
    let late = aipm_core::domain::Story {
        id: StoryId(f.store.take_ids(Counter::Story, 1).await.unwrap()),
        parent_id: Some(child.id),
        ..child.clone()
    };
    let mut marked = root.clone();
    marked.deleting = true;
    marked.version = root.version + 1;
    f.store
        .commit(vec![Write::PutStory {
            story: marked,
            expect: Expect::Version(root.version),
        }])
        .await
        .unwrap();
    let err = f
        .store
        .commit(vec![
            Write::CheckStory {
                id: child.id,
                expect: Expect::Version(1),
            },
            Write::CheckStory {
                id: root.id,
                expect: Expect::Version(root.version),
            },
            Write::PutStory {
                story: late.clone(),
                expect: Expect::Absent,
            },
        ])
        .await
        .unwrap_err();
    assert_eq!(code(&err), "VERSION_CONFLICT", "{err}");
    assert!(
        f.store.get_story(late.id).await.unwrap().is_none(),
        "a failed batch writes nothing"
    );
}

/// Every write of a failed batch is rolled back, whichever write failed.
pub async fn failed_batch_writes_nothing(f: Fixture) {
    let b = &f.backlog;
    let s = story(b, "atomic", None).await;
    let mut changed = s.clone();
    changed.title = title("changed");
    changed.version = 2;
    let orphan = aipm_core::domain::Story {
        id: StoryId(500),
        ..s.clone()
    };
    let err = f
        .store
        .commit(vec![
            Write::PutStory {
                story: changed,
                expect: Expect::Version(1),
            },
            Write::PutStory {
                story: orphan.clone(),
                expect: Expect::Absent,
            },
            Write::CheckStory {
                id: StoryId(404),
                expect: Expect::Exists,
            },
        ])
        .await
        .unwrap_err();
    assert_eq!(code(&err), "NOT_FOUND", "{err}");
    assert_eq!(
        f.store
            .get_story(s.id)
            .await
            .unwrap()
            .unwrap()
            .title
            .as_str(),
        "atomic"
    );
    assert!(f.store.get_story(orphan.id).await.unwrap().is_none());
}
