//! Graph error answers: `{"error":{"code","message","innerError":{"date","request-id",
//! "client-request-id"}}}`. The ids are filled in by [`stamp`] once they are known.

use serde_json::{json, Value};

use crate::clock::{graph_date, unix_now};
use crate::faults::{fault_answer, Fired};
use crate::query::QueryError;
use crate::reply::{Body, Reply};

/// The ids of one answer: `request-id` is new for each, `client-request-id` echoes the
/// client's (or repeats the request id).
#[derive(Debug, Clone)]
pub(crate) struct RequestIds {
    pub request_id: String,
    pub client_request_id: String,
}

impl RequestIds {
    pub fn new(client_request_id: Option<&str>) -> Self {
        let request_id = uuid::Uuid::new_v4().to_string();
        RequestIds {
            client_request_id: client_request_id
                .map(str::to_string)
                .unwrap_or_else(|| request_id.clone()),
            request_id,
        }
    }
}

/// A Graph error.
pub(crate) fn error(status: u16, code: &str, message: &str) -> Reply {
    Reply::json(
        status,
        json!({"error": {"code": code, "message": message, "innerError": {}}}),
    )
}

/// 404 for an item that does not exist.
pub(crate) fn not_found(id: &str) -> Reply {
    error(
        404,
        "Request_ResourceNotFound",
        &format!("Resource '{id}' does not exist or one of its queried reference-property objects are not present."),
    )
}

/// 400 for a path segment that names no property.
pub(crate) fn no_segment(segment: &str) -> Reply {
    error(
        400,
        "BadRequest",
        &format!("Resource not found for the segment '{segment}'."),
    )
}

pub(crate) fn bad_request(code: &str, message: &str) -> Reply {
    error(400, code, message)
}

pub(crate) fn method_not_allowed(method: &str, path: &str) -> Reply {
    error(
        405,
        "Request_BadRequest",
        &format!("The '{method}' method is not supported on '{path}'."),
    )
}

pub(crate) fn query(e: QueryError) -> Reply {
    error(400, e.code, &e.message)
}

/// The answer of a fault rule firing.
pub(crate) fn fault(f: Fired) -> Reply {
    let (code, message) = fault_answer(f.status);
    let reply = error(f.status, code, message);
    match f.retry_after {
        Some(s) => reply.header("Retry-After", s.to_string()),
        None => reply,
    }
}

/// Fill an error body's `innerError` with the date and ids.
pub(crate) fn stamp(reply: &mut Reply, ids: &RequestIds) {
    let Body::Json(body) = &mut reply.body else {
        return;
    };
    let Some(Value::Object(inner)) = body.get_mut("error").and_then(|e| e.get_mut("innerError"))
    else {
        return;
    };
    inner.insert("date".into(), json!(graph_date(unix_now())));
    inner.insert("request-id".into(), json!(ids.request_id));
    inner.insert("client-request-id".into(), json!(ids.client_request_id));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_have_graph_shape() {
        let mut r = not_found("abc");
        let ids = RequestIds::new(Some("mine"));
        stamp(&mut r, &ids);
        let Body::Json(v) = &r.body else { panic!() };
        assert_eq!(r.status, 404);
        assert_eq!(v["error"]["code"], "Request_ResourceNotFound");
        assert!(v["error"]["message"]
            .as_str()
            .unwrap()
            .starts_with("Resource 'abc' does not exist"));
        assert_eq!(v["error"]["innerError"]["client-request-id"], "mine");
        assert_eq!(
            v["error"]["innerError"]["request-id"],
            ids.request_id.as_str()
        );
        let f = fault(Fired {
            status: 429,
            retry_after: Some(3),
        });
        assert_eq!(f.header_value("retry-after"), Some("3"));
    }
}
