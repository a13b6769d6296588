//! `client.standards`: the catalogue and standards template runs as promises. Templates go in
//! as CIPP's JSON (an object, an array, or JSON text); a run resolves to a `RunReport` whose
//! `toJSON()` is the documented JSON shape (so `JSON.stringify(report)` just works).

use cipp::standards::{Mode, StandardsTemplate};
use cipp::{Cipp, StandardsOptions};
use napi::bindgen_prelude::*;
use napi_derive::napi;
use serde_json::Value;

use crate::{invalid, OrJs};

/// Options of `standards.run` / `standards.plan`.
#[napi(object)]
pub struct RunOptions {
    /// `report` (default), `alert` or `remediate`.
    pub mode: Option<String>,
    /// Only these managed tenants (GUIDs or domains); default: every tenant the templates reach.
    pub tenants: Option<Vec<String>>,
    /// A folder of definition files instead of the built-in catalogue.
    pub definitions: Option<String>,
    /// A folder of Conditional Access / Intune template files that template standards name.
    pub policy_templates: Option<String>,
    /// A SQLite file keeping snapshots, results and drift since the last run.
    pub store: Option<String>,
    /// Tenants in flight at once (default 8).
    pub concurrency: Option<u32>,
    /// Exact comparison instead of CIPP's loose rules.
    pub strict: Option<bool>,
    /// Let remediation disable the users, guests and devices destructive standards found.
    pub allow_destructive: Option<bool>,
    /// Judge day-counting standards at this time (unix seconds).
    pub as_of: Option<i64>,
}

/// Standards: the catalogue and template runs over managed tenants.
#[napi]
pub struct Standards {
    pub(crate) cipp: Cipp,
}

fn options(o: &RunOptions) -> StandardsOptions {
    let mut s = StandardsOptions::default()
        .strict(o.strict.unwrap_or(false))
        .allow_destructive(o.allow_destructive.unwrap_or(false));
    if let Some(at) = o.as_of {
        s = s.as_of(at.max(0) as u64);
    }
    if let Some(t) = &o.tenants {
        s = s.tenants(t.clone());
    }
    if let Some(d) = &o.definitions {
        s = s.definitions(d);
    }
    if let Some(d) = &o.policy_templates {
        s = s.templates(d);
    }
    if let Some(p) = &o.store {
        s = s.store(p);
    }
    if let Some(n) = o.concurrency {
        s = s.concurrency(n as usize);
    }
    s
}

fn templates(value: Value) -> Result<Vec<StandardsTemplate>> {
    let value = match value {
        Value::String(text) => serde_json::from_str(&text)
            .map_err(|e| invalid("templates", format!("not JSON: {e}")))?,
        other => other,
    };
    StandardsTemplate::all_from_value(&value, "templates")
        .map_err(|e| invalid("templates", e.to_string()))
}

#[napi]
impl Standards {
    /// The standards a run can use, one object per name: name, label, category, impact,
    /// kind (`definition`, `code` or `unsupported`), executor, reads, settings,
    /// required_capabilities, destructive.
    #[napi]
    pub fn catalogue(&self, definitions: Option<String>) -> Result<Value> {
        let mut o = StandardsOptions::default();
        if let Some(d) = definitions {
            o = o.definitions(d);
        }
        Ok(serde_json::to_value(o.catalogue().js()?).unwrap_or_default())
    }

    /// Run templates over the managed tenants they reach.
    #[napi]
    pub async fn run(&self, templates: Value, options: Option<RunOptions>) -> Result<RunReport> {
        let options = options.unwrap_or(RunOptions {
            mode: None,
            tenants: None,
            definitions: None,
            policy_templates: None,
            store: None,
            concurrency: None,
            strict: None,
            allow_destructive: None,
            as_of: None,
        });
        let mode: Mode = options
            .mode
            .as_deref()
            .unwrap_or("report")
            .parse()
            .map_err(|e: String| invalid("mode", e))?;
        let templates = self::templates(templates)?;
        let report = self
            .cipp
            .run_standards(&templates, mode, &self::options(&options))
            .await
            .js()?;
        Ok(RunReport { inner: report })
    }
}

/// The report of one standards run.
#[napi]
pub struct RunReport {
    inner: cipp::standards::RunReport,
}

#[napi]
impl RunReport {
    /// The report as a plain object (the documented JSON shape).
    #[napi(js_name = "toJSON")]
    pub fn to_json(&self) -> Value {
        self.inner.to_json()
    }

    /// The report as Markdown.
    #[napi]
    pub fn to_markdown(&self) -> String {
        self.inner.to_markdown()
    }

    /// The report as one self-contained HTML page.
    #[napi]
    pub fn to_html(&self) -> String {
        self.inner.to_html()
    }

    /// `report`, `alert` or `remediate`.
    #[napi(getter)]
    pub fn mode(&self) -> String {
        self.inner.mode.as_str().to_string()
    }

    /// The store's run id, when a store was used.
    #[napi(getter)]
    pub fn run_id(&self) -> Option<i64> {
        self.inner.run_id
    }

    /// Counts over every tenant.
    #[napi(getter)]
    pub fn summary(&self) -> Value {
        serde_json::to_value(&self.inner.summary).unwrap_or_default()
    }

    /// One object per tenant: `tenant`, `error`, `results`, `summary`...
    #[napi(getter)]
    pub fn tenants(&self) -> Value {
        serde_json::to_value(&self.inner.tenants).unwrap_or_default()
    }
}
