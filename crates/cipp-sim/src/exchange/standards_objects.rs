//! Exchange objects and cmdlets the Exchange code standards of cipp-standards read and write,
//! beyond what the generic verb-noun engine gives.
//!
//! [`prepare`] completes every tenant's store once: mailboxes get the properties those
//! standards judge (`ArchiveGuid`, `MailboxPlan`/`MailboxPlanId`, `RecipientLimits`,
//! `IsDirSynced`, `IsExchangeCloudManaged`) when the seed did not give them; every tenant gets
//! mailbox plans (`Get-MailboxPlan`), the encryption branding (`Get-OMEConfiguration`), the default role assignment
//! policy with its management role assignments, one `User` row per mailbox (`Get-User`, with
//! `RemotePowerShellEnabled`), DKIM key sizes, and empty rule nouns (Safe Links, Safe
//! Attachments, anti-phishing, anti-malware, anti-spam, report submission); anti-spam
//! policies get the properties Exchange shows on every one (quarantine tags, the advanced
//! spam filter switches, zero-hour purge, block lists) when the seed left them out. A seed's `MailboxSet` rows change properties of
//! the generated mailboxes they name (a room mailbox is a user's mailbox made a room); a
//! Graph account behind a shared mailbox does not get a second, user mailbox.
//!
//! [`run`] answers the cmdlets with behaviour: `Enable-Mailbox -Archive` (gives the mailbox an
//! archive), `Rotate-DkimSigningConfig` (both selectors take the new key size at once; Exchange
//! swaps one selector per rotation, which the simulator does not wait for), `Set-MailboxPlan`
//! (sizes in bytes or `25MB`, stored as Exchange shows them: `25 MB (26,214,400 bytes)`),
//! `New-ReportSubmissionPolicy` (one per tenant, always `DefaultReportSubmissionPolicy`), and
//! `New-` of the six rule nouns (the policy they name must exist; `State` starts `Enabled`),
//! the global quarantine policy (see [`global_quarantine`]), and `New-`/`Remove-` of spoof
//! intelligence entries (`TenantAllowBlockListSpoofItems`, removed by `-Ids`), and
//! `Remove-ManagementRoleAssignment` (the policy's `AssignedRoles` follows).

use std::collections::BTreeMap;

use serde_json::{json, Map, Value};

use super::{cmdlet_failure, matches_identity, not_found, param, prop, text, CmdletYield};
use crate::reply::Reply;
use crate::seed::SeedTenant;

type Row = Map<String, Value>;

/// Alpha Dental's data for the Exchange code standards, layered over the built-in seed by
/// [`Seed::demo`](crate::Seed::demo): Graph accounts for its shared and room mailboxes, a room
/// mailbox, a Defender for Office 365 plan, and `MailboxSet` rows (the room, one mailbox
/// synced from on-premises, one without a recipient limit).
pub(crate) const EXCHANGE_STANDARDS_SEED: &str = include_str!("../../seed/exchange_standards.json");

/// The all-zero GUID Exchange shows for a mailbox without an archive.
const NO_ARCHIVE: &str = "00000000-0000-0000-0000-000000000000";

/// Where the tenant's global quarantine policy (the one `-QuarantinePolicyType
/// GlobalQuarantinePolicy` selects) is kept, apart from the quarantine tags.
const GLOBAL_QUARANTINE: &str = "globalquarantinepolicy";

/// Spoof intelligence allow/block entries (`Get-TenantAllowBlockListSpoofItems`).
const SPOOF_ITEMS: &str = "tenantallowblocklistspoofitems";

/// Rule nouns, with the parameter naming the policy each rule applies.
const RULES: [(&str, &str); 6] = [
    ("hostedcontentfilterrule", "HostedContentFilterPolicy"),
    ("malwarefilterrule", "MalwareFilterPolicy"),
    ("safelinksrule", "SafeLinksPolicy"),
    ("safeattachmentrule", "SafeAttachmentPolicy"),
    ("antiphishrule", "AntiPhishPolicy"),
    ("reportsubmissionrule", "ReportSubmissionPolicy"),
];

fn obj(v: Value) -> Row {
    match v {
        Value::Object(m) => m,
        _ => Map::new(),
    }
}

/// `size` as Exchange shows a size property: `35 MB (36,700,160 bytes)`.
fn shown_size(bytes: u64) -> String {
    let digits = bytes.to_string();
    let mut grouped = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(c);
    }
    let mb = bytes as f64 / 1_048_576.0;
    let unit = if mb.fract() == 0.0 {
        format!("{mb:.0} MB")
    } else {
        format!("{:.0} KB", bytes as f64 / 1024.0)
    };
    format!("{unit} ({grouped} bytes)")
}

