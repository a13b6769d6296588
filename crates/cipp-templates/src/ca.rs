//! Conditional Access: deploy (names resolved to the tenant's ids, named locations created
//! from `LocationInfo`, groups optionally created), compare (the live policy re-projected
//! into names), capture (ids turned into names, dependencies embedded).

use std::collections::HashMap;

use serde_json::{json, Map, Value};

use crate::client::{DeployOptions, DeployOutcome, StateOverride, TemplateClient};
use crate::compare::{diff, is_ignored_key, looks_like_guid, Comparison, Rules};
use crate::error::{from_value, TemplateError};
use crate::group::GROUPS;
use crate::json::{changed_keys, clean_for_write, strip_server_fields};
use crate::models::{mail_nickname_of, CaTemplate, NamedLocation};

/// Conditional Access policies.
pub(crate) const POLICIES: &str = "identity/conditionalAccess/policies";
/// Named locations.
pub(crate) const LOCATIONS: &str = "identity/conditionalAccess/namedLocations";
/// Users, as much as name mapping needs.
pub(crate) const USERS: &str = "users?$select=id,displayName,userPrincipalName";

/// User entries that are keywords, not users.
const USER_KEYWORDS: [&str; 3] = ["All", "None", "GuestsOrExternalUsers"];
/// Location entries that are keywords, not locations.
const LOCATION_KEYWORDS: [&str; 2] = ["All", "AllTrusted"];
/// Live excluded groups kept when a policy is overwritten (CIPP's vacation mode).
const VACATION_PREFIX: &str = "Vacation Exclusion";

const USER_LISTS: [&str; 2] = ["includeUsers", "excludeUsers"];
const GROUP_LISTS: [&str; 2] = ["includeGroups", "excludeGroups"];
const LOCATION_LISTS: [&str; 2] = ["includeLocations", "excludeLocations"];

fn is_keyword(list: &[&str], s: &str) -> bool {
    list.iter().any(|k| k.eq_ignore_ascii_case(s))
}

/// The collections a template needs read (for one `$batch` up front).
pub(crate) fn reads(t: &CaTemplate) -> Vec<String> {
    let mut paths = vec![POLICIES.to_string(), LOCATIONS.to_string()];
    if let Some(u) = t.conditions.as_ref().and_then(|c| c.users.as_ref()) {
        if !u.include_groups.is_empty() || !u.exclude_groups.is_empty() {
            paths.push(GROUPS.to_string());
        }
        let named_user = u
            .include_users
            .iter()
            .chain(&u.exclude_users)
            .any(|x| !is_keyword(&USER_KEYWORDS, x));
        if named_user {
            paths.push(USERS.to_string());
        }
    }
    paths
}

fn name_of(item: &Value) -> &str {
    item.get("displayName")
        .and_then(Value::as_str)
        .unwrap_or_default()
}

fn id_of(item: &Value) -> &str {
    item.get("id").and_then(Value::as_str).unwrap_or_default()
}

/// The first item named `name` (ignoring case).
fn by_name<'a>(items: &'a [Value], name: &str) -> Option<&'a Value> {
    let name = name.trim();
    items
        .iter()
        .find(|i| name_of(i).trim().eq_ignore_ascii_case(name))
}

fn by_id<'a>(items: &'a [Value], id: &str) -> Option<&'a Value> {
    items.iter().find(|i| id_of(i).eq_ignore_ascii_case(id))
}

/// A mutable list of strings at `conditions.{section}.{list}`, if present.
fn list_at<'a>(policy: &'a mut Value, section: &str, list: &str) -> Option<&'a mut Vec<Value>> {
    policy
        .get_mut("conditions")?
        .get_mut(section)?
        .get_mut(list)?
        .as_array_mut()
}

fn strings_at(policy: &Value, section: &str, list: &str) -> Vec<String> {
    policy["conditions"][section][list]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
}

/// The template's name for a location entry: a `LocationInfo` id becomes its display name.
fn template_location_name(t: &CaTemplate, entry: &str) -> String {
    t.location_info
        .iter()
        .find(|l| {
            l.id.as_deref()
                .is_some_and(|id| id.eq_ignore_ascii_case(entry))
        })
        .map(|l| l.display_name.clone())
        .unwrap_or_else(|| entry.to_string())
}

