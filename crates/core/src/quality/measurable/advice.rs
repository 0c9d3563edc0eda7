//! What to write instead of a Then step that cannot be checked: an example
//! that fits what the step is about.

use super::Kind;
use crate::quality::words::{find_phrase, words};

pub(super) enum Advice {
    Vague(Kind, &'static str),
    Status,
    Error,
    Message,
    Stored,
    SignedIn,
    Default,
}

impl Advice {
    /// What the step seems to be about, for a fitting example.
    pub(super) fn for_topic(text: &str) -> Self {
        let w = words(text);
        let has = |list: &[&str]| list.iter().any(|p| find_phrase(&w, p).is_some());
        if has(&["error", "errors", "fails", "rejected", "invalid"]) {
            Advice::Error
        } else if has(&["status", "state"]) {
            Advice::Status
        } else if has(&["sent", "notification", "email", "notified", "informed"]) {
            Advice::Message
        } else if has(&["saved", "persisted", "stored", "record", "data"]) {
            Advice::Stored
        } else if has(&["logged in", "signed in"]) {
            Advice::SignedIn
        } else {
            Advice::Default
        }
    }

    pub(super) fn suggestion(&self) -> String {
        let vague = |word: &str, instead: &str, example: &str| {
            format!("Replace \"{word}\" with {instead}, e.g. \"{example}\".")
        };
        match *self {
            Advice::Vague(Kind::Speed, w) => {
                vague(w, "a time limit", "the page loads in under 2 seconds")
            }
            Advice::Vague(Kind::Value, w) => vague(
                w,
                "the exact value to expect",
                "the order total shows \"$42.00\"",
            ),
            Advice::Vague(Kind::Error, w) => vague(
                w,
                "the status code and the message text",
                "the API responds 400 with the message \"Email is required\"",
            ),
            Advice::Vague(Kind::Judgement, w) => vague(
                w,
                "something a tester can see or count",
                "the confirmation screen shows \"Order placed\" within 2 seconds",
            ),
            Advice::Vague(Kind::Result, w) => vague(
                w,
                "the result that shows it worked",
                "the response status is 201 and the new item appears in the list",
            ),
            Advice::Status => "Name the new state, e.g. \"the invoice status is \"Paid\"\".".into(),
            Advice::Error => "Name the status code and the message, e.g. \"the API responds 409 \
                              with code VERSION_CONFLICT\"."
                .into(),
            Advice::Message => "Name the message and who receives it, e.g. \"an email with \
                                subject \"Your order has shipped\" is sent to the customer\"."
                .into(),
            Advice::Stored => "Name a stored value to check, e.g. \"the record has status \
                               \"Paid\" and amount 42.00\"."
                .into(),
            Advice::SignedIn => "Name what the user sees, e.g. \"the header shows \"Signed in \
                                 as Dana\"\"."
                .into(),
            Advice::Default => "Name what a tester can check: a number with a unit, a status \
                                code, a message in quotes, or an element that appears or \
                                changes state, e.g. \"the cart badge shows 3\"."
                .into(),
        }
    }
}
