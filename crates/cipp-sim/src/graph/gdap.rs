//! GDAP (`tenantRelationships/...`) on top of the generic store: the relationship and access
//! assignment state machines, `@odata.etag` with `If-Match` on every change, and
//! `findTenantInformationByTenantId`. Reads of stored objects fall through to the generic
//! reader, so `$filter`, `$select` and paging work as everywhere else.
//!
//! Lifecycle: `POST` creates a relationship in `created`; `requests {"action":
//! "lockForApproval"}` moves it to `approvalPending`; the customer's approval (the control API
//! or [`crate::Sim::approve_relationship`]) makes it `active`; `requests {"action":
//! "terminate"}` ends it. Access assignments can be made on active relationships only, for
//! roles the relationship holds, to security groups of the partner tenant.

use serde_json::{json, Map, Value};

use super::call::{Ctx, GraphCall};
use super::store::{is_item, Step, TenantStore, Walk};
use super::{errors, read};
use crate::clock::{rfc3339, unix_now};
use crate::reply::Reply;

/// Global Administrator: Graph refuses auto-extend on relationships that hold it.
pub(crate) const GLOBAL_ADMINISTRATOR: &str = "62e90394-69f5-4237-9190-012177145e10";
const RELATIONSHIPS: &str = "delegatedAdminRelationships";
const CHILDREN: [&str; 3] = ["accessAssignments", "requests", "operations"];
/// Where each relationship's child collections live, keyed by relationship id: beside the
/// relationships rather than inside them, so a relationship reads as Graph shows it.
const CHILD_STORE: &str = "delegatedAdminRelationshipChildren";
/// Longest relationship Graph accepts, in days.
const MAX_DAYS: u64 = 730;

fn new_etag() -> String {
    format!("W/\"{}\"", uuid::Uuid::new_v4().simple())
}

fn now() -> String {
    rfc3339(unix_now())
}

/// Whether `segs` (decoded, below the version) is a `tenantRelationships` call.
pub(crate) fn handles(segs: &[String]) -> bool {
    segs.first()
        .is_some_and(|s| s.eq_ignore_ascii_case("tenantRelationships"))
}

/// Answer a `tenantRelationships/...` call, or `None` for a plain read of stored objects.
pub(crate) fn serve(
    ctx: &Ctx<'_>,
    store: &mut TenantStore,
    segs: &[String],
    call: &GraphCall,
) -> Option<Reply> {
    let rest = &segs[1..];
    if let Some(first) = rest.first() {
        if first.starts_with("findTenantInformationBy") {
            return Some(find_tenant(ctx, first, call));
        }
    }
    if rest.is_empty() || !rest[0].eq_ignore_ascii_case(RELATIONSHIPS) {
        return None;
    }
    ensure_children(store);
    let method = call.method.as_str();
    Some(match (method, rest.len()) {
        ("GET" | "HEAD", n)
            if n >= 3 && CHILDREN.iter().any(|c| c.eq_ignore_ascii_case(&rest[2])) =>
        {
            if relationship_mut(store, &rest[1]).is_err() {
                return Some(errors::not_found(&rest[1]));
            }
            let mut inner = vec![segs[0].clone(), CHILD_STORE.to_string()];
            inner.extend(rest[1..].iter().cloned());
            read::read(ctx, store, &inner, call)
        }
        ("GET" | "HEAD", _) => return None,
        ("POST", 1) => create_relationship(store, call),
        ("PATCH", 2) => update_relationship(store, &rest[1], call),
        ("DELETE", 2) => delete_relationship(store, &rest[1], call),
        ("POST", 3) if rest[2].eq_ignore_ascii_case("requests") => {
            relationship_request(store, &rest[1], call)
        }
        ("POST", 3) if rest[2].eq_ignore_ascii_case("accessAssignments") => {
            create_assignment(store, &rest[1], call)
        }
        ("PATCH", 4) if rest[2].eq_ignore_ascii_case("accessAssignments") => {
            update_assignment(store, &rest[1], &rest[3], call)
        }
        ("DELETE", 4) if rest[2].eq_ignore_ascii_case("accessAssignments") => {
            delete_assignment(store, &rest[1], &rest[3], call)
        }
        _ => errors::method_not_allowed(method, &segs.join("/")),
    })
}

