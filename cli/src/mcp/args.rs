//! A tool's arguments: the JSON object the client sent. Ids that are path
//! parameters in the REST API are taken out here; what is left is the
//! request body, read by the API's own input rules.

use aipm_api::ApiError;
use serde_json::{Map, Value};

pub struct Args(pub Map<String, Value>);

impl Args {
    /// A required positive id, as a number or a string of digits.
    pub fn take_id(&mut self, name: &str) -> Result<u64, ApiError> {
        self.take_optional_id(name)?
            .ok_or_else(|| ApiError::invalid(name, "is required"))
    }

    pub fn take_optional_id(&mut self, name: &str) -> Result<Option<u64>, ApiError> {
        let parsed = match self.0.remove(name) {
            None | Some(Value::Null) => return Ok(None),
            Some(Value::Number(n)) => n.as_u64(),
            Some(Value::String(s)) => s.trim().parse::<u64>().ok(),
            Some(_) => None,
        };
        match parsed {
            Some(id) if id > 0 => Ok(Some(id)),
            _ => Err(ApiError::invalid(name, "must be a positive integer id")),
        }
    }

    /// An optional boolean flag that the REST API takes in the query string.
    pub fn take_flag(&mut self, name: &str) -> Result<Option<bool>, ApiError> {
        match self.0.remove(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(b)),
            Some(_) => Err(ApiError::invalid(name, "must be true or false")),
        }
    }

    /// An optional string that is not part of the REST body (a filter).
    pub fn take_text(&mut self, name: &str) -> Result<Option<String>, ApiError> {
        match self.0.remove(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s)),
            Some(_) => Err(ApiError::invalid(name, "must be a string")),
        }
    }

    pub fn get(&self, name: &str) -> Option<&Value> {
        self.0.get(name)
    }
}
