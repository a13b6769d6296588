//! The control API (`{base}/_sim/...`): what the Rust handle can do, over HTTP, for tests
//! written in other languages and for `cipp sim serve`. Its calls are not logged and get no
//! latency. `GET /_sim` lists the endpoints.

use std::sync::Arc;
use std::time::Duration;

use serde_json::{json, Value};

use crate::faults::{FaultControl, FaultRule};
use crate::reply::Reply;
use crate::server::{Incoming, Outcome};
use crate::sim::credentials;
use crate::state::State;

type Handler = fn(&Arc<State>, &Incoming, Option<&str>) -> Reply;

/// One endpoint: method, path below `/_sim/` (`{id}` is a parameter), what it does.
struct Endpoint {
    method: &'static str,
    path: &'static str,
    about: &'static str,
    handler: Handler,
}

const ENDPOINTS: &[Endpoint] = &[
    Endpoint {
        method: "GET",
        path: "",
        about: "this list",
        handler: index,
    },
    Endpoint {
        method: "GET",
        path: "requests",
        about: "request log (?kind=graph&since=SEQ&limit=N)",
        handler: requests,
    },
    Endpoint {
        method: "DELETE",
        path: "requests",
        about: "clear the request log and counters",
        handler: clear_requests,
    },
    Endpoint {
        method: "GET",
        path: "stats",
        about: "request counters",
        handler: stats,
    },
    Endpoint {
        method: "GET",
        path: "faults",
        about: "fault rules with ids",
        handler: list_faults,
    },
    Endpoint {
        method: "POST",
        path: "faults",
        about: "add a fault rule; answers {\"id\"}",
        handler: add_fault,
    },
    Endpoint {
        method: "DELETE",
        path: "faults",
        about: "remove every fault rule and the latency",
        handler: clear_faults,
    },
    Endpoint {
        method: "DELETE",
        path: "faults/{id}",
        about: "remove one fault rule",
        handler: remove_fault,
    },
    Endpoint {
        method: "GET",
        path: "latency",
        about: "latency in force {\"ms\"}",
        handler: get_latency,
    },
    Endpoint {
        method: "PUT",
        path: "latency",
        about: "set latency {\"ms\": 50}",
        handler: set_latency,
    },
    Endpoint {
        method: "POST",
        path: "expire-tokens",
        about: "reject every access token issued so far",
        handler: expire_tokens,
    },
    Endpoint {
        method: "GET",
        path: "token-lifetime",
        about: "access token lifetime {\"seconds\"}",
        handler: get_lifetime,
    },
    Endpoint {
        method: "PUT",
        path: "token-lifetime",
        about: "set access token lifetime {\"seconds\": N}",
        handler: set_lifetime,
    },
    Endpoint {
        method: "POST",
        path: "revoke-refresh-token",
        about: "revoke {\"refresh_token\"}",
        handler: revoke,
    },
    Endpoint {
        method: "GET",
        path: "tenants",
        about: "customer tenants",
        handler: tenants,
    },
    Endpoint {
        method: "GET",
        path: "partner",
        about: "the partner tenant",
        handler: partner,
    },
    Endpoint {
        method: "GET",
        path: "credentials",
        about: "seeded application id, secret, partner refresh token and tenant id",
        handler: creds,
    },
    Endpoint {
        method: "POST",
        path: "users/generate",
        about: "add generated users {\"tenant\", \"count\"}",
        handler: generate,
    },
    Endpoint {
        method: "POST",
        path: "gdap/approve",
        about: "a customer accepts a GDAP invitation {\"relationship\", \"customer\"}",
        handler: approve,
    },
];

/// Match `path` against a pattern, returning the `{id}` parameter if there is one.
fn matches<'a>(pattern: &str, path: &'a str) -> Option<Option<&'a str>> {
    match pattern.strip_suffix("{id}") {
        Some(prefix) => path
            .strip_prefix(prefix)
            .filter(|id| !id.is_empty() && !id.contains('/'))
            .map(Some),
        None => (pattern == path).then_some(None),
    }
}