/// Bytes of a size parameter: a number of bytes, or text like `25MB`, `25 MB`, `1GB`, `512KB`.
fn size_bytes(v: &Value) -> Option<u64> {
    match v {
        Value::Number(n) => n.as_u64(),
        Value::String(s) => {
            let s = s.trim().to_ascii_uppercase().replace(' ', "");
            let (num, factor) = if let Some(n) = s.strip_suffix("GB") {
                (n, 1 << 30)
            } else if let Some(n) = s.strip_suffix("MB") {
                (n, 1 << 20)
            } else if let Some(n) = s.strip_suffix("KB") {
                (n, 1 << 10)
            } else {
                (s.strip_suffix('B').unwrap_or(&s), 1)
            };
            num.parse::<u64>().ok().map(|n| n * factor)
        }
        _ => None,
    }
}

/// Complete a tenant's Exchange objects for the standards (see the module docs).
pub(crate) fn prepare(nouns: &mut BTreeMap<String, Vec<Row>>, t: &SeedTenant) {
    let tenant = t.id.to_ascii_lowercase();
    let enterprise = plan_id(&tenant, "ExchangeOnlineEnterprise");
    let kiosk = plan_id(&tenant, "ExchangeOnlineDeskless");
    nouns.entry("mailboxplan".into()).or_insert_with(|| {
        vec![
            obj(
                json!({"Identity": format!("ExchangeOnlineEnterprise-{enterprise}"),
                "Name": format!("ExchangeOnlineEnterprise-{enterprise}"),
                "DisplayName": "ExchangeOnlineEnterprise", "Guid": enterprise, "IsDefault": true,
                "MaxSendSize": shown_size(35 << 20), "MaxReceiveSize": shown_size(36 << 20),
                "MaxRecipientsPerMessage": 1000}),
            ),
            obj(
                json!({"Identity": format!("ExchangeOnlineDeskless-{kiosk}"),
                "Name": format!("ExchangeOnlineDeskless-{kiosk}"),
                "DisplayName": "ExchangeOnlineDeskless", "Guid": kiosk, "IsDefault": false,
                "MaxSendSize": shown_size(150 << 20), "MaxReceiveSize": shown_size(150 << 20),
                "MaxRecipientsPerMessage": 500}),
            ),
        ]
    });
    // A Graph account behind a shared mailbox gets no user mailbox of its own: the shared
    // one is it (same address, same Guid).
    for noun in ["mailbox", "casmailbox"] {
        let rows = nouns.entry(noun.into()).or_default();
        let mut seen: Vec<String> = Vec::new();
        let mut keep = vec![true; rows.len()];
        for (i, r) in rows.iter().enumerate().rev() {
            let guid = prop(r, "Guid").map(text).unwrap_or_default();
            if !guid.is_empty() && seen.contains(&guid) {
                keep[i] = false;
            }
            seen.push(guid);
        }
        let mut i = 0;
        rows.retain(|_| {
            i += 1;
            keep[i - 1]
        });
    }
    for m in nouns.entry("mailbox".into()).or_default() {
        complete_mailbox(m, &enterprise);
    }
    // A seed's `MailboxSet` rows change properties of the mailboxes they name (by
    // `UserPrincipalName`) without replacing them.
    for set in nouns.remove("mailboxset").unwrap_or_default() {
        let Some(upn) = prop(&set, "UserPrincipalName").map(text) else {
            continue;
        };
        let mailboxes = nouns.entry("mailbox".into()).or_default();
        for m in mailboxes.iter_mut().filter(|m| {
            prop(m, "UserPrincipalName").is_some_and(|v| text(v).eq_ignore_ascii_case(&upn))
        }) {
            for (k, v) in &set {
                put(m, k, v.clone());
            }
        }
    }
    let users: Vec<Row> = nouns
        .entry("mailbox".into())
        .or_default()
        .iter()
        .map(user_row)
        .collect();
    nouns.entry("user".into()).or_insert(users);
    for d in nouns.entry("dkimsigningconfig".into()).or_default() {
        for k in ["Selector1KeySize", "Selector2KeySize"] {
            if prop(d, k).is_none() {
                d.insert(k.into(), json!(1024));
            }
        }
    }
    for policy in nouns.entry("hostedcontentfilterpolicy".into()).or_default() {
        for (k, v) in spam_policy_defaults() {
            if prop(policy, &k).is_none() {
                policy.insert(k, v);
            }
        }
    }
    for (noun, _) in RULES {
        nouns.entry(noun.into()).or_default();
    }
    nouns.entry("reportsubmissionpolicy".into()).or_default();
    nouns.entry(SPOOF_ITEMS.into()).or_default();
    role_assignment_policy(nouns, &tenant);
    nouns.entry("omeconfiguration".into()).or_insert_with(|| {
        vec![obj(
            json!({"Identity": "OME Configuration", "Name": "OME Configuration",
            "BackgroundColor": "", "IntroductionText": "", "ReadButtonText": "", "EmailText": "",
            "PrivacyStatementUrl": "", "DisclaimerText": "", "PortalText": "",
            "OTPEnabled": true, "SocialIdSignIn": true, "Image": null}),
        )]
    });
    nouns.entry(GLOBAL_QUARANTINE.into()).or_insert_with(|| {
        vec![obj(json!({"Identity": "DefaultGlobalPolicy", "Name": "DefaultGlobalPolicy",
            "QuarantinePolicyType": "GlobalQuarantinePolicy",
            "EndUserSpamNotificationFrequency": "P7D",
            "EndUserSpamNotificationFrequencyInDays": 7,
            "Guid": uuid::Uuid::new_v5(&uuid::Uuid::NAMESPACE_OID, format!("{tenant}/DefaultGlobalPolicy").as_bytes()).to_string()}))]
    });
}