/// The policy the template describes, in name vocabulary, as a deploy with `options` would
/// set it (`live_state` is kept for [`StateOverride::KeepLive`]).
fn expected(t: &CaTemplate, options: &DeployOptions, live_state: Option<&Value>) -> Value {
    let mut v = t.policy_json();
    if let Some(state) = options.state.state() {
        v["state"] = json!(state);
    } else if options.state == StateOverride::KeepLive {
        if let Some(s) = live_state {
            v["state"] = s.clone();
        }
    }
    for list in LOCATION_LISTS {
        if let Some(items) = list_at(&mut v, "locations", list) {
            for item in items.iter_mut() {
                if let Some(s) = item.as_str() {
                    *item = json!(template_location_name(t, s));
                }
            }
        }
    }
    scrub(&mut v);
    v
}

/// CIPP's deploy-time scrubbing: `sessionControls.disableResilienceDefaults` only when true,
/// no template bookkeeping.
fn scrub(v: &mut Value) {
    if let Some(o) = v.as_object_mut() {
        o.remove("templateId");
        o.remove("GUID");
        if let Some(Value::Object(sc)) = o.get_mut("sessionControls") {
            if sc.get("disableResilienceDefaults") != Some(&Value::Bool(true)) {
                sc.remove("disableResilienceDefaults");
            }
        }
    }
}

/// What the tenant's directory says about names and ids (read as needed, once).
struct Lookups {
    groups: Option<std::sync::Arc<Vec<Value>>>,
    users: Option<std::sync::Arc<Vec<Value>>>,
    locations: std::sync::Arc<Vec<Value>>,
}

impl Lookups {
    async fn load(
        c: &TemplateClient,
        label: &str,
        groups: bool,
        users: bool,
    ) -> Result<Self, TemplateError> {
        Ok(Lookups {
            groups: if groups {
                Some(c.list(GROUPS, label).await?)
            } else {
                None
            },
            users: if users {
                Some(c.list(USERS, label).await?)
            } else {
                None
            },
            locations: c.list(LOCATIONS, label).await?,
        })
    }

    fn group_name(&self, id: &str) -> Option<String> {
        by_id(self.groups.as_deref()?, id).map(|g| name_of(g).to_string())
    }

    fn user_name(&self, id: &str) -> Option<String> {
        by_id(self.users.as_deref()?, id).map(|u| name_of(u).to_string())
    }

    fn location_name(&self, id: &str) -> Option<String> {
        by_id(&self.locations, id).map(|l| name_of(l).to_string())
    }
}

/// Whether a live policy has references that need the groups or users list to be named.
fn live_needs(live: &Value) -> (bool, bool) {
    let groups = GROUP_LISTS
        .iter()
        .any(|l| !strings_at(live, "users", l).is_empty());
    let users = USER_LISTS.iter().any(|l| {
        strings_at(live, "users", l)
            .iter()
            .any(|u| !is_keyword(&USER_KEYWORDS, u))
    });
    (groups, users)
}

/// A live policy in template vocabulary: user, group and location ids replaced by names
/// (unknown ids stay), server fields dropped.
fn project(live: &Value, lookups: &Lookups) -> Value {
    let mut v = strip_server_fields(live);
    for list in USER_LISTS {
        if let Some(items) = list_at(&mut v, "users", list) {
            for item in items.iter_mut() {
                if let Some(name) = item.as_str().and_then(|id| lookups.user_name(id)) {
                    *item = json!(name);
                }
            }
        }
    }
    for list in GROUP_LISTS {
        if let Some(items) = list_at(&mut v, "users", list) {
            for item in items.iter_mut() {
                if let Some(name) = item.as_str().and_then(|id| lookups.group_name(id)) {
                    *item = json!(name);
                }
            }
        }
    }
    for list in LOCATION_LISTS {
        if let Some(items) = list_at(&mut v, "locations", list) {
            for item in items.iter_mut() {
                if let Some(name) = item.as_str().and_then(|id| lookups.location_name(id)) {
                    *item = json!(name);
                }
            }
        }
    }
    scrub(&mut v);
    v
}

