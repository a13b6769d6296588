//! The fan-out: standards templates run over many tenants. Per tenant: merge the templates that
//! reach it, collect every cache type its standards read in one snapshot, evaluate each
//! standard, and in remediate mode write what drifted (where the template asks for it), read
//! the touched cache types again and confirm. Tenants run a bounded number at a time; one
//! tenant's failure is recorded in its report and never stops the others.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use futures::{stream, StreamExt};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use cipp_core::Pipeline;
use cipp_snapshot::{Collector, Snapshot, Store, StoredResult, LICENCE_TYPE};
use cipp_templates::{TemplateClient, TemplateLibrary};

use crate::code::{self, Standard};
use crate::compare::CompareOptions;
use crate::definition::Definition;
use crate::evaluate::{evaluate, licence_gap, Outcome};
use crate::plan::{apply_with, plan_for, Step, StepOutcome};
use crate::render::TenantContext;
use crate::template::{merge, Actions, Conflict, Merged, StandardsTemplate, TenantIdentity};
use crate::templated::{self, TaskError};

/// How far a run may go. The template's per-standard actions still decide; the mode is the
/// ceiling: report and alert runs never write to a tenant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    /// Evaluate and record.
    Report,
    /// Evaluate, record and raise alerts for standards set to alert.
    Alert,
    /// All of that, and write the desired state for standards set to remediate.
    Remediate,
}

impl Mode {
    /// `report`, `alert` or `remediate`.
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Report => "report",
            Mode::Alert => "alert",
            Mode::Remediate => "remediate",
        }
    }
}

impl std::str::FromStr for Mode {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "report" => Ok(Mode::Report),
            "alert" | "warn" => Ok(Mode::Alert),
            "remediate" => Ok(Mode::Remediate),
            _ => Err(format!(
                "unknown mode '{s}' (expected report, alert or remediate)"
            )),
        }
    }
}

/// One tenant to run against: what templates target, and what `%tokens%` stand for.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Target {
    /// GUID, domains and groups, for template targeting.
    pub identity: TenantIdentity,
    /// Built-in token values.
    pub context: TenantContext,
}

impl Target {
    /// A tenant known by its default domain only.
    pub fn from_domain(domain: impl Into<String>) -> Self {
        let domain = domain.into();
        Target {
            identity: TenantIdentity::new("", [domain.clone()]),
            context: TenantContext::for_domain(domain),
        }
    }

    /// A tenant from its parts.
    pub fn new(identity: TenantIdentity, context: TenantContext) -> Self {
        Target { identity, context }
    }

    /// A managed tenant: GUID, default and initial domain, display name and the ids of the
    /// tenant groups it belongs to.
    pub fn managed(
        tenant_id: impl Into<String>,
        default_domain: impl Into<String>,
        initial_domain: Option<String>,
        display_name: Option<String>,
        groups: impl IntoIterator<Item = impl Into<String>>,
    ) -> Self {
        let (id, default_domain) = (tenant_id.into(), default_domain.into());
        let domains = std::iter::once(default_domain.clone()).chain(initial_domain.clone());
        Target {
            identity: TenantIdentity::new(id.clone(), domains).in_groups(groups),
            context: TenantContext {
                tenant_id: Some(id),
                default_domain: Some(default_domain),
                initial_domain,
                display_name,
            },
        }
    }

    /// The name requests use: the default domain, else the first domain, else the GUID.
    pub fn name(&self) -> &str {
        self.context
            .default_domain
            .as_deref()
            .or(self.identity.domains.first().map(String::as_str))
            .unwrap_or(&self.identity.id)
    }
}

/// Where a standard instance ended up in one run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum State {
    /// As the standard wants it.
    Compliant,
    /// Different, and not remediated in this run.
    Drifted,
    /// Written in this run, and a fresh read confirmed it.
    Remediated,
    /// Written in this run, but the fresh read still differs (or could not be made).
    Unconfirmed,
    /// A write failed (or could not be planned).
    RemediationFailed,
    /// The tenant lacks the licence.
    NotApplicable,
    /// The data to decide was missing or its read failed.
    NoData,
    /// The engine cannot run this standard (no definition or code standard of that name, or
    /// a definition that is neither declarative nor a template standard).
    Unsupported,
    /// The definition or settings are wrong (e.g. an unfilled `%token%`).
    Error,
}

