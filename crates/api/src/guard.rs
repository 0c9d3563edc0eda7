//! What a request must show before its body is read or a handler runs:
//! a plain encoding, the token, a JSON content type, and — for writes — that
//! a browser sent it from AIPM's own origin or an allowed one. A page on
//! another origin can make a browser post a "simple" request (text/plain, no
//! preflight) carrying the user's network position; these checks are what
//! keeps such a page from creating stories or starting agent runs.

use super::{ApiConfig, ApiError, Operation};
use http::{HeaderMap, Method, StatusCode};
use serde_json::json;

/// The checks in order; the first refusal is the answer.
pub fn check(
    config: &ApiConfig,
    operation: Operation,
    method: &Method,
    headers: &HeaderMap,
    has_body: bool,
) -> Result<(), ApiError> {
    check_encoding(headers)?;
    if is_write(method) {
        check_origin(config, headers)?;
    }
    if !operation.is_public() && !super::authorized(config, headers) {
        return Err(ApiError::unauthorized());
    }
    if has_body && matches!(*method, Method::POST | Method::PUT | Method::PATCH) {
        check_content_type(operation, headers)?;
    }
    Ok(())
}

/// Whether the head announces a body (before it is read).
pub fn announces_body(headers: &HeaderMap) -> bool {
    headers.contains_key(http::header::TRANSFER_ENCODING)
        || headers
            .get(http::header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.trim() != "0")
}

/// The announced body length, when it is announced.
pub fn content_length(headers: &HeaderMap) -> Option<u64> {
    headers
        .get(http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse().ok())
}

fn is_write(method: &Method) -> bool {
    !matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

fn unsupported(header: &'static str, message: String) -> ApiError {
    ApiError::new(
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "UNSUPPORTED_MEDIA_TYPE",
        message,
    )
    .with_details(json!({ "header": header }))
}

/// Bodies are read as they come: a compressed one would be taken for text.
fn check_encoding(headers: &HeaderMap) -> Result<(), ApiError> {
    for value in headers.get_all(http::header::CONTENT_ENCODING) {
        let text = value.to_str().unwrap_or("?");
        if text
            .split(',')
            .any(|e| !e.trim().eq_ignore_ascii_case("identity"))
        {
            return Err(unsupported(
                "Content-Encoding",
                format!("Content-Encoding: '{text}' is not accepted; send the body uncompressed"),
            ));
        }
    }
    Ok(())
}

/// The media type without parameters, lowercased.
fn media_type(headers: &HeaderMap) -> Option<String> {
    let value = headers.get(http::header::CONTENT_TYPE)?.to_str().ok()?;
    Some(
        value
            .split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase(),
    )
}

/// JSON routes take `application/json` only: `text/plain` and form types are
/// what a cross-origin page can send without asking first.
fn check_content_type(operation: Operation, headers: &HeaderMap) -> Result<(), ApiError> {
    let given = media_type(headers);
    let accepted: &[&str] = if operation == Operation::ImportBacklog {
        &["application/json", "text/csv"]
    } else {
        &["application/json"]
    };
    match given.as_deref() {
        Some(t) if accepted.contains(&t) => Ok(()),
        other => Err(unsupported(
            "Content-Type",
            format!(
                "Content-Type: {} is not accepted here; send {}",
                other.map_or("(none)".to_string(), |t| format!("'{t}'")),
                accepted.join(" or ")
            ),
        )),
    }
}

/// `scheme://host[:port]` → `host[:port]`, lowercased.
fn authority_of(origin: &str) -> Option<String> {
    let (_, rest) = origin.split_once("://")?;
    Some(rest.trim_end_matches('/').to_ascii_lowercase())
}

fn forbidden_origin(origin: &str) -> ApiError {
    ApiError::new(
        StatusCode::FORBIDDEN,
        "FORBIDDEN_ORIGIN",
        format!("Origin: '{origin}' may not change this backlog; add it to AIPM_CORS_ORIGINS to allow it"),
    )
    .with_details(json!({ "header": "Origin", "origin": origin }))
}

/// A write from a browser must come from the server's own origin (the Host
/// it was asked under) or from an allowed one. Clients that are not browsers
/// send neither Origin nor Sec-Fetch-Site and pass.
fn check_origin(config: &ApiConfig, headers: &HeaderMap) -> Result<(), ApiError> {
    let header = |name: &str| headers.get(name).map(|v| v.to_str().unwrap_or("?"));
    if let Some(origin) = header("origin") {
        let host = header("host").map(str::to_ascii_lowercase);
        let own = host.is_some() && authority_of(origin) == host;
        let listed = config
            .cors_origins
            .iter()
            .any(|o| o == "*" || o.trim_end_matches('/').eq_ignore_ascii_case(origin));
        return if own || listed {
            Ok(())
        } else {
            Err(forbidden_origin(origin))
        };
    }
    match header("sec-fetch-site") {
        Some("cross-site" | "same-site") => Err(forbidden_origin("(not sent)")),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(*k, v.parse().unwrap());
        }
        h
    }

    fn write(config: &ApiConfig, pairs: &[(&'static str, &'static str)]) -> Result<(), ApiError> {
        check(
            config,
            Operation::CreateStory,
            &Method::POST,
            &headers(pairs),
            true,
        )
    }

    const JSON: (&str, &str) = ("content-type", "application/json");

    #[test]
    fn a_write_from_another_origin_is_refused() {
        let none = ApiConfig::default();
        let e = write(
            &none,
            &[
                JSON,
                ("host", "127.0.0.1:8080"),
                ("origin", "https://evil.example"),
            ],
        )
        .unwrap_err();
        assert_eq!(e.status, StatusCode::FORBIDDEN);
        assert!(e.message.contains("evil.example"), "{}", e.message);
        assert!(write(
            &none,
            &[
                JSON,
                ("host", "127.0.0.1:8080"),
                ("origin", "http://127.0.0.1:8080")
            ]
        )
        .is_ok());
        assert!(write(&none, &[JSON, ("sec-fetch-site", "cross-site")]).is_err());
        assert!(write(&none, &[JSON, ("sec-fetch-site", "same-origin")]).is_ok());
        assert!(
            write(&none, &[JSON]).is_ok(),
            "clients that are not browsers pass"
        );
        let listed = ApiConfig {
            cors_origins: vec!["https://ui.example".into()],
            ..Default::default()
        };
        assert!(write(
            &listed,
            &[
                JSON,
                ("host", "api.example"),
                ("origin", "https://ui.example")
            ]
        )
        .is_ok());
    }

    #[test]
    fn json_routes_take_json_only() {
        let none = ApiConfig::default();
        let e = write(&none, &[("content-type", "text/plain")]).unwrap_err();
        assert_eq!(e.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
        assert!(e.message.contains("Content-Type"), "{}", e.message);
        assert!(write(&none, &[]).is_err(), "a body without a type");
        assert!(write(
            &none,
            &[("content-type", "Application/JSON; charset=utf-8")]
        )
        .is_ok());
        let csv = headers(&[("content-type", "text/csv")]);
        assert!(check(&none, Operation::ImportBacklog, &Method::POST, &csv, true).is_ok());
    }

    #[test]
    fn compressed_bodies_are_refused() {
        let e = write(&ApiConfig::default(), &[JSON, ("content-encoding", "gzip")]).unwrap_err();
        assert_eq!(e.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
        assert!(e.message.contains("Content-Encoding"), "{}", e.message);
    }
}
