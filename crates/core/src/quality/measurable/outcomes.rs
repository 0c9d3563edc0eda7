//! What makes a Then step observable: a named thing, a code, a screen element
//! in a visible state, a visible effect on a specific thing, a named state,
//! a standard to check against, an ordering, a file or a path.

use crate::quality::words::{find_phrase, words, Word, STOP_WORDS};

/// Things on a screen or in a response that a tester can point at.
const ELEMENTS: &[&str] = &[
    "button",
    "link",
    "links",
    "modal",
    "dialog",
    "panel",
    "screen",
    "page",
    "message",
    "toast",
    "badge",
    "banner",
    "column",
    "tab",
    "icon",
    "checkbox",
    "field",
    "tile",
    "card",
    "list",
    "menu",
    "indicator",
    "label",
    "row",
    "cookie",
    "header",
    "popup",
    "tooltip",
    "form",
    "spinner",
    "table",
    "section",
    "chart",
    "graph",
];
/// What an element visibly does.
const ELEMENT_STATES: &[&str] = &[
    "appear",
    "appears",
    "appeared",
    "displayed",
    "displaying",
    "shown",
    "visible",
    "hidden",
    "disappear",
    "disappears",
    "opens",
    "closes",
    "closed",
    "enabled",
    "disabled",
    "checked",
    "unchecked",
    "selected",
    "highlighted",
    "absent",
    "present",
    "moves",
    "collapsed",
    "expanded",
    "greyed",
];
const ORDERINGS: &[&str] = &[
    "descending",
    "ascending",
    "at the top",
    "at the bottom",
    "sorted by",
    "ordered by",
];
const FILE_TYPES: &[&str] = &[
    "csv", "pdf", "json", "xlsx", "xls", "txt", "png", "jpg", "zip", "html", "xml", "md",
];

/// Verbs of a visible effect. On a specific thing they are an outcome ("the
/// chosen columns are displayed"); on a generic one they are not ("an error
/// is shown": which error?).
const EFFECTS: &[&str] = &[
    "displayed",
    "shown",
    "appears",
    "appear",
    "appeared",
    "listed",
    "disabled",
    "enabled",
    "hidden",
    "highlighted",
    "visible",
    "greyed",
    "printed",
    "plays",
    "arrives",
    "lands",
    "reaches",
];
/// Effects whose specific thing comes after the verb: what is received,
/// where the user is sent.
const RECEIVES: &[&str] = &["receives", "receive", "received", "gets"];
const REDIRECTS: &[&str] = &[
    "redirected",
    "redirects",
    "sent to",
    "taken to",
    "added to",
    "removed from",
    "moved to",
    "recorded with",
    "saved with",
    "stored with",
    "logged with",
    "attached to",
    "linked to",
];
/// Verbs by which a specific thing shows or holds a specific thing, in the
/// active voice: "the fourth article shows the subscribe prompt", "the
/// journey plan contains only step-free stations", "calls go straight to
/// voicemail".
const SHOWS: &[&str] = &[
    "shows",
    "show",
    "displays",
    "display",
    "lists",
    "contains",
    "contain",
    "includes",
    "include",
    "has",
    "have",
    "carries",
    "offers",
    "names",
    "states",
    "mentions",
    "go to",
    "goes to",
    "go straight to",
    "goes straight to",
    "matches",
    "match",
    "equals",
    "equal",
];
/// Things that say nothing specific on their own.
const GENERIC: &[&str] = &[
    "error",
    "errors",
    "message",
    "messages",
    "warning",
    "warnings",
    "result",
    "results",
    "data",
    "information",
    "info",
    "output",
    "outputs",
    "content",
    "change",
    "changes",
    "feedback",
    "details",
    "response",
    "responses",
    "something",
    "everything",
    "anything",
    "nothing",
    "ui",
    "page",
    "screen",
    "notification",
    "notifications",
    "update",
    "updates",
    "value",
    "values",
    "thing",
    "things",
    "item",
    "items",
    "confirmation",
    "user",
    "users",
    "system",
    "app",
    "new",
    "latest",
    "current",
    "updated",
    "no",
    "not",
    "longer",
    "now",
    "still",
    "also",
    "automatically",
    "again",
];
/// Words after "status is" that name no state.
const NO_STATE: &[&str] = &[
    "updated",
    "changed",
    "set",
    "correct",
    "right",
    "ok",
    "valid",
    "saved",
    "different",
    "new",
    "modified",
    "reflected",
    "consistent",
    "fine",
    "good",
    "shown",
    "displayed",
];
const STATE_LINKS: &[&str] = &[
    "is",
    "becomes",
    "changes to",
    "moves to",
    "updates to",
    "set to",
    "goes to",
    "reads",
    "shows",
    "is now",
    "is set to",
    "marked",
    "marked as",
];
/// Checking against a named standard or checklist ("meet DoD standards").
const CHECKED_AGAINST: &[&str] = &[
    "meet",
    "meets",
    "pass",
    "passes",
    "satisfy",
    "satisfies",
    "comply with",
    "complies with",
    "conform to",
    "conforms to",
];

pub(super) fn names_observable(text: &str) -> bool {
    let w = words(text);
    let has = |list: &[&str]| list.iter().any(|p| find_phrase(&w, p).is_some());
    let named = w.iter().skip(1).any(|w| w.is_capitalized() && w.raw != "I");
    let code = w
        .iter()
        .any(|w| w.raw.contains('_') && w.raw == w.raw.to_uppercase());
    named
        || code
        || (has(ELEMENTS) && has(ELEMENT_STATES) && names_which(&w))
        || has(ORDERINGS)
        || names_place(text, &w)
        || visible_effect_on_a_specific_thing(&w)
        || names_a_state(&w)
        || checked_against_a_standard(&w)
        || ranked(&w)
        || stops_doing(&w)
        || none_created(&w)
}

