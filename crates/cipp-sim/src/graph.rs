//! Microsoft Graph as a generic JSON resource store with Graph's query, paging, batch and
//! delta rules. One function, [`handle`], serves direct requests and `$batch` items alike.

use std::collections::{HashMap, HashSet};

use serde_json::{json, Map, Value};

use crate::odata::{self, get_ci};
use crate::reply::Reply;
use crate::state::{Change, State, TenantData};

/// Collections Graph treats as directory objects: advanced queries need `ConsistencyLevel`.
const DIRECTORY: &[&str] = &[
    "users",
    "groups",
    "devices",
    "applications",
    "serviceprincipals",
    "directoryroles",
    "contacts",
    "orgcontacts",
    "administrativeunits",
    "directoryobjects",
];

const DEFAULT_PAGE: usize = 100;
const MAX_PAGE: usize = 999;
const DELTA_PAGE: usize = 200;

/// One Graph call, from the wire or from a `$batch` item.
#[derive(Debug)]
pub(crate) struct GraphCall<'a> {
    pub method: &'a str,
    pub version: &'a str,
    /// Path after the version, without a leading `/`.
    pub path: &'a str,
    pub query: Vec<(String, String)>,
    pub eventual: bool,
    pub body: Option<Value>,
    pub host: &'a str,
}

impl GraphCall<'_> {
    fn param(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

#[derive(Debug, Clone)]
enum Step {
    Key(String),
    Index(usize),
}

fn decode_segment(s: &str) -> String {
    url::form_urlencoded::parse(format!("x={}", s.replace('+', "%2B")).as_bytes())
        .next()
        .map(|(_, v)| v.into_owned())
        .unwrap_or_else(|| s.to_string())
}

fn matches_id(item: &Value, seg: &str) -> bool {
    let eq = |k: &str| {
        item.get(k)
            .and_then(Value::as_str)
            .is_some_and(|v| v.eq_ignore_ascii_case(seg))
    };
    eq("id") || eq("userPrincipalName")
}

/// Walk `segs` from `root`. Returns the steps taken and the first segment not found.
fn walk(root: &Value, segs: &[String]) -> (Vec<Step>, Option<String>) {
    let mut steps = Vec::new();
    let mut cur = root;
    for seg in segs {
        let next = match cur {
            Value::Object(o) => o
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(seg))
                .map(|(k, v)| (Step::Key(k.clone()), v)),
            Value::Array(a) => a
                .iter()
                .position(|x| matches_id(x, seg))
                .map(|i| (Step::Index(i), &a[i])),
            _ => None,
        };
        match next {
            Some((step, v)) => {
                steps.push(step);
                cur = v;
            }
            None => return (steps, Some(seg.clone())),
        }
    }
    (steps, None)
}

fn get<'a>(root: &'a Value, steps: &[Step]) -> Option<&'a Value> {
    steps.iter().try_fold(root, |cur, s| match s {
        Step::Key(k) => cur.get(k),
        Step::Index(i) => cur.get(*i),
    })
}

fn get_mut<'a>(root: &'a mut Value, steps: &[Step]) -> Option<&'a mut Value> {
    steps.iter().try_fold(root, |cur, s| match s {
        Step::Key(k) => cur.get_mut(k),
        Step::Index(i) => cur.get_mut(*i),
    })
}

/// The collection path (keys only) of steps ending at an array, for change tracking.
fn collection_name(steps: &[Step], root: &Value) -> String {
    let mut names = Vec::new();
    let mut cur = root;
    for s in steps {
        match s {
            Step::Key(k) => {
                names.push(k.clone());
                cur = &cur[k.as_str()];
            }
            Step::Index(i) => {
                names.push(cur[*i]["id"].as_str().unwrap_or_default().to_string());
                cur = &cur[*i];
            }
        }
    }
    names.join("/")
}

