//! Mailbox cmdlets with behaviour beyond "set a property": the ones user management and
//! offboarding call.
//!
//! - `Set-Mailbox -Type Shared|Regular|Room|Equipment` converts (`RecipientTypeDetails`);
//!   `-EmailAddresses` (a list, or `@{Add; Remove}`) checks there is one `SMTP:` primary and
//!   no other mailbox holds an address, and moves `PrimarySmtpAddress`;
//!   `-GrantSendOnBehalfTo` takes a list or `@{Add; Remove}`. Other parameters go on to the
//!   generic `Set-`.
//! - `Get-/Set-MailboxAutoReplyConfiguration` (one configuration per mailbox, made on first use).
//! - `Get-/Add-/Remove-MailboxPermission` (FullAccess with `AutoMapping`),
//!   `Get-/Add-/Remove-RecipientPermission` (SendAs).
//! - `Get-MobileDevice -Mailbox`, `Remove-MobileDevice` (devices are seeded per mailbox:
//!   `Identity` starts with the mailbox alias and a backslash).
//! - `Get-/Add-/Remove-DistributionGroupMember`, working on the Graph group's `members` so
//!   Graph's `memberOf` sees the change; refused for Microsoft 365 and security-only groups.
//! - `Get-/Add-/Remove-MailboxFolderPermission -Identity 'mailbox:\Calendar'` (folder
//!   rights by user, made on first grant).
//! - `Get-/New-/Set-DistributionGroup` on the Graph groups (`exchange_groups.rs`).
//! - `Remove-CalendarEvents -Identity -CancelOrganizedMeetings` removes the seeded
//!   `CalendarEvent` rows the mailbox organises.

use std::sync::PoisonError;

use serde_json::{json, Map, Value};

#[path = "../exchange_groups.rs"]
mod groups;

use super::{
    cmdlet_failure, matches_identity, not_found, param, prop, text, CmdletYield, Ctx, ExoStore,
};
use crate::graph::GraphState;
use crate::reply::Reply;

/// What the hook decided.
pub(super) enum Hook {
    /// Answered here.
    Done(Result<CmdletYield, Reply>),
    /// Not (or not only) for this module: run the generic engine with these parameters.
    Continue(Map<String, Value>),
}

const ID_KEYS: [&str; 5] = ["Identity", "Confirm", "Force", "WhatIf", "ErrorAction"];

fn bad(kind: &str, message: &str, target: &str) -> Reply {
    cmdlet_failure(400, "", kind, message, target)
}

fn missing(cmdlet: &str, p: &str) -> Reply {
    bad(
        "System.Management.Automation.ParameterBindingException",
        &format!("{cmdlet}: the {p} parameter is required."),
        "",
    )
}

fn required(params: &Map<String, Value>, cmdlet: &str, p: &str) -> Result<String, Reply> {
    param(params, p)
        .map(text)
        .filter(|s| !s.trim().is_empty())
        .ok_or_else(|| missing(cmdlet, p))
}

/// Index of the mailbox `identity` names.
fn mailbox_index(store: &ExoStore, identity: &str) -> Result<usize, Reply> {
    store
        .nouns
        .get("mailbox")
        .and_then(|rows| rows.iter().position(|r| matches_identity(r, identity)))
        .ok_or_else(|| not_found(identity))
}

fn mailbox<'a>(store: &'a ExoStore, identity: &str) -> Result<&'a Map<String, Value>, Reply> {
    let i = mailbox_index(store, identity)?;
    store
        .nouns
        .get("mailbox")
        .and_then(|rows| rows.get(i))
        .ok_or_else(|| not_found(identity))
}

fn field(row: &Map<String, Value>, key: &str) -> String {
    prop(row, key).map(text).unwrap_or_default()
}

