//! Mailbox settings through Exchange Online: addresses, conversion, out-of-office,
//! permissions and forwarding.

use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

use super::{check_user, invalid, is_address, UserActions};
use crate::ActionError;

/// Address changes (CIPP's `EditUserAliases`). Addresses are compared without case.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AliasChange {
    /// Addresses to add as aliases.
    pub add: Vec<String>,
    /// Aliases to remove (the primary address cannot be removed).
    pub remove: Vec<String>,
    /// An address the mailbox already has, to make primary.
    pub make_primary: Option<String>,
}

/// What a mailbox is converted to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub enum MailboxKind {
    /// A shared mailbox (needs no licence up to 50 GB).
    Shared,
    /// A user mailbox.
    Regular,
}

impl MailboxKind {
    fn as_type(self) -> &'static str {
        match self {
            MailboxKind::Shared => "Shared",
            MailboxKind::Regular => "Regular",
        }
    }
}

/// Whether the automatic reply is sent.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum AutoReplyState {
    /// Off.
    #[default]
    Disabled,
    /// On until turned off.
    Enabled,
    /// On between two times (ISO 8601).
    Scheduled {
        /// From.
        start: String,
        /// Until.
        end: String,
    },
}

/// Who outside the organisation gets the external reply.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum AutoReplyAudience {
    /// Everyone.
    #[default]
    All,
    /// Only senders in the user's contacts.
    Known,
    /// Nobody outside.
    None,
}

/// An out-of-office setting.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OutOfOffice {
    /// On, off or scheduled.
    pub state: AutoReplyState,
    /// Reply to senders inside the organisation.
    pub internal_message: Option<String>,
    /// Reply to senders outside; `None` sends the internal text (as CIPP's offboarding does).
    pub external_message: Option<String>,
    /// Who outside gets a reply.
    pub external_audience: AutoReplyAudience,
}

/// A mailbox's out-of-office configuration as Exchange reports it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
#[non_exhaustive]
pub struct OutOfOfficeSettings {
    /// `Enabled`, `Disabled` or `Scheduled`.
    #[serde(default)]
    pub auto_reply_state: Option<String>,
    /// Internal reply.
    #[serde(default)]
    pub internal_message: Option<String>,
    /// External reply.
    #[serde(default)]
    pub external_message: Option<String>,
    /// Start of a scheduled reply.
    #[serde(default)]
    pub start_time: Option<String>,
    /// End of a scheduled reply.
    #[serde(default)]
    pub end_time: Option<String>,
    /// Other properties.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A right over someone else's mailbox.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum MailboxRight {
    /// Open the mailbox; `automap` adds it to the delegate's Outlook.
    FullAccess {
        /// Add to Outlook automatically.
        automap: bool,
    },
    /// Send as the mailbox.
    SendAs,
    /// Send on behalf of the mailbox.
    SendOnBehalf,
}

/// Where mail is forwarded.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Forwarding {
    /// To another mailbox in the tenant.
    Internal {
        /// The recipient (UPN or address).
        to: String,
        /// Keep a copy in the mailbox too.
        keep_copy: bool,
    },
    /// To an address outside (outbound spam policy permitting).
    External {
        /// The address.
        address: String,
        /// Keep a copy in the mailbox too.
        keep_copy: bool,
    },
    /// No forwarding.
    Disabled,
}

fn strip_prefix(a: &str) -> &str {
    match a.split_once(':') {
        Some((p, rest)) if p.eq_ignore_ascii_case("smtp") => rest,
        _ => a,
    }
}

