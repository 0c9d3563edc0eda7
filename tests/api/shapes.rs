//! How much of a story a read writes: lean by default (each list of
//! warnings once), the original's full shape with `view=full`, the outline
//! with `view=summary`.

use crate::support::{good_story, Server};
use reqwest::StatusCode;
use serde_json::{json, Value};

/// A story with INVEST warnings, a child, and a test with a vague Then step
/// (the API refuses missing and blank steps, so a written test's
/// `gwtHealth.issues` are its measurability warnings).
async fn flawed_backlog(s: &Server) -> (u64, u64) {
    let parent = s
        .story(json!({"title": "Make it better", "acceptWarnings": true}))
        .await;
    let id = parent["id"].as_u64().unwrap();
    assert!(!parent["investWarnings"].as_array().unwrap().is_empty());
    let mut child = good_story("Refunds");
    child["parentId"] = json!(id);
    let child = s.story(child).await;
    let t = s
        .post(
            &format!("/api/stories/{id}/tests"),
            json!({"given": ["a report"], "when": ["I export it"],
                   "then": ["it works correctly", "the CSV file has 12 rows"],
                   "acceptWarnings": true}),
        )
        .await;
    assert_eq!(t.status, StatusCode::CREATED, "{}", t.body);
    (id, child["id"].as_u64().unwrap())
}

fn story<'a>(tree: &'a Value, id: u64) -> &'a Value {
    let mut stack = vec![tree];
    while let Some(v) = stack.pop() {
        match v {
            Value::Array(items) => stack.extend(items),
            Value::Object(o) if o["id"] == json!(id) => return v,
            Value::Object(o) => stack.extend(o.get("children")),
            _ => {}
        }
    }
    panic!("story {id} not in {tree}")
}

/// Every warning object anywhere in a document, as text.
fn warnings(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::Object(o) if o.contains_key("criterion") && o.contains_key("message") => {
            out.push(v.to_string())
        }
        Value::Object(o) => o.values().for_each(|v| warnings(v, out)),
        Value::Array(items) => items.iter().for_each(|v| warnings(v, out)),
        _ => {}
    }
}

fn no_warning_twice(doc: &Value) {
    let mut all = Vec::new();
    warnings(doc, &mut all);
    let mut seen = std::collections::HashSet::new();
    for w in &all {
        assert!(seen.insert(w), "written twice: {w}");
    }
    assert!(!all.is_empty());
}

#[tokio::test]
async fn a_story_read_writes_each_warning_once_and_the_full_view_keeps_the_original_fields() {
    let s = Server::start();
    let (id, _) = flawed_backlog(&s).await;
    for path in [format!("/api/stories/{id}"), "/api/stories".into()] {
        let lean = s.get(&path).await;
        assert_eq!(lean.status, StatusCode::OK, "{}", lean.body);
        no_warning_twice(&lean.body);
        let v = story(&lean.body, id);
        let count = v["investWarnings"].as_array().unwrap().len();
        assert!(count > 0);
        assert_eq!(v["investSatisfied"], false);
        assert_eq!(v["investHealth"], json!({"satisfied": false}));
        assert!(v["investAnalysis"].get("warnings").is_none(), "{v}");
        assert_eq!(v["investAnalysis"]["source"], "heuristic");
        let t = &v["acceptanceTests"][1];
        assert!(t.get("measurabilitySuggestions").is_none(), "{t}");
        let measurability = t["measurabilityWarnings"].as_array().unwrap();
        assert_eq!(measurability.len(), 1, "{t}");
        assert!(!measurability[0]["suggestion"].as_str().unwrap().is_empty());
        assert_eq!(t["gwtHealth"]["satisfied"], false);
        let issues = t["gwtHealth"]["issues"].as_array().unwrap();
        assert!(issues.is_empty(), "already in measurabilityWarnings: {t}");

        let full = s
            .get(&format!(
                "{path}{}view=full",
                if path.contains('?') { '&' } else { '?' }
            ))
            .await;
        assert_eq!(full.status, StatusCode::OK, "{}", full.body);
        let f = story(&full.body, id);
        assert_eq!(f["investHealth"]["issues"], f["investWarnings"]);
        assert_eq!(
            f["investAnalysis"]["warnings"].as_array().unwrap().len(),
            count
        );
        let t = &f["acceptanceTests"][1];
        assert_eq!(
            t["measurabilitySuggestions"],
            json!([t["measurabilityWarnings"][0]["suggestion"]])
        );
        let issues = t["gwtHealth"]["issues"].as_array().unwrap();
        assert_eq!(issues.len(), 1, "{t}");
        assert_eq!(issues[0], t["measurabilityWarnings"][0]);
        // The lean view is the full one minus the copies.
        let mut trimmed = f.clone();
        trimmed["investHealth"]
            .as_object_mut()
            .unwrap()
            .remove("issues");
        for k in ["warnings", "aiWarnings"] {
            trimmed["investAnalysis"].as_object_mut().unwrap().remove(k);
        }
        for t in trimmed["acceptanceTests"].as_array_mut().unwrap() {
            t.as_object_mut()
                .unwrap()
                .remove("measurabilitySuggestions");
            let m = t["measurabilityWarnings"].clone();
            let issues = t["gwtHealth"]["issues"].as_array_mut().unwrap();
            issues.retain(|w| !m.as_array().unwrap().contains(w));
        }
        let mut lean_v = v.clone();
        // Children are compared by their own read.
        lean_v["children"] = json!(null);
        trimmed["children"] = json!(null);
        assert_eq!(lean_v, trimmed);
    }
    let flat = s.get("/api/stories?flat=true&view=full").await;
    assert_eq!(flat.status, StatusCode::OK);
    assert!(story(&flat.body, id)["investHealth"]["issues"].is_array());
}

