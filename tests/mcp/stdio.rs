//! `aipm mcp` over standard input and output, on a fresh SQLite store.

use crate::client::{error, ok, over_stdio, tool_names};
use serde_json::{json, Value};

pub fn story(title: &str) -> Value {
    json!({
        "title": title,
        "asA": "accountant",
        "iWant": format!("to export the {title} of a month to CSV"),
        "soThat": "I reconcile a month in 10 minutes",
        "storyPoint": 2,
        "components": ["WorkModel"],
        "acceptWarnings": true,
    })
}

fn data_dir() -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().to_string_lossy().into_owned();
    (dir, path)
}

#[test]
fn initialize_names_the_server_and_tools_list_offers_the_backlog() {
    let (_dir, path) = data_dir();
    let s = over_stdio(&["--data-dir", &path], json!([{"list_tools": true}]));
    assert_eq!(s.initialize["serverInfo"]["name"], "aipm");
    assert!(s.initialize["capabilities"]["tools"].is_object());
    assert_eq!(
        tool_names(&s.results[0]),
        [
            "list_projects",
            "list_stories",
            "search_stories",
            "get_story",
            "create_story",
            "update_story",
            "create_test",
            "update_test",
            "record_test_result",
            "generate_code",
            "list_runs",
            "get_run"
        ]
    );
    let get = &s.results[0]["tools"][3];
    assert_eq!(get["annotations"]["readOnlyHint"], true);
    assert_eq!(get["inputSchema"]["required"], json!(["id"]));
}

#[test]
fn a_created_story_is_read_back_with_its_first_acceptance_test() {
    let (_dir, path) = data_dir();
    let s = over_stdio(
        &["--data-dir", &path],
        json!([{"call": "create_story", "arguments": story("invoices")}]),
    );
    let created = ok(&s.results[0]);
    let id = created["id"].as_u64().unwrap();
    assert_eq!(created["version"], 1);

    // A second process on the same store sees it.
    let s = over_stdio(
        &["--data-dir", &path],
        json!([
            {"call": "get_story", "arguments": {"id": id}},
            {"call": "search_stories", "arguments": {"query": "INVOICES month"}},
            {"call": "search_stories", "arguments": {"query": "payroll"}},
        ]),
    );
    let read = ok(&s.results[0]);
    assert_eq!(read["title"], "invoices");
    assert_eq!(read["asA"], "accountant");
    let tests = read["acceptanceTests"].as_array().unwrap();
    assert_eq!(tests.len(), 1, "{read}");
    assert!(!tests[0]["then"].as_array().unwrap().is_empty());
    assert_eq!(ok(&s.results[1])["stories"][0]["id"], id);
    assert_eq!(ok(&s.results[2])["stories"], json!([]));
}

#[test]
fn an_update_from_a_stale_version_is_refused_and_changes_nothing() {
    let (_dir, path) = data_dir();
    let s = over_stdio(
        &["--data-dir", &path],
        json!([
            {"call": "create_story", "arguments": story("invoices")},
            {"call": "update_story", "arguments": {"id": 1, "version": 1, "title": "invoices v2"}},
            {"call": "update_story", "arguments": {"id": 1, "version": 1, "title": "invoices v3"}},
            {"call": "get_story", "arguments": {"id": 1}},
        ]),
    );
    assert_eq!(ok(&s.results[1])["version"], 2);
    let conflict = error(&s.results[2]);
    assert_eq!(conflict["code"], "VERSION_CONFLICT");
    assert_eq!(conflict["status"], 409);
    assert_eq!(conflict["details"]["currentVersion"], 2);
    assert_eq!(ok(&s.results[3])["title"], "invoices v2");
}

#[test]
fn bad_input_and_invest_warnings_are_refused_with_the_apis_codes() {
    let (_dir, path) = data_dir();
    let s = over_stdio(
        &["--data-dir", &path],
        json!([
            {"call": "create_story", "arguments": {"title": "  "}},
            {"call": "create_story", "arguments": {"title": "x", "storyPoint": "many"}},
            {"call": "create_story", "arguments": {"title": "Stuff"}},
            {"call": "get_story", "arguments": {"id": 0}},
            {"call": "get_story", "arguments": {"id": 9}},
            {"call": "list_stories", "arguments": {"flat": true}},
        ]),
    );
    let empty = error(&s.results[0]);
    assert_eq!(
        (&empty["code"], &empty["details"]["field"]),
        (&json!("VALIDATION_ERROR"), &json!("title"))
    );
    assert_eq!(error(&s.results[1])["details"]["field"], "storyPoint");
    let weak = error(&s.results[2]);
    assert_eq!(weak["code"], "INVEST_WARNINGS", "{weak}");
    assert!(!weak["warnings"].as_array().unwrap().is_empty());
    assert_eq!(error(&s.results[3])["details"]["field"], "id");
    assert_eq!(error(&s.results[4])["code"], "NOT_FOUND");
    assert_eq!(ok(&s.results[5])["items"], json!([]), "nothing was written");
}

#[test]
fn a_test_result_is_recorded_as_pass_or_fail_only() {
    let (_dir, path) = data_dir();
    let s = over_stdio(
        &["--data-dir", &path],
        json!([
            {"call": "create_story", "arguments": story("invoices")},
            {"call": "create_test", "arguments": {
                "storyId": 1,
                "given": ["a month with 3 invoices"],
                "when": ["the accountant exports the month"],
                "then": ["the CSV file has 3 rows within 2 seconds"],
            }},
            {"call": "record_test_result", "arguments": {"id": 2, "status": "Pass", "version": 1}},
            {"call": "record_test_result", "arguments": {"id": 2, "status": "Fail", "version": 1}},
            {"call": "record_test_result", "arguments": {"id": 2, "status": "Ready"}},
            {"call": "record_test_result", "arguments": {"id": 1, "status": "fail"}},
            {"call": "get_story", "arguments": {"id": 1}},
        ]),
    );
    let test = ok(&s.results[1]);
    assert_eq!(
        (test["id"].as_u64(), test["status"].as_str()),
        (Some(2), Some("Draft"))
    );
    let passed = ok(&s.results[2]);
    assert_eq!(
        (passed["status"].as_str(), passed["version"].as_u64()),
        (Some("Pass"), Some(2))
    );
    assert_eq!(error(&s.results[3])["code"], "VERSION_CONFLICT");
    let not_a_result = error(&s.results[4]);
    assert_eq!(not_a_result["details"]["field"], "status");
    assert!(not_a_result["message"]
        .as_str()
        .unwrap()
        .contains("Pass or Fail"));
    assert_eq!(ok(&s.results[5])["status"], "Fail");
    let statuses: Vec<&str> = ok(&s.results[6])["acceptanceTests"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, ["Fail", "Pass"]);
}
