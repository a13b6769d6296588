//! Writes: POST creates in a collection, PATCH merges, PUT replaces (or creates), DELETE
//! removes an item, and `/$ref` adds or removes references (`members/$ref`).
//!
//! PATCH follows OData's rules for nested values: a complex property (a JSON object) given in
//! the body is merged into the current one, so `{"inboundTrust": {"isMfaAccepted": true}}`
//! leaves the other trust settings alone; collections (arrays) and plain values are replaced.

use serde_json::{json, Map, Value};

use super::call::{Ctx, GraphCall};
use super::errors;
use super::read::missing;
use super::store::{is_item, Step, TenantStore, Walk};
use crate::clock::{rfc3339, unix_now};
use crate::reply::Reply;

/// Properties that must be unique within a collection, besides `id`.
const UNIQUE: [(&str, &str); 1] = [("users", "userPrincipalName")];

fn object_body(call: &GraphCall) -> Result<Map<String, Value>, Reply> {
    match &call.body {
        Some(Value::Object(o)) => Ok(o.clone()),
        _ => Err(errors::bad_request(
            "BadRequest",
            "Write requests (POST, PATCH, PUT) need a JSON object body.",
        )),
    }
}

/// Answer a write on decoded path segments.
pub(crate) fn write(
    ctx: &Ctx<'_>,
    store: &mut TenantStore,
    segs: &[String],
    call: &GraphCall,
) -> Reply {
    let (last, parent) = segs.split_last().unwrap_or((&segs[0], &[]));
    if last.eq_ignore_ascii_case("$ref") && !parent.is_empty() {
        return refs(store, parent, call);
    }
    if call.method == "POST" && last.eq_ignore_ascii_case("updateDefinitionValues") {
        return super::intune::update_definition_values(store, parent, call);
    }
    match call.method.as_str() {
        "POST" => create(ctx, store, segs, call),
        "PATCH" => update(store, segs, call),
        "PUT" => replace(ctx, store, segs, call),
        _ => delete(store, segs, call),
    }
}

/// The entity answer for a created item.
fn created(ctx: &Ctx<'_>, label: &str, location: String, item: &Value) -> Reply {
    let mut body = Map::new();
    body.insert(
        "@odata.context".into(),
        json!(format!("{}/$metadata#{label}/$entity", ctx.base())),
    );
    if let Value::Object(o) = item {
        body.extend(o.iter().map(|(k, v)| (k.clone(), v.clone())));
    }
    Reply::json(201, Value::Object(body)).header("Location", location)
}

fn create(ctx: &Ctx<'_>, store: &mut TenantStore, segs: &[String], call: &GraphCall) -> Reply {
    let label = segs.join("/");
    store.create_navigation(segs);
    let walk = store.walk(segs);
    if let Some(r) = missing(store, segs, &walk) {
        return r;
    }
    let Walk::Found(steps) = walk else {
        return errors::not_found(&label);
    };
    let Some(Value::Array(items)) = store.get(&steps) else {
        return errors::method_not_allowed("POST", &label);
    };
    let mut obj = match object_body(call) {
        Ok(o) => o,
        Err(r) => return r,
    };
    let id = obj
        .get("id")
        .and_then(Value::as_str)
        .map(str::to_string)
        .unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
    if items.iter().any(|x| is_item(x, &id)) {
        return errors::bad_request(
            "Request_BadRequest",
            &format!("Another object with the same value for property id already exists: '{id}'."),
        );
    }
    let collection = store.collection_path(&steps);
    for (coll, prop) in UNIQUE {
        let Some(value) = obj.get(prop).and_then(Value::as_str) else {
            continue;
        };
        let taken = collection.eq_ignore_ascii_case(coll)
            && items.iter().any(|x| {
                x.get(prop)
                    .and_then(Value::as_str)
                    .is_some_and(|v| v.eq_ignore_ascii_case(value))
            });
        if taken {
            return errors::bad_request(
                "Request_BadRequest",
                &format!("Another object with the same value for property {prop} already exists."),
            );
        }
    }
    obj.insert("id".into(), json!(id));
    obj.entry("createdDateTime")
        .or_insert_with(|| json!(rfc3339(unix_now())));
    let item = Value::Object(obj);
    let answer = created(
        ctx,
        &label,
        format!("{}/{}/{id}", ctx.base(), call.path.trim_end_matches('/')),
        &item,
    );
    if let Some(Value::Array(items)) = store.get_mut(&steps) {
        items.push(item);
    }
    store.record(collection, id, false);
    store.touch(&steps);
    answer
}