/// The new address list, or the field at fault. `current` holds `SMTP:`/`smtp:` entries
/// (and perhaps other types such as `SIP:`, kept as they are).
pub(crate) fn apply_alias_change(
    current: &[String],
    change: &AliasChange,
) -> Result<Vec<String>, ActionError> {
    let is_smtp = |a: &str| {
        a.split_once(':')
            .is_some_and(|(p, _)| p.eq_ignore_ascii_case("smtp"))
    };
    let same = |a: &str, b: &str| strip_prefix(a).eq_ignore_ascii_case(strip_prefix(b));
    let mut list: Vec<String> = current.to_vec();
    for (i, a) in change.add.iter().enumerate() {
        let a = strip_prefix(a.trim());
        if !is_address(a) {
            return Err(invalid(
                format!("add[{i}]"),
                format!("'{a}' is not an email address"),
            ));
        }
        if !list.iter().any(|x| is_smtp(x) && same(x, a)) {
            list.push(format!("smtp:{a}"));
        }
    }
    for (i, r) in change.remove.iter().enumerate() {
        let r = strip_prefix(r.trim());
        let Some(at) = list.iter().position(|x| is_smtp(x) && same(x, r)) else {
            return Err(invalid(
                format!("remove[{i}]"),
                format!("'{r}' is not an address of this mailbox"),
            ));
        };
        if list[at].starts_with("SMTP:") {
            return Err(invalid(
                format!("remove[{i}]"),
                format!("'{r}' is the primary address; make another address primary first"),
            ));
        }
        list.remove(at);
    }
    if let Some(p) = &change.make_primary {
        let p = strip_prefix(p.trim());
        // CIPP's rule: only an address the mailbox already had can become primary.
        if !current.iter().any(|x| is_smtp(x) && same(x, p)) {
            return Err(invalid(
                "make_primary",
                format!("'{p}' is not an existing address of this mailbox; add it first"),
            ));
        }
        for x in list.iter_mut().filter(|x| is_smtp(x)) {
            let addr = strip_prefix(x).to_string();
            *x = if addr.eq_ignore_ascii_case(p) {
                format!("SMTP:{addr}")
            } else {
                format!("smtp:{addr}")
            };
        }
    }
    Ok(list)
}

