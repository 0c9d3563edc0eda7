//! The story tree as JSON, written and dropped without recursion.
//!
//! A chain of stories can be thousands of levels deep. serde serializes
//! nested values by recursing, one group of stack frames per level, and so
//! does the compiler's drop of nested `Vec`s: either overflows a thread's
//! stack long before memory runs out. Here each story's own fields go
//! through serde (they are shallow) and the nesting is an explicit stack on
//! the heap. The output is compact: pretty-printing indents every level, so
//! its size grows with the square of the depth.

use super::view::{DependencyRef, Health, PrEntry, StoryView, TaskView, TestView};
use crate::domain::{Story, Warning};
use serde::Serialize;

/// A story view's fields without its children.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct OwnFields<'a> {
    #[serde(flatten)]
    story: &'a Story,
    acceptance_tests: &'a [TestView],
    tasks: &'a [TaskView],
    dependencies: &'a [DependencyRef],
    dependents: &'a [DependencyRef],
    blocked_by: &'a [DependencyRef],
    blocking: &'a [DependencyRef],
    prs: &'a [PrEntry],
    invest_warnings: &'a [Warning],
    invest_satisfied: bool,
    invest_health: &'a Health,
}

impl<'a> OwnFields<'a> {
    fn of(v: &'a StoryView) -> Self {
        OwnFields {
            story: &v.story,
            acceptance_tests: &v.acceptance_tests,
            tasks: &v.tasks,
            dependencies: &v.dependencies,
            dependents: &v.dependents,
            blocked_by: &v.blocked_by,
            blocking: &v.blocking,
            prs: &v.prs,
            invest_warnings: &v.invest_warnings,
            invest_satisfied: v.invest_satisfied,
            invest_health: &v.invest_health,
        }
    }
}

/// Stories (roots or a flat list) as one compact JSON array, each with its
/// `children` nested, at any depth. The same document serde would write,
/// with `children` as each object's last member.
pub fn views_json(views: &[StoryView]) -> Vec<u8> {
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
                serde_json::to_writer(&mut out, &OwnFields::of(v)).expect("views serialize");
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
#[derive(Debug, Clone, Default, Serialize)]
#[serde(transparent)]
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