/// Words for a value: shown without being stated or placed, it cannot be
/// checked ("the order total is shown": which total?).
const VALUE_WORDS: &[&str] = &[
    "total", "totals", "amount", "price", "balance", "count", "sum", "score", "fee", "cost",
    "figure", "number",
];

/// "the results are ranked highest score first", "fixtures are sorted by
/// kick-off": an order a tester can check.
fn ranked(w: &[Word]) -> bool {
    w.iter().enumerate().any(|(i, word)| {
        matches!(word.lower.as_str(), "ranked" | "sorted" | "ordered")
            && w[i + 1..].iter().take(4).any(specific)
    })
}

/// "the member's fob stops opening the front door": a specific thing no
/// longer does a named thing.
fn stops_doing(w: &[Word]) -> bool {
    w.iter().enumerate().any(|(i, word)| {
        matches!(word.lower.as_str(), "stops" | "stop" | "stopped")
            && w[..i].iter().any(specific)
            && w.get(i + 1).is_some_and(|next| next.lower.ends_with("ing"))
    })
}

/// "no duplicate booking is created": the absence of a named record.
fn none_created(w: &[Word]) -> bool {
    const CREATED: &[&str] = &[
        "created", "made", "added", "charged", "issued", "booked", "sent",
    ];
    none_at_all(w)
        && w.iter()
            .enumerate()
            .any(|(i, word)| CREATED.contains(&word.lower.as_str()) && w[1..i].iter().any(specific))
}

/// Says which element: "a message is shown" does not, "an empty state message
/// is displayed" and "a modal opens" do.
fn names_which(w: &[Word]) -> bool {
    none_at_all(w)
        || w.iter()
            .any(|w| specific(w) && !ELEMENT_STATES.contains(&w.lower.as_str()))
}

/// "no error message is shown", "without any warning": the absence of every
/// such thing is checkable even when one of them would not be.
fn none_at_all(w: &[Word]) -> bool {
    w.first().is_some_and(|w| w.lower == "no") || find_phrase(w, "without any").is_some()
}

/// A word that says which thing: not a stop word and not generic.
fn specific(w: &Word) -> bool {
    !STOP_WORDS.contains(&w.lower.as_str()) && !GENERIC.contains(&w.lower.as_str())
}

/// "the chosen columns are displayed", "the learner receives the
/// certificate", "the shopper is redirected to the order summary page".
fn visible_effect_on_a_specific_thing(w: &[Word]) -> bool {
    let at = |list: &[&str]| {
        list.iter()
            .find_map(|p| find_phrase(w, p).map(|i| (i, p.split(' ').count())))
    };
    if let Some((i, n)) = at(EFFECTS) {
        // "the renewal price is shown beside last year's price" places the
        // value against another; "the order total is shown" says nothing.
        let value_unstated = !w[i + n..].iter().any(specific)
            && w[..i]
                .iter()
                .rev()
                .find(|w| specific(w))
                .is_some_and(|w| VALUE_WORDS.contains(&w.lower.as_str()));
        if none_at_all(&w[..i]) || (w[..i].iter().any(specific) && !value_unstated) {
            return true;
        }
    }
    let shows = at(SHOWS).is_some_and(|(i, n)| {
        w[..i].iter().any(specific) && w[i + n..].iter().take(5).any(specific)
    });
    shows
        || [RECEIVES, REDIRECTS]
            .iter()
            .any(|verbs| at(verbs).is_some_and(|(i, n)| w[i + n..].iter().take(5).any(specific)))
}

/// "the refund status is Approved", "the invoice is marked paid".
fn names_a_state(w: &[Word]) -> bool {
    (0..w.len()).any(|i| {
        let about_state = matches!(w[i].lower.as_str(), "status" | "state");
        let marked = w[i].lower == "marked";
        if !about_state && !marked {
            return false;
        }
        let from = if marked { i } else { i + 1 };
        STATE_LINKS.iter().any(|link| {
            let n = link.split(' ').count();
            find_phrase(&w[from..(from + n).min(w.len())], link) == Some(0)
                && w.get(from + n).is_some_and(|state| {
                    specific(state) && !NO_STATE.contains(&state.lower.as_str())
                })
        })
    })
}

/// "outputs meet DoD standards", "the file passes the HMRC validator".
fn checked_against_a_standard(w: &[Word]) -> bool {
    let name = |w: &Word| {
        let capitals = w.raw.chars().filter(char::is_ascii_uppercase).count();
        w.raw.starts_with(|c: char| c.is_ascii_uppercase())
            && (capitals >= 2 || w.is_capitalized())
            && !matches!(w.raw, "UI" | "API" | "UX" | "I")
    };
    CHECKED_AGAINST.iter().any(|verb| {
        find_phrase(w, verb).is_some_and(|i| {
            let after = i + verb.split(' ').count();
            w[after..].iter().take(3).any(name)
        })
    })
}

/// A file ("transactions-2024.csv") or a path ("/login").
fn names_place(text: &str, w: &[Word]) -> bool {
    let file = w.windows(2).any(|p| {
        FILE_TYPES.contains(&p[1].lower.as_str())
            && text[p[0].start + p[0].raw.len()..].starts_with('.')
    });
    let path = text
        .split_whitespace()
        .any(|t| t.len() > 1 && t.starts_with('/') && t[1..].starts_with(char::is_alphanumeric));
    file || path
}
