//! Microsoft Graph (`{base}/graph/{v1.0|beta}/...`, standing in for
//! `https://graph.microsoft.com`): a generic JSON resource store per tenant with Graph's
//! query options, paging, `$batch` and delta. Both versions share one store; the tenant is
//! the bearer token's `tid`, as in real Graph.

mod audit_log;
mod batch;
mod call;
mod collection;
mod defaults;
mod delta;
mod errors;
pub(crate) mod gdap;
pub(crate) mod graphstd;
mod intune;
mod membership;
mod per_user_mfa;
mod read;
mod security;
pub(crate) mod standards_endpoints;
mod standards_more;
mod store;
mod user_actions;
mod write;

use std::sync::Arc;

use axum::http::HeaderMap;
use serde_json::Value;

use crate::login::GRAPH_AUDIENCE;
use crate::reply::Reply;
use crate::server::{Draft, Incoming, Outcome};
use crate::state::State;
use crate::tokens::Claims;

pub(crate) use store::GraphState;

use call::{execute, Ctx, GraphCall};
use errors::RequestIds;

/// API versions served (they share one store).
const VERSIONS: [&str; 2] = ["v1.0", "beta"];

/// Content type of Graph's JSON answers.
const ODATA_JSON: &str =
    "application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8";

/// Serve `/graph/{version}/{path}`.
pub(crate) fn serve(state: &Arc<State>, inc: &Incoming, rest: &str) -> Outcome {
    let ids = RequestIds::new(inc.header("client-request-id"));
    let (version, path) = rest.split_once('/').unwrap_or((rest, ""));
    let is_batch = path.trim_end_matches('/').eq_ignore_ascii_case("$batch");
    let mut draft = Draft::new(if is_batch { "batch" } else { "graph" });
    let mut reply = answer(state, inc, version, path, is_batch, &mut draft);
    errors::stamp(&mut reply, &ids);
    reply.set_header("request-id", ids.request_id.clone());
    reply.set_header("client-request-id", ids.client_request_id.clone());
    if reply.header_value("content-type") == Some("application/json") {
        reply.set_header("Content-Type", ODATA_JSON);
    }
    Outcome {
        reply,
        record: Some(draft),
    }
}

/// The bearer token's claims, or Graph's 401.
fn authenticate(state: &State, headers: &HeaderMap, draft: &mut Draft) -> Result<Claims, Reply> {
    let token = headers
        .get("authorization")
        .and_then(|h| h.to_str().ok())
        .and_then(|h| {
            h.get(..7)
                .filter(|scheme| scheme.eq_ignore_ascii_case("bearer "))
                .map(|_| h[7..].trim())
        });
    let unauthorized = |message: &str| errors::error(401, "InvalidAuthenticationToken", message);
    let claims = match state.tokens.validate(token) {
        Ok(c) => c,
        Err((problem, claims)) => {
            if let Some(c) = claims {
                draft.token_aud = c.aud().map(str::to_string);
                draft.token_tid = c.tid().map(str::to_string);
                draft.tenant = draft.token_tid.clone();
            }
            return Err(unauthorized(problem.message()));
        }
    };
    draft.token_aud = claims.aud().map(str::to_string);
    draft.token_tid = claims.tid().map(str::to_string);
    draft.tenant = draft.token_tid.clone();
    if claims.aud() != Some(GRAPH_AUDIENCE) {
        return Err(unauthorized("Invalid audience."));
    }
    Ok(claims)
}

fn answer(
    state: &State,
    inc: &Incoming,
    version: &str,
    path: &str,
    is_batch: bool,
    draft: &mut Draft,
) -> Reply {
    if !VERSIONS.contains(&version) {
        return errors::bad_request("BadRequest", &format!("Invalid version: {version}"));
    }
    let claims = match authenticate(state, &inc.headers, draft) {
        Ok(c) => c,
        Err(r) => return r,
    };
    let Some(tenant) = claims.tid() else {
        return errors::error(
            401,
            "InvalidAuthenticationToken",
            "The token has no tenant.",
        );
    };
    let ctx = Ctx {
        state,
        tenant,
        host: &inc.host,
        version,
        token_aud: claims.aud(),
        user: claims
            .0
            .get("oid")
            .and_then(Value::as_str)
            .filter(|_| claims.0.contains_key("scp")),
    };
    if is_batch {
        return batch::serve(&ctx, inc, draft);
    }
    let text_body = inc
        .header("content-type")
        .is_some_and(|t| t.trim().to_ascii_lowercase().starts_with("text/"));
    let body = if inc.body.is_empty() {
        None
    } else if text_body {
        // Stream properties written as text (`customCSS` as `text/css`).
        Some(Value::String(
            String::from_utf8_lossy(&inc.body).into_owned(),
        ))
    } else {
        match serde_json::from_slice::<Value>(&inc.body) {
            Ok(v) => Some(v),
            Err(_) => {
                return errors::bad_request(
                    "BadRequest",
                    "Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of valid JSON format.",
                )
            }
        }
    };
    let call = GraphCall {
        method: inc.method.clone(),
        path: path.to_string(),
        query: inc.query_pairs(),
        headers: inc
            .headers
            .iter()
            .filter_map(|(k, v)| Some((k.as_str().to_string(), v.to_str().ok()?.to_string())))
            .collect(),
        body,
        full_path: inc.path.clone(),
    };
    execute(&ctx, &call, false)
}
