//! Typed reads of the cmdlets the standards and alerts use. Each is one cmdlet; the raw rows
//! are always available through [`ExchangeClient::cmdlet`].

use crate::anchor::Anchor;
use crate::client::ExchangeClient;
use crate::error::ExchangeError;
use crate::models::{
    AcceptedDomain, AdminAuditLogConfig, CasMailbox, DkimSigningConfig, InboxRule, Mailbox,
    OrganizationConfig, Policy,
};

/// `(method, cmdlet)` of every list read that returns [`Policy`] rows, for callers that walk
/// them generically (snapshots).
pub const POLICY_CMDLETS: &[(&str, &str)] = &[
    ("transport_rules", "Get-TransportRule"),
    (
        "hosted_outbound_spam_filter_policies",
        "Get-HostedOutboundSpamFilterPolicy",
    ),
    (
        "hosted_content_filter_policies",
        "Get-HostedContentFilterPolicy",
    ),
    ("anti_phish_policies", "Get-AntiPhishPolicy"),
    ("malware_filter_policies", "Get-MalwareFilterPolicy"),
    ("safe_links_policies", "Get-SafeLinksPolicy"),
    ("safe_attachment_policies", "Get-SafeAttachmentPolicy"),
    ("quarantine_policies", "Get-QuarantinePolicy"),
    ("sharing_policies", "Get-SharingPolicy"),
    ("remote_domains", "Get-RemoteDomain"),
];

impl ExchangeClient {
    /// Every mailbox (`Get-Mailbox -ResultSize Unlimited`).
    pub async fn mailboxes(&self) -> Result<Vec<Mailbox>, ExchangeError> {
        self.cmdlet("Get-Mailbox")
            .param("ResultSize", "Unlimited")
            .rows_as()
            .await
    }

    /// One mailbox by identity (UPN, alias, address or id).
    pub async fn mailbox(&self, identity: &str) -> Result<Mailbox, ExchangeError> {
        self.cmdlet("Get-Mailbox")
            .param("Identity", identity)
            .one()
            .await
    }

    /// Client access settings of every mailbox (`Get-CASMailbox -ResultSize Unlimited`).
    pub async fn cas_mailboxes(&self) -> Result<Vec<CasMailbox>, ExchangeError> {
        self.cmdlet("Get-CASMailbox")
            .param("ResultSize", "Unlimited")
            .rows_as()
            .await
    }

    /// The inbox rules of one mailbox, anchored on that mailbox.
    pub async fn inbox_rules(&self, mailbox: &str) -> Result<Vec<InboxRule>, ExchangeError> {
        self.cmdlet("Get-InboxRule")
            .param("Mailbox", mailbox)
            .anchor(Anchor::mailbox(mailbox))
            .rows_as()
            .await
    }

    /// `Get-OrganizationConfig`.
    pub async fn organization_config(&self) -> Result<OrganizationConfig, ExchangeError> {
        self.cmdlet("Get-OrganizationConfig").one().await
    }

    /// `Get-AdminAuditLogConfig`.
    pub async fn admin_audit_log_config(&self) -> Result<AdminAuditLogConfig, ExchangeError> {
        self.cmdlet("Get-AdminAuditLogConfig").one().await
    }

    /// `Get-AcceptedDomain`.
    pub async fn accepted_domains(&self) -> Result<Vec<AcceptedDomain>, ExchangeError> {
        self.cmdlet("Get-AcceptedDomain").rows_as().await
    }

    /// `Get-DkimSigningConfig`.
    pub async fn dkim_signing_configs(&self) -> Result<Vec<DkimSigningConfig>, ExchangeError> {
        self.cmdlet("Get-DkimSigningConfig").rows_as().await
    }

    /// The rows of one of the [`POLICY_CMDLETS`] (or any cmdlet returning named policies).
    pub async fn policies(&self, cmdlet: &str) -> Result<Vec<Policy>, ExchangeError> {
        self.cmdlet(cmdlet).rows_as().await
    }

    /// `Get-TransportRule`.
    pub async fn transport_rules(&self) -> Result<Vec<Policy>, ExchangeError> {
        self.policies("Get-TransportRule").await
    }

    /// `Get-HostedOutboundSpamFilterPolicy`.
    pub async fn hosted_outbound_spam_filter_policies(&self) -> Result<Vec<Policy>, ExchangeError> {
        self.policies("Get-HostedOutboundSpamFilterPolicy").await
    }

    /// `Get-AntiPhishPolicy`.
    pub async fn anti_phish_policies(&self) -> Result<Vec<Policy>, ExchangeError> {
        self.policies("Get-AntiPhishPolicy").await
    }

    /// `Get-MalwareFilterPolicy`.
    pub async fn malware_filter_policies(&self) -> Result<Vec<Policy>, ExchangeError> {
        self.policies("Get-MalwareFilterPolicy").await
    }

    /// `Get-SafeLinksPolicy`.
    pub async fn safe_links_policies(&self) -> Result<Vec<Policy>, ExchangeError> {
        self.policies("Get-SafeLinksPolicy").await
    }

    /// `Get-SafeAttachmentPolicy`.
    pub async fn safe_attachment_policies(&self) -> Result<Vec<Policy>, ExchangeError> {
        self.policies("Get-SafeAttachmentPolicy").await
    }

    /// `Get-QuarantinePolicy`.
    pub async fn quarantine_policies(&self) -> Result<Vec<Policy>, ExchangeError> {
        self.policies("Get-QuarantinePolicy").await
    }

    /// `Get-SharingPolicy`.
    pub async fn sharing_policies(&self) -> Result<Vec<Policy>, ExchangeError> {
        self.policies("Get-SharingPolicy").await
    }

    /// `Get-RemoteDomain`.
    pub async fn remote_domains(&self) -> Result<Vec<Policy>, ExchangeError> {
        self.policies("Get-RemoteDomain").await
    }
}