fn as_strings(v: &Value) -> Vec<String> {
    v.as_array()
        .map(|a| {
            a.iter()
                .filter_map(|x| x.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

impl UserActions {
    /// The user's mailbox row (`Get-Mailbox`).
    pub async fn mailbox(&self, user: &str) -> Result<Value, ActionError> {
        check_user(user)?;
        let rows = self
            .cmdlet(
                "read mailbox",
                user,
                "Get-Mailbox",
                json!({"Identity": user}),
            )
            .await?;
        rows.into_iter()
            .next()
            .ok_or_else(|| ActionError::UserNotFound {
                tenant: self.tenant().to_string(),
                user: format!("{user} (mailbox)"),
            })
    }

    /// Add and remove aliases and set the primary address through Exchange
    /// (`Get-Mailbox`, then `Set-Mailbox -EmailAddresses`). Returns the new address list.
    pub async fn edit_aliases(
        &self,
        user: &str,
        change: &AliasChange,
    ) -> Result<Vec<String>, ActionError> {
        if change.add.is_empty() && change.remove.is_empty() && change.make_primary.is_none() {
            return Err(invalid(
                "aliases",
                "name no address to add, remove or make primary",
            ));
        }
        let mailbox = self.mailbox(user).await?;
        let current = as_strings(&mailbox["EmailAddresses"]);
        let next = apply_alias_change(&current, change)?;
        if next == current {
            return Ok(next);
        }
        self.cmdlet(
            "edit aliases",
            user,
            "Set-Mailbox",
            json!({"Identity": user, "EmailAddresses": next}),
        )
        .await?;
        Ok(next)
    }

    /// Convert the mailbox to shared or back to a user mailbox (`Set-Mailbox -Type`).
    pub async fn convert_mailbox(&self, user: &str, kind: MailboxKind) -> Result<(), ActionError> {
        check_user(user)?;
        self.cmdlet(
            "convert mailbox",
            user,
            "Set-Mailbox",
            json!({"Identity": user, "Type": kind.as_type()}),
        )
        .await
        .map(|_| ())
    }

    /// Set the automatic reply (`Set-MailboxAutoReplyConfiguration`).
    pub async fn set_out_of_office(
        &self,
        user: &str,
        ooo: &OutOfOffice,
    ) -> Result<(), ActionError> {
        check_user(user)?;
        let mut params = json!({"Identity": user});
        match &ooo.state {
            AutoReplyState::Disabled => params["AutoReplyState"] = json!("Disabled"),
            AutoReplyState::Enabled => params["AutoReplyState"] = json!("Enabled"),
            AutoReplyState::Scheduled { start, end } => {
                if start.trim().is_empty() || end.trim().is_empty() {
                    return Err(invalid(
                        "state",
                        "a scheduled reply needs a start and an end",
                    ));
                }
                // ISO 8601 in one zone compares as text.
                if end.trim() <= start.trim() {
                    return Err(invalid(
                        "state.end",
                        format!("'{end}' is not after the start '{start}'"),
                    ));
                }
                params["AutoReplyState"] = json!("Scheduled");
                params["StartTime"] = json!(start.trim());
                params["EndTime"] = json!(end.trim());
            }
        }
        let internal = ooo
            .internal_message
            .clone()
            .filter(|m| !m.trim().is_empty());
        if ooo.state != AutoReplyState::Disabled && internal.is_none() {
            return Err(invalid(
                "internal_message",
                "is empty; an automatic reply needs a text",
            ));
        }
        if let Some(text) = &internal {
            params["InternalMessage"] = json!(text);
            params["ExternalMessage"] = json!(ooo
                .external_message
                .clone()
                .filter(|m| !m.trim().is_empty())
                .unwrap_or_else(|| text.clone()));
        }
        params["ExternalAudience"] = json!(match ooo.external_audience {
            AutoReplyAudience::All => "All",
            AutoReplyAudience::Known => "Known",
            AutoReplyAudience::None => "None",
        });
        self.cmdlet(
            "set out-of-office",
            user,
            "Set-MailboxAutoReplyConfiguration",
            params,
        )
        .await
        .map(|_| ())
    }

    /// The automatic reply as it is now.
    pub async fn out_of_office(&self, user: &str) -> Result<OutOfOfficeSettings, ActionError> {
        check_user(user)?;
        let rows = self
            .cmdlet(
                "read out-of-office",
                user,
                "Get-MailboxAutoReplyConfiguration",
                json!({"Identity": user}),
            )
            .await?;
        let row = rows.into_iter().next().unwrap_or(Value::Null);
        serde_json::from_value(row)
            .map_err(|e| invalid("autoReplyConfiguration", format!("could not be read: {e}")))
    }

    /// Give `delegate` a right over `mailbox` (`Add-MailboxPermission`,
    /// `Add-RecipientPermission`, or `Set-Mailbox -GrantSendOnBehalfTo @{Add}`).
    pub async fn grant_mailbox_right(
        &self,
        mailbox: &str,
        delegate: &str,
        right: MailboxRight,
    ) -> Result<(), ActionError> {
        self.change_mailbox_right(mailbox, delegate, right, true)
            .await
    }

    /// Take a right over `mailbox` away from `delegate`.
    pub async fn revoke_mailbox_right(
        &self,
        mailbox: &str,
        delegate: &str,
        right: MailboxRight,
    ) -> Result<(), ActionError> {
        self.change_mailbox_right(mailbox, delegate, right, false)
            .await
    }

    async fn change_mailbox_right(
        &self,
        mailbox: &str,
        delegate: &str,
        right: MailboxRight,
        add: bool,
    ) -> Result<(), ActionError> {
        check_user(mailbox)?;
        if delegate.trim().is_empty() {
            return Err(invalid("delegate", "is empty"));
        }
        if delegate.trim().eq_ignore_ascii_case(mailbox.trim()) {
            return Err(invalid("delegate", "is the mailbox itself"));
        }
        let (name, params) = match (right, add) {
            (MailboxRight::FullAccess { automap }, true) => (
                "Add-MailboxPermission",
                json!({"Identity": mailbox, "User": delegate, "AccessRights": ["FullAccess"], "AutoMapping": automap, "InheritanceType": "All"}),
            ),
            (MailboxRight::FullAccess { .. }, false) => (
                "Remove-MailboxPermission",
                json!({"Identity": mailbox, "User": delegate, "AccessRights": ["FullAccess"], "InheritanceType": "All", "Confirm": false}),
            ),
            (MailboxRight::SendAs, true) => (
                "Add-RecipientPermission",
                json!({"Identity": mailbox, "Trustee": delegate, "AccessRights": ["SendAs"], "Confirm": false}),
            ),
            (MailboxRight::SendAs, false) => (
                "Remove-RecipientPermission",
                json!({"Identity": mailbox, "Trustee": delegate, "AccessRights": ["SendAs"], "Confirm": false}),
            ),
            (MailboxRight::SendOnBehalf, add) => (
                "Set-Mailbox",
                json!({"Identity": mailbox, "GrantSendOnBehalfTo": {if add { "Add" } else { "Remove" }: [delegate]}}),
            ),
        };
        let action = if add {
            "grant mailbox right"
        } else {
            "revoke mailbox right"
        };
        self.cmdlet(action, mailbox, name, params).await.map(|_| ())
    }

    /// Full Access grants on `mailbox` (`Get-MailboxPermission`).
    pub async fn mailbox_permissions(&self, mailbox: &str) -> Result<Vec<Value>, ActionError> {
        check_user(mailbox)?;
        self.cmdlet(
            "read mailbox permissions",
            mailbox,
            "Get-MailboxPermission",
            json!({"Identity": mailbox}),
        )
        .await
    }

    /// Set or turn off forwarding (`Set-Mailbox` `ForwardingAddress` /
    /// `ForwardingSmtpAddress` / `DeliverToMailboxAndForward`).
    pub async fn set_forwarding(
        &self,
        user: &str,
        forwarding: &Forwarding,
    ) -> Result<(), ActionError> {
        check_user(user)?;
        let params = match forwarding {
            Forwarding::Internal { to, keep_copy } => {
                if to.trim().is_empty() {
                    return Err(invalid("forwarding.to", "is empty"));
                }
                if to.trim().eq_ignore_ascii_case(user.trim()) {
                    return Err(invalid("forwarding.to", "is the mailbox itself"));
                }
                json!({"Identity": user, "ForwardingAddress": to.trim(), "ForwardingSmtpAddress": null, "DeliverToMailboxAndForward": keep_copy})
            }
            Forwarding::External { address, keep_copy } => {
                let a = strip_prefix(address.trim());
                if !is_address(a) {
                    return Err(invalid(
                        "forwarding.address",
                        format!("'{address}' is not an email address"),
                    ));
                }
                json!({"Identity": user, "ForwardingSmtpAddress": format!("smtp:{a}"), "ForwardingAddress": null, "DeliverToMailboxAndForward": keep_copy})
            }
            Forwarding::Disabled => {
                json!({"Identity": user, "ForwardingAddress": null, "ForwardingSmtpAddress": null, "DeliverToMailboxAndForward": false})
            }
        };
        self.cmdlet("set forwarding", user, "Set-Mailbox", params)
            .await
            .map(|_| ())
    }

    /// Hide the mailbox from the global address list, or show it again.
    pub async fn hide_from_address_lists(
        &self,
        user: &str,
        hidden: bool,
    ) -> Result<(), ActionError> {
        check_user(user)?;
        self.cmdlet(
            "hide from address lists",
            user,
            "Set-Mailbox",
            json!({"Identity": user, "HiddenFromAddressListsEnabled": hidden}),
        )
        .await
        .map(|_| ())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn list(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn aliases_dedupe_and_primary_moves() {
        let current = list(&["SMTP:a@x.com", "smtp:b@x.com"]);
        let change = AliasChange {
            add: vec!["B@X.COM".into(), "c@x.com".into()],
            remove: vec![],
            make_primary: Some("b@x.com".into()),
        };
        assert_eq!(
            apply_alias_change(&current, &change).ok(),
            Some(list(&["smtp:a@x.com", "SMTP:b@x.com", "smtp:c@x.com"]))
        );
        let bad = AliasChange {
            make_primary: Some("new@x.com".into()),
            ..AliasChange::default()
        };
        assert!(apply_alias_change(&current, &bad)
            .err()
            .is_some_and(|e| e.to_string().contains("make_primary")));
        let primary = AliasChange {
            remove: vec!["a@x.com".into()],
            ..AliasChange::default()
        };
        assert!(apply_alias_change(&current, &primary)
            .err()
            .is_some_and(|e| e.to_string().contains("remove[0]")));
    }
}