/// The Guid of a tenant's mailbox plan, stable per tenant and plan name.
fn plan_id(tenant: &str, name: &str) -> String {
    uuid::Uuid::new_v5(
        &uuid::Uuid::NAMESPACE_OID,
        format!("{tenant}/{name}").as_bytes(),
    )
    .to_string()
}

/// Give a mailbox the properties the standards read that a seed or generator leaves out
/// (user mailboxes get the enterprise plan `enterprise`).
fn complete_mailbox(m: &mut Row, enterprise: &str) {
    let user = prop(m, "RecipientTypeDetails")
        .is_some_and(|k| text(k).eq_ignore_ascii_case("UserMailbox"));
    let (plan, plan_guid) = if user {
        (
            json!(format!("ExchangeOnlineEnterprise-{enterprise}")),
            json!(enterprise),
        )
    } else {
        (Value::Null, Value::Null)
    };
    for (k, v) in [
        ("ArchiveGuid", json!(NO_ARCHIVE)),
        ("ArchiveStatus", json!("None")),
        ("MailboxPlan", plan),
        ("MailboxPlanId", plan_guid),
        ("RecipientLimits", json!(500)),
        ("IsDirSynced", json!(false)),
        ("IsExchangeCloudManaged", json!(false)),
    ] {
        if prop(m, k).is_none() {
            m.insert(k.into(), v);
        }
    }
}

/// The `Get-User` row of a mailbox's account.
fn user_row(m: &Row) -> Row {
    let mut u = Map::new();
    for k in [
        "Identity",
        "Name",
        "UserPrincipalName",
        "Guid",
        "ExternalDirectoryObjectId",
        "RecipientTypeDetails",
    ] {
        u.insert(k.into(), prop(m, k).cloned().unwrap_or(Value::Null));
    }
    u.insert("RemotePowerShellEnabled".into(), json!(true));
    u
}

/// Add a mailbox made after the tenant was prepared (generated for benchmarks), completed
/// as `prepare` completes the seeded ones, with its `Get-User` row.
pub(crate) fn add_mailbox(nouns: &mut BTreeMap<String, Vec<Row>>, tenant_id: &str, mut m: Row) {
    let enterprise = plan_id(&tenant_id.to_ascii_lowercase(), "ExchangeOnlineEnterprise");
    complete_mailbox(&mut m, &enterprise);
    nouns.entry("user".into()).or_default().push(user_row(&m));
    nouns.entry("mailbox".into()).or_default().push(m);
}

