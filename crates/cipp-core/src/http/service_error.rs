//! Reading the error out of a service's answer, whatever its shape.
//!
//! Graph: `{"error":{"code","message","innerError":{"request-id"}}}`. Exchange adds
//! `error.details[].message` and `error.innererror.internalexception.message`. Some services
//! answer plain text. Keys are matched case-insensitively (the services disagree on case).

use serde_json::Value;

use crate::error::ServiceError;
use crate::http::retry::parse_retry_after;
use crate::http::transport::HttpResponse;

/// Look up `key` in a JSON object ignoring ASCII case.
pub fn get_ci<'a>(value: &'a Value, key: &str) -> Option<&'a Value> {
    let obj = value.as_object()?;
    obj.get(key).or_else(|| {
        obj.iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| v)
    })
}

fn non_empty_str(v: Option<&Value>) -> Option<String> {
    v.and_then(Value::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

/// The most useful message inside a service error body.
pub fn error_message(body: &Value) -> Option<String> {
    let err = get_ci(body, "error").unwrap_or(body);
    if let Some(s) = err.as_str() {
        // OAuth-style `{"error":"code","error_description":"..."}`.
        return non_empty_str(get_ci(body, "error_description")).or(Some(s.to_string()));
    }
    let details = get_ci(err, "details")
        .and_then(Value::as_array)
        .and_then(|d| d.iter().find_map(|x| non_empty_str(get_ci(x, "message"))));
    let inner = get_ci(err, "innererror").and_then(|i| {
        get_ci(i, "internalexception")
            .and_then(|x| non_empty_str(get_ci(x, "message")))
            .or_else(|| non_empty_str(get_ci(i, "message")))
    });
    non_empty_str(get_ci(err, "message"))
        .or(details)
        .or(inner)
        .or_else(|| non_empty_str(get_ci(body, "message")))
        .or_else(|| non_empty_str(get_ci(body, "description")))
}

/// The service's error code inside a body.
pub fn error_code(body: &Value) -> Option<String> {
    let err = get_ci(body, "error")?;
    match err {
        Value::String(s) => Some(s.clone()),
        _ => non_empty_str(get_ci(err, "code")),
    }
}

fn body_request_id(body: &Value) -> Option<String> {
    let inner = get_ci(get_ci(body, "error")?, "innererror")?;
    non_empty_str(get_ci(inner, "request-id"))
}

/// Build a [`ServiceError`] from a non-success answer.
pub fn service_error(operation: &str, tenant: &str, resp: &HttpResponse) -> ServiceError {
    let json = serde_json::from_slice::<Value>(&resp.body).ok();
    let text = String::from_utf8_lossy(&resp.body);
    let message = json.as_ref().and_then(error_message).unwrap_or_else(|| {
        let t = text.trim();
        if t.is_empty() || t.starts_with('<') {
            format!("the service answered HTTP {}", resp.status)
        } else {
            t.chars().take(500).collect()
        }
    });
    let request_id = resp
        .header("request-id")
        .or_else(|| resp.header("x-ms-request-id"))
        .map(str::to_string)
        .or_else(|| json.as_ref().and_then(body_request_id));
    ServiceError {
        operation: operation.to_string(),
        tenant: tenant.to_string(),
        status: resp.status,
        code: json.as_ref().and_then(error_code),
        message,
        request_id,
        retry_after: resp.header("retry-after").and_then(parse_retry_after),
        raw_body: (!resp.body.is_empty()).then(|| text.chars().take(4096).collect()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn messages_from_each_shape() {
        let graph = json!({"error":{"code":"Request_ResourceNotFound","message":"Resource 'x' does not exist","innerError":{"request-id":"r1"}}});
        assert_eq!(
            error_message(&graph).unwrap(),
            "Resource 'x' does not exist"
        );
        assert_eq!(error_code(&graph).unwrap(), "Request_ResourceNotFound");
        assert_eq!(body_request_id(&graph).unwrap(), "r1");
        let exo = json!({"error":{"code":"InternalServerError","message":"","details":[{"message":"The operation couldn't be performed because object 'bob' couldn't be found"}]}});
        assert!(error_message(&exo).unwrap().contains("bob"));
        let exo2 = json!({"error":{"innererror":{"internalexception":{"message":"deep"}}}});
        assert_eq!(error_message(&exo2).unwrap(), "deep");
        let oauth = json!({"error":"invalid_grant","error_description":"AADSTS700082: expired"});
        assert_eq!(error_message(&oauth).unwrap(), "AADSTS700082: expired");
    }
}
