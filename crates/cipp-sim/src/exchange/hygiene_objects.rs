//! Exchange objects of the mail-hygiene and mailbox-management standards that need behaviour
//! beyond the generic verb-noun engine: quarantine policies (tags and the global policy's
//! notification texts), retention tags and the default MRM policy, the phishing-simulation
//! override policy and rule, Tenant Allow/Block List items, and mail contacts.
//!
//! [`prepare`] gives every tenant what Exchange Online starts with: the built-in quarantine
//! tags (all-zero `Guid`, as Exchange shows built-ins, and the `EndUserQuarantinePermissions`
//! text the admin API reads), the global quarantine policy's per-language lists, three default
//! retention tags linked to `Default MRM Policy`, and empty nouns for the rest (connectors
//! included, which the generic engine serves).
//!
//! [`run`] answers:
//! - `New-`/`Set-QuarantinePolicy` of a quarantine tag: `EndUserQuarantinePermissionsValue` (a
//!   bit set, 0-255; release and request-release together are refused) also updates the
//!   permissions text; `New-` refuses a taken name.
//! - `New-`/`Set-QuarantinePolicy` of the global policy with its notification texts
//!   (`MultiLanguageSetting`, `MultiLanguageSenderName`, `ESNCustomSubject`,
//!   `MultiLanguageCustomDisclaimer`, `EndUserSpamNotificationCustomFromAddress`,
//!   `OrganizationBrandingEnabled`): each per-language list must have one entry per language,
//!   as Exchange demands; the frequency is left to the standards-objects module.
//! - `New-`/`Set-RetentionPolicyTag` (`AgeLimitForRetention` in days, stored as a time span)
//!   and `Set-RetentionPolicy` (every `RetentionPolicyTagLinks` entry must name a tag).
//! - `New-PhishSimOverridePolicy` (one per tenant, always named `PhishSimOverridePolicy`),
//!   `New-`/`Set-ExoPhishSimOverrideRule` (the rule gets Exchange's generated
//!   `_Exe:PhishSimOverr:` name; `Set-` takes `Add`/`Remove` lists).
//! - `Get-`/`New-`/`Remove-TenantAllowBlockListItems` by `ListType` and `ListSubType`.
//! - `New-MailContact` (a mail contact and its contact), `Set-Contact`, `Remove-MailContact`.
//! - `New-InboundConnector`/`New-OutboundConnector` (see [`new_connector`]) and
//!   `Set-TransportRule` with rule parameters the rule does not have yet.

use std::collections::BTreeMap;

use serde_json::{json, Map, Value};

use super::{cmdlet_failure, matches_identity, param, prop, text, CmdletYield};
use crate::reply::Reply;
use crate::seed::SeedTenant;

type Row = Map<String, Value>;
type Answer = Result<CmdletYield, Reply>;

/// The `Guid` Exchange shows on its built-in objects.
const BUILT_IN_GUID: &str = "00000000-0000-0000-0000-000000000000";
const QUARANTINE: &str = "quarantinepolicy";
const GLOBAL_QUARANTINE: &str = "globalquarantinepolicy";
const RETENTION_TAGS: &str = "retentionpolicytag";
const RETENTION_POLICIES: &str = "retentionpolicy";
const PHISH_SIM_POLICY: &str = "phishsimoverridepolicy";
const PHISH_SIM_RULE: &str = "exophishsimoverriderule";
const ALLOW_BLOCK: &str = "tenantallowblocklistitems";
const MAIL_CONTACTS: &str = "mailcontact";
const CONTACTS: &str = "contact";

/// The end-user quarantine permissions, highest bit first, as `EndUserQuarantinePermissionsValue`
/// packs them.
const PERMISSIONS: [&str; 8] = [
    "PermissionToViewHeader",
    "PermissionToDownload",
    "PermissionToAllowSender",
    "PermissionToBlockSender",
    "PermissionToRequestRelease",
    "PermissionToRelease",
    "PermissionToPreview",
    "PermissionToDelete",
];

/// The global policy's per-language lists, which must be as long as `MultiLanguageSetting`.
const PER_LANGUAGE: [&str; 3] = [
    "MultiLanguageSenderName",
    "ESNCustomSubject",
    "MultiLanguageCustomDisclaimer",
];

/// Parameters of the global policy this module keeps.
const GLOBAL_TEXTS: [&str; 6] = [
    "MultiLanguageSetting",
    "MultiLanguageSenderName",
    "ESNCustomSubject",
    "MultiLanguageCustomDisclaimer",
    "EndUserSpamNotificationCustomFromAddress",
    "OrganizationBrandingEnabled",
];

/// Folder types a retention tag may have.
const TAG_TYPES: [&str; 10] = [
    "All",
    "Personal",
    "DeletedItems",
    "Inbox",
    "JunkEmail",
    "SentItems",
    "RecoverableItems",
    "Calendar",
    "Drafts",
    "Archive",
];

fn obj(v: Value) -> Row {
    match v {
        Value::Object(m) => m,
        _ => Map::new(),
    }
}

fn put(row: &mut Row, key: &str, value: Value) {
    let k = row
        .keys()
        .find(|x| x.eq_ignore_ascii_case(key))
        .cloned()
        .unwrap_or_else(|| key.to_string());
    row.insert(k, value);
}

