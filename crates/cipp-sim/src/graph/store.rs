//! The per-tenant Graph store: a JSON tree walked by path segments, with a change log for
//! delta queries.
//!
//! An object key is a segment; an array is a collection of objects with an `id`, and the
//! segment after it picks an item by `id` (or `userPrincipalName`), ignoring case. OData's
//! key syntax works too: `applications(appId='...')`, `users('id')`.

use std::collections::HashMap;
use std::sync::{PoisonError, RwLock};

use serde_json::Value;

use crate::directory::gdap_allows;
use crate::seed::{generated_user, Seed};

/// Every tenant's store, by tenant GUID. The set of tenants is fixed at start, so only the
/// stores themselves are locked.
#[derive(Debug)]
pub(crate) struct GraphState {
    stores: HashMap<String, RwLock<TenantStore>>,
}

impl GraphState {
    pub fn new(seed: &Seed) -> Self {
        let stores = seed
            .tenants()
            .map(|t| {
                let seeded = match &t.graph {
                    Value::Object(_) => t.graph.clone(),
                    _ => Value::Object(serde_json::Map::new()),
                };
                let root = super::defaults::with_defaults(&seeded, &t.id);
                (
                    t.id.to_ascii_lowercase(),
                    RwLock::new(TenantStore::new(root)),
                )
            })
            .collect();
        GraphState { stores }
    }

    pub fn store(&self, guid: &str) -> Option<&RwLock<TenantStore>> {
        self.stores.get(guid)
    }

    /// Whether the partner's relationships, as they are now, give delegated access to
    /// `customer` (see [`gdap_allows`]).
    pub fn gdap_allows(&self, partner: &str, customer: &str) -> bool {
        self.store(partner).is_none_or(|s| {
            gdap_allows(
                &s.read().unwrap_or_else(PoisonError::into_inner).root,
                customer,
            )
        })
    }
}

/// One change to a collection item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Change {
    pub seq: u64,
    /// Collection path, items named by id: `users`, `groups/{id}/members`.
    pub collection: String,
    pub id: String,
    pub removed: bool,
}

/// One step of a walk through the tree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Step {
    Key(String),
    Index(usize),
}

/// Where a walk ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Walk {
    Found(Vec<Step>),
    /// `segs[at]` was not found under the value reached by `steps`.
    Missing {
        steps: Vec<Step>,
        at: usize,
    },
}

/// A tenant's Graph tree and change log.
#[derive(Debug)]
pub(crate) struct TenantStore {
    pub root: Value,
    changes: Vec<Change>,
    seq: u64,
    generated: usize,
}

fn str_eq(v: Option<&Value>, want: &str) -> bool {
    v.and_then(Value::as_str)
        .is_some_and(|s| s.eq_ignore_ascii_case(want))
}

/// Whether a collection item is the one a path segment names.
pub(crate) fn is_item(item: &Value, seg: &str) -> bool {
    str_eq(item.get("id"), seg) || str_eq(item.get("userPrincipalName"), seg)
}

/// Split `name(key)` into the name and a predicate on items.
fn key_syntax(seg: &str) -> Option<(&str, Option<&str>, &str)> {
    let open = seg.find('(')?;
    let inner = seg.strip_suffix(')')?.get(open + 1..)?;
    let name = &seg[..open];
    match inner.split_once('=') {
        Some((prop, value)) => Some((name, Some(prop.trim()), value.trim().trim_matches('\''))),
        None => Some((name, None, inner.trim().trim_matches('\''))),
    }
}

/// Navigation collections every directory object has, even when the seed leaves them out:
/// reading one that was never written gives an empty collection, and the first write
/// creates it.
pub(crate) const NAVIGATION: [&str; 10] = [
    "appRoleAssignments",
    "appRoleAssignedTo",
    "oauth2PermissionGrants",
    "members",
    "owners",
    "registeredOwners",
    "registeredUsers",
    "extensions",
    "definitionValues",
    "assignments",
];

impl TenantStore {
    /// Whether `segs` names an absent navigation collection of an existing item.
    pub fn is_absent_navigation(&self, segs: &[String]) -> bool {
        if super::intune::is_absent(self, segs) {
            return true;
        }
        let Some((last, parent)) = segs.split_last() else {
            return false;
        };
        if parent.len() < 2 || !NAVIGATION.iter().any(|n| n.eq_ignore_ascii_case(last)) {
            return false;
        }
        match (self.walk(segs), self.walk(parent)) {
            (Walk::Missing { .. }, Walk::Found(steps)) => {
                matches!(self.get(&steps), Some(Value::Object(_)))
            }
            _ => false,
        }
    }