/// A list parameter: a list, one value, or `@{Add; Remove}` applied to `current`.
fn edit_list(current: &[String], value: &Value) -> Vec<String> {
    let strings = |v: Option<&Value>| -> Vec<String> {
        match v {
            Some(Value::Array(a)) => a.iter().map(text).collect(),
            Some(Value::Null) | None => Vec::new(),
            Some(Value::String(s)) if s.is_empty() => Vec::new(),
            Some(other) => vec![text(other)],
        }
    };
    match value {
        Value::Object(o)
            if o.keys()
                .any(|k| k.eq_ignore_ascii_case("add") || k.eq_ignore_ascii_case("remove")) =>
        {
            let add = strings(param(o, "Add"));
            let remove = strings(param(o, "Remove"));
            let mut out: Vec<String> = current
                .iter()
                .filter(|c| !remove.iter().any(|r| r.eq_ignore_ascii_case(c)))
                .cloned()
                .collect();
            for a in add {
                if !out.iter().any(|c| c.eq_ignore_ascii_case(&a)) {
                    out.push(a);
                }
            }
            out
        }
        other => strings(Some(other)),
    }
}

fn as_strings(v: Option<&Value>) -> Vec<String> {
    v.and_then(Value::as_array)
        .map(|a| a.iter().map(text).collect())
        .unwrap_or_default()
}

/// Run `name` here if it is one of this module's cmdlets.
pub(super) fn intercept(
    ctx: &Ctx<'_>,
    store: &mut ExoStore,
    name: &str,
    params: &Map<String, Value>,
) -> Hook {
    let done = Hook::Done;
    match name.to_ascii_lowercase().as_str() {
        "set-mailbox" => set_mailbox(store, params),
        "get-mailboxautoreplyconfiguration" => done(auto_reply(store, params, false)),
        "set-mailboxautoreplyconfiguration" => done(auto_reply(store, params, true)),
        "get-mailboxpermission" => {
            // Exchange Online answers for one mailbox at a time: -Identity is mandatory.
            if let Err(r) = required(params, name, "Identity") {
                return done(Err(r));
            }
            done(get_permissions(store, params, "mailboxpermission", "User"))
        }
        "add-mailboxpermission" => done(add_permission(
            store,
            params,
            "mailboxpermission",
            "User",
            name,
        )),
        "remove-mailboxpermission" => done(remove_permission(
            store,
            params,
            "mailboxpermission",
            "User",
            name,
        )),
        "get-recipientpermission" => done(get_permissions(
            store,
            params,
            "recipientpermission",
            "Trustee",
        )),
        "add-recipientpermission" => done(add_permission(
            store,
            params,
            "recipientpermission",
            "Trustee",
            name,
        )),
        "remove-recipientpermission" => done(remove_permission(
            store,
            params,
            "recipientpermission",
            "Trustee",
            name,
        )),
        "get-mobiledevice" => done(get_mobile_devices(store, params)),
        "remove-mobiledevice" => done(remove_mobile_device(store, params, name)),
        "get-distributiongroupmember"
        | "add-distributiongroupmember"
        | "remove-distributiongroupmember" => done(group_member(ctx, name, params)),
        "get-distributiongroup" | "new-distributiongroup" | "set-distributiongroup" => {
            done(distribution_group(ctx, name, params))
        }
        "remove-calendarevents" => done(remove_calendar_events(store, params, name)),
        "get-mailboxfolderpermission"
        | "add-mailboxfolderpermission"
        | "remove-mailboxfolderpermission" => done(folder_permission(store, params, name)),
        _ => Hook::Continue(params.clone()),
    }
}

