//! `POST /graph/{version}/$batch` with Graph's rules: at most 20 requests, unique ids,
//! relative urls, `dependsOn` (a failed dependency answers 424). Every item is answered by
//! [`execute`], exactly like a direct request, for the tenant of the outer token.

use std::collections::{HashMap, HashSet};

use serde_json::{json, Map, Value};

use super::call::{execute, Ctx, GraphCall};
use super::errors::{self, RequestIds};
use crate::faults::Target;
use crate::log::RequestRecord;
use crate::reply::{Body, Reply};
use crate::server::{Draft, Incoming};

/// Most requests in one batch.
pub(crate) const MAX_ITEMS: usize = 20;

/// A validated batch item.
#[derive(Debug)]
struct Item<'a> {
    id: &'a str,
    method: String,
    /// The url without a leading `/`.
    url: &'a str,
    headers: Vec<(String, String)>,
    body: Option<Value>,
    depends_on: Vec<&'a str>,
}

fn invalid(message: &str) -> Reply {
    errors::bad_request("BadRequest", message)
}

/// Check every rule that rejects the whole batch.
fn validate(requests: &[Value]) -> Result<Vec<Item<'_>>, Reply> {
    if requests.len() > MAX_ITEMS {
        return Err(invalid(&format!(
            "Batch request exceeded limit of {MAX_ITEMS} requests: it has {}.",
            requests.len()
        )));
    }
    let mut ids = HashSet::new();
    let mut items = Vec::with_capacity(requests.len());
    for (n, r) in requests.iter().enumerate() {
        let id = r
            .get("id")
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
            .ok_or_else(|| invalid(&format!("Batch request {n} has no 'id'.")))?;
        if !ids.insert(id) {
            return Err(invalid(&format!(
                "Batch request ids must be unique: '{id}' is used more than once."
            )));
        }
        let method = r
            .get("method")
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
            .ok_or_else(|| invalid(&format!("Batch request '{id}' has no 'method'.")))?
            .to_ascii_uppercase();
        let url = r
            .get("url")
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
            .ok_or_else(|| invalid(&format!("Batch request '{id}' has no 'url'.")))?;
        if url.contains("://") {
            return Err(invalid(&format!(
                "Batch request '{id}' has an absolute url; batch urls are relative to the version root ('/users')."
            )));
        }
        let headers = match r.get("headers") {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::Object(h)) => h
                .iter()
                .map(|(k, v)| {
                    let v = v.as_str().map_or_else(|| v.to_string(), str::to_string);
                    (k.to_ascii_lowercase(), v)
                })
                .collect(),
            Some(_) => {
                return Err(invalid(&format!(
                    "The headers of batch request '{id}' must be an object."
                )))
            }
        };
        let depends_on = match r.get("dependsOn") {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::Array(a)) => a
                .iter()
                .map(|d| {
                    d.as_str()
                        .ok_or_else(|| invalid(&format!("dependsOn of '{id}' must list ids.")))
                })
                .collect::<Result<_, _>>()?,
            Some(_) => return Err(invalid(&format!("dependsOn of '{id}' must be an array."))),
        };
        items.push(Item {
            id,
            method,
            url: url.trim_start_matches('/'),
            headers,
            body: r.get("body").filter(|b| !b.is_null()).cloned(),
            depends_on,
        });
    }
    for item in &items {
        if let Some(unknown) = item.depends_on.iter().find(|d| !ids.contains(**d)) {
            return Err(invalid(&format!(
                "Batch request '{}' depends on '{unknown}', which is not in the batch.",
                item.id
            )));
        }
    }
    Ok(items)
}

/// Answer a `$batch` POST.
pub(crate) fn serve(ctx: &Ctx<'_>, inc: &Incoming, draft: &mut Draft) -> Reply {
    let target = Target {
        batch_item: false,
        tenant: Some(ctx.tenant),
        method: &inc.method,
        path: &inc.path,
    };
    if let Some(fired) = ctx.state.fire(&target) {
        return errors::fault(fired);
    }
    if inc.method != "POST" {
        return errors::method_not_allowed(&inc.method, "$batch");
    }
    let Ok(body) = serde_json::from_slice::<Value>(&inc.body) else {
        return invalid("Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of valid JSON format.");
    };
    let Some(requests) = body.get("requests").and_then(Value::as_array) else {
        return invalid("Invalid batch payload format: it needs a 'requests' array.");
    };
    draft.batch_size = Some(requests.len());
    let items = match validate(requests) {
        Ok(items) => items,
        Err(r) => return r,
    };
    let mut status: HashMap<&str, u16> = HashMap::new();
    let mut responses = Vec::with_capacity(items.len());
    let mut pending: Vec<&Item<'_>> = items.iter().collect();
    while !pending.is_empty() {
        let (ready, waiting): (Vec<&Item<'_>>, Vec<&Item<'_>>) = pending
            .into_iter()
            .partition(|i| i.depends_on.iter().all(|d| status.contains_key(d)));
        if ready.is_empty() {
            return invalid("dependsOn forms a cycle.");
        }
        for item in ready {
            let failed_dependency = item
                .depends_on
                .iter()
                .any(|d| !status.get(d).is_some_and(|s| (200..300).contains(s)));
            let (reply, call) = run(ctx, item, failed_dependency);
            status.insert(item.id, reply.status);
            ctx.state.record(RequestRecord {
                seq: 0,
                method: item.method.clone(),
                path: call
                    .full_path
                    .split_once('?')
                    .map_or(call.full_path.as_str(), |(p, _)| p)
                    .to_string(),
                query: item
                    .url
                    .split_once('?')
                    .map(|(_, q)| q)
                    .unwrap_or_default()
                    .to_string(),
                status: reply.status,
                kind: "batch_item".into(),
                tenant: Some(ctx.tenant.to_string()),
                token_aud: ctx.token_aud.map(str::to_string),
                token_tid: Some(ctx.tenant.to_string()),
                batch_size: None,
            });
            responses.push(item_response(item.id, reply));
        }
        pending = waiting;
    }
    Reply::json(200, json!({"responses": responses}))
}

/// Answer one item (or 424 when a dependency failed).
fn run(ctx: &Ctx<'_>, item: &Item<'_>, failed_dependency: bool) -> (Reply, GraphCall) {
    let (path, query) = item.url.split_once('?').unwrap_or((item.url, ""));
    let call = GraphCall {
        method: item.method.clone(),
        path: path.to_string(),
        query: url::form_urlencoded::parse(query.as_bytes())
            .into_owned()
            .collect(),
        headers: item.headers.clone(),
        body: item.body.clone(),
        full_path: format!("/graph/{}/{}", ctx.version, item.url),
    };
    let mut reply = if failed_dependency {
        errors::error(
            424,
            "FailedDependency",
            "The request was not run because a request it depends on failed.",
        )
    } else if path.eq_ignore_ascii_case("$batch") {
        invalid("A batch request cannot contain another batch.")
    } else {
        execute(ctx, &call, true)
    };
    errors::stamp(
        &mut reply,
        &RequestIds::new(call.header("client-request-id")),
    );
    (reply, call)
}

/// `{"id", "status", "headers", "body"}` for one item.
fn item_response(id: &str, reply: Reply) -> Value {
    let headers: Map<String, Value> = reply
        .headers
        .iter()
        .map(|(k, v)| (k.clone(), json!(v)))
        .collect();
    let body = match &reply.body {
        Body::Empty => Value::Null,
        _ => reply.body_json(),
    };
    json!({"id": id, "status": reply.status, "headers": headers, "body": body})
}
