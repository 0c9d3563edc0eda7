//! The LLM pass against a local double of the Chat Completions endpoint
//! (wiremock): what is sent, what is merged, and how each failure falls back
//! to the deterministic analysis with the error recorded and the key unseen.

use aipm_core::quality::llm::INVEST_PROMPT;
use aipm_core::quality::{analyze_with_llm, LlmConfig, StoryText};
use aipm_core::secret::Secret;
use aipm_llm::LlmClient;
use serde_json::{json, Value};
use std::time::{Duration, Instant};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const KEY: &str = "sk-test-not-for-logs";
const MODEL: &str = "gpt-test-mini";

/// 13 points: the deterministic `small` check fires, whatever the LLM says.
fn epic_story() -> StoryText<'static> {
    StoryText {
        id: Some(7),
        title: "Fleet management suite",
        as_a: "logistics manager",
        i_want: "to see every vehicle's next service date",
        so_that: "no vehicle misses its inspection",
        description: "",
        story_point: Some(13),
    }
}

fn client(server: &MockServer, timeout: Duration, max_retries: u32) -> LlmClient {
    LlmClient::new(LlmConfig {
        base_url: format!("{}/v1/", server.uri()),
        model: MODEL.into(),
        api_key: Some(Secret::new(KEY)),
        timeout,
        max_retries,
    })
    .unwrap()
}

/// A Chat Completions answer whose message is `content`.
fn completion(content: &str) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(json!({
        "id": "chatcmpl-1",
        "object": "chat.completion",
        "model": MODEL,
        "choices": [{ "index": 0, "finish_reason": "stop",
                      "message": { "role": "assistant", "content": content } }]
    }))
}

fn invest_answer() -> String {
    json!({
        "summary": "Too big for one iteration.",
        "warnings": [{ "criterion": "small", "message": "A whole suite is an epic.",
                       "details": "Several modules.", "suggestion": "Split by module." }]
    })
    .to_string()
}

async fn mount(server: &MockServer, response: ResponseTemplate) {
    Mock::given(method("POST"))
        .and(path("/v1/chat/completions"))
        .respond_with(response)
        .mount(server)
        .await;
}

async fn requests(server: &MockServer) -> Vec<wiremock::Request> {
    server.received_requests().await.expect("recording is on")
}

#[tokio::test]
async fn given_an_answer_when_analyzing_then_ai_warnings_are_added_beside_the_deterministic_ones() {
    let server = MockServer::start().await;
    mount(&server, completion(&invest_answer())).await;

    let analysis = analyze_with_llm(
        &epic_story(),
        &[],
        Some(&client(&server, Duration::from_secs(5), 0)),
    )
    .await;

    assert_eq!(analysis.source, "openai");
    assert_eq!(analysis.ai_model.as_deref(), Some(MODEL));
    assert_eq!(
        analysis.ai_summary.as_deref(),
        Some("Too big for one iteration.")
    );
    assert_eq!(analysis.ai_warnings.len(), 1);
    assert_eq!(analysis.ai_warnings[0].source, "openai");
    assert_eq!(analysis.ai_warnings[0].suggestion, "Split by module.");
    // Merged, not substituted: the deterministic finding is still there.
    assert_eq!(analysis.warnings.len(), 1);
    assert_eq!(analysis.warnings[0].criterion, "small");
    assert_eq!(analysis.warnings[0].source, "heuristic");
    assert!(!analysis.used_fallback && analysis.error.is_none());

    let sent = requests(&server).await;
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].url.path(), "/v1/chat/completions");
    assert_eq!(
        sent[0].headers["authorization"],
        format!("Bearer {KEY}").as_str()
    );
    let body: Value = sent[0].body_json().unwrap();
    assert_eq!(body["model"], MODEL);
    assert_eq!(body["response_format"], json!({ "type": "json_object" }));
    assert_eq!(body["messages"][0]["role"], "system");
    let story: Value =
        serde_json::from_str(body["messages"][1]["content"].as_str().unwrap()).unwrap();
    assert_eq!(story["title"], "Fleet management suite");
    assert_eq!(story["storyPoint"], 13);
}

#[tokio::test]
async fn given_a_message_that_is_not_json_then_the_analysis_falls_back_with_the_reason() {
    let server = MockServer::start().await;
    mount(
        &server,
        completion("Sure! Here are my thoughts: the story is big."),
    )
    .await;

    let analysis = analyze_with_llm(
        &epic_story(),
        &[],
        Some(&client(&server, Duration::from_secs(5), 2)),
    )
    .await;

    assert_eq!(analysis.source, "fallback");
    assert!(analysis.used_fallback);
    let error = analysis.error.unwrap();
    assert!(
        error.starts_with("the LLM answer was not usable: the message is not JSON"),
        "{error}"
    );
    assert_eq!(analysis.warnings[0].criterion, "small");
    assert_eq!(analysis.fallback_warnings, analysis.warnings);
    assert!(analysis.ai_warnings.is_empty());
    // A malformed answer is not retried: asking again gets the same model.
    assert_eq!(requests(&server).await.len(), 1);
}

