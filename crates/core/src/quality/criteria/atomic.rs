//! atomic: the want joins separate goals — actions a team could deliver and
//! demo one at a time ("export the report and email it and archive it",
//! "create, edit and deactivate user accounts").
//!
//! One goal with a compound object or qualifier is atomic: "search by name and
//! date of birth", "switch between Mindmap and Kanban", "copy and paste a
//! table", "be alerted when a source adds, renames or drops a column". So the
//! rule counts actions, not conjunctions: the want's main clause is split at
//! commas and "and", "or", "plus", "also", "as well as"; a part is a goal when
//! it starts with an action verb and has its own object. Bare verbs that share
//! one object ("create, edit and deactivate accounts") are separate goals when
//! there are three or more; a pair ("show or hide", "copy and paste") names
//! one action. Only the want is judged.

use super::{finding, quote};
use crate::domain::Warning;
use crate::quality::words::{split_brackets, words, Word};
use crate::quality::StoryText;

pub const CRITERION: &str = "atomic";

/// Words that open a subordinate clause: what follows qualifies the goal
/// ("tear it down when the PR merges") and is not read for more goals.
const SUBORDINATORS: &[&str] = &[
    "when",
    "whenever",
    "if",
    "while",
    "until",
    "before",
    "after",
    "once",
    "unless",
    "because",
    "so",
    "that",
    "which",
    "who",
    "whose",
    "where",
    "including",
];

const JOINS: &[&str] = &["and", "or", "plus", "also", "then", "as well as"];

/// Verbs that start a deliverable action. Verbs of perception ("see",
/// "view") are left out: "open a transaction and see its history" is one view.
pub(crate) const ACTIONS: &[&str] = &[
    "accept",
    "add",
    "adjust",
    "annotate",
    "apply",
    "approve",
    "archive",
    "assign",
    "attach",
    "backfill",
    "book",
    "bookmark",
    "buy",
    "calculate",
    "cancel",
    "change",
    "chat",
    "claim",
    "clone",
    "close",
    "comment",
    "compare",
    "configure",
    "confirm",
    "connect",
    "copy",
    "create",
    "deactivate",
    "decline",
    "delete",
    "deploy",
    "disable",
    "dismiss",
    "download",
    "duplicate",
    "edit",
    "email",
    "enable",
    "enrol",
    "enroll",
    "export",
    "fill",
    "forward",
    "freeze",
    "generate",
    "get",
    "grant",
    "hide",
    "import",
    "install",
    "invite",
    "join",
    "launch",
    "link",
    "lock",
    "manage",
    "mark",
    "merge",
    "migrate",
    "move",
    "mute",
    "notify",
    "open",
    "order",
    "pause",
    "pay",
    "pin",
    "post",
    "preview",
    "print",
    "publish",
    "purchase",
    "rate",
    "read",
    "rebuild",
    "receive",
    "record",
    "redeem",
    "refund",
    "register",
    "reject",
    "remove",
    "rename",
    "reorder",
    "reply",
    "report",
    "request",
    "reschedule",
    "reset",
    "restore",
    "resume",
    "retry",
    "revoke",
    "rotate",
    "run",
    "save",
    "scan",
    "schedule",
    "seed",
    "select",
    "send",
    "set",
    "share",
    "skip",
    "start",
    "stop",
    "submit",
    "subscribe",
    "suspend",
    "sync",
    "tag",
    "tear",
    "transfer",
    "translate",
    "unlock",
    "unsubscribe",
    "update",
    "upgrade",
    "upload",
    "validate",
    "verify",
    "vote",
    "withdraw",
    "write",
];

pub fn check(story: &StoryText) -> Option<Warning> {
    let goals = separate_goals(story.i_want);
    if goals.len() < 2 {
        return None;
    }
    let listed = goals
        .iter()
        .map(|g| format!("\"{g}\""))
        .collect::<Vec<_>>()
        .join(", ");
    Some(finding(
        CRITERION,
        format!("The want joins {} separate goals.", goals.len()),
        format!(
            "\"I want {}\" asks for {listed}: each could be built, demonstrated and \
             accepted on its own, so together they hide their sizes and priorities.",
            quote(story.i_want, 100)
        ),
        format!(
            "Split it into {} stories, one per goal, each with its own benefit and \
             acceptance tests.",
            goals.len()
        ),
    ))
}