fn not_found(what: &str) -> Reply {
    Reply::graph_error(
        404,
        "Request_ResourceNotFound",
        &format!("Resource '{what}' does not exist or one of its queried reference-property objects are not present."),
    )
}

fn bad_request(code: &str, message: &str) -> Reply {
    Reply::graph_error(400, code, message)
}

fn encode(v: &str) -> String {
    url::form_urlencoded::byte_serialize(v.as_bytes())
        .collect::<String>()
        .replace('+', "%20")
}

fn link(call: &GraphCall, path: &str, params: &[(String, String)]) -> String {
    let qs: Vec<String> = params
        .iter()
        .map(|(k, v)| format!("{k}={}", encode(v)))
        .collect();
    format!(
        "http://{}/graph/{}/{}?{}",
        call.host,
        call.version,
        path,
        qs.join("&")
    )
}

fn record_change(data: &mut TenantData, collection: String, id: String, removed: bool) {
    data.seq += 1;
    data.changes.push(Change {
        seq: data.seq,
        collection,
        id,
        removed,
    });
}

/// Answer one Graph call for tenant `guid`.
pub(crate) fn handle(state: &State, guid: &str, call: &GraphCall) -> Reply {
    let segs: Vec<String> = call
        .path
        .split('/')
        .filter(|s| !s.is_empty())
        .map(decode_segment)
        .collect();
    if segs.is_empty() {
        return bad_request("BadRequest", "Resource not found for the segment ''.");
    }
    let is_directory = DIRECTORY.contains(&segs[0].to_ascii_lowercase().as_str());
    let read = call.method.eq_ignore_ascii_case("GET") || call.method.eq_ignore_ascii_case("HEAD");
    if read {
        let all = state.data.read().unwrap_or_else(|e| e.into_inner());
        let Some(data) = all.get(guid) else {
            return not_found(guid);
        };
        return read_call(data, &segs, is_directory, call);
    }
    let mut all = state.data.write().unwrap_or_else(|e| e.into_inner());
    let Some(data) = all.get_mut(guid) else {
        return not_found(guid);
    };
    write_call(data, &segs, call)
}

fn read_call(data: &TenantData, segs: &[String], is_directory: bool, call: &GraphCall) -> Reply {
    let last = segs[segs.len() - 1].to_ascii_lowercase();
    if last == "$count" {
        let (steps, missing) = walk(&data.root, &segs[..segs.len() - 1]);
        if let Some(m) = missing {
            return not_found(&m);
        }
        if is_directory && !call.eventual {
            return bad_request("Request_BadRequest", "Count is not currently supported without the ConsistencyLevel header set to 'eventual'.");
        }
        return match get(&data.root, &steps) {
            Some(Value::Array(a)) => match filtered(a, call, is_directory) {
                Ok(items) => Reply::text(200, items.len().to_string()),
                Err(r) => r,
            },
            _ => bad_request("BadRequest", "$count is only supported on collections."),
        };
    }
    if last == "delta" && segs.len() >= 2 {
        let (steps, missing) = walk(&data.root, &segs[..segs.len() - 1]);
        if missing.is_none() && matches!(get(&data.root, &steps), Some(Value::Array(_))) {
            return delta(data, &steps, &segs[..segs.len() - 1].join("/"), call);
        }
    }
    let (steps, missing) = walk(&data.root, segs);
    if let Some(m) = missing {
        return not_found(&m);
    }
    let path = segs.join("/");
    match get(&data.root, &steps) {
        Some(Value::Array(a)) => list(a, &path, is_directory, call),
        Some(v) => {
            let select = select_list(call);
            let mut entity = odata::project(v, &select);
            if let Some(o) = entity.as_object_mut() {
                o.insert(
                    "@odata.context".into(),
                    json!(format!(
                        "http://{}/graph/{}/$metadata#{}/$entity",
                        call.host, call.version, path
                    )),
                );
            }
            Reply::json(200, entity)
        }
        None => not_found(&path),
    }
}

