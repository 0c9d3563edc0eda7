//! Reading request input into domain values. Every refusal names the field
//! and says why; unknown fields are ignored, so the original AIPM's clients
//! (which send extra ones) keep working.

use super::json::Refusal;
use super::{ApiError, Request};
use aipm_core::domain::{parse_id, parse_whole, MAX_ID};
use aipm_core::domain::{Component, Email, Hours, Steps, Title};
use aipm_core::error::Rule;
use http::StatusCode;
use serde_json::{json, Map, Value};

pub type Input<T> = Result<T, ApiError>;

impl Request {
    /// A path parameter as a positive id.
    pub fn id_param(&self, name: &str) -> Input<u64> {
        let raw = self
            .params
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .unwrap_or("");
        parse_id(raw).map_err(|r| ApiError::invalid(name, r))
    }

    pub fn query_value(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    pub fn query_flag(&self, name: &str) -> Input<bool> {
        match self.query_value(name) {
            None => Ok(false),
            Some(v) if v.is_empty() || v.eq_ignore_ascii_case("true") || v == "1" => Ok(true),
            Some(v) if v.eq_ignore_ascii_case("false") || v == "0" => Ok(false),
            Some(v) => Err(ApiError::invalid(
                name,
                format!("'{v}' is not true or false"),
            )),
        }
    }

    pub fn query_id(&self, name: &str) -> Input<Option<u64>> {
        match self.query_value(name) {
            None | Some("") => Ok(None),
            Some(v) => parse_id(v)
                .map(Some)
                .map_err(|r| ApiError::invalid(name, r)),
        }
    }

    /// The version the client works from: the body's `version`, else `If-Match`.
    pub fn expected_version(&self, body: &Body) -> Input<Option<u64>> {
        if let Some(v) = body.u64("version")? {
            return Ok(Some(v));
        }
        let Some(raw) = self.headers.get(http::header::IF_MATCH) else {
            return Ok(None);
        };
        let text = raw.to_str().unwrap_or("").trim();
        let bare = text.trim_start_matches("W/").trim_matches('"');
        if bare == "*" {
            return Ok(None);
        }
        parse_whole(bare).map(Some).map_err(|r| {
            ApiError::invalid(
                "If-Match",
                format!("'{text}' is not a version number ({r})"),
            )
        })
    }
}

/// A JSON object body.
pub struct Body(Map<String, Value>);

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

impl Body {
    /// An empty body is `{}`; anything but a JSON object is refused.
    pub fn parse(req: &Request) -> Input<Body> {
        if req.body.iter().all(u8::is_ascii_whitespace) {
            return Ok(Body(Map::new()));
        }
        match super::json::parse(&req.body) {
            Ok(Value::Object(map)) => Ok(Body(map)),
            Ok(other) => Err(ApiError::invalid(
                "body",
                format!("must be a JSON object, not {}", kind(&other)),
            )),
            Err(Refusal::DuplicateKey { key }) => Err(ApiError::invalid(
                &key,
                "is given more than once; send each field once",
            )),
            Err(Refusal::Nul { field }) => Err(ApiError::invalid(
                &field,
                "must not contain a NUL character (U+0000)",
            )),
            Err(Refusal::Syntax(e)) => Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                "INVALID_JSON",
                format!("body: invalid JSON ({e})"),
            )
            .with_details(json!({"field": "body", "line": e.line(), "column": e.column()}))),
        }
    }

    pub fn has(&self, name: &str) -> bool {
        self.0.contains_key(name)
    }

    fn get(&self, name: &str) -> Option<&Value> {
        self.0.get(name)
    }

    /// Free text: absent → None; null → empty.
    pub fn text(&self, name: &str) -> Input<Option<String>> {
        match self.get(name) {
            None => Ok(None),
            Some(Value::Null) => Ok(Some(String::new())),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(other) => Err(ApiError::invalid(
                name,
                format!("must be a string, not {}", kind(other)),
            )),
        }
    }

    pub fn title(&self, name: &str) -> Input<Option<Title>> {
        match self.get(name) {
            None => Ok(None),
            Some(Value::String(s)) => Title::parse(s)
                .map(Some)
                .map_err(|r| ApiError::invalid(name, r)),
            Some(other) => Err(ApiError::invalid(
                name,
                format!("must be a string, not {}", kind(other)),
            )),
        }
    }

    pub fn required_title(&self, name: &str) -> Input<Title> {
        self.title(name)?
            .ok_or_else(|| ApiError::invalid(name, "is required"))
    }

    /// A non-negative integer; an integer in a string is accepted too.
    pub fn u64(&self, name: &str) -> Input<Option<u64>> {
        match self.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Number(n)) => match n.as_u64() {
                Some(v) if v <= MAX_ID => Ok(Some(v)),
                Some(_) => Err(ApiError::invalid(
                    name,
                    format!("must be at most {MAX_ID}, not {n}"),
                )),
                None => Err(ApiError::invalid(
                    name,
                    format!("must be a whole number ≥ 0, not {n}"),
                )),
            },
            Some(Value::String(s)) if s.trim().is_empty() => Ok(None),
            Some(Value::String(s)) => parse_whole(s.trim())
                .map(Some)
                .map_err(|r| ApiError::invalid(name, format!("must be a whole number ≥ 0 ({r})"))),
            Some(other) => Err(ApiError::invalid(
                name,
                format!("must be a whole number, not {}", kind(other)),
            )),
        }
    }

    /// A field that may be cleared: absent → None, null → Some(None).
    pub fn nullable_u64(&self, name: &str) -> Input<Option<Option<u64>>> {
        if !self.has(name) {
            return Ok(None);
        }
        self.u64(name).map(Some)
    }

    pub fn story_point(&self, name: &str) -> Input<Option<Option<u32>>> {
        match self.nullable_u64(name)? {
            Some(Some(v)) => u32::try_from(v)
                .map(|v| Some(Some(v)))
                .map_err(|_| ApiError::invalid(name, "is too large")),
            other => Ok(other.map(|_| None)),
        }
    }

    pub fn id(&self, name: &str) -> Input<Option<Option<u64>>> {
        match self.nullable_u64(name)? {
            Some(Some(0)) => Err(ApiError::invalid(name, "ids start at 1")),
            other => Ok(other),
        }
    }

    pub fn bool(&self, name: &str) -> Input<bool> {
        match self.get(name) {
            None | Some(Value::Null) => Ok(false),
            Some(Value::Bool(b)) => Ok(*b),
            Some(other) => Err(ApiError::invalid(
                name,
                format!("must be true or false, not {}", kind(other)),
            )),
        }
    }

    /// An optional address: absent → None; null or "" → Some(None).
    pub fn email(&self, name: &str) -> Input<Option<Option<Email>>> {
        match self.text(name)? {
            None => Ok(None),
            Some(s) => Email::parse_optional(&s)
                .map(Some)
                .map_err(|r| ApiError::invalid(name, r)),
        }
    }

    pub fn required_email(&self, name: &str) -> Input<Email> {
        self.email(name)?
            .flatten()
            .ok_or_else(|| ApiError::invalid(name, "is required"))
    }

    /// A labeled value (a status, a relationship), parsed by `parse`.
    pub fn label<T>(
        &self,
        name: &str,
        parse: impl Fn(&str) -> Result<T, String>,
    ) -> Input<Option<T>> {
        match self.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => parse(s).map(Some).map_err(|r| ApiError::invalid(name, r)),
            Some(other) => Err(ApiError::invalid(
                name,
                format!("must be a string, not {}", kind(other)),
            )),
        }
    }

    /// Components as an array of names or one comma-separated string.
    pub fn components(&self, name: &str) -> Input<Option<Vec<Component>>> {
        let parsed = match self.get(name) {
            None => return Ok(None),
            Some(Value::Null) => Ok(Vec::new()),
            Some(Value::String(s)) => Component::parse_csv(s),
            Some(Value::Array(items)) => {
                let mut names = Vec::new();
                for item in items {
                    match item {
                        Value::String(s) => names.push(s.as_str()),
                        other => {
                            return Err(ApiError::invalid(
                                name,
                                format!("must list names, not {}", kind(other)),
                            ))
                        }
                    }
                }
                Component::parse_list(names)
            }
            Some(other) => {
                return Err(ApiError::invalid(
                    name,
                    format!("must be an array or a string, not {}", kind(other)),
                ))
            }
        };
        parsed.map(Some).map_err(|reason| {
            let allowed: Vec<&str> = Component::ALL.iter().map(|c| c.label()).collect();
            ApiError::new(
                StatusCode::BAD_REQUEST,
                Rule::InvalidComponents.code(),
                format!("{name}: {reason}"),
            )
            .with_details(json!({"field": name, "reason": reason, "allowed": allowed}))
        })
    }

    /// Given/When/Then steps: an array of strings, or one string with a step
    /// per line.
    pub fn steps(&self, name: &str) -> Input<Option<Steps>> {
        let parsed = match self.get(name) {
            None => return Ok(None),
            Some(Value::String(s)) => Steps::parse_text(s),
            Some(Value::Array(items)) => {
                let mut steps = Vec::new();
                for item in items {
                    match item {
                        Value::String(s) => steps.push(s.clone()),
                        other => {
                            return Err(ApiError::invalid(
                                name,
                                format!("steps must be strings, not {}", kind(other)),
                            ))
                        }
                    }
                }
                Steps::parse(steps)
            }
            Some(other) => {
                return Err(ApiError::invalid(
                    name,
                    format!("must be an array of steps, not {}", kind(other)),
                ))
            }
        };
        parsed.map(Some).map_err(|r| ApiError::invalid(name, r))
    }

    pub fn hours(&self, name: &str) -> Input<Option<Option<Hours>>> {
        match self.get(name) {
            None => Ok(None),
            Some(Value::Null) => Ok(Some(None)),
            Some(Value::Number(n)) => {
                let v = n.as_f64().unwrap_or(-1.0);
                Hours::parse(v)
                    .map(|h| Some(Some(h)))
                    .map_err(|r| ApiError::invalid(name, r))
            }
            Some(other) => Err(ApiError::invalid(
                name,
                format!("must be a number, not {}", kind(other)),
            )),
        }
    }
}
