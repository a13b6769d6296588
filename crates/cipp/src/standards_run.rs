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

use crate::client::Cipp;

/// The run target for a managed tenant.
pub fn target_of(t: &ManagedTenant) -> Target {
    Target::managed(
        t.customer_id.clone(),
        t.default_domain_name
            .clone()
            .unwrap_or_else(|| t.customer_id.clone()),
        t.initial_domain_name.clone(),
        Some(t.display_name.clone()),
        t.groups.clone(),
    )
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

    /// Call `f` for every progress event.
    pub fn on_progress(mut self, f: impl Fn(&Progress) + Send + Sync + 'static) -> Self {
        self.progress = Some(Arc::new(f));
        self
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
        Ok(runner.build().run(templates, &targets, mode).await)
    }
}