    /// Create the absent navigation collection `segs` names (see [`Self::is_absent_navigation`]).
    pub fn create_navigation(&mut self, segs: &[String]) {
        super::intune::create(self, segs);
        if !self.is_absent_navigation(segs) {
            return;
        }
        let Some((last, parent)) = segs.split_last() else {
            return;
        };
        if let Walk::Found(steps) = self.walk(parent) {
            if let Some(Value::Object(o)) = self.get_mut(&steps) {
                o.insert(last.clone(), Value::Array(Vec::new()));
            }
        }
    }

    pub fn new(root: Value) -> Self {
        TenantStore {
            root,
            changes: Vec::new(),
            seq: 0,
            generated: 0,
        }
    }

    /// The current change sequence number.
    pub fn seq(&self) -> u64 {
        self.seq
    }

    /// Walk decoded path segments.
    pub fn walk(&self, segs: &[String]) -> Walk {
        let mut steps = Vec::with_capacity(segs.len() + 1);
        let mut cur = &self.root;
        for (at, seg) in segs.iter().enumerate() {
            match Self::step(cur, seg) {
                Some((new_steps, next)) => {
                    steps.extend(new_steps);
                    cur = next;
                }
                None => return Walk::Missing { steps, at },
            }
        }
        Walk::Found(steps)
    }