/// Every relationship has an etag and child collections (a seed may write them inside the
/// relationship or leave them out; Graph always has them).
fn ensure_children(store: &mut TenantStore) {
    let Some(list) = relationships_mut(store) else {
        return;
    };
    let mut moved = Vec::new();
    for rel in list.iter_mut().filter_map(Value::as_object_mut) {
        rel.entry("@odata.etag")
            .or_insert_with(|| json!(new_etag()));
        let id = rel
            .get("id")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        let mut kids = Map::new();
        for c in CHILDREN {
            kids.insert(c.into(), rel.remove(c).unwrap_or_else(|| json!([])));
        }
        moved.push((id, kids));
    }
    let Some(children) = child_list(store) else {
        return;
    };
    for (id, kids) in moved {
        if let Some(existing) = children.iter_mut().find(|c| is_item(c, &id)) {
            // Children already kept aside win; ones a seed wrote inline fill the gaps.
            if let Some(o) = existing.as_object_mut() {
                for (k, v) in kids {
                    o.entry(k).or_insert(v);
                }
            }
        } else {
            let mut entry = kids;
            entry.insert("id".into(), json!(id));
            children.push(Value::Object(entry));
        }
    }
}

fn child_list(store: &mut TenantStore) -> Option<&mut Vec<Value>> {
    let root = store.get_mut(&[])?.as_object_mut()?;
    let tr = root.get_mut("tenantRelationships")?.as_object_mut()?;
    tr.entry(CHILD_STORE)
        .or_insert_with(|| json!([]))
        .as_array_mut()
}

/// The child collection `name` of relationship `id`.
fn children_mut<'a>(
    store: &'a mut TenantStore,
    id: &str,
    name: &str,
) -> Result<&'a mut Vec<Value>, Reply> {
    child_list(store)
        .and_then(|l| l.iter_mut().find(|c| is_item(c, id)))
        .and_then(|c| c.get_mut(name))
        .and_then(Value::as_array_mut)
        .ok_or_else(|| errors::not_found(id))
}

fn relationships_mut(store: &mut TenantStore) -> Option<&mut Vec<Value>> {
    let steps = match store.walk(&["tenantRelationships".into(), RELATIONSHIPS.into()]) {
        Walk::Found(steps) => steps,
        Walk::Missing { .. } => {
            let root = store.get_mut(&[])?.as_object_mut()?;
            let tr = root
                .entry("tenantRelationships")
                .or_insert_with(|| json!({}))
                .as_object_mut()?;
            tr.entry(RELATIONSHIPS).or_insert_with(|| json!([]));
            vec![
                Step::Key("tenantRelationships".into()),
                Step::Key(RELATIONSHIPS.into()),
            ]
        }
    };
    store.get_mut(&steps)?.as_array_mut()
}

fn relationship_mut<'a>(store: &'a mut TenantStore, id: &str) -> Result<&'a mut Value, Reply> {
    relationships_mut(store)
        .and_then(|l| l.iter_mut().find(|r| is_item(r, id)))
        .ok_or_else(|| errors::not_found(id))
}

fn body_object(call: &GraphCall) -> Result<&Map<String, Value>, Reply> {
    call.body
        .as_ref()
        .and_then(Value::as_object)
        .ok_or_else(|| errors::bad_request("BadRequest", "A JSON object body is required."))
}

/// `If-Match` must name the object's current etag (`*` matches any).
fn check_if_match(call: &GraphCall, current: &Value, required: bool) -> Result<(), Reply> {
    let etag = current.get("@odata.etag").and_then(Value::as_str);
    match call.header("if-match") {
        None if required => Err(errors::error(
            400,
            "BadRequest",
            "The 'If-Match' header is required for this request.",
        )),
        None => Ok(()),
        Some("*") => Ok(()),
        Some(given) if Some(given.trim()) == etag => Ok(()),
        Some(_) => Err(errors::error(
            412,
            "PreconditionFailed",
            "The resource has been modified since it was read: the 'If-Match' etag does not match.",
        )),
    }
}

fn status_of(v: &Value) -> &str {
    v.get("status").and_then(Value::as_str).unwrap_or_default()
}

