//! Exchange Online and Security & Compliance admin APIs (`{base}/exchange/adminapi/...` for
//! `https://outlook.office365.com`, `{base}/compliance/...` for the compliance hosts).
//!
//! A small verb-noun engine stands in for the cmdlets: each tenant holds collections of
//! objects per noun (`Mailbox`, `TransportRule`, ...) and single objects for the `*Config`
//! nouns. `Get-` lists (by `Identity`, `Mailbox`, `ResultSize`), `Set-` changes properties the
//! object has (an unknown parameter is refused, as Exchange refuses it), `New-` adds, `Remove-`
//! deletes, `Enable-`/`Disable-` flip `Enabled`. Answers page with `@odata.nextLink` by the
//! `Prefer: odata.maxpagesize` asked for; `$batch` runs up to ten cmdlets per call. Requests
//! need an Exchange token of the tenant in the URL and an anchor mailbox of that tenant;
//! `Set-AdminAuditLogConfig` needs the audit-log system mailbox as its anchor. The compliance
//! global host redirects each tenant to its regional host.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, PoisonError};

use serde_json::{json, Map, Value};

use crate::directory::SimTenant;
use crate::reply::Reply;
use crate::seed::{Seed, SeedTenant};
use crate::server::{Draft, Incoming, Outcome};
use crate::state::State;

mod compliance_policies;
mod hygiene_objects;
mod mailbox;
mod mailbox_settings;
pub(crate) mod protection_alerts;
mod sensitive_info_types;
mod sensitivity_labels;
pub(crate) mod standards_objects;

/// Audience of Exchange tokens.
pub(crate) const EXCHANGE_AUDIENCE: &str = "https://outlook.office365.com";
/// Audience of Security & Compliance tokens.
pub(crate) const COMPLIANCE_AUDIENCE: &str = "https://ps.compliance.protection.outlook.com";
/// The audit-log system mailbox `Set-AdminAuditLogConfig` must be anchored on.
const AUDIT_ANCHOR: &str = "8cc370d3-822a-4ab8-a926-bb94bd0641a9";
/// Operations allowed in one `$batch`.
const BATCH_LIMIT: usize = 10;
/// Regional compliance hosts handed out, by tenant position.
const REGIONS: [&str; 3] = ["nam10b", "eur03b", "apc01b"];
/// Parameters the simulated `Get-` cmdlets understand.
const GET_PARAMETERS: [&str; 6] = [
    "Identity",
    "ResultSize",
    "Mailbox",
    "RecipientTypeDetails",
    "IncludeHidden",
    "ErrorAction",
];
/// Parameters every cmdlet accepts without them being properties.
const COMMON_PARAMETERS: [&str; 5] = ["Confirm", "Force", "WhatIf", "ErrorAction", "Identity"];

/// One Exchange object: property -> value.
type Row = Map<String, Value>;

/// What a cmdlet yields: its rows and its warnings.
type CmdletYield = (Vec<Row>, Vec<String>);

/// One tenant's objects: noun (lower case) -> objects, per admin API.
#[derive(Debug, Default, Clone)]
pub(crate) struct ExoStore {
    nouns: BTreeMap<String, Vec<Map<String, Value>>>,
}

/// Nouns that are one object per tenant.
const SINGLETONS: [&str; 5] = [
    "organizationconfig",
    "adminauditlogconfig",
    "transportconfig",
    "atppolicyforo365",
    "externalinoutlook",
];

/// Objects every tenant starts with, by noun, as data (more of Exchange's defaults than the
/// ones built in code below; a seed's objects of a noun replace these).
const EXCHANGE_DEFAULTS: &str = include_str!("../seed/exchange_defaults.json");

/// Parameters that set a property of another name (`-AutoExpandingArchive` sets
/// `AutoExpandingArchiveEnabled`), by noun.
const PARAMETER_PROPERTIES: [(&str, &str, &str); 1] = [(
    "organizationconfig",
    "AutoExpandingArchive",
    "AutoExpandingArchiveEnabled",
)];

/// Every tenant's Exchange and compliance objects.
#[derive(Debug, Default)]
pub(crate) struct ExchangeState {
    exchange: HashMap<String, Mutex<ExoStore>>,
    compliance: HashMap<String, Mutex<ExoStore>>,
    regions: HashMap<String, &'static str>,
}

impl ExchangeState {
    pub fn new(seed: &Seed) -> Self {
        let mut s = ExchangeState::default();
        for (i, t) in seed.partner_and_customers().enumerate() {
            let id = t.id.to_ascii_lowercase();
            s.exchange.insert(id.clone(), Mutex::new(exchange_store(t)));
            s.compliance
                .insert(id.clone(), Mutex::new(compliance_store()));
            s.regions.insert(id, REGIONS[i % REGIONS.len()]);
        }
        s
    }

    /// The objects of `noun` in a tenant (for tests and the control API).
    pub fn rows(&self, tenant: &str, noun: &str, compliance: bool) -> Vec<Value> {
        let map = if compliance {
            &self.compliance
        } else {
            &self.exchange
        };
        map.get(tenant)
            .map(|s| {
                let s = s.lock().unwrap_or_else(PoisonError::into_inner);
                s.nouns
                    .get(&noun.to_ascii_lowercase())
                    .map(|rows| rows.iter().cloned().map(Value::Object).collect())
                    .unwrap_or_default()
            })
            .unwrap_or_default()
    }