#[tokio::test]
async fn given_a_slow_endpoint_then_the_time_limit_ends_the_call_once() {
    let server = MockServer::start().await;
    mount(
        &server,
        completion(&invest_answer()).set_delay(Duration::from_secs(3)),
    )
    .await;

    let started = Instant::now();
    let analysis = analyze_with_llm(
        &epic_story(),
        &[],
        Some(&client(&server, Duration::from_millis(300), 2)),
    )
    .await;

    assert!(
        started.elapsed() < Duration::from_secs(2),
        "took {:?}",
        started.elapsed()
    );
    assert_eq!(analysis.source, "fallback");
    assert_eq!(
        analysis.error.as_deref(),
        Some("the LLM endpoint did not answer within 0.3 s")
    );
    assert_eq!(requests(&server).await.len(), 1);
}

#[tokio::test]
async fn given_429_with_retry_after_then_the_client_waits_and_retries() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/chat/completions"))
        .respond_with(ResponseTemplate::new(429).insert_header("Retry-After", "1"))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    mount(&server, completion(&invest_answer())).await;

    let started = Instant::now();
    let analysis = analyze_with_llm(
        &epic_story(),
        &[],
        Some(&client(&server, Duration::from_secs(5), 2)),
    )
    .await;

    assert_eq!(analysis.source, "openai", "{:?}", analysis.error);
    assert_eq!(analysis.ai_warnings.len(), 1);
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "Retry-After not honoured"
    );
    let sent = requests(&server).await;
    assert_eq!(sent.len(), 2);
    assert_eq!(
        sent[0].body, sent[1].body,
        "the retry sends the same request"
    );
}

#[tokio::test]
async fn given_a_failing_endpoint_then_retries_run_out_and_the_key_stays_out_of_the_error() {
    let server = MockServer::start().await;
    // Some gateways echo the request, credentials included.
    mount(
        &server,
        ResponseTemplate::new(500).set_body_string(format!("upstream failed for Bearer {KEY}")),
    )
    .await;

    let analysis = analyze_with_llm(
        &epic_story(),
        &[],
        Some(&client(&server, Duration::from_secs(5), 1)),
    )
    .await;

    assert_eq!(analysis.source, "fallback");
    let error = analysis.error.clone().unwrap();
    assert_eq!(
        error,
        "the LLM endpoint answered HTTP 500: upstream failed for Bearer ***"
    );
    assert!(!format!("{analysis:?}").contains(KEY));
    assert_eq!(requests(&server).await.len(), 2, "one try and one retry");
}

#[tokio::test]
async fn given_a_refused_key_then_the_call_is_not_retried() {
    let server = MockServer::start().await;
    mount(
        &server,
        ResponseTemplate::new(401)
            .set_body_json(json!({"error": {"message": "Incorrect API key"}})),
    )
    .await;

    let analysis = analyze_with_llm(
        &epic_story(),
        &[],
        Some(&client(&server, Duration::from_secs(5), 3)),
    )
    .await;

    assert!(analysis
        .error
        .unwrap()
        .starts_with("the LLM endpoint answered HTTP 401"));
    assert_eq!(requests(&server).await.len(), 1);
}

#[tokio::test]
async fn given_no_client_then_the_analysis_is_the_deterministic_one() {
    let analysis = analyze_with_llm(&epic_story(), &[], None).await;
    assert_eq!(analysis.source, "heuristic");
    assert_eq!(analysis.summary, "1 INVEST concern: small");
    assert_eq!(analysis.ai_model, None);
}