fn roles_of(v: &Value) -> Vec<String> {
    v.pointer("/accessDetails/unifiedRoles")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|r| r.get("roleDefinitionId").and_then(Value::as_str))
                .map(str::to_ascii_lowercase)
                .collect()
        })
        .unwrap_or_default()
}

/// Validate `accessDetails.unifiedRoles`: a non-empty list of GUID role ids.
fn check_roles(body: &Map<String, Value>) -> Result<Vec<String>, Reply> {
    let details = Value::Object(body.clone());
    let list = details
        .pointer("/accessDetails/unifiedRoles")
        .and_then(Value::as_array);
    let bad = |m: &str| errors::bad_request("Request_BadRequest", m);
    let Some(list) = list.filter(|l| !l.is_empty()) else {
        return Err(bad(
            "accessDetails.unifiedRoles must list at least one role.",
        ));
    };
    list.iter()
        .map(|r| {
            r.get("roleDefinitionId")
                .and_then(Value::as_str)
                .filter(|id| uuid::Uuid::parse_str(id).is_ok())
                .map(str::to_ascii_lowercase)
                .ok_or_else(|| bad("Each unifiedRoles item needs a roleDefinitionId GUID."))
        })
        .collect()
}

/// Days of an ISO 8601 `P{n}D` duration.
fn duration_days(s: &str) -> Option<u64> {
    s.strip_prefix('P')?.strip_suffix('D')?.parse().ok()
}

fn check_auto_extend(value: &str, roles: &[String]) -> Result<(), Reply> {
    match value {
        "PT0S" => Ok(()),
        "P180D" if roles.iter().any(|r| r == GLOBAL_ADMINISTRATOR) => Err(errors::bad_request(
            "Request_BadRequest",
            "Auto-extend is not supported for relationships that include the Global Administrator role.",
        )),
        "P180D" => Ok(()),
        other => Err(errors::bad_request(
            "Request_BadRequest",
            &format!("autoExtendDuration must be 'PT0S' or 'P180D', not '{other}'."),
        )),
    }
}

fn create_relationship(store: &mut TenantStore, call: &GraphCall) -> Reply {
    let body = match body_object(call) {
        Ok(b) => b.clone(),
        Err(r) => return r,
    };
    let bad = |m: &str| errors::bad_request("Request_BadRequest", m);
    let name = body
        .get("displayName")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .trim()
        .to_string();
    if name.is_empty() || name.chars().count() > 50 {
        return bad("displayName is required and must be at most 50 characters.");
    }
    let duration = body
        .get("duration")
        .and_then(Value::as_str)
        .unwrap_or_default();
    match duration_days(duration) {
        Some(d) if (1..=MAX_DAYS).contains(&d) => {}
        _ => return bad("duration must be an ISO 8601 duration between P1D and P730D."),
    }
    let roles = match check_roles(&body) {
        Ok(r) => r,
        Err(r) => return r,
    };
    let auto = body
        .get("autoExtendDuration")
        .and_then(Value::as_str)
        .unwrap_or("PT0S");
    if let Err(r) = check_auto_extend(auto, &roles) {
        return r;
    }
    let Some(list) = relationships_mut(store) else {
        return errors::error(
            500,
            "InternalServerError",
            "tenantRelationships is not an object",
        );
    };
    let taken = list.iter().any(|r| {
        r.get("displayName").and_then(Value::as_str) == Some(name.as_str())
            && status_of(r) != "terminated"
    });
    if taken {
        return bad(&format!(
            "A relationship with the display name '{name}' already exists."
        ));
    }
    let at = now();
    let rel = json!({
        "@odata.etag": new_etag(),
        "id": format!("{}-{}", uuid::Uuid::new_v4(), &uuid::Uuid::new_v4().simple().to_string()[..8]),
        "displayName": name,
        "duration": duration,
        "status": "created",
        "autoExtendDuration": auto,
        "createdDateTime": at,
        "lastModifiedDateTime": at,
        "activatedDateTime": null,
        "endDateTime": null,
        "customer": body.get("customer").cloned().unwrap_or(Value::Null),
        "accessDetails": body.get("accessDetails").cloned().unwrap_or(Value::Null),
    });
    list.push(rel.clone());
    ensure_children(store);
    Reply::json(201, rel)
}