fn select_list(call: &GraphCall) -> Vec<String> {
    call.param("$select")
        .map(|s| {
            s.split(',')
                .map(|x| x.trim().split('/').next().unwrap_or_default().to_string())
                .filter(|x| !x.is_empty())
                .collect()
        })
        .unwrap_or_default()
}

/// Items of a collection after `$filter` and `$search`, as references.
fn filtered<'a>(
    items: &'a [Value],
    call: &GraphCall,
    is_directory: bool,
) -> Result<Vec<&'a Value>, Reply> {
    let filter = match call.param("$filter") {
        Some(f) => {
            let e = odata::parse_filter(f)
                .map_err(|m| bad_request("BadRequest", &format!("Invalid filter clause: {m}")))?;
            if is_directory && odata::is_advanced(&e) && !call.eventual {
                return Err(bad_request("Request_UnsupportedQuery", "Unsupported query: this filter needs the ConsistencyLevel header set to 'eventual' and $count=true."));
            }
            Some(e)
        }
        None => None,
    };
    let search = match call.param("$search") {
        Some(s) => {
            if is_directory && !call.eventual {
                return Err(bad_request("Request_UnsupportedQuery", "Search is not supported without the ConsistencyLevel header set to 'eventual'."));
            }
            Some(odata::parse_search(s))
        }
        None => None,
    };
    Ok(items
        .iter()
        .filter(|x| filter.as_ref().is_none_or(|e| odata::eval(e, x, None)))
        .filter(|x| {
            search.as_ref().is_none_or(|(prop, text)| {
                get_ci(x, prop)
                    .and_then(Value::as_str)
                    .is_some_and(|v| v.to_lowercase().contains(text))
            })
        })
        .collect())
}

fn list(items: &[Value], path: &str, is_directory: bool, call: &GraphCall) -> Reply {
    let count = call
        .param("$count")
        .is_some_and(|c| c.eq_ignore_ascii_case("true"));
    if count && is_directory && !call.eventual {
        return bad_request("Request_BadRequest", "$count is not currently supported without the ConsistencyLevel header set to 'eventual'.");
    }
    let top = match call.param("$top").map(str::parse::<usize>) {
        None => DEFAULT_PAGE,
        Some(Ok(n)) if (1..=MAX_PAGE).contains(&n) => n,
        Some(_) => {
            return bad_request(
                "Request_BadRequest",
                &format!(
                "Invalid page size specified: '{}'. Must be between 1 and {MAX_PAGE} inclusive.",
                call.param("$top").unwrap_or_default()
            ),
            )
        }
    };
    let offset = match call.param("$skiptoken").map(str::parse::<usize>) {
        None => 0,
        Some(Ok(n)) => n,
        Some(Err(_)) => return bad_request("Request_BadRequest", "Invalid skiptoken."),
    };
    let mut matched = match filtered(items, call, is_directory) {
        Ok(m) => m,
        Err(r) => return r,
    };
    if let Some(ob) = call.param("$orderby") {
        let clauses = odata::parse_orderby(ob);
        matched.sort_by(|a, b| odata::order(a, b, &clauses));
    }
    let select = select_list(call);
    let page: Vec<Value> = matched
        .iter()
        .skip(offset)
        .take(top)
        .map(|x| odata::project(x, &select))
        .collect();
    let mut body = Map::new();
    body.insert(
        "@odata.context".into(),
        json!(format!(
            "http://{}/graph/{}/$metadata#{}",
            call.host, call.version, path
        )),
    );
    if count {
        body.insert("@odata.count".into(), json!(matched.len()));
    }
    if offset + top < matched.len() {
        let mut params: Vec<(String, String)> = call
            .query
            .iter()
            .filter(|(k, _)| !k.eq_ignore_ascii_case("$skiptoken"))
            .cloned()
            .collect();
        params.push(("$skiptoken".into(), (offset + top).to_string()));
        body.insert("@odata.nextLink".into(), json!(link(call, path, &params)));
    }
    body.insert("value".into(), Value::Array(page));
    Reply::json(200, Value::Object(body))
}