fn not_found(id: &str) -> Reply {
    cmdlet_failure(
        404,
        "Ex6F9304",
        "Microsoft.Exchange.Configuration.Tasks.ManagementObjectNotFoundException",
        &format!("The operation couldn't be performed because object '{id}' couldn't be found."),
        id,
    )
}

fn invalid(message: &str, target: &str) -> Reply {
    cmdlet_failure(
        400,
        "",
        "Microsoft.Exchange.Management.Tasks.ValidationException",
        message,
        target,
    )
}

fn binding(message: &str, target: &str) -> Reply {
    cmdlet_failure(
        400,
        "",
        "System.Management.Automation.ParameterBindingException",
        message,
        target,
    )
}

fn exists(name: &str) -> Reply {
    cmdlet_failure(
        400,
        "Ex9D5E85",
        "Microsoft.Exchange.Data.Directory.ADObjectAlreadyExistsException",
        &format!("An object with the name '{name}' already exists."),
        name,
    )
}

fn required(params: &Row, cmdlet: &str, p: &str) -> Result<String, Reply> {
    param(params, p)
        .map(text)
        .filter(|s| !s.trim().is_empty())
        .ok_or_else(|| binding(&format!("{cmdlet}: the {p} parameter is required."), p))
}

/// The values of a multi-valued parameter: an array, or one value.
fn values(v: Option<&Value>) -> Vec<String> {
    match v {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(a)) => a
            .iter()
            .map(text)
            .filter(|s| !s.trim().is_empty())
            .collect(),
        Some(other) => {
            let t = text(other);
            if t.trim().is_empty() {
                Vec::new()
            } else {
                vec![t]
            }
        }
    }
}

fn truthy(v: Option<&Value>) -> bool {
    match v {
        Some(Value::Bool(b)) => *b,
        Some(Value::String(s)) => s.eq_ignore_ascii_case("true"),
        _ => false,
    }
}

fn find<'a>(rows: &'a mut [Row], identity: &str) -> Result<&'a mut Row, Reply> {
    rows.iter_mut()
        .find(|r| matches_identity(r, identity))
        .ok_or_else(|| not_found(identity))
}

/// The permissions text `Get-QuarantinePolicy` shows for a permissions value.
fn permissions_text(value: u64) -> String {
    let lines: Vec<String> = PERMISSIONS
        .iter()
        .enumerate()
        .map(|(i, name)| {
            let on = value & (1 << (7 - i)) != 0;
            format!("{name}: {}", if on { "True" } else { "False" })
        })
        .collect();
    format!("[{}]", lines.join("\n"))
}

/// Complete a tenant's objects (see the module docs).
pub(crate) fn prepare(nouns: &mut BTreeMap<String, Vec<Row>>, t: &SeedTenant) {
    let tenant = t.id.to_ascii_lowercase();
    let tags = nouns.entry(QUARANTINE.into()).or_default();
    if !tags
        .iter()
        .any(|r| matches_identity(r, "AdminOnlyAccessPolicy"))
    {
        tags.push(obj(json!({"Identity": "AdminOnlyAccessPolicy",
            "Name": "AdminOnlyAccessPolicy", "EndUserQuarantinePermissionsValue": 0})));
    }
    for row in tags.iter_mut() {
        let value = prop(row, "EndUserQuarantinePermissionsValue")
            .and_then(Value::as_u64)
            .unwrap_or(0);
        for (key, default) in [
            ("Guid", json!(BUILT_IN_GUID)),
            ("ESNEnabled", json!(false)),
            ("IncludeMessagesFromBlockedSenderAddress", json!(false)),
            ("EndUserQuarantinePermissionsValue", json!(value)),
            (
                "EndUserQuarantinePermissions",
                json!(permissions_text(value)),
            ),
        ] {
            if prop(row, key).is_none() {
                put(row, key, default);
            }
        }
    }
    for row in nouns.entry(GLOBAL_QUARANTINE.into()).or_default() {
        for (key, default) in [
            ("MultiLanguageSetting", json!(["Default"])),
            ("MultiLanguageSenderName", json!([])),
            ("ESNCustomSubject", json!([])),
            ("MultiLanguageCustomDisclaimer", json!([])),
            ("EndUserSpamNotificationCustomFromAddress", json!("")),
            ("OrganizationBrandingEnabled", json!(false)),
        ] {
            if prop(row, key).is_none() {
                put(row, key, default);
            }
        }
    }
    let id = |name: &str| {
        uuid::Uuid::new_v5(
            &uuid::Uuid::NAMESPACE_OID,
            format!("{tenant}/{name}").as_bytes(),
        )
        .to_string()
    };
    let defaults = [
        (
            "Default 2 year move to archive",
            "All",
            "MoveToArchive",
            730,
        ),
        (
            "Recoverable Items 14 days move to archive",
            "RecoverableItems",
            "MoveToArchive",
            14,
        ),
        ("Junk Email", "JunkEmail", "DeleteAndAllowRecovery", 30),
    ];
    nouns.entry(RETENTION_TAGS.into()).or_insert_with(|| {
        defaults
            .iter()
            .map(|(name, kind, action, days)| {
                obj(json!({"Identity": name, "Name": name, "Type": kind,
                    "RetentionEnabled": true, "RetentionAction": action,
                    "AgeLimitForRetention": format!("{days}.00:00:00"), "Guid": id(name)}))
            })
            .collect()
    });
    nouns.entry(RETENTION_POLICIES.into()).or_insert_with(|| {
        vec![obj(
            json!({"Identity": "Default MRM Policy", "Name": "Default MRM Policy",
            "IsDefault": true, "Guid": id("Default MRM Policy"),
            "RetentionPolicyTagLinks": defaults.iter().map(|d| d.0).collect::<Vec<_>>()}),
        )]
    });
    for noun in [
        PHISH_SIM_POLICY,
        PHISH_SIM_RULE,
        ALLOW_BLOCK,
        MAIL_CONTACTS,
        CONTACTS,
        "inboundconnector",
        "outboundconnector",
    ] {
        nouns.entry(noun.into()).or_default();
    }
}

