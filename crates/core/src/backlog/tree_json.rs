//! The story tree as JSON, written and dropped without recursion.
//!
//! A chain of stories can be thousands of levels deep. serde serializes
//! nested values by recursing, one group of stack frames per level, and so
//! does the compiler's drop of nested `Vec`s: either overflows a thread's
//! stack long before memory runs out. Here each story's own fields go
//! through serde (they are shallow) and the nesting is an explicit stack on
//! the heap. The output is compact: pretty-printing indents every level, so
//! its size grows with the square of the depth.

use super::view::{DependencyRef, PrEntry, StoryView, TaskView, TestView};
use crate::domain::{
    optional_email, AcceptanceTest, Component, Email, InvestAnalysis, ProjectId, Story, StoryId,
    StoryStatus, Timestamp, Title, Warning,
};
use serde::{Serialize, Serializer};

/// How much of each story a read writes (DESIGN §3.2, docs/openapi.yaml
/// `view`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Shape {
    /// Every field, each list of warnings once: `investWarnings` holds the
    /// story's warnings (not repeated in `investAnalysis` or
    /// `investHealth`), a test's `measurabilityWarnings` hold the Then
    /// steps' warnings with their suggestions (not repeated in
    /// `measurabilitySuggestions` or `gwtHealth.issues`).
    #[default]
    Lean,
    /// The original AIPM's shape, every copy included.
    Full,
    /// What an outline needs: ids, title, status, points and counts.
    Summary,
}

impl Shape {
    /// The accepted `view` values, as the API names them.
    pub const NAMES: &'static [&'static str] = &["lean", "full", "summary"];

    pub fn parse(name: &str) -> Option<Shape> {
        match name {
            "lean" => Some(Shape::Lean),
            "full" => Some(Shape::Full),
            "summary" => Some(Shape::Summary),
            _ => None,
        }
    }
}

/// A story's `investHealth`: its issues are `investWarnings` again, written
/// only in the full shape.
#[derive(Serialize)]
struct HealthOut<'a> {
    satisfied: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    issues: Option<&'a [Warning]>,
}

/// `investAnalysis` without the warning lists `investWarnings` holds.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct LeanAnalysis<'a> {
    source: &'a str,
    summary: &'a str,
    ai_summary: &'a Option<String>,
    ai_model: &'a Option<String>,
    used_fallback: bool,
    error: &'a Option<String>,
    fallback_warnings: &'a [Warning],
}

/// A story's stored fields with the lean `investAnalysis`.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct LeanStory<'a> {
    id: StoryId,
    project_id: ProjectId,
    parent_id: Option<StoryId>,
    title: &'a Title,
    description: &'a str,
    as_a: &'a str,
    i_want: &'a str,
    so_that: &'a str,
    components: &'a [Component],
    story_point: Option<u32>,
    #[serde(with = "optional_email")]
    assignee_email: &'a Option<Email>,
    status: StoryStatus,
    created_at: &'a Timestamp,
    updated_at: &'a Timestamp,
    version: u64,
    invest_analysis: LeanAnalysis<'a>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    deleting: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    import_id: Option<u64>,
}

impl<'a> LeanStory<'a> {
    fn of(s: &'a Story) -> Self {
        let a: &'a InvestAnalysis = &s.invest_analysis;
        LeanStory {
            id: s.id,
            project_id: s.project_id,
            parent_id: s.parent_id,
            title: &s.title,
            description: &s.description,
            as_a: &s.as_a,
            i_want: &s.i_want,
            so_that: &s.so_that,
            components: &s.components,
            story_point: s.story_point,
            assignee_email: &s.assignee_email,
            status: s.status,
            created_at: &s.created_at,
            updated_at: &s.updated_at,
            version: s.version,
            invest_analysis: LeanAnalysis {
                source: &a.source,
                summary: &a.summary,
                ai_summary: &a.ai_summary,
                ai_model: &a.ai_model,
                used_fallback: a.used_fallback,
                error: &a.error,
                fallback_warnings: &a.fallback_warnings,
            },
            deleting: s.deleting,
            import_id: s.import_id,
        }
    }
}

