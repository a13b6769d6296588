//! Standards runs from the facade: a runner over this client's pipeline and collector, and
//! run targets made from the managed-tenant directory (so template tenant filters, tenant
//! groups and `%tenantid%`-style tokens resolve as CIPP resolves them).

use std::path::PathBuf;
use std::sync::Arc;

use cipp_core::Error;
use cipp_gdap::ManagedTenant;
use cipp_snapshot::Store;
use cipp_standards::{
    Catalogue, CompareOptions, Definition, Mode, Progress, RunReport, StandardsRunner,
    StandardsRunnerBuilder, StandardsTemplate, Target,
};
use cipp_templates::TemplateLibrary;
use serde_json::Value;

use crate::client::Cipp;

/// The run target for a managed tenant.
pub fn target_of(t: &ManagedTenant) -> Target {
    cipp_scheduler::managed_target(t)
}

impl Cipp {
    /// A standards runner sending through this client (and sharing its Exchange host cache).
    ///
    /// ```no_run
    /// # async fn run(cipp: cipp::Cipp, template_json: &str) -> Result<(), Box<dyn std::error::Error>> {
    /// use cipp::standards::{Mode, StandardsTemplate};
    /// let template = StandardsTemplate::from_json(template_json, "baseline.json")?;
    /// let targets = cipp.standards_targets().await?;
    /// let report = cipp.standards().build().run(&[template], &targets, Mode::Report).await;
    /// println!("{}", report.to_markdown());
    /// # Ok(()) }
    /// ```
    pub fn standards(&self) -> StandardsRunnerBuilder {
        StandardsRunner::builder(self.pipeline().clone()).collector(self.collector())
    }

    /// A run target for every managed tenant.
    pub async fn standards_targets(&self) -> Result<Vec<Target>, Error> {
        Ok(self.tenants().await?.iter().map(target_of).collect())
    }

    /// The run target for one managed tenant (GUID, default or initial domain).
    pub async fn standards_target(&self, tenant: &str) -> Result<Target, Error> {
        Ok(target_of(&self.managed_tenant(tenant).await?))
    }
}

/// One standard of [`StandardsOptions::catalogue`].
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[non_exhaustive]
pub struct CatalogueEntry {
    /// CIPP's name, as templates key it.
    pub name: String,
    /// A title for people.
    pub label: String,
    /// CIPP's category.
    pub category: String,
    /// CIPP's impact rating, when the definition has one.
    pub impact: Option<String>,
    /// `definition` (run from a definition file), `code` (a built-in code standard) or
    /// `unsupported` (a definition the engine cannot run yet; a run reports it so).
    pub kind: &'static str,
    /// The definition's executor (`GraphRequest`, `ExoRequest`...).
    pub executor: Option<String>,
    /// The cache types it reads.
    pub reads: Vec<String>,
    /// Its variables (definitions) or settings with defaults (code standards).
    pub settings: Value,
    /// Service plans of which the tenant needs one.
    pub required_capabilities: Vec<String>,
    /// Remediation disables objects; runs need `allow_destructive`.
    pub destructive: bool,
}

/// A progress callback, shared.
pub type ProgressCallback = Arc<dyn Fn(&Progress) + Send + Sync>;

/// What front ends (the CLI, Python, Node) choose for [`Cipp::run_standards`]. Everything is
/// optional: the built-in catalogue, every managed tenant, no store, 8 tenants at once,
/// CIPP's loose comparison.
#[derive(Clone, Default)]
#[non_exhaustive]
pub struct StandardsOptions {
    /// A folder of definition files instead of the built-in catalogue.
    pub definitions: Option<PathBuf>,
    /// Tenants to run (GUIDs or domains of managed tenants) instead of all of them.
    pub tenants: Option<Vec<String>>,
    /// A folder of Conditional Access / Intune template files (CIPP's format) that template
    /// standards name by id.
    pub templates: Option<PathBuf>,
    /// A SQLite store for snapshots, results and drift since the last run.
    pub store: Option<PathBuf>,
    /// Tenants in flight at once.
    pub concurrency: Option<usize>,
    /// Exact comparison.
    pub strict: bool,
    /// Let remediation disable objects (users, guests, devices) that destructive code
    /// standards found; without it their plans are refused and nothing is written.
    pub allow_destructive: bool,
    /// Judge day-counting standards (inactive users, stale devices) at this time (unix
    /// seconds) instead of the collection time.
    pub as_of: Option<u64>,
    /// Called for every progress event.
    pub progress: Option<ProgressCallback>,
}

impl std::fmt::Debug for StandardsOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StandardsOptions")
            .field("definitions", &self.definitions)
            .field("tenants", &self.tenants)
            .field("templates", &self.templates)
            .field("store", &self.store)
            .field("concurrency", &self.concurrency)
            .field("strict", &self.strict)
            .field("allow_destructive", &self.allow_destructive)
            .field("as_of", &self.as_of)
            .field("progress", &self.progress.is_some())
            .finish()
    }
}

impl StandardsOptions {
    /// Use the definition files under `dir`.
    pub fn definitions(mut self, dir: impl Into<PathBuf>) -> Self {
        self.definitions = Some(dir.into());
        self
    }

    /// Run only these tenants.
    pub fn tenants(mut self, tenants: impl IntoIterator<Item = impl Into<String>>) -> Self {
        self.tenants = Some(tenants.into_iter().map(Into::into).collect());
        self
    }

    /// Deploy and compare template standards from the template files under `dir`.
    pub fn templates(mut self, dir: impl Into<PathBuf>) -> Self {
        self.templates = Some(dir.into());
        self
    }

