//! The research report: one typed, serialisable record of everything gathered about a user,
//! each source kept apart with its own status, and the suspicious findings drawn out of them.
//!
//! Field names are camelCase and stable; new fields may be added, none renamed.

use std::fmt::Write as _;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::security::UserRef;

/// One data source of the report: its data, or why there is none. A source that failed is
/// never shown as an empty list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "camelCase")]
#[non_exhaustive]
pub enum Source<T> {
    /// Read.
    Ok {
        /// What was read.
        data: T,
    },
    /// The read failed; the rest of the report stands.
    Failed {
        /// The error, as text.
        error: String,
        /// The HTTP status, when the service answered.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        http_status: Option<u16>,
    },
    /// The service has no way to read this (said plainly rather than shown empty).
    Unavailable {
        /// Why.
        reason: String,
    },
}

impl<T> Source<T> {
    /// The data when read.
    pub fn data(&self) -> Option<&T> {
        match self {
            Source::Ok { data } => Some(data),
            _ => None,
        }
    }

    /// `true` when the read failed.
    pub fn failed(&self) -> bool {
        matches!(self, Source::Failed { .. })
    }

    pub(crate) fn from_result<E: std::fmt::Display>(
        r: Result<T, E>,
        status: impl Fn(&E) -> Option<u16>,
    ) -> Self {
        match r {
            Ok(data) => Source::Ok { data },
            Err(e) => Source::Failed {
                http_status: status(&e),
                error: e.to_string(),
            },
        }
    }
}

/// How worrying an indicator is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub enum Severity {
    /// Classic sign of a takeover (mail leaving the mailbox, a new MFA method, sign-in from
    /// an unexpected country).
    High,
    /// Worth a look (a deleting or moving rule, a new application, a new user).
    Medium,
    /// Context (failed sign-ins, mail to outside domains, password changes).
    Low,
}

/// A suspicious finding, pointing at the source it came from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Indicator {
    /// How worrying.
    pub severity: Severity,
    /// Stable kind: `foreignSignIn`, `legacyProtocolSignIn`, `failedSignIns`,
    /// `forwardingInboxRule`, `deletingInboxRule`, `movingInboxRule`, `mailboxForwarding`,
    /// `newMfaMethod`, `newApplication`, `userConsent`, `newUser`, `passwordChanged`,
    /// `externalMail`, `inboxRuleChange`, `mailboxPermissionChange`, `newMobileDevice`.
    pub kind: String,
    /// The report field it came from (`signIns`, `inboxRules`...).
    pub source: String,
    /// One sentence for a person.
    pub summary: String,
}

/// One sign-in of the user.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct SignIn {
    /// Sign-in id.
    pub id: String,
    /// When.
    #[serde(default)]
    pub created_date_time: Option<String>,
    /// Whose (always the researched user).
    #[serde(default)]
    pub user_id: Option<String>,
    /// UPN.
    #[serde(default)]
    pub user_principal_name: Option<String>,
    /// Application signed in to.
    #[serde(default)]
    pub app_display_name: Option<String>,
    /// Client protocol (`Browser`, `IMAP4`...).
    #[serde(default)]
    pub client_app_used: Option<String>,
    /// Source IP address.
    #[serde(default)]
    pub ip_address: Option<String>,
    /// `{city, state, countryOrRegion}`.
    #[serde(default)]
    pub location: Option<Value>,
    /// `{errorCode, failureReason}`; error code 0 is a success.
    #[serde(default)]
    pub status: Option<Value>,
    /// Every other property.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl SignIn {
    /// Two-letter country, when known.
    pub fn country(&self) -> Option<&str> {
        self.location
            .as_ref()?
            .get("countryOrRegion")?
            .as_str()
            .filter(|c| !c.is_empty())
    }

    /// `true` for a successful sign-in.
    pub fn succeeded(&self) -> bool {
        self.status
            .as_ref()
            .and_then(|s| s.get("errorCode"))
            .and_then(Value::as_i64)
            .is_none_or(|c| c == 0)
    }
}

