//! Microsoft Purview audit log searches (`beta/security/auditLog/queries`), as Graph runs
//! them: `POST` a query (a time window and record type filters) and it starts
//! `notStarted`; each `GET` of the query moves it on (`running`, then `succeeded`), so a
//! client has to poll; then `GET .../queries/{id}/records` pages through what it found.
//!
//! The records a tenant "has" are seeded at `security/auditLog/sourceRecords` (see
//! `seed/audit_log.json`); a query copies the ones in its window when it is created.

use serde_json::{json, Map, Value};

use super::call::{Ctx, GraphCall};
use super::errors;
use super::store::TenantStore;
use crate::reply::Reply;

/// Where a tenant's seeded records live.
const SOURCE: &str = "sourceRecords";
/// Fields of a query that are the simulator's bookkeeping, never shown.
const HIDDEN: [&str; 2] = ["records", "simPolls"];

fn is(seg: Option<&String>, want: &str) -> bool {
    seg.is_some_and(|s| s.eq_ignore_ascii_case(want))
}

/// Whether `segs` is an audit log query call.
pub(crate) fn handles(segs: &[String]) -> bool {
    is(segs.first(), "security") && is(segs.get(1), "auditLog") && is(segs.get(2), "queries")
}

fn audit_log(store: &mut TenantStore) -> Option<&mut Map<String, Value>> {
    let root = store.root.as_object_mut()?;
    let security = root
        .entry("security")
        .or_insert_with(|| json!({}))
        .as_object_mut()?;
    security
        .entry("auditLog")
        .or_insert_with(|| json!({}))
        .as_object_mut()
}

/// The first 19 characters of a timestamp (`2026-10-31T10:00:00`), which order as text.
fn stamp(v: Option<&Value>) -> Option<String> {
    v.and_then(Value::as_str)
        .and_then(|s| s.get(..19))
        .map(str::to_string)
}

fn visible(query: &Value) -> Value {
    let mut q = query.clone();
    if let Some(o) = q.as_object_mut() {
        for h in HIDDEN {
            o.remove(h);
        }
    }
    q
}

fn in_list(filter: Option<&Value>, value: Option<&Value>) -> bool {
    match filter.and_then(Value::as_array) {
        Some(list) if !list.is_empty() => {
            let v = value.and_then(Value::as_str).unwrap_or("");
            list.iter()
                .filter_map(Value::as_str)
                .any(|x| x.eq_ignore_ascii_case(v))
        }
        _ => true,
    }
}

/// Answer a call under `security/auditLog/queries`, or `None` for a plain read.
pub(crate) fn serve(
    ctx: &Ctx<'_>,
    store: &mut TenantStore,
    segs: &[String],
    call: &GraphCall,
) -> Option<Reply> {
    let method = call.method.as_str();
    Some(match (method, segs.len()) {
        ("POST", 3) => create(ctx, store, call),
        ("GET", 4) => poll(store, &segs[3]),
        ("GET", 5) if is(segs.get(4), "records") => {
            let log = audit_log(store)?;
            let query = log.get("queries").and_then(Value::as_array).and_then(|qs| {
                qs.iter().find(|q| {
                    q.get("id")
                        .and_then(Value::as_str)
                        .is_some_and(|id| id.eq_ignore_ascii_case(&segs[3]))
                })
            });
            match query.and_then(|q| q.get("status")).and_then(Value::as_str) {
                None => errors::not_found(&segs[3]),
                Some("succeeded") => return None,
                Some(status) => errors::bad_request(
                    "BadRequest",
                    &format!("The audit log query is {status}; records are available once it has succeeded."),
                ),
            }
        }
        _ => return None,
    })
}

fn create(ctx: &Ctx<'_>, store: &mut TenantStore, call: &GraphCall) -> Reply {
    let Some(body) = call.body.as_ref() else {
        return errors::bad_request("BadRequest", "A query needs a body.");
    };
    let (Some(start), Some(end)) = (
        stamp(body.get("filterStartDateTime")),
        stamp(body.get("filterEndDateTime")),
    ) else {
        return errors::bad_request(
            "BadRequest",
            "filterStartDateTime and filterEndDateTime are required.",
        );
    };
    if start >= end {
        return errors::bad_request(
            "BadRequest",
            "filterStartDateTime must be before filterEndDateTime.",
        );
    }
    let Some(log) = audit_log(store) else {
        return errors::error(500, "InternalServerError", "security is not an object");
    };
    let records: Vec<Value> = log
        .get(SOURCE)
        .and_then(Value::as_array)
        .map(|all| {
            all.iter()
                .filter(|r| {
                    stamp(r.get("createdDateTime")).is_some_and(|t| t >= start && t < end)
                        && in_list(body.get("recordTypeFilters"), r.get("auditLogRecordType"))
                        && in_list(body.get("operationFilters"), r.get("operation"))
                })
                .cloned()
                .collect()
        })
        .unwrap_or_default();
    let queries = log
        .entry("queries")
        .or_insert_with(|| Value::Array(Vec::new()));
    let Some(queries) = queries.as_array_mut() else {
        return errors::error(500, "InternalServerError", "queries is not a collection");
    };
    let id = uuid::Uuid::new_v4().to_string();
    let query = json!({
        "@odata.context": format!("{}/$metadata#security/auditLog/queries/$entity", ctx.base()),
        "id": id,
        "displayName": body.get("displayName").cloned().unwrap_or(Value::Null),
        "filterStartDateTime": body.get("filterStartDateTime").cloned().unwrap_or(Value::Null),
        "filterEndDateTime": body.get("filterEndDateTime").cloned().unwrap_or(Value::Null),
        "recordTypeFilters": body.get("recordTypeFilters").cloned().unwrap_or(json!([])),
        "operationFilters": body.get("operationFilters").cloned().unwrap_or(json!([])),
        "status": "notStarted",
        "simPolls": 0,
        "records": records,
    });
    let shown = visible(&query);
    queries.push(query);
    Reply::json(201, shown)
}

fn poll(store: &mut TenantStore, id: &str) -> Reply {
    let query = audit_log(store)
        .and_then(|log| log.get_mut("queries"))
        .and_then(Value::as_array_mut)
        .and_then(|qs| {
            qs.iter_mut().find(|q| {
                q.get("id")
                    .and_then(Value::as_str)
                    .is_some_and(|x| x.eq_ignore_ascii_case(id))
            })
        });
    let Some(query) = query else {
        return errors::not_found(id);
    };
    let polls = query.get("simPolls").and_then(Value::as_u64).unwrap_or(0) + 1;
    let status = match polls {
        1 => "running",
        _ => "succeeded",
    };
    if let Some(o) = query.as_object_mut() {
        o.insert("simPolls".into(), json!(polls));
        o.insert("status".into(), json!(status));
    }
    Reply::json(200, visible(query))
}
