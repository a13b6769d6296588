//! Per-mailbox settings that are read and written one mailbox at a time, for the standards
//! that fan out over mailboxes:
//!
//! - `Get-/Set-MailboxMessageConfiguration -Identity` (the Outlook on the web compose font:
//!   `DefaultFontName`, `DefaultFontSize` 1-7, `DefaultFontColor` `#rrggbb`, and a few more);
//! - `Get-/Set-MailboxJunkEmailConfiguration -Identity` (the junk filter and its safe senders
//!   and safe recipients lists);
//! - the `Default` and `Anonymous` entries of every mailbox's calendar, which
//!   `Get-MailboxFolderPermission -Identity 'mailbox:\Calendar'` lists beside the user entries
//!   (those stay with `mailbox.rs`), and `Set-MailboxFolderPermission -User -AccessRights`,
//!   which changes an existing entry.
//!
//! Each mailbox's configuration is made on first use with Exchange's defaults; the demo
//! tenants' exceptions (`seed/mailbox_settings.json`, by mailbox UPN) are laid on when the
//! store is built, so the standards find drift in a few mailboxes and not in the others.

use std::collections::BTreeMap;

use serde_json::{json, Map, Value};

use super::{cmdlet_failure, matches_identity, not_found, param, prop, text, CmdletYield};
use crate::reply::Reply;
use crate::seed::SeedTenant;

type Row = Map<String, Value>;

/// The demo tenants' per-mailbox exceptions.
const SEEDED: &str = include_str!("../../seed/mailbox_settings.json");

const MESSAGE: &str = "mailboxmessageconfiguration";
const JUNK: &str = "mailboxjunkemailconfiguration";
const FOLDER_PERMISSIONS: &str = "mailboxfolderpermission";

/// Calendar roles `-AccessRights` takes.
const ROLES: [&str; 11] = [
    "Owner",
    "PublishingEditor",
    "Editor",
    "PublishingAuthor",
    "Author",
    "NonEditingAuthor",
    "Reviewer",
    "Contributor",
    "AvailabilityOnly",
    "LimitedDetails",
    "None",
];

/// Parameters every cmdlet takes besides its settings.
const COMMON: [&str; 5] = ["Identity", "Confirm", "Force", "WhatIf", "ErrorAction"];

fn message_defaults(owner: &str) -> Row {
    obj(json!({
        "Identity": owner, "DefaultFontName": "Aptos", "DefaultFontSize": 3,
        "DefaultFontColor": "#000000", "DefaultFormat": "Html", "AlwaysShowBcc": false,
        "AlwaysShowFrom": false, "AutoAddSignature": false, "SignatureHtml": "",
        "ConversationSortOrder": "ChronologicalNewestOnTop",
    }))
}

fn junk_defaults(owner: &str) -> Row {
    obj(json!({
        "Identity": owner, "Enabled": true, "TrustedListsOnly": false, "ContactsTrusted": true,
        "TrustedSendersAndDomains": [], "TrustedRecipientsAndDomains": [],
        "BlockedSendersAndDomains": [],
    }))
}

fn obj(v: Value) -> Row {
    match v {
        Value::Object(m) => m,
        _ => Map::new(),
    }
}

fn field(row: &Row, key: &str) -> String {
    prop(row, key).map(text).unwrap_or_default()
}

fn refused(kind: &str, message: &str, target: &str) -> Reply {
    cmdlet_failure(400, "", kind, message, target)
}

fn binding(message: &str, target: &str) -> Reply {
    refused(
        "System.Management.Automation.ParameterBindingException",
        message,
        target,
    )
}

/// The alias (`Identity`) of the mailbox `identity` names.
fn owner(nouns: &BTreeMap<String, Vec<Row>>, identity: &str) -> Result<String, Reply> {
    nouns
        .get("mailbox")
        .and_then(|rows| rows.iter().find(|r| matches_identity(r, identity)))
        .map(|r| field(r, "Identity"))
        .ok_or_else(|| not_found(identity))
}