#[tokio::test]
async fn drafts_come_back_checked_from_the_model() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(completion(
            &json!({ "title": "Next service date per vehicle", "asA": "logistics manager",
                     "iWant": "to see each vehicle's next service date", "soThat": "no inspection is missed",
                     "description": "", "storyPoint": 3, "components": ["WorkModel"],
                     "acceptanceCriteria": ["shows the date", "sorts by date", "flags overdue"] })
            .to_string(),
        ))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    mount(&server, completion(r#"{"title": null, "given": ["a van due on 1 May"], "when": ["the manager opens the fleet list"], "then": ["the van shows \"Due 1 May\""]}"#)).await;
    let client = client(&server, Duration::from_secs(5), 0);
    let client: &dyn aipm_core::quality::Llm = &client;

    let story = client
        .draft_story("service dates", Some(&epic_story()))
        .await
        .unwrap();
    assert_eq!(story.story_point, Some(3));
    assert_eq!(story.acceptance_criteria.len(), 3);
    let test = client
        .draft_test(&epic_story(), Some("overdue van"))
        .await
        .unwrap();
    assert_eq!(test.then, ["the van shows \"Due 1 May\""]);

    let sent = requests(&server).await;
    let draft_request: Value = sent[0].body_json().unwrap();
    let asked: Value =
        serde_json::from_str(draft_request["messages"][1]["content"].as_str().unwrap()).unwrap();
    assert_eq!(asked["idea"], "service dates");
    assert_eq!(asked["parent"]["title"], "Fleet management suite");
}

// The fixed prompt set (tests/quality/llm/invest-answers.json): held-out
// stories, the system prompt they were answered with, and the answers the
// recorded-answer double replays.

#[derive(serde::Deserialize, serde::Serialize)]
#[serde(rename_all = "camelCase")]
struct PromptSet {
    about: String,
    recorded_from: String,
    stories: Vec<String>,
    prompt: String,
    answers: std::collections::BTreeMap<String, String>,
}

#[derive(serde::Deserialize, Clone)]
#[serde(rename_all = "camelCase")]
struct LabeledStory {
    id: String,
    title: String,
    as_a: String,
    i_want: String,
    so_that: String,
    description: String,
    story_point: Option<u32>,
    expected: Vec<String>,
}

fn quality_file(name: &str) -> std::path::PathBuf {
    std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/quality")
        .join(name)
}

fn prompt_set() -> (PromptSet, Vec<LabeledStory>) {
    let read = |name| std::fs::read_to_string(quality_file(name)).unwrap();
    let set: PromptSet = serde_json::from_str(&read("llm/invest-answers.json")).unwrap();
    let all: Vec<LabeledStory> = serde_json::from_str(&read("held-out/stories.json")).unwrap();
    let stories = set
        .stories
        .iter()
        .map(|id| {
            all.iter()
                .find(|s| &s.id == id)
                .expect("a held-out id")
                .clone()
        })
        .collect();
    (set, stories)
}

fn text(s: &LabeledStory) -> StoryText<'_> {
    StoryText {
        id: None,
        title: &s.title,
        as_a: &s.as_a,
        i_want: &s.i_want,
        so_that: &s.so_that,
        description: &s.description,
        story_point: s.story_point,
    }
}

/// Per criterion (TP, FP, FN) of the model's findings against the labels;
/// `unique` is left out: one story alone cannot show a duplicate.
type Agreement = std::collections::BTreeMap<String, (usize, usize, usize)>;

fn agreement(labels: &[LabeledStory], found: &[Vec<String>]) -> Agreement {
    let mut out = Agreement::new();
    for criterion in aipm_core::quality::criteria::CRITERIA
        .iter()
        .filter(|c| **c != "unique")
    {
        let entry = out.entry(criterion.to_string()).or_default();
        for (story, found) in labels.iter().zip(found) {
            match (
                story.expected.iter().any(|e| e == criterion),
                found.iter().any(|f| f == criterion),
            ) {
                (true, true) => entry.0 += 1,
                (false, true) => entry.1 += 1,
                (true, false) => entry.2 += 1,
                (false, false) => {}
            }
        }
    }
    out
}

fn print_agreement(title: &str, a: &Agreement) {
    let ratio = |x: usize, y: usize| if y == 0 { 1.0 } else { x as f64 / y as f64 };
    println!(
        "\n{title}\n{:<12} {:>9} {:>7} {:>4} {:>4} {:>4}",
        "criterion", "precision", "recall", "TP", "FP", "FN"
    );
    for (c, (tp, fp, fn_)) in a {
        println!(
            "{c:<12} {:>9.2} {:>7.2} {tp:>4} {fp:>4} {fn_:>4}",
            ratio(*tp, tp + fp),
            ratio(*tp, tp + fn_)
        );
    }
}

/// Answers the way the recorded model did: the answer stored for the story
/// whose title is in the request.
struct Replay(std::collections::BTreeMap<String, String>);

impl wiremock::Respond for Replay {
    fn respond(&self, request: &wiremock::Request) -> ResponseTemplate {
        let body: Value = request.body_json().unwrap();
        let story: Value =
            serde_json::from_str(body["messages"][1]["content"].as_str().unwrap()).unwrap();
        match self.0.get(story["title"].as_str().unwrap()) {
            Some(answer) => completion(answer),
            None => ResponseTemplate::new(404),
        }
    }
}

