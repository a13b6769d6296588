//! A transport-neutral answer (status, headers, body), so a direct request and a `$batch`
//! item are answered by the same code and only differ in how the answer is delivered.

use axum::http::{HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::Value;

/// Body of an answer.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Body {
    /// A JSON value.
    Json(Value),
    /// JSON already serialised (large collection pages are written straight from the store).
    RawJson(String),
    /// `text/plain` (e.g. `$count`).
    Text(String),
    /// No body.
    Empty,
}

/// Status, headers and body.
#[derive(Debug, Clone)]
pub(crate) struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Body,
}

const JSON: &str = "application/json";

impl Reply {
    pub fn json(status: u16, body: Value) -> Self {
        Reply {
            status,
            headers: vec![("Content-Type".into(), JSON.into())],
            body: Body::Json(body),
        }
    }

    pub fn raw_json(status: u16, body: String) -> Self {
        Reply {
            status,
            headers: vec![("Content-Type".into(), JSON.into())],
            body: Body::RawJson(body),
        }
    }

    pub fn text(status: u16, body: String) -> Self {
        Reply {
            status,
            headers: vec![("Content-Type".into(), "text/plain".into())],
            body: Body::Text(body),
        }
    }

    pub fn empty(status: u16) -> Self {
        Reply {
            status,
            headers: Vec::new(),
            body: Body::Empty,
        }
    }

    /// Add (or replace) a header.
    pub fn header(mut self, name: &str, value: impl Into<String>) -> Self {
        self.set_header(name, value);
        self
    }

    pub fn set_header(&mut self, name: &str, value: impl Into<String>) {
        self.headers.retain(|(k, _)| !k.eq_ignore_ascii_case(name));
        self.headers.push((name.to_string(), value.into()));
    }

    pub fn header_value(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The body as a JSON value (text as a string, no body as null), for `$batch` items.
    pub fn body_json(&self) -> Value {
        match &self.body {
            Body::Json(v) => v.clone(),
            Body::RawJson(s) => serde_json::from_str(s).unwrap_or(Value::Null),
            Body::Text(t) => Value::String(t.clone()),
            Body::Empty => Value::Null,
        }
    }
}

impl IntoResponse for Reply {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let mut resp = match self.body {
            Body::Json(v) => (status, v.to_string()).into_response(),
            Body::RawJson(s) | Body::Text(s) => (status, s).into_response(),
            Body::Empty => status.into_response(),
        };
        for (k, v) in self.headers {
            if let (Ok(k), Ok(v)) = (HeaderName::try_from(k), HeaderValue::try_from(v)) {
                resp.headers_mut().insert(k, v);
            }
        }
        resp
    }
}
