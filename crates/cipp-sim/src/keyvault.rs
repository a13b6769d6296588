//! Azure Key Vault secrets (`{base}/keyvault/{vault}/...`, standing in for
//! `https://{vault}.vault.azure.net/...`, API version 7.4) and the App Service managed
//! identity endpoint (`{base}/msi/token`).
//!
//! Any vault name is served (vaults are created on first use and are empty). Tokens must be
//! ours, unexpired, for `https://vault.azure.net`, and either app-only tokens of the partner
//! tenant or managed-identity tokens. Secrets keep every version; DELETE soft-deletes (the
//! name then answers 409 Conflict to PUT until recovered or purged); a recovered secret
//! answers 404 to its first [`RECOVERY_READS`] reads, as a real recovery takes a moment.
//! Lists page [`PAGE_SIZE`] items at a time (`maxresults` up to 25) with `nextLink`.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use serde_json::{json, Map, Value};

use crate::clock::unix_now;
use crate::reply::Reply;
use crate::server::{Draft, Incoming, Outcome};
use crate::state::State;

/// The audience of Key Vault tokens.
pub(crate) const AUDIENCE: &str = "https://vault.azure.net";
/// Items per list page when the caller gives no `maxresults`.
pub(crate) const PAGE_SIZE: usize = 2;
/// Reads of a recovered secret that still answer 404.
pub(crate) const RECOVERY_READS: u32 = 2;
/// The object id of the simulated managed identity.
const MSI_OBJECT_ID: &str = "5c1e0000-0000-4000-8000-00000000a151";

#[derive(Debug, Clone)]
struct Version {
    id: String,
    value: String,
    created: i64,
    enabled: bool,
    content_type: Option<String>,
    tags: Option<Value>,
}

#[derive(Debug, Clone)]
struct Entry {
    /// The name as first written.
    name: String,
    versions: Vec<Version>,
    /// Reads left that answer 404 after a recovery.
    recovering: u32,
}

#[derive(Debug, Clone)]
struct Deleted {
    entry: Entry,
    deleted: i64,
}

#[derive(Debug, Default)]
struct Vault {
    /// Lower-case name -> secret.
    secrets: BTreeMap<String, Entry>,
    deleted: BTreeMap<String, Deleted>,
}

/// Every vault, by lower-case name, and the managed identity's header secret.
#[derive(Debug)]
pub(crate) struct KeyVaultState {
    vaults: Mutex<HashMap<String, Vault>>,
    /// What `X-IDENTITY-HEADER` must say.
    pub identity_header: String,
}

impl Default for KeyVaultState {
    fn default() -> Self {
        KeyVaultState {
            vaults: Mutex::new(HashMap::new()),
            identity_header: format!("sim-identity-{}", uuid::Uuid::new_v4().simple()),
        }
    }
}

impl KeyVaultState {
    fn lock(&self) -> MutexGuard<'_, HashMap<String, Vault>> {
        self.vaults.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// A Key Vault error body.
fn error(status: u16, code: &str, message: &str) -> Reply {
    Reply::json(status, json!({"error": {"code": code, "message": message}}))
}

fn not_found(name: &str) -> Reply {
    error(
        404,
        "SecretNotFound",
        &format!("A secret with (name/id) {name} was not found in this key vault. If you recently deleted this secret you may be able to recover it using the correct recovery command."),
    )
}

fn deleted_not_found(name: &str) -> Reply {
    error(
        404,
        "SecretNotFound",
        &format!("Deleted Secret not found: {name}"),
    )
}

fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 127
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
}

/// Serve `/msi/{path}`: the App Service identity endpoint.
pub(crate) fn serve_msi(state: &Arc<State>, inc: &Incoming, rest: &str) -> Outcome {
    Outcome::logged("managed_identity", |draft| msi(state, inc, rest, draft))
}