#[tokio::test]
async fn the_fixed_prompt_set_is_replayed_and_scored_against_the_labels() {
    let (set, stories) = prompt_set();
    assert!(stories.len() >= 40);
    let by_title = stories
        .iter()
        .map(|s| (s.title.clone(), set.answers[&s.id].clone()))
        .collect();
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/chat/completions"))
        .respond_with(Replay(by_title))
        .mount(&server)
        .await;
    let client = client(&server, Duration::from_secs(5), 0);

    let mut found = Vec::new();
    for story in &stories {
        let analysis = analyze_with_llm(&text(story), &[], Some(&client)).await;
        assert_eq!(
            analysis.source, "openai",
            "{}: {:?}",
            story.id, analysis.error
        );
        let criteria: Vec<String> = analysis
            .ai_warnings
            .iter()
            .map(|w| w.criterion.clone())
            .collect();
        let recorded: Value = serde_json::from_str(&set.answers[&story.id]).unwrap();
        let recorded: Vec<&str> = recorded["warnings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|w| w["criterion"].as_str().unwrap())
            .collect();
        assert_eq!(
            criteria, recorded,
            "{}: every recorded finding arrives",
            story.id
        );
        found.push(criteria);
    }
    // The answers belong to this prompt: a changed prompt needs new answers.
    assert_eq!(
        set.prompt, INVEST_PROMPT,
        "the system prompt changed: record new answers (see the_configured_endpoint_agrees_with_the_labels)"
    );
    for request in requests(&server).await {
        let body: Value = request.body_json().unwrap();
        assert_eq!(body["messages"][0]["content"], INVEST_PROMPT);
    }
    let a = agreement(&stories, &found);
    print_agreement(
        &format!(
            "LLM answers ({}) against the held-out labels",
            set.recorded_from
        ),
        &a,
    );
    // The scorer counts what it should: every labeled finding is either
    // found or missed, and a finding that is not labeled is a false positive.
    let labeled: usize = stories
        .iter()
        .map(|s| s.expected.iter().filter(|e| *e != "unique").count())
        .sum();
    let answered: usize = found.iter().map(Vec::len).sum();
    assert_eq!(
        a.values().map(|(tp, _, fn_)| tp + fn_).sum::<usize>(),
        labeled
    );
    assert_eq!(
        a.values().map(|(tp, fp, _)| tp + fp).sum::<usize>(),
        answered
    );
}

/// Agreement of a real model with the labels, on the fixed prompt set: not in
/// CI (it needs an endpoint and costs tokens). Run with
///
///     AIPM_LLM_BASE_URL=… AIPM_LLM_MODEL=… AIPM_LLM_API_KEY=… \
///       cargo nextest run -p aipm-shared --test llm_double --run-ignored only --no-capture
///
/// and AIPM_LLM_RECORD=1 to store the model's answers as the replayed ones.
#[tokio::test]
#[ignore = "needs an LLM endpoint (AIPM_LLM_BASE_URL, AIPM_LLM_MODEL)"]
async fn the_configured_endpoint_agrees_with_the_labels() {
    let config = LlmConfig::from_env().expect("set AIPM_LLM_BASE_URL and AIPM_LLM_MODEL");
    let model = config.model.clone();
    let client = LlmClient::new(config).unwrap();
    let (mut set, stories) = prompt_set();
    let mut found = Vec::new();
    let mut answers = std::collections::BTreeMap::new();
    for story in &stories {
        let analysis = analyze_with_llm(&text(story), &[], Some(&client)).await;
        if let Some(error) = &analysis.error {
            println!("{}: {error}", story.id);
        }
        let warnings: Vec<Value> = analysis
            .ai_warnings
            .iter()
            .map(|w| json!({"criterion": w.criterion, "message": w.message, "details": w.details, "suggestion": w.suggestion}))
            .collect();
        answers.insert(
            story.id.clone(),
            json!({"summary": analysis.ai_summary, "warnings": warnings}).to_string(),
        );
        found.push(
            analysis
                .ai_warnings
                .iter()
                .map(|w| w.criterion.clone())
                .collect(),
        );
    }
    print_agreement(
        &format!("{model} against the held-out labels"),
        &agreement(&stories, &found),
    );
    if std::env::var("AIPM_LLM_RECORD").is_ok_and(|v| v == "1") {
        set.recorded_from = model;
        set.answers = answers;
        set.prompt = INVEST_PROMPT.to_string();
        let path = quality_file("llm/invest-answers.json");
        std::fs::write(&path, serde_json::to_string_pretty(&set).unwrap() + "\n").unwrap();
        println!("recorded into {}", path.display());
    }
}