fn set_mailbox(store: &mut ExoStore, params: &Map<String, Value>) -> Hook {
    let handled = ["Type", "EmailAddresses", "GrantSendOnBehalfTo"];
    if !params
        .keys()
        .any(|k| handled.iter().any(|h| h.eq_ignore_ascii_case(k)))
    {
        return Hook::Continue(params.clone());
    }
    let Some(identity) = param(params, "Identity").map(text) else {
        return Hook::Done(Err(missing("Set-Mailbox", "Identity")));
    };
    let i = match mailbox_index(store, &identity) {
        Ok(i) => i,
        Err(r) => return Hook::Done(Err(r)),
    };
    let mut rest = Map::new();
    let mut changes: Vec<(&str, Value)> = Vec::new();
    for (k, v) in params {
        if k.eq_ignore_ascii_case("Type") {
            let kind = match text(v).to_ascii_lowercase().as_str() {
                "shared" => "SharedMailbox",
                "regular" => "UserMailbox",
                "room" => "RoomMailbox",
                "equipment" => "EquipmentMailbox",
                other => {
                    return Hook::Done(Err(bad(
                        "System.Management.Automation.ParameterBindingException",
                        &format!("Cannot bind parameter 'Type': '{other}' is not one of Regular, Shared, Room, Equipment."),
                        "Type",
                    )))
                }
            };
            changes.push(("RecipientTypeDetails", json!(kind)));
        } else if k.eq_ignore_ascii_case("GrantSendOnBehalfTo") {
            let rows = store.nouns.get("mailbox").cloned().unwrap_or_default();
            let current = as_strings(prop(&rows[i], "GrantSendOnBehalfTo"));
            let wanted = edit_list(&current, v);
            for w in &wanted {
                if !rows.iter().any(|r| matches_identity(r, w)) {
                    return Hook::Done(Err(not_found(w)));
                }
            }
            changes.push(("GrantSendOnBehalfTo", json!(wanted)));
        } else if k.eq_ignore_ascii_case("EmailAddresses") {
            let rows = store.nouns.get("mailbox").cloned().unwrap_or_default();
            let current = as_strings(prop(&rows[i], "EmailAddresses"));
            let wanted = edit_list(&current, v);
            let primaries: Vec<&String> =
                wanted.iter().filter(|a| a.starts_with("SMTP:")).collect();
            if primaries.len() != 1 {
                return Hook::Done(Err(bad(
                    "Microsoft.Exchange.Data.DataValidationException",
                    &format!("EmailAddresses must hold exactly one primary (SMTP:) address; it holds {}.", primaries.len()),
                    "EmailAddresses",
                )));
            }
            let primary = primaries[0].trim_start_matches("SMTP:").to_string();
            for a in &wanted {
                let Some((_, address)) = a.split_once(':') else {
                    return Hook::Done(Err(bad(
                        "Microsoft.Exchange.Data.DataValidationException",
                        &format!("'{a}' has no address prefix (smtp:)."),
                        "EmailAddresses",
                    )));
                };
                let taken = rows.iter().enumerate().any(|(j, r)| {
                    j != i
                        && as_strings(prop(r, "EmailAddresses")).iter().any(|x| {
                            x.split_once(':')
                                .is_some_and(|(_, y)| y.eq_ignore_ascii_case(address))
                        })
                });
                if taken {
                    return Hook::Done(Err(bad(
                        "Microsoft.Exchange.Data.Directory.ADObjectAlreadyExistsException",
                        &format!("The proxy address \"SMTP:{address}\" is already being used by another recipient."),
                        "EmailAddresses",
                    )));
                }
            }
            changes.push(("EmailAddresses", json!(wanted)));
            changes.push(("PrimarySmtpAddress", json!(primary)));
        } else {
            rest.insert(k.clone(), v.clone());
        }
    }
    if let Some(row) = store.nouns.get_mut("mailbox").and_then(|r| r.get_mut(i)) {
        for (k, v) in changes {
            row.insert(k.to_string(), v);
        }
    }
    if rest
        .keys()
        .any(|k| !ID_KEYS.iter().any(|c| c.eq_ignore_ascii_case(k)))
    {
        Hook::Continue(rest)
    } else {
        Hook::Done(Ok((Vec::new(), Vec::new())))
    }
}

const AUTO_REPLY_SETTINGS: [&str; 6] = [
    "AutoReplyState",
    "InternalMessage",
    "ExternalMessage",
    "StartTime",
    "EndTime",
    "ExternalAudience",
];