/// Drop the live policy's vacation-mode exclusion groups the template does not name (they
/// are kept on overwrite, so they are not a difference).
fn without_vacation_groups(projected: &mut Value, expected: &Value) {
    let wanted = strings_at(expected, "users", "excludeGroups");
    if let Some(items) = list_at(projected, "users", "excludeGroups") {
        items.retain(|g| {
            let name = g.as_str().unwrap_or_default();
            !name.starts_with(VACATION_PREFIX)
                || wanted.iter().any(|w| w.eq_ignore_ascii_case(name))
        });
    }
}

/// The live policy of the template's name, if any.
async fn find_live(c: &TemplateClient, t: &CaTemplate) -> Result<Option<Value>, TemplateError> {
    let policies = c.list(POLICIES, &t.display_name).await?;
    let found = by_name(&policies, &t.display_name).cloned();
    if found.is_some()
        && policies
            .iter()
            .filter(|p| {
                name_of(p)
                    .trim()
                    .eq_ignore_ascii_case(t.display_name.trim())
            })
            .count()
            > 1
    {
        tracing::warn!(tenant = %c.tenant, policy = %t.display_name, "more than one Conditional Access policy has this name; using the first");
    }
    Ok(found)
}

/// Compare a live policy with the template: the differences, in name vocabulary.
async fn differences(
    c: &TemplateClient,
    t: &CaTemplate,
    options: &DeployOptions,
    live: &Value,
) -> Result<Vec<crate::compare::Difference>, TemplateError> {
    let (groups, users) = live_needs(live);
    let lookups = Lookups::load(c, &t.display_name, groups, users).await?;
    let expected = expected(t, options, live.get("state"));
    let mut projected = project(live, &lookups);
    without_vacation_groups(&mut projected, &expected);
    Ok(diff(&expected, &projected, Rules::default()))
}

pub(crate) async fn compare(
    c: &TemplateClient,
    t: &CaTemplate,
    options: &DeployOptions,
) -> Result<Comparison, TemplateError> {
    let Some(live) = find_live(c, t).await? else {
        return Ok(Comparison::Missing);
    };
    let d = differences(c, t, options, &live).await?;
    Ok(Comparison::from_differences(id_of(&live).to_string(), d))
}

/// A reference the tenant lacks, and whether it may be created.
enum Pending {
    Group(String),
    Location(NamedLocation),
}

/// Name -> id for every reference of the template, and what has to be created first. Reads
/// only; a reference that cannot be resolved (or created) is an error.
struct Plan {
    groups: HashMap<String, String>,
    users: HashMap<String, String>,
    locations: HashMap<String, String>,
    create: Vec<Pending>,
    /// Existing locations whose definition differs from `LocationInfo`: (id, body).
    patch_locations: Vec<(String, String, Value)>,
}

