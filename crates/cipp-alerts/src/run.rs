//! The fan-out: alert rules over many tenants. Per tenant (a bounded number at a time, each
//! isolated from the others' failures): collect the union of the rules' cache types once,
//! evaluate every rule, and claim the findings that are due in one store transaction. Then
//! one digest per destination, retried as each notifier allows; findings every destination
//! took are recorded as delivered, the others are released for the next run.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use futures::{stream, StreamExt};
use serde_json::Value;

use cipp_core::secret_store::SecretStore;
use cipp_core::Pipeline;
use cipp_graph::GraphClient;
use cipp_snapshot::{AlertDisposition, AlertKey, Collector, Store};

use crate::config::{AlertConfig, DestinationConfig, RuleConfig};
use crate::digest::Digest;
use crate::error::AlertError;
use crate::notify::{EmailNotifier, Notifier, WebhookFormat, WebhookNotifier};
use crate::report::{
    AlertReport, AlertSummary, DeliveryReport, FindingOutcome, RuleOutcome, RuleStatus,
    TenantAlerts, REPORT_SCHEMA,
};
use crate::rule::{Context, Rule};
use crate::time;

/// What a run reports while it goes.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Progress {
    /// A tenant started (`index` of `total`, from 1).
    TenantStarted {
        /// The tenant.
        tenant: String,
        /// Its place.
        index: usize,
        /// Tenants in the run.
        total: usize,
    },
    /// A tenant was evaluated and its due findings claimed.
    TenantFinished {
        /// The tenant.
        tenant: String,
        /// Its findings (all, due or not).
        findings: usize,
        /// Why it could not be read.
        error: Option<String>,
    },
    /// A digest went to a destination (or failed to).
    Delivered {
        /// The destination.
        destination: String,
        /// Findings in the digest.
        findings: usize,
        /// Whether it was accepted.
        ok: bool,
    },
}

/// A progress callback (its `Debug` says only that there is one).
#[derive(Clone)]
struct ProgressHook(Arc<dyn Fn(&Progress) + Send + Sync>);

impl std::fmt::Debug for ProgressHook {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ProgressHook")
    }
}

/// A claim not settled within this time (a crash mid-delivery) lapses.
const CLAIM_TTL_SECS: u64 = 15 * 60;

/// Runs alert rules over tenants and delivers digests.
///
/// ```no_run
/// # async fn run(pipeline: cipp_core::Pipeline) -> Result<(), cipp_alerts::AlertError> {
/// use std::sync::Arc;
/// use cipp_alerts::{AlertConfig, AlertRunner};
/// let store = Arc::new(cipp_snapshot::Store::open("cipp.db")?);
/// let runner = AlertRunner::builder(pipeline)
///     .config(AlertConfig::from_file("alerts.json")?)
///     .store(store)
///     .build()?;
/// let report = runner.run(&["alphadental.com".to_string()]).await;
/// println!("{}", report.to_markdown());
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct AlertRunner {
    collector: Collector,
    rules: Arc<Vec<(&'static Rule, RuleConfig)>>,
    notifiers: Arc<Vec<Arc<dyn Notifier>>>,
    store: Option<Arc<Store>>,
    concurrency: usize,
    as_of: Option<i64>,
    alignment: Arc<BTreeMap<String, f64>>,
    standards: Arc<BTreeMap<String, Vec<Value>>>,
    progress: Option<ProgressHook>,
    /// The partner tenant, where the partner-side cache types are read.
    partner_tenant: String,
}

impl std::fmt::Debug for AlertRunner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AlertRunner")
            .field(
                "rules",
                &self.rules.iter().map(|(r, _)| r.name).collect::<Vec<_>>(),
            )
            .field("notifiers", &self.notifiers)
            .field("store", &self.store)
            .field("concurrency", &self.concurrency)
            .finish_non_exhaustive()
    }
}

/// Builds an [`AlertRunner`].
#[derive(Debug)]
pub struct AlertRunnerBuilder {
    pipeline: Pipeline,
    collector: Option<Collector>,
    config: AlertConfig,
    secrets: Option<Arc<dyn SecretStore>>,
    notifiers: Vec<Arc<dyn Notifier>>,
    store: Option<Arc<Store>>,
    concurrency: usize,
    as_of: Option<i64>,
    alignment: BTreeMap<String, f64>,
    standards: BTreeMap<String, Vec<Value>>,
    progress: Option<ProgressHook>,
}