fn auto_reply(
    store: &mut ExoStore,
    params: &Map<String, Value>,
    set: bool,
) -> Result<CmdletYield, Reply> {
    let cmdlet = if set {
        "Set-MailboxAutoReplyConfiguration"
    } else {
        "Get-MailboxAutoReplyConfiguration"
    };
    let identity = required(params, cmdlet, "Identity")?;
    let owner = field(mailbox(store, &identity)?, "Identity");
    let rows = store
        .nouns
        .entry("mailboxautoreplyconfiguration".into())
        .or_default();
    let at = match rows.iter().position(|r| field(r, "Identity") == owner) {
        Some(at) => at,
        None => {
            rows.push(
                json!({"Identity": owner, "AutoReplyState": "Disabled", "InternalMessage": "",
                    "ExternalMessage": "", "StartTime": null, "EndTime": null, "ExternalAudience": "All"})
                .as_object()
                .cloned()
                .unwrap_or_default(),
            );
            rows.len() - 1
        }
    };
    if set {
        let mut next = rows[at].clone();
        for (k, v) in params {
            if ID_KEYS.iter().any(|c| c.eq_ignore_ascii_case(k)) {
                continue;
            }
            let Some(key) = AUTO_REPLY_SETTINGS
                .iter()
                .find(|s| s.eq_ignore_ascii_case(k))
            else {
                return Err(bad(
                    "System.Management.Automation.ParameterBindingException",
                    &format!("A parameter cannot be found that matches parameter name '{k}'."),
                    k,
                ));
            };
            next.insert((*key).to_string(), v.clone());
        }
        let state = field(&next, "AutoReplyState");
        if !["Enabled", "Disabled", "Scheduled"]
            .iter()
            .any(|s| s.eq_ignore_ascii_case(&state))
        {
            return Err(bad(
                "System.Management.Automation.ParameterBindingException",
                &format!("AutoReplyState '{state}' is not one of Enabled, Disabled, Scheduled."),
                "AutoReplyState",
            ));
        }
        if state.eq_ignore_ascii_case("Scheduled")
            && (prop(&next, "StartTime").is_none_or(Value::is_null)
                || prop(&next, "EndTime").is_none_or(Value::is_null))
        {
            return Err(bad(
                "Microsoft.Exchange.Data.DataValidationException",
                "A scheduled automatic reply needs StartTime and EndTime.",
                "StartTime",
            ));
        }
        rows[at] = next;
        return Ok((Vec::new(), Vec::new()));
    }
    Ok((vec![rows[at].clone()], Vec::new()))
}

/// The user (or trustee) a permission names, as the mailbox's UPN.
fn principal(store: &ExoStore, who: &str) -> Result<String, Reply> {
    Ok(field(mailbox(store, who)?, "UserPrincipalName"))
}

fn rights(params: &Map<String, Value>) -> Vec<String> {
    match param(params, "AccessRights") {
        Some(Value::Array(a)) => a.iter().map(text).collect(),
        Some(v) => text(v).split(',').map(|s| s.trim().to_string()).collect(),
        None => Vec::new(),
    }
}

fn get_permissions(
    store: &mut ExoStore,
    params: &Map<String, Value>,
    noun: &str,
    who_key: &str,
) -> Result<CmdletYield, Reply> {
    let owner = match param(params, "Identity").map(text) {
        Some(id) => Some(field(mailbox(store, &id)?, "Identity")),
        None => None,
    };
    let who = match param(params, who_key).map(text) {
        Some(w) => Some(principal(store, &w)?),
        None => None,
    };
    let rows = store.nouns.entry(noun.into()).or_default();
    let out = rows
        .iter()
        .filter(|r| owner.as_deref().is_none_or(|o| field(r, "Identity") == o))
        .filter(|r| {
            who.as_deref()
                .is_none_or(|w| field(r, who_key).eq_ignore_ascii_case(w))
        })
        .cloned()
        .collect();
    Ok((out, Vec::new()))
}

