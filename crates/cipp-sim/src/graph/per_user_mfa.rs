//! Per-user MFA (the legacy "enforce MFA for this user" switch):
//! `GET|PATCH users/{id}/authentication/requirements`, a `strongAuthenticationRequirements`
//! object with `perUserMfaState` (`disabled`, `enabled` or `enforced`).
//!
//! The state is kept on the user object as `perUserMfaState` (the property Graph's beta user
//! shows), `disabled` until a seed or a write says otherwise, so a `$select` of users and the
//! per-user read agree. A PATCH with another value, or another property, is refused.

use std::sync::{PoisonError, RwLock};

use serde_json::{json, Value};

use super::call::{Ctx, GraphCall};
use super::errors;
use super::store::{is_item, TenantStore};
use crate::reply::Reply;

/// The states Graph accepts.
const STATES: [&str; 3] = ["disabled", "enabled", "enforced"];

/// Answer `call` when it is a per-user MFA read or write; `None` leaves it to the store.
pub(crate) fn serve(
    _ctx: &Ctx<'_>,
    lock: &RwLock<TenantStore>,
    segs: &[String],
    call: &GraphCall,
) -> Option<Reply> {
    let [users, id, authentication, requirements] = segs else {
        return None;
    };
    if !users.eq_ignore_ascii_case("users")
        || !authentication.eq_ignore_ascii_case("authentication")
        || !requirements.eq_ignore_ascii_case("requirements")
    {
        return None;
    }
    let mut store = lock.write().unwrap_or_else(PoisonError::into_inner);
    let Some(user) = store
        .root
        .get_mut("users")
        .and_then(Value::as_array_mut)
        .and_then(|all| all.iter_mut().find(|u| is_item(u, id)))
    else {
        return Some(errors::error(
            404,
            "Request_ResourceNotFound",
            &format!("Resource '{id}' does not exist or one of its queried reference-property objects are not present."),
        ));
    };
    match call.method.as_str() {
        "GET" => {
            let state = user["perUserMfaState"].as_str().unwrap_or("disabled");
            Some(Reply::json(
                200,
                json!({"@odata.context": "https://graph.microsoft.com/beta/$metadata#microsoft.graph.strongAuthenticationRequirements",
                    "perUserMfaState": state}),
            ))
        }
        "PATCH" => {
            let body = call.body.clone().unwrap_or(Value::Null);
            let Some(fields) = body.as_object() else {
                return Some(errors::bad_request(
                    "BadRequest",
                    "The body must be a JSON object.",
                ));
            };
            if let Some(other) = fields.keys().find(|k| *k != "perUserMfaState") {
                return Some(errors::bad_request(
                    "BadRequest",
                    &format!("Property '{other}' does not exist on type 'microsoft.graph.strongAuthenticationRequirements'."),
                ));
            }
            let wanted = fields.get("perUserMfaState").and_then(Value::as_str);
            let Some(state) =
                wanted.and_then(|w| STATES.iter().find(|s| s.eq_ignore_ascii_case(w)))
            else {
                return Some(errors::bad_request(
                    "BadRequest",
                    &format!(
                        "perUserMfaState must be one of {}; got {}.",
                        STATES.join(", "),
                        fields
                            .get("perUserMfaState")
                            .cloned()
                            .unwrap_or(Value::Null)
                    ),
                ));
            };
            if let Some(u) = user.as_object_mut() {
                u.insert("perUserMfaState".into(), json!(state));
            }
            Some(Reply::empty(204))
        }
        other => Some(errors::method_not_allowed(other, &call.path)),
    }
}
