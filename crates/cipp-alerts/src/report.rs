//! `AlertReport`: what a run found, what it sent where, and what it held back (delivered
//! before, snoozed, claimed by another run), as JSON and Markdown.

use serde::{Deserialize, Serialize};

use cipp_snapshot::AlertDisposition;

use crate::finding::Finding;
use crate::time;

/// The JSON schema version of [`AlertReport`].
pub const REPORT_SCHEMA: u32 = 1;

/// One finding and what happened to it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct FindingOutcome {
    /// The finding.
    #[serde(flatten)]
    pub finding: Finding,
    /// What the store decided (`None` without a store: always due).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub disposition: Option<AlertDisposition>,
    /// Whether it reached every destination it was routed to; `None` when it was not due.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delivered: Option<bool>,
}

/// How a rule went in a tenant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RuleStatus {
    /// Evaluated (with or without findings).
    Ok,
    /// Its data was missing, unlicensed or failed to read.
    NoData,
    /// It could not run (bad parameters, store trouble).
    Error,
}

/// One rule in one tenant.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct RuleOutcome {
    /// The rule.
    pub rule: String,
    /// How it went.
    pub status: RuleStatus,
    /// Why it had no data or failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Its findings.
    #[serde(default)]
    pub findings: Vec<FindingOutcome>,
}

impl RuleOutcome {
    pub(crate) fn ok(rule: &str, capacity: usize) -> Self {
        RuleOutcome {
            rule: rule.to_string(),
            status: RuleStatus::Ok,
            error: None,
            findings: Vec::with_capacity(capacity),
        }
    }

    pub(crate) fn failed(rule: &str, status: RuleStatus, error: String) -> Self {
        RuleOutcome {
            rule: rule.to_string(),
            status,
            error: Some(error),
            findings: Vec::new(),
        }
    }
}

/// One tenant's part of a run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct TenantAlerts {
    /// The tenant, as the run named it.
    pub tenant: String,
    /// Why the tenant could not be read at all.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Why deduplication or recording failed (nothing of the tenant was sent then).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub store_error: Option<String>,
    /// HTTP round trips of the collection.
    pub round_trips: u64,
    /// Per rule, in catalogue order.
    pub rules: Vec<RuleOutcome>,
}

impl TenantAlerts {
    pub(crate) fn new(tenant: &str) -> Self {
        TenantAlerts {
            tenant: tenant.to_string(),
            error: None,
            store_error: None,
            round_trips: 0,
            rules: Vec::new(),
        }
    }

    /// Every finding of the tenant.
    pub fn findings(&self) -> impl Iterator<Item = &FindingOutcome> {
        self.rules.iter().flat_map(|r| &r.findings)
    }
}

/// One digest to one destination.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct DeliveryReport {
    /// The destination.
    pub destination: String,
    /// Findings in the digest.
    pub findings: usize,
    /// Whether it was accepted.
    pub ok: bool,
    /// Attempts made, when it succeeded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attempts: Option<u32>,
    /// Why it failed (never a secret).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// Counts over a run.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct AlertSummary {
    /// Tenants run.
    pub tenants: usize,
    /// Tenants that could not be read.
    pub tenant_errors: usize,
    /// Findings (all, whatever became of them).
    pub findings: usize,
    /// Findings delivered in this run.
    pub delivered: usize,
    /// Findings due but not delivered (a destination failed, or there was none).
    pub undelivered: usize,
    /// Findings held back: delivered before and not due again.
    pub suppressed: usize,
    /// Findings held back by a snooze.
    pub snoozed: usize,
    /// Findings another run had claimed.
    pub in_flight: usize,
    /// Rule evaluations without data.
    pub no_data: usize,
    /// Rule evaluations that failed.
    pub errors: usize,
    /// Digests that failed.
    pub failed_deliveries: usize,
}

impl AlertSummary {
    pub(crate) fn of(tenants: &[TenantAlerts], deliveries: &[DeliveryReport]) -> Self {
        let mut s = AlertSummary {
            tenants: tenants.len(),
            failed_deliveries: deliveries.iter().filter(|d| !d.ok).count(),
            ..Default::default()
        };
        for t in tenants {
            s.tenant_errors += usize::from(t.error.is_some());
            for r in &t.rules {
                s.no_data += usize::from(r.status == RuleStatus::NoData);
                s.errors += usize::from(r.status == RuleStatus::Error);
            }
            for f in t.findings() {
                s.findings += 1;
                match (f.disposition, f.delivered) {
                    (Some(AlertDisposition::Delivered { .. }), _) => s.suppressed += 1,
                    (Some(AlertDisposition::Snoozed { .. }), _) => s.snoozed += 1,
                    (Some(AlertDisposition::InFlight), _) => s.in_flight += 1,
                    (_, Some(true)) => s.delivered += 1,
                    _ => s.undelivered += 1,
                }
            }
        }
        s
    }
}