fn msi(state: &State, inc: &Incoming, rest: &str, draft: &mut Draft) -> Reply {
    if inc.method != "GET" || rest.trim_matches('/') != "token" {
        return Reply::json(
            404,
            json!({"statusCode": 404, "message": "cipp-sim serves GET /msi/token only"}),
        );
    }
    if inc.header("x-identity-header") != Some(state.keyvault.identity_header.as_str()) {
        return Reply::json(
            400,
            json!({"statusCode": 400, "message": "The X-IDENTITY-HEADER header is missing or wrong."}),
        );
    }
    let q: HashMap<String, String> = inc.query_pairs().into_iter().collect();
    if q.get("api-version").map(String::as_str) != Some("2019-08-01") {
        return Reply::json(
            400,
            json!({"statusCode": 400, "message": "api-version must be 2019-08-01"}),
        );
    }
    let Some(resource) = q.get("resource").filter(|r| !r.trim().is_empty()) else {
        return Reply::json(
            400,
            json!({"statusCode": 400, "message": "resource is required"}),
        );
    };
    let audience = resource.trim_end_matches('/').to_string();
    let tenant = state.directory.partner.id.clone();
    draft.token_aud = Some(audience.clone());
    draft.token_tid = Some(tenant.clone());
    let mut claims = Map::new();
    claims.insert("aud".into(), json!(audience));
    claims.insert("tid".into(), json!(tenant));
    claims.insert("oid".into(), json!(MSI_OBJECT_ID));
    claims.insert("sub".into(), json!(MSI_OBJECT_ID));
    claims.insert("idtyp".into(), json!("app"));
    claims.insert(
        "xms_mirid".into(),
        json!("/subscriptions/sim/resourcegroups/cipp/providers/Microsoft.Web/sites/cipp-sim"),
    );
    let (token, lifetime) = state.tokens.issue(claims);
    let expires_on = unix_now() + i64::try_from(lifetime).unwrap_or(3600);
    // App Service answers `expires_on` as a string of Unix seconds and no `expires_in`.
    Reply::json(
        200,
        json!({
            "access_token": token,
            "expires_on": expires_on.to_string(),
            "resource": resource,
            "token_type": "Bearer",
            "client_id": MSI_OBJECT_ID,
        }),
    )
}

/// Serve `/keyvault/{vault}/{path}`.
pub(crate) fn serve(state: &Arc<State>, inc: &Incoming, rest: &str) -> Outcome {
    Outcome::logged("keyvault", |draft| answer(state, inc, rest, draft))
}

