//! SharePoint Online admin (`{base}/sharepoint/{name}-admin/...`, standing in for
//! `https://{name}-admin.sharepoint.com`): CSOM `ProcessQuery` for the tenant object (query all
//! properties, set properties, `Update`, the tenant method `SetFileVersionPolicy`), with
//! failures inside HTTP 200 answers as SharePoint sends them, and `_api/StorageQuotas()`. Tokens must be for that admin host and tenant.
//! Site collections (the users' OneDrives) and the CSOM calls on them are in
//! [`sites`] (`sharepoint_sites.rs`).

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use serde_json::{json, Map, Value};

use crate::reply::Reply;
use crate::seed::Seed;
use crate::server::{Draft, Incoming, Outcome};
use crate::state::State;

#[path = "sharepoint_sites.rs"]
pub(crate) mod sites;

/// A new tenant's SharePoint settings, as data: `csom` is the CSOM tenant object, `graphOnly`
/// the `admin/sharepoint/settings` properties Graph has and CSOM does not name.
const TENANT_DEFAULTS: &str = include_str!("../seed/sharepoint_tenant.json");

/// One tenant's SharePoint settings.
#[derive(Debug, Default, Clone)]
pub(crate) struct TenantSettings {
    /// The CSOM tenant object's properties.
    pub csom: Map<String, Value>,
    /// Graph-only `sharepointSettings` properties.
    pub graph_only: Map<String, Value>,
}

impl TenantSettings {
    fn defaults() -> Self {
        let v: Value = serde_json::from_str(TENANT_DEFAULTS).unwrap_or(Value::Null);
        let part = |k: &str| match v.get(k) {
            Some(Value::Object(m)) => m.clone(),
            _ => Map::new(),
        };
        TenantSettings {
            csom: part("csom"),
            graph_only: part("graphOnly"),
        }
    }
}

/// Each tenant's SharePoint: name -> (tenant GUID, tenant settings), and name -> its site
/// collections.
#[derive(Debug, Default)]
pub(crate) struct SharePointState {
    tenants: HashMap<String, (String, Mutex<TenantSettings>)>,
    sites: HashMap<String, Mutex<sites::Sites>>,
}

/// The SharePoint name of a tenant: the first label of its initial domain.
pub(crate) fn sharepoint_name(initial_domain: &str) -> String {
    initial_domain
        .split('.')
        .next()
        .unwrap_or_default()
        .to_ascii_lowercase()
}

impl SharePointState {
    pub fn new(seed: &Seed) -> Self {
        let defaults = TenantSettings::defaults();
        let tenants = seed
            .partner_and_customers()
            .map(|t| {
                (
                    sharepoint_name(&t.initial_domain()),
                    (t.id.to_ascii_lowercase(), Mutex::new(defaults.clone())),
                )
            })
            .collect();
        let sharing = defaults
            .csom
            .get("SharingCapability")
            .and_then(Value::as_i64)
            .unwrap_or(1);
        let sites = seed
            .partner_and_customers()
            .map(|t| {
                let name = sharepoint_name(&t.initial_domain());
                let list = sites::Sites::from_seed(t, &name, sharing);
                (name, Mutex::new(list))
            })
            .collect();
        SharePointState { tenants, sites }
    }

    /// The SharePoint name of tenant `guid`.
    fn name_of(&self, guid: &str) -> Option<&str> {
        self.tenants
            .iter()
            .find(|(_, (g, _))| g.eq_ignore_ascii_case(guid))
            .map(|(n, _)| n.as_str())
    }

    /// The Graph drive of the user with object id `user_id` in tenant `guid`, if they have a
    /// OneDrive.
    pub fn drive_of(&self, guid: &str, user_id: &str) -> Option<Value> {
        let sites = self.sites.get(self.name_of(guid)?)?;
        let sites = sites.lock().unwrap_or_else(PoisonError::into_inner);
        sites.of_owner(user_id).map(sites::drive)
    }

    /// One site collection of tenant `guid` by URL, with its administrators (tests).
    pub fn site(&self, guid: &str, url: &str) -> Option<Value> {
        let sites = self.sites.get(self.name_of(guid)?)?;
        let sites = sites.lock().unwrap_or_else(PoisonError::into_inner);
        sites
            .list
            .iter()
            .find(|s| s.url.eq_ignore_ascii_case(url.trim_end_matches('/')))
            .map(sites::describe)
    }

    /// A tenant's CSOM settings by SharePoint name (tests).
    pub fn settings(&self, name: &str) -> Option<Map<String, Value>> {
        self.tenants.get(name).map(|(_, m)| {
            m.lock()
                .unwrap_or_else(PoisonError::into_inner)
                .csom
                .clone()
        })
    }
}