fn delta(data: &TenantData, steps: &[Step], path: &str, call: &GraphCall) -> Reply {
    let Some(Value::Array(items)) = get(&data.root, steps) else {
        return not_found(path);
    };
    let collection = collection_name(steps, &data.root);
    let select = select_list(call);
    // The skiptoken carries offset, the round's start sequence and the sequence it continues.
    let (offset, start, from) = match call.param("$skiptoken") {
        Some(t) => {
            let mut p = t.split('-').map(|x| x.parse::<u64>().ok());
            match (p.next().flatten(), p.next().flatten(), p.next()) {
                (Some(o), Some(s), Some(f)) => (o as usize, s, f),
                _ => return bad_request("Request_BadRequest", "Invalid skiptoken."),
            }
        }
        None => {
            let from = match call.param("$deltatoken") {
                Some(t) => match t.parse::<u64>() {
                    Ok(n) => Some(n),
                    Err(_) => return bad_request("Request_BadRequest", "Invalid deltatoken."),
                },
                None => None,
            };
            (0, data.seq, from)
        }
    };
    let results: Vec<Value> = match from {
        None => items.iter().map(|x| odata::project(x, &select)).collect(),
        Some(since) => {
            let mut seen = HashSet::new();
            let mut out = Vec::new();
            for c in data
                .changes
                .iter()
                .rev()
                .filter(|c| c.seq > since && c.seq <= start && c.collection == collection)
            {
                if !seen.insert(c.id.clone()) {
                    continue;
                }
                match items.iter().find(|x| matches_id(x, &c.id)) {
                    Some(x) if !c.removed => out.push(odata::project(x, &select)),
                    _ => out.push(json!({"id": c.id, "@removed": {"reason": "changed"}})),
                }
            }
            out.reverse();
            out
        }
    };
    let page: Vec<Value> = results
        .iter()
        .skip(offset)
        .take(DELTA_PAGE)
        .cloned()
        .collect();
    let mut body = Map::new();
    let keep: Vec<(String, String)> = call
        .query
        .iter()
        .filter(|(k, _)| k.eq_ignore_ascii_case("$select"))
        .cloned()
        .collect();
    let delta_path = format!("{path}/delta");
    if offset + DELTA_PAGE < results.len() {
        let mut params = keep.clone();
        let from_text = from.map(|f| f.to_string()).unwrap_or_else(|| "all".into());
        params.push((
            "$skiptoken".into(),
            format!("{}-{start}-{from_text}", offset + DELTA_PAGE),
        ));
        body.insert(
            "@odata.nextLink".into(),
            json!(link(call, &delta_path, &params)),
        );
    } else {
        let mut params = keep;
        params.push(("$deltatoken".into(), start.to_string()));
        body.insert(
            "@odata.deltaLink".into(),
            json!(link(call, &delta_path, &params)),
        );
    }
    body.insert("value".into(), Value::Array(page));
    Reply::json(200, Value::Object(body))
}