/// Answer the cmdlets this module knows; `None` lets the other handlers run.
pub(crate) fn run(
    nouns: &mut BTreeMap<String, Vec<Row>>,
    name: &str,
    params: &Row,
) -> Option<Answer> {
    let (verb, noun) = name.split_once('-')?;
    let verb = verb.to_ascii_lowercase();
    let noun = noun.to_ascii_lowercase();
    let answer = match (verb.as_str(), noun.as_str()) {
        ("new" | "set", QUARANTINE) => return quarantine(nouns, name, &verb, params),
        ("new" | "set", "retentionpolicytag") => retention_tag(nouns, name, &verb, params),
        ("set", "retentionpolicy") => link_retention_tags(nouns, name, params),
        ("new", PHISH_SIM_POLICY) => new_phish_sim_policy(nouns, params),
        ("new", PHISH_SIM_RULE) => new_phish_sim_rule(nouns, name, params),
        ("set", PHISH_SIM_RULE) => set_phish_sim_rule(nouns, name, params),
        ("get", ALLOW_BLOCK) => get_allow_block(nouns, name, params),
        ("new", ALLOW_BLOCK) => new_allow_block(nouns, name, params),
        ("remove", ALLOW_BLOCK) => remove_allow_block(nouns, name, params),
        ("new", MAIL_CONTACTS) => new_mail_contact(nouns, name, params),
        ("set", CONTACTS) => set_contact(nouns, name, params),
        ("remove", MAIL_CONTACTS) => remove_mail_contact(nouns, name, params),
        ("set", "transportrule") => set_transport_rule(nouns, name, params),
        ("new", "inboundconnector" | "outboundconnector") => {
            new_connector(nouns, name, &noun, params)
        }
        _ => return None,
    };
    Some(answer)
}

/// Whether the call addresses the global quarantine policy.
fn is_global(nouns: &BTreeMap<String, Vec<Row>>, params: &Row) -> bool {
    let typed = param(params, "QuarantinePolicyType")
        .is_some_and(|t| text(t).eq_ignore_ascii_case("GlobalQuarantinePolicy"));
    let named = param(params, "Identity").map(text).is_some_and(|id| {
        nouns
            .get(GLOBAL_QUARANTINE)
            .is_some_and(|rows| rows.iter().any(|r| matches_identity(r, &id)))
    });
    typed || named
}

fn quarantine(
    nouns: &mut BTreeMap<String, Vec<Row>>,
    name: &str,
    verb: &str,
    params: &Row,
) -> Option<Answer> {
    if is_global(nouns, params) {
        let has_texts = params
            .keys()
            .any(|k| GLOBAL_TEXTS.iter().any(|g| g.eq_ignore_ascii_case(k)));
        return has_texts.then(|| global_texts(nouns, name, verb, params));
    }
    Some(quarantine_tag(nouns, name, verb, params))
}

/// The global policy's notification texts; the rest of the call (its frequency, the creation
/// of the policy) goes to the standards-objects module first.
fn global_texts(
    nouns: &mut BTreeMap<String, Vec<Row>>,
    name: &str,
    verb: &str,
    params: &Row,
) -> Answer {
    let (texts, rest): (Row, Row) = params
        .clone()
        .into_iter()
        .partition(|(k, _)| GLOBAL_TEXTS.iter().any(|g| g.eq_ignore_ascii_case(k)));
    let current_languages = nouns
        .get(GLOBAL_QUARANTINE)
        .and_then(|rows| rows.first())
        .map(|r| values(prop(r, "MultiLanguageSetting")))
        .unwrap_or_default();
    let languages = match param(&texts, "MultiLanguageSetting") {
        Some(v) => values(Some(v)),
        None => current_languages,
    };
    let languages = if languages.is_empty() {
        vec!["Default".to_string()]
    } else {
        languages
    };
    for key in PER_LANGUAGE {
        if let Some(v) = param(&texts, key) {
            let n = values(Some(v)).len();
            if n != 0 && n != languages.len() {
                return Err(invalid(
                    &format!(
                        "{key} has {n} entries but MultiLanguageSetting has {} languages; give one per language.",
                        languages.len()
                    ),
                    key,
                ));
            }
        }
    }
    if let Some(v) = param(&texts, "OrganizationBrandingEnabled") {
        if !matches!(v, Value::Bool(_)) {
            return Err(binding(
                &format!("{name}: OrganizationBrandingEnabled takes true or false, not {v}."),
                "OrganizationBrandingEnabled",
            ));
        }
    }
    let (rows, warnings) = match super::standards_objects::run(nouns, name, &rest) {
        Some(answer) => answer?,
        None => (Vec::new(), Vec::new()),
    };
    let target = if verb == "new" {
        required(params, name, "Name")?
    } else {
        required(params, name, "Identity")?
    };
    let policy = find(nouns.entry(GLOBAL_QUARANTINE.into()).or_default(), &target)?;
    put(policy, "MultiLanguageSetting", json!(languages));
    for (k, v) in texts {
        let canonical = GLOBAL_TEXTS
            .iter()
            .find(|g| g.eq_ignore_ascii_case(&k))
            .copied()
            .unwrap_or(k.as_str())
            .to_string();
        let v = if PER_LANGUAGE.contains(&canonical.as_str()) || canonical == "MultiLanguageSetting"
        {
            json!(values(Some(&v)))
        } else {
            v
        };
        put(policy, &canonical, v);
    }
    let rows = if verb == "new" {
        vec![policy.clone()]
    } else {
        rows
    };
    Ok((rows, warnings))
}