impl AlertRunner {
    /// Start building a runner that reads tenants (and sends mail) through `pipeline`.
    pub fn builder(pipeline: Pipeline) -> AlertRunnerBuilder {
        AlertRunnerBuilder {
            pipeline,
            collector: None,
            config: AlertConfig::defaults(),
            secrets: None,
            notifiers: Vec::new(),
            store: None,
            concurrency: 8,
            as_of: None,
            alignment: BTreeMap::new(),
            standards: BTreeMap::new(),
            progress: None,
        }
    }
}

impl AlertRunnerBuilder {
    /// The rules, parameters and destinations (default: [`AlertConfig::defaults`]).
    pub fn config(mut self, config: AlertConfig) -> Self {
        self.config = config;
        self
    }

    /// Where webhook secrets are read from.
    pub fn secrets(mut self, secrets: Arc<dyn SecretStore>) -> Self {
        self.secrets = Some(secrets);
        self
    }

    /// Another destination, besides those of the configuration (every rule goes to it).
    pub fn notifier(mut self, notifier: Arc<dyn Notifier>) -> Self {
        self.notifiers.push(notifier);
        self
    }

    /// Deduplicate, honour snoozes and keep history state in `store`. Without a store every
    /// finding is delivered every run and history rules only record.
    pub fn store(mut self, store: Arc<Store>) -> Self {
        self.store = Some(store);
        self
    }

    /// Tenants in flight at once (default 8; at least 1).
    pub fn concurrency(mut self, n: usize) -> Self {
        self.concurrency = n.max(1);
        self
    }

    /// Judge every tenant at this time (Unix seconds) instead of its collection time.
    pub fn as_of(mut self, secs: i64) -> Self {
        self.as_of = Some(secs);
        self
    }

    /// Standards alignment per tenant in percent (`LowTenantAlignment`), e.g. from a
    /// standards run report's per-tenant summary.
    pub fn alignment(mut self, scores: impl IntoIterator<Item = (String, f64)>) -> Self {
        self.alignment = scores
            .into_iter()
            .map(|(k, v)| (k.to_lowercase(), v))
            .collect();
        self
    }

    /// Flagged standards results per tenant (`StandardsAlerts`): the results a standards run
    /// in alert mode marked `alerted` and did not find compliant, as that run's JSON report
    /// shows them (`standard`, `template`, `state`, `outcome`).
    pub fn standards_results(
        mut self,
        results: impl IntoIterator<Item = (String, Vec<Value>)>,
    ) -> Self {
        self.standards = results
            .into_iter()
            .map(|(k, v)| (k.to_lowercase(), v))
            .collect();
        self
    }

    /// The collector (default: one over the same pipeline and the built-in registry).
    pub fn collector(mut self, collector: Collector) -> Self {
        self.collector = Some(collector);
        self
    }

    /// Called for every [`Progress`] event, from the task running the tenant.
    pub fn on_progress(mut self, f: impl Fn(&Progress) + Send + Sync + 'static) -> Self {
        self.progress = Some(ProgressHook(Arc::new(f)));
        self
    }

    /// The runner; fails on an invalid configuration or a destination that cannot be made.
    pub fn build(self) -> Result<AlertRunner, AlertError> {
        self.config.check("alert configuration")?;
        let mut rules = Vec::new();
        for (name, rc) in &self.config.rules {
            let rule =
                crate::catalogue::get(name).ok_or_else(|| AlertError::UnknownRule(name.clone()))?;
            rules.push((rule, rc.clone()));
        }
        rules.sort_by_key(|(r, _)| r.name);
        let mut notifiers: Vec<Arc<dyn Notifier>> = Vec::new();
        for d in &self.config.destinations {
            notifiers.push(notifier_for(&self.pipeline, d, self.secrets.as_ref())?);
        }
        notifiers.extend(self.notifiers);
        let collector = self
            .collector
            .unwrap_or_else(|| Collector::new(self.pipeline.clone()));
        Ok(AlertRunner {
            collector,
            rules: Arc::new(rules),
            notifiers: Arc::new(notifiers),
            store: self.store,
            concurrency: self.concurrency,
            as_of: self.as_of,
            alignment: Arc::new(self.alignment),
            standards: Arc::new(self.standards),
            progress: self.progress,
            partner_tenant: self.pipeline.credentials().partner_tenant().to_string(),
        })
    }
}