/// A whole run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct AlertReport {
    /// Schema version of this JSON shape.
    pub schema: u32,
    /// Unix seconds.
    pub started_at: i64,
    /// Unix seconds.
    pub finished_at: i64,
    /// The time tenants were judged at, when the run fixed one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub as_of: Option<i64>,
    /// The rules run.
    pub rules: Vec<String>,
    /// Per tenant, by name.
    pub tenants: Vec<TenantAlerts>,
    /// One per destination that had something to send.
    pub deliveries: Vec<DeliveryReport>,
    /// Counts.
    pub summary: AlertSummary,
}

fn cell(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}

impl AlertReport {
    /// The report as pretty JSON.
    pub fn to_json(&self) -> String {
        // A report is plain data (strings, numbers, JSON values): serialising cannot fail.
        serde_json::to_string_pretty(self).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
    }

    /// The report as Markdown: counts, deliveries, then each tenant's findings.
    pub fn to_markdown(&self) -> String {
        let s = &self.summary;
        let mut m = format!(
            "# Alert run\n\n{} tenant(s), {} rule(s), judged at {}.\n\n| findings | delivered | undelivered | already sent | snoozed | in flight | no data | errors |\n|---|---|---|---|---|---|---|---|\n| {} | {} | {} | {} | {} | {} | {} | {} |\n",
            s.tenants,
            self.rules.len(),
            time::format(self.as_of.unwrap_or(self.started_at)),
            s.findings, s.delivered, s.undelivered, s.suppressed, s.snoozed, s.in_flight, s.no_data, s.errors
        );
        if !self.deliveries.is_empty() {
            m.push_str("\n## Deliveries\n\n| destination | findings | result |\n|---|---|---|\n");
            for d in &self.deliveries {
                let result = match (&d.error, d.attempts) {
                    (Some(e), _) => format!("failed: {}", cell(e)),
                    (None, Some(a)) => format!("ok ({a} attempt{})", if a == 1 { "" } else { "s" }),
                    (None, None) => "ok".into(),
                };
                m.push_str(&format!(
                    "| {} | {} | {result} |\n",
                    cell(&d.destination),
                    d.findings
                ));
            }
        }
        for t in &self.tenants {
            m.push_str(&format!("\n## {}\n\n", cell(&t.tenant)));
            if let Some(e) = &t.error {
                m.push_str(&format!("Not run: {}\n", cell(e)));
                continue;
            }
            if let Some(e) = &t.store_error {
                m.push_str(&format!("Store: {}\n\n", cell(e)));
            }
            let mut any = false;
            for r in &t.rules {
                if r.status != RuleStatus::Ok {
                    continue;
                }
                for f in &r.findings {
                    if !any {
                        m.push_str("| alert | finding | status |\n|---|---|---|\n");
                        any = true;
                    }
                    let status = match (f.disposition, f.delivered) {
                        (Some(AlertDisposition::Delivered { at }), _) => {
                            format!("already sent {}", time::format(at as i64))
                        }
                        (Some(AlertDisposition::Snoozed { until: Some(u) }), _) => {
                            format!("snoozed until {}", time::format(u as i64))
                        }
                        (Some(AlertDisposition::Snoozed { until: None }), _) => "snoozed".into(),
                        (Some(AlertDisposition::InFlight), _) => "sending in another run".into(),
                        (_, Some(true)) => "sent".into(),
                        _ => "not sent".into(),
                    };
                    m.push_str(&format!(
                        "| {} | {} | {status} |\n",
                        r.rule,
                        cell(&f.finding.title)
                    ));
                }
            }
            if !any {
                m.push_str("No findings.\n");
            }
            let skipped: Vec<String> = t
                .rules
                .iter()
                .filter(|r| r.status != RuleStatus::Ok)
                .map(|r| {
                    format!(
                        "- {} ({}): {}",
                        r.rule,
                        if r.status == RuleStatus::NoData {
                            "no data"
                        } else {
                            "error"
                        },
                        cell(r.error.as_deref().unwrap_or(""))
                    )
                })
                .collect();
            if !skipped.is_empty() {
                m.push_str(&format!("\nNot evaluated:\n{}\n", skipped.join("\n")));
            }
        }
        m
    }
}