    /// Keep everything in the store at `path`.
    pub fn store(mut self, path: impl Into<PathBuf>) -> Self {
        self.store = Some(path.into());
        self
    }

    /// Tenants in flight at once.
    pub fn concurrency(mut self, n: usize) -> Self {
        self.concurrency = Some(n);
        self
    }

    /// Exact comparison instead of CIPP's loose rules.
    pub fn strict(mut self, strict: bool) -> Self {
        self.strict = strict;
        self
    }

    /// Let remediation disable the objects destructive code standards found.
    pub fn allow_destructive(mut self, allow: bool) -> Self {
        self.allow_destructive = allow;
        self
    }

    /// Judge day-counting standards at `unix_seconds`.
    pub fn as_of(mut self, unix_seconds: u64) -> Self {
        self.as_of = Some(unix_seconds);
        self
    }

    /// Call `f` for every progress event.
    pub fn on_progress(mut self, f: impl Fn(&Progress) + Send + Sync + 'static) -> Self {
        self.progress = Some(Arc::new(f));
        self
    }

    /// Every standard a run with these options can run, one entry per name: the definitions
    /// the engine runs from data, then the code standards no such definition shadows.
    pub fn catalogue(&self) -> Result<Vec<CatalogueEntry>, Error> {
        let defs = self.load_definitions()?;
        let mut out: Vec<CatalogueEntry> = defs
            .iter()
            .filter(|d| d.runs_from_data() || cipp_standards::code::find(&d.name).is_none())
            .map(|d| CatalogueEntry {
                name: d.name.clone(),
                label: d.label.clone(),
                category: d.cat.clone(),
                impact: d.impact.clone(),
                kind: if d.runs_from_data() {
                    "definition"
                } else {
                    "unsupported"
                },
                executor: d.executor().map(str::to_string),
                reads: d
                    .read
                    .as_ref()
                    .map(|r| r.cache_type.clone())
                    .into_iter()
                    .collect(),
                settings: serde_json::to_value(&d.variables).unwrap_or_default(),
                required_capabilities: d.required_capabilities.clone(),
                destructive: false,
            })
            .collect();
        for c in cipp_standards::code::builtin() {
            let shadowed = defs
                .iter()
                .any(|d| d.name.eq_ignore_ascii_case(c.name()) && d.runs_from_data());
            if shadowed {
                continue;
            }
            out.retain(|e| !e.name.eq_ignore_ascii_case(c.name()));
            out.push(CatalogueEntry {
                name: c.name().to_string(),
                label: c.label().to_string(),
                category: c.category().to_string(),
                impact: None,
                kind: "code",
                executor: None,
                reads: c.cache_types().iter().map(|t| t.to_string()).collect(),
                settings: Value::Object(
                    c.settings()
                        .iter()
                        .map(|(k, v)| (k.to_string(), Value::String(v.to_string())))
                        .collect(),
                ),
                required_capabilities: c
                    .required_capabilities()
                    .iter()
                    .map(|s| s.to_string())
                    .collect(),
                destructive: c.destructive(),
            });
        }
        out.sort_by_key(|e| e.name.to_ascii_lowercase());
        Ok(out)
    }

    /// The definitions these options name.
    pub fn load_definitions(&self) -> Result<Vec<Definition>, Error> {
        match &self.definitions {
            Some(dir) => Definition::load_dir(dir)
                .map_err(|e| Error::invalid_input("definitions", e.to_string())),
            None => Ok(Catalogue::builtin().definitions().to_vec()),
        }
    }
}

impl Cipp {
    /// Run `templates` (oldest first) in `mode` over the managed tenants they reach, as
    /// `options` say. Fails only for bad options (definitions folder, store, unknown tenant);
    /// a tenant that cannot be run carries its error in the report.
    ///
    /// ```no_run
    /// # async fn run(cipp: cipp::Cipp, templates: Vec<cipp::standards::StandardsTemplate>) -> Result<(), cipp::Error> {
    /// use cipp::standards::Mode;
    /// use cipp::StandardsOptions;
    /// let options = StandardsOptions::default().tenants(["contoso.com"]).store("cipp.db");
    /// let report = cipp.run_standards(&templates, Mode::Report, &options).await?;
    /// std::fs::write("report.html", report.to_html()).ok();
    /// # Ok(()) }
    /// ```
    pub async fn run_standards(
        &self,
        templates: &[StandardsTemplate],
        mode: Mode,
        options: &StandardsOptions,
    ) -> Result<RunReport, Error> {
        let definitions = options.load_definitions()?;
        let targets = match &options.tenants {
            None => self.standards_targets().await?,
            Some(names) => {
                let mut out = Vec::with_capacity(names.len());
                for n in names {
                    out.push(self.standards_target(n).await?);
                }
                out
            }
        };
        let mut runner = self
            .standards()
            .definitions(definitions)
            .compare(if options.strict {
                CompareOptions::strict()
            } else {
                CompareOptions::default()
            });
        if let Some(n) = options.concurrency {
            runner = runner.concurrency(n);
        }
        if let Some(path) = &options.store {
            runner = runner.store(Arc::new(Store::open(path).map_err(Error::from)?));
        }
        if let Some(dir) = &options.templates {
            let library = TemplateLibrary::load(dir).map_err(Error::from)?;
            runner = runner.template_library(Arc::new(library));
        }
        if let Some(f) = options.progress.clone() {
            runner = runner.on_progress(move |p| f(p));
        }
        runner = runner.allow_destructive(options.allow_destructive);
        if let Some(at) = options.as_of {
            runner = runner.as_of(at);
        }
        Ok(runner.build().run(templates, &targets, mode).await)
    }
}