/// `New-`/`Set-QuarantinePolicy` of a quarantine tag.
fn quarantine_tag(
    nouns: &mut BTreeMap<String, Vec<Row>>,
    name: &str,
    verb: &str,
    params: &Row,
) -> Answer {
    let permissions = match param(params, "EndUserQuarantinePermissionsValue") {
        None => None,
        Some(v) => {
            let n = v
                .as_u64()
                .or_else(|| text(v).trim().parse().ok())
                .filter(|n| *n <= 255)
                .ok_or_else(|| {
                    binding(
                        &format!(
                            "{name}: EndUserQuarantinePermissionsValue must be 0-255, not {v}."
                        ),
                        "EndUserQuarantinePermissionsValue",
                    )
                })?;
            // Bits 3 and 2: request release and release.
            if n & 0b1100 == 0b1100 {
                return Err(invalid(
                    "PermissionToRelease and PermissionToRequestRelease can't both be granted.",
                    "EndUserQuarantinePermissionsValue",
                ));
            }
            Some(n)
        }
    };
    let rows = nouns.entry(QUARANTINE.into()).or_default();
    let row = if verb == "new" {
        let new_name = required(params, name, "Name")?;
        if rows.iter().any(|r| matches_identity(r, &new_name)) {
            return Err(exists(&new_name));
        }
        rows.push(obj(json!({"Identity": new_name, "Name": new_name,
            "Guid": uuid::Uuid::new_v4().to_string(), "ESNEnabled": false,
            "IncludeMessagesFromBlockedSenderAddress": false,
            "EndUserQuarantinePermissionsValue": 0,
            "EndUserQuarantinePermissions": permissions_text(0)})));
        let last = rows.len() - 1;
        &mut rows[last]
    } else {
        let id = required(params, name, "Identity")?;
        find(rows, &id)?
    };
    for (k, v) in params {
        if [
            "Name",
            "Identity",
            "Confirm",
            "Force",
            "WhatIf",
            "ErrorAction",
        ]
        .iter()
        .any(|c| c.eq_ignore_ascii_case(k))
        {
            continue;
        }
        if prop(row, k).is_none() {
            return Err(binding(
                &format!("A parameter cannot be found that matches parameter name '{k}'."),
                k,
            ));
        }
        put(row, k, v.clone());
    }
    if let Some(n) = permissions {
        put(row, "EndUserQuarantinePermissionsValue", json!(n));
        put(
            row,
            "EndUserQuarantinePermissions",
            json!(permissions_text(n)),
        );
    }
    let out = if verb == "new" {
        vec![row.clone()]
    } else {
        Vec::new()
    };
    Ok((out, Vec::new()))
}

/// Conditions, exceptions and actions `Set-TransportRule` takes even when the rule does not
/// have them yet (the generic engine refuses a property an object lacks).
const RULE_PARAMETERS: [&str; 16] = [
    "Comments",
    "FromScope",
    "SentToScope",
    "Priority",
    "Mode",
    "HeaderMatchesMessageHeader",
    "HeaderMatchesPatterns",
    "ExceptIfSenderDomainIs",
    "ExceptIfFromAddressContainsWords",
    "ExceptIfFrom",
    "ApplyHtmlDisclaimerText",
    "ApplyHtmlDisclaimerLocation",
    "ApplyHtmlDisclaimerFallbackAction",
    "SetSCL",
    "PrependSubject",
    "SetHeaderName",
];

