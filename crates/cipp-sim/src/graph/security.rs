//! Account-security endpoints the generic store cannot express: a user's authentication
//! methods (one list, deleted through one endpoint per method type), session revocation,
//! the SSPR writeback password reset, a user's Intune devices, and the audit-log collections
//! every tenant has even when its seed holds none.
//!
//! Methods live in the user object under `authentication.methods`, each with its
//! `@odata.type`; a user without them has only the password method, as in Entra.

use std::sync::PoisonError;

use serde_json::{json, Value};

use super::call::{Ctx, GraphCall};
use super::store::Walk;
use super::{collection, errors};
use crate::clock::{rfc3339, unix_now};
use crate::query::QueryOptions;
use crate::reply::Reply;

/// The id Entra gives every user's password method.
const PASSWORD_METHOD_ID: &str = "28c10230-6103-485e-b985-444c60001490";

/// Top-level collections that read empty when the seed leaves them out.
const EMPTY_WHEN_ABSENT: [&[&str]; 4] = [
    &["auditLogs", "signIns"],
    &["auditLogs", "directoryAudits"],
    &["auditLogs", "provisioning"],
    &["oauth2PermissionGrants"],
];

fn eq(a: &str, b: &str) -> bool {
    a.eq_ignore_ascii_case(b)
}

/// Answer the calls this module knows; `None` lets the generic store answer.
pub(crate) fn serve(ctx: &Ctx<'_>, segs: &[String], call: &GraphCall) -> Option<Reply> {
    let lock = ctx.state.graph.store(ctx.tenant)?;
    let s: Vec<&str> = segs.iter().map(String::as_str).collect();
    if call.method == "GET" {
        if let Some(shape) = EMPTY_WHEN_ABSENT
            .iter()
            .find(|shape| shape.len() == s.len() && shape.iter().zip(&s).all(|(a, b)| eq(a, b)))
        {
            let store = lock.read().unwrap_or_else(PoisonError::into_inner);
            if matches!(store.walk(segs), Walk::Missing { .. }) {
                return Some(list(ctx, &[], &shape.join("/"), call));
            }
            return None;
        }
    }
    let [users, user, rest @ ..] = s.as_slice() else {
        return None;
    };
    if !eq(users, "users") || rest.is_empty() {
        return None;
    }
    let known = match rest {
        [action] => {
            eq(action, "invalidateAllRefreshTokens")
                || eq(action, "revokeSignInSessions")
                || eq(action, "managedDevices")
        }
        [auth, ..] => eq(auth, "authentication"),
        [] => false,
    };
    if !known {
        return None;
    }
    let mut store = lock.write().unwrap_or_else(PoisonError::into_inner);
    let Walk::Found(steps) = store.walk(&segs[..2]) else {
        return Some(errors::not_found(user));
    };
    let reply = {
        let Some(Value::Object(u)) = store.get_mut(&steps) else {
            return Some(errors::not_found(user));
        };
        match (call.method.as_str(), rest) {
            ("POST", [_revoke]) if !eq(rest[0], "managedDevices") => {
                let now = rfc3339(unix_now());
                u.insert("signInSessionsValidFromDateTime".into(), json!(now));
                u.insert("refreshTokensValidFromDateTime".into(), json!(now));
                Reply::json(
                    200,
                    json!({"@odata.context": format!("{}/$metadata#Edm.Boolean", ctx.base()), "value": true}),
                )
            }
            ("GET", [_devices]) if eq(rest[0], "managedDevices") => {
                let items = u
                    .get("managedDevices")
                    .and_then(Value::as_array)
                    .cloned()
                    .unwrap_or_default();
                return Some(list(ctx, &items, &segs.join("/"), call));
            }
            (_, ["authentication", more @ ..]) | (_, ["Authentication", more @ ..]) => {
                authentication(ctx, u, more, call)
            }
            (method, _) => errors::method_not_allowed(method, &call.path),
        }
    };
    if (200..300).contains(&reply.status) && call.method != "GET" {
        store.touch(&steps);
    }
    Some(reply)
}

fn list(ctx: &Ctx<'_>, items: &[Value], label: &str, call: &GraphCall) -> Reply {
    match QueryOptions::parse(&call.query) {
        Ok(opts) => collection::list(ctx, items, label, &opts, call),
        Err(e) => errors::query(e),
    }
}

/// The `@odata.type` of the methods a collection (`phoneMethods`) holds.
fn method_type(collection: &str) -> Option<String> {
    let stem = collection.strip_suffix("Methods")?;
    let mut chars = stem.chars();
    let first = chars.next()?;
    Some(format!(
        "#microsoft.graph.{}{}AuthenticationMethod",
        first.to_ascii_lowercase(),
        chars.as_str()
    ))
}

fn type_of(m: &Value) -> &str {
    m.get("@odata.type").and_then(Value::as_str).unwrap_or("")
}