fn update(store: &mut TenantStore, segs: &[String], call: &GraphCall) -> Reply {
    let label = segs.join("/");
    let walk = store.walk(segs);
    if let Some(r) = missing(store, segs, &walk) {
        return r;
    }
    let Walk::Found(steps) = walk else {
        return errors::not_found(&label);
    };
    let changes = match object_body(call) {
        Ok(o) => o,
        Err(r) => return r,
    };
    let Some(Value::Object(target)) = store.get_mut(&steps) else {
        return errors::method_not_allowed("PATCH", &label);
    };
    for (k, v) in changes {
        if !k.eq_ignore_ascii_case("id") {
            merge_property(target, k, v);
        }
    }
    store.touch(&steps);
    Reply::empty(204)
}

/// Set `key` of `target` to `value`, merging an object into the object already there (OData's
/// PATCH of complex properties); anything else replaces.
fn merge_property(target: &mut Map<String, Value>, key: String, value: Value) {
    let existing = target
        .keys()
        .find(|k| k.eq_ignore_ascii_case(&key))
        .cloned()
        .unwrap_or(key);
    match (target.get_mut(&existing), value) {
        (Some(Value::Object(current)), Value::Object(changes)) => {
            for (k, v) in changes {
                merge_property(current, k, v);
            }
        }
        (_, value) => {
            target.insert(existing, value);
        }
    }
}

fn replace(ctx: &Ctx<'_>, store: &mut TenantStore, segs: &[String], call: &GraphCall) -> Reply {
    let label = segs.join("/");
    let mut replacement = match object_body(call) {
        Ok(o) => o,
        Err(r) => return r,
    };
    match store.walk(segs) {
        Walk::Found(steps) => {
            let Some(target @ Value::Object(_)) = store.get_mut(&steps) else {
                return errors::method_not_allowed("PUT", &label);
            };
            if let Some(id) = target.get("id").cloned() {
                replacement.insert("id".into(), id);
            }
            *target = Value::Object(replacement);
            store.touch(&steps);
            Reply::empty(204)
        }
        Walk::Missing { steps, at } if at + 1 == segs.len() => {
            let name = &segs[at];
            let location = format!("{}/{}", ctx.base(), call.path.trim_end_matches('/'));
            match store.get(&steps) {
                Some(Value::Array(_)) => {
                    replacement.insert("id".into(), json!(name));
                    let item = Value::Object(replacement);
                    let answer = created(ctx, &label, location, &item);
                    let collection = store.collection_path(&steps);
                    if let Some(Value::Array(items)) = store.get_mut(&steps) {
                        items.push(item);
                    }
                    store.record(collection, name.clone(), false);
                    store.touch(&steps);
                    answer
                }
                Some(Value::Object(_)) => {
                    let item = Value::Object(replacement);
                    let answer = created(ctx, &label, location, &item);
                    if let Some(Value::Object(parent)) = store.get_mut(&steps) {
                        parent.insert(name.clone(), item);
                    }
                    store.touch(&steps);
                    answer
                }
                _ => errors::no_segment(name),
            }
        }
        walk => missing(store, segs, &walk).unwrap_or_else(|| errors::not_found(&label)),
    }
}

