//! User actions the generic store cannot express on its own:
//!
//! - `POST users/{id}/assignLicense`: adds and removes licences, checking the SKU exists, the
//!   user has a usage location and the subscription has a free seat; the SKU's
//!   `consumedUnits` follows.
//! - `DELETE users/{id}` moves the user to the recycle bin (`directory/deletedItems`);
//!   `POST directory/deletedItems/{id}/restore` moves it back; `DELETE directory/deletedItems/{id}`
//!   removes it for good; `directory/deletedItems/microsoft.graph.user` lists deleted users.
//! - `PUT|DELETE users/{id}/manager/$ref` and `GET users/{id}/manager` (the whole manager).
//! - `POST groups/{id}/members/$ref` and `DELETE groups/{id}/members/{m}/$ref` are refused for
//!   distribution lists and mail-enabled security groups, as Graph refuses them (Exchange
//!   owns their membership); other groups go on to the store.
//! - Intune `{policy}/assign` and `{policy}/assignments` (in `intune.rs`).
//! - `GET users/{id}/drive` and `users/{id}/drives`: the user's OneDrive, from the SharePoint
//!   sites (`ResourceNotFound` "User's mysite not found." when the user has none).
//! - Teams phone numbers: `admin/teams/telephoneNumberManagement/numberAssignments` (empty
//!   unless seeded) and its `unassignNumber` action.

use std::sync::{PoisonError, RwLock};

use serde_json::{json, Map, Value};

use super::call::{Ctx, GraphCall};
use super::errors;
use super::read;
use super::store::{is_item, Step, TenantStore, Walk};
use crate::clock::{rfc3339, unix_now};
use crate::reply::Reply;

/// Answer `call` when it is one of the user actions above; `None` leaves it to the store.
pub(crate) fn serve(
    ctx: &Ctx<'_>,
    lock: &RwLock<TenantStore>,
    segs: &[String],
    call: &GraphCall,
) -> Option<Reply> {
    let lower: Vec<String> = segs.iter().map(|s| s.to_ascii_lowercase()).collect();
    let lower: Vec<&str> = lower.iter().map(String::as_str).collect();
    let method = call.method.as_str();
    let write = || lock.write().unwrap_or_else(PoisonError::into_inner);
    if let ("POST", ["groups", _, "members", "$ref"])
    | ("DELETE", ["groups", _, "members", _, "$ref"]) = (method, lower.as_slice())
    {
        let store = lock.read().unwrap_or_else(PoisonError::into_inner);
        if let Some(reply) = refuse_exchange_group(&store, &segs[1]) {
            return Some(reply);
        }
    }
    let intune_root = lower
        .first()
        .is_some_and(|r| *r == "devicemanagement" || *r == "deviceappmanagement");
    if intune_root && segs.len() == 4 {
        match (method, lower[3]) {
            ("POST", "assign") => {
                return Some(super::intune::assign(&mut write(), &segs[..3], call))
            }
            ("GET", "assignments") => {
                return Some(super::intune::list_assignments(&mut write(), &segs[..3]))
            }
            _ => {}
        }
    }
    match (method, lower.as_slice()) {
        ("POST", ["users", _, "assignlicense"]) => {
            Some(assign_license(&mut write(), &segs[1], call))
        }
        ("DELETE", ["users", _]) => Some(soft_delete(&mut write(), &segs[1])),
        ("GET", ["directory", "deleteditems", cast]) if cast.starts_with("microsoft.graph.") => {
            let mut store = write();
            ensure_recycle_bin(&mut store);
            let kind = format!("#{}", &segs[2]);
            let only = store.root["directory"]["deletedItems"]
                .as_array()
                .map(|items| {
                    items
                        .iter()
                        .filter(|i| i["@odata.type"].as_str() == Some(kind.as_str()))
                        .cloned()
                        .collect::<Vec<_>>()
                })
                .unwrap_or_default();
            // Read the filtered list through the generic reader so $filter/$select/$top work.
            let view = TenantStore::new(json!({"items": only}));
            Some(read::read(ctx, &view, &["items".to_string()], call))
        }
        ("GET", ["directory", "deleteditems", ..]) => {
            let mut store = write();
            ensure_recycle_bin(&mut store);
            Some(read::read(ctx, &store, segs, call))
        }
        ("POST", ["directory", "deleteditems", _, "restore"]) => {
            Some(restore(&mut write(), &segs[2]))
        }
        ("DELETE", ["directory", "deleteditems", _]) => Some(purge(&mut write(), &segs[2])),
        ("PUT" | "POST", ["users", _, "manager", "$ref"]) => {
            Some(set_manager(&mut write(), &segs[1], call))
        }
        ("DELETE", ["users", _, "manager", "$ref"]) => Some(remove_manager(&mut write(), &segs[1])),
        ("GET", ["users", _, "drive" | "drives"]) => {
            let store = lock.read().unwrap_or_else(PoisonError::into_inner);
            Some(user_drive(ctx, &store, &segs[1], lower[2] == "drives"))
        }
        ("GET", ["users", _, "manager"]) => {
            let store = lock.read().unwrap_or_else(PoisonError::into_inner);
            Some(get_manager(&store, &segs[1]))
        }
        ("GET", ["admin", "teams", "telephonenumbermanagement", "numberassignments"]) => {
            let mut store = write();
            ensure_number_assignments(&mut store);
            Some(read::read(ctx, &store, segs, call))
        }
        (
            "POST",
            ["admin", "teams", "telephonenumbermanagement", "numberassignments", "unassignnumber"],
        ) => Some(unassign_number(&mut write(), call)),
        _ => None,
    }
}

