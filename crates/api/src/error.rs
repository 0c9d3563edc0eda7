//! Errors as the API answers them: `{message, code?, details?}` with the
//! right status (DESIGN §3.1). Faults keep their cause for the log and show
//! the user only a request id.

use super::Response;
use aipm_core::error::{Error, Refusal, Rule};
use http::{Method, StatusCode};
use serde_json::{json, Value};

#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub message: String,
    pub code: Option<&'static str>,
    pub details: Option<Value>,
    /// For faults: what to log, never shown.
    cause: Option<String>,
    /// Warnings the client may accept: repeated at the top level, where the
    /// original AIPM's clients read them.
    warnings: bool,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        ApiError {
            status,
            message: message.into(),
            code: Some(code),
            details: None,
            cause: None,
            warnings: false,
        }
    }

    pub fn with_details(mut self, details: Value) -> Self {
        self.details = Some(details);
        self
    }

    pub fn invalid(field: &str, reason: impl Into<String>) -> Self {
        Error::invalid(field, reason).into()
    }

    pub fn unauthorized() -> Self {
        ApiError::new(
            StatusCode::UNAUTHORIZED,
            "UNAUTHORIZED",
            "a valid 'Authorization: Bearer <token>' header is required",
        )
    }

    pub fn too_large(limit: usize) -> Self {
        ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "PAYLOAD_TOO_LARGE",
            format!("the request body is larger than {limit} bytes"),
        )
    }

    pub fn route_not_found(method: &Method, path: &str) -> Self {
        ApiError::new(
            StatusCode::NOT_FOUND,
            "ROUTE_NOT_FOUND",
            format!("no route for {method} {path}"),
        )
    }

    pub fn method_not_allowed(method: &Method, path: &str) -> Self {
        ApiError::new(
            StatusCode::METHOD_NOT_ALLOWED,
            "METHOD_NOT_ALLOWED",
            format!("{path} does not accept {method}"),
        )
    }

    pub fn into_response(self, request_id: &str) -> Response {
        if let Some(cause) = &self.cause {
            tracing::error!(request_id, cause = %cause, "internal error");
        }
        let mut body = json!({ "message": self.message });
        if let Some(code) = self.code {
            body["code"] = json!(code);
        }
        if let Some(details) = self.details {
            if self.warnings {
                body["warnings"] = details["warnings"].clone();
                body["suggestions"] = details["suggestions"].clone();
            }
            body["details"] = details;
        }
        if self.status.is_server_error() {
            body["requestId"] = json!(request_id);
        }
        Response::json(self.status, &body)
    }
}

/// The status of each kind of rule refusal: the one place it is decided.
fn rule_status(rule: Rule) -> StatusCode {
    match rule.refusal() {
        Refusal::BadRequest => StatusCode::BAD_REQUEST,
        Refusal::Conflict => StatusCode::CONFLICT,
        Refusal::Upstream => StatusCode::BAD_GATEWAY,
    }
}

impl From<Error> for ApiError {
    fn from(e: Error) -> Self {
        let message = e.to_string();
        let code = e.code();
        let refusal = |status, details| ApiError {
            status,
            message,
            code,
            details: Some(details),
            cause: None,
            warnings: false,
        };
        match e {
            Error::Invalid { field, reason } => refusal(
                StatusCode::BAD_REQUEST,
                json!({ "field": field, "reason": reason }),
            ),
            Error::NotFound { entity, id } => {
                refusal(StatusCode::NOT_FOUND, json!({ "entity": entity, "id": id }))
            }
            Error::AlreadyExists { entity, id } => {
                refusal(StatusCode::CONFLICT, json!({ "entity": entity, "id": id }))
            }
            Error::VersionConflict {
                entity,
                id,
                expected,
                actual,
            } => refusal(
                StatusCode::CONFLICT,
                json!({
                    "entity": entity,
                    "id": id,
                    "expectedVersion": expected,
                    "currentVersion": actual,
                }),
            ),
            Error::Rule { rule, details, .. } => ApiError {
                warnings: rule.is_warnings(),
                ..refusal(rule_status(rule), details)
            },
            Error::Internal { .. } => ApiError {
                status: StatusCode::INTERNAL_SERVER_ERROR,
                message: "internal error; quote the requestId when reporting it".into(),
                code: Some("INTERNAL"),
                details: None,
                cause: Some(format!("{e:#}")),
                warnings: false,
            },
        }
    }
}