/// Lay the seeded exceptions of tenant `t` on its store (mailboxes named by UPN).
pub(super) fn prepare(nouns: &mut BTreeMap<String, Vec<Row>>, t: &SeedTenant) {
    let Ok(seeded) = serde_json::from_str::<Value>(SEEDED) else {
        return; // a unit test parses the shipped file
    };
    let Some(mine) = t
        .domains
        .iter()
        .chain(std::iter::once(&t.default_domain()))
        .find_map(|d| seeded.get(d.as_str()))
    else {
        return;
    };
    let mailboxes: Vec<(String, String)> = nouns
        .get("mailbox")
        .map(|rows| {
            rows.iter()
                .map(|r| (field(r, "UserPrincipalName"), field(r, "Identity")))
                .collect()
        })
        .unwrap_or_default();
    let alias_of = |upn: &str| {
        mailboxes
            .iter()
            .find(|(u, _)| u.eq_ignore_ascii_case(upn))
            .map(|(_, a)| a.clone())
    };
    for (noun, defaults) in [
        (
            "MailboxMessageConfiguration",
            message_defaults as fn(&str) -> Row,
        ),
        ("MailboxJunkEmailConfiguration", junk_defaults),
    ] {
        let Some(Value::Object(per_upn)) = mine.get(noun) else {
            continue;
        };
        for (upn, values) in per_upn {
            let Some(alias) = alias_of(upn) else { continue };
            let mut row = defaults(&alias);
            row.extend(values.as_object().cloned().unwrap_or_default());
            nouns
                .entry(noun.to_ascii_lowercase())
                .or_default()
                .push(row);
        }
    }
    if let Some(Value::Object(per_upn)) = mine.get("CalendarDefault") {
        for (upn, rights) in per_upn {
            let Some(alias) = alias_of(upn) else { continue };
            let rows = nouns.entry(FOLDER_PERMISSIONS.into()).or_default();
            ensure_calendar_defaults(rows, &alias, "Calendar");
            if let Some(entry) = rows.iter_mut().find(|r| {
                field(r, "Identity") == format!("{alias}:\\Calendar")
                    && field(r, "User") == "Default"
            }) {
                entry.insert("AccessRights".into(), rights.clone());
            }
        }
    }
}

/// The `Default` (free/busy) and `Anonymous` (nothing) entries every calendar has.
fn ensure_calendar_defaults(rows: &mut Vec<Row>, alias: &str, folder: &str) {
    let key = format!("{alias}:\\{folder}");
    for (user, rights) in [("Default", "AvailabilityOnly"), ("Anonymous", "None")] {
        let present = rows
            .iter()
            .any(|r| field(r, "Identity").eq_ignore_ascii_case(&key) && field(r, "User") == user);
        if !present {
            rows.push(obj(
                json!({"Identity": key, "FolderName": folder, "User": user,
                "AccessRights": [rights]}),
            ));
        }
    }
}

/// Answer `name` when it is one of this module's cmdlets; `None` for any other. For
/// `Get-MailboxFolderPermission` of a calendar this only makes sure the default entries exist
/// and lets the mailbox module list them (`None`).
pub(super) fn run(
    nouns: &mut BTreeMap<String, Vec<Row>>,
    name: &str,
    params: &Row,
) -> Option<Result<CmdletYield, Reply>> {
    let lower = name.to_ascii_lowercase();
    match lower.as_str() {
        "get-mailboxmessageconfiguration" => {
            Some(configuration(nouns, name, params, MESSAGE, false))
        }
        "set-mailboxmessageconfiguration" => {
            Some(configuration(nouns, name, params, MESSAGE, true))
        }
        "get-mailboxjunkemailconfiguration" => {
            Some(configuration(nouns, name, params, JUNK, false))
        }
        "set-mailboxjunkemailconfiguration" => Some(configuration(nouns, name, params, JUNK, true)),
        "get-mailboxfolderpermission" => {
            let calendar = param(params, "Identity").map(text).and_then(|id| {
                let (mbx, folder) = id.split_once(":\\")?;
                folder
                    .eq_ignore_ascii_case("Calendar")
                    .then(|| owner(nouns, mbx).ok())
                    .flatten()
            });
            if let Some(alias) = calendar {
                let rows = nouns.entry(FOLDER_PERMISSIONS.into()).or_default();
                ensure_calendar_defaults(rows, &alias, "Calendar");
            }
            None
        }
        "set-mailboxfolderpermission" => Some(set_folder_permission(nouns, name, params)),
        _ => None,
    }
}

