//! Partner Center (`{base}/partnercenter/v1/...`, standing in for
//! `https://api.partnercenter.microsoft.com`): the customer list, paged the Partner Center
//! way (`items`, `links.next` with an `MS-ContinuationToken` header), single customers, and
//! application (CPV) consents. A consent also registers the application's service principal
//! and its delegated grant in the customer's Graph, so the permission refresh that follows a
//! consent has something real to read and repair.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde_json::{json, Value};

use crate::directory::SimTenant;
use crate::reply::Reply;
use crate::server::{Draft, Incoming, Outcome};
use crate::state::State;

/// The audience of Partner Center tokens.
pub(crate) const AUDIENCE: &str = "https://api.partnercenter.microsoft.com";
/// Customers per page when the caller gives no `size`.
const DEFAULT_PAGE: usize = 100;
/// Graph's application id, the only resource CPV consents may grant.
const GRAPH_APP_ID: &str = "00000003-0000-0000-c000-000000000000";

/// Consents given so far, per customer GUID.
#[derive(Debug, Default)]
pub(crate) struct PartnerCenterState {
    consents: Mutex<HashMap<String, Vec<Value>>>,
}

/// A Partner Center error body: `{code, description, data, source}`.
fn error(status: u16, code: u32, description: &str) -> Reply {
    Reply::json(
        status,
        json!({"code": code, "description": description, "data": [], "source": "PartnerFD"}),
    )
}

/// Serve `/partnercenter/{path}`.
pub(crate) fn serve(state: &Arc<State>, inc: &Incoming, rest: &str) -> Outcome {
    Outcome::logged("partner_center", |draft| answer(state, inc, rest, draft))
}

fn answer(state: &State, inc: &Incoming, rest: &str, draft: &mut Draft) -> Reply {
    let claims = match state.tokens.validate(inc.bearer()) {
        Ok(c) => c,
        Err((problem, _)) => return error(401, 401, problem.message()),
    };
    draft.token_aud = claims.aud().map(str::to_string);
    draft.token_tid = claims.tid().map(str::to_string);
    if claims.aud() != Some(AUDIENCE) {
        return error(401, 401, "The token audience is not Partner Center.");
    }
    if claims.tid() != Some(state.directory.partner.id.as_str()) {
        return error(
            403,
            403,
            "Partner Center accepts tokens of the partner tenant only.",
        );
    }
    let target = crate::faults::Target {
        batch_item: false,
        tenant: claims.tid(),
        method: &inc.method,
        path: &inc.path,
    };
    if let Some(reply) = state.fault_reply(&target, |status, _, message| {
        error(status, u32::from(status), message)
    }) {
        return reply;
    }
    let segs: Vec<&str> = rest.trim_matches('/').split('/').collect();
    match (inc.method.as_str(), segs.as_slice()) {
        ("GET", ["v1", "customers"]) => customers(state, inc),
        ("GET", ["v1", "customers", id]) => match customer(state, id) {
            Some(t) => Reply::json(200, customer_json(t)),
            None => not_found(id),
        },
        (method, ["v1", "customers", id, "applicationconsents", more @ ..]) => {
            draft.tenant = Some(id.to_ascii_lowercase());
            let Some(t) = customer(state, id) else {
                return not_found(id);
            };
            consents(state, inc, method, t, more)
        }
        _ => error(
            404,
            404,
            &format!("cipp-sim does not serve {} /{rest}", inc.method),
        ),
    }
}

fn not_found(id: &str) -> Reply {
    error(
        404,
        2000,
        &format!("Customer '{id}' was not found for this partner."),
    )
}

fn customer<'a>(state: &'a State, id: &str) -> Option<&'a SimTenant> {
    let guid = state.directory.resolve(id)?;
    state.directory.customers.iter().find(|t| t.id == guid)
}

fn customer_json(t: &SimTenant) -> Value {
    json!({
        "id": t.id,
        "companyProfile": {
            "tenantId": t.id,
            "domain": t.initial_domain,
            "companyName": t.display_name,
            "attributes": {"objectType": "CustomerCompanyProfile"},
        },
        "relationshipToPartner": "reseller",
        "allowDelegatedAccess": false,
        "attributes": {"objectType": "Customer"},
    })
}

fn encode_offset(offset: usize) -> String {
    URL_SAFE_NO_PAD.encode(format!("customers:{offset}"))
}

fn decode_offset(token: &str) -> Option<usize> {
    let raw = URL_SAFE_NO_PAD.decode(token.trim()).ok()?;
    String::from_utf8(raw)
        .ok()?
        .strip_prefix("customers:")?
        .parse()
        .ok()
}

/// `GET /v1/customers?size=N`, continued with the `MS-ContinuationToken` header.
fn customers(state: &State, inc: &Incoming) -> Reply {
    let size = match inc
        .query_pairs()
        .into_iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("size"))
    {
        Some((_, v)) => match v.parse::<usize>() {
            Ok(n) if (1..=1000).contains(&n) => n,
            _ => return error(400, 400, "size must be a number from 1 to 1000."),
        },
        None => DEFAULT_PAGE,
    };
    let offset = match inc.header("ms-continuationtoken") {
        Some(t) => match decode_offset(t) {
            Some(o) => o,
            None => return error(400, 400, "The continuation token is not valid."),
        },
        None => 0,
    };
    let all = &state.directory.customers;
    let items: Vec<Value> = all
        .iter()
        .skip(offset)
        .take(size)
        .map(customer_json)
        .collect();
    let mut body = json!({
        "totalCount": items.len(),
        "items": items,
        "attributes": {"objectType": "Collection"},
    });
    let next = offset + size;
    if next < all.len() {
        body["links"] = json!({"next": {
            "uri": format!("/v1/customers?size={size}"),
            "method": "GET",
            "headers": [{"key": "MS-ContinuationToken", "value": encode_offset(next)}],
        }});
    }
    Reply::json(200, body)
}