impl State {
    /// The snake-case name (`compliant`, `remediation_failed`...).
    pub fn as_str(self) -> &'static str {
        match self {
            State::Compliant => "compliant",
            State::Drifted => "drifted",
            State::Remediated => "remediated",
            State::Unconfirmed => "unconfirmed",
            State::RemediationFailed => "remediation_failed",
            State::NotApplicable => "not_applicable",
            State::NoData => "no_data",
            State::Unsupported => "unsupported",
            State::Error => "error",
        }
    }

    /// Every state, in report order.
    pub const ALL: [State; 9] = [
        State::Compliant,
        State::Remediated,
        State::Drifted,
        State::Unconfirmed,
        State::RemediationFailed,
        State::NoData,
        State::NotApplicable,
        State::Unsupported,
        State::Error,
    ];

    /// The state with `Remediated` counted as `Compliant` (both mean the tenant is aligned).
    fn aligned(self) -> State {
        match self {
            State::Remediated => State::Compliant,
            s => s,
        }
    }

    fn parse(s: &str) -> Option<State> {
        State::ALL.into_iter().find(|x| x.as_str() == s)
    }

    fn of(outcome: &Outcome) -> State {
        match outcome {
            Outcome::Compliant { .. } => State::Compliant,
            Outcome::Drifted { .. } => State::Drifted,
            Outcome::NotApplicable { .. } => State::NotApplicable,
            Outcome::NoData { .. } => State::NoData,
            Outcome::Unsupported { .. } => State::Unsupported,
        }
    }
}

/// What remediation did for one standard.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Remediation {
    /// What was found before writing.
    pub before: Outcome,
    /// Every step, with its outcome.
    pub steps: Vec<StepOutcome>,
    /// A fresh read showed the tenant compliant.
    pub confirmed: bool,
}

/// How a standard compares with its previous stored result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct SinceLast {
    /// The run that recorded it.
    pub run_id: i64,
    /// Its state then.
    pub state: State,
    /// The state or the current value differs from then.
    pub changed: bool,
}

/// One standard instance in one tenant.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct StandardResult {
    /// The standard (`DisableSMS`).
    pub standard: String,
    /// The instance key for multi-instance standards (template id), else empty.
    pub key: String,
    /// Its label, from the definition.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    /// The standards template it came from.
    pub template: String,
    /// What the template asks for.
    pub actions: Actions,
    /// Where it ended up.
    pub state: State,
    /// The final evaluation (after remediation, when there was one).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outcome: Option<Outcome>,
    /// Why it could not be evaluated or planned.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// For a drifted standard with a declarative remediation: what remediation sends (or sent).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub planned: Vec<Step>,
    /// What remediation did, in remediate runs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remediation: Option<Remediation>,
    /// An alert was raised (alert or remediate run, the template set `warn`, it drifted).
    pub alerted: bool,
    /// The previous stored result, when a store is used.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub since_last: Option<SinceLast>,
}

impl StandardResult {
    /// `Name|key`, as the store and CIPP key an instance.
    pub fn instance(&self) -> String {
        format!("{}|{}", self.standard, self.key)
    }

    /// The current value, from the final evaluation.
    pub fn current(&self) -> Option<&Value> {
        match self.outcome.as_ref()? {
            Outcome::Compliant { current } | Outcome::Drifted { current, .. } => Some(current),
            _ => None,
        }
    }
}

/// Counts by state, and the alignment score.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Summary {
    /// Standard instances.
    pub total: usize,
    /// Per state (only states that occur).
    pub states: BTreeMap<State, usize>,
    /// Alerts raised.
    pub alerts: usize,
    /// Results whose state or value changed since the previous stored run.
    pub changed_since_last: usize,
    /// Compliant or remediated, as a percentage of the standards that could be decided
    /// (everything but not applicable, unsupported and errors); `None` when none could.
    pub alignment: Option<u8>,
}

impl Summary {
    /// Count `results`.
    pub fn of<'a>(results: impl IntoIterator<Item = &'a StandardResult>) -> Summary {
        let mut s = Summary::default();
        for r in results {
            s.add(r);
        }
        s.finish()
    }

    fn add(&mut self, r: &StandardResult) {
        self.total += 1;
        *self.states.entry(r.state).or_default() += 1;
        self.alerts += usize::from(r.alerted);
        self.changed_since_last += usize::from(r.since_last.as_ref().is_some_and(|s| s.changed));
    }

    fn finish(mut self) -> Summary {
        let n = |s: State| self.states.get(&s).copied().unwrap_or(0);
        let aligned = n(State::Compliant) + n(State::Remediated);
        let decided =
            self.total - n(State::NotApplicable) - n(State::Unsupported) - n(State::Error);
        self.alignment =
            (decided > 0).then(|| ((aligned * 100 + decided / 2) / decided).min(100) as u8);
        self
    }

    /// How many results are in `state`.
    pub fn count(&self, state: State) -> usize {
        self.states.get(&state).copied().unwrap_or(0)
    }
}