    /// Add `count` user mailboxes to a tenant (benchmarks).
    pub fn add_mailboxes(&self, tenant: &SimTenant, count: usize) {
        if let Some(store) = self.exchange.get(&tenant.id) {
            let mut s = store.lock().unwrap_or_else(PoisonError::into_inner);
            for i in 0..count {
                let user = crate::seed::generated_user(i, &tenant.default_domain);
                let (mailbox, cas) = mailbox_rows(&user, "UserMailbox");
                standards_objects::add_mailbox(&mut s.nouns, &tenant.id, mailbox);
                s.nouns.entry("casmailbox".into()).or_default().push(cas);
            }
        }
    }
}

fn obj(v: Value) -> Map<String, Value> {
    match v {
        Value::Object(m) => m,
        _ => Map::new(),
    }
}

fn mailbox_rows(user: &Value, kind: &str) -> (Map<String, Value>, Map<String, Value>) {
    let upn = user["userPrincipalName"].as_str().unwrap_or_default();
    let mail = user["mail"].as_str().unwrap_or(upn);
    let alias = user["mailNickname"]
        .as_str()
        .map(str::to_string)
        .unwrap_or_else(|| upn.split('@').next().unwrap_or_default().to_string());
    let id = user["id"].as_str().unwrap_or_default();
    let guid = uuid::Uuid::new_v5(&uuid::Uuid::NAMESPACE_OID, upn.as_bytes()).to_string();
    let mailbox = obj(json!({
        "Identity": alias, "Name": alias, "Alias": alias,
        "DisplayName": user["displayName"], "UserPrincipalName": upn,
        "PrimarySmtpAddress": mail, "EmailAddresses": [format!("SMTP:{mail}")],
        "RecipientTypeDetails": kind, "ExternalDirectoryObjectId": id, "Guid": guid,
        "AuditEnabled": true, "ForwardingAddress": null, "ForwardingSmtpAddress": null,
        "DeliverToMailboxAndForward": false, "HiddenFromAddressListsEnabled": false,
        "LitigationHoldEnabled": false, "RetainDeletedItemsFor": "14.00:00:00",
        "MessageCopyForSendOnBehalfEnabled": false, "MessageCopyForSentAsEnabled": false,
        "ProhibitSendQuota": "99 GB (106,300,440,576 bytes)",
    }));
    let cas = obj(json!({
        "Identity": alias, "Name": alias, "PrimarySmtpAddress": mail, "Guid": guid,
        "ExternalDirectoryObjectId": id,
        "PopEnabled": true, "ImapEnabled": true, "MAPIEnabled": true, "OWAEnabled": true,
        "ActiveSyncEnabled": true, "EwsEnabled": true, "SmtpClientAuthenticationDisabled": null,
    }));
    (mailbox, cas)
}