fn answer(state: &State, inc: &Incoming, rest: &str, draft: &mut Draft) -> Reply {
    let claims = match state.tokens.validate(inc.bearer()) {
        Ok(c) => c,
        Err((problem, _)) => {
            return error(401, "Unauthorized", problem.message())
                .header("WWW-Authenticate", format!("Bearer authorization=\"https://login.microsoftonline.com/common\", resource=\"{AUDIENCE}\""))
        }
    };
    draft.token_aud = claims.aud().map(str::to_string);
    draft.token_tid = claims.tid().map(str::to_string);
    if claims.aud().map(|a| a.trim_end_matches('/')) != Some(AUDIENCE) {
        return error(
            401,
            "Unauthorized",
            "AKV10022: Invalid audience. Expected https://vault.azure.net.",
        );
    }
    if claims.tid() != Some(state.directory.partner.id.as_str()) {
        return error(
            401,
            "Unauthorized",
            "AKV10032: Invalid issuer. The vault belongs to the partner tenant.",
        );
    }
    let target = crate::faults::Target {
        batch_item: false,
        tenant: claims.tid(),
        method: &inc.method,
        path: &inc.path,
    };
    if let Some(reply) = state.fault_reply(&target, error) {
        return reply;
    }
    let q: HashMap<String, String> = inc.query_pairs().into_iter().collect();
    if q.get("api-version")
        .map(|v| v.trim().is_empty())
        .unwrap_or(true)
    {
        return error(
            400,
            "BadParameter",
            "The api-version query parameter is missing.",
        );
    }
    let segs: Vec<String> = rest
        .trim_matches('/')
        .split('/')
        .map(|s| {
            percent_encoding::percent_decode_str(s)
                .decode_utf8_lossy()
                .into_owned()
        })
        .collect();
    let Some((vault, path)) = segs.split_first() else {
        return error(404, "NotFound", "No vault named.");
    };
    let vault_key = vault.to_ascii_lowercase();
    draft.tenant = Some(vault_key.clone());
    let base = format!("http://{}/keyvault/{vault}", inc.host);
    let path: Vec<&str> = path.iter().map(String::as_str).collect();
    if let Some(name) = match path.as_slice() {
        ["secrets", name, ..] | ["deletedsecrets", name, ..] => Some(*name),
        _ => None,
    } {
        if !valid_name(name) {
            return error(
                400,
                "BadParameter",
                &format!(
                    "The secret name '{name}' is invalid: use 1-127 letters, digits and dashes."
                ),
            );
        }
    }
    let ctx = Ctx {
        base: &base,
        maxresults: q
            .get("maxresults")
            .and_then(|v| v.parse::<usize>().ok())
            .map(|n| n.clamp(1, 25))
            .unwrap_or(PAGE_SIZE),
        skip: q
            .get("$skiptoken")
            .and_then(|v| v.parse::<usize>().ok())
            .unwrap_or(0),
        api_version: q.get("api-version").cloned().unwrap_or_default(),
    };
    let mut vaults = state.keyvault.lock();
    let v = vaults.entry(vault_key).or_default();
    match (inc.method.as_str(), path.as_slice()) {
        ("GET", ["secrets"]) => {
            let items: Vec<Value> = v
                .secrets
                .values()
                .filter_map(|e| e.versions.last().map(|ver| item(&ctx, e, ver, false)))
                .collect();
            page(&ctx, "secrets", items)
        }
        ("GET", ["secrets", name, "versions"]) => match v.secrets.get(&name.to_ascii_lowercase()) {
            Some(e) => {
                let items = e
                    .versions
                    .iter()
                    .map(|ver| item(&ctx, e, ver, true))
                    .collect();
                page(&ctx, &format!("secrets/{}/versions", e.name), items)
            }
            None => not_found(name),
        },
        ("GET", ["secrets", name]) => read(v, &ctx, name, None),
        ("GET", ["secrets", name, version]) => read(v, &ctx, name, Some(version)),
        ("PUT", ["secrets", name]) => set(v, &ctx, name, &inc.body),
        ("DELETE", ["secrets", name]) => delete(v, &ctx, name),
        ("GET", ["deletedsecrets"]) => {
            let items = v
                .deleted
                .values()
                .filter_map(|d| {
                    let ver = d.entry.versions.last()?;
                    Some(deleted_json(&ctx, d, ver))
                })
                .collect();
            page(&ctx, "deletedsecrets", items)
        }
        ("GET", ["deletedsecrets", name]) => match v.deleted.get(&name.to_ascii_lowercase()) {
            Some(d) => match d.entry.versions.last() {
                Some(ver) => Reply::json(200, deleted_json(&ctx, d, ver)),
                None => deleted_not_found(name),
            },
            None => deleted_not_found(name),
        },
        ("DELETE", ["deletedsecrets", name]) => {
            match v.deleted.remove(&name.to_ascii_lowercase()) {
                Some(_) => Reply::empty(204),
                None => deleted_not_found(name),
            }
        }
        ("POST", ["deletedsecrets", name, "recover"]) => {
            let key = name.to_ascii_lowercase();
            match v.deleted.remove(&key) {
                Some(mut d) => {
                    d.entry.recovering = RECOVERY_READS;
                    let answer = d
                        .entry
                        .versions
                        .last()
                        .map(|ver| item(&ctx, &d.entry, ver, true))
                        .unwrap_or(Value::Null);
                    v.secrets.insert(key, d.entry);
                    Reply::json(200, answer)
                }
                None => deleted_not_found(name),
            }
        }
        _ => error(
            405,
            "BadParameter",
            &format!(
                "cipp-sim's Key Vault does not serve {} /{}",
                inc.method,
                path.join("/")
            ),
        ),
    }
}

struct Ctx<'a> {
    base: &'a str,
    maxresults: usize,
    skip: usize,
    api_version: String,
}

fn attributes(e: &Entry, ver: &Version) -> Value {
    let updated = e.versions.last().map(|v| v.created).unwrap_or(ver.created);
    json!({
        "enabled": ver.enabled,
        "created": ver.created,
        "updated": updated.max(ver.created),
        "recoveryLevel": "Recoverable+Purgeable",
        "recoverableDays": 90,
    })
}

/// A secret without its value; `versioned` ids name the version.
fn item(ctx: &Ctx<'_>, e: &Entry, ver: &Version, versioned: bool) -> Value {
    let id = if versioned {
        format!("{}/secrets/{}/{}", ctx.base, e.name, ver.id)
    } else {
        format!("{}/secrets/{}", ctx.base, e.name)
    };
    let mut m = Map::new();
    m.insert("id".into(), json!(id));
    m.insert("attributes".into(), attributes(e, ver));
    m.insert("tags".into(), ver.tags.clone().unwrap_or_else(|| json!({})));
    if let Some(ct) = &ver.content_type {
        m.insert("contentType".into(), json!(ct));
    }
    Value::Object(m)
}

fn bundle(ctx: &Ctx<'_>, e: &Entry, ver: &Version) -> Value {
    let mut v = item(ctx, e, ver, true);
    if let Value::Object(m) = &mut v {
        m.insert("value".into(), json!(ver.value));
    }
    v
}

