//! Gathering: every Graph read in one `$batch`, the Exchange reads concurrently beside it,
//! each source failing on its own; then the indicators drawn from what was read.

use cipp_exchange::{Anchor, ExchangeError};
use cipp_graph::collection::encode_segment;
use cipp_graph::{BatchRequest, BatchResults};
use serde_json::{json, Value};

use super::report::{
    AuditEvent, BecReport, InboxRuleFinding, Indicator, MailboxForwarding, MfaMethodFinding,
    MobileDeviceFinding, Severity, SignIn, Source, Window,
};
use super::time;
use crate::security::{is_system_rule, AccountSecurity, AuthenticationMethod, UserRef};
use crate::ActionError;

/// Audit-log operations that change inbox rules or mailbox forwarding (searched for the
/// user).
const INBOX_RULE_OPERATIONS: [&str; 5] = [
    "New-InboxRule",
    "Set-InboxRule",
    "Remove-InboxRule",
    "UpdateInboxRules",
    "Set-Mailbox",
];
/// Audit-log operations that change mailbox permissions (searched tenant-wide, as CIPP does:
/// an attacker grants the compromised account rights on other mailboxes).
const PERMISSION_OPERATIONS: [&str; 4] = [
    "Add-MailboxPermission",
    "Remove-MailboxPermission",
    "UpdateCalendarDelegation",
    "AddFolderPermissions",
];
/// The longest window `Get-MessageTraceV2` accepts in one query.
const MESSAGE_TRACE_MAX_DAYS: i64 = 10;
/// Client protocols that skip modern authentication, so MFA too.
const LEGACY_PROTOCOLS: [&str; 6] = [
    "IMAP4",
    "POP3",
    "Authenticated SMTP",
    "Exchange ActiveSync",
    "Other clients",
    "MAPI Over HTTP",
];
/// Folders attackers move mail to so the owner does not see replies.
const HIDING_FOLDERS: [&str; 5] = [
    "RSS Feeds",
    "RSS Subscriptions",
    "Conversation History",
    "Archive",
    "Deleted Items",
];

/// Options of [`Bec::research`](super::Bec::research).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResearchOptions {
    /// Days back from `as_of` (default 7, as CIPP; 1 to 30).
    pub days: u32,
    /// End of the window, RFC 3339 UTC (default: now).
    pub as_of: Option<String>,
}

impl Default for ResearchOptions {
    fn default() -> Self {
        ResearchOptions {
            days: 7,
            as_of: None,
        }
    }
}

impl ResearchOptions {
    /// The window these options describe.
    pub(crate) fn window(&self) -> Result<Window, ActionError> {
        if !(1..=30).contains(&self.days) {
            return Err(ActionError::InvalidInput {
                field: "days".into(),
                message: format!(
                    "{} is outside 1..=30 (Entra keeps sign-ins for 30 days)",
                    self.days
                ),
            });
        }
        let end = match &self.as_of {
            Some(t) => time::parse("as_of", t)?,
            None => time::now(),
        };
        let start = end - i64::from(self.days) * 86_400;
        Ok(Window {
            start: time::format(start),
            end: time::format(end),
            days: self.days,
        })
    }
}

fn within(at: Option<&str>, w: &Window) -> bool {
    // RFC 3339 UTC timestamps of one shape order correctly as text; Graph's fractions
    // (`...:00.123Z`) sort after the whole second, which is right.
    at.is_some_and(|t| t >= w.start.as_str() && t <= w.end.as_str())
}

fn str_of<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    v.get(key).and_then(Value::as_str)
}

fn non_empty(v: Option<&Value>) -> bool {
    match v {
        Some(Value::Array(a)) => !a.is_empty(),
        Some(Value::String(s)) => !s.is_empty(),
        Some(Value::Null) | None => false,
        Some(_) => true,
    }
}