fn add_permission(
    store: &mut ExoStore,
    params: &Map<String, Value>,
    noun: &str,
    who_key: &str,
    cmdlet: &str,
) -> Result<CmdletYield, Reply> {
    let identity = required(params, cmdlet, "Identity")?;
    let owner = field(mailbox(store, &identity)?, "Identity");
    let who = principal(store, &required(params, cmdlet, who_key)?)?;
    let wanted = rights(params);
    let allowed: &[&str] = if noun == "mailboxpermission" {
        &[
            "FullAccess",
            "ReadPermission",
            "ChangePermission",
            "ChangeOwner",
            "DeleteItem",
            "ExternalAccount",
        ]
    } else {
        &["SendAs"]
    };
    if wanted.is_empty()
        || wanted
            .iter()
            .any(|w| !allowed.iter().any(|a| a.eq_ignore_ascii_case(w)))
    {
        return Err(bad(
            "System.Management.Automation.ParameterBindingException",
            &format!(
                "{cmdlet}: AccessRights must be one of {}.",
                allowed.join(", ")
            ),
            "AccessRights",
        ));
    }
    let automap = param(params, "AutoMapping")
        .map(|v| {
            v.as_bool()
                .unwrap_or_else(|| text(v).eq_ignore_ascii_case("true"))
        })
        .unwrap_or(true);
    let rows = store.nouns.entry(noun.into()).or_default();
    let existing = rows.iter().position(|r| {
        field(r, "Identity") == owner && field(r, who_key).eq_ignore_ascii_case(&who)
    });
    let mut row = match existing {
        Some(at) => rows.remove(at),
        None => Map::new(),
    };
    let mut have = as_strings(row.get("AccessRights"));
    for w in wanted {
        if !have.iter().any(|h| h.eq_ignore_ascii_case(&w)) {
            have.push(w);
        }
    }
    row.insert("Identity".into(), json!(owner));
    row.insert(who_key.into(), json!(who));
    row.insert("AccessRights".into(), json!(have));
    row.insert("IsInherited".into(), json!(false));
    if noun == "mailboxpermission" {
        row.insert("Deny".into(), json!(false));
        row.insert("AutoMapping".into(), json!(automap));
    } else {
        row.insert("AccessControlType".into(), json!("Allow"));
    }
    rows.push(row.clone());
    Ok((vec![row], Vec::new()))
}

fn remove_permission(
    store: &mut ExoStore,
    params: &Map<String, Value>,
    noun: &str,
    who_key: &str,
    cmdlet: &str,
) -> Result<CmdletYield, Reply> {
    let identity = required(params, cmdlet, "Identity")?;
    let owner = field(mailbox(store, &identity)?, "Identity");
    let who = principal(store, &required(params, cmdlet, who_key)?)?;
    let removing = rights(params);
    let rows = store.nouns.entry(noun.into()).or_default();
    let Some(at) = rows.iter().position(|r| {
        field(r, "Identity") == owner && field(r, who_key).eq_ignore_ascii_case(&who)
    }) else {
        return Ok((
            Vec::new(),
            vec![format!(
                "{cmdlet}: '{who}' holds no permission on '{owner}'; nothing was removed."
            )],
        ));
    };
    let left: Vec<String> = as_strings(rows[at].get("AccessRights"))
        .into_iter()
        .filter(|h| !removing.iter().any(|r| r.eq_ignore_ascii_case(h)))
        .collect();
    if left.is_empty() || removing.is_empty() {
        rows.remove(at);
    } else {
        rows[at].insert("AccessRights".into(), json!(left));
    }
    Ok((Vec::new(), Vec::new()))
}

fn owned_by(device: &Map<String, Value>, alias: &str) -> bool {
    field(device, "Identity")
        .to_ascii_lowercase()
        .starts_with(&format!("{}\\", alias.to_ascii_lowercase()))
}

fn get_mobile_devices(
    store: &mut ExoStore,
    params: &Map<String, Value>,
) -> Result<CmdletYield, Reply> {
    let alias = match param(params, "Mailbox").map(text) {
        Some(m) => Some(field(mailbox(store, &m)?, "Identity")),
        None => None,
    };
    let identity = param(params, "Identity").map(text);
    let rows = store.nouns.entry("mobiledevice".into()).or_default();
    let out: Vec<_> = rows
        .iter()
        .filter(|r| alias.as_deref().is_none_or(|a| owned_by(r, a)))
        .filter(|r| identity.as_deref().is_none_or(|i| matches_identity(r, i)))
        .cloned()
        .collect();
    if let (Some(i), true) = (&identity, out.is_empty()) {
        return Err(not_found(i));
    }
    Ok((out, Vec::new()))
}

fn remove_mobile_device(
    store: &mut ExoStore,
    params: &Map<String, Value>,
    cmdlet: &str,
) -> Result<CmdletYield, Reply> {
    let identity = required(params, cmdlet, "Identity")?;
    let rows = store.nouns.entry("mobiledevice".into()).or_default();
    let Some(at) = rows.iter().position(|r| matches_identity(r, &identity)) else {
        return Err(not_found(&identity));
    };
    rows.remove(at);
    Ok((Vec::new(), Vec::new()))
}