/// The notifier a configured destination describes (webhook secrets read from `secrets`;
/// mail sent through Graph from the partner tenant of `pipeline`).
pub fn notifier_for(
    pipeline: &Pipeline,
    destination: &DestinationConfig,
    secrets: Option<&Arc<dyn SecretStore>>,
) -> Result<Arc<dyn Notifier>, AlertError> {
    Ok(match destination {
        DestinationConfig::Webhook {
            name,
            url,
            format,
            auth,
        } => {
            let mut w = WebhookNotifier::new(name.clone(), url)?;
            if let Some(f) = format {
                w = w.format(*f);
            }
            if let Some(a) = auth {
                let secrets = secrets.cloned().ok_or_else(|| AlertError::Config {
                    source_name: format!("destination {name}"),
                    message: "authentication needs a secret store".into(),
                })?;
                w = w.auth(a.clone(), secrets);
            }
            Arc::new(w)
        }
        DestinationConfig::Email { name, to, from } => {
            let partner = pipeline.credentials().partner_tenant().to_string();
            let mut m = EmailNotifier::new(
                name.clone(),
                GraphClient::new(pipeline.clone(), partner),
                to,
            )?;
            if let Some(f) = from {
                m = m.from_mailbox(f.clone());
            }
            Arc::new(m)
        }
    })
}

/// A finding on its way: where it goes and whether each destination took it.
struct Pending {
    outcome: FindingOutcome,
    destinations: Vec<usize>,
}

/// One tenant after evaluation and claiming.
struct TenantWork {
    report: TenantAlerts,
    pending: Vec<Vec<Pending>>,
    states: Vec<(String, Value)>,
    /// The time the tenant was judged and claimed at.
    now: u64,
}