fn exchange_store(t: &SeedTenant) -> ExoStore {
    let mut nouns: BTreeMap<String, Vec<Map<String, Value>>> = BTreeMap::new();
    let mut put = |noun: &str, row: Value| {
        nouns.entry(noun.into()).or_default().push(obj(row));
    };
    let default_domain = t.default_domain();
    let initial = t.initial_domain();
    let org = initial.split('.').next().unwrap_or_default().to_string();
    let users = t.graph.get("users").and_then(Value::as_array);
    for u in users.into_iter().flatten() {
        if u["userType"] == "Guest" || u.get("mail").is_none_or(Value::is_null) {
            continue;
        }
        let (m, c) = mailbox_rows(u, "UserMailbox");
        put("mailbox", Value::Object(m));
        put("casmailbox", Value::Object(c));
    }
    let shared = json!({"id": uuid::Uuid::new_v5(&uuid::Uuid::NAMESPACE_DNS, default_domain.as_bytes()).to_string(),
        "userPrincipalName": format!("info@{default_domain}"), "mail": format!("info@{default_domain}"),
        "mailNickname": "info", "displayName": "Info"});
    let (m, c) = mailbox_rows(&shared, "SharedMailbox");
    put("mailbox", Value::Object(m));
    put("casmailbox", Value::Object(c));
    put(
        "organizationconfig",
        json!({"Identity": org, "Name": initial, "AuditDisabled": false,
            "OAuth2ClientProfileEnabled": true, "IsDehydrated": false,
            "CustomerLockBoxEnabled": false, "MailTipsAllTipsEnabled": true,
            "MailTipsExternalRecipientsTipsEnabled": false, "MailTipsGroupMetricsEnabled": true,
            "MailTipsLargeAudienceThreshold": 25, "FocusedInboxOn": true,
            "BookingsEnabled": true, "EwsApplicationAccessPolicy": null,
            "SendFromAliasEnabled": false, "AutoExpandingArchiveEnabled": false,
            "AutoArchivingThresholdPercentage": 90, "AutoEnableArchiveMailbox": false,
            "MessageRecallEnabled": false, "EwsEnabled": null, "DlpViaDcsEnabled": false,
            "RejectDirectSend": false, "ShortenEventScopeDefault": "None",
            "DefaultMinutesToReduceShortEventsBy": 0, "DefaultMinutesToReduceLongEventsBy": 0,
            "OnlineMeetingsByDefaultEnabled": null, "TwoClickMailPreviewEnabled": false}),
    );
    put(
        "adminauditlogconfig",
        json!({"Identity": "Admin Audit Log Settings", "Name": "Admin Audit Log Settings",
            "UnifiedAuditLogIngestionEnabled": false, "AdminAuditLogEnabled": true}),
    );
    put(
        "transportconfig",
        json!({"Identity": "Transport Settings", "SmtpClientAuthenticationDisabled": false,
            "MessageExpiration": "1.00:00:00"}),
    );
    for d in &t.domains {
        let is_default = d.eq_ignore_ascii_case(&default_domain);
        put(
            "accepteddomain",
            json!({"Identity": d, "Name": d, "DomainName": d, "DomainType": "Authoritative", "Default": is_default}),
        );
        let label = d.replace('.', "-");
        put(
            "dkimsigningconfig",
            json!({"Identity": d, "Name": d, "Domain": d, "Enabled": d.eq_ignore_ascii_case(&initial),
                "Status": if d.eq_ignore_ascii_case(&initial) { "Valid" } else { "CnameMissing" },
                "Selector1CNAME": format!("selector1-{label}._domainkey.{org}.onmicrosoft.com"),
                "Selector2CNAME": format!("selector2-{label}._domainkey.{org}.onmicrosoft.com")}),
        );
    }
    put(
        "hostedoutboundspamfilterpolicy",
        json!({"Identity": "Default", "Name": "Default", "IsDefault": true, "Enabled": true,
            "AutoForwardingMode": "Automatic", "RecipientLimitExternalPerHour": 0,
            "RecipientLimitInternalPerHour": 0, "RecipientLimitPerDay": 0,
            "ActionWhenThresholdReached": "BlockUserForToday", "BccSuspiciousOutboundMail": false,
            "NotifyOutboundSpam": false, "NotifyOutboundSpamRecipients": []}),
    );
    put(
        "hostedcontentfilterpolicy",
        json!({"Identity": "Default", "Name": "Default", "IsDefault": true,
            "SpamAction": "MoveToJmf", "HighConfidenceSpamAction": "MoveToJmf",
            "PhishSpamAction": "MoveToJmf", "HighConfidencePhishAction": "Quarantine",
            "BulkThreshold": 7, "QuarantineRetentionPeriod": 15,
            "AllowedSenderDomains": [], "EnableEndUserSpamNotifications": false}),
    );
    put(
        "antiphishpolicy",
        json!({"Identity": "Office365 AntiPhish Default", "Name": "Office365 AntiPhish Default",
            "IsDefault": true, "Enabled": true, "PhishThresholdLevel": 1,
            "EnableMailboxIntelligence": true, "EnableSpoofIntelligence": true,
            "EnableFirstContactSafetyTips": false, "EnableUnauthenticatedSender": true,
            "HonorDmarcPolicy": true}),
    );
    put(
        "malwarefilterpolicy",
        json!({"Identity": "Default", "Name": "Default", "IsDefault": true,
            "EnableFileFilter": false, "FileTypes": ["ace", "ani", "app"],
            "ZapEnabled": true, "EnableInternalSenderAdminNotifications": false}),
    );
    put(
        "quarantinepolicy",
        json!({"Identity": "DefaultFullAccessPolicy", "Name": "DefaultFullAccessPolicy",
            "EndUserQuarantinePermissionsValue": 23, "ESNEnabled": false}),
    );
    put(
        "sharingpolicy",
        json!({"Identity": "Default Sharing Policy", "Name": "Default Sharing Policy", "Default": true,
            "Enabled": true, "Domains": ["Anonymous:CalendarSharingFreeBusyReducedAvailability", "*:CalendarSharingFreeBusySimple"]}),
    );
    put(
        "owamailboxpolicy",
        json!({"Identity": "OwaMailboxPolicy-Default", "Name": "OwaMailboxPolicy-Default", "IsDefault": true,
            "AdditionalStorageProvidersAvailable": true, "PersonalAccountCalendarsEnabled": true,
            "ThirdPartyFileProvidersEnabled": true, "WacExternalServicesEnabled": true,
            "ConditionalAccessPolicy": "Off", "SetPhotoEnabled": true}),
    );
    put(
        "atppolicyforo365",
        json!({"Identity": "Default", "Name": "Default", "EnableATPForSPOTeamsODB": false,
            "EnableSafeDocs": false, "AllowSafeDocsOpen": false}),
    );
    put(
        "remotedomain",
        json!({"Identity": "Default", "Name": "Default", "DomainName": "*", "AutoForwardEnabled": true,
            "AutoReplyEnabled": true, "AllowedOOFType": "External", "TNEFEnabled": null}),
    );
    for noun in [
        "transportrule",
        "inboxrule",
        "safelinkspolicy",
        "safeattachmentpolicy",
        "managementroleassignment",
    ] {
        nouns.entry(noun.into()).or_default();
    }
    let defaults: Value = serde_json::from_str(EXCHANGE_DEFAULTS).unwrap_or(Value::Null);
    // Seed-given objects replace the defaults of their noun.
    for extra in [&defaults, &t.exchange] {
        let Value::Object(extra) = extra else {
            continue;
        };
        for (noun, rows) in extra {
            let rows = rows.as_array().cloned().unwrap_or_default();
            nouns.insert(
                noun.to_ascii_lowercase(),
                rows.into_iter().map(obj).collect(),
            );
        }
    }
    standards_objects::prepare(&mut nouns, t);
    mailbox_settings::prepare(&mut nouns, t);
    hygiene_objects::prepare(&mut nouns, t);
    crate::exchange_security::apply_mailbox_overrides(&mut nouns);
    ExoStore { nouns }
}

