//! Computed navigation: `memberOf` and `transitiveMemberOf` of users and groups, read from
//! the `members` lists of groups and directory roles (the store keeps one direction only, as
//! a seed writes it).

use std::collections::{BTreeSet, VecDeque};

use serde_json::{json, Value};

use super::store::{is_item, TenantStore};

/// The containers (groups and directory roles) of `id`, direct or transitive.
pub(crate) fn member_of(store: &TenantStore, id: &str, transitive: bool) -> Vec<Value> {
    let containers: Vec<(&str, &Value)> = ["groups", "directoryRoles"]
        .into_iter()
        .flat_map(|kind| {
            store
                .get(&[super::store::Step::Key(kind.into())])
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .map(move |c| (kind, c))
        })
        .collect();
    let contains = |c: &Value, member: &str| {
        c.get("members")
            .and_then(Value::as_array)
            .is_some_and(|m| m.iter().any(|x| is_item(x, member)))
    };
    let mut seen = BTreeSet::new();
    let mut out = Vec::new();
    let mut queue = VecDeque::from([id.to_string()]);
    while let Some(member) = queue.pop_front() {
        for (kind, c) in &containers {
            let Some(cid) = c.get("id").and_then(Value::as_str) else {
                continue;
            };
            if !contains(c, &member) || !seen.insert(cid.to_ascii_lowercase()) {
                continue;
            }
            let mut shown = (*c).clone();
            if let Some(o) = shown.as_object_mut() {
                o.remove("members");
                let odata_type = if *kind == "groups" {
                    "#microsoft.graph.group"
                } else {
                    "#microsoft.graph.directoryRole"
                };
                o.insert("@odata.type".into(), json!(odata_type));
            }
            out.push(shown);
            if transitive {
                queue.push_back(cid.to_string());
            }
        }
    }
    out
}