/// One batch item's rows, or its error.
fn rows(results: &Result<BatchResults, String>, id: &str, tenant: &str) -> Source<Vec<Value>> {
    let results = match results {
        Ok(r) => r,
        Err(e) => {
            return Source::Failed {
                error: e.clone(),
                http_status: None,
            }
        }
    };
    match results.get(id) {
        Some(item) if item.is_success() => Source::Ok { data: item.items() },
        Some(item) => Source::Failed {
            error: item
                .error(tenant)
                .map(|e| e.to_string())
                .unwrap_or_else(|| format!("status {}", item.status)),
            http_status: Some(item.status),
        },
        None => Source::Failed {
            error: format!("no answer for batch item '{id}'"),
            http_status: None,
        },
    }
}

fn map<T>(s: Source<Vec<Value>>, f: impl FnOnce(Vec<Value>) -> T) -> Source<T> {
    match s {
        Source::Ok { data } => Source::Ok { data: f(data) },
        Source::Failed { error, http_status } => Source::Failed { error, http_status },
        Source::Unavailable { reason } => Source::Unavailable { reason },
    }
}

fn exchange_status(e: &ExchangeError) -> Option<u16> {
    e.status()
}

/// `Name=Value; ...` from an audit record's `Parameters`.
fn parameters(audit: &Value) -> Option<String> {
    let list = audit.get("Parameters")?.as_array()?;
    Some(
        list.iter()
            .map(|p| {
                format!(
                    "{}={}",
                    str_of(p, "Name").unwrap_or(""),
                    str_of(p, "Value").unwrap_or("")
                )
            })
            .collect::<Vec<_>>()
            .join("; "),
    )
}

fn audit_events(rows: Vec<Value>) -> Vec<AuditEvent> {
    rows.into_iter()
        .map(|r| {
            // AuditData is a JSON document inside a string.
            let audit: Value = str_of(&r, "AuditData")
                .and_then(|s| serde_json::from_str(s).ok())
                .unwrap_or(Value::Null);
            AuditEvent {
                creation_date: str_of(&r, "CreationDate").map(str::to_string),
                operation: str_of(&r, "Operations")
                    .or_else(|| str_of(&audit, "Operation"))
                    .unwrap_or("")
                    .to_string(),
                user_ids: str_of(&r, "UserIds").map(str::to_string),
                object_id: str_of(&audit, "ObjectId").map(str::to_string),
                parameters: parameters(&audit),
                client_ip: str_of(&audit, "ClientIP").map(str::to_string),
            }
        })
        .collect()
}

/// The rule name an audit event created or changed (`Name=` parameter, or the end of the
/// object id `mailbox\rule`).
fn rule_name_of(e: &AuditEvent) -> Option<String> {
    e.parameters
        .as_deref()
        .and_then(|p| {
            p.split("; ")
                .find_map(|kv| kv.strip_prefix("Name=").map(str::to_string))
        })
        .or_else(|| {
            e.object_id
                .as_deref()
                .and_then(|o| o.rsplit_once('\\'))
                .map(|(_, n)| n.to_string())
        })
}