fn configuration(
    nouns: &mut BTreeMap<String, Vec<Row>>,
    cmdlet: &str,
    params: &Row,
    noun: &str,
    set: bool,
) -> Result<CmdletYield, Reply> {
    let Some(identity) = param(params, "Identity")
        .map(text)
        .filter(|s| !s.trim().is_empty())
    else {
        return Err(binding(
            &format!("{cmdlet}: the Identity parameter is required."),
            "",
        ));
    };
    let alias = owner(nouns, &identity)?;
    let rows = nouns.entry(noun.into()).or_default();
    let at = match rows.iter().position(|r| field(r, "Identity") == alias) {
        Some(at) => at,
        None => {
            rows.push(if noun == MESSAGE {
                message_defaults(&alias)
            } else {
                junk_defaults(&alias)
            });
            rows.len() - 1
        }
    };
    if !set {
        return Ok((vec![rows[at].clone()], Vec::new()));
    }
    let mut next = rows[at].clone();
    for (k, v) in params {
        if COMMON.iter().any(|c| c.eq_ignore_ascii_case(k)) {
            continue;
        }
        let Some(key) = next
            .keys()
            .find(|p| p.eq_ignore_ascii_case(k) && p.as_str() != "Identity")
            .cloned()
        else {
            return Err(binding(
                &format!("A parameter cannot be found that matches parameter name '{k}'."),
                k,
            ));
        };
        let value = match (key.as_str(), v) {
            ("DefaultFontSize", v) => {
                let size = v.as_i64().or_else(|| text(v).trim().parse().ok());
                match size {
                    Some(n) if (1..=7).contains(&n) => json!(n),
                    _ => {
                        return Err(refused(
                            "Microsoft.Exchange.Data.DataValidationException",
                            &format!("DefaultFontSize '{}' is not between 1 and 7.", text(v)),
                            "DefaultFontSize",
                        ))
                    }
                }
            }
            // $null clears a list.
            (k, Value::Null) if k.ends_with("AndDomains") => json!([]),
            (_, v) => v.clone(),
        };
        next.insert(key, value);
    }
    rows[at] = next;
    Ok((Vec::new(), Vec::new()))
}

fn set_folder_permission(
    nouns: &mut BTreeMap<String, Vec<Row>>,
    cmdlet: &str,
    params: &Row,
) -> Result<CmdletYield, Reply> {
    let required = |p: &str| {
        param(params, p)
            .map(text)
            .filter(|s| !s.trim().is_empty())
            .ok_or_else(|| binding(&format!("{cmdlet}: the {p} parameter is required."), ""))
    };
    let identity = required("Identity")?;
    let user = required("User")?;
    let rights: Vec<String> = match param(params, "AccessRights") {
        Some(Value::Array(a)) => a.iter().map(text).collect(),
        Some(v) => text(v).split(',').map(|s| s.trim().to_string()).collect(),
        None => Vec::new(),
    };
    if rights.is_empty() {
        return Err(binding(
            &format!("{cmdlet}: the AccessRights parameter is required."),
            "",
        ));
    }
    let mut canonical = Vec::new();
    for r in &rights {
        let Some(role) = ROLES.iter().find(|x| x.eq_ignore_ascii_case(r)) else {
            return Err(binding(
                &format!("Cannot process argument transformation on parameter 'AccessRights'. '{r}' is not a folder permission role."),
                "AccessRights",
            ));
        };
        canonical.push(json!(role));
    }
    let Some((mbx, folder)) = identity.split_once(":\\") else {
        return Err(binding(
            &format!("'{identity}' is not a folder identity (mailbox:\\Folder)."),
            &identity,
        ));
    };
    let alias = owner(nouns, mbx)?;
    // Users other than Default and Anonymous are named by any of their mailbox's names.
    let who = if ["Default", "Anonymous"]
        .iter()
        .any(|d| d.eq_ignore_ascii_case(&user))
    {
        let mut u = user.to_ascii_lowercase();
        u[..1].make_ascii_uppercase();
        u
    } else {
        nouns
            .get("mailbox")
            .and_then(|rows| rows.iter().find(|r| matches_identity(r, &user)))
            .map(|r| field(r, "UserPrincipalName"))
            .ok_or_else(|| not_found(&user))?
    };
    let rows = nouns.entry(FOLDER_PERMISSIONS.into()).or_default();
    if folder.eq_ignore_ascii_case("Calendar") {
        ensure_calendar_defaults(rows, &alias, "Calendar");
    }
    let key = format!("{alias}:\\{folder}");
    let Some(entry) = rows.iter_mut().find(|r| {
        field(r, "Identity").eq_ignore_ascii_case(&key)
            && field(r, "User").eq_ignore_ascii_case(&who)
    }) else {
        return Err(refused(
            "Microsoft.Exchange.Management.StoreTasks.UserNotFoundInPermissionEntryException",
            &format!("There is no existing permission entry found for user: {who}."),
            &who,
        ));
    };
    entry.insert("AccessRights".into(), Value::Array(canonical));
    Ok((Vec::new(), Vec::new()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_exceptions_parse() {
        let v: Value = serde_json::from_str(SEEDED).unwrap_or(Value::Null);
        assert!(v["alphadental.com"]["CalendarDefault"].is_object());
    }
}
