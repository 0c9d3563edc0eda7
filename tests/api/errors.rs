use crate::support::Server;
use reqwest::{Method, StatusCode};
use serde_json::json;

#[tokio::test]
async fn bad_fields_are_named_with_the_reason() {
    let s = Server::start();
    let cases = [
        (json!({}), "title"),
        (json!({"title": "   "}), "title"),
        (json!({"title": "x".repeat(201)}), "title"),
        (json!({"title": "t", "storyPoint": -1}), "storyPoint"),
        (json!({"title": "t", "storyPoint": 2.5}), "storyPoint"),
        (json!({"title": "t", "storyPoint": "many"}), "storyPoint"),
        (json!({"title": "t", "status": "Finished"}), "status"),
        (
            json!({"title": "t", "assigneeEmail": "not-an-address"}),
            "assigneeEmail",
        ),
        (json!({"title": "t", "asA": 5}), "asA"),
        (json!({"title": "t", "parentId": 0}), "parentId"),
    ];
    for (body, field) in cases {
        let r = s.post("/api/stories", body.clone()).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{body}");
        assert_eq!(r.body["details"]["field"], field, "{body} → {}", r.body);
        assert!(
            r.body["message"].as_str().unwrap().starts_with(field),
            "{}",
            r.body
        );
    }
    let r = s
        .post(
            "/api/stories",
            json!({"title": "t", "components": ["Billing"]}),
        )
        .await;
    assert_eq!(
        (r.status, r.code()),
        (StatusCode::BAD_REQUEST, "INVALID_COMPONENTS")
    );
    assert!(r.body["details"]["allowed"].as_array().unwrap().len() == 6);
    assert_eq!(
        s.get("/api/stories").await.body,
        json!([]),
        "refused requests wrote nothing"
    );
}

#[tokio::test]
async fn malformed_and_oversized_bodies_are_refused() {
    let s = Server::start();
    let r = s
        .raw(Method::POST, "/api/stories", b"{\"title\": ".to_vec())
        .await;
    assert_eq!(
        (r.status, r.code()),
        (StatusCode::BAD_REQUEST, "INVALID_JSON")
    );
    let r = s
        .raw(Method::POST, "/api/stories", b"[1, 2]".to_vec())
        .await;
    assert_eq!(
        (r.status, r.body["details"]["field"].as_str()),
        (StatusCode::BAD_REQUEST, Some("body"))
    );
    let mut big = b"{\"title\": \"big\", \"description\": \"".to_vec();
    big.extend(std::iter::repeat_n(b'x', 1024 * 1024 + 10));
    big.extend(b"\"}");
    let r = s.raw(Method::POST, "/api/stories", big).await;
    assert_eq!(
        (r.status, r.code()),
        (StatusCode::PAYLOAD_TOO_LARGE, "PAYLOAD_TOO_LARGE")
    );
}

#[tokio::test]
async fn unknown_routes_and_ids_answer_json() {
    let s = Server::start();
    let r = s.get("/api/nothing-here").await;
    assert_eq!(
        (r.status, r.code()),
        (StatusCode::NOT_FOUND, "ROUTE_NOT_FOUND")
    );
    let r = s.get("/api/stories/77").await;
    assert_eq!((r.status, r.code()), (StatusCode::NOT_FOUND, "NOT_FOUND"));
    let r = s.get("/api/stories/abc").await;
    assert_eq!(
        (r.status, r.body["details"]["field"].as_str()),
        (StatusCode::BAD_REQUEST, Some("id"))
    );
    let r = s.send(Method::POST, "/api/projects/1", None, &[]).await;
    assert_eq!(r.status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(r.headers["allow"], "GET, PATCH");
}
