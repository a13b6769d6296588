//! `AuditRunner`: audit-log rules over many tenants for one time window. Per tenant (a
//! bounded number at a time): search the unified audit log once, enrich each record,
//! evaluate the rules that cover the tenant, and for each matched record claim it in the
//! [`Store`] BEFORE anything is done (a record claimed earlier, by this or another runner,
//! is left alone), run the user actions, and queue its alert. Then one digest per
//! destination, and each claim settled with what was done.

use std::collections::BTreeMap;
use std::sync::Arc;

use futures::{stream, StreamExt};
use serde::Serialize;
use serde_json::json;

use cipp_core::Pipeline;
use cipp_snapshot::Store;

use super::actions::AuditActionHandler;
use super::enrich::{enrich, AuditRecord};
use super::render;
use super::rule::{AuditAction, AuditRule, RuleMatch};
use super::search::{AuditLogSearch, AuditSearchOptions};
use crate::digest::Digest;
use crate::error::AlertError;
use crate::finding::Finding;
use crate::notify::Notifier;
use crate::report::DeliveryReport;
use crate::time;

/// The rule name findings of audit rules carry.
pub const AUDIT_FINDING_RULE: &str = "AuditLog";

/// One matched record, as the action handler sees it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct AuditEvent {
    /// The tenant.
    pub tenant: String,
    /// The enriched record.
    pub record: AuditRecord,
    /// The rules it matched, with their clauses.
    pub matches: Vec<RuleMatch>,
}

/// What one action did.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct ActionOutcome {
    /// The action.
    pub action: AuditAction,
    /// Whether it was done.
    pub ok: bool,
    /// What was done, or why not.
    pub detail: String,
}

/// One record this run processed.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct AuditEventOutcome {
    /// The record's id.
    pub record_id: String,
    /// The user it is about.
    pub user: Option<String>,
    /// The alert's title.
    pub title: String,
    /// The rules it matched.
    pub rules: Vec<String>,
    /// Their clauses, joined with `; `.
    pub clause: String,
    /// What the user actions did.
    pub actions: Vec<ActionOutcome>,
    /// Whether every destination it was for took it (`None`: it was for none).
    pub delivered: Option<bool>,
}

/// One tenant of an audit run.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct TenantAudit {
    /// The tenant.
    pub tenant: String,
    /// Rules that cover it (0: it was not searched).
    pub rules: usize,
    /// Records the search found.
    pub records: usize,
    /// Records CIPP's enrichment drops (sign-in plumbing).
    pub ignored: usize,
    /// Records some rule matched.
    pub matched: usize,
    /// Matched records already claimed before (by an earlier run or another runner).
    pub already_processed: usize,
    /// The records this run processed.
    pub events: Vec<AuditEventOutcome>,
    /// Why the tenant could not be searched or its claims not kept.
    pub error: Option<String>,
}

/// What an audit run did.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct AuditReport {
    /// Window start (Unix seconds).
    pub window_start: i64,
    /// Window end (Unix seconds).
    pub window_end: i64,
    /// Per tenant, in the order given.
    pub tenants: Vec<TenantAudit>,
    /// One per destination that had something to send.
    pub deliveries: Vec<DeliveryReport>,
}

impl AuditReport {
    /// Records processed (claimed and acted on) in this run, over all tenants.
    pub fn processed(&self) -> usize {
        self.tenants.iter().map(|t| t.events.len()).sum()
    }

    /// The report as pretty JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
    }
}

/// A destination and the action that routes to it.
#[derive(Debug, Clone)]
struct Route {
    action: AuditAction,
    notifier: Arc<dyn Notifier>,
}

/// Runs audit-log rules. Cheap to clone.
///
/// ```no_run
/// # async fn run(pipeline: cipp_core::Pipeline, hook: cipp_alerts::WebhookNotifier) -> Result<(), cipp_alerts::AlertError> {
/// use std::sync::Arc;
/// use cipp_alerts::audit::{AuditRule, AuditRunner};
/// let runner = AuditRunner::builder(pipeline, Arc::new(cipp_snapshot::Store::open("cipp.db")?))
///     .rules(AuditRule::list_from_file("audit-rules.json")?)
///     .webhook(Arc::new(hook))
///     .build()?;
/// let now = cipp_alerts::time::now();
/// let report = runner.run(&["alphadental.com".to_string()], now - 3_600, now).await;
/// println!("{}", report.to_json());
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct AuditRunner {
    pipeline: Pipeline,
    rules: Arc<Vec<AuditRule>>,
    store: Arc<Store>,
    routes: Arc<Vec<Route>>,
    handler: Option<Arc<dyn AuditActionHandler>>,
    confirm_user_actions: bool,
    search: AuditSearchOptions,
    concurrency: usize,
    groups: Arc<BTreeMap<String, Vec<String>>>,
}

