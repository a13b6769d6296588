//! Alert runs from the facade: a runner over this client's pipeline and collector, run over
//! the managed tenants (or the ones named), with webhook secrets read from the environment
//! unless another secret store is given.

use std::path::PathBuf;
use std::sync::Arc;

use cipp_alerts::{AlertConfig, AlertReport, AlertRunner, AlertRunnerBuilder, Progress};
use cipp_core::secret_store::SecretStore;
use cipp_core::{EnvSecretStore, Error};
use cipp_snapshot::Store;
use serde_json::Value;

use crate::client::Cipp;

/// A progress callback for alert runs, shared.
pub type AlertProgressCallback = Arc<dyn Fn(&Progress) + Send + Sync>;

/// What front ends (the CLI, Python, Node) choose for [`Cipp::run_alerts`]. Everything is
/// optional: every rule that needs no parameters and no destination, every managed tenant,
/// no store (so no deduplication), 8 tenants at once, judged now.
#[derive(Clone, Default)]
#[non_exhaustive]
pub struct AlertsOptions {
    /// Rules, parameters, re-send intervals and destinations.
    pub config: Option<AlertConfig>,
    /// Tenants to run (GUIDs or domains) instead of every managed tenant.
    pub tenants: Option<Vec<String>>,
    /// A SQLite store: deduplication, snoozes and history.
    pub store: Option<PathBuf>,
    /// Tenants in flight at once.
    pub concurrency: Option<usize>,
    /// Judge tenants at this time (unix seconds) instead of now.
    pub as_of: Option<i64>,
    /// Standards alignment per tenant (percent), for LowTenantAlignment.
    pub alignment: Vec<(String, f64)>,
    /// Flagged standards results per tenant, for StandardsAlerts (see [`AlertsOptions::standards`]).
    pub standards: Vec<(String, Vec<Value>)>,
    /// Where webhook secrets come from (default: the environment).
    pub secrets: Option<Arc<dyn SecretStore>>,
    /// Called for every progress event.
    pub progress: Option<AlertProgressCallback>,
}

impl std::fmt::Debug for AlertsOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AlertsOptions")
            .field("config", &self.config.is_some())
            .field("tenants", &self.tenants)
            .field("store", &self.store)
            .field("concurrency", &self.concurrency)
            .field("as_of", &self.as_of)
            .field("alignment", &self.alignment.len())
            .field("standards", &self.standards.len())
            .field("secrets", &self.secrets.is_some())
            .field("progress", &self.progress.is_some())
            .finish()
    }
}

impl AlertsOptions {
    /// Use this configuration.
    pub fn config(mut self, config: AlertConfig) -> Self {
        self.config = Some(config);
        self
    }

    /// Run only these tenants.
    pub fn tenants(mut self, tenants: impl IntoIterator<Item = impl Into<String>>) -> Self {
        self.tenants = Some(tenants.into_iter().map(Into::into).collect());
        self
    }

    /// Deduplicate and keep snoozes in the store at `path`.
    pub fn store(mut self, path: impl Into<PathBuf>) -> Self {
        self.store = Some(path.into());
        self
    }

    /// Tenants in flight at once.
    pub fn concurrency(mut self, n: usize) -> Self {
        self.concurrency = Some(n);
        self
    }

    /// Judge tenants at `unix_seconds`.
    pub fn as_of(mut self, unix_seconds: i64) -> Self {
        self.as_of = Some(unix_seconds);
        self
    }

    /// Standards alignment per tenant, for LowTenantAlignment.
    pub fn alignment(mut self, scores: impl IntoIterator<Item = (String, f64)>) -> Self {
        self.alignment = scores.into_iter().collect();
        self
    }

    /// Feed a standards run to the alerts: its alignment per tenant (LowTenantAlignment) and
    /// the results it flagged in alert mode that are not compliant (StandardsAlerts), so
    /// standards alerts are deduplicated, snoozed and delivered like every other finding.
    pub fn standards(mut self, report: &cipp_standards::RunReport) -> Self {
        let json = report.to_json();
        for t in json["tenants"].as_array().into_iter().flatten() {
            let Some(tenant) = t["tenant"].as_str() else {
                continue;
            };
            if let Some(a) = t["summary"]["alignment"].as_f64() {
                self.alignment.push((tenant.to_string(), a));
            }
            let flagged: Vec<Value> = t["results"]
                .as_array()
                .into_iter()
                .flatten()
                .filter(|r| r["alerted"] == true && r["state"] != "compliant")
                .cloned()
                .collect();
            self.standards.push((tenant.to_string(), flagged));
        }
        self
    }

    /// Read webhook secrets from `store`.
    pub fn secrets(mut self, store: Arc<dyn SecretStore>) -> Self {
        self.secrets = Some(store);
        self
    }

    /// Call `f` for every progress event.
    pub fn on_progress(mut self, f: impl Fn(&Progress) + Send + Sync + 'static) -> Self {
        self.progress = Some(Arc::new(f));
        self
    }
}

impl Cipp {
    /// An alert runner sending through this client (and sharing its Exchange host cache).
    pub fn alerts(&self) -> AlertRunnerBuilder {
        AlertRunner::builder(self.pipeline().clone()).collector(self.collector())
    }

    /// Run the alert rules over the managed tenants, as `options` say. Fails only for bad
    /// options (configuration, store, an unknown tenant); a tenant that cannot be read and a
    /// digest that cannot be delivered are in the report.
    ///
    /// ```no_run
    /// # async fn run(cipp: cipp::Cipp) -> Result<(), cipp::Error> {
    /// use cipp::alerts::AlertConfig;
    /// use cipp::AlertsOptions;
    /// let config = AlertConfig::from_file("alerts.json").map_err(cipp::Error::from)?;
    /// let options = AlertsOptions::default().config(config).store("cipp.db");
    /// let report = cipp.run_alerts(&options).await?;
    /// print!("{}", report.to_markdown());
    /// # Ok(()) }
    /// ```
    pub async fn run_alerts(&self, options: &AlertsOptions) -> Result<AlertReport, Error> {
        let tenants: Vec<String> = match &options.tenants {
            Some(names) => names.clone(),
            None => self
                .tenants()
                .await?
                .into_iter()
                .map(|t| t.default_domain_name.unwrap_or(t.customer_id))
                .collect(),
        };
        let secrets: Arc<dyn SecretStore> = match &options.secrets {
            Some(s) => s.clone(),
            None => Arc::new(EnvSecretStore::new()),
        };
        let mut runner = self
            .alerts()
            .config(options.config.clone().unwrap_or_else(AlertConfig::defaults))
            .secrets(secrets)
            .alignment(options.alignment.iter().cloned())
            .standards_results(options.standards.iter().cloned());
        if let Some(n) = options.concurrency {
            runner = runner.concurrency(n);
        }
        if let Some(at) = options.as_of {
            runner = runner.as_of(at);
        }
        if let Some(path) = &options.store {
            runner = runner.store(Arc::new(Store::open(path).map_err(Error::from)?));
        }
        if let Some(f) = options.progress.clone() {
            runner = runner.on_progress(move |p| f(p));
        }
        let runner = runner.build().map_err(Error::from)?;
        Ok(runner.run(&tenants).await)
    }
}