/// Remove the collection item `steps` reach.
fn remove_item(store: &mut TenantStore, steps: &[Step]) -> bool {
    let Some((Step::Index(i), parent)) = steps.split_last() else {
        return false;
    };
    let collection = store.collection_path(parent);
    let Some(Value::Array(items)) = store.get_mut(parent) else {
        return false;
    };
    let item = items.remove(*i);
    let id = item["id"].as_str().unwrap_or_default().to_string();
    store.record(collection, id, true);
    store.touch(parent);
    true
}

fn delete(store: &mut TenantStore, segs: &[String], call: &GraphCall) -> Reply {
    let label = segs.join("/");
    let walk = store.walk(segs);
    if let Some(r) = missing(store, segs, &walk) {
        return r;
    }
    let Walk::Found(steps) = walk else {
        return errors::not_found(&label);
    };
    if remove_item(store, &steps) {
        Reply::empty(204)
    } else {
        errors::method_not_allowed(&call.method, &label)
    }
}

/// The object id an `@odata.id` reference names (`.../directoryObjects/{id}` or
/// `.../directoryObjects('{id}')`).
fn referenced_id(reference: &str) -> &str {
    let last = reference
        .trim_end_matches('/')
        .rsplit('/')
        .next()
        .unwrap_or_default();
    match last.split_once("('") {
        Some((_, rest)) => rest.trim_end_matches("')"),
        None => last,
    }
}

/// `POST {collection}/$ref` adds `{"id"}` (creating the collection if needed);
/// `DELETE {collection}/{id}/$ref` removes it.
fn refs(store: &mut TenantStore, target: &[String], call: &GraphCall) -> Reply {
    let label = target.join("/");
    match call.method.as_str() {
        "POST" => {
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
            let id = referenced_id(reference).to_string();
            let prop = target.last().cloned().unwrap_or_default();
            let steps = match store.walk(target) {
                Walk::Found(steps) => steps,
                Walk::Missing { mut steps, at } if at + 1 == target.len() => {
                    let Some(Value::Object(parent)) = store.get_mut(&steps) else {
                        return errors::no_segment(&prop);
                    };
                    parent.insert(prop.clone(), Value::Array(Vec::new()));
                    steps.push(Step::Key(prop.clone()));
                    steps
                }
                walk => {
                    return missing(store, target, &walk)
                        .unwrap_or_else(|| errors::not_found(&label))
                }
            };
            let collection = store.collection_path(&steps);
            let Some(Value::Array(items)) = store.get_mut(&steps) else {
                return errors::method_not_allowed("POST", &label);
            };
            if items.iter().any(|x| is_item(x, &id)) {
                return errors::bad_request(
                    "Request_BadRequest",
                    &format!("One or more added object references already exist for the following modified properties: '{prop}'."),
                );
            }
            items.push(json!({"id": id}));
            store.record(collection, id, false);
            store.touch(&steps);
            Reply::empty(204)
        }
        "DELETE" => delete(store, target, call),
        other => errors::method_not_allowed(other, &format!("{label}/$ref")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_name_their_object() {
        assert_eq!(
            referenced_id("https://graph.microsoft.com/v1.0/directoryObjects/abc"),
            "abc"
        );
        assert_eq!(
            referenced_id("https://graph.microsoft.com/v1.0/directoryObjects('abc')"),
            "abc"
        );
    }

    #[test]
    fn patch_merges_complex_properties_and_replaces_collections() {
        let mut target = match json!({
            "inboundTrust": {"isMfaAccepted": false, "isCompliantDeviceAccepted": true},
            "tags": ["a", "b"],
            "name": "x"
        }) {
            Value::Object(m) => m,
            _ => unreachable!(),
        };
        merge_property(
            &mut target,
            "InboundTrust".into(),
            json!({"isMfaAccepted": true}),
        );
        merge_property(&mut target, "tags".into(), json!(["c"]));
        merge_property(&mut target, "extra".into(), json!({"on": true}));
        assert_eq!(
            Value::Object(target),
            json!({
                "inboundTrust": {"isMfaAccepted": true, "isCompliantDeviceAccepted": true},
                "tags": ["c"],
                "name": "x",
                "extra": {"on": true}
            })
        );
    }
}