/// One tenant's part of a run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct TenantReport {
    /// The tenant (default domain).
    pub tenant: String,
    /// Its GUID, when known.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub tenant_id: String,
    /// Why the tenant could not be run (its results are then empty).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Why the results could not be stored (they are still here).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub store_error: Option<String>,
    /// Templates of one tier that configure a standard differently (the newer one was used).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub conflicts: Vec<Conflict>,
    /// One result per standard instance, sorted by standard.
    pub results: Vec<StandardResult>,
    /// HTTP round trips the collections took (writes not counted).
    pub read_round_trips: u64,
    /// Steps executed by remediation.
    pub writes: usize,
    /// Counts.
    pub summary: Summary,
}

/// A whole run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct RunReport {
    /// Schema version of this JSON shape.
    pub schema: u32,
    /// The store's run id, when a store is used.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub run_id: Option<i64>,
    /// The mode.
    pub mode: Mode,
    /// Unix seconds.
    pub started_at: u64,
    /// Unix seconds.
    pub finished_at: u64,
    /// The templates, by id.
    pub templates: Vec<String>,
    /// Per tenant the templates reach, by tenant name.
    pub tenants: Vec<TenantReport>,
    /// Counts over every tenant.
    pub summary: Summary,
    /// Why the run could not be recorded in the store.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub store_error: Option<String>,
}

/// The JSON schema version of [`RunReport`].
pub const REPORT_SCHEMA: u32 = 1;

/// What a run reports while it goes.
#[derive(Debug, Clone, PartialEq)]
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
    /// One standard was decided.
    Standard {
        /// The tenant.
        tenant: String,
        /// `Name|key`.
        standard: String,
        /// Where it ended up.
        state: State,
    },
    /// A tenant finished (`error` when it could not be run).
    TenantFinished {
        /// The tenant.
        tenant: String,
        /// Its counts.
        summary: Summary,
        /// Why it failed.
        error: Option<String>,
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

/// Runs standards templates over tenants.
///
/// ```no_run
/// # async fn run(pipeline: cipp_core::Pipeline, templates: Vec<cipp_standards::StandardsTemplate>) {
/// use cipp_standards::{Mode, StandardsRunner, Target};
/// // The built-in catalogue; `.definitions(...)` runs other definitions, e.g. CIPP's own.
/// let runner = StandardsRunner::builder(pipeline).concurrency(8).build();
/// let report = runner
///     .run(&templates, &[Target::from_domain("contoso.com")], Mode::Report)
///     .await;
/// println!("{}", report.to_markdown());
/// # }
/// ```
#[derive(Clone)]
pub struct StandardsRunner {
    pipeline: Pipeline,
    collector: Collector,
    definitions: Arc<BTreeMap<String, Definition>>,
    store: Option<Arc<Store>>,
    library: Option<Arc<TemplateLibrary>>,
    concurrency: usize,
    compare: CompareOptions,
    progress: Option<ProgressHook>,
    as_of: Option<u64>,
    allow_destructive: bool,
}

impl std::fmt::Debug for StandardsRunner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StandardsRunner")
            .field("definitions", &self.definitions.len())
            .field("store", &self.store)
            .field("templates", &self.library.as_ref().map(|l| l.len()))
            .field("concurrency", &self.concurrency)
            .field("as_of", &self.as_of)
            .field("allow_destructive", &self.allow_destructive)
            .finish_non_exhaustive()
    }
}

/// Builds a [`StandardsRunner`].
#[derive(Debug)]
pub struct StandardsRunnerBuilder {
    pipeline: Pipeline,
    collector: Option<Collector>,
    definitions: Option<Vec<Definition>>,
    store: Option<Arc<Store>>,
    library: Option<Arc<TemplateLibrary>>,
    concurrency: usize,
    compare: CompareOptions,
    progress: Option<ProgressHook>,
    as_of: Option<u64>,
    allow_destructive: bool,
}

impl StandardsRunner {
    /// Start building a runner that sends through `pipeline`.
    pub fn builder(pipeline: Pipeline) -> StandardsRunnerBuilder {
        StandardsRunnerBuilder {
            pipeline,
            collector: None,
            definitions: None,
            store: None,
            library: None,
            concurrency: 8,
            compare: CompareOptions::default(),
            progress: None,
            as_of: None,
            allow_destructive: false,
        }
    }
}

impl StandardsRunnerBuilder {
    /// The definitions standards are looked up in, by name (any case); default: the
    /// built-in [`Catalogue`](crate::Catalogue).
    pub fn definitions(mut self, definitions: impl IntoIterator<Item = Definition>) -> Self {
        self.definitions = Some(definitions.into_iter().collect());
        self
    }

    /// The collector to read tenants with (default: one over the same pipeline and the
    /// built-in registry). Pass the facade's to share its Exchange host cache.
    pub fn collector(mut self, collector: Collector) -> Self {
        self.collector = Some(collector);
        self
    }

    /// Record snapshots, results and runs in `store`, and compare with its previous results.
    pub fn store(mut self, store: Arc<Store>) -> Self {
        self.store = Some(store);
        self
    }

