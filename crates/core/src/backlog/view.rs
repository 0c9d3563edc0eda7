//! Stories as the API returns them: with tests, tasks, links and children
//! attached (DESIGN §3.2).

use super::Backlog;
use crate::domain::{
    AcceptanceTest, CodeRun, Dependency, ProjectId, PullRequest, Relationship, RunStatus, Story,
    StoryId, StoryStatus, Task, Title, Warning,
};
use crate::error::{Error, Result};
use crate::store::{ProjectContents, StoryRecord};
use serde::Serialize;
use std::collections::{HashMap, HashSet};

/// Serialized lean (`super::Shape::Lean`, each list once) unless written
/// with `shaped`.
#[derive(Debug, Clone)]
pub struct StoryView {
    pub story: Story,
    pub acceptance_tests: Vec<TestView>,
    pub tasks: Vec<TaskView>,
    pub dependencies: Vec<DependencyRef>,
    pub dependents: Vec<DependencyRef>,
    pub blocked_by: Vec<DependencyRef>,
    pub blocking: Vec<DependencyRef>,
    pub children: super::tree_json::Children,
    pub prs: Vec<PrEntry>,
    /// `investAnalysis`' deterministic and AI warnings, in that order; the
    /// wire's `investSatisfied` and `investHealth` are derived from it.
    pub invest_warnings: Vec<Warning>,
}

/// A tracked pull request with the status of the run that opened it.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PrEntry {
    #[serde(flatten)]
    pub pr: PullRequest,
    pub run_status: Option<RunStatus>,
}

/// The PR entries of one story.
pub fn pr_entries(prs: Vec<PullRequest>, runs: &[CodeRun]) -> Vec<PrEntry> {
    prs.into_iter()
        .map(|pr| {
            let run_status = runs
                .iter()
                .find(|r| r.run_id == pr.run_id)
                .map(|r| r.status);
            PrEntry { pr, run_status }
        })
        .collect()
}

/// A test with its Given/When/Then health, as computed when it was written
/// (or computed now for a test stored without it). Serialized lean unless
/// written with `shaped`; the wire's `measurabilitySuggestions` (full shape)
/// are derived from the warnings.
#[derive(Debug, Clone)]
pub struct TestView {
    pub test: AcceptanceTest,
    pub measurability_warnings: Vec<Warning>,
    /// Every issue: structure first, then the Then steps' measurability
    /// (the same warnings as `measurability_warnings`, blank steps aside).
    pub gwt_health: crate::quality::GwtHealth,
}

impl From<AcceptanceTest> for TestView {
    fn from(mut test: AcceptanceTest) -> Self {
        let crate::domain::TestChecks {
            measurability_warnings,
            gwt_health,
        } = test.take_checks();
        TestView {
            test,
            measurability_warnings,
            gwt_health,
        }
    }
}

pub type TaskView = Task;

/// A link as seen from one of its ends.
#[derive(Debug, Clone, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct DependencyRef {
    pub story_id: StoryId,
    pub title: Title,
    pub status: StoryStatus,
    pub relationship: Relationship,
}

/// What a view needs of the stories a link points at.
type Names<'a> = HashMap<StoryId, &'a Story>;

fn refs<'a>(
    links: impl Iterator<Item = &'a Dependency>,
    other_end: impl Fn(&Dependency) -> StoryId,
    names: &Names<'_>,
) -> Vec<DependencyRef> {
    links
        .filter_map(|l| {
            let other = names.get(&other_end(l))?;
            Some(DependencyRef {
                story_id: other.id,
                title: other.title.clone(),
                status: other.status,
                relationship: l.relationship,
            })
        })
        .collect()
}

fn assemble(
    mut story: Story,
    tests: Vec<AcceptanceTest>,
    tasks: Vec<Task>,
    prs: Vec<PrEntry>,
    outgoing: &[&Dependency],
    incoming: &[&Dependency],
    names: &Names<'_>,
) -> StoryView {
    let dependencies = refs(outgoing.iter().copied(), |l| l.depends_on_story_id, names);
    let dependents = refs(incoming.iter().copied(), |l| l.story_id, names);
    let blocks = |r: &&DependencyRef| r.relationship == Relationship::Blocks;
    let blocked_by = dependencies.iter().filter(blocks).cloned().collect();
    let blocking = dependents.iter().filter(blocks).cloned().collect();
    // Bookkeeping of the store, not of the story.
    story.import_id = None;
    let warnings: Vec<Warning> = story.invest_analysis.all_warnings().cloned().collect();
    StoryView {
        acceptance_tests: tests.into_iter().map(TestView::from).collect(),
        tasks,
        dependencies,
        dependents,
        blocked_by,
        blocking,
        children: Default::default(),
        prs,
        invest_warnings: warnings,
        story,
    }
}