/// `Set-TransportRule`: the rule's own properties and the known rule parameters; lists given
/// as one value hold one entry.
fn set_transport_rule(nouns: &mut BTreeMap<String, Vec<Row>>, name: &str, params: &Row) -> Answer {
    let id = required(params, name, "Identity")?;
    let rule = find(nouns.entry("transportrule".into()).or_default(), &id)?;
    for (k, v) in params {
        if ["Identity", "Confirm", "Force", "WhatIf", "ErrorAction"]
            .iter()
            .any(|c| c.eq_ignore_ascii_case(k))
        {
            continue;
        }
        let known = RULE_PARAMETERS.iter().any(|p| p.eq_ignore_ascii_case(k));
        if prop(rule, k).is_none() && !known {
            return Err(binding(
                &format!("A parameter cannot be found that matches parameter name '{k}'."),
                k,
            ));
        }
        let list = matches!(prop(rule, k), Some(Value::Array(_)));
        let v = match v {
            Value::String(s) if list => json!([s]),
            other => other.clone(),
        };
        put(rule, k, v);
    }
    Ok((Vec::new(), Vec::new()))
}

/// `New-InboundConnector` / `New-OutboundConnector`: `Name` and a `ConnectorType` of
/// `OnPremises` or `Partner`; an outbound connector that does not use MX records needs
/// `SmartHosts`. Properties are kept in Exchange's spelling (`Name`, `Comment`), the rest as
/// given; a connector starts enabled.
fn new_connector(
    nouns: &mut BTreeMap<String, Vec<Row>>,
    name: &str,
    noun: &str,
    params: &Row,
) -> Answer {
    let connector_name = required(params, name, "Name")?;
    let kind = param(params, "ConnectorType")
        .map(text)
        .unwrap_or_else(|| "Partner".into());
    let Some(kind) = ["OnPremises", "Partner"]
        .into_iter()
        .find(|k| k.eq_ignore_ascii_case(&kind))
    else {
        return Err(binding(
            &format!("{name}: '{kind}' is not a ConnectorType (OnPremises or Partner)."),
            "ConnectorType",
        ));
    };
    let outbound = noun == "outboundconnector";
    let uses_mx = param(params, "UseMXRecord").is_none_or(|v| truthy(Some(v)));
    if outbound && !uses_mx && values(param(params, "SmartHosts")).is_empty() {
        return Err(invalid(
            "SmartHosts must be set when UseMXRecord is false.",
            "SmartHosts",
        ));
    }
    let rows = nouns.entry(noun.into()).or_default();
    if rows.iter().any(|r| matches_identity(r, &connector_name)) {
        return Err(exists(&connector_name));
    }
    let mut row = obj(json!({"Identity": connector_name, "Name": connector_name,
        "ConnectorType": kind, "Enabled": true, "Comment": "",
        "Guid": uuid::Uuid::new_v4().to_string()}));
    for (k, v) in params {
        if [
            "Name",
            "ConnectorType",
            "Confirm",
            "Force",
            "WhatIf",
            "ErrorAction",
        ]
        .iter()
        .any(|c| c.eq_ignore_ascii_case(k))
        {
            continue;
        }
        put(&mut row, k, v.clone());
    }
    rows.push(row.clone());
    Ok((vec![row], Vec::new()))
}

/// Days as a retention age (`30`, `"30"`, or a time span `30.00:00:00`) -> the time span.
fn age_limit(name: &str, v: &Value) -> Result<String, Reply> {
    let t = text(v);
    let days = t
        .trim()
        .split('.')
        .next()
        .and_then(|d| d.parse::<u64>().ok())
        .filter(|d| (1..=24_855).contains(d))
        .ok_or_else(|| {
            binding(
                &format!(
                    "{name}: AgeLimitForRetention must be a number of days (1-24855), not {v}."
                ),
                "AgeLimitForRetention",
            )
        })?;
    Ok(format!("{days}.00:00:00"))
}

fn retention_tag(
    nouns: &mut BTreeMap<String, Vec<Row>>,
    name: &str,
    verb: &str,
    params: &Row,
) -> Answer {
    let age = param(params, "AgeLimitForRetention")
        .map(|v| age_limit(name, v))
        .transpose()?;
    if let Some(action) = param(params, "RetentionAction").map(text) {
        if ![
            "DeleteAndAllowRecovery",
            "PermanentlyDelete",
            "MoveToArchive",
            "MarkAsPastRetentionLimit",
        ]
        .iter()
        .any(|a| a.eq_ignore_ascii_case(&action))
        {
            return Err(binding(
                &format!("{name}: '{action}' is not a RetentionAction."),
                "RetentionAction",
            ));
        }
    }
    let rows = nouns.entry(RETENTION_TAGS.into()).or_default();
    let row = if verb == "new" {
        let new_name = required(params, name, "Name")?;
        let kind = required(params, name, "Type")?;
        if !TAG_TYPES.iter().any(|t| t.eq_ignore_ascii_case(&kind)) {
            return Err(binding(
                &format!("{name}: '{kind}' is not a retention tag Type."),
                "Type",
            ));
        }
        if rows.iter().any(|r| matches_identity(r, &new_name)) {
            return Err(exists(&new_name));
        }
        rows.push(obj(
            json!({"Identity": new_name, "Name": new_name, "Type": kind,
            "RetentionEnabled": false, "RetentionAction": "DeleteAndAllowRecovery",
            "AgeLimitForRetention": null, "Guid": uuid::Uuid::new_v4().to_string()}),
        ));
        let last = rows.len() - 1;
        &mut rows[last]
    } else {
        let id = required(params, name, "Identity")?;
        let row = find(rows, &id)?;
        if param(params, "Type").is_some() {
            return Err(binding(
                &format!("{name}: the Type of an existing tag can't be changed."),
                "Type",
            ));
        }
        row
    };
    for key in ["RetentionEnabled", "RetentionAction", "Comment"] {
        if let Some(v) = param(params, key) {
            put(row, key, v.clone());
        }
    }
    if let Some(age) = age {
        put(row, "AgeLimitForRetention", json!(age));
    }
    let out = if verb == "new" {
        vec![row.clone()]
    } else {
        Vec::new()
    };
    Ok((out, Vec::new()))
}