pub(crate) async fn research(
    security: &AccountSecurity,
    user: &str,
    options: &ResearchOptions,
) -> Result<BecReport, ActionError> {
    let window = options.window()?;
    let tenant = security.tenant().to_string();
    let u: UserRef = security.resolve_user(user).await?;
    let uid = encode_segment(&u.id);
    let upn = u.user_principal_name.clone();
    let (start, end) = (window.start.clone(), window.end.clone());

    // Every Graph read in one $batch (beta, as CIPP reads sign-ins there).
    let requests = vec![
        BatchRequest::get(
            "signIns",
            format!(
                "/auditLogs/signIns?$filter=userId eq '{}' and createdDateTime ge {start} and createdDateTime le {end}&$orderby=createdDateTime desc&$top=500",
                u.id
            ),
        ),
        BatchRequest::get("methods", format!("/users/{uid}/authentication/methods")),
        BatchRequest::get(
            "users",
            "/users?$select=id,displayName,userPrincipalName,createdDateTime,lastPasswordChangeDateTime&$top=999",
        ),
        BatchRequest::get(
            "servicePrincipals",
            "/servicePrincipals?$select=id,appId,displayName,appDisplayName,publisherName,appOwnerOrganizationId,createdDateTime&$top=999",
        ),
        BatchRequest::get("grants", "/oauth2PermissionGrants"),
        BatchRequest::get("devices", format!("/users/{uid}/managedDevices")),
        BatchRequest::get(
            "directoryAudits",
            format!(
                "/auditLogs/directoryAudits?$filter=activityDateTime ge {start} and activityDateTime le {end}&$top=999"
            ),
        ),
    ];
    let graph = security.graph().beta();
    let exo = security.exchange();
    let rules_call = exo
        .cmdlet("Get-InboxRule")
        .param("Mailbox", upn.as_str())
        .param("IncludeHidden", true)
        .anchor(Anchor::mailbox(upn.as_str()));
    let mailbox_call = exo.cmdlet("Get-Mailbox").param("Identity", upn.as_str());
    let mobile_call = exo
        .cmdlet("Get-MobileDevice")
        .param("Mailbox", upn.as_str())
        .anchor(Anchor::mailbox(upn.as_str()));
    // Get-MessageTraceV2 answers for at most ten days per query.
    let trace_start = time::parse("window start", &end)
        .map(|e| time::format(e - MESSAGE_TRACE_MAX_DAYS * 86_400))
        .map(|ten| if ten > start { ten } else { start.clone() })
        .unwrap_or_else(|_| start.clone());
    let trace_call = exo
        .cmdlet("Get-MessageTraceV2")
        .param("SenderAddress", upn.as_str())
        .param("StartDate", trace_start.as_str())
        .param("EndDate", end.as_str());
    let rule_audit_call = exo
        .cmdlet("Search-UnifiedAuditLog")
        .param("StartDate", start.as_str())
        .param("EndDate", end.as_str())
        .param("UserIds", upn.as_str())
        .param("Operations", json!(INBOX_RULE_OPERATIONS))
        .param("ResultSize", 5000);
    let permission_audit_call = exo
        .cmdlet("Search-UnifiedAuditLog")
        .param("StartDate", start.as_str())
        .param("EndDate", end.as_str())
        .param("Operations", json!(PERMISSION_OPERATIONS))
        .param("ResultSize", 5000);
    let (batch, rules, mailbox, trace, rule_audit, permission_audit, audit_config, mobile) = futures::join!(
        graph.batch(requests),
        rules_call.rows(),
        mailbox_call.rows(),
        trace_call.rows(),
        rule_audit_call.rows(),
        permission_audit_call.rows(),
        exo.admin_audit_log_config(),
        mobile_call.rows(),
    );
    let graph_round_trips = 1 + batch.as_ref().map(BatchResults::round_trips).unwrap_or(1);
    let batch = batch.map_err(|e| e.to_string());

    let sign_ins = map(rows(&batch, "signIns", &tenant), |rows| {
        rows.into_iter()
            .filter_map(|r| serde_json::from_value::<SignIn>(r).ok())
            // Only this user's, whatever the service returned.
            .filter(|s| {
                s.user_id
                    .as_deref()
                    .is_some_and(|id| id.eq_ignore_ascii_case(&u.id))
            })
            .collect::<Vec<_>>()
    });
    let mfa_methods = map(rows(&batch, "methods", &tenant), |rows| {
        rows.into_iter()
            .filter_map(|r| serde_json::from_value::<AuthenticationMethod>(r).ok())
            .map(|m| MfaMethodFinding {
                recently_added: within(m.created_date_time.as_deref(), &window),
                kind: m.kind().to_string(),
                display_name: m
                    .extra
                    .get("displayName")
                    .or_else(|| m.extra.get("phoneNumber"))
                    .or_else(|| m.extra.get("emailAddress"))
                    .and_then(Value::as_str)
                    .map(str::to_string),
                id: m.id,
                created_date_time: m.created_date_time,
            })
            .collect::<Vec<_>>()
    });
    let users = rows(&batch, "users", &tenant);
    let new_users = map(users.clone(), |rows| {
        rows.into_iter()
            .filter(|r| within(str_of(r, "createdDateTime"), &window))
            .collect::<Vec<_>>()
    });
    let password_changes = map(users, |rows| {
        rows.into_iter()
            .filter(|r| within(str_of(r, "lastPasswordChangeDateTime"), &window))
            .collect::<Vec<_>>()
    });
    let new_applications = map(rows(&batch, "servicePrincipals", &tenant), |rows| {
        rows.into_iter()
            .filter(|r| within(str_of(r, "createdDateTime"), &window))
            .collect::<Vec<_>>()
    });
    let new_app_ids: Vec<String> = new_applications
        .data()
        .map(|a| {
            a.iter()
                .filter_map(|r| str_of(r, "id").map(str::to_ascii_lowercase))
                .collect()
        })
        .unwrap_or_default();
    let consent_grants = map(rows(&batch, "grants", &tenant), |rows| {
        rows.into_iter()
            .filter(|g| {
                str_of(g, "principalId").is_some_and(|p| p.eq_ignore_ascii_case(&u.id))
                    || str_of(g, "clientId")
                        .is_some_and(|c| new_app_ids.contains(&c.to_ascii_lowercase()))
            })
            .collect::<Vec<_>>()
    });
    let devices = rows(&batch, "devices", &tenant);
    let directory_audits = map(rows(&batch, "directoryAudits", &tenant), |rows| {
        let mine = |v: Option<&Value>| {
            v.and_then(|v| v.get("id"))
                .and_then(Value::as_str)
                .is_some_and(|id| id.eq_ignore_ascii_case(&u.id))
        };
        rows.into_iter()
            .filter(|r| {
                mine(r.get("initiatedBy").and_then(|i| i.get("user")))
                    || r.get("targetResources")
                        .and_then(Value::as_array)
                        .is_some_and(|t| t.iter().any(|x| mine(Some(x))))
            })
            .collect::<Vec<_>>()
    });

    let inbox_rule_changes = map(
        Source::from_result(rule_audit, exchange_status),
        audit_events,
    );
    let mailbox_permission_changes = map(
        Source::from_result(permission_audit, exchange_status),
        audit_events,
    );
    let changed_rules: Vec<String> = inbox_rule_changes
        .data()
        .map(|events| {
            events
                .iter()
                .filter(|e| e.operation.ends_with("InboxRule") || e.operation == "UpdateInboxRules")
                .filter_map(rule_name_of)
                .collect()
        })
        .unwrap_or_default();
    let inbox_rules = map(Source::from_result(rules, exchange_status), |rows| {
        rows.into_iter()
            .map(|r| {
                let name = str_of(&r, "Name").unwrap_or("").to_string();
                InboxRuleFinding {
                    identity: str_of(&r, "Identity").map(str::to_string),
                    enabled: r.get("Enabled") != Some(&Value::Bool(false)),
                    forwards: non_empty(r.get("ForwardTo"))
                        || non_empty(r.get("ForwardAsAttachmentTo")),
                    redirects: non_empty(r.get("RedirectTo")),
                    deletes: r.get("DeleteMessage") == Some(&Value::Bool(true))
                        || r.get("SoftDeleteMessage") == Some(&Value::Bool(true)),
                    moves_to_folder: str_of(&r, "MoveToFolder")
                        .filter(|f| !f.is_empty())
                        .map(str::to_string),
                    marks_as_read: r.get("MarkAsRead") == Some(&Value::Bool(true)),
                    system: is_system_rule(&name) || name.starts_with("Delegate Rule"),
                    recently_changed: changed_rules.iter().any(|c| c.eq_ignore_ascii_case(&name)),
                    name,
                    raw: r,
                }
            })
            .collect::<Vec<_>>()
    });
    let mailbox_forwarding = match mailbox {
        Ok(rows) => match rows.into_iter().next() {
            Some(m) => Source::Ok {
                data: MailboxForwarding {
                    forwarding_smtp_address: str_of(&m, "ForwardingSmtpAddress")
                        .map(str::to_string),
                    forwarding_address: str_of(&m, "ForwardingAddress").map(str::to_string),
                    deliver_to_mailbox_and_forward: m
                        .get("DeliverToMailboxAndForward")
                        .and_then(Value::as_bool),
                },
            },
            None => Source::Unavailable {
                reason: format!("{upn} has no mailbox"),
            },
        },
        Err(e) => Source::from_result(Err(e), exchange_status),
    };
    let sent_messages = Source::from_result(trace, exchange_status);
    let mobile_devices = map(Source::from_result(mobile, exchange_status), |rows| {
        rows.into_iter()
            .map(|d| {
                let text = |k: &str| str_of(&d, k).filter(|v| !v.is_empty()).map(str::to_string);
                let first_sync_time = text("FirstSyncTime").or_else(|| text("WhenCreatedUTC"));
                MobileDeviceFinding {
                    recently_added: within(first_sync_time.as_deref(), &window),
                    identity: text("Identity"),
                    friendly_name: text("FriendlyName"),
                    device_model: text("DeviceModel"),
                    device_os: text("DeviceOS"),
                    client_type: text("ClientType"),
                    device_access_state: text("DeviceAccessState"),
                    first_sync_time,
                }
            })
            .collect::<Vec<_>>()
    });
    let unified_audit_log_enabled = map(
        Source::from_result(
            audit_config.map(|c| vec![json!(c.unified_audit_log_ingestion_enabled)]),
            exchange_status,
        ),
        |v| v.first().and_then(Value::as_bool).unwrap_or(false),
    );

    let mut report = BecReport {
        tenant,
        user: u,
        window,
        extracted_at: time::format(time::now()),
        indicators: Vec::new(),
        failed_sources: Vec::new(),
        sign_ins,
        inbox_rules,
        mailbox_forwarding,
        mfa_methods,
        new_users,
        password_changes,
        new_applications,
        consent_grants,
        app_passwords: Source::Unavailable {
            reason: "Microsoft Graph has no API that lists app passwords".into(),
        },
        devices,
        mobile_devices,
        sent_messages,
        directory_audits,
        inbox_rule_changes,
        mailbox_permission_changes,
        unified_audit_log_enabled,
        graph_round_trips,
    };
    report.failed_sources = failed_sources(&report);
    report.indicators = indicators(&report);
    Ok(report)
}