/// The stored story, whole or lean. Built on the stack for one story at a
/// time, so its size does not matter.
#[allow(clippy::large_enum_variant)]
enum StoryOut<'a> {
    Full(&'a Story),
    Lean(LeanStory<'a>),
}

impl Serialize for StoryOut<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            StoryOut::Full(story) => story.serialize(s),
            StoryOut::Lean(story) => story.serialize(s),
        }
    }
}

/// A test's `gwtHealth`: in the lean shape its issues are only those
/// `measurabilityWarnings` does not hold (missing parts, blank steps).
#[derive(Serialize)]
struct GwtOut<'a> {
    satisfied: bool,
    issues: Vec<&'a Warning>,
}

/// A test view as written in one shape.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct TestOut<'a> {
    #[serde(flatten)]
    test: &'a AcceptanceTest,
    measurability_warnings: &'a [Warning],
    #[serde(skip_serializing_if = "Option::is_none")]
    measurability_suggestions: Option<Vec<&'a str>>,
    gwt_health: GwtOut<'a>,
}

impl<'a> TestOut<'a> {
    fn of(t: &'a TestView, shape: Shape) -> Self {
        let full = shape == Shape::Full;
        let issues = t
            .gwt_health
            .issues
            .iter()
            .filter(|w| full || !t.measurability_warnings.contains(w))
            .collect();
        TestOut {
            test: &t.test,
            measurability_warnings: &t.measurability_warnings,
            measurability_suggestions: full.then(|| {
                t.measurability_warnings
                    .iter()
                    .map(|w| w.suggestion.as_str())
                    .collect()
            }),
            gwt_health: GwtOut {
                satisfied: t.gwt_health.satisfied,
                issues,
            },
        }
    }
}

/// A test view written in a chosen shape (`Summary` writes it lean).
pub struct ShapedTest<'a>(&'a TestView, Shape);

impl Serialize for ShapedTest<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        TestOut::of(self.0, self.1).serialize(s)
    }
}

impl TestView {
    pub fn shaped(&self, shape: Shape) -> ShapedTest<'_> {
        ShapedTest(self, shape)
    }
}

impl Serialize for TestView {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.shaped(Shape::Lean).serialize(s)
    }
}

struct Tests<'a>(&'a [TestView], Shape);

impl Serialize for Tests<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.0.iter().map(|t| t.shaped(self.1)))
    }
}

/// A story view's fields without its children.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct OwnFields<'a> {
    #[serde(flatten)]
    story: StoryOut<'a>,
    acceptance_tests: Tests<'a>,
    tasks: &'a [TaskView],
    dependencies: &'a [DependencyRef],
    dependents: &'a [DependencyRef],
    blocked_by: &'a [DependencyRef],
    blocking: &'a [DependencyRef],
    prs: &'a [PrEntry],
    invest_warnings: &'a [Warning],
    invest_satisfied: bool,
    invest_health: HealthOut<'a>,
}

/// A story of the outline (`view=summary`).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SummaryFields<'a> {
    id: StoryId,
    parent_id: Option<StoryId>,
    title: &'a Title,
    status: StoryStatus,
    story_point: Option<u32>,
    #[serde(with = "optional_email")]
    assignee_email: &'a Option<Email>,
    version: u64,
    invest_satisfied: bool,
    invest_warning_count: usize,
    test_count: usize,
    measurability_warning_count: usize,
    task_count: usize,
    blocked_by_count: usize,
}

/// One story's own fields in a shape (on the stack, one story at a time).
#[allow(clippy::large_enum_variant)]
enum Own<'a> {
    Story(OwnFields<'a>),
    Summary(SummaryFields<'a>),
}

impl Serialize for Own<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Own::Story(f) => f.serialize(s),
            Own::Summary(f) => f.serialize(s),
        }
    }
}