/// What Exchange shows on an inbound anti-spam policy whose settings were never changed.
fn spam_policy_defaults() -> Row {
    let mut row = obj(json!({
        "SpamQuarantineTag": "DefaultFullAccessPolicy",
        "HighConfidenceSpamQuarantineTag": "DefaultFullAccessPolicy",
        "BulkSpamAction": "MoveToJmf", "BulkQuarantineTag": "DefaultFullAccessPolicy",
        "PhishQuarantineTag": "DefaultFullAccessWithNotificationPolicy",
        "HighConfidencePhishQuarantineTag": "AdminOnlyAccessPolicy",
        "InlineSafetyTipsEnabled": true, "PhishZapEnabled": true, "SpamZapEnabled": true,
        "EnableLanguageBlockList": false, "LanguageBlockList": [],
        "EnableRegionBlockList": false, "RegionBlockList": [],
        "MarkAsSpamBulkMail": "On",
    }));
    for k in [
        "IncreaseScoreWithImageLinks",
        "IncreaseScoreWithNumericIps",
        "IncreaseScoreWithRedirectToOtherPort",
        "IncreaseScoreWithBizOrInfoUrls",
        "MarkAsSpamEmptyMessages",
        "MarkAsSpamJavaScriptInHtml",
        "MarkAsSpamFramesInHtml",
        "MarkAsSpamObjectTagsInHtml",
        "MarkAsSpamEmbedTagsInHtml",
        "MarkAsSpamFormTagsInHtml",
        "MarkAsSpamWebBugsInHtml",
        "MarkAsSpamSensitiveWordList",
        "MarkAsSpamSpfRecordHardFail",
        "MarkAsSpamFromAddressAuthFail",
        "MarkAsSpamNdrBackscatter",
    ] {
        row.insert(k.into(), json!("Off"));
    }
    row
}

/// The default role assignment policy (what users may do to their own mailbox, add-ins
/// included) and one management role assignment per role it holds, when the seed has none.
fn role_assignment_policy(nouns: &mut BTreeMap<String, Vec<Row>>, tenant: &str) {
    const POLICY: &str = "Default Role Assignment Policy";
    let roles = [
        "MyBaseOptions",
        "MyContactInformation",
        "MyProfileInformation",
        "MyDistributionGroupMembership",
        "MyRetentionPolicies",
        "MyTextMessaging",
        "MyVoiceMail",
        "MyMailSubscriptions",
        "My Custom Apps",
        "My Marketplace Apps",
        "My ReadWriteMailbox Apps",
    ];
    nouns
        .entry("roleassignmentpolicy".into())
        .or_insert_with(|| {
            vec![obj(
                json!({"Identity": POLICY, "Name": POLICY, "IsDefault": true,
            "AssignedRoles": roles}),
            )]
        });
    let assignments = nouns.entry("managementroleassignment".into()).or_default();
    if assignments.is_empty() {
        for role in roles {
            let name = format!("{role}-{POLICY}");
            let guid = uuid::Uuid::new_v5(
                &uuid::Uuid::NAMESPACE_OID,
                format!("{tenant}/{name}").as_bytes(),
            );
            assignments.push(obj(json!({"Identity": name, "Name": name, "Role": role,
                "RoleAssigneeName": POLICY, "RoleAssignee": POLICY,
                "RoleAssigneeType": "RoleAssignmentPolicy", "Enabled": true,
                "Guid": guid.to_string()})));
        }
    }
}

/// `Remove-ManagementRoleAssignment -Identity`: the assignment goes, and a role assignment
/// policy left without an assignment of that role no longer lists it in `AssignedRoles`.
fn remove_role_assignment(
    nouns: &mut BTreeMap<String, Vec<Row>>,
    name: &str,
    params: &Row,
) -> Result<CmdletYield, Reply> {
    let id = required(params, name, "Identity")?;
    let assignments = nouns.entry("managementroleassignment".into()).or_default();
    let i = assignments
        .iter()
        .position(|r| matches_identity(r, &id))
        .ok_or_else(|| not_found(&id))?;
    let gone = assignments.remove(i);
    let role = prop(&gone, "Role").map(text).unwrap_or_default();
    let assignee = prop(&gone, "RoleAssigneeName")
        .map(text)
        .unwrap_or_default();
    let still = assignments.iter().any(|r| {
        prop(r, "Role").is_some_and(|v| text(v) == role)
            && prop(r, "RoleAssigneeName").is_some_and(|v| text(v) == assignee)
    });
    if !still {
        if let Some(policy) = nouns
            .get_mut("roleassignmentpolicy")
            .and_then(|rows| rows.iter_mut().find(|r| matches_identity(r, &assignee)))
        {
            if let Some(Value::Array(list)) = policy.get_mut("AssignedRoles") {
                list.retain(|r| r.as_str() != Some(role.as_str()));
            }
        }
    }
    Ok((Vec::new(), Vec::new()))
}

fn bad(kind: &str, message: &str, target: &str) -> Reply {
    cmdlet_failure(400, "", kind, message, target)
}

fn required(params: &Row, cmdlet: &str, p: &str) -> Result<String, Reply> {
    param(params, p)
        .map(text)
        .filter(|s| !s.trim().is_empty())
        .ok_or_else(|| {
            bad(
                "System.Management.Automation.ParameterBindingException",
                &format!("{cmdlet}: the {p} parameter is required."),
                "",
            )
        })
}