fn compliance_store() -> ExoStore {
    let mut nouns = BTreeMap::new();
    nouns.insert(
        "label".to_string(),
        vec![obj(json!({"Identity": "General", "Name": "General", "DisplayName": "General", "Tooltip": "Business data that is not meant for the public.", "Guid": "0a2e5d7c-4f1b-4c8e-9a3d-6b7e8f9a0b1c", "ImmutableId": "0a2e5d7c-4f1b-4c8e-9a3d-6b7e8f9a0b1c", "ParentId": null, "Priority": 0, "Disabled": false}))],
    );
    for noun in [
        "labelpolicy",
        "dlpcompliancepolicy",
        "protectionalert",
        "retentioncompliancepolicy",
    ] {
        nouns.insert(noun.to_string(), Vec::new());
    }
    nouns.insert("protectionalert".into(), protection_alerts::defaults());
    nouns.insert(
        "dlpsensitiveinformationtype".into(),
        sensitive_info_types::builtins(),
    );
    ExoStore { nouns }
}

/// Serve `/exchange/...` (Exchange Online).
pub(crate) fn serve_exchange(state: &Arc<State>, inc: &Incoming, rest: &str) -> Outcome {
    serve(state, inc, rest, false)
}

/// Serve `/compliance/...` (Security & Compliance; `/compliance/{region}/...` is regional).
pub(crate) fn serve_compliance(state: &Arc<State>, inc: &Incoming, rest: &str) -> Outcome {
    serve(state, inc, rest, true)
}

fn serve(state: &Arc<State>, inc: &Incoming, rest: &str, compliance: bool) -> Outcome {
    let kind = if compliance { "compliance" } else { "exchange" };
    Outcome::logged(kind, |draft| {
        let mut reply = answer(state, inc, rest, compliance, draft);
        reply.set_header("request-id", uuid::Uuid::new_v4().to_string());
        reply
    })
}

/// An OData error with Exchange's `details` shape.
fn error(status: u16, code: &str, message: &str) -> Reply {
    Reply::json(
        status,
        json!({"error": {"code": code, "message": message,
            "details": [{"code": "Context", "target": "", "message": message}],
            "innererror": {"message": message, "type": "Microsoft.Exchange.Admin.OData.Core.ODataServiceException"}}}),
    )
}

/// A cmdlet failure: `ExNNNNNN|Type|message` in `details`, as Exchange writes it.
/// The warning Exchange gives for a `Set-` that changed nothing (none when `unchanged` is
/// false).
fn unchanged_warning(unchanged: bool, identity: &str) -> Vec<String> {
    if unchanged {
        vec![format!(
            "The command completed successfully but no settings of '{identity}' have been modified."
        )]
    } else {
        Vec::new()
    }
}

/// PowerShell's answer for a parameter it cannot bind (a wrong name, type or value).
fn binding_failure(message: &str, target: &str) -> Reply {
    cmdlet_failure(
        400,
        "",
        "System.Management.Automation.ParameterBindingException",
        message,
        target,
    )
}

/// Exchange's answer for an `-Identity` that names no object.
fn not_found(id: &str) -> Reply {
    cmdlet_failure(
        404,
        "Ex6F9304",
        "Microsoft.Exchange.Configuration.Tasks.ManagementObjectNotFoundException",
        &format!("The operation couldn't be performed because object '{id}' couldn't be found."),
        id,
    )
}

fn cmdlet_failure(status: u16, ex_code: &str, kind: &str, message: &str, target: &str) -> Reply {
    let full = format!("{ex_code}|{kind}|{message}");
    Reply::json(
        status,
        json!({"error": {"code": if status == 404 { "NotFound" } else { "BadRequest" },
            "message": format!("|Microsoft.Exchange.Management.RestApiClient.RestApiException|{message}"),
            "details": [{"code": "Context", "target": target, "message": full}],
            "innererror": {"message": message, "type": "Microsoft.Exchange.Admin.OData.Core.ODataServiceException",
                "internalexception": {"message": full, "type": kind}}}}),
    )
}