async fn plan(
    c: &TemplateClient,
    t: &CaTemplate,
    options: &DeployOptions,
) -> Result<Plan, TemplateError> {
    let label = t.display_name.as_str();
    let users_cond = t
        .conditions
        .as_ref()
        .and_then(|x| x.users.clone())
        .unwrap_or_default();
    let group_refs: Vec<(&str, String)> = [
        ("includeGroups", &users_cond.include_groups),
        ("excludeGroups", &users_cond.exclude_groups),
    ]
    .into_iter()
    .flat_map(|(l, v)| v.iter().map(move |g| (l, g.clone())))
    .collect();
    let user_refs: Vec<(&str, String)> = [
        ("includeUsers", &users_cond.include_users),
        ("excludeUsers", &users_cond.exclude_users),
    ]
    .into_iter()
    .flat_map(|(l, v)| v.iter().map(move |u| (l, u.clone())))
    .filter(|(_, u)| !is_keyword(&USER_KEYWORDS, u))
    .collect();
    let lookups = Lookups::load(c, label, !group_refs.is_empty(), !user_refs.is_empty()).await?;
    let missing = |kind: &'static str, name: &str, path: String| TemplateError::MissingReference {
        template: label.to_string(),
        tenant: c.tenant.clone(),
        kind,
        name: name.to_string(),
        path,
    };
    let mut p = Plan {
        groups: HashMap::new(),
        users: HashMap::new(),
        locations: HashMap::new(),
        create: Vec::new(),
        patch_locations: Vec::new(),
    };
    let groups: &[Value] = lookups
        .groups
        .as_deref()
        .map(Vec::as_slice)
        .unwrap_or_default();
    for (list, g) in &group_refs {
        let found = by_id(groups, g).or_else(|| by_name(groups, g));
        match found {
            Some(item) => {
                p.groups.insert(g.clone(), id_of(item).to_string());
            }
            None if options.create_groups && !looks_like_guid(g) => {
                if !p
                    .create
                    .iter()
                    .any(|x| matches!(x, Pending::Group(n) if n.eq_ignore_ascii_case(g)))
                {
                    p.create.push(Pending::Group(g.clone()));
                }
            }
            None => return Err(missing("group", g, format!("conditions.users.{list}"))),
        }
    }
    let users: &[Value] = lookups
        .users
        .as_deref()
        .map(Vec::as_slice)
        .unwrap_or_default();
    for (list, u) in &user_refs {
        let found = by_id(users, u).or_else(|| by_name(users, u)).or_else(|| {
            users.iter().find(|x| {
                x.get("userPrincipalName")
                    .and_then(Value::as_str)
                    .is_some_and(|upn| upn.eq_ignore_ascii_case(u))
            })
        });
        match found {
            Some(item) => {
                p.users.insert(u.clone(), id_of(item).to_string());
            }
            None => return Err(missing("user", u, format!("conditions.users.{list}"))),
        }
    }
    let locations_cond = t
        .conditions
        .as_ref()
        .and_then(|x| x.locations.clone())
        .unwrap_or_default();
    let location_refs = [
        ("includeLocations", &locations_cond.include_locations),
        ("excludeLocations", &locations_cond.exclude_locations),
    ];
    for (list, entries) in location_refs {
        for entry in entries {
            if is_keyword(&LOCATION_KEYWORDS, entry) {
                continue;
            }
            let name = template_location_name(t, entry);
            let definition = t
                .location_info
                .iter()
                .find(|l| l.display_name.trim().eq_ignore_ascii_case(name.trim()));
            let live =
                by_name(&lookups.locations, &name).or_else(|| by_id(&lookups.locations, entry));
            match (live, definition) {
                (Some(l), def) => {
                    let id = id_of(l).to_string();
                    if let Some(def) = def {
                        let body = location_body(def);
                        let rules = Rules {
                            subset: true,
                            ..Rules::default()
                        };
                        if !diff(&body, l, rules).is_empty()
                            && !p.patch_locations.iter().any(|(i, _, _)| *i == id)
                        {
                            p.patch_locations.push((id.clone(), name.clone(), body));
                        }
                    }
                    p.locations.insert(entry.clone(), id);
                }
                (None, Some(def)) => {
                    let already = p.create.iter().any(
                        |x| matches!(x, Pending::Location(l) if l.display_name.eq_ignore_ascii_case(&def.display_name)),
                    );
                    if !already {
                        p.create.push(Pending::Location(def.clone()));
                    }
                }
                (None, None) => {
                    return Err(missing(
                        "namedLocation",
                        entry,
                        format!("conditions.locations.{list}"),
                    ))
                }
            }
        }
    }
    Ok(p)
}

/// A named location definition as Graph takes it.
fn location_body(l: &NamedLocation) -> Value {
    let mut v = serde_json::to_value(l).unwrap_or(Value::Null);
    if let Some(o) = v.as_object_mut() {
        o.remove("id");
    }
    clean_for_write(&strip_server_fields(&v))
}

