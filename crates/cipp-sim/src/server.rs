//! The HTTP front: one handler routes `/login`, `/graph` and `/_sim` by path prefix.

use std::sync::Arc;

use axum::body::{to_bytes, Body};
use axum::extract::State as AxState;
use axum::http::{HeaderMap, Request};
use axum::response::{IntoResponse, Response};
use serde_json::{json, Value};

use crate::faults::{FaultControl, FaultRule};
use crate::graph::{self, fault_reply, GraphCall};
use crate::log::RequestRecord;
use crate::login;
use crate::reply::Reply;
use crate::state::State;

const MAX_BODY: usize = 16 * 1024 * 1024;

fn header<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

struct Incoming {
    method: String,
    path: String,
    query: String,
    host: String,
    headers: HeaderMap,
    body: bytes::Bytes,
}

pub(crate) async fn dispatch(AxState(state): AxState<Arc<State>>, req: Request<Body>) -> Response {
    let (parts, body) = req.into_parts();
    let body = match to_bytes(body, MAX_BODY).await {
        Ok(b) => b,
        Err(_) => {
            return Reply::graph_error(
                413,
                "RequestEntityTooLarge",
                "The request body is too large.",
            )
            .into_response()
        }
    };
    let host = header(&parts.headers, "host")
        .unwrap_or("127.0.0.1")
        .to_string();
    let inc = Incoming {
        method: parts.method.as_str().to_string(),
        path: parts.uri.path().to_string(),
        query: parts.uri.query().unwrap_or_default().to_string(),
        host,
        headers: parts.headers,
        body,
    };
    if let Some(rest) = inc.path.strip_prefix("/_sim/") {
        return control(&state, rest, &inc).into_response();
    }
    let latency = state.latency();
    if !latency.is_zero() {
        tokio::time::sleep(latency).await;
    }
    if let Some(rest) = inc.path.strip_prefix("/login/") {
        return login_route(&state, rest, &inc).into_response();
    }
    if let Some(rest) = inc.path.strip_prefix("/graph/") {
        return graph_route(&state, rest, &inc).into_response();
    }
    Reply::graph_error(
        404,
        "NotFound",
        &format!("No simulated service at '{}'.", inc.path),
    )
    .into_response()
}

fn record(
    state: &State,
    inc: &Incoming,
    kind: &str,
    status: u16,
    tenant: Option<String>,
    claims: Option<&Value>,
    batch_size: Option<usize>,
) {
    state.record(RequestRecord {
        seq: 0,
        method: inc.method.clone(),
        path: inc.path.clone(),
        query: inc.query.clone(),
        status,
        kind: kind.to_string(),
        tenant,
        token_aud: claims.and_then(|c| c["aud"].as_str()).map(str::to_string),
        token_tid: claims.and_then(|c| c["tid"].as_str()).map(str::to_string),
        batch_size,
    });
}

fn login_route(state: &State, rest: &str, inc: &Incoming) -> Reply {
    let (tenant, tail) = rest.split_once('/').unwrap_or((rest, ""));
    let kind = match tail {
        "v2.0/.well-known/openid-configuration" => "openid",
        "oauth2/v2.0/token" => "login",
        "oauth2/v2.0/devicecode" => "devicecode",
        _ => "login_other",
    };
    let tenant_guid = state.resolve(tenant);
    if let Some(f) = state.fire_fault(false, tenant_guid.as_deref(), &inc.method, &inc.path) {
        let reply = fault_reply(f.status, f.retry_after);
        record(state, inc, kind, reply.status, tenant_guid, None, None);
        return reply;
    }
    let (reply, guid) = match (inc.method.as_str(), kind) {
        ("GET", "openid") => login::openid(state, tenant, &inc.host),
        ("POST", "login") => login::token(state, tenant, &inc.body),
        ("POST", "devicecode") => login::device_code(state, tenant, &inc.body, &inc.host),
        _ => (
            Reply::login_error(404, "not_found", 90000, "Unknown login endpoint."),
            None,
        ),
    };
    record(state, inc, kind, reply.status, guid, None, None);
    reply
}