fn update_relationship(store: &mut TenantStore, id: &str, call: &GraphCall) -> Reply {
    let body = match body_object(call) {
        Ok(b) => b.clone(),
        Err(r) => return r,
    };
    let rel = match relationship_mut(store, id) {
        Ok(r) => r,
        Err(r) => return r,
    };
    if let Err(r) = check_if_match(call, rel, true) {
        return r;
    }
    let bad = |m: String| errors::bad_request("Request_BadRequest", &m);
    let status = status_of(rel).to_string();
    let allowed: &[&str] = match status.as_str() {
        "created" => &[
            "displayName",
            "duration",
            "accessDetails",
            "autoExtendDuration",
            "customer",
        ],
        "active" => &["accessDetails", "autoExtendDuration"],
        other => {
            return bad(format!(
                "A relationship in status '{other}' cannot be updated."
            ))
        }
    };
    if let Some(k) = body.keys().find(|k| !allowed.contains(&k.as_str())) {
        return bad(format!(
            "Property '{k}' cannot be updated on a relationship in status '{status}'."
        ));
    }
    let mut roles = roles_of(rel);
    if body.contains_key("accessDetails") {
        let new_roles = match check_roles(&body) {
            Ok(r) => r,
            Err(r) => return r,
        };
        if status == "active" && new_roles.iter().any(|r| !roles.contains(r)) {
            return bad(
                "Roles can only be removed from an active relationship; a new role needs a new relationship."
                    .into(),
            );
        }
        roles = new_roles;
    }
    if let Some(d) = body.get("duration").and_then(Value::as_str) {
        if !duration_days(d).is_some_and(|n| (1..=MAX_DAYS).contains(&n)) {
            return bad("duration must be between P1D and P730D.".into());
        }
    }
    let auto = body
        .get("autoExtendDuration")
        .and_then(Value::as_str)
        .or_else(|| rel.get("autoExtendDuration").and_then(Value::as_str))
        .unwrap_or("PT0S")
        .to_string();
    if let Err(r) = check_auto_extend(&auto, &roles) {
        return r;
    }
    let Some(obj) = rel.as_object_mut() else {
        return errors::not_found(id);
    };
    for (k, v) in body {
        obj.insert(k, v);
    }
    obj.insert("@odata.etag".into(), json!(new_etag()));
    obj.insert("lastModifiedDateTime".into(), json!(now()));
    let answer = rel.clone();
    store.touch(&[]);
    Reply::json(200, answer)
}

fn delete_relationship(store: &mut TenantStore, id: &str, call: &GraphCall) -> Reply {
    let rel = match relationship_mut(store, id) {
        Ok(r) => r,
        Err(r) => return r,
    };
    if let Err(r) = check_if_match(call, rel, true) {
        return r;
    }
    if status_of(rel) != "created" {
        return errors::bad_request(
            "Request_BadRequest",
            &format!(
                "Only relationships in status 'created' can be deleted; this one is '{}'. Terminate it instead.",
                status_of(rel)
            ),
        );
    }
    if let Some(list) = relationships_mut(store) {
        list.retain(|r| !is_item(r, id));
    }
    Reply::empty(204)
}

fn relationship_request(store: &mut TenantStore, id: &str, call: &GraphCall) -> Reply {
    let action = match body_object(call) {
        Ok(b) => b
            .get("action")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string(),
        Err(r) => return r,
    };
    let rel = match relationship_mut(store, id) {
        Ok(r) => r,
        Err(r) => return r,
    };
    if let Err(r) = check_if_match(call, rel, false) {
        return r;
    }
    let status = status_of(rel).to_string();
    let (needed, next) = match action.as_str() {
        "lockForApproval" => ("created", "approvalPending"),
        "terminate" => ("active", "terminated"),
        "approve" => {
            return errors::error(
                403,
                "Forbidden",
                "Only the customer can approve a relationship, from the invitation link.",
            )
        }
        other => {
            return errors::bad_request(
                "Request_BadRequest",
                &format!("Unknown action '{other}' (expected lockForApproval or terminate)."),
            )
        }
    };
    if status != needed {
        return errors::bad_request(
            "Request_BadRequest",
            &format!("The action '{action}' needs a relationship in status '{needed}'; this one is '{status}'."),
        );
    }
    let at = now();
    let request = json!({
        "id": uuid::Uuid::new_v4().to_string(),
        "action": action,
        "status": "succeeded",
        "createdDateTime": at,
        "lastModifiedDateTime": at,
    });
    let Some(obj) = rel.as_object_mut() else {
        return errors::not_found(id);
    };
    obj.insert("status".into(), json!(next));
    obj.insert("@odata.etag".into(), json!(new_etag()));
    obj.insert("lastModifiedDateTime".into(), json!(at));
    if next == "terminated" {
        obj.insert("endDateTime".into(), json!(at));
    }
    if let Ok(list) = children_mut(store, id, "requests") {
        list.push(request.clone());
    }
    let mut answer = request;
    answer["status"] = json!("created");
    Reply::json(201, answer)
}