    /// The templates that template standards (`ConditionalAccessTemplate`, `IntuneTemplate`,
    /// `TransportRuleTemplate`, `GroupTemplate`) name by id. Without a library those
    /// standards report `unsupported`.
    pub fn template_library(mut self, library: Arc<TemplateLibrary>) -> Self {
        self.library = Some(library);
        self
    }

    /// Tenants in flight at once (default 8; at least 1).
    pub fn concurrency(mut self, n: usize) -> Self {
        self.concurrency = n.max(1);
        self
    }

    /// Comparison options (strict mode).
    pub fn compare(mut self, options: CompareOptions) -> Self {
        self.compare = options;
        self
    }

    /// Called for every [`Progress`] event, from the task running the tenant.
    pub fn on_progress(mut self, f: impl Fn(&Progress) + Send + Sync + 'static) -> Self {
        self.progress = Some(ProgressHook(Arc::new(f)));
        self
    }

    /// Judge code standards that count days (inactive users, stale devices) as of this
    /// Unix time instead of the clock, for repeatable runs.
    pub fn as_of(mut self, unix_seconds: u64) -> Self {
        self.as_of = Some(unix_seconds);
        self
    }

    /// Let remediate runs write the plans of destructive code standards (those that disable
    /// users, guests or devices: [`Standard::destructive`]). Off by default: without it such
    /// a standard that drifted ends `remediation_failed` with nothing written, even when the
    /// template asks for remediation. Its plan still lists exactly the objects it would touch.
    pub fn allow_destructive(mut self, allow: bool) -> Self {
        self.allow_destructive = allow;
        self
    }

    /// The runner.
    pub fn build(self) -> StandardsRunner {
        let collector = self
            .collector
            .unwrap_or_else(|| Collector::new(self.pipeline.clone()));
        let definitions = self
            .definitions
            .unwrap_or_else(|| crate::Catalogue::builtin().definitions().to_vec())
            .into_iter()
            .map(|d| (d.name.to_ascii_lowercase(), d))
            .collect();
        StandardsRunner {
            pipeline: self.pipeline,
            collector,
            definitions: Arc::new(definitions),
            store: self.store,
            library: self.library,
            concurrency: self.concurrency,
            compare: self.compare,
            progress: self.progress,
            as_of: self.as_of,
            allow_destructive: self.allow_destructive,
        }
    }
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// One instance being worked on.
struct Work<'a> {
    merged: Merged,
    def: Option<&'a Definition>,
    /// A code standard, when the name has no usable definition but one in Rust.
    code: Option<&'static dyn Standard>,
    result: StandardResult,
}

impl StandardsRunner {
    /// The definition named `standard` (any case).
    pub fn definition(&self, standard: &str) -> Option<&Definition> {
        self.definitions.get(&standard.to_ascii_lowercase())
    }

