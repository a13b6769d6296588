//! The Teams admin ConfigAPI (`{base}/teams/...`, standing in for
//! `https://api.interfaces.records.teams.microsoft.com`): tenant discovery,
//! `Skype.Policy/configurations` and `Teams.PlatformService/v2/ApplicationInstances` (resource
//! accounts, joined to the tenant's Graph users). Tokens must be for the Teams audience; a `PUT` must carry the
//! object's `Key` when it has one and may only set properties the object has; federation types
//! need the admin-service routing (`x-ms-target-uri` and `?adminDomain=`).

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, PoisonError};

use serde_json::{json, Map, Value};

use crate::reply::Reply;
use crate::seed::Seed;
use crate::server::{Draft, Incoming, Outcome};
use crate::state::State;

/// Audience of Teams admin tokens.
pub(crate) const TEAMS_AUDIENCE: &str = "48ac35b8-9aa8-4d74-927d-1f4a14a0b239";
const FEDERATION: [&str; 2] = [
    "TenantFederationSettings",
    "TeamsAcsFederationConfiguration",
];
const ADMIN_SERVICE: &str = "admin2a.online.lync.com";

/// One tenant's configurations: type -> instances.
type Configurations = BTreeMap<String, Vec<Map<String, Value>>>;

/// The Teams demo data (`seed/teams.json`): a seed overlay whose `graph` part (the resource
/// accounts' Entra users) [`Seed::demo`] lays over the seed, and whose `teams` part (which of
/// those users Teams knows as application instances) is read here.
pub(crate) const TEAMS_SEED: &str = include_str!("../seed/teams.json");

/// Each tenant's configurations, and its application instances (resource accounts) as
/// `{userPrincipalName, applicationId, phoneNumber}`, joined to the tenant's Graph users
/// when listed, so a change to the user (disabled, renamed) shows.
#[derive(Debug, Default)]
pub(crate) struct TeamsState {
    tenants: HashMap<String, Mutex<Configurations>>,
    instances: HashMap<String, Vec<Value>>,
}

/// The application instances of each tenant in [`TEAMS_SEED`] (tenant id in lower case).
fn seeded_instances() -> HashMap<String, Vec<Value>> {
    let v: Value = serde_json::from_str(TEAMS_SEED).unwrap_or(Value::Null);
    v["tenants"]
        .as_object()
        .into_iter()
        .flatten()
        .filter_map(|(id, t)| {
            let list = t["teams"]["applicationInstances"].as_array()?;
            Some((id.to_ascii_lowercase(), list.clone()))
        })
        .collect()
}

fn obj(v: Value) -> Map<String, Value> {
    match v {
        Value::Object(m) => m,
        _ => Map::new(),
    }
}

fn instance(kind: &str, tenant: &str, identity: &str, props: Value) -> Map<String, Value> {
    let mut m = obj(json!({
        "Identity": identity,
        "Key": {"ScopeClass": if identity == "Global" { "Global" } else { "Tag" },
            "SchemaId": {"XName": {"name": kind}},
            "AuthorityId": {"Class": "Tenant", "InstanceId": tenant}, "DefaultXml": null,
            "XmlRoot": {"name": "policy"}},
    }));
    m.extend(obj(props));
    m
}