/// The partner's security group ids (access containers must be one of them).
fn group_exists(store: &TenantStore, id: &str) -> bool {
    store
        .get(&[Step::Key("groups".into())])
        .and_then(Value::as_array)
        .is_some_and(|g| {
            g.iter().any(|x| {
                is_item(x, id) && x.get("securityEnabled").and_then(Value::as_bool) != Some(false)
            })
        })
}

fn assignments_mut<'a>(
    store: &'a mut TenantStore,
    rel_id: &str,
) -> Result<&'a mut Vec<Value>, Reply> {
    relationship_mut(store, rel_id)?;
    children_mut(store, rel_id, "accessAssignments")
}

fn create_assignment(store: &mut TenantStore, rel_id: &str, call: &GraphCall) -> Reply {
    let body = match body_object(call) {
        Ok(b) => b.clone(),
        Err(r) => return r,
    };
    let bad = |m: String| errors::bad_request("Request_BadRequest", &m);
    let rel_roles = match relationship_mut(store, rel_id) {
        Ok(rel) if status_of(rel) != "active" => {
            return bad(format!(
                "Access assignments need an active relationship; this one is '{}'.",
                status_of(rel)
            ))
        }
        Ok(rel) => roles_of(rel),
        Err(r) => return r,
    };
    let container = body
        .get("accessContainer")
        .and_then(|c| c.get("accessContainerId"))
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    if !group_exists(store, &container) {
        return bad(format!(
            "The access container '{container}' does not exist or is not a security group."
        ));
    }
    let roles = match check_roles(&body) {
        Ok(r) => r,
        Err(r) => return r,
    };
    if let Some(r) = roles.iter().find(|r| !rel_roles.contains(r)) {
        return bad(format!(
            "The role '{r}' is not part of the relationship's access details."
        ));
    }
    let list = match assignments_mut(store, rel_id) {
        Ok(l) => l,
        Err(r) => return r,
    };
    let duplicate = list.iter().any(|a| {
        a.pointer("/accessContainer/accessContainerId")
            .and_then(Value::as_str)
            .is_some_and(|c| c.eq_ignore_ascii_case(&container))
            && !matches!(status_of(a), "deleted" | "deleting")
    });
    if duplicate {
        return errors::error(
            409,
            "Conflict",
            &format!("The access container '{container}' already has an assignment in this relationship."),
        );
    }
    let at = now();
    let mut item = json!({
        "@odata.etag": new_etag(),
        "id": uuid::Uuid::new_v4().to_string(),
        "status": "active",
        "createdDateTime": at,
        "lastModifiedDateTime": at,
        "accessContainer": {"accessContainerId": container, "accessContainerType": "securityGroup"},
        "accessDetails": body.get("accessDetails").cloned().unwrap_or(Value::Null),
    });
    list.push(item.clone());
    // Graph answers while the assignment is still being provisioned; it reads `active` later.
    item["status"] = json!("pending");
    Reply::json(201, item)
}

fn assignment_mut<'a>(
    store: &'a mut TenantStore,
    rel_id: &str,
    id: &str,
) -> Result<&'a mut Value, Reply> {
    assignments_mut(store, rel_id)?
        .iter_mut()
        .find(|a| is_item(a, id))
        .ok_or_else(|| errors::not_found(id))
}