/// `Set-RetentionPolicy -RetentionPolicyTagLinks`: the list replaces the policy's links; every
/// entry must name an existing tag.
fn link_retention_tags(nouns: &mut BTreeMap<String, Vec<Row>>, name: &str, params: &Row) -> Answer {
    let id = required(params, name, "Identity")?;
    let links = values(param(params, "RetentionPolicyTagLinks"));
    let tags = nouns.get(RETENTION_TAGS).cloned().unwrap_or_default();
    let mut canonical = Vec::new();
    for link in &links {
        let tag = tags
            .iter()
            .find(|t| matches_identity(t, link))
            .ok_or_else(|| not_found(link))?;
        let tag_name = prop(tag, "Name").map(text).unwrap_or_else(|| link.clone());
        if !canonical.contains(&tag_name) {
            canonical.push(tag_name);
        }
    }
    let policy = find(nouns.entry(RETENTION_POLICIES.into()).or_default(), &id)?;
    if param(params, "RetentionPolicyTagLinks").is_some() {
        put(policy, "RetentionPolicyTagLinks", json!(canonical));
    }
    if let Some(v) = param(params, "Name") {
        put(policy, "Name", v.clone());
    }
    Ok((Vec::new(), Vec::new()))
}

fn new_phish_sim_policy(nouns: &mut BTreeMap<String, Vec<Row>>, params: &Row) -> Answer {
    let rows = nouns.entry(PHISH_SIM_POLICY.into()).or_default();
    if !rows.is_empty() {
        return Err(exists("PhishSimOverridePolicy"));
    }
    // Exchange names the tenant's one override policy itself, whatever -Name says.
    let enabled = param(params, "Enabled").is_none_or(|v| truthy(Some(v)));
    let row = obj(json!({"Identity": "PhishSimOverridePolicy",
        "Name": "PhishSimOverridePolicy", "Enabled": enabled, "Mode": "Enforce",
        "Guid": uuid::Uuid::new_v4().to_string()}));
    rows.push(row.clone());
    Ok((vec![row], Vec::new()))
}

fn new_phish_sim_rule(nouns: &mut BTreeMap<String, Vec<Row>>, name: &str, params: &Row) -> Answer {
    required(params, name, "Name")?;
    let policy = required(params, name, "Policy")?;
    let known = nouns
        .get(PHISH_SIM_POLICY)
        .is_some_and(|rows| rows.iter().any(|r| matches_identity(r, &policy)));
    if !known {
        return Err(not_found(&policy));
    }
    let domains = values(param(params, "Domains"));
    let ranges = values(param(params, "SenderIpRanges"));
    if domains.is_empty() || ranges.is_empty() {
        return Err(binding(
            &format!("{name}: Domains and SenderIpRanges each need at least one value."),
            "Domains",
        ));
    }
    let rows = nouns.entry(PHISH_SIM_RULE.into()).or_default();
    if !rows.is_empty() {
        return Err(invalid(
            "A tenant has one phishing simulation override rule; change it with Set-ExoPhishSimOverrideRule.",
            "Name",
        ));
    }
    let guid = uuid::Uuid::new_v4().to_string();
    let rule_name = format!("_Exe:PhishSimOverr:{guid}");
    let row = obj(
        json!({"Identity": rule_name, "Name": rule_name, "Policy": "PhishSimOverridePolicy",
        "SenderIpRanges": ranges, "Domains": domains, "Guid": guid}),
    );
    rows.push(row.clone());
    Ok((vec![row], Vec::new()))
}

fn set_phish_sim_rule(nouns: &mut BTreeMap<String, Vec<Row>>, name: &str, params: &Row) -> Answer {
    let id = required(params, name, "Identity")?;
    let rule = find(nouns.entry(PHISH_SIM_RULE.into()).or_default(), &id)?;
    for list in ["SenderIpRanges", "Domains"] {
        let mut current = match param(params, list) {
            Some(v) => values(Some(v)),
            None => values(prop(rule, list)),
        };
        for add in values(param(params, &format!("Add{list}"))) {
            if !current.iter().any(|c| c.eq_ignore_ascii_case(&add)) {
                current.push(add);
            }
        }
        let remove = values(param(params, &format!("Remove{list}")));
        current.retain(|c| !remove.iter().any(|r| r.eq_ignore_ascii_case(c)));
        put(rule, list, json!(current));
    }
    Ok((Vec::new(), Vec::new()))
}