/// Views of every visible story of a project, by id, and the ids of the roots.
/// A subtree whose deletion has begun is not visible.
fn project_views(
    contents: ProjectContents,
    pending_imports: &[u64],
) -> (
    HashMap<StoryId, StoryView>,
    Vec<StoryId>,
    HashMap<StoryId, Vec<StoryId>>,
) {
    let ProjectContents {
        stories,
        tests,
        tasks,
        links,
        pull_requests,
        runs,
    } = contents;
    let mut prs_of: HashMap<StoryId, Vec<PullRequest>> = HashMap::new();
    for pr in pull_requests {
        prs_of.entry(pr.story_id).or_default().push(pr);
    }
    let hidden = hidden_stories(&stories, pending_imports);
    let names: Names<'_> = stories
        .iter()
        .filter(|s| !hidden.contains(&s.id))
        .map(|s| (s.id, s))
        .collect();

    let mut tests_of: HashMap<StoryId, Vec<AcceptanceTest>> = HashMap::new();
    for t in tests {
        tests_of.entry(t.story_id).or_default().push(t);
    }
    let mut tasks_of: HashMap<StoryId, Vec<Task>> = HashMap::new();
    for t in tasks {
        tasks_of.entry(t.story_id).or_default().push(t);
    }
    let mut outgoing: HashMap<StoryId, Vec<&Dependency>> = HashMap::new();
    let mut incoming: HashMap<StoryId, Vec<&Dependency>> = HashMap::new();
    for l in &links {
        outgoing.entry(l.story_id).or_default().push(l);
        incoming.entry(l.depends_on_story_id).or_default().push(l);
    }

    let mut views = HashMap::with_capacity(names.len());
    let mut roots = Vec::new();
    let mut children_of: HashMap<StoryId, Vec<StoryId>> = HashMap::new();
    for story in stories.iter().filter(|s| !hidden.contains(&s.id)) {
        match story.parent_id {
            Some(p) => children_of.entry(p).or_default().push(story.id),
            None => roots.push(story.id),
        }
        let view = assemble(
            story.clone(),
            tests_of.remove(&story.id).unwrap_or_default(),
            tasks_of.remove(&story.id).unwrap_or_default(),
            pr_entries(prs_of.remove(&story.id).unwrap_or_default(), &runs),
            outgoing
                .get(&story.id)
                .map(Vec::as_slice)
                .unwrap_or_default(),
            incoming
                .get(&story.id)
                .map(Vec::as_slice)
                .unwrap_or_default(),
            &names,
        );
        views.insert(story.id, view);
    }
    (views, roots, children_of)
}

/// Stories under (or at) a root whose deletion has begun, and stories of an
/// import still under way.
fn hidden_stories(stories: &[Story], pending_imports: &[u64]) -> HashSet<StoryId> {
    let mut hidden: HashSet<StoryId> = stories
        .iter()
        .filter(|s| s.import_id.is_some_and(|i| pending_imports.contains(&i)))
        .map(|s| s.id)
        .collect();
    for root in stories.iter().filter(|s| s.deleting) {
        hidden.insert(root.id);
        hidden.extend(
            super::stories::descendants(stories, root.id)
                .iter()
                .map(|s| s.id),
        );
    }
    hidden
}

impl Backlog {
    /// The project's stories as a tree: roots, each with its children nested.
    /// A tree may be deeper than serde can recurse: write it with
    /// `views_json`.
    pub async fn story_tree(&self, project: ProjectId) -> Result<Vec<StoryView>> {
        let pending = self.project(project).await?.pending_imports;
        let contents = self.store.project_contents(project).await?;
        let (mut views, roots, children_of) = project_views(contents, &pending);
        // Build bottom-up without recursion, so any depth is safe.
        let mut order = Vec::with_capacity(views.len());
        let mut stack: Vec<StoryId> = roots.clone();
        while let Some(id) = stack.pop() {
            order.push(id);
            stack.extend(children_of.get(&id).into_iter().flatten().copied());
        }
        for id in order.into_iter().rev() {
            let kids: Vec<StoryView> = children_of
                .get(&id)
                .into_iter()
                .flatten()
                .filter_map(|c| views.remove(c))
                .collect();
            if let Some(v) = views.get_mut(&id) {
                v.children = kids.into();
            }
        }
        Ok(roots.iter().filter_map(|r| views.remove(r)).collect())
    }

    /// The project's stories as a flat list, ordered by id, without children.
    pub async fn story_list(&self, project: ProjectId) -> Result<Vec<StoryView>> {
        let pending = self.project(project).await?.pending_imports;
        let contents = self.store.project_contents(project).await?;
        let (views, _, _) = project_views(contents, &pending);
        let mut list: Vec<StoryView> = views.into_values().collect();
        list.sort_by_key(|v| v.story.id);
        Ok(list)
    }