/// One inbox rule, with what makes it dangerous spelled out.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct InboxRuleFinding {
    /// Rule name.
    pub name: String,
    /// Exchange identity.
    #[serde(default)]
    pub identity: Option<String>,
    /// Switched on.
    pub enabled: bool,
    /// Forwards (ForwardTo or ForwardAsAttachmentTo).
    pub forwards: bool,
    /// Redirects (RedirectTo).
    pub redirects: bool,
    /// Deletes messages.
    pub deletes: bool,
    /// Moves messages to this folder.
    #[serde(default)]
    pub moves_to_folder: Option<String>,
    /// Marks messages read.
    pub marks_as_read: bool,
    /// An Exchange system or delegate rule (never flagged, never disabled).
    pub system: bool,
    /// Created or changed in the window, by the unified audit log.
    pub recently_changed: bool,
    /// The rule as Exchange returned it.
    pub raw: Value,
}

/// Mailbox-level forwarding.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct MailboxForwarding {
    /// `ForwardingSmtpAddress` (any address).
    #[serde(default)]
    pub forwarding_smtp_address: Option<String>,
    /// `ForwardingAddress` (a recipient of the organisation).
    #[serde(default)]
    pub forwarding_address: Option<String>,
    /// Keep a copy in the mailbox.
    #[serde(default)]
    pub deliver_to_mailbox_and_forward: Option<bool>,
}

impl MailboxForwarding {
    /// `true` when mail is forwarded anywhere.
    pub fn forwards(&self) -> bool {
        [&self.forwarding_smtp_address, &self.forwarding_address]
            .iter()
            .any(|a| a.as_deref().is_some_and(|s| !s.is_empty()))
    }
}

/// One authentication method, flagged when registered in the window.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct MfaMethodFinding {
    /// Method id.
    pub id: String,
    /// Type without namespace (`microsoftAuthenticatorAuthenticationMethod`).
    pub kind: String,
    /// Registered, where Graph says.
    #[serde(default)]
    pub created_date_time: Option<String>,
    /// Registered within the window.
    pub recently_added: bool,
    /// Device or phone, where Graph says.
    #[serde(default)]
    pub display_name: Option<String>,
}

/// One phone or tablet that syncs the mailbox over Exchange ActiveSync or Outlook mobile
/// (`Get-MobileDevice -Mailbox`), flagged when it first synced in the window: an attacker's
/// own phone keeps mail flowing after the password is reset.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct MobileDeviceFinding {
    /// Exchange identity of the partnership.
    #[serde(default)]
    pub identity: Option<String>,
    /// Name the user gave it.
    #[serde(default)]
    pub friendly_name: Option<String>,
    /// Model (`iPhone15,2`).
    #[serde(default)]
    pub device_model: Option<String>,
    /// Operating system.
    #[serde(default)]
    pub device_os: Option<String>,
    /// `EAS`, `Outlook`...
    #[serde(default)]
    pub client_type: Option<String>,
    /// Allowed, blocked or quarantined.
    #[serde(default)]
    pub device_access_state: Option<String>,
    /// First sync (Exchange's `FirstSyncTime`, else `WhenCreatedUTC`).
    #[serde(default)]
    pub first_sync_time: Option<String>,
    /// First synced within the window.
    pub recently_added: bool,
}

/// One unified audit log event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct AuditEvent {
    /// When.
    #[serde(default)]
    pub creation_date: Option<String>,
    /// Operation (`New-InboxRule`, `Add-MailboxPermission`...).
    pub operation: String,
    /// Who did it.
    #[serde(default)]
    pub user_ids: Option<String>,
    /// The object acted on.
    #[serde(default)]
    pub object_id: Option<String>,
    /// The cmdlet parameters, `Name=Value; ...`.
    #[serde(default)]
    pub parameters: Option<String>,
    /// Client IP, where recorded.
    #[serde(default)]
    pub client_ip: Option<String>,
}