/// Builds an [`AuditRunner`].
#[derive(Debug)]
pub struct AuditRunnerBuilder {
    pipeline: Pipeline,
    store: Arc<Store>,
    rules: Vec<AuditRule>,
    routes: Vec<Route>,
    handler: Option<Arc<dyn AuditActionHandler>>,
    confirm_user_actions: bool,
    search: AuditSearchOptions,
    concurrency: usize,
    groups: BTreeMap<String, Vec<String>>,
}

impl AuditRunner {
    /// Start building a runner that searches through `pipeline` and claims records in
    /// `store` (required: it is what makes processing exactly-once).
    pub fn builder(pipeline: Pipeline, store: Arc<Store>) -> AuditRunnerBuilder {
        AuditRunnerBuilder {
            pipeline,
            store,
            rules: Vec::new(),
            routes: Vec::new(),
            handler: None,
            confirm_user_actions: false,
            search: AuditSearchOptions::default(),
            concurrency: 4,
            groups: BTreeMap::new(),
        }
    }
}

impl AuditRunnerBuilder {
    /// The rules.
    pub fn rules(mut self, rules: Vec<AuditRule>) -> Self {
        self.rules = rules;
        self
    }

    /// Where `generatemail` alerts go.
    pub fn email(mut self, n: Arc<dyn Notifier>) -> Self {
        self.routes.push(Route {
            action: AuditAction::Email,
            notifier: n,
        });
        self
    }

    /// Where `generateWebhook` alerts go.
    pub fn webhook(mut self, n: Arc<dyn Notifier>) -> Self {
        self.routes.push(Route {
            action: AuditAction::Webhook,
            notifier: n,
        });
        self
    }

    /// Where `generatePSA` alerts go.
    pub fn psa(mut self, n: Arc<dyn Notifier>) -> Self {
        self.routes.push(Route {
            action: AuditAction::Psa,
            notifier: n,
        });
        self
    }

    /// The destinations of an alert configuration: its webhooks take `generateWebhook`
    /// alerts, its mail destinations `generatemail` alerts.
    pub fn destinations(
        mut self,
        config: &crate::config::AlertConfig,
        secrets: Option<&Arc<dyn cipp_core::secret_store::SecretStore>>,
    ) -> Result<Self, AlertError> {
        for d in &config.destinations {
            let action = match d {
                crate::config::DestinationConfig::Email { .. } => AuditAction::Email,
                _ => AuditAction::Webhook,
            };
            let notifier = crate::run::notifier_for(&self.pipeline, d, secrets)?;
            self.routes.push(Route { action, notifier });
        }
        Ok(self)
    }

    /// Who performs `disableUser` and `becremediate`.
    pub fn action_handler(mut self, h: Arc<dyn AuditActionHandler>) -> Self {
        self.handler = Some(h);
        self
    }

    /// Let rules act on users (disable, remediate). Off by default: a matched record then
    /// reports the user action as skipped, unconfirmed.
    pub fn confirm_user_actions(mut self, yes: bool) -> Self {
        self.confirm_user_actions = yes;
        self
    }

    /// How searches are made and polled.
    pub fn search_options(mut self, o: AuditSearchOptions) -> Self {
        self.search = o;
        self
    }

    /// Tenants searched at once (default 4; at least 1).
    pub fn concurrency(mut self, n: usize) -> Self {
        self.concurrency = n.max(1);
        self
    }

    /// Tenant groups for rules that select a group: group id or name -> tenants.
    pub fn tenant_groups(mut self, groups: BTreeMap<String, Vec<String>>) -> Self {
        self.groups = groups;
        self
    }