fn error(status: u16, code: &str, message: &str) -> Reply {
    Reply::json(
        status,
        json!({"error": {"code": code, "message": {"lang": "en-US", "value": message}}}),
    )
}

fn csom_failure(message: &str, type_name: &str) -> Reply {
    Reply::json(
        200,
        json!([{"SchemaVersion": "15.0.0.0", "LibraryVersion": "16.0.0.0",
            "ErrorInfo": {"ErrorMessage": message, "ErrorValue": null, "TraceCorrelationId": uuid::Uuid::new_v4().to_string(),
                "ErrorCode": -2147024809, "ErrorTypeName": type_name},
            "TraceCorrelationId": uuid::Uuid::new_v4().to_string()}]),
    )
}

/// Serve `/sharepoint/{host}/...`.
pub(crate) fn serve(state: &Arc<State>, inc: &Incoming, rest: &str) -> Outcome {
    Outcome::logged("sharepoint", |draft| answer(state, inc, rest, draft))
}

fn answer(state: &State, inc: &Incoming, rest: &str, draft: &mut Draft) -> Reply {
    let (host, path) = rest.split_once('/').unwrap_or((rest, ""));
    let Some(name) = host.strip_suffix("-admin") else {
        return error(
            404,
            "NotFound",
            "cipp-sim serves SharePoint admin hosts only.",
        );
    };
    let Some((guid, settings)) = state.sharepoint.tenants.get(name) else {
        return error(404, "NotFound", &format!("No SharePoint tenant '{name}'."));
    };
    draft.tenant = Some(guid.clone());
    let claims = match state.tokens.validate(inc.bearer()) {
        Ok(c) => c,
        Err((problem, _)) => return error(401, "Unauthorized", problem.message()),
    };
    draft.token_aud = claims.aud().map(str::to_string);
    draft.token_tid = claims.tid().map(str::to_string);
    let audience = format!("https://{name}-admin.sharepoint.com");
    if claims.aud() != Some(audience.as_str()) {
        return error(
            401,
            "Unauthorized",
            &format!("The token audience is not {audience}."),
        );
    }
    if claims.tid() != Some(guid.as_str()) {
        return error(403, "Forbidden", "The token is for another tenant.");
    }
    let target = crate::faults::Target {
        batch_item: false,
        tenant: Some(guid),
        method: &inc.method,
        path: &inc.path,
    };
    if let Some(reply) = state.fault_reply(&target, error) {
        return reply;
    }
    match (inc.method.as_str(), path) {
        ("POST", "_vti_bin/client.svc/ProcessQuery") => {
            let xml = String::from_utf8_lossy(&inc.body);
            if sites::handles(&xml) {
                return site_query(state, name, guid, &xml, settings);
            }
            let mut s = settings.lock().unwrap_or_else(PoisonError::into_inner);
            process_query(&xml, &mut s.csom)
        }
        ("GET", p) if p.starts_with("_api/StorageQuotas()") => {
            let s = &settings.lock().unwrap_or_else(PoisonError::into_inner).csom;
            Reply::json(
                200,
                json!({"value": [{"TenantStorageMB": s["StorageQuota"], "GeoUsedStorageMB": 18_432,
                    "GeoAllocatedStorageMB": s["StorageQuotaAllocated"], "GeoAvailableStorageMB": 1_030_144}]}),
            )
        }
        _ => error(
            404,
            "NotFound",
            &format!("cipp-sim does not serve {} /{path}", inc.method),
        ),
    }
}

/// A CSOM request on one of tenant `name`'s site collections.
fn site_query(
    state: &State,
    name: &str,
    guid: &str,
    xml: &str,
    settings: &Mutex<TenantSettings>,
) -> Reply {
    let tenant_sharing = settings
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .csom
        .get("SharingCapability")
        .and_then(Value::as_i64)
        .unwrap_or(2);
    let users = state
        .graph
        .store(guid)
        .map(|s| {
            s.read().unwrap_or_else(PoisonError::into_inner).root["users"]
                .as_array()
                .cloned()
                .unwrap_or_default()
        })
        .unwrap_or_default();
    let Some(sites) = state.sharepoint.sites.get(name) else {
        return csom_failure(
            "This tenant has no site collections.",
            "System.InvalidOperationException",
        );
    };
    let mut sites = sites.lock().unwrap_or_else(PoisonError::into_inner);
    sites::process_query(xml, &mut sites, &users, tenant_sharing)
}

/// The value of attribute `name` in the tag starting at the beginning of `tag`.
fn attribute<'a>(tag: &'a str, name: &str) -> Option<&'a str> {
    let start = tag.find(&format!("{name}=\""))? + name.len() + 2;
    let len = tag[start..].find('"')?;
    Some(&tag[start..start + len])
}

fn unescape(text: &str) -> String {
    text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&apos;", "'")
        .replace("&amp;", "&")
}