/// `ListType` and `ListSubType` (default `Tenant`) of a Tenant Allow/Block List call.
fn list_of(name: &str, params: &Row) -> Result<(String, String), Reply> {
    let list = required(params, name, "ListType")?;
    let canonical = ["Sender", "Url", "FileHash", "IP"]
        .iter()
        .find(|t| t.eq_ignore_ascii_case(&list))
        .ok_or_else(|| binding(&format!("{name}: '{list}' is not a ListType."), "ListType"))?;
    let sub = param(params, "ListSubType")
        .map(text)
        .unwrap_or_else(|| "Tenant".into());
    let sub = ["Tenant", "AdvancedDelivery"]
        .iter()
        .find(|t| t.eq_ignore_ascii_case(&sub))
        .ok_or_else(|| {
            binding(
                &format!("{name}: '{sub}' is not a ListSubType."),
                "ListSubType",
            )
        })?;
    Ok(((*canonical).to_string(), (*sub).to_string()))
}

fn in_list(row: &Row, list: &str, sub: &str) -> bool {
    let is = |k: &str, v: &str| prop(row, k).is_some_and(|x| text(x).eq_ignore_ascii_case(v));
    is("ListType", list) && is("ListSubType", sub)
}

fn get_allow_block(nouns: &mut BTreeMap<String, Vec<Row>>, name: &str, params: &Row) -> Answer {
    let (list, sub) = list_of(name, params)?;
    let action = if truthy(param(params, "Allow")) {
        Some("Allow")
    } else if truthy(param(params, "Block")) {
        Some("Block")
    } else {
        None
    };
    let rows = nouns
        .get(ALLOW_BLOCK)
        .into_iter()
        .flatten()
        .filter(|r| in_list(r, &list, &sub))
        .filter(|r| {
            action
                .is_none_or(|a| prop(r, "Action").is_some_and(|x| text(x).eq_ignore_ascii_case(a)))
        })
        .cloned()
        .collect();
    Ok((rows, Vec::new()))
}

fn new_allow_block(nouns: &mut BTreeMap<String, Vec<Row>>, name: &str, params: &Row) -> Answer {
    let (list, sub) = list_of(name, params)?;
    let entries = values(param(params, "Entries"));
    if entries.is_empty() {
        return Err(binding(
            &format!("{name}: the Entries parameter is required."),
            "Entries",
        ));
    }
    let action = match (
        truthy(param(params, "Allow")),
        truthy(param(params, "Block")),
    ) {
        (true, false) => "Allow",
        (false, true) => "Block",
        _ => {
            return Err(binding(
                &format!("{name}: give exactly one of -Allow and -Block."),
                "Allow",
            ))
        }
    };
    if sub == "AdvancedDelivery" && action != "Allow" {
        return Err(invalid(
            "Advanced delivery entries can only allow.",
            "ListSubType",
        ));
    }
    let no_expiry = truthy(param(params, "NoExpiration"));
    let expiry = param(params, "ExpirationDate").cloned();
    if no_expiry && expiry.is_some() {
        return Err(binding(
            &format!("{name}: NoExpiration and ExpirationDate exclude each other."),
            "NoExpiration",
        ));
    }
    let rows = nouns.entry(ALLOW_BLOCK.into()).or_default();
    let mut created = Vec::new();
    for entry in &entries {
        let taken = rows.iter().any(|r| {
            in_list(r, &list, &sub)
                && prop(r, "Value").is_some_and(|v| text(v).eq_ignore_ascii_case(entry))
        });
        if taken {
            return Err(invalid(
                &format!("An entry for '{entry}' already exists in the {list} list."),
                entry,
            ));
        }
        created.push(obj(json!({"Identity": uuid::Uuid::new_v4().to_string(),
            "Value": entry, "Action": action, "ListType": list, "ListSubType": sub,
            "ExpirationDate": if no_expiry { Value::Null } else { expiry.clone().unwrap_or(Value::Null) },
            "Notes": param(params, "Notes").cloned().unwrap_or(Value::Null)})));
    }
    rows.extend(created.iter().cloned());
    Ok((created, Vec::new()))
}

fn remove_allow_block(nouns: &mut BTreeMap<String, Vec<Row>>, name: &str, params: &Row) -> Answer {
    let (list, sub) = list_of(name, params)?;
    let entries = values(param(params, "Entries"));
    let ids = values(param(params, "Ids"));
    if entries.is_empty() && ids.is_empty() {
        return Err(binding(&format!("{name}: give Entries or Ids."), "Entries"));
    }
    let rows = nouns.entry(ALLOW_BLOCK.into()).or_default();
    let hit = |r: &Row, e: &str| {
        prop(r, "Value").is_some_and(|v| text(v).eq_ignore_ascii_case(e))
            || prop(r, "Identity").is_some_and(|v| text(v).eq_ignore_ascii_case(e))
    };
    for e in entries.iter().chain(&ids) {
        if !rows.iter().any(|r| in_list(r, &list, &sub) && hit(r, e)) {
            return Err(not_found(e));
        }
    }
    rows.retain(|r| !(in_list(r, &list, &sub) && entries.iter().chain(&ids).any(|e| hit(r, e))));
    Ok((Vec::new(), Vec::new()))
}

/// An address as given: `SMTP:` prefix dropped.
fn bare_address(a: &str) -> String {
    let t = a.trim();
    t.strip_prefix("SMTP:")
        .or_else(|| t.strip_prefix("smtp:"))
        .unwrap_or(t)
        .to_string()
}