    /// The runner. A rule asking for a user action when no handler was given is an error
    /// naming the rule.
    pub fn build(self) -> Result<AuditRunner, AlertError> {
        if self.handler.is_none() {
            if let Some((rule, action)) = self
                .rules
                .iter()
                .find_map(|r| r.actions.iter().find(|a| a.touches_user()).map(|a| (r, *a)))
            {
                return Err(AlertError::AuditRule {
                    rule: rule.id.clone(),
                    condition: None,
                    field: "Actions".into(),
                    message: format!(
                        "{} needs an action handler (AuditRunnerBuilder::action_handler)",
                        action.as_str()
                    ),
                });
            }
        }
        Ok(AuditRunner {
            pipeline: self.pipeline,
            rules: Arc::new(self.rules),
            store: self.store,
            routes: Arc::new(self.routes),
            handler: self.handler,
            confirm_user_actions: self.confirm_user_actions,
            search: self.search,
            concurrency: self.concurrency,
            groups: Arc::new(self.groups),
        })
    }
}

/// A processed record on its way to the destinations.
struct Queued {
    outcome: AuditEventOutcome,
    finding: Finding,
    actions: Vec<AuditAction>,
    tenant: String,
}

impl AuditRunner {
    /// Run the rules over records created in `start..end` (Unix seconds) in `tenants`.
    /// Never fails as a whole: a tenant that cannot be searched and a destination that
    /// refuses are recorded in the report.
    pub async fn run(&self, tenants: &[String], start: i64, end: i64) -> AuditReport {
        let mut seen = std::collections::BTreeSet::new();
        let tenants: Vec<&String> = tenants
            .iter()
            .filter(|t| seen.insert(t.to_lowercase()))
            .collect();
        let mut results: Vec<(usize, TenantAudit, Vec<Queued>)> =
            stream::iter(tenants.into_iter().enumerate())
                .map(|(i, t)| async move {
                    let (report, queued) = self.run_tenant(t, start, end).await;
                    (i, report, queued)
                })
                .buffer_unordered(self.concurrency)
                .collect()
                .await;
        results.sort_by_key(|(i, _, _)| *i);
        let queued: Vec<&Queued> = results.iter().flat_map(|(_, _, q)| q).collect();

        // One digest per destination.
        let sends = self.routes.iter().enumerate().filter_map(|(i, route)| {
            let findings: Vec<Finding> = queued
                .iter()
                .filter(|q| q.actions.contains(&route.action))
                .map(|q| q.finding.clone())
                .collect();
            (!findings.is_empty()).then_some(async move {
                let count = findings.len();
                let result = route.notifier.send(&Digest::new(findings, end)).await;
                (i, count, result)
            })
        });
        let mut deliveries = Vec::new();
        let mut failed = std::collections::BTreeSet::new();
        for (i, count, result) in futures::future::join_all(sends).await {
            if result.is_err() {
                failed.insert(i);
            }
            deliveries.push(DeliveryReport {
                destination: self.routes[i].notifier.name().to_string(),
                findings: count,
                ok: result.is_ok(),
                attempts: result.as_ref().map(|s| s.attempts).ok(),
                error: result.err().map(|e| e.to_string()),
            });
        }

        // Settle each claim with what was done.
        let now = time::now().max(0) as u64;
        let mut tenants_out = Vec::with_capacity(results.len());
        for (_, mut report, queued) in results {
            for mut q in queued {
                let routes: Vec<(usize, &Route)> = self
                    .routes
                    .iter()
                    .enumerate()
                    .filter(|(_, r)| q.actions.contains(&r.action))
                    .collect();
                q.outcome.delivered =
                    (!routes.is_empty()).then(|| routes.iter().all(|(i, _)| !failed.contains(i)));
                let record = json!({
                    "title": q.outcome.title,
                    "clause": q.outcome.clause,
                    "actions": q.outcome.actions,
                    "deliveries": routes.iter().map(|(i, r)| json!({"destination": r.notifier.name(), "ok": !failed.contains(i)})).collect::<Vec<_>>(),
                });
                if let Err(e) =
                    self.store
                        .settle_audit_event(&q.tenant, &q.outcome.record_id, &record, now)
                {
                    report.error.get_or_insert_with(|| e.to_string());
                }
                report.events.push(q.outcome);
            }
            tenants_out.push(report);
        }
        AuditReport {
            window_start: start,
            window_end: end,
            tenants: tenants_out,
            deliveries,
        }
    }