/// The tenant methods the simulator answers: name -> the properties its parameters set, in
/// order. A method saves its change itself (no `Update`).
const TENANT_METHODS: [(&str, [&str; 3]); 1] = [(
    "SetFileVersionPolicy",
    [
        "EnableAutoExpirationVersionTrim",
        "MajorVersionLimit",
        "ExpireVersionsAfterDays",
    ],
)];

/// The properties a call of tenant method `name` (the text after `<Method `) sets, or the
/// failure SharePoint answers. `SetFileVersionPolicy` checks its limits as SharePoint does:
/// with automatic trimming off, 1 to 50000 major versions and 0 (never) or 30 to 36500 days.
fn tenant_method(name: &str, part: &str) -> Result<Vec<(String, Value)>, Reply> {
    let Some((_, properties)) = TENANT_METHODS.iter().find(|(m, _)| *m == name) else {
        return Err(csom_failure(
            &format!("Method '{name}' does not exist on type 'Microsoft.Online.SharePoint.TenantAdministration.Tenant' (in cipp-sim)."),
            "Microsoft.SharePoint.Client.InvalidClientQueryException",
        ));
    };
    let body = part.split("</Method>").next().unwrap_or_default();
    let mut values = Vec::new();
    for p in body.split("<Parameter ").skip(1) {
        let kind = attribute(p, "Type").unwrap_or_default();
        let raw = p
            .split_once('>')
            .and_then(|(_, after)| after.split_once("</Parameter>"))
            .map(|(v, _)| unescape(v))
            .unwrap_or_default();
        let value = match kind {
            "Boolean" => raw.parse::<bool>().ok().map(Value::Bool),
            "Int32" | "Int64" => raw.parse::<i64>().ok().map(Value::from),
            _ => None,
        };
        let Some(value) = value else {
            return Err(csom_failure(
                &format!("The value '{raw}' is not valid for a parameter of {name}."),
                "System.ArgumentException",
            ));
        };
        values.push(value);
    }
    let kinds_ok =
        values.len() == 3 && values[0].is_boolean() && values[1].is_i64() && values[2].is_i64();
    if !kinds_ok {
        return Err(csom_failure(
            &format!("{name} takes (Boolean, Int32, Int32)."),
            "System.ArgumentException",
        ));
    }
    let auto = values[0].as_bool().unwrap_or(false);
    let major = values[1].as_i64().unwrap_or(0);
    let days = values[2].as_i64().unwrap_or(0);
    if !auto && (!(1..=50_000).contains(&major) || !(days == 0 || (30..=36_500).contains(&days))) {
        return Err(csom_failure(
            "The version limit must be 1 to 50000 and the expiry 0 or 30 to 36500 days.",
            "System.ArgumentOutOfRangeException",
        ));
    }
    Ok(properties
        .iter()
        .map(|p| (*p).to_string())
        .zip(values)
        .collect())
}

fn process_query(xml: &str, settings: &mut Map<String, Value>) -> Reply {
    if !xml.contains("{268004ae-ef6b-4e9b-8425-127220d84719}") {
        return csom_failure(
            "cipp-sim answers queries on the Tenant object only.",
            "System.NotSupportedException",
        );
    }
    let mut changes = Vec::new();
    for part in xml.split("<Method ").skip(1) {
        match attribute(part, "Name") {
            Some("Update") => {}
            Some(name) => match tenant_method(name, part) {
                Ok(set) => changes.extend(set),
                Err(reply) => return reply,
            },
            None => return csom_failure("Method without a Name.", "System.ArgumentException"),
        }
    }
    let methods = changes.len();
    for part in xml.split("<SetProperty ").skip(1) {
        let Some(name) = attribute(part, "Name") else {
            return csom_failure("SetProperty without a Name.", "System.ArgumentException");
        };
        let Some(kind) = attribute(part, "Type") else {
            return csom_failure("Parameter without a Type.", "System.ArgumentException");
        };
        let raw = part
            .split_once("<Parameter")
            .and_then(|(_, after)| after.split_once('>'))
            .and_then(|(_, after)| after.split_once("</Parameter>"))
            .map(|(v, _)| unescape(v))
            .unwrap_or_default();
        let Some(current) = settings.get(name) else {
            return csom_failure(
                &format!("The property '{name}' does not exist on type 'Microsoft.Online.SharePoint.TenantAdministration.Tenant'."),
                "Microsoft.SharePoint.Client.InvalidClientQueryException",
            );
        };
        let value = match kind {
            "Boolean" => raw.parse::<bool>().ok().map(Value::Bool),
            "Int32" | "Int64" => raw.parse::<i64>().ok().map(Value::from),
            "String" => Some(Value::String(raw.clone())),
            _ => None,
        };
        let same_kind = matches!(
            (current, &value),
            (Value::Bool(_), Some(Value::Bool(_)))
                | (Value::Number(_), Some(Value::Number(_)))
                | (Value::String(_) | Value::Null, Some(Value::String(_)))
        );
        let Some(value) = value.filter(|_| same_kind) else {
            return csom_failure(
                &format!("The value '{raw}' is not valid for property '{name}'."),
                "System.ArgumentException",
            );
        };
        changes.push((name.to_string(), value));
    }
    let mut out = vec![
        json!({"SchemaVersion": "15.0.0.0", "LibraryVersion": "16.0.0.0", "ErrorInfo": null,
        "TraceCorrelationId": uuid::Uuid::new_v4().to_string()}),
    ];
    if changes.len() > methods && !xml.contains("<Method Name=\"Update\"") {
        // Without Update no property is saved, as in SharePoint (a method saves its own).
        changes.truncate(methods);
    }
    for (k, v) in changes {
        settings.insert(k, v);
    }
    if xml.contains("<Query ") {
        out.push(json!(2));
        out.push(json!({"IsNull": false}));
        out.push(json!(3));
        out.push(Value::Object(settings.clone()));
    }
    Reply::json(200, Value::Array(out))
}

