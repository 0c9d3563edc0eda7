//! The tools. Each names the API operation it is, turns its arguments into
//! that operation's request and is answered by the API's own handler
//! (`call`), so a tool obeys exactly the rules, versions and errors of the
//! REST endpoint it stands for.

mod runs;
mod stories;
mod tests;

use super::args::Args;
use aipm_api::{ApiError, Operation};
use serde_json::{Map, Value};

pub struct Tool {
    pub name: &'static str,
    pub description: &'static str,
    /// Changes the backlog or starts work: left out in read-only mode.
    pub writes: bool,
    pub schema: fn() -> Value,
    pub request: fn(Args) -> Result<Call, ApiError>,
}

/// One API request, as a tool makes it.
pub struct Call {
    pub operation: Operation,
    /// Path parameters by the route's names (`id`, `runId`).
    pub params: Vec<(&'static str, u64)>,
    pub query: Vec<(&'static str, String)>,
    pub body: Map<String, Value>,
    /// Applied to a successful answer (e.g. a search's filter).
    pub refine: Option<Box<dyn FnOnce(Value) -> Value + Send + Sync>>,
}

impl Call {
    pub fn new(operation: Operation) -> Call {
        Call {
            operation,
            params: Vec::new(),
            query: Vec::new(),
            body: Map::new(),
            refine: None,
        }
    }

    pub fn param(mut self, name: &'static str, id: u64) -> Call {
        self.params.push((name, id));
        self
    }

    pub fn query(mut self, name: &'static str, value: impl Into<String>) -> Call {
        self.query.push((name, value.into()));
        self
    }

    /// The remaining arguments are the request body.
    pub fn body(mut self, args: Args) -> Call {
        self.body = args.0;
        self
    }
}

/// Every tool, in the order `tools/list` shows them.
pub fn all() -> Vec<Tool> {
    let mut tools = stories::tools();
    tools.extend(tests::tools());
    tools.extend(runs::tools());
    tools
}

pub fn find(name: &str) -> Option<Tool> {
    all().into_iter().find(|t| t.name == name)
}

#[cfg(test)]
mod unit {
    use super::*;

    #[test]
    fn names_are_unique_and_schemas_are_objects() {
        let tools = all();
        for (i, tool) in tools.iter().enumerate() {
            assert!(
                tools[i + 1..].iter().all(|t| t.name != tool.name),
                "{} twice",
                tool.name
            );
            assert_eq!((tool.schema)()["type"], "object", "{}", tool.name);
        }
    }
}