fn find<'a>(
    nouns: &'a mut BTreeMap<String, Vec<Row>>,
    noun: &str,
    identity: &str,
) -> Result<&'a mut Row, Reply> {
    nouns
        .get_mut(noun)
        .and_then(|rows| rows.iter_mut().find(|r| matches_identity(r, identity)))
        .ok_or_else(|| not_found(identity))
}

/// Set `key` of `row` in the row's own spelling of it.
fn put(row: &mut Row, key: &str, value: Value) {
    let k = row
        .keys()
        .find(|x| x.eq_ignore_ascii_case(key))
        .cloned()
        .unwrap_or_else(|| key.to_string());
    row.insert(k, value);
}

/// Answer the cmdlets this module knows; `None` lets the generic engine run.
pub(crate) fn run(
    nouns: &mut BTreeMap<String, Vec<Row>>,
    name: &str,
    params: &Row,
) -> Option<Result<CmdletYield, Reply>> {
    let is = |n: &str| name.eq_ignore_ascii_case(n);
    if is("Enable-Mailbox") && param(params, "Archive").is_some() {
        return Some(enable_archive(nouns, name, params));
    }
    if is("Rotate-DkimSigningConfig") {
        return Some(rotate_dkim(nouns, name, params));
    }
    if is("Set-MailboxPlan") {
        return Some(set_mailbox_plan(nouns, name, params));
    }
    if let Some(answer) = global_quarantine(nouns, name, params) {
        return Some(answer);
    }
    if is("New-TenantAllowBlockListSpoofItems") {
        return Some(new_spoof_item(nouns, name, params));
    }
    if is("Remove-TenantAllowBlockListSpoofItems") {
        return Some(remove_spoof_items(nouns, name, params));
    }
    if is("Remove-ManagementRoleAssignment") {
        return Some(remove_role_assignment(nouns, name, params));
    }
    if is("New-ReportSubmissionPolicy") {
        return Some(new_report_submission_policy(nouns, params));
    }
    let (verb, noun) = name.split_once('-')?;
    let noun = noun.to_ascii_lowercase();
    let (_, link) = RULES.iter().find(|(n, _)| *n == noun)?;
    if verb.eq_ignore_ascii_case("New") {
        return Some(new_rule(nouns, name, &noun, link, params));
    }
    let enable = verb.eq_ignore_ascii_case("Enable");
    if enable || verb.eq_ignore_ascii_case("Disable") {
        let state = if enable { "Enabled" } else { "Disabled" };
        return Some(required(params, name, "Identity").and_then(|id| {
            let rule = find(nouns, &noun, &id)?;
            put(rule, "State", json!(state));
            Ok((Vec::new(), Vec::new()))
        }));
    }
    None
}

fn enable_archive(
    nouns: &mut BTreeMap<String, Vec<Row>>,
    name: &str,
    params: &Row,
) -> Result<CmdletYield, Reply> {
    let identity = required(params, name, "Identity")?;
    let mailbox = find(nouns, "mailbox", &identity)?;
    let has = prop(mailbox, "ArchiveGuid").is_some_and(|g| text(g) != NO_ARCHIVE);
    if has {
        return Err(bad(
            "Microsoft.Exchange.Management.Tasks.RecipientTaskException",
            &format!("The mailbox '{identity}' already has an archive."),
            &identity,
        ));
    }
    put(
        mailbox,
        "ArchiveGuid",
        json!(uuid::Uuid::new_v4().to_string()),
    );
    put(mailbox, "ArchiveStatus", json!("Active"));
    Ok((vec![mailbox.clone()], Vec::new()))
}

fn rotate_dkim(
    nouns: &mut BTreeMap<String, Vec<Row>>,
    name: &str,
    params: &Row,
) -> Result<CmdletYield, Reply> {
    let identity = required(params, name, "Identity")?;
    let size = match param(params, "KeySize") {
        None => 2048,
        Some(v) => match text(v).trim().parse::<u64>() {
            Ok(n @ (1024 | 2048)) => n,
            _ => {
                return Err(bad(
                    "System.Management.Automation.ParameterBindingException",
                    &format!(
                    "Cannot validate argument on parameter 'KeySize'. '{}' is not 1024 or 2048.",
                    text(v)
                ),
                    "KeySize",
                ))
            }
        },
    };
    let config = find(nouns, "dkimsigningconfig", &identity)?;
    if prop(config, "Enabled") != Some(&json!(true)) {
        return Err(bad(
            "Microsoft.Exchange.Management.Tasks.ValidationException",
            &format!("DKIM signing is not enabled for '{identity}'; it cannot be rotated."),
            &identity,
        ));
    }
    put(config, "Selector1KeySize", json!(size));
    put(config, "Selector2KeySize", json!(size));
    Ok((Vec::new(), Vec::new()))
}