    /// One story with everything attached, and its direct children (each with
    /// everything attached but their own children).
    pub async fn story_view(&self, id: StoryId) -> Result<StoryView> {
        let record = self
            .store
            .get_story_record(id)
            .await?
            .ok_or_else(|| Error::not_found("story", id))?;
        if record.story.deleting || self.pending_import(&record.story).await? {
            return Err(Error::not_found("story", id));
        }
        let mut view = self.record_view(record).await?;
        for child in self
            .store
            .stories_under(view.story.project_id, Some(id))
            .await?
        {
            if let Some(r) = self.store.get_story_record(child.id).await? {
                view.children.push(self.record_view(r).await?);
            }
        }
        Ok(view)
    }

    async fn record_view(&self, record: StoryRecord) -> Result<StoryView> {
        let StoryRecord {
            story,
            tests,
            tasks,
            dependencies,
            dependents,
            pull_requests,
            runs,
            active_run: _,
        } = record;
        let linked: Vec<StoryId> = dependencies
            .iter()
            .map(|l| l.depends_on_story_id)
            .chain(dependents.iter().map(|l| l.story_id))
            .collect();
        let others = if linked.is_empty() {
            Vec::new()
        } else {
            self.store.get_stories(linked).await?
        };
        let names: Names<'_> = others.iter().map(|s| (s.id, s)).collect();
        let outgoing: Vec<&Dependency> = dependencies.iter().collect();
        let incoming: Vec<&Dependency> = dependents.iter().collect();
        let prs = pr_entries(pull_requests, &runs);
        Ok(assemble(
            story, tests, tasks, prs, &outgoing, &incoming, &names,
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stored(then: &[&str]) -> AcceptanceTest {
        serde_json::from_value(serde_json::json!({
            "id": 7, "storyId": 3, "title": "AT-3-1",
            "given": ["a signed-in shopper"], "when": ["they open the wishlist"],
            "then": then, "status": "Draft",
            "createdAt": "2026-01-01T00:00:00Z", "updatedAt": "2026-01-01T00:00:00Z",
            "version": 1
        }))
        .expect("a test as stored before checks were kept")
    }

    #[test]
    fn a_test_stored_without_checks_reads_the_checks_computed_now() {
        let test = stored(&["it looks nice", "the page shows 3 items", "all is well"]);
        assert!(test.checks.is_none());
        let view = TestView::from(test.clone());
        let (warnings, suggestions) = crate::quality::measurability(test.then.as_slice());
        assert_eq!(view.measurability_warnings, warnings);
        let full = serde_json::to_value(view.shaped(crate::backlog::Shape::Full)).unwrap();
        assert_eq!(
            full["measurabilitySuggestions"],
            serde_json::json!(suggestions)
        );
        assert_eq!(
            view.gwt_health,
            crate::quality::gwt_health(
                test.given.as_slice(),
                test.when.as_slice(),
                test.then.as_slice()
            )
        );
        assert!(!view.gwt_health.satisfied);
        assert_eq!(warnings.len(), 2, "{warnings:?}");
    }

    #[test]
    fn checks_are_stored_when_the_steps_change_and_read_back() {
        let mut test = stored(&["the page shows 3 items"]);
        test.apply(&crate::domain::TestChanges {
            then: Some(serde_json::from_value(serde_json::json!(["it looks nice"])).unwrap()),
            ..Default::default()
        });
        let checks = test
            .checks
            .clone()
            .expect("checks stored on a change of steps");
        assert_eq!(checks.measurability_warnings.len(), 1);
        assert_eq!(checks.gwt_health.issues, checks.measurability_warnings);
        // Stored with the test, as the stores serialize it…
        let doc = serde_json::to_value(&test).unwrap();
        assert_eq!(doc["checks"]["gwtHealth"]["satisfied"], false);
        let back: AcceptanceTest = serde_json::from_value(doc).unwrap();
        assert_eq!(back, test);
        // …and the stored checks are what is read, not a second copy.
        let mut tampered = back.clone();
        tampered
            .checks
            .as_mut()
            .unwrap()
            .measurability_warnings
            .clear();
        assert!(TestView::from(tampered).measurability_warnings.is_empty());
        let wire = serde_json::to_value(TestView::from(back)).unwrap();
        assert!(wire.get("checks").is_none(), "{wire}");
        assert_eq!(wire["measurabilityWarnings"].as_array().unwrap().len(), 1);
    }

    #[test]
    fn steps_sent_unchanged_leave_a_test_stored_without_checks_as_it_was() {
        let test = stored(&["the page shows 3 items"]);
        let mut same = test.clone();
        same.apply(&crate::domain::TestChanges {
            then: Some(test.then.clone()),
            given: Some(test.given.clone()),
            ..Default::default()
        });
        assert_eq!(same, test, "no change, so nothing to write");
    }
}