/// Serve `/_sim/{path}`.
pub(crate) fn serve(state: &Arc<State>, inc: &Incoming, rest: &str) -> Outcome {
    let path = rest.trim_end_matches('/');
    let mut path_known = false;
    let mut reply = None;
    for e in ENDPOINTS {
        if let Some(param) = matches(e.path, path) {
            path_known = true;
            if e.method == inc.method {
                reply = Some((e.handler)(state, inc, param));
                break;
            }
        }
    }
    let reply = reply.unwrap_or_else(|| {
        let status = if path_known { 405 } else { 404 };
        error(
            status,
            &format!(
                "no control endpoint {} /_sim/{path} (GET /_sim lists them)",
                inc.method
            ),
        )
    });
    Outcome {
        reply,
        record: None,
    }
}

fn error(status: u16, message: &str) -> Reply {
    Reply::json(status, json!({"error": message}))
}

fn body(inc: &Incoming) -> Result<Value, Reply> {
    if inc.body.is_empty() {
        return Ok(Value::Null);
    }
    serde_json::from_slice(&inc.body).map_err(|e| error(400, &format!("the body is not JSON: {e}")))
}

fn faults(state: &Arc<State>) -> FaultControl {
    FaultControl {
        state: state.clone(),
    }
}

fn index(_: &Arc<State>, _: &Incoming, _: Option<&str>) -> Reply {
    let list: Vec<Value> = ENDPOINTS
        .iter()
        .map(|e| json!({"method": e.method, "path": format!("/_sim/{}", e.path), "about": e.about}))
        .collect();
    Reply::json(200, json!(list))
}

fn requests(state: &Arc<State>, inc: &Incoming, _: Option<&str>) -> Reply {
    let q = inc.query_pairs();
    let get = |k: &str| q.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
    let since: u64 = get("since").and_then(|s| s.parse().ok()).unwrap_or(0);
    let limit: usize = get("limit")
        .and_then(|s| s.parse().ok())
        .unwrap_or(usize::MAX);
    let kind = get("kind");
    let log = state.log();
    let records: Vec<Value> = log
        .records()
        .filter(|r| r.seq > since && kind.is_none_or(|k| r.kind == k))
        .take(limit)
        .map(|r| json!(r))
        .collect();
    Reply::json(200, Value::Array(records))
}

fn clear_requests(state: &Arc<State>, _: &Incoming, _: Option<&str>) -> Reply {
    state.log().clear();
    Reply::empty(204)
}

fn stats(state: &Arc<State>, _: &Incoming, _: Option<&str>) -> Reply {
    Reply::json(200, json!(state.log().stats()))
}

fn list_faults(state: &Arc<State>, _: &Incoming, _: Option<&str>) -> Reply {
    let rules: Vec<Value> = faults(state)
        .rules()
        .into_iter()
        .map(|(id, rule)| {
            let mut v = json!(rule);
            v["id"] = json!(id);
            v
        })
        .collect();
    Reply::json(200, Value::Array(rules))
}

fn add_fault(state: &Arc<State>, inc: &Incoming, _: Option<&str>) -> Reply {
    let rule: FaultRule = match body(inc).and_then(|b| {
        serde_json::from_value(b).map_err(|e| error(400, &format!("not a fault rule: {e}")))
    }) {
        Ok(r) => r,
        Err(r) => return r,
    };
    if !(400..=599).contains(&rule.status) {
        return error(400, "a fault rule needs a 'status' between 400 and 599");
    }
    Reply::json(201, json!({"id": faults(state).add_rule(rule)}))
}

fn clear_faults(state: &Arc<State>, _: &Incoming, _: Option<&str>) -> Reply {
    faults(state).clear();
    Reply::empty(204)
}

fn remove_fault(state: &Arc<State>, _: &Incoming, id: Option<&str>) -> Reply {
    match id.and_then(|i| i.parse::<u64>().ok()) {
        Some(id) if faults(state).remove_rule(id) => Reply::empty(204),
        _ => error(404, "no fault rule with that id"),
    }
}

