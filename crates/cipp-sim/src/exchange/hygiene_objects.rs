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

use super::{
    binding_failure as binding, cmdlet_failure, matches_identity, not_found, param, prop, text,
    CmdletYield,
};
use crate::reply::Reply;
use crate::seed::SeedTenant;

mod allow_block;
mod contacts;
mod phish_sim;
mod quarantine;
mod retention;
mod rules;

use allow_block::{get_allow_block, new_allow_block, remove_allow_block};
use contacts::{new_mail_contact, remove_mail_contact, set_contact};
use phish_sim::{new_phish_sim_policy, new_phish_sim_rule, set_phish_sim_rule};
use quarantine::permissions_text;
use retention::{link_retention_tags, retention_tag};
use rules::{new_connector, set_transport_rule};

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

fn invalid(message: &str, target: &str) -> Reply {
    cmdlet_failure(
        400,
        "",
        "Microsoft.Exchange.Management.Tasks.ValidationException",
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
        ("new" | "set", QUARANTINE) => return quarantine::quarantine(nouns, name, &verb, params),
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