fn failed_sources(r: &BecReport) -> Vec<String> {
    let checks = [
        ("signIns", r.sign_ins.failed()),
        ("inboxRules", r.inbox_rules.failed()),
        ("mailboxForwarding", r.mailbox_forwarding.failed()),
        ("mfaMethods", r.mfa_methods.failed()),
        ("newUsers", r.new_users.failed()),
        ("passwordChanges", r.password_changes.failed()),
        ("newApplications", r.new_applications.failed()),
        ("consentGrants", r.consent_grants.failed()),
        ("devices", r.devices.failed()),
        ("mobileDevices", r.mobile_devices.failed()),
        ("sentMessages", r.sent_messages.failed()),
        ("directoryAudits", r.directory_audits.failed()),
        ("inboxRuleChanges", r.inbox_rule_changes.failed()),
        (
            "mailboxPermissionChanges",
            r.mailbox_permission_changes.failed(),
        ),
        (
            "unifiedAuditLogEnabled",
            r.unified_audit_log_enabled.failed(),
        ),
    ];
    checks
        .iter()
        .filter(|(_, failed)| *failed)
        .map(|(name, _)| (*name).to_string())
        .collect()
}

fn indicator(severity: Severity, kind: &str, source: &str, summary: String) -> Indicator {
    Indicator {
        severity,
        kind: kind.to_string(),
        source: source.to_string(),
        summary,
    }
}

