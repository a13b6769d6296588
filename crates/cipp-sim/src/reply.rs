//! A transport-neutral answer, so direct requests and `$batch` items share one code path.

use axum::http::{HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{json, Value};

/// Body of an answer.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum ReplyBody {
    Json(Value),
    Text(String),
    Empty,
}

/// Status, headers and body.
#[derive(Debug, Clone)]
pub(crate) struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: ReplyBody,
}

impl Reply {
    pub fn json(status: u16, body: Value) -> Self {
        Reply {
            status,
            headers: vec![("Content-Type".into(), "application/json".into())],
            body: ReplyBody::Json(body),
        }
    }

    pub fn text(status: u16, body: String) -> Self {
        Reply {
            status,
            headers: vec![("Content-Type".into(), "text/plain".into())],
            body: ReplyBody::Text(body),
        }
    }

    pub fn empty(status: u16) -> Self {
        Reply {
            status,
            headers: Vec::new(),
            body: ReplyBody::Empty,
        }
    }

    pub fn header(mut self, k: &str, v: impl Into<String>) -> Self {
        self.headers.push((k.to_string(), v.into()));
        self
    }

    /// A Graph error body with `innerError`.
    pub fn graph_error(status: u16, code: &str, message: &str) -> Self {
        let rid = uuid::Uuid::new_v4().to_string();
        Reply::json(
            status,
            json!({"error": {"code": code, "message": message, "innerError": {
                "date": crate::tokens::now().to_string(),
                "request-id": rid,
                "client-request-id": rid
            }}}),
        )
        .header("request-id", rid)
    }

    /// An Entra (AADSTS) error body.
    pub fn login_error(status: u16, error: &str, code: u32, text: &str) -> Self {
        let trace = uuid::Uuid::new_v4().to_string();
        let corr = uuid::Uuid::new_v4().to_string();
        Reply::json(
            status,
            json!({
                "error": error,
                "error_description": format!("AADSTS{code}: {text}\r\nTrace ID: {trace}\r\nCorrelation ID: {corr}\r\nTimestamp: 2026-01-01 00:00:00Z"),
                "error_codes": [code],
                "timestamp": "2026-01-01 00:00:00Z",
                "trace_id": trace,
                "correlation_id": corr,
                "error_uri": format!("https://login.microsoftonline.com/error?code={code}")
            }),
        )
    }

    /// The body as JSON (text as a string, empty as null), for `$batch` items.
    pub fn body_json(&self) -> Value {
        match &self.body {
            ReplyBody::Json(v) => v.clone(),
            ReplyBody::Text(t) => Value::String(t.clone()),
            ReplyBody::Empty => Value::Null,
        }
    }
}

impl IntoResponse for Reply {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let mut resp = match self.body {
            ReplyBody::Json(v) => (status, v.to_string()).into_response(),
            ReplyBody::Text(t) => (status, t).into_response(),
            ReplyBody::Empty => status.into_response(),
        };
        for (k, v) in self.headers {
            if let (Ok(k), Ok(v)) = (HeaderName::try_from(k), HeaderValue::from_str(&v)) {
                resp.headers_mut().insert(k, v);
            }
        }
        resp
    }
}
