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
            "- [ ] **{}** (test id {})\n    {}\n    {}\n    {}\n",
            t.title,
            t.id,
            steps("Given", t.given.as_slice()),
            steps("When", t.when.as_slice()),
            steps("Then", t.then.as_slice())
        ));
    }
    if !ctx.story.acceptance_tests.is_empty() {
        out.push_str(&acceptance_section(ctx));
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

/// How the agent reports, per test id, how each acceptance criterion is
/// verified: `.aipm/acceptance.json`, whose schema docs/codegen.md defines.
fn acceptance_section(ctx: &TaskContext<'_>) -> String {
    let example: Vec<String> = ctx
        .story
        .acceptance_tests
        .iter()
        .map(|t| {
            format!(
                "    {{\"id\": {}, \"status\": \"pass\", \"evidence\": \"which automated test or check shows it, and its result\"}}",
                t.test.id
            )
        })
        .collect();
    format!(
        "\n## Acceptance results\n\n\
         For each acceptance criterion above, record how you verified it in \
         `{file}` (commit it with your changes), by its test id: \
         `\"status\"` is `\"pass\"` or `\"fail\"`, `\"evidence\"` says in at most \
         {max} characters which test or check shows it and what it gave. \
         Leave out a criterion you could not verify. AIPM records these results \
         on the story's acceptance tests.\n\n```json\n{{\"version\": 1, \"tests\": [\n{}\n]}}\n```\n",
        example.join(",\n"),
        file = super::acceptance::ACCEPTANCE_FILE,
        max = super::acceptance::MAX_EVIDENCE_CHARS,
    )
}

/// The section a follow-up attempt adds to the end of TASK.md: what it was
/// asked for, and by what.
pub fn follow_up_section(attempt: u32, trigger: &str, message: &str) -> String {
    format!(
        "\n## Follow-up (attempt {attempt}, from {trigger})\n\n\
         This branch already holds earlier work on the story. Keep it, and do what \
         this follow-up asks:\n\n{}\n",
        message.trim()
    )
}
