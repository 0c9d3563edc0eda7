//! TASK.md: what the coding agent is asked to do, committed on the branch so
//! that the agent, the reviewer and the PR all read the same words.

use crate::backlog::StoryView;

pub struct TaskContext<'a> {
    pub story: &'a StoryView,
    pub run_id: u64,
    pub instructions: &'a str,
    /// Where the story can be opened, when AIPM knows its own address.
    pub story_url: Option<&'a str>,
    pub verify_command: Option<&'a str>,
}

fn steps(label: &str, steps: &[String]) -> String {
    steps
        .iter()
        .enumerate()
        .map(|(i, s)| format!("{} {s}", if i == 0 { label } else { "And" }))
        .collect::<Vec<_>>()
        .join("\n    ")
}

pub fn render(ctx: &TaskContext<'_>) -> String {
    let s = &ctx.story.story;
    let mut out = format!("# Story {}: {}\n\n", s.id, s.title);
    if !(s.as_a.is_empty() && s.i_want.is_empty() && s.so_that.is_empty()) {
        out.push_str(&format!(
            "> As a {}, I want {}, so that {}.\n\n",
            s.as_a, s.i_want, s.so_that
        ));
    }
    if !s.description.trim().is_empty() {
        out.push_str(s.description.trim());
        out.push_str("\n\n");
    }
    if let Some(points) = s.story_point {
        out.push_str(&format!("Story points: {points}\n\n"));
    }
    out.push_str("## Acceptance criteria\n\n");
    if ctx.story.acceptance_tests.is_empty() {
        out.push_str("(none written yet: derive them from the story and say so in the PR)\n");
    }
    for t in &ctx.story.acceptance_tests {
        let t = &t.test;
        out.push_str(&format!(
            "- [ ] **{}**\n    {}\n    {}\n    {}\n",
            t.title,
            steps("Given", t.given.as_slice()),
            steps("When", t.when.as_slice()),
            steps("Then", t.then.as_slice())
        ));
    }
    out.push_str("\n## Constraints\n\n");
    out.push_str("- Change only what this story needs; leave unrelated code as it is.\n");
    out.push_str("- Make every acceptance criterion above hold, with automated tests where the project has them.\n");
    out.push_str("- Keep the project building and its existing tests passing.\n");
    out.push_str("- Never commit secrets, credentials or generated build output.\n");
    if let Some(cmd) = ctx.verify_command {
        out.push_str(&format!("- The result is checked with `{cmd}`.\n"));
    }
    out.push_str("\n## Extra instructions\n\n");
    if ctx.instructions.trim().is_empty() {
        out.push_str("(none)\n");
    } else {
        out.push_str(ctx.instructions.trim());
        out.push('\n');
    }
    out.push_str(&format!(
        "\n---\nAIPM code run {} for story {}",
        ctx.run_id, s.id
    ));
    if let Some(url) = ctx.story_url {
        out.push_str(&format!(" · {url}"));
    }
    out.push('\n');
    out
}