    fn step<'a>(cur: &'a Value, seg: &str) -> Option<(Vec<Step>, &'a Value)> {
        match cur {
            Value::Object(o) => {
                if let Some((k, v)) = o.iter().find(|(k, _)| k.eq_ignore_ascii_case(seg)) {
                    return Some((vec![Step::Key(k.clone())], v));
                }
                let (name, prop, value) = key_syntax(seg)?;
                let (k, list) = o.iter().find(|(k, _)| k.eq_ignore_ascii_case(name))?;
                let i = list.as_array()?.iter().position(|item| match prop {
                    Some(p) => str_eq(crate::query::filter::get_ci(item, p), value),
                    None => is_item(item, value),
                })?;
                Some((vec![Step::Key(k.clone()), Step::Index(i)], &list[i]))
            }
            Value::Array(a) => {
                let i = a.iter().position(|item| is_item(item, seg))?;
                Some((vec![Step::Index(i)], &a[i]))
            }
            _ => None,
        }
    }

    pub fn get(&self, steps: &[Step]) -> Option<&Value> {
        steps.iter().try_fold(&self.root, |cur, s| match s {
            Step::Key(k) => cur.get(k),
            Step::Index(i) => cur.get(*i),
        })
    }

    pub fn get_mut(&mut self, steps: &[Step]) -> Option<&mut Value> {
        steps.iter().try_fold(&mut self.root, |cur, s| match s {
            Step::Key(k) => cur.get_mut(k),
            Step::Index(i) => cur.get_mut(*i),
        })
    }

    /// The collection path of the value `steps` reach, with items named by id.
    pub fn collection_path(&self, steps: &[Step]) -> String {
        let mut names = Vec::with_capacity(steps.len());
        let mut cur = &self.root;
        for s in steps {
            match s {
                Step::Key(k) => {
                    names.push(k.clone());
                    cur = &cur[k.as_str()];
                }
                Step::Index(i) => {
                    cur = &cur[*i];
                    names.push(cur["id"].as_str().unwrap_or_default().to_string());
                }
            }
        }
        names.join("/")
    }

    /// Log a change to one item.
    pub fn record(&mut self, collection: String, id: String, removed: bool) {
        self.seq += 1;
        self.changes.push(Change {
            seq: self.seq,
            collection,
            id,
            removed,
        });
    }

    /// Log a change to every collection item on the way to `steps` (a write below an item
    /// changes the item, and the items that contain it).
    pub fn touch(&mut self, steps: &[Step]) {
        let touched: Vec<(String, String)> = steps
            .iter()
            .enumerate()
            .filter(|(_, s)| matches!(s, Step::Index(_)))
            .filter_map(|(j, _)| {
                let id = self.get(&steps[..=j])?.get("id")?.as_str()?.to_string();
                Some((self.collection_path(&steps[..j]), id))
            })
            .collect();
        for (collection, id) in touched {
            self.record(collection, id, false);
        }
    }

    /// Changes to `collection` with `since < seq <= until`, oldest first.
    pub fn changes<'a>(
        &'a self,
        collection: &'a str,
        since: u64,
        until: u64,
    ) -> impl Iterator<Item = &'a Change> + 'a {
        let start = self.changes.partition_point(|c| c.seq <= since);
        self.changes[start..]
            .iter()
            .take_while(move |c| c.seq <= until)
            .filter(move |c| c.collection == collection)
    }

    /// Append `count` generated users (see [`generated_user`]) to `users`.
    pub fn add_generated_users(&mut self, domain: &str, count: usize, track: bool) {
        let first = self.generated;
        self.generated += count;
        let Value::Object(root) = &mut self.root else {
            return;
        };
        let users = root
            .entry("users")
            .or_insert_with(|| Value::Array(Vec::new()));
        if !users.is_array() {
            *users = Value::Array(Vec::new());
        }
        let Value::Array(list) = users else {
            return;
        };
        list.reserve(count);
        let mut ids = Vec::new();
        for i in first..first + count {
            let user = generated_user(i, domain);
            if track {
                ids.push(user["id"].as_str().unwrap_or_default().to_string());
            }
            list.push(user);
        }
        for id in ids {
            self.record("users".to_string(), id, false);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn store() -> TenantStore {
        TenantStore::new(json!({
            "users": [{"id": "U1", "userPrincipalName": "a@x.com"}, {"id": "u2"}],
            "applications": [{"id": "o1", "appId": "app-1"}],
            "groups": [{"id": "g1", "members": [{"id": "u2"}]}],
            "policies": {"authenticationMethodsPolicy": {"authenticationMethodConfigurations": [{"id": "Sms"}]}}
        }))
    }

    fn segs(p: &str) -> Vec<String> {
        p.split('/').map(str::to_string).collect()
    }

    #[test]
    fn walks_keys_items_and_key_syntax() {
        let s = store();
        let Walk::Found(steps) = s.walk(&segs("USERS/u1")) else {
            panic!()
        };
        assert_eq!(steps, vec![Step::Key("users".into()), Step::Index(0)]);
        assert!(matches!(s.walk(&segs("users/A@X.COM")), Walk::Found(_)));
        let Walk::Found(steps) = s.walk(&segs("applications(appId='app-1')")) else {
            panic!()
        };
        assert_eq!(s.get(&steps).unwrap()["id"], "o1");
        assert!(matches!(s.walk(&segs("users('u2')")), Walk::Found(_)));
        assert!(matches!(
            s.walk(&segs(
                "policies/authenticationMethodsPolicy/authenticationMethodConfigurations/sms"
            )),
            Walk::Found(_)
        ));
        assert_eq!(
            s.walk(&segs("users/nobody/manager")),
            Walk::Missing {
                steps: vec![Step::Key("users".into())],
                at: 1
            }
        );
        let Walk::Found(steps) = s.walk(&segs("groups/g1/members/u2")) else {
            panic!()
        };
        assert_eq!(s.collection_path(&steps[..3]), "groups/g1/members");
    }

    #[test]
    fn changes_are_logged_for_enclosing_items() {
        let mut s = store();
        let Walk::Found(steps) = s.walk(&segs("groups/g1/members/u2")) else {
            panic!()
        };
        s.touch(&steps);
        let groups: Vec<_> = s.changes("groups", 0, s.seq()).collect();
        let members: Vec<_> = s.changes("groups/g1/members", 0, s.seq()).collect();
        assert_eq!((groups.len(), members.len()), (1, 1));
        assert_eq!(s.changes("groups", 1, s.seq()).count(), 0);
        s.add_generated_users("x.com", 3, true);
        assert_eq!(s.root["users"].as_array().unwrap().len(), 5);
        assert_eq!(s.changes("users", 0, s.seq()).count(), 3);
        s.add_generated_users("x.com", 2, false);
        let ids: std::collections::HashSet<_> = s.root["users"]
            .as_array()
            .unwrap()
            .iter()
            .map(|u| u["id"].clone())
            .collect();
        assert_eq!(ids.len(), 7, "generated ids continue, never repeat");
    }
}