/// The user's methods, created (password only) when the seed gave none.
fn methods_of(u: &mut serde_json::Map<String, Value>) -> Option<&mut Vec<Value>> {
    let auth = u.entry("authentication").or_insert_with(|| json!({}));
    if !auth.is_object() {
        *auth = json!({});
    }
    let methods = auth.as_object_mut()?.entry("methods").or_insert_with(|| {
        json!([{"@odata.type": "#microsoft.graph.passwordAuthenticationMethod",
            "id": PASSWORD_METHOD_ID, "password": null}])
    });
    if !methods.is_array() {
        *methods = json!([]);
    }
    methods.as_array_mut()
}

fn authentication(
    ctx: &Ctx<'_>,
    u: &mut serde_json::Map<String, Value>,
    rest: &[&str],
    call: &GraphCall,
) -> Reply {
    let label = format!("authentication/{}", rest.join("/"));
    let Some(methods) = methods_of(u) else {
        return errors::error(
            500,
            "generalException",
            "authentication.methods is unreadable",
        );
    };
    match (call.method.as_str(), rest) {
        ("GET", ["methods"]) => {
            let items = methods.clone();
            list(ctx, &items, &label, call)
        }
        ("GET", ["methods", id]) => match methods.iter().find(|m| {
            m.get("id")
                .and_then(Value::as_str)
                .is_some_and(|x| eq(x, id))
        }) {
            Some(m) => Reply::json(200, m.clone()),
            None => errors::not_found(id),
        },
        ("POST", ["methods" | "passwordMethods", id, "resetPassword"]) => {
            if !eq(id, PASSWORD_METHOD_ID) {
                return errors::not_found(id);
            }
            let has_password = call
                .body
                .as_ref()
                .and_then(|b| b.get("newPassword"))
                .and_then(Value::as_str)
                .is_some_and(|p| !p.is_empty());
            if !has_password {
                return errors::bad_request("invalidRequest", "newPassword is required.");
            }
            u.insert(
                "lastPasswordChangeDateTime".into(),
                json!(rfc3339(unix_now())),
            );
            let operation = uuid::Uuid::new_v4();
            Reply::empty(202).header(
                "Location",
                format!(
                    "{}/users/{}/authentication/operations/{operation}",
                    ctx.base(),
                    u.get("id").and_then(Value::as_str).unwrap_or_default()
                ),
            )
        }
        ("DELETE", ["qrCodePinMethod"]) => {
            let before = methods.len();
            methods.retain(|m| !type_of(m).ends_with(".qrCodePinAuthenticationMethod"));
            if methods.len() == before {
                errors::not_found("qrCodePinMethod")
            } else {
                Reply::empty(204)
            }
        }
        (method, [collection, more @ ..]) => {
            let Some(kind) = method_type(collection) else {
                return errors::no_segment(collection);
            };
            let is_password = kind.ends_with(".passwordAuthenticationMethod");
            match (method, more) {
                ("GET", []) => {
                    let items: Vec<Value> = methods
                        .iter()
                        .filter(|m| eq(type_of(m), &kind))
                        .cloned()
                        .collect();
                    list(ctx, &items, &label, call)
                }
                ("GET", [id]) => match methods.iter().find(|m| {
                    eq(type_of(m), &kind)
                        && m.get("id")
                            .and_then(Value::as_str)
                            .is_some_and(|x| eq(x, id))
                }) {
                    Some(m) => Reply::json(200, m.clone()),
                    None => errors::not_found(id),
                },
                ("DELETE", [id]) => {
                    if is_password {
                        return errors::bad_request(
                            "badRequest",
                            "The password method of a user cannot be deleted.",
                        );
                    }
                    let at = methods.iter().position(|m| {
                        eq(type_of(m), &kind)
                            && m.get("id")
                                .and_then(Value::as_str)
                                .is_some_and(|x| eq(x, id))
                    });
                    match at {
                        Some(i) => {
                            methods.remove(i);
                            Reply::empty(204)
                        }
                        None => errors::not_found(id),
                    }
                }
                ("POST", []) if !is_password => {
                    let mut item = match &call.body {
                        Some(Value::Object(o)) => o.clone(),
                        _ => serde_json::Map::new(),
                    };
                    item.insert("@odata.type".into(), json!(kind));
                    item.insert("id".into(), json!(uuid::Uuid::new_v4().to_string()));
                    item.entry("createdDateTime")
                        .or_insert_with(|| json!(rfc3339(unix_now())));
                    let mut answer = None;
                    if kind.ends_with(".temporaryAccessPassAuthenticationMethod") {
                        item.entry("lifetimeInMinutes").or_insert(json!(60));
                        item.entry("isUsableOnce").or_insert(json!(false));
                        item.insert("methodUsabilityReason".into(), json!("EnabledByPolicy"));
                        // The pass code is in the creation answer only: Graph never lists it.
                        let mut created = item.clone();
                        created.insert(
                            "temporaryAccessPass".into(),
                            json!(uuid::Uuid::new_v4().simple().to_string()[..12].to_string()),
                        );
                        answer = Some(Value::Object(created));
                    }
                    let item = Value::Object(item);
                    methods.push(item.clone());
                    Reply::json(201, answer.unwrap_or(item))
                }
                (method, _) => errors::method_not_allowed(method, &call.path),
            }
        }
        (method, []) => errors::method_not_allowed(method, &call.path),
    }
}