fn set_mailbox_plan(
    nouns: &mut BTreeMap<String, Vec<Row>>,
    name: &str,
    params: &Row,
) -> Result<CmdletYield, Reply> {
    let identity = required(params, name, "Identity")?;
    let mut changes = Vec::new();
    for (k, v) in params {
        if k.eq_ignore_ascii_case("Identity") {
            continue;
        }
        let value = if ["MaxSendSize", "MaxReceiveSize"]
            .iter()
            .any(|s| s.eq_ignore_ascii_case(k))
        {
            let bytes = size_bytes(v).filter(|b| *b <= 150 << 20).ok_or_else(|| {
                bad(
                    "System.Management.Automation.ParameterBindingException",
                    &format!("Cannot process argument transformation on parameter '{k}': '{}' is not a size up to 150 MB.", text(v)),
                    k,
                )
            })?;
            json!(shown_size(bytes))
        } else if k.eq_ignore_ascii_case("MaxRecipientsPerMessage") {
            v.clone()
        } else {
            return Err(bad(
                "System.Management.Automation.ParameterBindingException",
                &format!("A parameter cannot be found that matches parameter name '{k}'."),
                k,
            ));
        };
        changes.push((k.clone(), value));
    }
    let plan = find(nouns, "mailboxplan", &identity)?;
    for (k, v) in changes {
        put(plan, &k, v);
    }
    Ok((Vec::new(), Vec::new()))
}

/// Seconds of a .NET time span as cmdlets take it (`04:00:00`, `1.00:00:00`).
fn timespan_seconds(text: &str) -> Option<u64> {
    let (days, clock) = match text.trim().split_once('.') {
        Some((d, c)) if c.contains(':') => (d.parse::<u64>().ok()?, c),
        _ => (0, text.trim()),
    };
    let parts: Vec<u64> = clock
        .split(':')
        .map(|p| p.parse().ok())
        .collect::<Option<_>>()?;
    let [h, m, s] = parts.as_slice() else {
        return None;
    };
    Some(days * 86_400 + h * 3600 + m * 60 + s)
}

/// The ISO 8601 duration the admin API shows for `seconds` (`PT4H`, `P1D`).
fn iso_duration(seconds: u64) -> String {
    if seconds % 86_400 == 0 {
        format!("P{}D", seconds / 86_400)
    } else {
        format!("PT{}H", seconds / 3600)
    }
}

/// `Get-`, `New-` and `Set-QuarantinePolicy` for the global quarantine policy: selected by
/// `-QuarantinePolicyType GlobalQuarantinePolicy` (or, to set it, by its name). A time span
/// written to `EndUserSpamNotificationFrequency` reads back as an ISO 8601 duration, as the
/// admin API shows it. `New-` replaces the built-in `DefaultGlobalPolicy` (a tenant has one
/// global policy). `None` for the quarantine tags, which the generic engine serves.
fn global_quarantine(
    nouns: &mut BTreeMap<String, Vec<Row>>,
    name: &str,
    params: &Row,
) -> Option<Result<CmdletYield, Reply>> {
    let (verb, noun) = name.split_once('-')?;
    if !noun.eq_ignore_ascii_case("QuarantinePolicy") {
        return None;
    }
    let global = param(params, "QuarantinePolicyType")
        .is_some_and(|t| text(t).eq_ignore_ascii_case("GlobalQuarantinePolicy"));
    let named = param(params, "Identity").map(text).is_some_and(|id| {
        nouns
            .get(GLOBAL_QUARANTINE)
            .is_some_and(|rows| rows.iter().any(|r| matches_identity(r, &id)))
    });
    if !global && !named {
        return None;
    }
    let frequency = |params: &Row| -> Result<Option<(String, u64)>, Reply> {
        let Some(v) = param(params, "EndUserSpamNotificationFrequency") else {
            return Ok(None);
        };
        let seconds = timespan_seconds(&text(v))
            .filter(|s| [4 * 3600, 86_400, 7 * 86_400].contains(s))
            .ok_or_else(|| {
                bad(
                    "System.Management.Automation.ParameterBindingException",
                    &format!("Cannot validate argument on parameter 'EndUserSpamNotificationFrequency'. '{}' is not 04:00:00, 1.00:00:00 or 7.00:00:00.", text(v)),
                    "EndUserSpamNotificationFrequency",
                )
            })?;
        Ok(Some((iso_duration(seconds), seconds / 86_400)))
    };
    let rows = nouns.entry(GLOBAL_QUARANTINE.into()).or_default();
    let answer = match verb.to_ascii_lowercase().as_str() {
        "get" => Ok((rows.clone(), Vec::new())),
        "new" => (|| -> Result<CmdletYield, Reply> {
            let new_name = required(params, name, "Name")?;
            let mut row = obj(json!({"Identity": new_name, "Name": new_name,
                "QuarantinePolicyType": "GlobalQuarantinePolicy",
                "EndUserSpamNotificationFrequency": "P7D",
                "EndUserSpamNotificationFrequencyInDays": 7,
                "Guid": uuid::Uuid::new_v4().to_string()}));
            if let Some((iso, days)) = frequency(params)? {
                put(&mut row, "EndUserSpamNotificationFrequency", json!(iso));
                put(
                    &mut row,
                    "EndUserSpamNotificationFrequencyInDays",
                    json!(days),
                );
            }
            *rows = vec![row.clone()];
            Ok((vec![row], Vec::new()))
        })(),
        "set" => (|| -> Result<CmdletYield, Reply> {
            let id = required(params, name, "Identity")?;
            let row = rows
                .iter_mut()
                .find(|r| matches_identity(r, &id))
                .ok_or_else(|| not_found(&id))?;
            if let Some((iso, days)) = frequency(params)? {
                put(row, "EndUserSpamNotificationFrequency", json!(iso));
                put(row, "EndUserSpamNotificationFrequencyInDays", json!(days));
            }
            Ok((Vec::new(), Vec::new()))
        })(),
        _ => return None,
    };
    Some(answer)
}

