//! GET: entities, collections, `/$count`, `/$ref` and `/delta`.

use serde_json::{json, Map, Value};

use super::call::{Ctx, GraphCall};
use super::collection::{self, check_consistency, is_directory};
use super::delta;
use super::errors;
use super::membership;
use super::store::{TenantStore, Walk};
use crate::query::QueryOptions;
use crate::reply::Reply;

/// The answer for a path that could not be walked: 404 for a missing item of a collection,
/// 400 for a segment that names no property.
pub(crate) fn missing(store: &TenantStore, segs: &[String], walk: &Walk) -> Option<Reply> {
    let Walk::Missing { steps, at } = walk else {
        return None;
    };
    Some(match store.get(steps) {
        Some(Value::Array(_)) => errors::not_found(&segs[*at]),
        _ => errors::no_segment(&segs[*at]),
    })
}

/// Answer a GET on decoded path segments.
pub(crate) fn read(ctx: &Ctx<'_>, store: &TenantStore, segs: &[String], call: &GraphCall) -> Reply {
    let opts = match QueryOptions::parse(&call.query) {
        Ok(o) => o,
        Err(e) => return errors::query(e),
    };
    let directory = is_directory(&segs[0]);
    let label = segs.join("/");
    let (last, parent) = segs.split_last().unwrap_or((&segs[0], &[]));
    let special = last.to_ascii_lowercase();
    if !parent.is_empty() && matches!(special.as_str(), "$count" | "$ref" | "delta") {
        let walk = store.walk(parent);
        if let Some(r) = missing(store, parent, &walk) {
            return r;
        }
        let Walk::Found(steps) = walk else {
            return errors::not_found(&label);
        };
        let Some(Value::Array(items)) = store.get(&steps) else {
            return errors::bad_request(
                "BadRequest",
                &format!("'{last}' is only supported on collections."),
            );
        };
        return match special.as_str() {
            "$count" => {
                if !call.eventual() {
                    return errors::bad_request(
                        "Request_BadRequest",
                        "Count is not currently supported without the request header 'ConsistencyLevel: eventual'.",
                    );
                }
                if let Err(r) = check_consistency(&opts, directory, true) {
                    return r;
                }
                Reply::text(200, collection::count(items, &opts).to_string())
            }
            "$ref" => refs(ctx, items),
            _ => {
                let raw_parent = call
                    .path
                    .trim_end_matches('/')
                    .rsplit_once('/')
                    .map(|(p, _)| p)
                    .unwrap_or_default();
                delta::delta(ctx, store, &steps, raw_parent, &opts, call)
            }
        };
    }
    if let [kind, id, nav] = segs {
        let transitive = nav.eq_ignore_ascii_case("transitiveMemberOf");
        let is_users_or_groups =
            kind.eq_ignore_ascii_case("users") || kind.eq_ignore_ascii_case("groups");
        if is_users_or_groups && (transitive || nav.eq_ignore_ascii_case("memberOf")) {
            if matches!(store.walk(&segs[..2]), Walk::Missing { .. }) {
                return errors::not_found(id);
            }
            let items = membership::member_of(store, id, transitive);
            return collection::list(ctx, &items, &label, &opts, call);
        }
    }
    if store.is_absent_navigation(segs) {
        return collection::list(ctx, &[], &label, &opts, call);
    }
    let walk = store.walk(segs);
    if let Some(r) = missing(store, segs, &walk) {
        return r;
    }
    let Walk::Found(steps) = walk else {
        return errors::not_found(&label);
    };
    let context = format!("{}/$metadata#{label}", ctx.base());
    match store.get(&steps) {
        Some(Value::Array(items)) => {
            if let Err(r) = check_consistency(&opts, directory, call.eventual()) {
                return r;
            }
            collection::list(ctx, items, &label, &opts, call)
        }
        Some(Value::Object(o)) => {
            let mut out = Map::with_capacity(o.len() + 1);
            out.insert("@odata.context".into(), json!(format!("{context}/$entity")));
            for (k, v) in o.iter().filter(|(k, _)| opts.select.keeps(k)) {
                out.insert(k.clone(), v.clone());
            }
            Reply::json(200, Value::Object(out))
        }
        Some(scalar) => Reply::json(200, json!({"@odata.context": context, "value": scalar})),
        None => errors::not_found(&label),
    }
}

/// `GET .../{collection}/$ref`: references to the items.
fn refs(ctx: &Ctx<'_>, items: &[Value]) -> Reply {
    let value: Vec<Value> = items
        .iter()
        .filter_map(|i| i.get("id").and_then(Value::as_str))
        .map(|id| json!({"@odata.id": format!("{}/directoryObjects/{id}", ctx.base())}))
        .collect();
    Reply::json(
        200,
        json!({"@odata.context": format!("{}/$metadata#Collection($ref)", ctx.base()), "value": value}),
    )
}