/// The policy body with every name replaced by the tenant's id.
fn body_with_ids(
    t: &CaTemplate,
    options: &DeployOptions,
    live_state: Option<&Value>,
    p: &Plan,
) -> Value {
    let mut v = t.policy_json();
    if let Some(state) = options.state.state() {
        v["state"] = json!(state);
    } else if options.state == StateOverride::KeepLive {
        if let Some(s) = live_state {
            v["state"] = s.clone();
        }
    }
    let swap = |v: &mut Value, section: &str, list: &str, map: &HashMap<String, String>| {
        if let Some(items) = list_at(v, section, list) {
            for item in items.iter_mut() {
                if let Some(id) = item.as_str().and_then(|s| map.get(s)) {
                    *item = json!(id);
                }
            }
        }
    };
    for list in GROUP_LISTS {
        swap(&mut v, "users", list, &p.groups);
    }
    for list in USER_LISTS {
        swap(&mut v, "users", list, &p.users);
    }
    for list in LOCATION_LISTS {
        swap(&mut v, "locations", list, &p.locations);
    }
    scrub(&mut v);
    clean_for_write(&strip_server_fields(&v))
}

pub(crate) async fn deploy(
    c: &TemplateClient,
    t: &CaTemplate,
    options: &DeployOptions,
) -> Result<DeployOutcome, TemplateError> {
    let label = t.display_name.as_str();
    if label.trim().is_empty() {
        return Err(TemplateError::invalid(
            "(unnamed)",
            "displayName",
            "the policy has no name",
        ));
    }
    // Reads and checks first: nothing is written unless every reference resolves.
    let live = find_live(c, t).await?;
    let mut p = plan(c, t, options).await?;
    let differences = match &live {
        Some(l) => Some(differences(c, t, options, l).await?),
        None => None,
    };
    let policy_equal = differences.as_ref().is_some_and(Vec::is_empty);
    if policy_equal && p.create.is_empty() && p.patch_locations.is_empty() {
        return Ok(DeployOutcome::Unchanged {
            id: live.as_ref().map(id_of).unwrap_or_default().to_string(),
        });
    }
    let mut changed = Vec::new();
    // Dependencies.
    for pending in std::mem::take(&mut p.create) {
        match pending {
            Pending::Group(name) => {
                let body = json!({
                    "displayName": name,
                    "mailEnabled": false,
                    "securityEnabled": true,
                    "mailNickname": mail_nickname_of(&name),
                    "description": format!("Created for Conditional Access policy '{label}'"),
                });
                let created = c
                    .graph
                    .post("groups", &body)
                    .await
                    .map_err(|e| c.graph_error(label, e))?;
                p.groups.insert(name.clone(), id_of(&created).to_string());
                c.invalidate(GROUPS);
                changed.push(format!("group:{name}"));
            }
            Pending::Location(def) => {
                let created = c
                    .graph
                    .post(LOCATIONS, &location_body(&def))
                    .await
                    .map_err(|e| c.graph_error(label, e))?;
                let id = id_of(&created).to_string();
                for entry in [def.display_name.clone()].into_iter().chain(def.id.clone()) {
                    p.locations.insert(entry, id.clone());
                }
                c.invalidate(LOCATIONS);
                changed.push(format!("namedLocation:{}", def.display_name));
            }
        }
    }
    for (id, name, body) in std::mem::take(&mut p.patch_locations) {
        c.graph
            .patch(&format!("{LOCATIONS}/{id}"), &body)
            .await
            .map_err(|e| c.graph_error(label, e))?;
        c.invalidate(LOCATIONS);
        changed.push(format!("namedLocation:{name}"));
    }
    // Entries naming a location by the template's id map through its name.
    for l in &t.location_info {
        if let (Some(old), Some(new)) = (l.id.clone(), p.locations.get(&l.display_name).cloned()) {
            p.locations.entry(old).or_insert(new);
        }
    }
    let mut body = body_with_ids(t, options, live.as_ref().and_then(|l| l.get("state")), &p);
    match live {
        None => {
            let created = c
                .graph
                .post(POLICIES, &body)
                .await
                .map_err(|e| c.graph_error(label, e))?;
            c.invalidate(POLICIES);
            Ok(DeployOutcome::Created {
                id: id_of(&created).to_string(),
            })
        }
        Some(live) => {
            let id = id_of(&live).to_string();
            let keys = changed_keys(differences.as_deref().unwrap_or_default());
            if !keys.is_empty() {
                keep_vacation_groups(c, &live, &mut body).await?;
                let mut patch = Map::new();
                for k in &keys {
                    patch.insert(k.clone(), body.get(k).cloned().unwrap_or(Value::Null));
                }
                c.graph
                    .patch(&format!("{POLICIES}/{id}"), &Value::Object(patch))
                    .await
                    .map_err(|e| c.graph_error(label, e))?;
                c.invalidate(POLICIES);
            }
            changed.extend(keys);
            Ok(DeployOutcome::Updated { id, changed })
        }
    }
}