fn answer(state: &State, inc: &Incoming, rest: &str, compliance: bool, draft: &mut Draft) -> Reply {
    let segs: Vec<&str> = rest.trim_matches('/').split('/').collect();
    // Compliance: `[region]/adminapi/{version}/{tenant}/{op}`; Exchange: no region.
    let (region, segs) = match segs.as_slice() {
        [r, "adminapi", more @ ..] if compliance => (Some(*r), more),
        ["adminapi", more @ ..] => (None, more),
        _ => {
            return error(
                404,
                "NotFound",
                &format!("cipp-sim has no Exchange resource at /{rest}"),
            )
        }
    };
    let [version, tenant_name, op] = segs else {
        return error(
            404,
            "NotFound",
            &format!("cipp-sim has no Exchange resource at /{rest}"),
        );
    };
    if !matches!(*version, "beta" | "v1.0") {
        return error(
            400,
            "BadRequest",
            &format!("Invalid API version '{version}'."),
        );
    }
    let claims = match state.tokens.validate(inc.bearer()) {
        Ok(c) => c,
        Err((problem, _)) => return error(401, "Unauthorized", problem.message()),
    };
    draft.token_aud = claims.aud().map(str::to_string);
    draft.token_tid = claims.tid().map(str::to_string);
    let audience = if compliance {
        COMPLIANCE_AUDIENCE
    } else {
        EXCHANGE_AUDIENCE
    };
    if claims.aud() != Some(audience) {
        return error(
            401,
            "Unauthorized",
            &format!("The token audience is not {audience}."),
        );
    }
    let Some(guid) = state.directory.resolve(tenant_name).map(str::to_string) else {
        return error(
            404,
            "NotFound",
            &format!("Tenant '{tenant_name}' was not found."),
        );
    };
    draft.tenant = Some(guid.clone());
    if claims.tid() != Some(guid.as_str()) {
        return error(
            403,
            "Forbidden",
            "The token was issued for another tenant than the one in the URL.",
        );
    }
    let target = crate::faults::Target {
        batch_item: false,
        tenant: Some(&guid),
        method: &inc.method,
        path: &inc.path,
    };
    if let Some(reply) = state.fault_reply(&target, error) {
        return reply;
    }
    let home = state
        .exchange
        .regions
        .get(&guid)
        .copied()
        .unwrap_or(REGIONS[0]);
    if compliance && region.is_none() && op.starts_with("EXOBanner") {
        let location = format!(
            "http://{}/compliance/{home}/adminapi/{version}/{guid}/{op}{}",
            inc.host,
            if inc.query.is_empty() {
                String::new()
            } else {
                format!("?{}", inc.query)
            }
        );
        return Reply::empty(302).header("Location", location);
    }
    if let Some(r) = region {
        if r != home {
            return error(
                421,
                "MisdirectedRequest",
                &format!("Tenant '{guid}' is not served by region '{r}'."),
            );
        }
    }
    let stores = if compliance {
        &state.exchange.compliance
    } else {
        &state.exchange.exchange
    };
    let Some(store) = stores.get(&guid) else {
        return error(404, "NotFound", "This tenant has no Exchange organisation.");
    };
    let Some(tenant) = state.directory.all().find(|t| t.id == guid).cloned() else {
        return error(404, "NotFound", &format!("Tenant '{guid}' was not found."));
    };
    let ctx = Ctx {
        state,
        tenant: &tenant,
        compliance,
        host: &inc.host,
    };
    match (inc.method.as_str(), *op) {
        ("POST", "InvokeCommand") => {
            let headers = |name: &str| inc.header(name).map(str::to_string);
            invoke(&ctx, store, &inc.path, &inc.query, &inc.body, &headers)
        }
        ("POST", "$batch") => batch(state, &ctx, store, inc, draft),
        ("GET", op) if op.starts_with("EXOModuleFile") || op == "EXOModuleFile" => {
            let names: Vec<String> = {
                let s = store.lock().unwrap_or_else(PoisonError::into_inner);
                s.nouns
                    .keys()
                    .flat_map(|n| {
                        ["Get", "Set", "New", "Remove"].map(|v| format!("{v}-{}", pascal(n)))
                    })
                    .collect()
            };
            Reply::json(
                200,
                json!({"value": [{"exportedCmdlets": names.join(",")}]}),
            )
        }
        _ => error(
            404,
            "NotFound",
            &format!("cipp-sim does not serve {} {op}", inc.method),
        ),
    }
}

/// The noun as cmdlets spell it (only for listings; lookups ignore case).
fn pascal(noun: &str) -> String {
    const KNOWN: [&str; 27] = [
        "Mailbox",
        "CASMailbox",
        "InboxRule",
        "OrganizationConfig",
        "AdminAuditLogConfig",
        "TransportConfig",
        "AcceptedDomain",
        "DkimSigningConfig",
        "HostedOutboundSpamFilterPolicy",
        "HostedContentFilterPolicy",
        "AntiPhishPolicy",
        "MalwareFilterPolicy",
        "QuarantinePolicy",
        "SharingPolicy",
        "RemoteDomain",
        "TransportRule",
        "SafeLinksPolicy",
        "SafeAttachmentPolicy",
        "ManagementRoleAssignment",
        "Label",
        "LabelPolicy",
        "DlpCompliancePolicy",
        "ProtectionAlert",
        "RetentionCompliancePolicy",
        "MailboxPermission",
        "OwaMailboxPolicy",
        "AtpPolicyForO365",
    ];
    KNOWN
        .iter()
        .find(|k| k.eq_ignore_ascii_case(noun))
        .map(|k| (*k).to_string())
        .unwrap_or_else(|| noun.to_string())
}

#[derive(Debug)]
struct Ctx<'a> {
    state: &'a State,
    tenant: &'a SimTenant,
    compliance: bool,
    host: &'a str,
}