impl<'a> Own<'a> {
    fn of(v: &'a StoryView, shape: Shape) -> Self {
        let full = shape == Shape::Full;
        if shape == Shape::Summary {
            let s = &v.story;
            return Own::Summary(SummaryFields {
                id: s.id,
                parent_id: s.parent_id,
                title: &s.title,
                status: s.status,
                story_point: s.story_point,
                assignee_email: &s.assignee_email,
                version: s.version,
                invest_satisfied: v.invest_warnings.is_empty(),
                invest_warning_count: v.invest_warnings.len(),
                test_count: v.acceptance_tests.len(),
                measurability_warning_count: v
                    .acceptance_tests
                    .iter()
                    .map(|t| t.measurability_warnings.len())
                    .sum(),
                task_count: v.tasks.len(),
                blocked_by_count: v.blocked_by.len(),
            });
        }
        Own::Story(OwnFields {
            story: if full {
                StoryOut::Full(&v.story)
            } else {
                StoryOut::Lean(LeanStory::of(&v.story))
            },
            acceptance_tests: Tests(&v.acceptance_tests, shape),
            tasks: &v.tasks,
            dependencies: &v.dependencies,
            dependents: &v.dependents,
            blocked_by: &v.blocked_by,
            blocking: &v.blocking,
            prs: &v.prs,
            invest_warnings: &v.invest_warnings,
            invest_satisfied: v.invest_warnings.is_empty(),
            invest_health: HealthOut {
                satisfied: v.invest_warnings.is_empty(),
                issues: full.then_some(v.invest_warnings.as_slice()),
            },
        })
    }
}

/// A story view written in a chosen shape, with its children (one story's
/// read: its children are one level deep).
pub struct ShapedStory<'a>(&'a StoryView, Shape);

impl Serialize for ShapedStory<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct WithChildren<'a> {
            #[serde(flatten)]
            own: Own<'a>,
            children: Vec<ShapedStory<'a>>,
        }
        WithChildren {
            own: Own::of(self.0, self.1),
            children: self.0.children.iter().map(|c| c.shaped(self.1)).collect(),
        }
        .serialize(s)
    }
}

impl StoryView {
    pub fn shaped(&self, shape: Shape) -> ShapedStory<'_> {
        ShapedStory(self, shape)
    }
}

impl Serialize for StoryView {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.shaped(Shape::Lean).serialize(s)
    }
}

/// Stories in the original's full shape (what an export writes): see
/// `views_json_as`.
pub fn views_json(views: &[StoryView]) -> Vec<u8> {
    views_json_as(views, Shape::Full)
}

/// Stories (roots or a flat list) as one compact JSON array, each with its
/// `children` nested, at any depth. The same document serde would write,
/// with `children` as each object's last member.
pub fn views_json_as(views: &[StoryView], shape: Shape) -> Vec<u8> {
    enum Next<'a> {
        Story(&'a StoryView),
        Text(&'static [u8]),
    }
    fn push_list<'a>(stack: &mut Vec<Next<'a>>, list: &'a [StoryView]) {
        for (i, v) in list.iter().enumerate().rev() {
            stack.push(Next::Story(v));
            if i > 0 {
                stack.push(Next::Text(b","));
            }
        }
    }
    let mut out = b"[".to_vec();
    let mut stack = vec![Next::Text(b"]")];
    push_list(&mut stack, views);
    while let Some(next) = stack.pop() {
        match next {
            Next::Text(t) => out.extend_from_slice(t),
            Next::Story(v) => {
                serde_json::to_writer(&mut out, &Own::of(v, shape)).expect("views serialize");
                // The object always has fields (`id` first): reopen it after
                // the last one for the children.
                debug_assert_eq!(out.last(), Some(&b'}'));
                out.pop();
                out.extend_from_slice(b",\"children\":[");
                stack.push(Next::Text(b"]}"));
                push_list(&mut stack, &v.children);
            }
        }
    }
    out
}

/// A story view's children. Dropping them takes the subtree apart level by
/// level instead of recursing into it.
#[derive(Debug, Clone, Default)]
pub struct Children(pub Vec<StoryView>);

impl std::ops::Deref for Children {
    type Target = Vec<StoryView>;
    fn deref(&self) -> &Vec<StoryView> {
        &self.0
    }
}

impl std::ops::DerefMut for Children {
    fn deref_mut(&mut self) -> &mut Vec<StoryView> {
        &mut self.0
    }
}

impl From<Vec<StoryView>> for Children {
    fn from(views: Vec<StoryView>) -> Self {
        Children(views)
    }
}

impl Drop for Children {
    fn drop(&mut self) {
        let mut pending = std::mem::take(&mut self.0);
        while let Some(mut view) = pending.pop() {
            pending.append(&mut view.children.0);
        }
    }
}