fn consents(state: &State, inc: &Incoming, method: &str, t: &SimTenant, more: &[&str]) -> Reply {
    let pc = &state.partner_center;
    let mut all = pc.consents.lock().unwrap_or_else(PoisonError::into_inner);
    let list = all.entry(t.id.clone()).or_default();
    let same_app = |c: &Value, app: &str| {
        c["applicationId"]
            .as_str()
            .is_some_and(|a| a.eq_ignore_ascii_case(app))
    };
    match (method, more) {
        ("GET", []) => Reply::json(
            200,
            json!({"totalCount": list.len(), "items": list.clone(), "attributes": {"objectType": "Collection"}}),
        ),
        ("POST", []) => {
            let body: Value = serde_json::from_slice(&inc.body).unwrap_or(Value::Null);
            let app = body["ApplicationId"]
                .as_str()
                .unwrap_or_default()
                .to_string();
            let grants = body["ApplicationGrants"]
                .as_array()
                .cloned()
                .unwrap_or_default();
            if uuid::Uuid::parse_str(&app).is_err() || grants.is_empty() {
                return error(
                    400,
                    400,
                    "ApplicationId (a GUID) and at least one ApplicationGrants item are required.",
                );
            }
            let mut shaped = Vec::new();
            for g in &grants {
                let resource = g["EnterpriseApplicationId"].as_str().unwrap_or_default();
                let scope = g["Scope"].as_str().unwrap_or_default();
                if !resource.eq_ignore_ascii_case(GRAPH_APP_ID) || scope.trim().is_empty() {
                    return error(
                        400,
                        400,
                        "Each grant needs EnterpriseApplicationId (Microsoft Graph) and a Scope.",
                    );
                }
                shaped.push(json!({"enterpriseApplicationId": resource, "scope": scope}));
            }
            if list.iter().any(|c| same_app(c, &app)) {
                return error(409, 600, "Permission entry already exists.");
            }
            let consent = json!({
                "applicationId": app,
                "applicationGrants": shaped,
                "customerId": t.id,
                "attributes": {"objectType": "ApplicationConsent"},
            });
            list.push(consent.clone());
            drop(all);
            register_in_customer(state, &t.id, &app, &shaped);
            Reply::json(201, consent)
        }
        ("DELETE", [app]) => {
            let before = list.len();
            list.retain(|c| !same_app(c, app));
            if list.len() == before {
                return error(404, 404, &format!("No consent for application '{app}'."));
            }
            Reply::empty(204)
        }
        _ => error(405, 405, "Method not allowed on application consents."),
    }
}

/// A consent makes the application known in the customer tenant, with the consented
/// delegated scopes granted to it for everyone.
fn register_in_customer(state: &State, customer: &str, app: &str, grants: &[Value]) {
    let Some(store) = state.graph.store(customer) else {
        return;
    };
    let mut store = store.write().unwrap_or_else(PoisonError::into_inner);
    let Some(root) = store.get_mut(&[]).and_then(Value::as_object_mut) else {
        return;
    };
    let sps = root.entry("servicePrincipals").or_insert_with(|| json!([]));
    let Some(sps) = sps.as_array_mut() else {
        return;
    };
    let find = |sps: &Vec<Value>, app_id: &str| {
        sps.iter()
            .find(|s| {
                s["appId"]
                    .as_str()
                    .is_some_and(|a| a.eq_ignore_ascii_case(app_id))
            })
            .and_then(|s| s["id"].as_str())
            .map(str::to_string)
    };
    let sp_id = find(sps, app).unwrap_or_else(|| {
        let id = uuid::Uuid::new_v4().to_string();
        sps.push(json!({"id": id, "appId": app, "displayName": "CIPP-SAM", "servicePrincipalType": "Application"}));
        id
    });
    let graph_sp = find(sps, GRAPH_APP_ID).unwrap_or_else(|| {
        let id = uuid::Uuid::new_v4().to_string();
        sps.push(json!({"id": id, "appId": GRAPH_APP_ID, "displayName": "Microsoft Graph", "servicePrincipalType": "Application"}));
        id
    });
    let scope: Vec<String> = grants
        .iter()
        .filter_map(|g| g["scope"].as_str())
        .flat_map(|s| s.split(','))
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .collect();
    let grants = root
        .entry("oauth2PermissionGrants")
        .or_insert_with(|| json!([]));
    if let Some(grants) = grants.as_array_mut() {
        grants.push(json!({
            "id": uuid::Uuid::new_v4().simple().to_string(),
            "clientId": sp_id,
            "consentType": "AllPrincipals",
            "principalId": null,
            "resourceId": graph_sp,
            "scope": scope.join(" "),
        }));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn continuation_tokens_round_trip_and_reject_junk() {
        assert_eq!(decode_offset(&encode_offset(42)), Some(42));
        assert_eq!(decode_offset("not-a-token"), None);
    }
}