impl TeamsState {
    pub fn new(seed: &Seed) -> Self {
        let tenants = seed
            .partner_and_customers()
            .map(|t| {
                let id = t.id.to_ascii_lowercase();
                let mut types = Configurations::new();
                let mut put = |kind: &str, identity: &str, props: Value| {
                    types
                        .entry(kind.to_string())
                        .or_default()
                        .push(instance(kind, &id, identity, props));
                };
                put("TeamsMeetingPolicy", "Global", json!({"AllowAnonymousUsersToJoinMeeting": true,
                    "AllowAnonymousUsersToStartMeeting": false, "AutoAdmittedUsers": "EveryoneInCompanyExcludingGuests",
                    "AllowPSTNUsersToBypassLobby": false, "AllowExternalParticipantGiveRequestControl": false,
                    "AllowCloudRecording": true, "MeetingChatEnabledType": "Enabled",
                    "EnrollUserOverride": "Enabled", "CaptchaVerificationForMeetingJoin": "NotRequired",
                    "DesignatedPresenterRoleMode": "EveryoneUserOverride", "AllowParticipantGiveRequestControl": true,
                    "NewMeetingRecordingExpirationDays": 120}));
                put("TeamsMeetingPolicy", "Tag:RestrictedAnonymousAccess", json!({"AllowAnonymousUsersToJoinMeeting": false,
                    "AllowAnonymousUsersToStartMeeting": false, "AutoAdmittedUsers": "EveryoneInCompany",
                    "AllowPSTNUsersToBypassLobby": false, "AllowExternalParticipantGiveRequestControl": false,
                    "AllowCloudRecording": true, "MeetingChatEnabledType": "Enabled"}));
                put("TeamsMessagingPolicy", "Global", json!({"AllowUserEditMessage": true,
                    "AllowUserDeleteMessage": true, "AllowGiphy": true, "GiphyRatingType": "Moderate",
                    "ReadReceiptsEnabledType": "UserPreference", "AllowOwnerDeleteMessage": true,
                    "AllowUserDeleteChat": true, "CreateCustomEmojis": false, "DeleteCustomEmojis": false,
                    "AllowSecurityEndUserReporting": false, "AllowCommunicationComplianceEndUserReporting": false,
                    "UseB2BInvitesToAddExternalUsers": true}));
                put("TeamsClientConfiguration", "Global", json!({"AllowDropBox": true, "AllowBox": true,
                    "AllowGoogleDrive": true, "AllowShareFile": true, "AllowEgnyte": true,
                    "AllowEmailIntoChannel": true, "AllowGuestUser": true}));
                put("TeamsMessagingConfiguration", "Global", json!({"CustomEmojis": true,
                    "UseB2BInvitesToAddExternalUsers": true, "EnableVideoMessageCaptions": true,
                    "FileTypeCheck": "Disabled", "UrlReputationCheck": "Disabled"}));
                put("ExternalAccessPolicy", "Global", json!({"EnableFederationAccess": true,
                    "EnableTeamsConsumerAccess": true, "EnablePublicCloudAccess": true,
                    "EnableOutsideAccess": true}));
                put("TenantFederationSettings", "Global", json!({"AllowFederatedUsers": true,
                    "AllowTeamsConsumer": true, "AllowTeamsConsumerInbound": true, "AllowPublicUsers": true,
                    "AllowedDomains": {"AllowAllKnownDomains": {}}, "BlockedDomains": []}));
                (id, Mutex::new(types))
            })
            .collect();
        TeamsState {
            tenants,
            instances: seeded_instances(),
        }
    }

    /// The instances of `kind` in a tenant (tests).
    pub fn instances(&self, tenant: &str, kind: &str) -> Vec<Value> {
        self.tenants
            .get(tenant)
            .map(|t| {
                t.lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .get(kind)
                    .map(|v| v.iter().cloned().map(Value::Object).collect())
                    .unwrap_or_default()
            })
            .unwrap_or_default()
    }
}

fn error(status: u16, code: &str, message: &str) -> Reply {
    Reply::json(status, json!({"errorCode": code, "message": message}))
}

/// Serve `/teams/{path}`.
pub(crate) fn serve(state: &Arc<State>, inc: &Incoming, rest: &str) -> Outcome {
    Outcome::logged("teams", |draft| answer(state, inc, rest, draft))
}

fn answer(state: &State, inc: &Incoming, rest: &str, draft: &mut Draft) -> Reply {
    let claims = match state.tokens.validate(inc.bearer()) {
        Ok(c) => c,
        Err((problem, _)) => return error(401, "Unauthorized", problem.message()),
    };
    draft.token_aud = claims.aud().map(str::to_string);
    draft.token_tid = claims.tid().map(str::to_string);
    draft.tenant = draft.token_tid.clone();
    if claims.aud() != Some(TEAMS_AUDIENCE) {
        return error(
            401,
            "Unauthorized",
            "The token audience is not the Teams admin API.",
        );
    }
    let tid = claims.tid().unwrap_or_default().to_string();
    let target = crate::faults::Target {
        batch_item: false,
        tenant: Some(&tid),
        method: &inc.method,
        path: &inc.path,
    };
    if let Some(reply) = state.fault_reply(&target, error) {
        return reply;
    }
    let Some(tenant) = state.directory.all().find(|t| t.id == tid).cloned() else {
        return error(404, "NotFound", "Unknown tenant.");
    };
    let Some(store) = state.teams.tenants.get(&tid) else {
        return error(404, "NotFound", "This tenant has no Teams service.");
    };
    let segs: Vec<&str> = rest.trim_matches('/').split('/').collect();
    match (inc.method.as_str(), segs.as_slice()) {
        ("GET", ["Teams.Tenant", "tenants"]) => Reply::json(
            200,
            json!({"tenantId": tid, "serviceDiscovery": {
                "Endpoints": {"ConfigApiEndpoint": "api.interfaces.records.teams.microsoft.com",
                    "AdminServiceEndpoint": ADMIN_SERVICE},
                "Headers": {"X-MS-Forest": "NOAM-2A-S7"}},
                "verifiedDomains": tenant.domains.iter().map(|d| json!({"name": d})).collect::<Vec<_>>()}),
        ),
        ("GET", ["Teams.PlatformService", "v2", "ApplicationInstances"]) => {
            application_instances(state, inc, &tid)
        }
        (method, ["Skype.Policy", "configurations", kind, more @ ..]) => {
            if FEDERATION.contains(kind) {
                let routed = inc.header("x-ms-target-uri").is_some_and(|u| {
                    u == format!("https://{ADMIN_SERVICE}/OcsPowershellWebservice")
                });
                let domain_ok = inc.query_pairs().iter().any(|(k, v)| {
                    k == "adminDomain" && v.eq_ignore_ascii_case(&tenant.initial_domain)
                });
                if !routed || !domain_ok {
                    return error(
                        400,
                        "BadRequest",
                        "Federation settings need x-ms-target-uri of the admin service and adminDomain of the tenant.",
                    );
                }
            }
            let mut types = store.lock().unwrap_or_else(PoisonError::into_inner);
            let Some(items) = types.get_mut(*kind) else {
                return error(
                    404,
                    "NotFound",
                    &format!("Unknown configuration type '{kind}'."),
                );
            };
            match (method, more) {
                ("GET", []) => Reply::json(
                    200,
                    Value::Array(items.iter().cloned().map(Value::Object).collect()),
                ),
                (_, ["configuration", identity]) => {
                    let id = percent_encoding::percent_decode_str(identity)
                        .decode_utf8_lossy()
                        .to_string();
                    let pos = items.iter().position(|i| {
                        i.get("Identity")
                            .and_then(Value::as_str)
                            .is_some_and(|x| x.eq_ignore_ascii_case(&id))
                    });
                    match (method, pos) {
                        ("GET", Some(p)) => Reply::json(200, Value::Object(items[p].clone())),
                        ("PUT", Some(p)) => put(&mut items[p], &inc.body),
                        ("DELETE", Some(p)) if !id.eq_ignore_ascii_case("Global") => {
                            items.remove(p);
                            Reply::empty(204)
                        }
                        (_, None) => {
                            error(404, "NotFound", &format!("{kind} '{id}' was not found."))
                        }
                        _ => error(400, "BadRequest", "The Global instance cannot be removed."),
                    }
                }
                _ => error(404, "NotFound", "No such ConfigAPI resource."),
            }
        }
        _ => error(
            404,
            "NotFound",
            &format!("cipp-sim does not serve {} /{rest}", inc.method),
        ),
    }
}