fn write_call(data: &mut TenantData, segs: &[String], call: &GraphCall) -> Reply {
    let method = call.method.to_ascii_uppercase();
    let (steps, missing) = walk(&data.root, segs);
    let path = segs.join("/");
    if let Some(m) = missing {
        return not_found(&m);
    }
    let body = call.body.clone().unwrap_or(Value::Null);
    let in_collection = matches!(steps.last(), Some(Step::Index(_)));
    match (method.as_str(), get(&data.root, &steps)) {
        ("POST", Some(Value::Array(_))) => {
            let Value::Object(mut obj) = body else {
                return bad_request("BadRequest", "The request body must be a JSON object.");
            };
            let id = obj
                .get("id")
                .and_then(Value::as_str)
                .map(str::to_string)
                .unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
            obj.insert("id".into(), json!(id));
            obj.entry("createdDateTime")
                .or_insert_with(|| json!("2026-11-22T00:00:00Z"));
            let item = Value::Object(obj);
            let collection = collection_name(&steps, &data.root);
            if let Some(Value::Array(a)) = get_mut(&mut data.root, &steps) {
                if a.iter().any(|x| matches_id(x, &id)) {
                    return bad_request("Request_BadRequest", &format!("Another object with the same value for property id already exists: '{id}'."));
                }
                a.push(item.clone());
            }
            record_change(data, collection, id.clone(), false);
            let location = format!(
                "http://{}/graph/{}/{}/{}",
                call.host, call.version, path, id
            );
            Reply::json(201, item).header("Location", location)
        }
        ("PATCH", Some(Value::Object(_))) => {
            let Value::Object(changes) = body else {
                return bad_request("BadRequest", "The request body must be a JSON object.");
            };
            let collection = collection_name(&steps[..steps.len().saturating_sub(1)], &data.root);
            let mut id = None;
            if let Some(Value::Object(target)) = get_mut(&mut data.root, &steps) {
                for (k, v) in changes {
                    if k != "id" {
                        target.insert(k, v);
                    }
                }
                id = target.get("id").and_then(Value::as_str).map(str::to_string);
            }
            if let (true, Some(id)) = (in_collection, id) {
                record_change(data, collection, id, false);
            }
            Reply::empty(204)
        }
        ("PUT", Some(Value::Object(_))) => {
            let Value::Object(mut replacement) = body else {
                return bad_request("BadRequest", "The request body must be a JSON object.");
            };
            let collection = collection_name(&steps[..steps.len().saturating_sub(1)], &data.root);
            let mut id = None;
            if let Some(target) = get_mut(&mut data.root, &steps) {
                if let Some(old_id) = target.get("id").cloned() {
                    replacement.insert("id".into(), old_id);
                }
                id = replacement
                    .get("id")
                    .and_then(Value::as_str)
                    .map(str::to_string);
                *target = Value::Object(replacement);
            }
            if let (true, Some(id)) = (in_collection, id) {
                record_change(data, collection, id, false);
            }
            Reply::empty(204)
        }
        ("DELETE", Some(_)) if in_collection => {
            let parent = &steps[..steps.len() - 1];
            let collection = collection_name(parent, &data.root);
            let Some(Step::Index(i)) = steps.last().cloned() else {
                return not_found(&path);
            };
            let mut removed_id = None;
            if let Some(Value::Array(a)) = get_mut(&mut data.root, parent) {
                let item = a.remove(i);
                removed_id = item.get("id").and_then(Value::as_str).map(str::to_string);
            }
            if let Some(id) = removed_id {
                record_change(data, collection, id, true);
            }
            Reply::empty(204)
        }
        (m, _) => Reply::graph_error(
            405,
            "Request_BadRequest",
            &format!("The '{m}' method is not supported on '{path}'."),
        ),
    }
}