/// The actions of the want's main clause that are goals of their own.
fn separate_goals(i_want: &str) -> Vec<String> {
    let body = split_brackets(i_want).0;
    let all = words(&body);
    let main = all
        .iter()
        .position(|w| SUBORDINATORS.contains(&w.lower.as_str()))
        .map_or(body.as_str(), |at| &body[..all[at].start]);
    let parts = parts(main);
    let mut goals = Vec::new();
    let mut shared_object: Vec<&str> = Vec::new();
    let mut view = None;
    for (i, part) in parts.iter().enumerate() {
        let bare_after_bare = !shared_object.is_empty()
            && part.len() == 1
            && part[0].raw.chars().all(|c| c.is_ascii_lowercase());
        if bare_after_bare {
            shared_object.push(part[0].raw); // "create, renew and cancel"
            continue;
        }
        let Some(verb_at) = action_start(part, i == 0) else {
            if i == 0 {
                if perceives(part) {
                    // "see tonight's sales, print the door list and email
                    // the takings": a view is a goal among two more.
                    view = Some(
                        part.iter()
                            .skip(1)
                            .map(|w| w.raw)
                            .collect::<Vec<_>>()
                            .join(" "),
                    );
                    continue;
                }
                return Vec::new(); // The want is a thing, not actions.
            }
            shared_object.clear(); // "…, directory and search": nouns.
            continue;
        };
        let verb = part[verb_at].lower.as_str();
        if verb_at + 1 == part.len() {
            shared_object.push(verb); // "create, edit and deactivate accounts"
            continue;
        }
        let object: Vec<&str> = part[verb_at..].iter().map(|w| w.raw).collect();
        if i == 1 && parts.len() == 2 && goals.len() == 1 && continues(part, verb_at) {
            // "upload an episode and schedule it", "upload a document and
            // get a quote": the second verb acts on the first one's object
            // or receives its result, one flow towards one goal.
            continue;
        }
        if shared_object.len() >= 2 {
            goals.extend(shared_object.iter().map(|v| v.to_string()));
            goals.push(object.join(" "));
        } else if let Some(first) = shared_object.first() {
            goals.push(format!("{first} and {}", object.join(" ")));
        } else {
            goals.push(object.join(" "));
        }
        shared_object.clear();
    }
    match view {
        Some(view) if goals.len() >= 2 => std::iter::once(view).chain(goals).collect(),
        _ => goals,
    }
}

/// The first part opens with a verb of perception and its own object: "to
/// see tonight's sales".
fn perceives(part: &[Word]) -> bool {
    part.len() >= 3
        && part[0].lower == "to"
        && matches!(part[1].lower.as_str(), "see" | "view" | "check" | "review")
}

/// A second action that continues the first: its object is a pronoun for the
/// first one's ("schedule it", "split them") or it receives the first one's
/// result ("get a translation quote"). Passing the thing on to other people
/// ("share it on social media", "escalate it to a manager") is a goal of
/// its own: another audience, another channel to build.
fn continues(part: &[Word], verb_at: usize) -> bool {
    const PASSES_ON: &[&str] = &[
        "share", "email", "send", "post", "forward", "publish", "tweet", "message", "notify",
        "print", "escalate", "assign", "report", "hand", "submit",
    ];
    if PASSES_ON.contains(&part[verb_at].lower.as_str()) {
        return false;
    }
    let pronoun = part
        .get(verb_at + 1)
        .is_some_and(|w| matches!(w.lower.as_str(), "it" | "them"));
    let receives = matches!(part[verb_at].lower.as_str(), "get" | "receive" | "obtain");
    pronoun || receives
}

/// The want split at commas and joining words, each part as its words.
fn parts(text: &str) -> Vec<Vec<Word<'_>>> {
    let mut out = Vec::new();
    for chunk in text.split([',', ';']) {
        let mut current = Vec::new();
        let w = words(chunk);
        let mut i = 0;
        while i < w.len() {
            let join = JOINS.iter().find(|j| {
                let n = j.split(' ').count();
                i + n <= w.len()
                    && w[i..i + n]
                        .iter()
                        .map(|w| w.lower.as_str())
                        .eq(j.split(' '))
            });
            match join {
                Some(j) => {
                    out.push(std::mem::take(&mut current));
                    i += j.split(' ').count();
                }
                None => {
                    current.push(w[i].clone());
                    i += 1;
                }
            }
        }
        out.push(current);
    }
    out.retain(|p| !p.is_empty());
    out
}

/// Where the part's action verb is: its first word after "to" and adverbs;
/// in the first part also a verb after "to" ("checkboxes to create …").
/// Later verbs must be lowercase: "Rebase links" is a name, not an action.
/// Verbs outside `ACTIONS` count too where the grammar shows them: the word
/// right after the want's opening "to" ("to raise a work order"), and a
/// lowercase word that takes an object of its own in a later part ("take a
/// fine payment", "assign it"). Verbs of perception and being never start a
/// goal of their own.
fn action_start(part: &[Word], first: bool) -> Option<usize> {
    let is_action = |w: &Word, at_start: bool| {
        ACTIONS.contains(&if at_start { w.lower.as_str() } else { w.raw })
    };
    // "programmatically create"; but "apply" is a verb.
    let is_adverb = |w: &Word| w.lower.ends_with("ly") && !is_action(w, true);
    let lead = part.iter().position(|w| w.lower != "to" && !is_adverb(w))?;
    if is_action(&part[lead], first && lead == 0) {
        return Some(lead);
    }
    let plain =
        |w: &Word| w.raw.chars().all(|c| c.is_ascii_lowercase()) && !NOT_GOALS.contains(&w.raw);
    let infinitive = first && part[0].lower == "to" && lead > 0 && plain(&part[lead]);
    let takes_object = !first
        && plain(&part[lead])
        && part
            .get(lead + 1)
            .is_some_and(|next| OBJECT_STARTS.contains(&next.lower.as_str()));
    if infinitive || takes_object {
        return Some(lead);
    }
    if first {
        return part
            .windows(2)
            .position(|p| p[0].lower == "to" && is_action(&p[1], false))
            .map(|at| at + 1);
    }
    None
}