    async fn run_tenant(&self, tenant: &str, start: i64, end: i64) -> (TenantAudit, Vec<Queued>) {
        let rules: Vec<&AuditRule> = self
            .rules
            .iter()
            .filter(|r| r.covers(tenant, &self.groups))
            .collect();
        let mut report = TenantAudit {
            tenant: tenant.to_string(),
            rules: rules.len(),
            records: 0,
            ignored: 0,
            matched: 0,
            already_processed: 0,
            events: Vec::new(),
            error: None,
        };
        let mut queued = Vec::new();
        if rules.is_empty() {
            return (report, queued);
        }
        let records = match AuditLogSearch::new(self.pipeline.clone(), tenant, self.search.clone())
            .records(start, end)
            .await
        {
            Ok(r) => r,
            Err(e) => {
                report.error = Some(e.to_string());
                return (report, queued);
            }
        };
        report.records = records.len();
        for raw in &records {
            let Some(record) = enrich(raw) else {
                report.ignored += 1;
                continue;
            };
            let matches: Vec<(RuleMatch, &AuditRule)> = rules
                .iter()
                .filter_map(|r| r.matches(&record).map(|m| (m, *r)))
                .collect();
            if matches.is_empty() {
                continue;
            }
            report.matched += 1;
            if record.id.is_empty() {
                report.error.get_or_insert_with(|| {
                    "a matched record has no id and cannot be claimed".into()
                });
                continue;
            }
            let rule_ids: Vec<String> = matches.iter().map(|(m, _)| m.rule.clone()).collect();
            let claimed = match self.store.claim_audit_event(
                tenant,
                &record.id,
                &rule_ids.join(","),
                time::now().max(0) as u64,
            ) {
                Ok(c) => c,
                Err(e) => {
                    // Without the claim nothing may run: stop this tenant.
                    report.error = Some(e.to_string());
                    break;
                }
            };
            if !claimed {
                report.already_processed += 1;
                continue;
            }
            // The union of the matched rules' actions, user actions first (as CIPP runs them).
            let mut actions: Vec<AuditAction> = matches
                .iter()
                .flat_map(|(_, r)| r.actions.iter().copied())
                .collect();
            actions.sort_by_key(|a| (!a.touches_user(), *a));
            actions.dedup();
            let event = AuditEvent {
                tenant: tenant.to_string(),
                record,
                matches: matches.iter().map(|(m, _)| m.clone()).collect(),
            };
            let user = event.record.user();
            let mut outcomes = Vec::new();
            for action in actions.iter().filter(|a| a.touches_user()) {
                outcomes.push(self.act(*action, &event, user.as_deref()).await);
            }
            let subject = matches
                .iter()
                .find_map(|(_, r)| r.custom_subject.as_deref());
            let title = match subject {
                Some(s) => render::resolve_tokens(s, &event.record, tenant),
                None => render::title(&event.record, tenant),
            };
            let comment = matches
                .iter()
                .find_map(|(_, r)| r.alert_comment.as_deref())
                .map(|c| render::resolve_tokens(c, &event.record, tenant));
            let clause = matches
                .iter()
                .map(|(m, _)| m.clause.as_str())
                .collect::<Vec<_>>()
                .join("; ");
            let mut row = render::row(
                &event.record,
                tenant,
                &title,
                &rule_ids,
                &clause,
                comment.as_deref(),
            );
            if let Some(o) = row.as_object_mut() {
                o.insert("ActionsTaken".into(), json!(outcomes));
            }
            queued.push(Queued {
                finding: Finding::new(AUDIT_FINDING_RULE, tenant, row, &["RecordId"]),
                outcome: AuditEventOutcome {
                    record_id: event.record.id.clone(),
                    user,
                    title,
                    rules: rule_ids,
                    clause,
                    actions: outcomes,
                    delivered: None,
                },
                actions: actions.into_iter().filter(|a| !a.touches_user()).collect(),
                tenant: tenant.to_string(),
            });
        }
        (report, queued)
    }

    async fn act(
        &self,
        action: AuditAction,
        event: &AuditEvent,
        user: Option<&str>,
    ) -> ActionOutcome {
        let done = |ok: bool, detail: String| ActionOutcome { action, ok, detail };
        if !self.confirm_user_actions {
            return done(
                false,
                "skipped: user actions were not confirmed for this runner".into(),
            );
        }
        let (Some(handler), Some(user)) = (&self.handler, user) else {
            return done(
                false,
                "skipped: no handler, or the record names no user".into(),
            );
        };
        let result = match action {
            AuditAction::DisableUser => handler.disable_user(&event.tenant, user, event).await,
            _ => {
                handler
                    .remediate_compromised(&event.tenant, user, event)
                    .await
            }
        };
        match result {
            Ok(detail) => done(true, detail),
            Err(e) => done(false, e.to_string()),
        }
    }
}