impl AlertRunner {
    /// The cache types the configured rules read (each once).
    pub fn cache_types(&self) -> Vec<&'static str> {
        let set: BTreeSet<&'static str> = self
            .rules
            .iter()
            .flat_map(|(r, _)| r.cache_types.iter().copied())
            .collect();
        set.into_iter().collect()
    }

    /// The cache types the configured rules read in the partner tenant (each once).
    pub fn partner_cache_types(&self) -> Vec<&'static str> {
        let set: BTreeSet<&'static str> = self
            .rules
            .iter()
            .flat_map(|(r, _)| r.partner_cache_types.iter().copied())
            .collect();
        set.into_iter().collect()
    }

    /// Read the partner-side cache types once for the whole run; a failed read leaves the
    /// rules that need it without data (reported per tenant), never stops the run.
    async fn collect_partner(&self) -> Option<cipp_snapshot::Snapshot> {
        let types = self.partner_cache_types();
        if types.is_empty() {
            return None;
        }
        self.collector
            .collect(&self.partner_tenant, &types)
            .await
            .ok()
    }

    /// Run every configured rule over `tenants` and deliver. Never fails as a whole: a
    /// tenant that cannot be read, a rule without data and a destination that refuses are
    /// each recorded in the report.
    pub async fn run(&self, tenants: &[String]) -> AlertReport {
        let started_at = time::now();
        // A tenant named twice is run once.
        let mut seen = BTreeSet::new();
        let tenants: Vec<&String> = tenants
            .iter()
            .filter(|t| seen.insert(t.to_lowercase()))
            .collect();
        let total = tenants.len();
        let partner = self.collect_partner().await;
        let works: Vec<_> = tenants
            .into_iter()
            .enumerate()
            .map(|(i, t)| self.run_tenant(t, i + 1, total, partner.as_ref()))
            .collect();
        let mut works: Vec<TenantWork> = stream::iter(works)
            .buffer_unordered(self.concurrency)
            .collect()
            .await;
        works.sort_by_key(|w| w.report.tenant.to_lowercase());

        // One digest per destination, the destinations in parallel.
        let generated_at = self.as_of.unwrap_or(started_at);
        let sends: Vec<_> = self
            .notifiers
            .iter()
            .enumerate()
            .filter_map(|(i, n)| {
                let findings: Vec<_> = works
                    .iter()
                    .flat_map(|w| w.pending.iter().flatten())
                    .filter(|p| p.destinations.contains(&i))
                    .map(|p| p.outcome.finding.clone())
                    .collect();
                (!findings.is_empty()).then_some(async move {
                    let count = findings.len();
                    let result = n.send(&Digest::new(findings, generated_at)).await;
                    (i, n.name().to_string(), count, result)
                })
            })
            .collect();
        let mut deliveries = Vec::new();
        let mut failed_destinations = BTreeSet::new();
        for (i, destination, count, result) in futures::future::join_all(sends).await {
            if result.is_err() {
                failed_destinations.insert(i);
            }
            self.emit(Progress::Delivered {
                destination: destination.clone(),
                findings: count,
                ok: result.is_ok(),
            });
            deliveries.push(DeliveryReport {
                destination,
                findings: count,
                ok: result.is_ok(),
                attempts: result.as_ref().map(|s| s.attempts).ok(),
                error: result.err().map(|e| e.to_string()),
            });
        }
        for w in &mut works {
            self.settle(w, &failed_destinations);
        }
        let tenants: Vec<TenantAlerts> = works.into_iter().map(|w| w.report).collect();
        let summary = AlertSummary::of(&tenants, &deliveries);
        AlertReport {
            schema: REPORT_SCHEMA,
            started_at,
            finished_at: time::now(),
            as_of: self.as_of,
            rules: self.rules.iter().map(|(r, _)| r.name.to_string()).collect(),
            tenants,
            deliveries,
            summary,
        }
    }

    fn routes(&self, rc: Option<&RuleConfig>, i: usize) -> bool {
        match rc {
            Some(rc) if !rc.destinations.is_empty() => self.notifiers.get(i).is_some_and(|n| {
                rc.destinations
                    .iter()
                    .any(|d| d.eq_ignore_ascii_case(n.name()))
            }),
            _ => true,
        }
    }

    fn emit(&self, p: Progress) {
        if let Some(ProgressHook(f)) = &self.progress {
            f(&p);
        }
    }

    async fn run_tenant(
        &self,
        tenant: &str,
        index: usize,
        total: usize,
        partner: Option<&cipp_snapshot::Snapshot>,
    ) -> TenantWork {
        self.emit(Progress::TenantStarted {
            tenant: tenant.to_string(),
            index,
            total,
        });
        let work = self.evaluate_tenant(tenant, partner).await;
        self.emit(Progress::TenantFinished {
            tenant: tenant.to_string(),
            findings: work.pending.iter().map(Vec::len).sum(),
            error: work.report.error.clone(),
        });
        work
    }

    async fn evaluate_tenant(
        &self,
        tenant: &str,
        partner: Option<&cipp_snapshot::Snapshot>,
    ) -> TenantWork {
        let mut report = TenantAlerts::new(tenant);
        let mut work = TenantWork {
            report: TenantAlerts::new(tenant),
            pending: Vec::new(),
            states: Vec::new(),
            now: self.as_of.unwrap_or_else(time::now).max(0) as u64,
        };
        let types = self.cache_types();
        let snapshot = match self.collector.collect(tenant, &types).await {
            Ok(s) => s,
            Err(e) => {
                report.error = Some(e.to_string());
                work.report = report;
                return work;
            }
        };
        report.round_trips = snapshot.round_trips;
        let now = self.as_of.unwrap_or(snapshot.collected_at as i64);
        work.now = now.max(0) as u64;
        let alignment = self.alignment.get(&tenant.to_lowercase()).copied();
        let standards = self
            .standards
            .get(&tenant.to_lowercase())
            .map(Vec::as_slice);
        let mut keys = Vec::new();
        for (rule, rc) in self.rules.iter() {
            let previous = match (&self.store, rule.history) {
                (Some(store), true) => match store.alert_state(tenant, rule.name) {
                    Ok(p) => p,
                    Err(e) => {
                        report.rules.push(RuleOutcome::failed(
                            rule.name,
                            RuleStatus::Error,
                            e.to_string(),
                        ));
                        work.pending.push(Vec::new());
                        continue;
                    }
                },
                _ => None,
            };
            let ctx = Context::new(&snapshot)
                .at(now)
                .with_previous(previous.as_ref())
                .with_alignment(alignment)
                .with_standards(standards)
                .with_partner(partner);
            let ctx = Context { tenant, ..ctx };
            match rule.evaluate(&ctx, &rc.params) {
                Ok(result) => {
                    if let Some(state) = result.state {
                        work.states.push((rule.name.to_string(), state));
                    }
                    let dests: Vec<usize> = (0..self.notifiers.len())
                        .filter(|i| self.routes(Some(rc), *i))
                        .collect();
                    let pending: Vec<Pending> = result
                        .findings
                        .into_iter()
                        .map(|f| {
                            keys.push(AlertKey::new(rule.name, f.hash.clone(), rc.resend_after()));
                            Pending {
                                outcome: FindingOutcome {
                                    finding: f,
                                    disposition: None,
                                    delivered: None,
                                },
                                destinations: dests.clone(),
                            }
                        })
                        .collect();
                    report.rules.push(RuleOutcome::ok(rule.name, pending.len()));
                    work.pending.push(pending);
                }
                Err(e @ AlertError::Data { .. }) => {
                    report.rules.push(RuleOutcome::failed(
                        rule.name,
                        RuleStatus::NoData,
                        e.to_string(),
                    ));
                    work.pending.push(Vec::new());
                }
                Err(e) => {
                    report.rules.push(RuleOutcome::failed(
                        rule.name,
                        RuleStatus::Error,
                        e.to_string(),
                    ));
                    work.pending.push(Vec::new());
                }
            }
        }
        // Claim what is due, in one transaction for the tenant.
        if let Some(store) = &self.store {
            match store.claim_alerts(tenant, now.max(0) as u64, &keys, CLAIM_TTL_SECS) {
                Ok(dispositions) => {
                    for (p, d) in work.pending.iter_mut().flatten().zip(dispositions) {
                        p.outcome.disposition = Some(d);
                        if !d.is_due() {
                            p.destinations.clear();
                        }
                    }
                }
                Err(e) => {
                    // Without the store nothing can be deduplicated: send nothing.
                    report.store_error = Some(e.to_string());
                    for p in work.pending.iter_mut().flatten() {
                        p.destinations.clear();
                    }
                }
            }
        }
        work.report = report;
        work
    }

    /// Record what went out and release what did not; keep history states whose findings
    /// all went out.
    fn settle(&self, w: &mut TenantWork, failed_destinations: &BTreeSet<usize>) {
        let mut delivered = Vec::new();
        let mut failed = Vec::new();
        let mut blocked_rules = BTreeSet::new();
        for p in w.pending.iter_mut().flatten() {
            let claimed = p.outcome.disposition.is_none_or(AlertDisposition::is_due);
            if !claimed {
                continue;
            }
            let ok = !p.destinations.is_empty()
                && p.destinations
                    .iter()
                    .all(|d| !failed_destinations.contains(d));
            if ok {
                p.outcome.delivered = Some(true);
                delivered.push((
                    p.outcome.finding.rule.clone(),
                    p.outcome.finding.hash.clone(),
                ));
            } else {
                p.outcome.delivered = Some(false);
                blocked_rules.insert(p.outcome.finding.rule.clone());
                failed.push((
                    p.outcome.finding.rule.clone(),
                    p.outcome.finding.hash.clone(),
                ));
            }
        }
        for (outcome, pending) in w.report.rules.iter_mut().zip(&w.pending) {
            outcome.findings = pending.iter().map(|p| p.outcome.clone()).collect();
        }
        let Some(store) = &self.store else { return };
        if w.report.store_error.is_some() {
            return;
        }

        let now = w.now;
        if let Err(e) =
            store.settle_alerts(&w.report.tenant, now, &pairs(&delivered), &pairs(&failed))
        {
            w.report.store_error = Some(e.to_string());
            return;
        }
        for (rule, state) in &w.states {
            if blocked_rules.contains(rule) {
                continue;
            }
            if let Err(e) = store.set_alert_state(&w.report.tenant, rule, state, now) {
                w.report.store_error = Some(e.to_string());
            }
        }
    }
}

/// The webhook format a URL implies (re-exported for front ends that show it).
pub fn guess_format(url: &str) -> WebhookFormat {
    WebhookFormat::from_url(url)
}

fn pairs(v: &[(String, String)]) -> Vec<(&str, &str)> {
    v.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect()
}