/// `GET Teams.PlatformService/v2/ApplicationInstances?pageSize=&skipToken=`: the tenant's
/// resource accounts whose Entra user exists, `pageSize` (1-100, default 100) a page, the
/// next page's `skipToken` while more remain.
fn application_instances(state: &State, inc: &Incoming, tid: &str) -> Reply {
    let query = inc.query_pairs();
    let param = |name: &str| {
        query
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.clone())
    };
    let size = match param("pageSize").map(|p| p.parse::<usize>()) {
        None => 100,
        Some(Ok(n)) if (1..=100).contains(&n) => n,
        Some(_) => return error(400, "BadRequest", "pageSize must be 1 to 100."),
    };
    let start = match param("skipToken").map(|t| t.parse::<usize>()) {
        None => 0,
        Some(Ok(n)) => n,
        Some(Err(_)) => return error(400, "BadRequest", "The skipToken is not valid."),
    };
    let users = state
        .graph
        .store(tid)
        .map(|s| {
            s.read().unwrap_or_else(PoisonError::into_inner).root["users"]
                .as_array()
                .cloned()
                .unwrap_or_default()
        })
        .unwrap_or_default();
    let all: Vec<Value> = state
        .teams
        .instances
        .get(tid)
        .into_iter()
        .flatten()
        .filter_map(|i| {
            let upn = i["userPrincipalName"].as_str()?;
            let user = users.iter().find(|u| {
                u["userPrincipalName"]
                    .as_str()
                    .is_some_and(|x| x.eq_ignore_ascii_case(upn))
            })?;
            Some(
                json!({"objectId": user["id"], "userPrincipalName": user["userPrincipalName"],
                "displayName": user["displayName"], "applicationId": i["applicationId"],
                "phoneNumber": i["phoneNumber"]}),
            )
        })
        .collect();
    let page: Vec<Value> = all.iter().skip(start).take(size).cloned().collect();
    let next = start + page.len();
    let token = (next < all.len()).then(|| next.to_string());
    Reply::json(
        200,
        json!({"applicationInstances": page, "skipToken": token}),
    )
}

fn put(item: &mut Map<String, Value>, body: &[u8]) -> Reply {
    let Ok(Value::Object(changes)) = serde_json::from_slice::<Value>(body) else {
        return error(400, "BadRequest", "The body must be a JSON object.");
    };
    if item.contains_key("Key") && changes.get("Key") != item.get("Key") {
        return error(
            400,
            "BadRequest",
            "The object's Key must be sent back unchanged.",
        );
    }
    for (k, v) in &changes {
        if !item.contains_key(k) {
            return error(
                400,
                "BadRequest",
                &format!("'{k}' is not a property of this configuration."),
            );
        }
        if k != "Key" && k != "Identity" {
            item.insert(k.clone(), v.clone());
        }
    }
    Reply::empty(204)
}