fn new_mail_contact(nouns: &mut BTreeMap<String, Vec<Row>>, name: &str, params: &Row) -> Answer {
    let contact_name = required(params, name, "Name")?;
    let address = bare_address(&required(params, name, "ExternalEmailAddress")?);
    let valid = address
        .split_once('@')
        .is_some_and(|(l, d)| !l.is_empty() && d.contains('.') && !d.starts_with('.'));
    if !valid {
        return Err(invalid(
            &format!("'{address}' is not a valid SMTP address."),
            "ExternalEmailAddress",
        ));
    }
    let contacts = nouns.entry(MAIL_CONTACTS.into()).or_default();
    if contacts.iter().any(|r| matches_identity(r, &contact_name)) {
        return Err(exists(&contact_name));
    }
    if contacts.iter().any(|r| matches_identity(r, &address)) {
        return Err(invalid(
            &format!("The proxy address 'SMTP:{address}' is already being used."),
            "ExternalEmailAddress",
        ));
    }
    let guid = uuid::Uuid::new_v4().to_string();
    let object_id = uuid::Uuid::new_v4().to_string();
    let display = param(params, "DisplayName")
        .map(text)
        .unwrap_or_else(|| contact_name.clone());
    let alias: String = address
        .split('@')
        .next()
        .unwrap_or_default()
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .collect();
    let mail = obj(
        json!({"Identity": contact_name, "Name": contact_name, "Alias": alias,
        "DisplayName": display, "ExternalEmailAddress": format!("SMTP:{address}"),
        "PrimarySmtpAddress": address, "EmailAddresses": [format!("SMTP:{address}")],
        "RecipientTypeDetails": "MailContact", "HiddenFromAddressListsEnabled": false,
        "MailTip": null,
        "Guid": guid, "ExternalDirectoryObjectId": object_id}),
    );
    contacts.push(mail.clone());
    nouns.entry(CONTACTS.into()).or_default().push(obj(json!({
        "Identity": contact_name, "Name": contact_name, "DisplayName": display,
        "FirstName": param(params, "FirstName").map(text).unwrap_or_default(),
        "LastName": param(params, "LastName").map(text).unwrap_or_default(),
        "WindowsEmailAddress": address, "PrimarySmtpAddress": address,
        "Company": "", "Title": "", "Phone": "", "MobilePhone": "", "WebPage": "",
        "StreetAddress": "", "City": "", "StateOrProvince": "", "PostalCode": "",
        "CountryOrRegion": "", "Guid": guid,
        "ExternalDirectoryObjectId": object_id, "RecipientTypeDetails": "MailContact"})));
    Ok((vec![mail], Vec::new()))
}

/// `Set-Contact`: the contact's details; its display name shows on the mail contact too.
fn set_contact(nouns: &mut BTreeMap<String, Vec<Row>>, name: &str, params: &Row) -> Answer {
    let id = required(params, name, "Identity")?;
    let contact = find(nouns.entry(CONTACTS.into()).or_default(), &id)?;
    for (k, v) in params {
        if ["Identity", "Confirm", "Force", "WhatIf", "ErrorAction"]
            .iter()
            .any(|c| c.eq_ignore_ascii_case(k))
        {
            continue;
        }
        if prop(contact, k).is_none() {
            return Err(binding(
                &format!("A parameter cannot be found that matches parameter name '{k}'."),
                k,
            ));
        }
        put(contact, k, v.clone());
    }
    let guid = prop(contact, "Guid").map(text).unwrap_or_default();
    if let Some(display) = param(params, "DisplayName").cloned() {
        if let Some(mail) = nouns
            .get_mut(MAIL_CONTACTS)
            .and_then(|rows| rows.iter_mut().find(|r| matches_identity(r, &guid)))
        {
            put(mail, "DisplayName", display);
        }
    }
    Ok((Vec::new(), Vec::new()))
}

fn remove_mail_contact(nouns: &mut BTreeMap<String, Vec<Row>>, name: &str, params: &Row) -> Answer {
    let id = required(params, name, "Identity")?;
    let guid = find(nouns.entry(MAIL_CONTACTS.into()).or_default(), &id)
        .map(|r| prop(r, "Guid").map(text).unwrap_or_default())?;
    for noun in [MAIL_CONTACTS, CONTACTS] {
        if let Some(rows) = nouns.get_mut(noun) {
            rows.retain(|r| !matches_identity(r, &guid));
        }
    }
    Ok((Vec::new(), Vec::new()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn permissions_read_as_exchange_shows_them() {
        let t = permissions_text(0b0001_0011);
        assert!(t.starts_with("[PermissionToViewHeader: False\n"));
        assert!(t.contains("PermissionToBlockSender: True"));
        assert!(t.contains("PermissionToPreview: True"));
        assert!(t.ends_with("PermissionToDelete: True]"));
        assert!(t.contains("PermissionToRelease: False"));
    }

    #[test]
    fn retention_ages_become_time_spans() {
        assert_eq!(age_limit("x", &json!(30)).ok(), Some("30.00:00:00".into()));
        assert_eq!(
            age_limit("x", &json!("7.00:00:00")).ok(),
            Some("7.00:00:00".into())
        );
        assert!(age_limit("x", &json!("soon")).is_err());
        assert!(age_limit("x", &json!(0)).is_err());
    }
}
