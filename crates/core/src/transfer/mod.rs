//! Import and export: migrate a backlog from the original AIPM (its table
//! dump, tree backup or story list) and round-trip AIPM's own JSON and CSV.
//!
//! An import is all or nothing on both stores. Its stories carry the import's
//! id, and the project lists the import as pending from the first write to
//! the last: until the last write (one conditional update of the project)
//! none of it is visible, and if it fails half-way nothing of it ever is.

mod csv;
mod normalize;
mod source;

pub use normalize::UNASSIGNED;
pub use source::{Format, MAX_DEPTH};

use crate::backlog::{Backlog, StoryView};
use crate::domain::{
    AcceptanceTest, Counter, Dependency, InvestAnalysis, ProjectId, Story, StoryId, Task, TaskId,
    TestId, Timestamp,
};
use crate::error::{Error, Result};
use crate::quality::{heuristic_analyses, StoryText};
use crate::store::{Expect, Write};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};

/// One change made to fit a record into AIPM, with the record's source id.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Adjustment {
    pub entity: &'static str,
    pub source_id: String,
    pub field: String,
    pub message: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct Counts {
    pub stories: usize,
    pub acceptance_tests: usize,
    pub tasks: usize,
    pub dependencies: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct IdMap {
    pub stories: BTreeMap<String, u64>,
    pub acceptance_tests: BTreeMap<String, u64>,
    pub tasks: BTreeMap<String, u64>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ImportReport {
    pub format: &'static str,
    pub dry_run: bool,
    pub project_id: ProjectId,
    pub created: Counts,
    /// Levels of the imported tree (1 = only roots).
    pub tree_depth: usize,
    /// Source id → new id; empty on a dry run.
    pub id_map: IdMap,
    pub adjustments: Vec<Adjustment>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportFormat {
    Json,
    Csv,
}

impl ExportFormat {
    pub fn parse(raw: &str) -> std::result::Result<Self, String> {
        match raw.trim().to_ascii_lowercase().as_str() {
            "json" | "" => Ok(ExportFormat::Json),
            "csv" => Ok(ExportFormat::Csv),
            other => Err(format!("'{other}' is not one of: json, csv")),
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            ExportFormat::Json => "application/json",
            ExportFormat::Csv => "text/csv; charset=utf-8",
        }
    }
}

impl Backlog {
    /// Import a file into `project`. A malformed file is refused naming the
    /// line or field, and nothing is written.
    pub async fn import(
        &self,
        bytes: &[u8],
        project: ProjectId,
        dry_run: bool,
    ) -> Result<ImportReport> {
        let target = self.project(project).await.map_err(|_| {
            Error::invalid("projectId", format!("project {project} does not exist"))
        })?;
        let source = source::read(bytes)?;
        let now = Timestamp::now();
        let plan = normalize::plan(&source, now);
        if plan.depth > source::MAX_DEPTH {
            return Err(Error::invalid(
                "file",
                format!(
                    "its tree is {} stories deep; AIPM imports trees at most {} stories deep",
                    plan.depth,
                    source::MAX_DEPTH
                ),
            ));
        }
        let created = Counts {
            stories: plan.stories.len(),
            acceptance_tests: plan.tests.len(),
            tasks: plan.tasks.len(),
            dependencies: plan.links.len(),
        };
        let mut report = ImportReport {
            format: source.format.name(),
            dry_run,
            project_id: project,
            created,
            tree_depth: plan.depth,
            id_map: IdMap::default(),
            adjustments: plan.adjustments.clone(),
        };
        if dry_run || plan.stories.is_empty() {
            return Ok(report);
        }

        let take = |counter, n: usize| async move {
            if n == 0 {
                Ok(0)
            } else {
                self.store().take_ids(counter, n as u64).await
            }
        };
        let first_story = take(Counter::Story, plan.stories.len()).await?;
        let first_test = take(Counter::Test, plan.tests.len()).await?;
        let first_task = take(Counter::Task, plan.tasks.len()).await?;
        let import_id = self.store().take_ids(Counter::Import, 1).await?;

        let story_ids: HashMap<&str, StoryId> = plan
            .stories
            .iter()
            .enumerate()
            .map(|(i, s)| (s.source_id.as_str(), StoryId(first_story + i as u64)))
            .collect();
        let mut steps: Vec<Vec<Write>> = Vec::new();

        // First: the project lists the import as pending.
        let mut pending = target.clone();
        pending.pending_imports.push(import_id);
        pending.version += 1;
        steps.push(vec![Write::PutProject {
            project: pending.clone(),
            expect: Expect::Version(target.version),
        }]);

        let mut tests_of: HashMap<&str, Vec<(usize, &normalize::TestPlan)>> = HashMap::new();
        for (i, t) in plan.tests.iter().enumerate() {
            tests_of.entry(t.story.as_str()).or_default().push((i, t));
        }
        let mut tasks_of: HashMap<&str, Vec<(usize, &normalize::TaskPlan)>> = HashMap::new();
        for (i, t) in plan.tasks.iter().enumerate() {
            tasks_of.entry(t.story.as_str()).or_default().push((i, t));
        }
        // The stories first, so that each is analysed among its siblings
        // (the duplicate check) before anything is written.
        let mut stories: Vec<Story> = plan
            .stories
            .iter()
            .map(|s| Story {
                id: story_ids[s.source_id.as_str()],
                project_id: project,
                parent_id: s.parent.as_deref().map(|p| story_ids[p]),
                title: s.title.clone(),
                description: s.description.clone(),
                as_a: s.as_a.clone(),
                i_want: s.i_want.clone(),
                so_that: s.so_that.clone(),
                components: s.components.clone(),
                story_point: s.story_point,
                assignee_email: s.assignee_email.clone(),
                status: s.status,
                created_at: s.created_at,
                updated_at: s.updated_at,
                version: s.version,
                invest_analysis: InvestAnalysis::default(),
                deleting: false,
                import_id: Some(import_id),
            })
            .collect();
        // Siblings are analysed together: each story's words are read once.
        let mut siblings: HashMap<Option<StoryId>, Vec<usize>> = HashMap::new();
        for (i, s) in stories.iter().enumerate() {
            siblings.entry(s.parent_id).or_default().push(i);
        }
        let mut analyses: Vec<InvestAnalysis> = vec![InvestAnalysis::default(); stories.len()];
        for group in siblings.values() {
            let texts: Vec<StoryText> = group.iter().map(|&i| StoryText::of(&stories[i])).collect();
            for (&i, analysis) in group.iter().zip(heuristic_analyses(&texts)) {
                analyses[i] = analysis;
            }
        }
        for (story, analysis) in stories.iter_mut().zip(analyses) {
            story.invest_analysis = analysis;
        }
        for (s, story) in plan.stories.iter().zip(stories) {
            let id = story.id;
            report.id_map.stories.insert(s.source_id.clone(), id.0);
            let mut step = vec![Write::PutStory {
                story,
                expect: Expect::Absent,
            }];
            for (n, (i, t)) in tests_of
                .get(s.source_id.as_str())
                .into_iter()
                .flatten()
                .enumerate()
            {
                let test_id = TestId(first_test + *i as u64);
                report
                    .id_map
                    .acceptance_tests
                    .insert(t.source_id.clone(), test_id.0);
                let mut test = AcceptanceTest {
                    id: test_id,
                    story_id: id,
                    title: t
                        .title
                        .clone()
                        .unwrap_or_else(|| AcceptanceTest::default_title(id, n + 1)),
                    given: t.given.clone(),
                    when: t.when.clone(),
                    then: t.then.clone(),
                    status: t.status,
                    evidence: None,
                    created_at: t.created_at,
                    updated_at: t.updated_at,
                    version: 1,
                    checks: None,
                };
                test.refresh_checks();
                step.push(Write::PutTest {
                    project_id: project,
                    test,
                    expect: Expect::Absent,
                });
            }
            for (i, t) in tasks_of.get(s.source_id.as_str()).into_iter().flatten() {
                let task_id = TaskId(first_task + *i as u64);
                report.id_map.tasks.insert(t.source_id.clone(), task_id.0);
                let task = Task {
                    id: task_id,
                    story_id: id,
                    title: t.title.clone(),
                    description: t.description.clone(),
                    status: t.status,
                    assignee_email: t.assignee_email.clone(),
                    estimation_hours: t.estimation_hours,
                    created_at: t.created_at,
                    updated_at: t.updated_at,
                    version: 1,
                };
                step.push(Write::PutTask {
                    project_id: project,
                    task,
                    expect: Expect::Absent,
                });
            }
            steps.push(step);
        }
        for l in &plan.links {
            let link = Dependency {
                story_id: story_ids[l.story.as_str()],
                depends_on_story_id: story_ids[l.depends_on.as_str()],
                relationship: l.relationship,
                created_at: now,
            };
            steps.push(vec![Write::PutLink {
                project_id: project,
                link,
            }]);
        }

        // Last: the import is no longer pending, and everything appears at once.
        let mut done = pending.clone();
        done.pending_imports.retain(|i| *i != import_id);
        done.version += 1;
        steps.push(vec![Write::PutProject {
            project: done,
            expect: Expect::Version(pending.version),
        }]);

        self.store().commit_steps(steps).await?;
        tracing::info!(import_id, project = %project, stories = report.created.stories, "import committed");
        Ok(report)
    }

    /// The project's backlog as JSON (the tree, as `GET /api/stories`
    /// answers it, compact) or CSV (one row per story).
    pub async fn export(&self, project: ProjectId, format: ExportFormat) -> Result<Vec<u8>> {
        match format {
            ExportFormat::Json => {
                // Compact, and written without recursion: linear in the number
                // of stories at any depth.
                let tree = self.story_tree(project).await?;
                Ok(crate::backlog::views_json(&tree))
            }
            ExportFormat::Csv => {
                let list: Vec<StoryView> = self.story_list(project).await?;
                csv::write(&list)
            }
        }
    }
}