/// `New-TenantAllowBlockListSpoofItems -Identity default -SendingInfrastructure -SpoofedUser
/// -SpoofType -Action`: one entry; the same infrastructure, user and type twice is refused.
fn new_spoof_item(
    nouns: &mut BTreeMap<String, Vec<Row>>,
    name: &str,
    params: &Row,
) -> Result<CmdletYield, Reply> {
    let infra = required(params, name, "SendingInfrastructure")?;
    let user = required(params, name, "SpoofedUser")?;
    let kind = required(params, name, "SpoofType")?;
    let action = required(params, name, "Action")?;
    if !["Internal", "External"]
        .iter()
        .any(|k| k.eq_ignore_ascii_case(&kind))
        || !["Allow", "Block"]
            .iter()
            .any(|a| a.eq_ignore_ascii_case(&action))
    {
        return Err(bad(
            "System.Management.Automation.ParameterBindingException",
            &format!("{name}: SpoofType must be Internal or External and Action Allow or Block."),
            "SpoofType",
        ));
    }
    let rows = nouns.entry(SPOOF_ITEMS.into()).or_default();
    let same =
        |r: &Row, k: &str, v: &str| prop(r, k).is_some_and(|x| text(x).eq_ignore_ascii_case(v));
    if rows.iter().any(|r| {
        same(r, "SendingInfrastructure", &infra)
            && same(r, "SpoofedUser", &user)
            && same(r, "SpoofType", &kind)
    }) {
        return Err(bad(
            "Microsoft.Exchange.Management.Tasks.ValidationException",
            &format!("An entry for '{infra}' ({kind}) already exists."),
            &infra,
        ));
    }
    let row = obj(json!({"Identity": uuid::Uuid::new_v4().to_string(),
        "SendingInfrastructure": infra, "SpoofedUser": user, "SpoofType": kind, "Action": action}));
    rows.push(row.clone());
    Ok((vec![row], Vec::new()))
}

/// `Remove-TenantAllowBlockListSpoofItems -Identity default -Ids`: the entries named, all of
/// which must exist.
fn remove_spoof_items(
    nouns: &mut BTreeMap<String, Vec<Row>>,
    name: &str,
    params: &Row,
) -> Result<CmdletYield, Reply> {
    let ids: Vec<String> = match param(params, "Ids") {
        Some(Value::Array(a)) => a.iter().map(text).collect(),
        Some(v) => vec![text(v)],
        None => Vec::new(),
    };
    if ids.is_empty() {
        return Err(bad(
            "System.Management.Automation.ParameterBindingException",
            &format!("{name}: the Ids parameter is required."),
            "Ids",
        ));
    }
    let rows = nouns.entry(SPOOF_ITEMS.into()).or_default();
    if let Some(missing) = ids
        .iter()
        .find(|id| !rows.iter().any(|r| matches_identity(r, id)))
    {
        return Err(not_found(missing));
    }
    rows.retain(|r| !ids.iter().any(|id| matches_identity(r, id)));
    Ok((Vec::new(), Vec::new()))
}

