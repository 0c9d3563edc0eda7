//! One route table is the truth: the local server's routes (`api::routes`),
//! template.yaml's API events and the OpenAPI paths must be the same set, and
//! every operation has exactly one function in the template.

use aipm_api::{routes, Operation};
use serde_yaml::Value;
use std::collections::{BTreeMap, BTreeSet};

fn repo_file(path: &str) -> Value {
    let full = format!("{}/../../{path}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&full).unwrap_or_else(|e| panic!("reading {full}: {e}"));
    serde_yaml::from_str(&text).unwrap_or_else(|e| panic!("parsing {full}: {e}"))
}

type RouteSet = BTreeSet<(String, String)>;

fn server_routes() -> RouteSet {
    routes()
        .iter()
        .map(|r| (r.method.to_string(), r.path.to_string()))
        .collect()
}

fn str_of(v: &Value) -> String {
    v.as_str()
        .unwrap_or_else(|| panic!("expected a string, found {v:?}"))
        .to_string()
}

/// (method, path) → the Binary of the function whose event it is.
fn template_events() -> BTreeMap<(String, String), String> {
    let template = repo_file("template.yaml");
    let mut events = BTreeMap::new();
    for (_, resource) in template["Resources"].as_mapping().unwrap() {
        if resource["Type"] != "AWS::Serverless::Function" {
            continue;
        }
        let binary = str_of(&resource["Metadata"]["BuildProperties"]["Binary"]);
        let Some(function_events) = resource["Properties"]["Events"].as_mapping() else {
            continue;
        };
        for (_, event) in function_events {
            if event["Type"] != "HttpApi" {
                continue;
            }
            let key = (
                str_of(&event["Properties"]["Method"]).to_uppercase(),
                str_of(&event["Properties"]["Path"]),
            );
            assert!(
                events.insert(key.clone(), binary.clone()).is_none(),
                "{key:?} is routed twice"
            );
        }
    }
    events
}

fn openapi_routes() -> RouteSet {
    let doc = repo_file("docs/openapi.yaml");
    let mut set = RouteSet::new();
    for (path, item) in doc["paths"].as_mapping().expect("openapi has paths") {
        for (method, _) in item.as_mapping().unwrap() {
            let method = str_of(method);
            if ["get", "post", "put", "patch", "delete"].contains(&method.as_str()) {
                set.insert((method.to_uppercase(), str_of(path)));
            }
        }
    }
    set
}

#[test]
fn the_template_routes_exactly_the_server_routes_to_their_functions() {
    let events = template_events();
    let routed: RouteSet = events.keys().cloned().collect();
    assert_eq!(
        routed,
        server_routes(),
        "template.yaml events differ from the route table"
    );
    for route in routes() {
        let binary = &events[&(route.method.to_string(), route.path.to_string())];
        assert_eq!(
            *binary,
            route.operation.function(),
            "{} {} goes to the wrong function",
            route.method,
            route.path
        );
    }
}

#[test]
fn every_operation_has_one_function_in_the_template() {
    let binaries: BTreeSet<String> = template_events().values().cloned().collect();
    let operations: BTreeSet<String> = Operation::ALL.iter().map(|op| op.function()).collect();
    assert_eq!(binaries, operations);
}

#[test]
fn the_openapi_document_describes_exactly_the_server_routes() {
    assert_eq!(openapi_routes(), server_routes());
}
