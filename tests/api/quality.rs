use crate::support::{good_story, Server};
use reqwest::StatusCode;
use serde_json::json;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

#[tokio::test]
async fn invest_warnings_refuse_a_story_until_accepted_and_nothing_is_written_before() {
    let s = Server::start();
    let weak = json!({"title": "Make the whole platform fast and user-friendly", "asA": "user", "iWant": "the entire system to be fast", "soThat": "it is fast", "storyPoint": 21});
    let r = s.post("/api/stories", weak.clone()).await;
    assert_eq!(
        (r.status, r.code()),
        (StatusCode::CONFLICT, "INVEST_WARNINGS")
    );
    let criteria: Vec<&str> = r.body["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["criterion"].as_str().unwrap())
        .collect();
    assert!(
        criteria.contains(&"small") && criteria.contains(&"testable"),
        "{criteria:?}"
    );
    assert!(!r.body["suggestions"].as_array().unwrap().is_empty());
    assert_eq!(r.body["details"]["warnings"], r.body["warnings"]);
    assert_eq!(
        s.get("/api/stories").await.body,
        json!([]),
        "a refused story is not written"
    );

    let mut accepted = weak;
    accepted["acceptWarnings"] = json!(true);
    let created = s.story(accepted).await;
    assert_eq!(created["investSatisfied"], false);
    assert_eq!(created["investAnalysis"]["source"], "heuristic");
    assert!(created["investWarnings"]
        .as_array()
        .unwrap()
        .iter()
        .any(|w| w["criterion"] == "small"));
    assert_eq!(created["investHealth"]["satisfied"], false);
}

#[tokio::test]
async fn a_good_story_passes_and_gets_a_measurable_draft_test() {
    let s = Server::start();
    let mut body = good_story("Invoices");
    body.as_object_mut().unwrap().remove("acceptWarnings");
    let created = s.story(body).await;
    assert_eq!(
        created["investSatisfied"], true,
        "{}",
        created["investWarnings"]
    );
    let drafted = &created["acceptanceTests"][0];
    assert_eq!(drafted["status"], "Draft");
    assert_eq!(drafted["gwtHealth"]["satisfied"], true, "{drafted}");
    assert_eq!(drafted["measurabilityWarnings"], json!([]));
}

#[tokio::test]
async fn a_content_change_is_checked_again_but_a_status_change_is_not() {
    let s = Server::start();
    s.story(good_story("Refunds")).await;
    let r = s
        .patch(
            "/api/stories/1",
            json!({"iWant": "to make refunds better and faster somehow"}),
        )
        .await;
    assert_eq!(r.code(), "INVEST_WARNINGS");
    assert_eq!(
        s.get("/api/stories/1").await.body["version"],
        1,
        "nothing was written"
    );
    let r = s.patch("/api/stories/1", json!({"status": "Ready"})).await;
    assert_eq!(r.status, StatusCode::OK);
}

#[tokio::test]
async fn vague_then_steps_are_refused_with_suggestions_unless_accepted() {
    let s = Server::start();
    s.story(good_story("Exports")).await;
    let vague =
        json!({"given": ["a report"], "when": ["I export it"], "then": ["it works correctly"]});
    let r = s.post("/api/stories/1/tests", vague.clone()).await;
    assert_eq!(
        (r.status, r.code()),
        (StatusCode::CONFLICT, "MEASURABILITY_WARNINGS")
    );
    assert_eq!(r.body["warnings"][0]["criterion"], "measurable");
    assert!(!r.body["suggestions"][0].as_str().unwrap().is_empty());
    let mut accepted = vague;
    accepted["acceptWarnings"] = json!(true);
    let t = s.post("/api/stories/1/tests", accepted).await;
    assert_eq!(t.status, StatusCode::CREATED);
    assert_eq!(t.body["gwtHealth"]["satisfied"], false);
    assert_eq!(t.body["measurabilityWarnings"].as_array().unwrap().len(), 1);
    let r = s
        .patch(
            &format!("/api/tests/{}", t.body["id"]),
            json!({"then": ["the CSV file has 12 rows"]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.body["gwtHealth"]["satisfied"], true);
}

#[tokio::test]
async fn health_check_recomputes_and_says_when_no_llm_is_configured() {
    let s = Server::start();
    s.story(good_story("Audit log")).await;
    let r = s.post("/api/stories/1/health-check", json!({})).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.body["investAnalysis"]["source"], "heuristic");
    assert_eq!(r.body["version"], 2);
    let r = s
        .post(
            "/api/stories/1/health-check",
            json!({"includeAiInvest": true}),
        )
        .await;
    assert_eq!(r.body["investAnalysis"]["source"], "fallback");
    assert!(r.body["investAnalysis"]["error"]
        .as_str()
        .unwrap()
        .contains("AIPM_LLM_BASE_URL"));
}

#[tokio::test]
async fn drafts_come_from_the_template_without_an_llm() {
    let s = Server::start();
    let r = s
        .post(
            "/api/stories/draft",
            json!({"idea": "export invoices as PDF"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["source"], "template");
    assert!(!r.body["title"].as_str().unwrap().is_empty());
    let criteria = r.body["acceptanceCriteria"].as_array().unwrap().len();
    assert!((3..=5).contains(&criteria));
    assert_eq!(
        s.post("/api/stories/draft", json!({})).await.body["details"]["field"],
        "idea"
    );

    s.story(good_story("Invoices")).await;
    let r = s
        .post(
            "/api/stories/1/tests/draft",
            json!({"idea": "an overdue invoice"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.body["source"], "template");
    assert!(!r.body["then"].as_array().unwrap().is_empty());
    assert_eq!(
        s.get("/api/stories/1").await.body["acceptanceTests"]
            .as_array()
            .unwrap()
            .len(),
        1,
        "a draft is not saved"
    );
}

#[tokio::test]
async fn a_drafted_story_keeps_the_ideas_own_benefit_and_a_drafted_test_is_measurable() {
    let s = Server::start();
    s.story(good_story("Invoices")).await;
    let idea = "As a finance clerk, I want to download an invoice as a PDF so that I can file it with the tax return";
    let r = s
        .post("/api/stories/draft", json!({"idea": idea, "parentId": 1}))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["asA"], "finance clerk");
    assert_eq!(r.body["iWant"], "to download an invoice as a PDF");
    assert_eq!(
        r.body["soThat"], "I can file it with the tax return",
        "the idea's benefit, not the parent's"
    );
    assert_eq!(r.body["parentId"], 1);

    // The drafted Then steps pass the measurability check that guards saving.
    let draft = s
        .post(
            "/api/stories/1/tests/draft",
            json!({"idea": "an unpaid invoice"}),
        )
        .await
        .body;
    let saved = s
        .post(
            "/api/stories/1/tests",
            json!({"given": draft["given"], "when": draft["when"], "then": draft["then"]}),
        )
        .await;
    assert_eq!(saved.status, StatusCode::CREATED, "{}", saved.body);
    assert_eq!(saved.body["measurabilityWarnings"], json!([]));
}

/// The same API with an LLM: a local double of the Chat Completions endpoint.
#[tokio::test]
async fn with_an_llm_the_ai_pass_is_merged_and_drafts_come_from_it() {
    let llm = MockServer::start().await;
    let answer = |content: serde_json::Value| {
        ResponseTemplate::new(200).set_body_json(json!({
            "id": "c1", "object": "chat.completion", "model": "test-model",
            "choices": [{"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": content.to_string()}}]
        }))
    };
    Mock::given(method("POST"))
        .and(path("/v1/chat/completions"))
        .respond_with(answer(json!({
            "summary": "Fine but could be smaller.",
            "warnings": [{"criterion": "small", "message": "Could be split.", "details": "Two screens.", "suggestion": "Split by screen."}],
            "title": "Export invoices as PDF", "asA": "accountant", "iWant": "to export an invoice as PDF",
            "soThat": "I can send it to a client in 1 click", "description": "", "storyPoint": 2,
            "components": ["WorkModel"], "acceptanceCriteria": ["a", "b", "c"],
            "given": ["an invoice"], "when": ["I export it"], "then": ["a PDF of 1 page downloads"]
        })))
        .mount(&llm)
        .await;
    let base = format!("{}/v1", llm.uri());
    let s = Server::start_with(
        &[
            ("AIPM_LLM_BASE_URL", &base),
            ("AIPM_LLM_MODEL", "test-model"),
            ("AIPM_LLM_API_KEY", "sk-test"),
        ],
        tempfile::tempdir().unwrap(),
    );

    let created = s.story(good_story("Invoices")).await;
    assert_eq!(
        created["acceptanceTests"][0]["then"],
        json!(["a PDF of 1 page downloads"]),
        "the first test is drafted by the LLM"
    );
    let r = s
        .post(
            "/api/stories/1/health-check",
            json!({"includeAiInvest": true}),
        )
        .await;
    let analysis = &r.body["investAnalysis"];
    assert_eq!(analysis["source"], "openai", "{analysis}");
    assert_eq!(analysis["aiModel"], "test-model");
    assert!(
        r.body["investWarnings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|w| w["source"] == "openai" && w["criterion"] == "small"),
        "AI warnings are merged into investWarnings"
    );
    // The analysis's own list of them is in the full view.
    let full = s.get("/api/stories/1?view=full").await.body;
    assert_eq!(
        full["investAnalysis"]["aiWarnings"][0]["criterion"],
        "small"
    );
    assert_eq!(full["investAnalysis"]["aiWarnings"][0]["source"], "openai");
    let r = s
        .post("/api/stories/draft", json!({"idea": "pdf invoices"}))
        .await;
    assert_eq!(
        (r.body["source"].as_str(), r.body["title"].as_str()),
        (Some("openai"), Some("Export invoices as PDF"))
    );
    let sent = llm.received_requests().await.unwrap();
    assert_eq!(
        sent.len(),
        3,
        "one request each: first test, health check, story draft"
    );
    assert!(sent
        .iter()
        .all(|r| r.headers["authorization"] == "Bearer sk-test"));
}
