//! Value types that can only hold valid values. Each `parse` returns the reason
//! a value is refused; callers attach the field name (see `Error::invalid`).

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

/// Longest title accepted, in characters.
pub const TITLE_MAX_CHARS: usize = 200;

/// Characters that take no room: zero-width spaces and joiners, the word
/// joiner, the byte-order mark, the soft hyphen and the direction marks. A
/// title of these alone looks empty.
fn is_invisible(c: char) -> bool {
    c.is_whitespace()
        || matches!(c, '\u{00AD}' | '\u{034F}' | '\u{180E}' | '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{2064}' | '\u{2066}'..='\u{2069}' | '\u{FEFF}')
}

/// A story, test or task title: trimmed, 1–200 characters, one line, with
/// at least one visible character.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Title(String);

impl Title {
    pub fn parse(raw: &str) -> Result<Self, String> {
        let trimmed = raw.trim();
        if trimmed.is_empty() {
            return Err("must not be empty".into());
        }
        if let Some(c) = trimmed.chars().find(|c| c.is_control()) {
            return Err(format!(
                "must not contain control characters (found U+{:04X})",
                u32::from(c)
            ));
        }
        if trimmed.chars().all(is_invisible) {
            return Err("must contain a visible character".into());
        }
        let chars = trimmed.chars().count();
        if chars > TITLE_MAX_CHARS {
            return Err(format!(
                "must be at most {TITLE_MAX_CHARS} characters (got {chars})"
            ));
        }
        Ok(Title(trimmed.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Title {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        Title::parse(&s)
    }
}

impl From<Title> for String {
    fn from(t: Title) -> String {
        t.0
    }
}

impl fmt::Display for Title {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// An e-mail address of the plain `local@domain.tld` shape.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Email(String);

impl Email {
    pub fn parse(raw: &str) -> Result<Self, String> {
        let s = raw.trim();
        let shape = "must look like name@example.com";
        if s.len() > 254 || s.chars().any(char::is_whitespace) {
            return Err(shape.into());
        }
        let (local, domain) = s.split_once('@').ok_or(shape)?;
        let labels_ok = domain.split('.').all(|l| !l.is_empty());
        if local.is_empty() || domain.contains('@') || !domain.contains('.') || !labels_ok {
            return Err(shape.into());
        }
        Ok(Email(s.to_string()))
    }

    /// An optional address: blank means none.
    pub fn parse_optional(raw: &str) -> Result<Option<Self>, String> {
        if raw.trim().is_empty() {
            Ok(None)
        } else {
            Email::parse(raw).map(Some)
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Email {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        Email::parse(&s)
    }
}

impl From<Email> for String {
    fn from(e: Email) -> String {
        e.0
    }
}

/// Serde for `Option<Email>` as the original API spoke it: `""` for none.
pub mod optional_email {
    use super::Email;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(v: &Option<Email>, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(v.as_ref().map_or("", Email::as_str))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Email>, D::Error> {
        let raw = Option::<String>::deserialize(d)?.unwrap_or_default();
        Email::parse_optional(&raw).map_err(serde::de::Error::custom)
    }
}

/// Enums whose wire form is a fixed label, matched case-insensitively on input.
macro_rules! labeled_enum {
    ($(#[$meta:meta])* $name:ident { $($variant:ident => $label:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name { $($variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn label(self) -> &'static str {
                match self { $($name::$variant => $label),+ }
            }

            pub fn parse(raw: &str) -> Result<Self, String> {
                let wanted = raw.trim();
                Self::ALL
                    .iter()
                    .copied()
                    .find(|v| v.label().eq_ignore_ascii_case(wanted))
                    .ok_or_else(|| {
                        let labels: Vec<&str> = Self::ALL.iter().map(|v| v.label()).collect();
                        format!("'{wanted}' is not one of: {}", labels.join(", "))
                    })
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.label())
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.label())
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let raw = String::deserialize(d)?;
                $name::parse(&raw).map_err(serde::de::Error::custom)
            }
        }
    };
}

labeled_enum!(
    /// Where a story is in its life.
    StoryStatus {
        Draft => "Draft",
        Ready => "Ready",
        InProgress => "In Progress",
        Blocked => "Blocked",
        Approved => "Approved",
        Done => "Done",
    }
);

labeled_enum!(
    /// The state of one acceptance test.
    TestStatus {
        Draft => "Draft",
        Ready => "Ready",
        Pass => "Pass",
        Fail => "Fail",
        Blocked => "Blocked",
        NeedsReview => "Need review with update",
    }
);

labeled_enum!(
    /// The state of one task of a story.
    TaskStatus {
        NotStarted => "Not Started",
        InProgress => "In Progress",
        Blocked => "Blocked",
        Done => "Done",
    }
);

labeled_enum!(
    /// Where a code run is. The last five are terminal.
    RunStatus {
        Queued => "queued",
        Preparing => "preparing",
        Running => "running",
        Pushing => "pushing",
        Succeeded => "succeeded",
        NoChanges => "no_changes",
        Failed => "failed",
        Cancelled => "cancelled",
        TimedOut => "timed_out",
    }
);

impl RunStatus {
    pub fn is_terminal(self) -> bool {
        matches!(
            self,
            RunStatus::Succeeded
                | RunStatus::NoChanges
                | RunStatus::Failed
                | RunStatus::Cancelled
                | RunStatus::TimedOut
        )
    }
}

labeled_enum!(
    /// How one story relates to another it names.
    Relationship {
        Depends => "depends",
        Blocks => "blocks",
    }
);

labeled_enum!(
    /// The component catalog. `Traceabilty_Insight` is the original's spelling,
    /// kept on the wire; the corrected spelling is accepted as an alias.
    Component {
        WorkModel => "WorkModel",
        DocumentIntelligence => "Document_Intelligence",
        ReviewGovernance => "Review_Governance",
        OrchestrationEngagement => "Orchestration_Engagement",
        RunVerify => "Run_Verify",
        TraceabilityInsight => "Traceabilty_Insight",
    }
);

impl Component {
    /// Parse one catalog name, accepting the corrected spelling of Traceability.
    pub fn parse_name(raw: &str) -> Result<Self, String> {
        if raw.trim().eq_ignore_ascii_case("Traceability_Insight") {
            return Ok(Component::TraceabilityInsight);
        }
        Component::parse(raw)
    }

    /// Parse a list given as names; duplicates are dropped, order kept.
    /// Every name outside the catalog is reported at once.
    pub fn parse_list<'a>(names: impl IntoIterator<Item = &'a str>) -> Result<Vec<Self>, String> {
        let mut out = Vec::new();
        let mut unknown = Vec::new();
        for name in names.into_iter().map(str::trim).filter(|n| !n.is_empty()) {
            match Component::parse_name(name) {
                Ok(c) if !out.contains(&c) => out.push(c),
                Ok(_) => {}
                Err(_) => unknown.push(name.to_string()),
            }
        }
        if unknown.is_empty() {
            Ok(out)
        } else {
            let catalog: Vec<&str> = Component::ALL.iter().map(|c| c.label()).collect();
            Err(format!(
                "unknown component(s) {}; the catalog is: {}",
                unknown.join(", "),
                catalog.join(", ")
            ))
        }
    }

    /// Parse a comma-separated list (the original's form).
    pub fn parse_csv(raw: &str) -> Result<Vec<Self>, String> {
        Component::parse_list(raw.split(','))
    }
}

/// Given, When or Then: at least one step, each step non-empty after trimming.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "Vec<String>", into = "Vec<String>")]
pub struct Steps(Vec<String>);

impl Steps {
    pub fn parse(steps: Vec<String>) -> Result<Self, String> {
        let steps: Vec<String> = steps.into_iter().map(|s| s.trim().to_string()).collect();
        if steps.is_empty() {
            return Err("needs at least one step".into());
        }
        if let Some(pos) = steps.iter().position(String::is_empty) {
            return Err(format!("step {} is empty", pos + 1));
        }
        Ok(Steps(steps))
    }

    /// A single text is one step per non-blank line.
    pub fn parse_text(raw: &str) -> Result<Self, String> {
        let lines: Vec<String> = raw
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(String::from)
            .collect();
        Steps::parse(lines)
    }

    pub fn as_slice(&self) -> &[String] {
        &self.0
    }
}

impl TryFrom<Vec<String>> for Steps {
    type Error = String;
    fn try_from(v: Vec<String>) -> Result<Self, String> {
        Steps::parse(v)
    }
}

impl From<Steps> for Vec<String> {
    fn from(s: Steps) -> Vec<String> {
        s.0
    }
}

/// Hours of estimated work: a finite number ≥ 0.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "f64", into = "f64")]
pub struct Hours(f64);

impl Hours {
    pub fn parse(v: f64) -> Result<Self, String> {
        if v.is_finite() && v >= 0.0 {
            Ok(Hours(v))
        } else {
            Err("must be a number ≥ 0".into())
        }
    }

    pub fn get(self) -> f64 {
        self.0
    }
}

impl TryFrom<f64> for Hours {
    type Error = String;
    fn try_from(v: f64) -> Result<Self, String> {
        Hours::parse(v)
    }
}

impl From<Hours> for f64 {
    fn from(h: Hours) -> f64 {
        h.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn title_is_trimmed_and_bounded() {
        assert_eq!(Title::parse("  Login  ").unwrap().as_str(), "Login");
        assert_eq!(Title::parse("   ").unwrap_err(), "must not be empty");
        assert!(Title::parse(&"x".repeat(200)).is_ok());
        assert!(Title::parse(&"x".repeat(201))
            .unwrap_err()
            .contains("at most 200"));
        // Characters, not bytes.
        assert!(Title::parse(&"é".repeat(200)).is_ok());
    }

    #[test]
    fn title_is_one_visible_line() {
        assert!(Title::parse("a\u{0}b").unwrap_err().contains("U+0000"));
        assert!(Title::parse("two\nlines").unwrap_err().contains("control"));
        assert_eq!(
            Title::parse("\u{200B}\u{200D}\u{FEFF}").unwrap_err(),
            "must contain a visible character"
        );
        assert!(Title::parse("Login \u{200D} flow").is_ok());
        assert!(Title::parse("Entrar 👩‍💻").is_ok());
    }

    #[test]
    fn email_shape() {
        assert!(Email::parse("dev@aipm.dev").is_ok());
        for bad in [
            "dev",
            "dev@",
            "@aipm.dev",
            "dev@aipm",
            "a b@c.de",
            "a@b@c.de",
            "a@b..de",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad} accepted");
        }
        assert_eq!(Email::parse_optional("  ").unwrap(), None);
    }

    #[test]
    fn status_is_case_insensitive_and_prints_its_label() {
        assert_eq!(
            StoryStatus::parse("in progress").unwrap(),
            StoryStatus::InProgress
        );
        assert_eq!(StoryStatus::parse("DONE").unwrap().label(), "Done");
        let err = StoryStatus::parse("Finished").unwrap_err();
        assert!(
            err.contains("'Finished' is not one of: Draft, Ready"),
            "{err}"
        );
        assert_eq!(
            TestStatus::parse("need review with update").unwrap(),
            TestStatus::NeedsReview
        );
        let json = serde_json::to_string(&TaskStatus::NotStarted).unwrap();
        assert_eq!(json, "\"Not Started\"");
    }

    #[test]
    fn components_accept_csv_alias_and_report_every_unknown_name() {
        let parsed = Component::parse_csv("WorkModel, Traceability_Insight,WorkModel").unwrap();
        assert_eq!(
            parsed,
            vec![Component::WorkModel, Component::TraceabilityInsight]
        );
        assert_eq!(parsed[1].label(), "Traceabilty_Insight");
        let err = Component::parse_list(["System", "WorkModel", "Billing"]).unwrap_err();
        assert!(
            err.starts_with("unknown component(s) System, Billing"),
            "{err}"
        );
    }

    #[test]
    fn steps_need_content() {
        assert!(Steps::parse(vec![]).is_err());
        assert_eq!(
            Steps::parse(vec!["a".into(), " ".into()]).unwrap_err(),
            "step 2 is empty"
        );
        assert_eq!(
            Steps::parse_text("a\n\n b ").unwrap().as_slice(),
            ["a", "b"]
        );
    }

    #[test]
    fn hours_are_non_negative() {
        assert!(Hours::parse(0.0).is_ok());
        assert!(Hours::parse(-1.0).is_err());
        assert!(Hours::parse(f64::NAN).is_err());
    }
}