/// Run one `InvokeCommand`: `path`/`query` of the call, its body, and a header lookup.
fn invoke(
    ctx: &Ctx<'_>,
    store: &Mutex<ExoStore>,
    path: &str,
    query: &str,
    body: &[u8],
    header: &dyn Fn(&str) -> Option<String>,
) -> Reply {
    let Ok(body) = serde_json::from_slice::<Value>(body) else {
        return error(400, "BadRequest", "The request body is not JSON.");
    };
    let Some(input) = body.get("CmdletInput") else {
        return error(400, "BadRequest", "The request body has no CmdletInput.");
    };
    let name = input["CmdletName"].as_str().unwrap_or_default().to_string();
    let params = input
        .get("Parameters")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    if let Err(reply) = check_anchor(ctx, &name, header("x-anchormailbox").as_deref()) {
        return reply;
    }
    let pairs: Vec<(String, String)> = url::form_urlencoded::parse(query.as_bytes())
        .into_owned()
        .collect();
    let q = |k: &str| pairs.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
    let page_size = header("prefer")
        .and_then(|p| {
            p.split(';').find_map(|part| {
                let (k, v) = part.split_once('=')?;
                (k.trim() == "odata.maxpagesize").then(|| v.trim().parse::<usize>().ok())?
            })
        })
        .unwrap_or(1000)
        .clamp(1, 1000);
    let skip = q("$skiptoken")
        .and_then(|s| s.parse::<usize>().ok())
        .unwrap_or(0);
    let select: Vec<String> = q("$select")
        .map(|s| {
            s.split(',')
                .map(|p| p.trim().to_string())
                .filter(|p| !p.is_empty())
                .collect()
        })
        .unwrap_or_default();
    let mut s = store.lock().unwrap_or_else(PoisonError::into_inner);
    let result = run(ctx, &mut s, &name, &params);
    drop(s);
    let (rows, warnings) = match result {
        Ok(r) => r,
        Err(reply) => return reply,
    };
    let total = rows.len();
    let page: Vec<Value> = rows
        .into_iter()
        .skip(skip)
        .take(page_size)
        .map(|r| Value::Object(project(r, &select)))
        .collect();
    let mut out = Map::new();
    out.insert(
        "@odata.context".into(),
        json!(format!(
            "http://{}/adminapi/beta/$metadata#Collection(Exchange.GenericHashTable)",
            ctx.host
        )),
    );
    out.insert("value".into(), Value::Array(page));
    if skip + page_size < total {
        let mut next = url::form_urlencoded::Serializer::new(String::new());
        if let Some(sel) = q("$select") {
            next.append_pair("$select", &sel);
        }
        next.append_pair("$skiptoken", &(skip + page_size).to_string());
        out.insert(
            "@odata.nextLink".into(),
            json!(format!("http://{}{}?{}", ctx.host, path, next.finish())),
        );
    }
    if !warnings.is_empty() {
        out.insert("@adminapi.warnings".into(), json!(warnings));
    }
    Reply::json(200, Value::Object(out))
}

fn check_anchor(ctx: &Ctx<'_>, cmdlet: &str, anchor: Option<&str>) -> Result<(), Reply> {
    let Some(anchor) = anchor else {
        return Err(error(
            400,
            "BadRequest",
            "The X-AnchorMailbox header is required.",
        ));
    };
    let lower = anchor.to_ascii_lowercase();
    let (kind, address) = lower.split_once(':').unwrap_or(("", lower.as_str()));
    let domain = address.rsplit('@').next().unwrap_or_default();
    let mine = match (kind, ctx.compliance) {
        ("app", false) => domain == ctx.tenant.id,
        ("upn", true) if address.starts_with("systemmailbox{") => {
            domain == ctx.tenant.initial_domain.to_ascii_lowercase()
        }
        ("upn", _) => ctx
            .tenant
            .domains
            .iter()
            .any(|d| d.eq_ignore_ascii_case(domain)),
        _ => false,
    };
    if !mine {
        return Err(error(
            400,
            "BadRequest",
            &format!(
                "The anchor mailbox '{anchor}' is not a mailbox of tenant {}.",
                ctx.tenant.id
            ),
        ));
    }
    if cmdlet.eq_ignore_ascii_case("Set-AdminAuditLogConfig") && !lower.contains(AUDIT_ANCHOR) {
        return Err(cmdlet_failure(
            400,
            "ExB10B6A",
            "Microsoft.Exchange.Configuration.Tasks.TaskException",
            "Set-AdminAuditLogConfig must run on the admin audit log system mailbox; anchor the request on it.",
            "",
        ));
    }
    Ok(())
}

fn project(row: Map<String, Value>, select: &[String]) -> Map<String, Value> {
    if select.is_empty() {
        return row;
    }
    row.into_iter()
        .filter(|(k, _)| select.iter().any(|s| s.eq_ignore_ascii_case(k)))
        .collect()
}

fn prop<'a>(row: &'a Map<String, Value>, key: &str) -> Option<&'a Value> {
    row.iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(key))
        .map(|(_, v)| v)
}

fn param<'a>(params: &'a Map<String, Value>, key: &str) -> Option<&'a Value> {
    prop(params, key)
}

fn text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Does `row` answer to `identity` (any of its names, addresses or ids)?
fn matches_identity(row: &Map<String, Value>, identity: &str) -> bool {
    let id = identity.trim();
    [
        "Identity",
        "Name",
        "Alias",
        "UserPrincipalName",
        "PrimarySmtpAddress",
        "Guid",
        "ExternalDirectoryObjectId",
        "DomainName",
        "Domain",
        "DisplayName",
        "RuleIdentity",
    ]
    .iter()
    .filter_map(|k| prop(row, k))
    .any(|v| v.as_str().is_some_and(|s| s.eq_ignore_ascii_case(id)))
}