/// The research window.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Window {
    /// Start (inclusive), RFC 3339 UTC.
    pub start: String,
    /// End (inclusive), RFC 3339 UTC.
    pub end: String,
    /// Length in days.
    pub days: u32,
}

/// Everything compromised-account research found about one user.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct BecReport {
    /// The tenant.
    pub tenant: String,
    /// The user researched.
    pub user: UserRef,
    /// The window researched.
    pub window: Window,
    /// When the research ran.
    pub extracted_at: String,
    /// Suspicious findings, most severe first.
    pub indicators: Vec<Indicator>,
    /// Sources that could not be read, by report field name.
    pub failed_sources: Vec<String>,
    /// The user's sign-ins in the window (only theirs), newest first.
    pub sign_ins: Source<Vec<SignIn>>,
    /// The user's inbox rules (no timestamps exist; `recentlyChanged` comes from the audit
    /// log).
    pub inbox_rules: Source<Vec<InboxRuleFinding>>,
    /// Mailbox-level forwarding.
    pub mailbox_forwarding: Source<MailboxForwarding>,
    /// The user's authentication methods, the password included.
    pub mfa_methods: Source<Vec<MfaMethodFinding>>,
    /// Users created in the window, tenant-wide (`id, displayName, userPrincipalName,
    /// createdDateTime`).
    pub new_users: Source<Vec<Value>>,
    /// Users whose password changed in the window, tenant-wide.
    pub password_changes: Source<Vec<Value>>,
    /// Service principals created in the window (new applications in the tenant).
    pub new_applications: Source<Vec<Value>>,
    /// Delegated permission grants the user gave, and any grant to a new application.
    pub consent_grants: Source<Vec<Value>>,
    /// App passwords: Graph has no API for them, so this is always `unavailable`.
    pub app_passwords: Source<Vec<Value>>,
    /// The user's Intune devices.
    pub devices: Source<Vec<Value>>,
    /// Phones and tablets syncing the user's mailbox (Exchange mobile device partnerships).
    pub mobile_devices: Source<Vec<MobileDeviceFinding>>,
    /// Mail the user sent in the window (`Get-MessageTraceV2`).
    pub sent_messages: Source<Vec<Value>>,
    /// Entra directory audit events initiated by or targeting the user in the window.
    pub directory_audits: Source<Vec<Value>>,
    /// Unified audit log: the user's inbox-rule and mailbox-forwarding changes.
    pub inbox_rule_changes: Source<Vec<AuditEvent>>,
    /// Unified audit log: mailbox-permission changes in the tenant.
    pub mailbox_permission_changes: Source<Vec<AuditEvent>>,
    /// Whether the unified audit log ingests events (`Get-AdminAuditLogConfig`); when off,
    /// the two audit sources above are empty for want of data, not of activity.
    pub unified_audit_log_enabled: Source<bool>,
    /// Graph HTTP round trips the research made (user lookup plus `$batch` calls).
    pub graph_round_trips: usize,
}

impl BecReport {
    /// `true` when any indicator is High or Medium.
    pub fn is_alarming(&self) -> bool {
        self.indicators
            .iter()
            .any(|i| matches!(i.severity, Severity::High | Severity::Medium))
    }

