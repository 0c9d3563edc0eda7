//! The Lambda functions, black-box: each test starts the real function
//! binaries Cargo built for `aipm-functions` under a local Lambda Runtime API,
//! feeds them API Gateway events from tests/events and checks their answers.
//! Functions share state only through DynamoDB (moto's server), as in AWS.

mod access;
mod bench;
mod codegen;
mod coverage;
mod errors;
mod function;
mod policies;
mod recorder;
mod runtime_api;
mod stories;
mod table;

/// The event fixture `tests/events/<name>.json`.
pub fn event(name: &str) -> serde_json::Value {
    let path = format!(
        "{}/../../tests/events/{name}.json",
        env!("CARGO_MANIFEST_DIR")
    );
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"))
}