/// The rows and warnings a cmdlet yields, or its failure.
fn run(
    ctx: &Ctx<'_>,
    store: &mut ExoStore,
    name: &str,
    params: &Map<String, Value>,
) -> Result<CmdletYield, Reply> {
    if let Some(answer) = crate::exchange_security::run(&mut store.nouns, name, params) {
        return answer;
    }
    if let Some(answer) = mailbox_settings::run(&mut store.nouns, name, params) {
        return answer;
    }
    if let Some(answer) = hygiene_objects::run(&mut store.nouns, name, params) {
        return answer;
    }
    if let Some(answer) = standards_objects::run(&mut store.nouns, name, params) {
        return answer;
    }
    if let Some(answer) = ctx
        .compliance
        .then(|| protection_alerts::run(&mut store.nouns, name, params))
        .flatten()
    {
        return answer;
    }
    if let Some(answer) = ctx
        .compliance
        .then(|| compliance_policies::run(&mut store.nouns, name, params))
        .flatten()
    {
        return answer;
    }
    if let Some(answer) = ctx
        .compliance
        .then(|| sensitivity_labels::run(&mut store.nouns, name, params))
        .flatten()
    {
        return answer;
    }
    if let Some(answer) = ctx
        .compliance
        .then(|| sensitive_info_types::run(&mut store.nouns, name, params))
        .flatten()
    {
        return answer;
    }
    let server = format!(
        "{}.PROD.OUTLOOK.COM",
        ctx.tenant.id.get(..8).unwrap_or("SIM").to_ascii_uppercase()
    );
    let not_recognised = || {
        cmdlet_failure(
            400,
            "",
            "System.Management.Automation.CommandNotFoundException",
            &format!("The term '{name}' is not recognized as a name of a cmdlet, function, script file, or executable program."),
            "",
        )
    };
    let params = &match mailbox::intercept(ctx, store, name, params) {
        mailbox::Hook::Done(answer) => return answer,
        mailbox::Hook::Continue(rest) => rest,
    };
    let Some((verb, noun)) = name.split_once('-') else {
        return Err(not_recognised());
    };
    let noun_key = noun.to_ascii_lowercase();
    let verb = verb.to_ascii_lowercase();
    let singleton = SINGLETONS.contains(&noun_key.as_str());
    let identity = param(params, "Identity").map(text);
    let not_found = |id: &str| {
        cmdlet_failure(
            404,
            "Ex6F9304",
            "Microsoft.Exchange.Configuration.Tasks.ManagementObjectNotFoundException",
            &format!("The operation couldn't be performed because object '{id}' couldn't be found on '{server}'."),
            id,
        )
    };
    // Inbox rules live with their mailbox.
    let mailbox = param(params, "Mailbox").map(text);
    if noun_key == "inboxrule" {
        if let Some(m) = &mailbox {
            let known = store
                .nouns
                .get("mailbox")
                .is_some_and(|rows| rows.iter().any(|r| matches_identity(r, m)));
            if !known {
                return Err(not_found(m));
            }
        }
    }
    let Some(rows) = store.nouns.get_mut(&noun_key) else {
        return Err(not_recognised());
    };
    let owner_matches = |r: &Map<String, Value>| match &mailbox {
        Some(m) if noun_key == "inboxrule" => prop(r, "MailboxOwnerId")
            .is_some_and(|o| o.as_str().is_some_and(|o| o.eq_ignore_ascii_case(m))),
        _ => true,
    };
    let pick = |rows: &[Map<String, Value>]| -> Vec<usize> {
        rows.iter()
            .enumerate()
            .filter(|(_, r)| owner_matches(r))
            .filter(|(_, r)| {
                singleton || identity.as_deref().is_none_or(|id| matches_identity(r, id))
            })
            .map(|(i, _)| i)
            .collect()
    };
    let missing = |param: &str| {
        cmdlet_failure(
            400,
            "",
            "System.Management.Automation.ParameterBindingException",
            &format!("{name}: the {param} parameter is required."),
            "",
        )
    };
    // The objects an Identity names (an error when it is missing or names nothing).
    let targets = |rows: &[Map<String, Value>]| -> Result<Vec<usize>, Reply> {
        let id = identity.as_deref().ok_or_else(|| missing("Identity"))?;
        let idx = pick(rows);
        if idx.is_empty() {
            Err(not_found(id))
        } else {
            Ok(idx)
        }
    };
    match verb.as_str() {
        "get" => {
            if let Some(k) = params
                .keys()
                .find(|k| !GET_PARAMETERS.iter().any(|g| g.eq_ignore_ascii_case(k)))
            {
                return Err(cmdlet_failure(
                    400,
                    "",
                    "System.Management.Automation.ParameterBindingException",
                    &format!("A parameter cannot be found that matches parameter name '{k}' (cipp-sim's {name} takes {}).", GET_PARAMETERS.join(", ")),
                    k,
                ));
            }
            let idx = pick(rows);
            if let Some(id) = &identity {
                if idx.is_empty() {
                    return Err(not_found(id));
                }
            }
            let mut out: Vec<Map<String, Value>> = idx.iter().map(|&i| rows[i].clone()).collect();
            if let Some(kind) = param(params, "RecipientTypeDetails").map(text) {
                out.retain(|r| {
                    prop(r, "RecipientTypeDetails")
                        .is_some_and(|v| text(v).eq_ignore_ascii_case(&kind))
                });
            }
            if let Some(n) = param(params, "ResultSize").and_then(|v| match v {
                Value::Number(n) => n.as_u64(),
                Value::String(s) => s.parse().ok(),
                _ => None,
            }) {
                out.truncate(usize::try_from(n).unwrap_or(usize::MAX));
            }
            Ok((out, Vec::new()))
        }
        "set" | "enable" | "disable" => {
            let idx = if singleton {
                (0..rows.len().min(1)).collect()
            } else {
                targets(rows)?
            };
            let mut changes: Vec<(String, Value)> = Vec::new();
            if verb == "enable" || verb == "disable" {
                changes.push(("Enabled".into(), Value::Bool(verb == "enable")));
            } else {
                for (k, v) in params {
                    if COMMON_PARAMETERS.iter().any(|c| c.eq_ignore_ascii_case(k)) {
                        continue;
                    }
                    let k = &PARAMETER_PROPERTIES
                        .iter()
                        .find(|(n, p, _)| *n == noun_key && p.eq_ignore_ascii_case(k))
                        .map(|(_, _, property)| (*property).to_string())
                        .unwrap_or_else(|| k.clone());
                    if idx.iter().any(|&i| prop(&rows[i], k).is_none()) {
                        return Err(cmdlet_failure(
                            400,
                            "",
                            "System.Management.Automation.ParameterBindingException",
                            &format!(
                                "A parameter cannot be found that matches parameter name '{k}'."
                            ),
                            k,
                        ));
                    }
                    changes.push((k.clone(), v.clone()));
                }
            }
            let mut changed = false;
            for &i in &idx {
                for (k, v) in &changes {
                    let key = rows[i]
                        .keys()
                        .find(|x| x.eq_ignore_ascii_case(k))
                        .cloned()
                        .unwrap_or_else(|| k.clone());
                    // A multivalued property set from one value holds a list ("" clears it).
                    let v = &match (rows[i].get(&key), v) {
                        (Some(Value::Array(_)), Value::String(s)) if s.is_empty() => json!([]),
                        (Some(Value::Array(_)), Value::Array(_))
                        | (Some(Value::Array(_)), Value::Null) => v.clone(),
                        (Some(Value::Array(_)), other) => json!([other]),
                        _ => v.clone(),
                    };
                    if rows[i].get(&key) != Some(v) {
                        rows[i].insert(key, v.clone());
                        changed = true;
                    }
                }
            }
            let warnings = unchanged_warning(!changed, identity.as_deref().unwrap_or(noun));
            Ok((Vec::new(), warnings))
        }
        "new" if !singleton => {
            let Some(new_name) = param(params, "Name").map(text) else {
                return Err(missing("Name"));
            };
            if rows
                .iter()
                .filter(|r| owner_matches(r))
                .any(|r| prop(r, "Name").is_some_and(|n| text(n).eq_ignore_ascii_case(&new_name)))
            {
                return Err(cmdlet_failure(
                    400,
                    "Ex9D5E85",
                    "Microsoft.Exchange.Data.Directory.ADObjectAlreadyExistsException",
                    &format!("An object with the name '{new_name}' already exists."),
                    &new_name,
                ));
            }
            let mut row = Map::new();
            for (k, v) in params {
                if !COMMON_PARAMETERS.iter().any(|c| c.eq_ignore_ascii_case(k)) {
                    row.insert(k.clone(), v.clone());
                }
            }
            let identity = match &mailbox {
                Some(m) if noun_key == "inboxrule" => {
                    row.remove("Mailbox");
                    row.insert("MailboxOwnerId".into(), json!(m));
                    row.entry("Enabled").or_insert(Value::Bool(true));
                    format!("{m}\\{}", rows.len() + 1)
                }
                _ => new_name.clone(),
            };
            row.insert("Identity".into(), json!(identity));
            row.entry("Guid")
                .or_insert(json!(uuid::Uuid::new_v4().to_string()));
            rows.push(row.clone());
            Ok((vec![row], Vec::new()))
        }
        "remove" if !singleton => {
            let idx = targets(rows)?;
            let mut i = 0;
            rows.retain(|_| {
                let keep = !idx.contains(&i);
                i += 1;
                keep
            });
            Ok((Vec::new(), Vec::new()))
        }
        _ => Err(not_recognised()),
    }
}