fn get_latency(state: &Arc<State>, _: &Incoming, _: Option<&str>) -> Reply {
    let ms = u64::try_from(state.latency().as_millis()).unwrap_or(u64::MAX);
    Reply::json(200, json!({"ms": ms}))
}

fn set_latency(state: &Arc<State>, inc: &Incoming, _: Option<&str>) -> Reply {
    match body(inc).map(|b| b["ms"].as_u64()) {
        Ok(Some(ms)) => {
            faults(state).set_latency(Duration::from_millis(ms));
            Reply::empty(204)
        }
        Ok(None) => error(400, "expected {\"ms\": <milliseconds>}"),
        Err(r) => r,
    }
}

fn expire_tokens(state: &Arc<State>, _: &Incoming, _: Option<&str>) -> Reply {
    faults(state).expire_tokens();
    Reply::empty(204)
}

fn get_lifetime(state: &Arc<State>, _: &Incoming, _: Option<&str>) -> Reply {
    Reply::json(200, json!({"seconds": state.tokens.lifetime_secs()}))
}

fn set_lifetime(state: &Arc<State>, inc: &Incoming, _: Option<&str>) -> Reply {
    match body(inc).map(|b| b["seconds"].as_u64()) {
        Ok(Some(s)) if s > 0 => {
            faults(state).set_token_lifetime(Duration::from_secs(s));
            Reply::empty(204)
        }
        Ok(_) => error(400, "expected {\"seconds\": <positive number>}"),
        Err(r) => r,
    }
}

fn revoke(state: &Arc<State>, inc: &Incoming, _: Option<&str>) -> Reply {
    match body(inc).map(|b| b["refresh_token"].as_str().map(str::to_string)) {
        Ok(Some(rt)) => {
            faults(state).revoke_refresh_token(&rt);
            Reply::empty(204)
        }
        Ok(None) => error(400, "expected {\"refresh_token\": \"...\"}"),
        Err(r) => r,
    }
}

fn tenants(state: &Arc<State>, _: &Incoming, _: Option<&str>) -> Reply {
    Reply::json(200, json!(state.directory.customers))
}

fn partner(state: &Arc<State>, _: &Incoming, _: Option<&str>) -> Reply {
    Reply::json(200, json!(state.directory.partner))
}

fn creds(state: &Arc<State>, _: &Incoming, _: Option<&str>) -> Reply {
    Reply::json(200, json!(credentials(state)))
}

fn generate(state: &Arc<State>, inc: &Incoming, _: Option<&str>) -> Reply {
    let b = match body(inc) {
        Ok(b) => b,
        Err(r) => return r,
    };
    let (Some(tenant), Some(count)) = (b["tenant"].as_str(), b["count"].as_u64()) else {
        return error(
            400,
            "expected {\"tenant\": \"<guid or domain>\", \"count\": N}",
        );
    };
    let Ok(count) = usize::try_from(count) else {
        return error(400, "count is too large");
    };
    match state.generate_users(tenant, count, true) {
        Ok(()) => Reply::empty(204),
        Err(e) => error(404, &e.to_string()),
    }
}

fn approve(state: &Arc<State>, inc: &Incoming, _: Option<&str>) -> Reply {
    let b = match body(inc) {
        Ok(b) => b,
        Err(r) => return r,
    };
    let (Some(rel), Some(customer)) = (b["relationship"].as_str(), b["customer"].as_str()) else {
        return error(
            400,
            "expected {\"relationship\": \"<id>\", \"customer\": \"<guid or domain>\"}",
        );
    };
    match state.approve_relationship(rel, customer) {
        Ok(v) => Reply::json(200, v),
        Err(e @ crate::SimError::UnknownTenant(_)) => error(404, &e.to_string()),
        Err(e) => error(409, &e.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_match_paths() {
        assert_eq!(matches("faults", "faults"), Some(None));
        assert_eq!(matches("faults/{id}", "faults/7"), Some(Some("7")));
        assert_eq!(matches("faults/{id}", "faults/"), None);
        assert_eq!(matches("faults/{id}", "faults/7/x"), None);
        assert_eq!(matches("", ""), Some(None));
    }
}