/// Words that open an object: "take *a* payment", "assign *it*".
const OBJECT_STARTS: &[&str] = &[
    "a", "an", "the", "it", "them", "this", "these", "those", "my", "our", "their", "his", "her",
    "its", "your", "each", "every", "all",
];

/// Verbs of perception, being and having, and prepositions: "open a
/// transaction and see its history" is one view, "to be told …" is not an
/// action, "…, from a short list" qualifies the goal.
const NOT_GOALS: &[&str] = &[
    "see",
    "view",
    "watch",
    "look",
    "know",
    "find",
    "hear",
    "understand",
    "follow",
    "keep",
    "be",
    "have",
    "feel",
    "not",
    "also",
    "only",
    "always",
    "never",
    "still",
    "from",
    "with",
    "by",
    "for",
    "in",
    "on",
    "at",
    "into",
    "onto",
    "of",
    "via",
    "without",
    "within",
    "between",
    "across",
    "over",
    "under",
    "through",
    "about",
    "to",
    "like",
    "as",
];

#[cfg(test)]
mod tests {
    use super::*;

    fn wanting(i_want: &str) -> StoryText<'_> {
        StoryText {
            title: "Story",
            as_a: "user",
            i_want,
            so_that: "I get what I need",
            ..StoryText::default()
        }
    }

    #[test]
    fn flags_separate_goals() {
        let cases = [
            (
                "to export the weekly report and email it to the team and archive it",
                3,
            ),
            ("to create, edit and deactivate user accounts", 3),
            (
                "to freeze my card, order a replacement and report it as stolen",
                3,
            ),
            ("annotate findings and assign actions", 2),
            (
                "to pause a pipeline, backfill a date range, as well as change its schedule",
                3,
            ),
            (
                "to export the payroll file and also email payslips to staff",
                2,
            ),
            ("to rate a course, plus write a review and share it", 3),
            (
                "to create a preview environment, seed it and tear it down when the PR merges",
                3,
            ),
            (
                "checkboxes to create as root story and skip the INVEST check",
                2,
            ),
            (
                "to programmatically create, read and delete test stories",
                3,
            ),
            // Verbs outside the list, read from the grammar.
            ("to lodge a complaint and escalate it to a manager", 2),
            (
                "to see the rota, swap a shift and email the manager the new rota",
                3,
            ),
            ("to publish an article and share it on social media", 2),
            ("to draft, sign and file the tax return", 3),
        ];
        for (want, n) in cases {
            let w = check(&wanting(want)).unwrap_or_else(|| panic!("not flagged: {want}"));
            assert_eq!(
                w.message,
                format!("The want joins {n} separate goals."),
                "{want}"
            );
        }
    }

    #[test]
    fn verbs_of_perception_and_prepositions_start_no_goal() {
        for want in [
            "to plan a route, with a stop at each charger",
            "to open a claim and see its history",
            "to choose a seat, a meal and a drink",
        ] {
            assert!(check(&wanting(want)).is_none(), "{want}");
        }
    }

    #[test]
    fn one_goal_with_a_compound_object_is_atomic() {
        for want in [
            "to search patients by name and date of birth",
            "to upload a podcast episode and schedule it for Friday",
            "to buy a knitting pattern and download it as a PDF",
            "to send in a contract and get a review quote",
            "to filter the catalogue by size and colour",
            "to filter user stories by status, component, and assignee",
            "to sort the gradebook by student name or by score",
            "to move money between my current and savings accounts",
            "to switch between the Mindmap and Kanban board views",
            "to show or hide each of the Outline, Mindmap and Details panels independently",
            "to copy and paste a table from a spreadsheet into a note",
            "to read the terms and conditions before I pay",
            "to remove the Branch, PR created and Rebase links",
            "to be alerted when a source adds, renames or drops a column",
            "to receive triaged alerts from chat, phone and monitors",
            "to add my appointment to my Google or Outlook calendar",
            "to rebuild the whole intranet, including news, wiki, directory and search",
            "to open a flagged transaction and see the last 30 days beside it",
            "all data encrypted at rest and in transit",
            "to see who changed a feature flag and when",
        ] {
            assert_eq!(check(&wanting(want)), None, "{want}");
        }
    }

    #[test]
    fn the_warning_lists_the_goals() {
        let w = check(&wanting("to approve an invoice and schedule its payment")).unwrap();
        assert!(
            w.details
                .contains("\"approve an invoice\", \"schedule its payment\""),
            "{}",
            w.details
        );
    }
}