/// Keep the live policy's vacation-mode exclusion groups in an overwrite.
async fn keep_vacation_groups(
    c: &TemplateClient,
    live: &Value,
    body: &mut Value,
) -> Result<(), TemplateError> {
    let live_excluded = strings_at(live, "users", "excludeGroups");
    if live_excluded.is_empty() {
        return Ok(());
    }
    let groups = c.list(GROUPS, "vacation groups").await?;
    let keep: Vec<String> = live_excluded
        .into_iter()
        .filter(|id| by_id(&groups, id).is_some_and(|g| name_of(g).starts_with(VACATION_PREFIX)))
        .collect();
    if keep.is_empty() {
        return Ok(());
    }
    let users = &mut body["conditions"]["users"];
    if !users.is_object() {
        *users = json!({});
    }
    let list = users
        .as_object_mut()
        .map(|o| o.entry("excludeGroups").or_insert_with(|| json!([])));
    if let Some(Value::Array(items)) = list {
        for id in keep {
            if !items.iter().any(|x| x.as_str() == Some(id.as_str())) {
                items.push(json!(id));
            }
        }
    }
    Ok(())
}

pub(crate) async fn capture(c: &TemplateClient, id: &str) -> Result<CaTemplate, TemplateError> {
    let live = c
        .graph
        .get(&format!("{POLICIES}/{id}"))
        .await
        .map_err(|e| match e.status() {
            Some(404) => TemplateError::NotFound {
                tenant: c.tenant.clone(),
                kind: "conditionalAccessPolicy",
                id: id.to_string(),
            },
            _ => c.graph_error(id, e),
        })?;
    let label = name_of(&live).to_string();
    let (groups, users) = live_needs(&live);
    let lookups = Lookups::load(c, &label, groups, users).await?;
    let mut location_info = Vec::new();
    for list in LOCATION_LISTS {
        for entry in strings_at(&live, "locations", list) {
            if let Some(l) = by_id(&lookups.locations, &entry) {
                let mut def = strip_server_fields(l);
                if let Some(o) = def.as_object_mut() {
                    o.retain(|k, v| !v.is_null() && (k == "@odata.type" || !is_ignored_key(k)));
                }
                if !location_info
                    .iter()
                    .any(|x: &Value| name_of(x).eq_ignore_ascii_case(name_of(&def)))
                {
                    location_info.push(def);
                }
            }
        }
    }
    let mut projected = project(&live, &lookups);
    if let Some(o) = projected.as_object_mut() {
        o.retain(|_, v| !v.is_null());
        if !location_info.is_empty() {
            o.insert("LocationInfo".into(), Value::Array(location_info));
        }
    }
    from_value(&label, "", projected)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expected_maps_location_ids_and_applies_state() {
        let t: CaTemplate = serde_json::from_value(json!({
            "displayName": "p", "state": "enabled",
            "conditions": {"locations": {"includeLocations": ["All"], "excludeLocations": ["11111111-1111-1111-1111-111111111111"]}},
            "sessionControls": {"disableResilienceDefaults": false},
            "LocationInfo": {"id": "11111111-1111-1111-1111-111111111111", "displayName": "Office", "@odata.type": "#microsoft.graph.ipNamedLocation"}
        }))
        .unwrap();
        let o = DeployOptions::new().state(StateOverride::ReportOnly);
        let e = expected(&t, &o, None);
        assert_eq!(e["state"], "enabledForReportingButNotEnforced");
        assert_eq!(
            e["conditions"]["locations"]["excludeLocations"],
            json!(["Office"])
        );
        assert!(e["sessionControls"]
            .get("disableResilienceDefaults")
            .is_none());
        assert!(e.get("LocationInfo").is_none());
        let keep = DeployOptions::new().state(StateOverride::KeepLive);
        assert_eq!(
            expected(&t, &keep, Some(&json!("disabled")))["state"],
            "disabled"
        );
    }
}