fn new_report_submission_policy(
    nouns: &mut BTreeMap<String, Vec<Row>>,
    params: &Row,
) -> Result<CmdletYield, Reply> {
    let rows = nouns.entry("reportsubmissionpolicy".into()).or_default();
    if !rows.is_empty() {
        return Err(bad(
            "Microsoft.Exchange.Data.Directory.ADObjectAlreadyExistsException",
            "The report submission policy already exists; change it with Set-ReportSubmissionPolicy.",
            "DefaultReportSubmissionPolicy",
        ));
    }
    let mut row = obj(json!({
        "Identity": "DefaultReportSubmissionPolicy", "Name": "DefaultReportSubmissionPolicy",
        "EnableReportToMicrosoft": true, "ReportJunkToCustomizedAddress": false,
        "ReportNotJunkToCustomizedAddress": false, "ReportPhishToCustomizedAddress": false,
        "ReportJunkAddresses": [], "ReportNotJunkAddresses": [], "ReportPhishAddresses": [],
    }));
    for (k, v) in params {
        if ["Confirm", "Force", "WhatIf", "ErrorAction"]
            .iter()
            .any(|c| c.eq_ignore_ascii_case(k))
        {
            continue;
        }
        if prop(&row, k).is_none() {
            return Err(bad(
                "System.Management.Automation.ParameterBindingException",
                &format!("A parameter cannot be found that matches parameter name '{k}'."),
                k,
            ));
        }
        // Address lists hold a list; one address or null become one.
        let v = match (k.ends_with("Addresses"), v) {
            (true, Value::Null) => json!([]),
            (true, Value::String(s)) => json!([s]),
            _ => v.clone(),
        };
        put(&mut row, k, v);
    }
    rows.push(row.clone());
    Ok((vec![row], Vec::new()))
}

fn new_rule(
    nouns: &mut BTreeMap<String, Vec<Row>>,
    cmdlet: &str,
    noun: &str,
    link: &str,
    params: &Row,
) -> Result<CmdletYield, Reply> {
    let name = required(params, cmdlet, "Name")?;
    let policy = required(params, cmdlet, link)?;
    let policy_noun = noun.replace("rule", "policy");
    let known = nouns
        .get(&policy_noun)
        .is_some_and(|rows| rows.iter().any(|r| matches_identity(r, &policy)));
    if !known {
        return Err(not_found(&policy));
    }
    let rows = nouns.entry(noun.into()).or_default();
    let taken = rows
        .iter()
        .any(|r| prop(r, "Name").is_some_and(|n| text(n).eq_ignore_ascii_case(&name)));
    if taken {
        return Err(bad(
            "Microsoft.Exchange.Data.Directory.ADObjectAlreadyExistsException",
            &format!("An object with the name '{name}' already exists."),
            &name,
        ));
    }
    let mut row = obj(
        json!({"Identity": name, "Name": name, "State": "Enabled", "Priority": 0,
        "RecipientDomainIs": [], "SentTo": [],
        "Guid": uuid::Uuid::new_v4().to_string()}),
    );
    for (k, v) in params {
        if ["Confirm", "Force", "WhatIf", "ErrorAction", "Enabled"]
            .iter()
            .any(|c| c.eq_ignore_ascii_case(k))
        {
            continue;
        }
        let v = match (k.as_str(), v) {
            ("RecipientDomainIs" | "SentTo", Value::String(s)) => json!([s]),
            _ => v.clone(),
        };
        put(&mut row, k, v);
    }
    if param(params, "Enabled") == Some(&json!(false)) {
        put(&mut row, "State", json!("Disabled"));
    }
    rows.push(row.clone());
    Ok((vec![row], Vec::new()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_read_and_show_like_exchange() {
        assert_eq!(shown_size(35 << 20), "35 MB (36,700,160 bytes)");
        assert_eq!(size_bytes(&json!("25MB")), Some(26_214_400));
        assert_eq!(size_bytes(&json!(1024)), Some(1024));
        assert_eq!(size_bytes(&json!("lots")), None);
        assert_eq!(timespan_seconds("1.00:00:00"), Some(86_400));
        assert_eq!(timespan_seconds("04:00:00"), Some(14_400));
        assert_eq!(timespan_seconds("soon"), None);
        assert_eq!(iso_duration(14_400), "PT4H");
        assert_eq!(iso_duration(7 * 86_400), "P7D");
    }
}