/// `$batch`: up to ten `InvokeCommand` sub-requests, each answered on its own.
fn batch(
    state: &State,
    ctx: &Ctx<'_>,
    store: &Mutex<ExoStore>,
    inc: &Incoming,
    draft: &mut Draft,
) -> Reply {
    let Ok(body) = serde_json::from_slice::<Value>(&inc.body) else {
        return error(400, "BadRequest", "The batch body is not JSON.");
    };
    let Some(requests) = body.get("requests").and_then(Value::as_array) else {
        return error(400, "BadRequest", "The batch body has no requests array.");
    };
    draft.batch_size = Some(requests.len());
    if requests.len() > BATCH_LIMIT {
        return error(
            400,
            "BadRequest",
            &format!(
                "A batch may hold at most {BATCH_LIMIT} requests; this one has {}.",
                requests.len()
            ),
        );
    }
    let mut responses = Vec::with_capacity(requests.len());
    for r in requests {
        let id = r.get("id").cloned().unwrap_or(Value::Null);
        let url = r.get("url").and_then(Value::as_str).unwrap_or_default();
        let (path, query) = match url::Url::parse(url) {
            Ok(u) => (
                u.path().to_string(),
                u.query().unwrap_or_default().to_string(),
            ),
            Err(_) => (
                url.split('?').next().unwrap_or_default().to_string(),
                url.split_once('?')
                    .map(|(_, q)| q.to_string())
                    .unwrap_or_default(),
            ),
        };
        let sub_headers = r
            .get("headers")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default();
        let header = |name: &str| {
            sub_headers
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(name))
                .map(|(_, v)| text(v))
        };
        let target = crate::faults::Target {
            batch_item: true,
            tenant: Some(&ctx.tenant.id),
            method: "POST",
            path: &path,
        };
        let reply = if let Some(reply) = state.fault_reply(&target, error) {
            reply
        } else if !path.ends_with("/InvokeCommand") {
            error(400, "BadRequest", "Batch items must call InvokeCommand.")
        } else {
            let body = r.get("body").map(Value::to_string).unwrap_or_default();
            invoke(ctx, store, &path, &query, body.as_bytes(), &header)
        };
        let headers: Map<String, Value> = reply
            .headers
            .iter()
            .filter(|(k, _)| k.eq_ignore_ascii_case("retry-after"))
            .map(|(k, v)| (k.clone(), json!(v)))
            .collect();
        responses.push(json!({"id": id, "status": reply.status, "headers": headers, "body": reply.body_json()}));
    }
    Reply::json(200, json!({"responses": responses}))
}