/// Make sure `admin/teams/telephoneNumberManagement/numberAssignments` exists (empty when the
/// seed has no Teams phone numbers).
fn ensure_number_assignments(store: &mut TenantStore) {
    let mut cur = &mut store.root;
    for (i, key) in [
        "admin",
        "teams",
        "telephoneNumberManagement",
        "numberAssignments",
    ]
    .iter()
    .enumerate()
    {
        let Value::Object(o) = cur else {
            return;
        };
        let found = o.keys().find(|k| k.eq_ignore_ascii_case(key)).cloned();
        let k = found.unwrap_or_else(|| (*key).to_string());
        cur = o
            .entry(k)
            .or_insert_with(|| if i == 3 { json!([]) } else { json!({}) });
    }
}

/// `POST .../numberAssignments/unassignNumber {telephoneNumber, numberType}`: the number is
/// released (Graph answers 202 and finishes the operation in the background; here it is done
/// at once).
fn unassign_number(store: &mut TenantStore, call: &GraphCall) -> Reply {
    ensure_number_assignments(store);
    let body = call.body.clone().unwrap_or(Value::Null);
    let (Some(number), Some(kind)) = (
        body.get("telephoneNumber").and_then(Value::as_str),
        body.get("numberType").and_then(Value::as_str),
    ) else {
        return errors::bad_request(
            "BadRequest",
            "unassignNumber needs 'telephoneNumber' and 'numberType'.",
        );
    };
    let list = store.root["admin"]["teams"]["telephoneNumberManagement"]
        .get_mut("numberAssignments")
        .and_then(Value::as_array_mut);
    let Some(list) = list else {
        return errors::not_found(number);
    };
    let Some(item) = list.iter_mut().find(|n| {
        n["telephoneNumber"].as_str() == Some(number)
            && n["numberType"]
                .as_str()
                .is_some_and(|t| t.eq_ignore_ascii_case(kind))
    }) else {
        return errors::error(
            404,
            "NotFound",
            &format!("Telephone number '{number}' of type '{kind}' was not found."),
        );
    };
    if item["assignmentTargetId"].is_null() {
        return errors::bad_request(
            "BadRequest",
            &format!("Telephone number '{number}' is not assigned."),
        );
    }
    item["assignmentTargetId"] = Value::Null;
    item["assignmentStatus"] = json!("unassigned");
    Reply::empty(202)
}

/// The steps to user `id`, or Graph's 404.
fn user_steps(store: &TenantStore, id: &str) -> Result<Vec<Step>, Reply> {
    match store.walk(&["users".to_string(), id.to_string()]) {
        Walk::Found(steps) => Ok(steps),
        Walk::Missing { .. } => Err(errors::error(
            404,
            "Request_ResourceNotFound",
            &format!("Resource '{id}' does not exist or one of its queried reference-property objects are not present."),
        )),
    }
}