/// The suspicious findings, most severe first.
fn indicators(r: &BecReport) -> Vec<Indicator> {
    let mut out = Vec::new();
    let upn = &r.user.user_principal_name;
    let home = r.user.usage_location.as_deref();
    if let Some(sign_ins) = r.sign_ins.data() {
        let mut foreign: Vec<String> = Vec::new();
        for s in sign_ins.iter().filter(|s| s.succeeded()) {
            if let (Some(c), Some(h)) = (s.country(), home) {
                if !c.eq_ignore_ascii_case(h) && !foreign.iter().any(|f| f == c) {
                    foreign.push(c.to_string());
                    out.push(indicator(
                        Severity::High,
                        "foreignSignIn",
                        "signIns",
                        format!(
                            "Successful sign-in from {c} (usage location {h}) at {} from {}",
                            s.created_date_time.as_deref().unwrap_or("?"),
                            s.ip_address.as_deref().unwrap_or("?")
                        ),
                    ));
                }
            }
            if let Some(client) = s.client_app_used.as_deref() {
                if LEGACY_PROTOCOLS
                    .iter()
                    .any(|p| p.eq_ignore_ascii_case(client))
                {
                    out.push(indicator(
                        Severity::Medium,
                        "legacyProtocolSignIn",
                        "signIns",
                        format!(
                            "Sign-in over {client}, which bypasses MFA, at {}",
                            s.created_date_time.as_deref().unwrap_or("?")
                        ),
                    ));
                }
            }
        }
        let failures: Vec<&SignIn> = sign_ins.iter().filter(|s| !s.succeeded()).collect();
        if !failures.is_empty() {
            let mut countries: Vec<&str> = failures.iter().filter_map(|s| s.country()).collect();
            countries.sort_unstable();
            countries.dedup();
            out.push(indicator(
                Severity::Low,
                "failedSignIns",
                "signIns",
                format!(
                    "{} failed sign-in(s) (from {})",
                    failures.len(),
                    countries.join(", ")
                ),
            ));
        }
    }
    if let Some(rules) = r.inbox_rules.data() {
        for rule in rules.iter().filter(|x| !x.system && x.enabled) {
            let changed = if rule.recently_changed {
                ", created or changed in the window"
            } else {
                ""
            };
            if rule.forwards || rule.redirects {
                out.push(indicator(
                    Severity::High,
                    "forwardingInboxRule",
                    "inboxRules",
                    format!(
                        "Inbox rule '{}' sends mail out of the mailbox{changed}",
                        rule.name
                    ),
                ));
            } else if rule.deletes {
                out.push(indicator(
                    Severity::Medium,
                    "deletingInboxRule",
                    "inboxRules",
                    format!("Inbox rule '{}' deletes messages{changed}", rule.name),
                ));
            } else if let Some(folder) = &rule.moves_to_folder {
                let hiding = HIDING_FOLDERS
                    .iter()
                    .any(|f| f.eq_ignore_ascii_case(folder));
                if hiding || rule.marks_as_read || rule.recently_changed {
                    out.push(indicator(
                        Severity::Medium,
                        "movingInboxRule",
                        "inboxRules",
                        format!(
                            "Inbox rule '{}' moves messages to '{folder}'{}{changed}",
                            rule.name,
                            if rule.marks_as_read {
                                " and marks them read"
                            } else {
                                ""
                            }
                        ),
                    ));
                }
            }
        }
    }
    if let Some(f) = r.mailbox_forwarding.data() {
        if f.forwards() {
            out.push(indicator(
                Severity::High,
                "mailboxForwarding",
                "mailboxForwarding",
                format!(
                    "The mailbox forwards all mail to {}",
                    f.forwarding_smtp_address
                        .as_deref()
                        .or(f.forwarding_address.as_deref())
                        .unwrap_or("?")
                ),
            ));
        }
    }
    if let Some(methods) = r.mfa_methods.data() {
        for m in methods.iter().filter(|m| m.recently_added) {
            out.push(indicator(
                Severity::High,
                "newMfaMethod",
                "mfaMethods",
                format!(
                    "MFA method {} ({}) registered {}",
                    m.kind,
                    m.display_name.as_deref().unwrap_or("unnamed"),
                    m.created_date_time.as_deref().unwrap_or("?")
                ),
            ));
        }
    }
    if let Some(devices) = r.mobile_devices.data() {
        for d in devices.iter().filter(|d| d.recently_added) {
            out.push(indicator(
                Severity::High,
                "newMobileDevice",
                "mobileDevices",
                format!(
                    "Mobile device {} ({}, {}) first synced the mailbox {}",
                    d.friendly_name
                        .as_deref()
                        .or(d.device_model.as_deref())
                        .unwrap_or("unnamed"),
                    d.device_os.as_deref().unwrap_or("unknown OS"),
                    d.client_type.as_deref().unwrap_or("unknown client"),
                    d.first_sync_time.as_deref().unwrap_or("?")
                ),
            ));
        }
    }
    if let Some(grants) = r.consent_grants.data() {
        for g in grants.iter().filter(|g| {
            str_of(g, "principalId").is_some_and(|p| p.eq_ignore_ascii_case(&r.user.id))
        }) {
            let new_app = r.new_applications.data().and_then(|apps| {
                apps.iter()
                    .find(|a| str_of(a, "id") == str_of(g, "clientId"))
                    .and_then(|a| str_of(a, "displayName"))
            });
            if let Some(app) = new_app {
                out.push(indicator(
                    Severity::High,
                    "userConsent",
                    "consentGrants",
                    format!(
                        "{upn} consented to new application '{app}' with scopes {}",
                        str_of(g, "scope").unwrap_or("?")
                    ),
                ));
            }
        }
    }
    if let Some(apps) = r.new_applications.data() {
        for a in apps {
            out.push(indicator(
                Severity::Medium,
                "newApplication",
                "newApplications",
                format!(
                    "New application '{}' in the tenant since {}",
                    str_of(a, "displayName").unwrap_or("?"),
                    str_of(a, "createdDateTime").unwrap_or("?")
                ),
            ));
        }
    }
    if let Some(users) = r.new_users.data() {
        for n in users {
            out.push(indicator(
                Severity::Medium,
                "newUser",
                "newUsers",
                format!(
                    "User {} created {}",
                    str_of(n, "userPrincipalName").unwrap_or("?"),
                    str_of(n, "createdDateTime").unwrap_or("?")
                ),
            ));
        }
    }
    if let Some(changes) = r.password_changes.data() {
        if !changes.is_empty() {
            out.push(indicator(
                Severity::Low,
                "passwordChanged",
                "passwordChanges",
                format!(
                    "{} password change(s) in the tenant in the window",
                    changes.len()
                ),
            ));
        }
    }
    if let Some(events) = r.inbox_rule_changes.data() {
        for e in events {
            out.push(indicator(
                Severity::High,
                "inboxRuleChange",
                "inboxRuleChanges",
                format!(
                    "{} at {} {}",
                    e.operation,
                    e.creation_date.as_deref().unwrap_or("?"),
                    e.parameters.as_deref().unwrap_or("")
                ),
            ));
        }
    }
    if let Some(events) = r.mailbox_permission_changes.data() {
        for e in events {
            out.push(indicator(
                Severity::Medium,
                "mailboxPermissionChange",
                "mailboxPermissionChanges",
                format!(
                    "{} on {} by {} at {}",
                    e.operation,
                    e.object_id.as_deref().unwrap_or("?"),
                    e.user_ids.as_deref().unwrap_or("?"),
                    e.creation_date.as_deref().unwrap_or("?")
                ),
            ));
        }
    }
    if let Some(sent) = r.sent_messages.data() {
        let own = upn.rsplit('@').next().unwrap_or("").to_ascii_lowercase();
        let external: Vec<&str> = sent
            .iter()
            .filter_map(|m| str_of(m, "RecipientAddress"))
            .filter(|a| !a.to_ascii_lowercase().ends_with(&format!("@{own}")))
            .collect();
        if !external.is_empty() {
            out.push(indicator(
                Severity::Low,
                "externalMail",
                "sentMessages",
                format!(
                    "{} message(s) sent outside {own}: {}",
                    external.len(),
                    external.join(", ")
                ),
            ));
        }
    }
    out.sort_by_key(|i| i.severity);
    out
}