fn deleted_json(ctx: &Ctx<'_>, d: &Deleted, ver: &Version) -> Value {
    let mut v = item(ctx, &d.entry, ver, true);
    if let Value::Object(m) = &mut v {
        m.insert(
            "recoveryId".into(),
            json!(format!("{}/deletedsecrets/{}", ctx.base, d.entry.name)),
        );
        m.insert("deletedDate".into(), json!(d.deleted));
        m.insert("scheduledPurgeDate".into(), json!(d.deleted + 90 * 86_400));
    }
    v
}

fn page(ctx: &Ctx<'_>, path: &str, items: Vec<Value>) -> Reply {
    let end = (ctx.skip + ctx.maxresults).min(items.len());
    let slice: Vec<Value> = items
        .get(ctx.skip.min(end)..end)
        .unwrap_or_default()
        .to_vec();
    let next = (end < items.len()).then(|| {
        format!(
            "{}/{path}?api-version={}&maxresults={}&$skiptoken={end}",
            ctx.base, ctx.api_version, ctx.maxresults
        )
    });
    Reply::json(200, json!({"value": slice, "nextLink": next}))
}

fn read(v: &mut Vault, ctx: &Ctx<'_>, name: &str, version: Option<&str>) -> Reply {
    let Some(e) = v.secrets.get_mut(&name.to_ascii_lowercase()) else {
        return not_found(name);
    };
    if e.recovering > 0 {
        e.recovering -= 1;
        return not_found(name);
    }
    let ver = match version {
        None => e.versions.last(),
        Some(id) => e.versions.iter().find(|x| x.id.eq_ignore_ascii_case(id)),
    };
    let Some(ver) = ver else {
        return error(
            404,
            "SecretNotFound",
            &format!(
                "A secret with (name/id) {name}/{} was not found in this key vault.",
                version.unwrap_or_default()
            ),
        );
    };
    if !ver.enabled {
        return error(
            403,
            "Forbidden",
            "Operation get is not allowed on a disabled secret.",
        );
    }
    Reply::json(200, bundle(ctx, e, ver))
}

fn set(v: &mut Vault, ctx: &Ctx<'_>, name: &str, body: &[u8]) -> Reply {
    let key = name.to_ascii_lowercase();
    if v.deleted.contains_key(&key) {
        return Reply::json(
            409,
            json!({"error": {
                "code": "Conflict",
                "message": format!("Secret {name} is currently in a deleted but recoverable state, and its name cannot be reused; in this state, the secret can only be recovered or purged."),
                "innererror": {"code": "ObjectIsDeletedButRecoverable"}
            }}),
        );
    }
    if v.secrets.get(&key).map(|e| e.recovering > 0) == Some(true) {
        return error(
            409,
            "Conflict",
            &format!("There is another operation in progress on the secret {name}: it is being recovered."),
        );
    }
    let parsed: Value = match serde_json::from_slice(body) {
        Ok(Value::Object(m)) => Value::Object(m),
        _ => {
            return error(
                400,
                "BadParameter",
                "The request body must be a JSON object.",
            )
        }
    };
    let Some(value) = parsed.get("value").and_then(Value::as_str) else {
        return error(
            400,
            "BadParameter",
            "Property 'value' is required and must be a string.",
        );
    };
    let enabled = parsed
        .pointer("/attributes/enabled")
        .and_then(Value::as_bool)
        .unwrap_or(true);
    let version = Version {
        id: uuid::Uuid::new_v4().simple().to_string(),
        value: value.to_string(),
        created: unix_now(),
        enabled,
        content_type: parsed
            .get("contentType")
            .and_then(Value::as_str)
            .map(str::to_string),
        tags: parsed.get("tags").filter(|t| t.is_object()).cloned(),
    };
    let e = v.secrets.entry(key).or_insert_with(|| Entry {
        name: name.to_string(),
        versions: Vec::new(),
        recovering: 0,
    });
    e.versions.push(version);
    match e.versions.last() {
        Some(ver) => Reply::json(200, bundle(ctx, e, ver)),
        None => error(500, "InternalServerError", "no version"),
    }
}

fn delete(v: &mut Vault, ctx: &Ctx<'_>, name: &str) -> Reply {
    let key = name.to_ascii_lowercase();
    let Some(entry) = v.secrets.remove(&key) else {
        return not_found(name);
    };
    let d = Deleted {
        entry,
        deleted: unix_now(),
    };
    let answer = d
        .entry
        .versions
        .last()
        .map(|ver| deleted_json(ctx, &d, ver))
        .unwrap_or(Value::Null);
    v.deleted.insert(key, d);
    Reply::json(200, answer)
}