fn user_mut<'a>(store: &'a mut TenantStore, steps: &[Step]) -> Option<&'a mut Map<String, Value>> {
    store.get_mut(steps).and_then(Value::as_object_mut)
}

fn assign_license(store: &mut TenantStore, id: &str, call: &GraphCall) -> Reply {
    let steps = match user_steps(store, id) {
        Ok(s) => s,
        Err(r) => return r,
    };
    let body = call.body.clone().unwrap_or(Value::Null);
    let (Some(add), Some(remove)) = (
        body.get("addLicenses").and_then(Value::as_array).cloned(),
        body.get("removeLicenses")
            .and_then(Value::as_array)
            .cloned(),
    ) else {
        return errors::bad_request(
            "Request_BadRequest",
            "assignLicense needs both 'addLicenses' and 'removeLicenses' (either may be empty).",
        );
    };
    let skus = store.root["subscribedSkus"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let sku_of = |sku: &str| {
        skus.iter().position(|s| {
            s["skuId"]
                .as_str()
                .is_some_and(|x| x.eq_ignore_ascii_case(sku))
        })
    };
    let user = store.get(&steps).cloned().unwrap_or(Value::Null);
    let usage = user["usageLocation"].as_str().unwrap_or_default();
    if !add.is_empty() && usage.is_empty() {
        return errors::bad_request(
            "Request_BadRequest",
            "License assignment cannot be done for user with invalid usage location.",
        );
    }
    let mut assigned: Vec<Value> = user["assignedLicenses"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let held = |list: &[Value], sku: &str| {
        list.iter().position(|l| {
            l["skuId"]
                .as_str()
                .is_some_and(|x| x.eq_ignore_ascii_case(sku))
        })
    };
    let mut consumed: Vec<(usize, i64)> = Vec::new();
    for r in &remove {
        let Some(sku) = r.as_str() else {
            return errors::bad_request("Request_BadRequest", "removeLicenses holds SKU ids.");
        };
        let Some(at) = held(&assigned, sku) else {
            return errors::bad_request(
                "Request_BadRequest",
                &format!("User does not have a corresponding license: {sku}."),
            );
        };
        assigned.remove(at);
        if let Some(i) = sku_of(sku) {
            consumed.push((i, -1));
        }
    }
    for a in &add {
        let Some(sku) = a["skuId"].as_str() else {
            return errors::bad_request("Request_BadRequest", "addLicenses items need a skuId.");
        };
        let Some(i) = sku_of(sku) else {
            return errors::bad_request(
                "Request_BadRequest",
                &format!("License {sku} does not correspond to a valid company License."),
            );
        };
        let entry = json!({"skuId": skus[i]["skuId"], "disabledPlans": a.get("disabledPlans").cloned().unwrap_or(json!([]))});
        match held(&assigned, sku) {
            Some(at) => assigned[at] = entry,
            None => {
                let used = skus[i]["consumedUnits"].as_i64().unwrap_or(0);
                let bought = skus[i]["prepaidUnits"]["enabled"].as_i64().unwrap_or(0);
                if used >= bought {
                    return errors::bad_request(
                        "Request_BadRequest",
                        &format!("Subscription {sku} does not have any available licenses."),
                    );
                }
                assigned.push(entry);
                consumed.push((i, 1));
            }
        }
    }
    if let Some(u) = user_mut(store, &steps) {
        u.insert("assignedLicenses".into(), Value::Array(assigned));
    }
    if let Some(Value::Array(list)) = store.root.get_mut("subscribedSkus") {
        for (i, delta) in consumed {
            if let Some(Value::Object(s)) = list.get_mut(i) {
                let now = s.get("consumedUnits").and_then(Value::as_i64).unwrap_or(0);
                s.insert("consumedUnits".into(), json!((now + delta).max(0)));
            }
        }
    }
    store.touch(&steps);
    Reply::json(200, store.get(&steps).cloned().unwrap_or(Value::Null))
}

/// Make sure `directory/deletedItems` exists.
fn ensure_recycle_bin(store: &mut TenantStore) {
    let Value::Object(root) = &mut store.root else {
        return;
    };
    let dir = root.entry("directory").or_insert_with(|| json!({}));
    if let Value::Object(d) = dir {
        d.entry("deletedItems").or_insert_with(|| json!([]));
    }
}

fn soft_delete(store: &mut TenantStore, id: &str) -> Reply {
    let steps = match user_steps(store, id) {
        Ok(s) => s,
        Err(r) => return r,
    };
    let Some((Step::Index(i), parent)) = steps.split_last() else {
        return errors::not_found(id);
    };
    let Some(Value::Array(users)) = store.get_mut(parent) else {
        return errors::not_found(id);
    };
    let mut user = users.remove(*i);
    let uid = user["id"].as_str().unwrap_or_default().to_string();
    if let Value::Object(u) = &mut user {
        u.insert("deletedDateTime".into(), json!(rfc3339(unix_now())));
        u.insert("@odata.type".into(), json!("#microsoft.graph.user"));
    }
    store.record("users".into(), uid.clone(), true);
    ensure_recycle_bin(store);
    if let Some(Value::Array(bin)) = store.root["directory"].get_mut("deletedItems") {
        bin.push(user);
    }
    store.record("directory/deletedItems".into(), uid, false);
    Reply::empty(204)
}

/// Take item `id` out of the recycle bin.
fn take_deleted(store: &mut TenantStore, id: &str) -> Option<Value> {
    ensure_recycle_bin(store);
    let Value::Array(bin) = store.root["directory"].get_mut("deletedItems")? else {
        return None;
    };
    let at = bin.iter().position(|x| is_item(x, id))?;
    let item = bin.remove(at);
    let uid = item["id"].as_str().unwrap_or_default().to_string();
    store.record("directory/deletedItems".into(), uid, true);
    Some(item)
}

fn deleted_not_found(id: &str) -> Reply {
    errors::error(
        404,
        "Request_ResourceNotFound",
        &format!("Resource '{id}' does not exist or one of its queried reference-property objects are not present."),
    )
}

fn restore(store: &mut TenantStore, id: &str) -> Reply {
    let upn_taken = |store: &TenantStore, upn: &str| {
        store.root["users"].as_array().is_some_and(|users| {
            users.iter().any(|u| {
                u["userPrincipalName"]
                    .as_str()
                    .is_some_and(|x| x.eq_ignore_ascii_case(upn))
            })
        })
    };
    let Some(item) = store
        .root
        .get("directory")
        .and_then(|d| d.get("deletedItems"))
        .and_then(Value::as_array)
        .and_then(|bin| bin.iter().find(|x| is_item(x, id)).cloned())
    else {
        return deleted_not_found(id);
    };
    if let Some(upn) = item["userPrincipalName"].as_str() {
        if upn_taken(store, upn) {
            return errors::bad_request(
                "Request_BadRequest",
                &format!("Another object with the same value for property userPrincipalName already exists: '{upn}'."),
            );
        }
    }
    let Some(mut item) = take_deleted(store, id) else {
        return deleted_not_found(id);
    };
    if let Value::Object(o) = &mut item {
        o.insert("deletedDateTime".into(), Value::Null);
    }
    let uid = item["id"].as_str().unwrap_or_default().to_string();
    let mut listed = item.clone();
    if let Value::Object(o) = &mut item {
        o.remove("deletedDateTime");
        o.remove("@odata.type");
    }
    if let Value::Object(root) = &mut store.root {
        if let Value::Array(users) = root.entry("users").or_insert_with(|| json!([])) {
            users.push(item);
        }
    }
    store.record("users".into(), uid, false);
    if let Value::Object(o) = &mut listed {
        o.insert("@odata.type".into(), json!("#microsoft.graph.user"));
    }
    Reply::json(200, listed)
}

fn purge(store: &mut TenantStore, id: &str) -> Reply {
    match take_deleted(store, id) {
        Some(_) => Reply::empty(204),
        None => deleted_not_found(id),
    }
}

fn set_manager(store: &mut TenantStore, id: &str, call: &GraphCall) -> Reply {
    let steps = match user_steps(store, id) {
        Ok(s) => s,
        Err(r) => return r,
    };
    let Some(reference) = call
        .body
        .as_ref()
        .and_then(|b| b.get("@odata.id"))
        .and_then(Value::as_str)
    else {
        return errors::bad_request(
            "BadRequest",
            "A reference body needs an '@odata.id' property.",
        );
    };
    let last = reference
        .trim_end_matches('/')
        .rsplit('/')
        .next()
        .unwrap_or_default();
    let manager = match last.split_once("('") {
        Some((_, rest)) => rest.trim_end_matches("')"),
        None => last,
    };
    let manager_steps = match user_steps(store, manager) {
        Ok(s) => s,
        Err(r) => return r,
    };
    let manager_id = store
        .get(&manager_steps)
        .and_then(|m| m.get("id"))
        .cloned()
        .unwrap_or(Value::Null);
    if manager_steps == steps {
        return errors::bad_request("Request_BadRequest", "A user cannot be their own manager.");
    }
    if let Some(u) = user_mut(store, &steps) {
        u.insert("manager".into(), json!({"id": manager_id}));
    }
    store.touch(&steps);
    Reply::empty(204)
}

fn remove_manager(store: &mut TenantStore, id: &str) -> Reply {
    let steps = match user_steps(store, id) {
        Ok(s) => s,
        Err(r) => return r,
    };
    let had = user_mut(store, &steps).and_then(|u| u.remove("manager"));
    if had.is_none() {
        return errors::error(
            404,
            "Request_ResourceNotFound",
            "Resource 'manager' does not exist or one of its queried reference-property objects are not present.",
        );
    }
    store.touch(&steps);
    Reply::empty(204)
}

fn get_manager(store: &TenantStore, id: &str) -> Reply {
    let steps = match user_steps(store, id) {
        Ok(s) => s,
        Err(r) => return r,
    };
    let manager_id = store
        .get(&steps)
        .and_then(|u| u.get("manager"))
        .and_then(|m| m.get("id"))
        .and_then(Value::as_str)
        .map(str::to_string);
    let manager = manager_id
        .and_then(|m| user_steps(store, &m).ok())
        .and_then(|s| store.get(&s).cloned());
    match manager {
        Some(mut m) => {
            if let Value::Object(o) = &mut m {
                o.insert("@odata.type".into(), json!("#microsoft.graph.user"));
                o.remove("manager");
            }
            Reply::json(200, m)
        }
        None => errors::error(
            404,
            "Request_ResourceNotFound",
            "Resource 'manager' does not exist or one of its queried reference-property objects are not present.",
        ),
    }
}

/// `GET users/{id}/drive` (one drive) or `users/{id}/drives` (a collection).
fn user_drive(ctx: &Ctx<'_>, store: &TenantStore, id: &str, collection: bool) -> Reply {
    let steps = match user_steps(store, id) {
        Ok(s) => s,
        Err(reply) => return reply,
    };
    let user_id = store
        .get(&steps)
        .and_then(|u| u["id"].as_str())
        .unwrap_or(id)
        .to_string();
    match (
        ctx.state.sharepoint.drive_of(ctx.tenant, &user_id),
        collection,
    ) {
        (Some(drive), false) => Reply::json(200, drive),
        (Some(drive), true) => Reply::json(200, json!({"value": [drive]})),
        (None, false) => Reply::json(
            404,
            json!({"error": {"code": "ResourceNotFound", "message": "User's mysite not found."}}),
        ),
        (None, true) => Reply::json(200, json!({"value": []})),
    }
}

/// Graph's refusal to change the members of a distribution list or mail-enabled security
/// group; `None` for other groups (and unknown ones, which the store answers).
fn refuse_exchange_group(store: &TenantStore, group: &str) -> Option<Reply> {
    let groups = store.root.get("groups")?.as_array()?;
    let g = groups.iter().find(|g| {
        g["id"]
            .as_str()
            .is_some_and(|id| id.eq_ignore_ascii_case(group))
    })?;
    let unified = g["groupTypes"]
        .as_array()
        .is_some_and(|t| t.iter().any(|x| x.as_str() == Some("Unified")));
    (g["mailEnabled"] == json!(true) && !unified).then(|| {
        errors::bad_request(
            "Request_BadRequest",
            "Cannot Update a mail-enabled security groups and or distribution list.",
        )
    })
}