#[tokio::test]
async fn the_summary_view_gives_the_outline_with_counts() {
    let s = Server::start();
    let (id, child) = flawed_backlog(&s).await;
    let r = s.get("/api/stories?view=summary").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let full = s.get("/api/stories?view=full").await.body;
    let root = story(&r.body, id);
    let full_root = story(&full, id);
    let keys: Vec<&str> = root
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    let mut sorted = keys.clone();
    sorted.sort();
    assert_eq!(
        sorted,
        [
            "assigneeEmail",
            "blockedByCount",
            "children",
            "id",
            "investSatisfied",
            "investWarningCount",
            "measurabilityWarningCount",
            "parentId",
            "status",
            "storyPoint",
            "taskCount",
            "testCount",
            "title",
            "version"
        ]
    );
    assert_eq!(root["title"], full_root["title"]);
    assert_eq!(root["status"], full_root["status"]);
    assert_eq!(
        root["investWarningCount"],
        json!(full_root["investWarnings"].as_array().unwrap().len())
    );
    assert_eq!(root["testCount"], json!(2));
    assert_eq!(root["measurabilityWarningCount"], json!(1));
    assert_eq!(root["taskCount"], json!(0));
    let kid = &root["children"][0];
    assert_eq!(kid["id"], json!(child));
    assert_eq!(kid["parentId"], json!(id));
    assert_eq!(kid["storyPoint"], json!(3));
    let flat = s.get("/api/stories?view=summary&flat=true").await;
    assert_eq!(flat.status, StatusCode::OK);
    assert_eq!(flat.body.as_array().unwrap().len(), 2);
    assert_eq!(flat.body[1]["children"], json!([]));
    let lean = s.get("/api/stories?view=lean").await;
    assert_eq!(lean.body, s.get("/api/stories").await.body);
}

#[tokio::test]
async fn an_unknown_view_is_refused_naming_the_parameter_and_the_accepted_values() {
    let s = Server::start();
    let (id, _) = flawed_backlog(&s).await;
    for (path, accepted) in [
        ("/api/stories?view=tree".to_string(), "lean, full, summary"),
        ("/api/stories?view=".to_string(), "lean, full, summary"),
        (format!("/api/stories/{id}?view=summary"), "lean, full"),
    ] {
        let r = s.get(&path).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{path}: {}", r.body);
        assert_eq!(r.body["details"]["field"], "view", "{}", r.body);
        let message = r.body["message"].as_str().unwrap();
        assert!(message.starts_with("view"), "{message}");
        assert!(message.contains(accepted), "{message}");
    }
}