fn remove_calendar_events(
    store: &mut ExoStore,
    params: &Map<String, Value>,
    cmdlet: &str,
) -> Result<CmdletYield, Reply> {
    let identity = required(params, cmdlet, "Identity")?;
    let mbx = mailbox(store, &identity)?;
    let names = [
        field(mbx, "Identity"),
        field(mbx, "UserPrincipalName"),
        field(mbx, "PrimarySmtpAddress"),
    ];
    let rows = store.nouns.entry("calendarevent".into()).or_default();
    let before = rows.len();
    rows.retain(|r| {
        let organizer = field(r, "Organizer");
        !names
            .iter()
            .any(|n| !n.is_empty() && n.eq_ignore_ascii_case(&organizer))
    });
    let removed = before - rows.len();
    let warnings = if removed == 0 {
        vec![format!("No meetings organised by '{identity}' were found.")]
    } else {
        Vec::new()
    };
    Ok((Vec::new(), warnings))
}

/// Distribution groups themselves live in the Graph store's `groups` too
/// (`exchange_groups.rs`).
fn distribution_group(
    ctx: &Ctx<'_>,
    name: &str,
    params: &Map<String, Value>,
) -> Result<CmdletYield, Reply> {
    let Some(lock) = ctx.state.graph.store(&ctx.tenant.id) else {
        return Err(not_found(name));
    };
    let mut store = lock.write().unwrap_or_else(PoisonError::into_inner);
    let fail = groups::Failures { not_found, bad };
    groups::intercept(ctx.tenant, &mut store.root, name, params, &fail)
        .unwrap_or_else(|| Err(not_found(name)))
}

/// Distribution-group membership lives in the Graph store's `groups[*].members`.
fn group_member(
    ctx: &Ctx<'_>,
    name: &str,
    params: &Map<String, Value>,
) -> Result<CmdletYield, Reply> {
    let identity = required(params, name, "Identity")?;
    let graph: &GraphState = &ctx.state.graph;
    let Some(lock) = graph.store(&ctx.tenant.id) else {
        return Err(not_found(&identity));
    };
    let mut store = lock.write().unwrap_or_else(PoisonError::into_inner);
    let str_is = |v: &Value, want: &str| v.as_str().is_some_and(|s| s.eq_ignore_ascii_case(want));
    let users = store.root["users"].as_array().cloned().unwrap_or_default();
    let Some(Value::Array(groups)) = store.root.get_mut("groups") else {
        return Err(not_found(&identity));
    };
    let Some(group) = groups.iter_mut().find(|g| {
        ["id", "displayName", "mail", "mailNickname"]
            .iter()
            .any(|k| str_is(&g[*k], &identity))
    }) else {
        return Err(not_found(&identity));
    };
    let unified = group["groupTypes"]
        .as_array()
        .is_some_and(|t| t.iter().any(|x| str_is(x, "Unified")));
    if unified || group["mailEnabled"] != json!(true) {
        return Err(bad(
            "Microsoft.Exchange.Configuration.Tasks.ManagementObjectNotFoundException",
            &format!("'{identity}' is not a distribution group or mail-enabled security group."),
            &identity,
        ));
    }
    let upn_of = |id: &str| {
        users
            .iter()
            .find(|u| str_is(&u["id"], id))
            .map(|u| u["userPrincipalName"].clone())
            .unwrap_or(Value::Null)
    };
    let members = group
        .as_object_mut()
        .map(|g| g.entry("members").or_insert_with(|| json!([])));
    let Some(Value::Array(members)) = members else {
        return Err(not_found(&identity));
    };
    if name.eq_ignore_ascii_case("get-distributiongroupmember") {
        let rows = members
            .iter()
            .map(|m| {
                let id = m["id"].as_str().unwrap_or_default();
                json!({"Identity": id, "ExternalDirectoryObjectId": id, "PrimarySmtpAddress": upn_of(id)})
                    .as_object()
                    .cloned()
                    .unwrap_or_default()
            })
            .collect();
        return Ok((rows, Vec::new()));
    }
    let who = required(params, name, "Member")?;
    let Some(user_id) = users
        .iter()
        .find(|u| {
            ["id", "userPrincipalName", "mail"]
                .iter()
                .any(|k| str_is(&u[*k], &who))
        })
        .and_then(|u| u["id"].as_str())
        .map(str::to_string)
    else {
        return Err(not_found(&who));
    };
    let at = members.iter().position(|m| str_is(&m["id"], &user_id));
    if name.eq_ignore_ascii_case("add-distributiongroupmember") {
        if at.is_some() {
            return Err(bad(
                "Microsoft.Exchange.Management.Tasks.MemberAlreadyExistsException",
                &format!("The recipient '{who}' is already a member of the group '{identity}'."),
                &who,
            ));
        }
        members.push(json!({"id": user_id}));
    } else {
        let Some(at) = at else {
            return Err(bad(
                "Microsoft.Exchange.Management.Tasks.MemberNotFoundException",
                &format!("The recipient '{who}' isn't a member of the group '{identity}'."),
                &who,
            ));
        };
        members.remove(at);
    }
    Ok((Vec::new(), Vec::new()))
}