    /// The code standard that runs `standard`: a built-in one of that name (any case) when
    /// the definitions have none the engine can run from data (none at all, or a custom
    /// one, as CIPP's own `ActivityBasedTimeout` file is).
    pub fn code_standard(&self, standard: &str) -> Option<&'static dyn Standard> {
        let usable = self
            .definition(standard)
            .is_some_and(Definition::runs_from_data);
        if usable {
            None
        } else {
            code::find(standard)
        }
    }

    fn input<'a>(
        &self,
        settings: &'a serde_json::Map<String, Value>,
        snapshot: &'a Snapshot,
        target: &'a Target,
    ) -> code::Input<'a> {
        let input = code::Input::new(settings, snapshot, &target.context);
        match self.as_of {
            Some(t) => input.as_of(t),
            None => input,
        }
    }

    /// Run `templates` (oldest first, as CIPP orders them) over the `targets` they reach, in
    /// `mode`. Never fails as a whole: a tenant that cannot be run carries its error.
    pub async fn run(
        &self,
        templates: &[StandardsTemplate],
        targets: &[Target],
        mode: Mode,
    ) -> RunReport {
        let started_at = now();
        let mut store_error = None;
        let run_id = match &self.store {
            Some(store) => match store.begin_run(started_at, mode.as_str()) {
                Ok(id) => Some(id),
                Err(e) => {
                    store_error = Some(e.to_string());
                    None
                }
            },
            None => None,
        };
        let reached: Vec<(&Target, Vec<Merged>, Vec<Conflict>)> = targets
            .iter()
            .filter_map(|t| {
                let plan = merge(templates, &t.identity);
                (!plan.standards.is_empty()).then_some((t, plan.standards, plan.conflicts))
            })
            .collect();
        let total = reached.len();
        // The futures are made before the stream so that the stream holds no closure over
        // borrowed data (which keeps the whole run `Send` for callers that spawn it).
        let runs: Vec<_> = reached
            .into_iter()
            .enumerate()
            .map(|(i, (target, merged, conflicts))| {
                self.run_tenant(run_id, target, merged, conflicts, mode, i + 1, total)
            })
            .collect();
        let mut tenants: Vec<TenantReport> = stream::iter(runs)
            .buffer_unordered(self.concurrency)
            .collect()
            .await;
        tenants.sort_by(|a, b| {
            a.tenant
                .to_ascii_lowercase()
                .cmp(&b.tenant.to_ascii_lowercase())
        });
        let summary = Summary::of(tenants.iter().flat_map(|t| &t.results));
        let report = RunReport {
            schema: REPORT_SCHEMA,
            run_id,
            mode,
            started_at,
            finished_at: now(),
            templates: templates.iter().map(|t| t.id.clone()).collect(),
            tenants,
            summary,
            store_error,
        };
        if let (Some(store), Some(id)) = (&self.store, run_id) {
            let brief = serde_json::json!({
                "tenants": report.tenants.len(),
                "summary": report.summary,
            });
            if let Err(e) = store.finish_run(id, report.finished_at, &brief) {
                return RunReport {
                    store_error: Some(e.to_string()),
                    ..report
                };
            }
        }
        report
    }

    fn emit(&self, p: Progress) {
        if let Some(ProgressHook(f)) = &self.progress {
            f(&p);
        }
    }

    #[allow(clippy::too_many_arguments)]
    async fn run_tenant(
        &self,
        run_id: Option<i64>,
        target: &Target,
        merged: Vec<Merged>,
        conflicts: Vec<Conflict>,
        mode: Mode,
        index: usize,
        total: usize,
    ) -> TenantReport {
        let tenant = target.name().to_string();
        self.emit(Progress::TenantStarted {
            tenant: tenant.clone(),
            index,
            total,
        });
        let mut report = TenantReport {
            tenant: tenant.clone(),
            tenant_id: target.identity.id.clone(),
            error: None,
            store_error: None,
            conflicts,
            results: Vec::new(),
            read_round_trips: 0,
            writes: 0,
            summary: Summary::default(),
        };
        let mut work: Vec<Work<'_>> = merged
            .into_iter()
            .map(|m| {
                let code = self.code_standard(&m.instance.standard);
                let def = self
                    .definition(&m.instance.standard)
                    .filter(|_| code.is_none());
                let label = match code {
                    Some(c) => Some(c.label().to_string()),
                    None => def.map(|d| d.label.clone()).filter(|l| !l.is_empty()),
                };
                let result = StandardResult {
                    standard: m.instance.standard.clone(),
                    key: m.instance.key.clone(),
                    label,
                    template: m.template.clone(),
                    actions: m.instance.actions,
                    state: State::Unsupported,
                    outcome: None,
                    error: None,
                    planned: Vec::new(),
                    remediation: None,
                    alerted: false,
                    since_last: None,
                };
                Work {
                    merged: m,
                    def,
                    code,
                    result,
                }
            })
            .collect();

        let all: Vec<&Definition> = work.iter().filter_map(|w| w.def).collect();
        let codes: Vec<&dyn Standard> = work.iter().filter_map(|w| w.code).collect();
        match self.collect(&tenant, &all, &codes).await {
            Ok(snapshot) => {
                report.read_round_trips += snapshot.round_trips;
                self.evaluate_all(&mut work, &snapshot, target, mode);
                self.evaluate_templates(&mut work, &snapshot, target, mode)
                    .await;
                if mode == Mode::Remediate {
                    report.writes = self.remediate(&mut work, target, &mut report).await;
                }
            }
            Err(e) => report.error = Some(e),
        }
        report.results = work.into_iter().map(|w| w.result).collect();
        if report.error.is_none() {
            self.record(run_id, &mut report);
        }
        report.summary = Summary::of(&report.results);
        for r in &report.results {
            self.emit(Progress::Standard {
                tenant: tenant.clone(),
                standard: r.instance(),
                state: r.state,
            });
        }
        self.emit(Progress::TenantFinished {
            tenant,
            summary: report.summary.clone(),
            error: report.error.clone(),
        });
        report
    }

    /// One snapshot of every cache type `defs` read (that the registry knows), with the
    /// licence read when a standard is gated. Saved in the store when there is one.
    async fn collect(
        &self,
        tenant: &str,
        defs: &[&Definition],
        codes: &[&dyn Standard],
    ) -> Result<Snapshot, String> {
        let registry = self.collector.registry();
        let mut types: BTreeSet<&str> = defs
            .iter()
            .filter_map(|d| d.read.as_ref())
            .map(|r| r.cache_type.as_str())
            .filter(|t| registry.get(t).is_some())
            .collect();
        if defs.iter().any(|d| !d.required_capabilities.is_empty()) {
            types.insert(LICENCE_TYPE);
        }
        types.extend(
            code::cache_types(codes.iter().copied())
                .into_iter()
                .filter(|t| registry.get(t).is_some()),
        );
        let types: Vec<&str> = types.into_iter().collect();
        let snapshot = self
            .collector
            .collect(tenant, &types)
            .await
            .map_err(|e| e.to_string())?;
        if let Some(store) = &self.store {
            // A snapshot that cannot be kept does not stop the run; its results say so.
            let _ = store.save(&snapshot);
        }
        Ok(snapshot)
    }

    fn evaluate_all(
        &self,
        work: &mut [Work<'_>],
        snapshot: &Snapshot,
        target: &Target,
        mode: Mode,
    ) {
        for w in work.iter_mut() {
            self.judge(w, snapshot, target, mode);
        }
    }

    /// One instance over the snapshot: its state, outcome and, when it drifted, its plan.
    /// Template standards are left to [`Self::evaluate_templates`].
    fn judge(&self, w: &mut Work<'_>, snapshot: &Snapshot, target: &Target, mode: Mode) {
        let settings = &w.merged.instance.settings;
        if let Some(standard) = w.code {
            self.judge_code(w, standard, snapshot, target, mode);
            return;
        }
        let Some(def) = w.def else {
            w.result.outcome = Some(Outcome::Unsupported {
                reason: format!("no definition named '{}'", w.result.standard),
            });
            return;
        };
        if templated::is_templated(def) {
            return; // evaluate_templates reads the tenant for these
        }
        match evaluate(def, settings, snapshot, &target.context, self.compare) {
            Ok(e) => {
                w.result.state = State::of(&e.outcome);
                if w.result.state == State::Drifted {
                    w.result.alerted = mode >= Mode::Alert && w.result.actions.alert;
                    match plan_for(def, settings, snapshot, &target.context) {
                        Ok(Some(steps)) => w.result.planned = steps,
                        Ok(None) => {}
                        Err(e) => w.result.error = Some(e.to_string()),
                    }
                }
                w.result.outcome = Some(e.outcome);
            }
            Err(e) => {
                w.result.state = State::Error;
                w.result.error = Some(e.to_string());
            }
        }
    }

    /// The cache types an instance's judgement rests on (template standards: none, they
    /// compare against the tenant when they deploy).
    fn reads_of(w: &Work<'_>) -> Vec<String> {
        match (w.code, w.def) {
            // The licence read is not what a standard writes.
            (Some(standard), _) => standard
                .cache_types()
                .iter()
                .map(|t| t.to_string())
                .collect(),
            (None, Some(def)) if !templated::is_templated(def) => {
                def.read.iter().map(|r| r.cache_type.clone()).collect()
            }
            _ => Vec::new(),
        }
    }

    /// Write what drifted and asks for remediation, one standard after another (several
    /// standards may write the same object), planning a standard again from a fresh read
    /// when an earlier write made its plan stale; then read the touched cache types once and
    /// confirm. Returns the number of steps executed.
    async fn remediate(
        &self,
        work: &mut [Work<'_>],
        target: &Target,
        report: &mut TenantReport,
    ) -> usize {
        let tenant = target.name();
        let mut writes = 0;
        let mut pending = Vec::new();
        // Every plan was made from the snapshot taken before the first write. What the writes
        // since have changed: the cache types read by standards that created, removed or
        // replaced objects, and each property set (object, property).
        let mut reshaped: BTreeSet<String> = BTreeSet::new();
        let mut set: BTreeSet<(String, String)> = BTreeSet::new();
        for (i, w) in work.iter_mut().enumerate() {
            if w.result.state != State::Drifted || !w.result.actions.remediate {
                continue;
            }
            let reads = Self::reads_of(w);
            let stale = reads.iter().any(|t| reshaped.contains(t))
                || w.result
                    .planned
                    .iter()
                    .flat_map(Step::sets)
                    .any(|p| set.contains(&p));
            if stale {
                // An earlier standard created or removed objects this plan was read from, or
                // set a property this plan sets: plan again from a fresh read, so the write
                // neither creates an object twice (two standards that each create the
                // tenant's one global policy) nor undoes the earlier write from stale data.
                // Property writes to other properties leave a plan valid, and cost no read.
                let defs: Vec<&Definition> = w.def.into_iter().collect();
                let codes: Vec<&dyn Standard> = w.code.into_iter().collect();
                match self.collect(tenant, &defs, &codes).await {
                    Ok(fresh) => {
                        report.read_round_trips += fresh.round_trips;
                        w.result.planned.clear();
                        w.result.error = None;
                        self.judge(w, &fresh, target, Mode::Remediate);
                        if w.result.state != State::Drifted {
                            continue;
                        }
                    }
                    Err(e) => {
                        w.result.state = State::RemediationFailed;
                        w.result.error = Some(format!("the fresh read before writing failed: {e}"));
                        continue;
                    }
                }
            }
            let before = w.result.outcome.clone().unwrap_or(Outcome::Unsupported {
                reason: String::new(),
            });
            if w.code.is_some_and(|c| c.destructive()) && !self.allow_destructive {
                w.result.state = State::RemediationFailed;
                w.result.error = Some(format!(
                    "destructive: remediation would change {} object(s); the runner must be \
                     built with allow_destructive(true) to write it",
                    w.result.planned.len()
                ));
                continue;
            }
            if w.result.planned.is_empty() {
                w.result.state = State::RemediationFailed;
                w.result.error.get_or_insert_with(|| {
                    "the standard has no declarative remediation".to_string()
                });
                continue;
            }
            let steps = apply_with(
                &self.pipeline,
                tenant,
                &w.result.planned,
                self.library.as_deref(),
            )
            .await;
            let done: Vec<&Step> = steps
                .iter()
                .filter(|s| !s.skipped)
                .map(|s| &s.step)
                .collect();
            if done.iter().any(|s| s.reshapes()) {
                reshaped.extend(reads);
            }
            set.extend(done.iter().flat_map(|s| s.sets()));
            writes += done.len();
            // A failed step the definition lets pass (`continueOnError`) does not fail the
            // standard: the confirming read decides. Its error stays in the step outcomes.
            let failed = steps
                .iter()
                .filter(|s| !s.step.continues_on_error())
                .find_map(|s| s.error.clone());
            w.result.remediation = Some(Remediation {
                before,
                steps,
                confirmed: false,
            });
            match failed {
                Some(e) => {
                    w.result.state = State::RemediationFailed;
                    w.result.error = Some(e);
                }
                None => pending.push(i),
            }
        }
        if pending.is_empty() {
            return writes;
        }
        let (templates, pending): (Vec<usize>, Vec<usize>) = pending
            .into_iter()
            .partition(|&i| work[i].def.is_some_and(templated::is_templated));
        if !templates.is_empty() {
            self.confirm_templates(work, &templates, tenant).await;
        }
        if pending.is_empty() {
            return writes;
        }
        let defs: Vec<&Definition> = pending.iter().filter_map(|&i| work[i].def).collect();
        let codes: Vec<&dyn Standard> = pending.iter().filter_map(|&i| work[i].code).collect();
        let snapshot = match self.collect(tenant, &defs, &codes).await {
            Ok(s) => s,
            Err(e) => {
                for &i in &pending {
                    work[i].result.state = State::Unconfirmed;
                    work[i].result.error =
                        Some(format!("written; the confirming read failed: {e}"));
                }
                return writes;
            }
        };
        report.read_round_trips += snapshot.round_trips;
        for &i in &pending {
            let w = &mut work[i];
            if let Some(standard) = w.code {
                let settings = &w.merged.instance.settings;
                match code::assess(standard, &self.input(settings, &snapshot, target)) {
                    Ok(a) => {
                        let confirmed = matches!(a.outcome, Outcome::Compliant { .. });
                        w.result.state = if confirmed {
                            State::Remediated
                        } else {
                            State::Unconfirmed
                        };
                        if let Some(r) = &mut w.result.remediation {
                            r.confirmed = confirmed;
                        }
                        w.result.outcome = Some(a.outcome);
                    }
                    Err(e) => {
                        w.result.state = State::Unconfirmed;
                        w.result.error = Some(e.to_string());
                    }
                }
                continue;
            }
            let Some(def) = w.def else { continue };
            match evaluate(
                def,
                &w.merged.instance.settings,
                &snapshot,
                &target.context,
                self.compare,
            ) {
                Ok(e) => {
                    let confirmed = matches!(e.outcome, Outcome::Compliant { .. });
                    w.result.state = if confirmed {
                        State::Remediated
                    } else {
                        State::Unconfirmed
                    };
                    if let Some(r) = &mut w.result.remediation {
                        r.confirmed = confirmed;
                    }
                    w.result.outcome = Some(e.outcome);
                }
                Err(e) => {
                    w.result.state = State::Unconfirmed;
                    w.result.error = Some(e.to_string());
                }
            }
        }
        writes
    }

    /// A code standard: judged over the snapshot, its plan kept when it drifted.
    fn judge_code(
        &self,
        w: &mut Work<'_>,
        standard: &dyn Standard,
        snapshot: &Snapshot,
        target: &Target,
        mode: Mode,
    ) {
        let settings = &w.merged.instance.settings;
        match code::assess(standard, &self.input(settings, snapshot, target)) {
            Ok(a) => {
                w.result.state = State::of(&a.outcome);
                if w.result.state == State::Drifted {
                    w.result.alerted = mode >= Mode::Alert && w.result.actions.alert;
                    w.result.planned = a.steps;
                }
                w.result.outcome = Some(a.outcome);
            }
            Err(e) => {
                w.result.state = State::Error;
                w.result.error = Some(e.to_string());
            }
        }
    }

    /// Template standards: compare each named template with the tenant (one client, so each
    /// policy collection is read once per tenant).
    async fn evaluate_templates(
        &self,
        work: &mut [Work<'_>],
        snapshot: &Snapshot,
        target: &Target,
        mode: Mode,
    ) {
        let client = TemplateClient::new(self.pipeline.clone(), target.name());
        for w in work.iter_mut() {
            let Some(def) = w.def.filter(|d| templated::is_templated(d)) else {
                continue;
            };
            let outcome = match licence_gap(def, snapshot) {
                Some(gap) => gap,
                None => {
                    match templated::task(def, &w.merged.instance.settings, self.library.as_deref())
                    {
                        Err(TaskError::NoLibrary) => Outcome::Unsupported {
                            reason: "a template standard needs a template library \
                                 (template_library, --templates DIR)"
                                .into(),
                        },
                        Err(TaskError::Settings(e)) => {
                            w.result.state = State::Error;
                            w.result.error = Some(e);
                            continue;
                        }
                        Ok(task) => match client.compare(task.template, &task.options).await {
                            Ok(c) => {
                                let o = templated::outcome(task.template, c);
                                if matches!(o, Outcome::Drifted { .. }) {
                                    w.result.planned = vec![templated::step(&task)];
                                }
                                o
                            }
                            Err(e) => Outcome::NoData {
                                cache_type: def
                                    .read
                                    .as_ref()
                                    .map(|r| r.cache_type.clone())
                                    .unwrap_or_default(),
                                reason: e.to_string(),
                            },
                        },
                    }
                }
            };
            w.result.state = State::of(&outcome);
            w.result.alerted =
                w.result.state == State::Drifted && mode >= Mode::Alert && w.result.actions.alert;
            w.result.outcome = Some(outcome);
        }
    }

    /// Compare the deployed templates again with a fresh read.
    async fn confirm_templates(&self, work: &mut [Work<'_>], indices: &[usize], tenant: &str) {
        let client = TemplateClient::new(self.pipeline.clone(), tenant);
        for &i in indices {
            let w = &mut work[i];
            let Some(def) = w.def else { continue };
            let Ok(task) =
                templated::task(def, &w.merged.instance.settings, self.library.as_deref())
            else {
                continue;
            };
            match client.compare(task.template, &task.options).await {
                Ok(c) => {
                    let confirmed = c.is_equal();
                    w.result.state = if confirmed {
                        State::Remediated
                    } else {
                        State::Unconfirmed
                    };
                    if let Some(r) = &mut w.result.remediation {
                        r.confirmed = confirmed;
                    }
                    w.result.outcome = Some(templated::outcome(task.template, c));
                }
                Err(e) => {
                    w.result.state = State::Unconfirmed;
                    w.result.error = Some(format!("deployed; the confirming read failed: {e}"));
                }
            }
        }
    }

    /// Compare with the previous stored results, then store these (one transaction).
    fn record(&self, run_id: Option<i64>, report: &mut TenantReport) {
        let (Some(store), Some(run_id)) = (&self.store, run_id) else {
            return;
        };
        let stored = |report: &mut TenantReport| -> Result<(), cipp_snapshot::SnapshotError> {
            let previous: BTreeMap<String, StoredResult> = store
                .latest_results(&report.tenant, Some(run_id))?
                .into_iter()
                .map(|r| (r.standard.to_ascii_lowercase(), r))
                .collect();
            for r in &mut report.results {
                if let Some(p) = previous.get(&r.instance().to_ascii_lowercase()) {
                    let state = State::parse(&p.state).unwrap_or(State::Error);
                    let before = p
                        .body
                        .get("outcome")
                        .and_then(|o| o.get("current"))
                        .cloned();
                    // Remediated last time and compliant now is no change.
                    let changed =
                        state.aligned() != r.state.aligned() || before.as_ref() != r.current();
                    r.since_last = Some(SinceLast {
                        run_id: p.run_id,
                        state,
                        changed,
                    });
                }
            }
            let at = now();
            let rows = report
                .results
                .iter()
                .map(|r| {
                    let body = serde_json::to_value(r).unwrap_or(Value::Null);
                    StoredResult::new(
                        run_id,
                        &report.tenant,
                        r.instance(),
                        r.state.as_str(),
                        at,
                        body,
                    )
                })
                .collect::<Vec<_>>();
            store.save_results(&rows)
        };
        if let Err(e) = stored(report) {
            report.store_error = Some(e.to_string());
        }
    }
}