    /// The report as Markdown: suspicious items first, then each source.
    pub fn to_markdown(&self) -> String {
        let mut md = String::new();
        let upn = &self.user.user_principal_name;
        let _ = writeln!(md, "# Compromised-account research: {upn}\n");
        let _ = writeln!(
            md,
            "Tenant `{}`, window {} to {} ({} days), extracted {}.\n",
            self.tenant, self.window.start, self.window.end, self.window.days, self.extracted_at
        );
        md.push_str("## Suspicious findings\n\n");
        if self.indicators.is_empty() {
            md.push_str("Nothing suspicious found in the sources that could be read.\n");
        }
        for i in &self.indicators {
            let sev = match i.severity {
                Severity::High => "**HIGH**",
                Severity::Medium => "**medium**",
                Severity::Low => "low",
            };
            let _ = writeln!(
                md,
                "- {sev} {} (`{}`, from {})",
                i.summary, i.kind, i.source
            );
        }
        if !self.failed_sources.is_empty() {
            let _ = writeln!(
                md,
                "\n> Could not read: {}. Findings from them are missing.",
                self.failed_sources.join(", ")
            );
        }
        if self.unified_audit_log_enabled.data() == Some(&false) {
            md.push_str(
                "\n> The unified audit log is disabled in this tenant: audit searches cannot show rule or permission changes.\n",
            );
        }
        md.push_str("\n## Sign-ins\n\n");
        section(&mut md, &self.sign_ins, |md, rows| {
            md.push_str("| When | Result | Country | City | IP | App | Client |\n|---|---|---|---|---|---|---|\n");
            for s in rows {
                let city = s
                    .location
                    .as_ref()
                    .and_then(|l| l.get("city"))
                    .and_then(Value::as_str)
                    .unwrap_or("");
                let _ = writeln!(
                    md,
                    "| {} | {} | {} | {} | {} | {} | {} |",
                    cell(s.created_date_time.as_deref()),
                    if s.succeeded() { "success" } else { "failure" },
                    cell(s.country()),
                    city,
                    cell(s.ip_address.as_deref()),
                    cell(s.app_display_name.as_deref()),
                    cell(s.client_app_used.as_deref()),
                );
            }
        });
        md.push_str("\n## Inbox rules\n\n");
        section(&mut md, &self.inbox_rules, |md, rows| {
            md.push_str("| Rule | Enabled | Forwards | Redirects | Deletes | Moves to | Recently changed |\n|---|---|---|---|---|---|---|\n");
            for r in rows {
                let _ = writeln!(
                    md,
                    "| {}{} | {} | {} | {} | {} | {} | {} |",
                    r.name,
                    if r.system { " (system)" } else { "" },
                    yes(r.enabled),
                    yes(r.forwards),
                    yes(r.redirects),
                    yes(r.deletes),
                    cell(r.moves_to_folder.as_deref()),
                    yes(r.recently_changed)
                );
            }
        });
        md.push_str("\n## Mailbox forwarding\n\n");
        section(&mut md, &self.mailbox_forwarding, |md, f| {
            if f.forwards() {
                let _ = writeln!(
                    md,
                    "Forwards to {} (keep a copy: {}).",
                    f.forwarding_smtp_address
                        .as_deref()
                        .or(f.forwarding_address.as_deref())
                        .unwrap_or("?"),
                    yes(f.deliver_to_mailbox_and_forward.unwrap_or(false))
                );
            } else {
                md.push_str("None.\n");
            }
        });
        md.push_str("\n## MFA methods\n\n");
        section(&mut md, &self.mfa_methods, |md, rows| {
            for m in rows {
                let _ = writeln!(
                    md,
                    "- {} {} registered {}{}",
                    m.kind,
                    m.display_name.as_deref().unwrap_or(""),
                    cell(m.created_date_time.as_deref()),
                    if m.recently_added {
                        " **(new in window)**"
                    } else {
                        ""
                    }
                );
            }
        });
        md.push_str("\n## Mobile devices (mailbox)\n\n");
        section(&mut md, &self.mobile_devices, |md, rows| {
            if rows.is_empty() {
                md.push_str("None.\n");
            }
            for d in rows {
                let _ = writeln!(
                    md,
                    "- {} {} ({}, {}) first synced {}{}",
                    d.friendly_name.as_deref().unwrap_or(""),
                    d.device_model.as_deref().unwrap_or(""),
                    d.device_os.as_deref().unwrap_or("?"),
                    d.client_type.as_deref().unwrap_or("?"),
                    cell(d.first_sync_time.as_deref()),
                    if d.recently_added {
                        " **(new in window)**"
                    } else {
                        ""
                    }
                );
            }
        });
        let lists: [ListSection<'_>; 8] = [
            (
                "New users (tenant-wide)",
                &self.new_users,
                &["userPrincipalName", "createdDateTime"],
            ),
            (
                "Password changes (tenant-wide)",
                &self.password_changes,
                &["userPrincipalName", "lastPasswordChangeDateTime"],
            ),
            (
                "New applications",
                &self.new_applications,
                &["displayName", "appId", "createdDateTime"],
            ),
            (
                "Consent grants",
                &self.consent_grants,
                &["clientId", "consentType", "scope"],
            ),
            ("App passwords", &self.app_passwords, &["id"]),
            (
                "Devices",
                &self.devices,
                &[
                    "deviceName",
                    "operatingSystem",
                    "complianceState",
                    "lastSyncDateTime",
                ],
            ),
            (
                "Sent mail",
                &self.sent_messages,
                &["Received", "RecipientAddress", "Subject", "FromIP"],
            ),
            (
                "Directory audit events",
                &self.directory_audits,
                &["activityDateTime", "activityDisplayName", "result"],
            ),
        ];
        for (title, source, fields) in &lists {
            let _ = writeln!(md, "\n## {title}\n");
            section(&mut md, source, |md, rows| {
                for r in rows {
                    let parts: Vec<String> = fields
                        .iter()
                        .map(|f| match r.get(*f) {
                            Some(Value::String(s)) => s.clone(),
                            Some(Value::Null) | None => "-".into(),
                            Some(v) => v.to_string(),
                        })
                        .collect();
                    let _ = writeln!(md, "- {}", parts.join(" · "));
                }
            });
        }
        for (title, source) in [
            ("Inbox-rule changes (audit log)", &self.inbox_rule_changes),
            (
                "Mailbox-permission changes (audit log)",
                &self.mailbox_permission_changes,
            ),
        ] {
            let _ = writeln!(md, "\n## {title}\n");
            section(&mut md, source, |md, rows| {
                for e in rows {
                    let _ = writeln!(
                        md,
                        "- {} {} by {} on {} {}",
                        cell(e.creation_date.as_deref()),
                        e.operation,
                        cell(e.user_ids.as_deref()),
                        cell(e.object_id.as_deref()),
                        e.parameters.as_deref().unwrap_or("")
                    );
                }
            });
        }
        md
    }
}

/// A list source in the Markdown: title, rows, the fields shown per row.
type ListSection<'a> = (&'a str, &'a Source<Vec<Value>>, &'a [&'a str]);

fn yes(b: bool) -> &'static str {
    if b {
        "yes"
    } else {
        "no"
    }
}

fn cell(s: Option<&str>) -> &str {
    s.unwrap_or("-")
}

/// Render one source: its data through `body`, or why there is none.
fn section<T>(md: &mut String, source: &Source<T>, body: impl FnOnce(&mut String, &T))
where
    T: IsEmpty,
{
    match source {
        Source::Ok { data } if data.is_empty_data() => md.push_str("None.\n"),
        Source::Ok { data } => body(md, data),
        Source::Failed { error, .. } => {
            let _ = writeln!(md, "**Could not be read:** {error}");
        }
        Source::Unavailable { reason } => {
            let _ = writeln!(md, "Not available: {reason}");
        }
    }
}

trait IsEmpty {
    fn is_empty_data(&self) -> bool;
}

impl<T> IsEmpty for Vec<T> {
    fn is_empty_data(&self) -> bool {
        self.is_empty()
    }
}

impl IsEmpty for MailboxForwarding {
    fn is_empty_data(&self) -> bool {
        false
    }
}