/// Graph's `admin/sharepoint/settings` fields that are SharePoint tenant properties:
/// (Graph name, CSOM name, inverted).
const GRAPH_SETTINGS: [(&str, &str, bool); 6] = [
    (
        "deletedUserPersonalSiteRetentionPeriodInDays",
        "OrphanedPersonalSitesRetentionPeriod",
        false,
    ),
    (
        "isResharingByExternalUsersEnabled",
        "PreventExternalUsersFromResharing",
        true,
    ),
    (
        "isLegacyAuthProtocolsEnabled",
        "LegacyAuthProtocolsEnabled",
        false,
    ),
    ("isMacSyncAppEnabled", "BlockMacSync", true),
    (
        "isSiteCreationEnabled",
        "SelfServiceSiteCreationDisabled",
        true,
    ),
    ("isSiteCreationUIEnabled", "DisplayStartASiteOption", false),
];

/// Graph `GET|PATCH /admin/sharepoint/settings` of tenant `guid`: the same state CSOM reads
/// and writes, so a change made either way shows in both. Graph-only properties
/// (`tenantDefaultTimezone`) are kept beside it.
pub(crate) fn graph_settings(
    state: &State,
    guid: &str,
    method: &str,
    body: Option<&Value>,
) -> Reply {
    let graph_error = |status: u16, code: &str, message: &str| {
        Reply::json(status, json!({"error": {"code": code, "message": message}}))
    };
    let Some((_, settings)) = state.sharepoint.tenants.values().find(|(g, _)| g == guid) else {
        return graph_error(404, "itemNotFound", "This tenant has no SharePoint.");
    };
    let mut s = settings.lock().unwrap_or_else(PoisonError::into_inner);
    let flip = |v: &Value, inverted: bool| match (v, inverted) {
        (Value::Bool(b), true) => Value::Bool(!b),
        (other, _) => other.clone(),
    };
    match method {
        "GET" => {}
        "PATCH" => {
            let Some(Value::Object(changes)) = body else {
                return graph_error(400, "BadRequest", "The body must be a JSON object.");
            };
            // Check every property first: a refused request changes nothing.
            if let Some(k) = changes.keys().find(|k| {
                !GRAPH_SETTINGS.iter().any(|(g, _, _)| g == k) && !s.graph_only.contains_key(*k)
            }) {
                return graph_error(
                    400,
                    "BadRequest",
                    &format!("Property '{k}' does not exist on type 'microsoft.graph.sharepointSettings' (in cipp-sim)."),
                );
            }
            for (k, v) in changes {
                match GRAPH_SETTINGS.iter().find(|(g, _, _)| g == k) {
                    Some((_, csom, inverted)) => {
                        s.csom.insert((*csom).to_string(), flip(v, *inverted));
                    }
                    None => {
                        s.graph_only.insert(k.clone(), v.clone());
                    }
                }
            }
        }
        other => {
            return graph_error(
                405,
                "MethodNotAllowed",
                &format!("{other} is not allowed here."),
            )
        }
    }
    if method == "PATCH" {
        return Reply::empty(204);
    }
    let mut out = Map::new();
    out.insert(
        "@odata.context".into(),
        json!("https://graph.microsoft.com/beta/$metadata#admin/sharepoint/settings/$entity"),
    );
    for (g, csom, inverted) in GRAPH_SETTINGS {
        out.insert(
            g.into(),
            flip(s.csom.get(csom).unwrap_or(&Value::Null), inverted),
        );
    }
    out.extend(s.graph_only.iter().map(|(k, v)| (k.clone(), v.clone())));
    Reply::json(200, Value::Object(out))
}