fn update_assignment(store: &mut TenantStore, rel_id: &str, id: &str, call: &GraphCall) -> Reply {
    let body = match body_object(call) {
        Ok(b) => b.clone(),
        Err(r) => return r,
    };
    let rel_roles = match relationship_mut(store, rel_id) {
        Ok(rel) => roles_of(rel),
        Err(r) => return r,
    };
    let roles = match check_roles(&body) {
        Ok(r) => r,
        Err(r) => return r,
    };
    if let Some(r) = roles.iter().find(|r| !rel_roles.contains(r)) {
        return errors::bad_request(
            "Request_BadRequest",
            &format!("The role '{r}' is not part of the relationship's access details."),
        );
    }
    let item = match assignment_mut(store, rel_id, id) {
        Ok(a) => a,
        Err(r) => return r,
    };
    if let Err(r) = check_if_match(call, item, true) {
        return r;
    }
    item["accessDetails"] = body.get("accessDetails").cloned().unwrap_or(Value::Null);
    item["@odata.etag"] = json!(new_etag());
    item["lastModifiedDateTime"] = json!(now());
    Reply::json(200, item.clone())
}

fn delete_assignment(store: &mut TenantStore, rel_id: &str, id: &str, call: &GraphCall) -> Reply {
    let item = match assignment_mut(store, rel_id, id) {
        Ok(a) => a,
        Err(r) => return r,
    };
    if let Err(r) = check_if_match(call, item, true) {
        return r;
    }
    // Graph keeps deleted assignments visible with their status.
    item["status"] = json!("deleted");
    item["@odata.etag"] = json!(new_etag());
    item["lastModifiedDateTime"] = json!(now());
    Reply::empty(204)
}

/// `findTenantInformationByTenantId(tenantId='...')` / `findTenantInformationByDomainName(domainName='...')`.
fn find_tenant(ctx: &Ctx<'_>, seg: &str, call: &GraphCall) -> Reply {
    if call.method != "GET" {
        return errors::method_not_allowed(&call.method, seg);
    }
    let key = seg
        .split_once('=')
        .map(|(_, v)| v.trim_end_matches(')').trim_matches('\''))
        .unwrap_or_default();
    let dir = &ctx.state.directory;
    match dir.resolve(key).and_then(|g| dir.get(g)) {
        Some(t) => Reply::json(
            200,
            json!({
                "@odata.context": format!("{}/$metadata#microsoft.graph.tenantInformation", ctx.base()),
                "tenantId": t.id,
                "displayName": t.display_name,
                "defaultDomainName": t.default_domain,
                "federationBrandName": null,
            }),
        ),
        None => errors::not_found(key),
    }
}

/// The customer approves a pending invitation: the relationship becomes active for
/// `customer` (GUID) with its end date `duration` from now.
pub(crate) fn approve(
    store: &mut TenantStore,
    id: &str,
    customer_id: &str,
    customer_name: &str,
) -> Result<Value, String> {
    ensure_children(store);
    let rel = relationship_mut(store, id).map_err(|_| format!("no relationship '{id}'"))?;
    if status_of(rel) != "approvalPending" {
        return Err(format!(
            "relationship '{id}' is '{}', not 'approvalPending'",
            status_of(rel)
        ));
    }
    let days = rel
        .get("duration")
        .and_then(Value::as_str)
        .and_then(duration_days)
        .unwrap_or(MAX_DAYS);
    let days = i64::try_from(days).unwrap_or(730);
    let now_secs = unix_now();
    let obj = rel
        .as_object_mut()
        .ok_or_else(|| "relationship is not an object".to_string())?;
    obj.insert("status".into(), json!("active"));
    obj.insert(
        "customer".into(),
        json!({"tenantId": customer_id, "displayName": customer_name}),
    );
    obj.insert("activatedDateTime".into(), json!(rfc3339(now_secs)));
    obj.insert(
        "endDateTime".into(),
        json!(rfc3339(now_secs + days * 86_400)),
    );
    obj.insert("lastModifiedDateTime".into(), json!(rfc3339(now_secs)));
    obj.insert("@odata.etag".into(), json!(new_etag()));
    Ok(rel.clone())
}