/// `Identity` of a folder: `mailbox:\Folder`; the mailbox resolved, the folder name kept.
fn folder_of(store: &ExoStore, identity: &str) -> Result<(String, String), Reply> {
    let Some((mbx, folder)) = identity.split_once(":\\") else {
        return Err(bad(
            "System.Management.Automation.ParameterBindingException",
            &format!("'{identity}' is not a folder identity (mailbox:\\Folder)."),
            identity,
        ));
    };
    let alias = field(mailbox(store, mbx)?, "Identity");
    Ok((alias, folder.to_string()))
}

fn folder_permission(
    store: &mut ExoStore,
    params: &Map<String, Value>,
    cmdlet: &str,
) -> Result<CmdletYield, Reply> {
    let identity = required(params, cmdlet, "Identity")?;
    let (alias, folder) = folder_of(store, &identity)?;
    let key = format!("{alias}:\\{folder}");
    let verb = cmdlet
        .split('-')
        .next()
        .unwrap_or_default()
        .to_ascii_lowercase();
    let who = match param(params, "User").map(text) {
        Some(u) => Some(principal(store, &u)?),
        None if verb == "get" => None,
        None => return Err(missing(cmdlet, "User")),
    };
    let rows = store
        .nouns
        .entry("mailboxfolderpermission".into())
        .or_default();
    let same = |r: &Map<String, Value>, who: &str| {
        field(r, "Identity").eq_ignore_ascii_case(&key)
            && field(r, "User").eq_ignore_ascii_case(who)
    };
    match verb.as_str() {
        "get" => Ok((
            rows.iter()
                .filter(|r| field(r, "Identity").eq_ignore_ascii_case(&key))
                .filter(|r| {
                    who.as_deref()
                        .is_none_or(|w| field(r, "User").eq_ignore_ascii_case(w))
                })
                .cloned()
                .collect(),
            Vec::new(),
        )),
        "add" => {
            let who = who.unwrap_or_default();
            if rows.iter().any(|r| same(r, &who)) {
                return Err(bad(
                    "Microsoft.Exchange.Management.StoreTasks.UserAlreadyExistsInPermissionEntryException",
                    &format!("An existing permission entry was found for user: {who}."),
                    &who,
                ));
            }
            let access = rights(params);
            if access.is_empty() {
                return Err(missing(cmdlet, "AccessRights"));
            }
            let row =
                json!({"Identity": key, "FolderName": folder, "User": who, "AccessRights": access})
                    .as_object()
                    .cloned()
                    .unwrap_or_default();
            rows.push(row.clone());
            Ok((vec![row], Vec::new()))
        }
        _ => {
            let who = who.unwrap_or_default();
            let Some(at) = rows.iter().position(|r| same(r, &who)) else {
                return Err(bad(
                    "Microsoft.Exchange.Management.StoreTasks.UserNotFoundInPermissionEntryException",
                    &format!("There is no existing permission entry found for user: {who}."),
                    &who,
                ));
            };
            rows.remove(at);
            Ok((Vec::new(), Vec::new()))
        }
    }
}