fn graph_route(state: &State, rest: &str, inc: &Incoming) -> Reply {
    let (version, path) = rest.split_once('/').unwrap_or((rest, ""));
    let is_batch = path == "$batch";
    let kind = if is_batch { "batch" } else { "graph" };
    if version != "v1.0" && version != "beta" {
        let reply = Reply::graph_error(400, "BadRequest", &format!("Invalid version: {version}"));
        record(state, inc, kind, reply.status, None, None, None);
        return reply;
    }
    let token = header(&inc.headers, "authorization").and_then(|h| {
        h.strip_prefix("Bearer ")
            .or_else(|| h.strip_prefix("bearer "))
    });
    let claims = match state.tokens.validate(token) {
        Ok(c) if c["aud"] == "https://graph.microsoft.com" => c,
        Ok(c) => {
            let reply = Reply::graph_error(401, "InvalidAuthenticationToken", "Invalid audience.");
            record(state, inc, kind, reply.status, None, Some(&c), None);
            return reply;
        }
        Err(problem) => {
            let reply = Reply::graph_error(401, "InvalidAuthenticationToken", problem.message());
            record(state, inc, kind, reply.status, None, None, None);
            return reply;
        }
    };
    let guid = claims["tid"].as_str().unwrap_or_default().to_string();
    let answer = |reply: Reply, size: Option<usize>| {
        record(
            state,
            inc,
            kind,
            reply.status,
            Some(guid.clone()),
            Some(&claims),
            size,
        );
        reply
    };
    if let Some(f) = state.fire_fault(false, Some(&guid), &inc.method, &inc.path) {
        return answer(fault_reply(f.status, f.retry_after), None);
    }
    let body: Option<Value> = if inc.body.is_empty() {
        None
    } else {
        match serde_json::from_slice(&inc.body) {
            Ok(v) => Some(v),
            Err(e) => {
                let message = format!("Unable to read JSON request payload: {e}");
                return answer(Reply::graph_error(400, "BadRequest", &message), None);
            }
        }
    };
    if is_batch {
        if !inc.method.eq_ignore_ascii_case("POST") {
            return Reply::graph_error(405, "BadRequest", "$batch takes POST.");
        }
        let body = body.unwrap_or(Value::Null);
        let size = body["requests"].as_array().map(Vec::len);
        let log_item = |method: &str, path: &str, query: &str, status: u16| {
            state.record(RequestRecord {
                seq: 0,
                method: method.to_string(),
                path: path.to_string(),
                query: query.to_string(),
                status,
                kind: "batch_item".into(),
                tenant: Some(guid.clone()),
                token_aud: claims["aud"].as_str().map(str::to_string),
                token_tid: Some(guid.clone()),
                batch_size: None,
            })
        };
        let reply = graph::batch(state, &guid, version, &inc.host, &body, &log_item);
        return answer(reply, size);
    }
    let eventual = header(&inc.headers, "consistencylevel")
        .is_some_and(|v| v.eq_ignore_ascii_case("eventual"));
    let call = GraphCall {
        method: &inc.method,
        version,
        path,
        query: url::form_urlencoded::parse(inc.query.as_bytes())
            .into_owned()
            .collect(),
        eventual,
        body,
        host: &inc.host,
    };
    let reply = graph::handle(state, &guid, &call);
    answer(reply, None)
}

fn control(state: &Arc<State>, rest: &str, inc: &Incoming) -> Reply {
    let faults = FaultControl {
        state: state.clone(),
    };
    let body: Value = serde_json::from_slice(&inc.body).unwrap_or(Value::Null);
    let bad = |m: &str| Reply::json(400, json!({"error": m}));
    match (inc.method.as_str(), rest.trim_end_matches('/')) {
        ("GET", "requests") => {
            let log = state.log.lock().unwrap_or_else(|e| e.into_inner());
            Reply::json(200, json!(log.records.iter().collect::<Vec<_>>()))
        }
        ("DELETE", "requests") => {
            state.log.lock().unwrap_or_else(|e| e.into_inner()).clear();
            Reply::empty(204)
        }
        ("GET", "stats") => {
            let log = state.log.lock().unwrap_or_else(|e| e.into_inner());
            Reply::json(200, json!(log.stats))
        }
        ("GET", "faults") => Reply::json(
            200,
            json!(faults
                .rules()
                .into_iter()
                .map(|(id, r)| json!({"id": id, "rule": r}))
                .collect::<Vec<_>>()),
        ),
        ("POST", "faults") => match serde_json::from_value::<FaultRule>(body) {
            Ok(rule) => Reply::json(201, json!({"id": faults.add_rule(rule)})),
            Err(e) => bad(&format!("not a fault rule: {e}")),
        },
        ("DELETE", "faults") => {
            faults.clear();
            Reply::empty(204)
        }
        ("PUT", "latency") => match body["ms"].as_u64() {
            Some(ms) => {
                faults.set_latency(std::time::Duration::from_millis(ms));
                Reply::empty(204)
            }
            None => bad("expected {\"ms\": <milliseconds>}"),
        },
        ("POST", "expire-tokens") => {
            faults.expire_tokens();
            Reply::empty(204)
        }
        ("PUT", "token-lifetime") => match body["seconds"].as_u64() {
            Some(s) => {
                faults.set_token_lifetime(std::time::Duration::from_secs(s));
                Reply::empty(204)
            }
            None => bad("expected {\"seconds\": <n>}"),
        },
        ("GET", "tenants") => Reply::json(200, json!(state.customers)),
        ("GET", "credentials") => Reply::json(
            200,
            json!({
                "application_id": state.application.application_id,
                "application_secret": state.application.application_secret,
                "refresh_token": state.application.refresh_token,
                "partner_tenant_id": state.partner.id,
            }),
        ),
        ("POST", "users/generate") => {
            let tenant = body["tenant"].as_str().unwrap_or_default();
            let count = body["count"].as_u64().unwrap_or(0) as usize;
            match crate::generate_users(state, tenant, count) {
                Ok(()) => Reply::empty(204),
                Err(e) => bad(&e.to_string()),
            }
        }
        (m, p) => Reply::json(
            404,
            json!({"error": format!("no control endpoint {m} /_sim/{p}")}),
        ),
    }
}
