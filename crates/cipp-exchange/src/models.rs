//! Typed rows of the cmdlets the standards and alerts read. Exchange names properties in
//! PascalCase; every property not named here is kept in `extra`, so nothing is lost.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// `Get-Mailbox`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
#[non_exhaustive]
pub struct Mailbox {
    /// Identity (usually the alias or the object id).
    pub identity: Option<String>,
    /// Display name.
    pub display_name: Option<String>,
    /// User principal name.
    pub user_principal_name: Option<String>,
    /// Primary SMTP address.
    pub primary_smtp_address: Option<String>,
    /// `UserMailbox`, `SharedMailbox`, `RoomMailbox`...
    pub recipient_type_details: Option<String>,
    /// Mailbox auditing switched on.
    pub audit_enabled: Option<bool>,
    /// Forwarding to a recipient of the organisation.
    pub forwarding_address: Option<String>,
    /// Forwarding to any SMTP address.
    pub forwarding_smtp_address: Option<String>,
    /// Keep a copy when forwarding.
    pub deliver_to_mailbox_and_forward: Option<bool>,
    /// Hidden from the global address list.
    pub hidden_from_address_lists_enabled: Option<bool>,
    /// Every other property.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl Mailbox {
    /// `true` when mail is forwarded anywhere.
    pub fn forwards(&self) -> bool {
        self.forwarding_address
            .as_deref()
            .is_some_and(|s| !s.is_empty())
            || self
                .forwarding_smtp_address
                .as_deref()
                .is_some_and(|s| !s.is_empty())
    }
}

/// `Get-CASMailbox`: client access protocols of a mailbox.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
#[non_exhaustive]
pub struct CasMailbox {
    /// Identity.
    pub identity: Option<String>,
    /// Primary SMTP address.
    pub primary_smtp_address: Option<String>,
    /// POP3.
    pub pop_enabled: Option<bool>,
    /// IMAP4.
    pub imap_enabled: Option<bool>,
    /// MAPI (Outlook).
    pub mapi_enabled: Option<bool>,
    /// Outlook on the web.
    pub owa_enabled: Option<bool>,
    /// Exchange ActiveSync.
    pub active_sync_enabled: Option<bool>,
    /// Exchange Web Services.
    pub ews_enabled: Option<bool>,
    /// Authenticated SMTP switched off for this mailbox.
    #[serde(rename = "SmtpClientAuthenticationDisabled")]
    pub smtp_client_authentication_disabled: Option<bool>,
    /// Every other property.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `Get-InboxRule`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
#[non_exhaustive]
pub struct InboxRule {
    /// Identity (`mailbox\\ruleId`).
    pub identity: Option<String>,
    /// Rule name.
    pub name: Option<String>,
    /// Switched on.
    pub enabled: Option<bool>,
    /// Forwards to these recipients.
    pub forward_to: Option<Value>,
    /// Forwards as attachment to these recipients.
    pub forward_as_attachment_to: Option<Value>,
    /// Redirects to these recipients.
    pub redirect_to: Option<Value>,
    /// Deletes the message.
    pub delete_message: Option<bool>,
    /// Moves the message to this folder.
    pub move_to_folder: Option<String>,
    /// Every other property.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl InboxRule {
    /// `true` when the rule sends mail elsewhere (forward, forward as attachment, redirect):
    /// the classic sign of a compromised mailbox.
    pub fn sends_mail_out(&self) -> bool {
        [
            &self.forward_to,
            &self.forward_as_attachment_to,
            &self.redirect_to,
        ]
        .iter()
        .any(|v| match v {
            Some(Value::Array(a)) => !a.is_empty(),
            Some(Value::String(s)) => !s.is_empty(),
            Some(Value::Null) | None => false,
            Some(_) => true,
        })
    }
}

/// `Get-AcceptedDomain`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
#[non_exhaustive]
pub struct AcceptedDomain {
    /// Name.
    pub name: Option<String>,
    /// The domain.
    pub domain_name: Option<String>,
    /// `Authoritative`, `InternalRelay` or `ExternalRelay`.
    pub domain_type: Option<String>,
    /// The default domain.
    pub default: Option<bool>,
    /// Every other property.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `Get-DkimSigningConfig`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
#[non_exhaustive]
pub struct DkimSigningConfig {
    /// The domain.
    pub domain: Option<String>,
    /// Signing switched on.
    pub enabled: Option<bool>,
    /// `Valid`, `CnameMissing`...
    pub status: Option<String>,
    /// The CNAME the first selector needs.
    #[serde(rename = "Selector1CNAME")]
    pub selector1_cname: Option<String>,
    /// The CNAME the second selector needs.
    #[serde(rename = "Selector2CNAME")]
    pub selector2_cname: Option<String>,
    /// Every other property.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `Get-AdminAuditLogConfig`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
#[non_exhaustive]
pub struct AdminAuditLogConfig {
    /// The unified audit log is collected.
    pub unified_audit_log_ingestion_enabled: Option<bool>,
    /// Admin audit logging switched on.
    pub admin_audit_log_enabled: Option<bool>,
    /// Every other property.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `Get-OrganizationConfig`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
#[non_exhaustive]
pub struct OrganizationConfig {
    /// The organisation's name.
    pub name: Option<String>,
    /// Mailbox auditing switched off organisation-wide.
    pub audit_disabled: Option<bool>,
    /// Modern authentication for Outlook.
    #[serde(rename = "OAuth2ClientProfileEnabled")]
    pub oauth2_client_profile_enabled: Option<bool>,
    /// Customisation switched on (needed before some settings can change).
    pub is_dehydrated: Option<bool>,
    /// Every other property.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A named policy or rule (spam, phish, malware, Safe Links, Safe Attachments, quarantine,
/// sharing, transport rules, remote domains): the properties they share, the rest in `extra`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
#[non_exhaustive]
pub struct Policy {
    /// Identity.
    pub identity: Option<String>,
    /// Name.
    pub name: Option<String>,
    /// Switched on (policies that have the switch).
    pub enabled: Option<bool>,
    /// The built-in default policy.
    pub is_default: Option<bool>,
    /// Every other property.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}