/// `POST /graph/{version}/$batch`: run each item through [`handle`] and collect the answers.
pub(crate) fn batch(
    state: &State,
    guid: &str,
    version: &str,
    host: &str,
    body: &Value,
    log_item: &dyn Fn(&str, &str, &str, u16),
) -> Reply {
    let Some(requests) = body.get("requests").and_then(Value::as_array) else {
        return bad_request(
            "BadRequest",
            "The batch request body must have a 'requests' array.",
        );
    };
    if requests.len() > 20 {
        return bad_request(
            "BadRequest",
            "Number of batch request steps exceeds the maximum of 20.",
        );
    }
    let mut ids = HashSet::new();
    for r in requests {
        let id = r.get("id").and_then(Value::as_str).unwrap_or_default();
        if id.is_empty() {
            return bad_request("BadRequest", "Each batch request needs an 'id'.");
        }
        if !ids.insert(id.to_string()) {
            return bad_request(
                "BadRequest",
                &format!("Batch request ids must be unique: '{id}' is used more than once."),
            );
        }
        let url = r.get("url").and_then(Value::as_str).unwrap_or_default();
        if url.is_empty() || url.starts_with("http://") || url.starts_with("https://") {
            return bad_request(
                "BadRequest",
                &format!("Batch request '{id}' must have a relative url."),
            );
        }
    }
    let mut answers: HashMap<String, u16> = HashMap::new();
    let mut responses = Vec::new();
    let mut pending: Vec<&Value> = requests.iter().collect();
    while !pending.is_empty() {
        let before = pending.len();
        let mut rest = Vec::new();
        for r in pending {
            let deps: Vec<&str> = r
                .get("dependsOn")
                .and_then(Value::as_array)
                .map(|a| a.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default();
            if let Some(unknown) = deps.iter().find(|d| !ids.contains(**d)) {
                return bad_request(
                    "BadRequest",
                    &format!("dependsOn refers to an unknown id '{unknown}'."),
                );
            }
            if deps.iter().any(|d| !answers.contains_key(*d)) {
                rest.push(r);
                continue;
            }
            let id = r["id"].as_str().unwrap_or_default().to_string();
            let method = r
                .get("method")
                .and_then(Value::as_str)
                .unwrap_or("GET")
                .to_ascii_uppercase();
            let url = r["url"]
                .as_str()
                .unwrap_or_default()
                .trim_start_matches('/');
            let (path, query) = url.split_once('?').unwrap_or((url, ""));
            let full_path = format!("/graph/{version}/{path}");
            let reply = if deps.iter().any(|d| !(200..300).contains(&answers[*d])) {
                Reply::graph_error(
                    424,
                    "FailedDependency",
                    "The request failed because a request it depends on failed.",
                )
            } else if let Some(f) = state.fire_fault(true, Some(guid), &method, &full_path) {
                fault_reply(f.status, f.retry_after)
            } else {
                let headers = r.get("headers").and_then(Value::as_object);
                let eventual = headers.is_some_and(|h| {
                    h.iter().any(|(k, v)| {
                        k.eq_ignore_ascii_case("consistencylevel")
                            && v.as_str()
                                .is_some_and(|v| v.eq_ignore_ascii_case("eventual"))
                    })
                });
                let call = GraphCall {
                    method: &method,
                    version,
                    path,
                    query: url::form_urlencoded::parse(query.as_bytes())
                        .into_owned()
                        .collect(),
                    eventual,
                    body: r.get("body").cloned(),
                    host,
                };
                handle(state, guid, &call)
            };
            log_item(&method, &full_path, query, reply.status);
            answers.insert(id.clone(), reply.status);
            let headers: Map<String, Value> = reply
                .headers
                .iter()
                .map(|(k, v)| (k.clone(), json!(v)))
                .collect();
            let mut item = json!({"id": id, "status": reply.status, "headers": headers});
            if !matches!(reply.body, crate::reply::ReplyBody::Empty) {
                item["body"] = reply.body_json();
            }
            responses.push(item);
        }
        if rest.len() == before {
            return bad_request("BadRequest", "dependsOn forms a cycle.");
        }
        pending = rest;
    }
    Reply::json(200, json!({"responses": responses}))
}

/// The answer of a fired fault rule.
pub(crate) fn fault_reply(status: u16, retry_after: Option<u64>) -> Reply {
    let reply = match status {
        429 => Reply::graph_error(429, "TooManyRequests", "Too many requests"),
        503 => Reply::graph_error(503, "ServiceUnavailable", "Service unavailable"),
        504 => Reply::graph_error(504, "GatewayTimeout", "Gateway timeout"),
        other => Reply::graph_error(other, "InternalServerError", "Simulated failure"),
    };
    match retry_after {
        Some(s) => reply.header("Retry-After", s.to_string()),
        None => reply,
    }
}
