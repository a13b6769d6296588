//! `client.alerts`: the rule catalogue, runs over managed tenants (deduplicated through a
//! store, one digest per destination) and snoozes, as promises. Configurations go in as
//! CIPP-style JSON (an object or JSON text); a run resolves to an `AlertReport` whose
//! `toJSON()` is the documented JSON shape.

use cipp::alerts::{catalogue, time, AlertConfig, SnoozeDuration};
use cipp::{AlertsOptions, Cipp, Error as CippError};
use napi::bindgen_prelude::*;
use napi_derive::napi;
use serde_json::Value;

use crate::{invalid, OrJs};

/// Options of `alerts.run`.
#[napi(object)]
pub struct AlertRunOptions {
    /// Only these tenants (GUIDs or domains); default: every managed tenant.
    pub tenants: Option<Vec<String>>,
    /// A SQLite file: deduplication, re-send intervals, snoozes and history.
    pub store: Option<String>,
    /// Tenants in flight at once (default 8).
    pub concurrency: Option<u32>,
    /// Judge tenants at this time: RFC 3339 text or unix seconds.
    pub as_of: Option<Value>,
    /// Standards alignment per tenant (percent), for LowTenantAlignment.
    pub alignment: Option<std::collections::HashMap<String, f64>>,
    /// A standards run report (alert mode): its flagged standards feed StandardsAlerts and its
    /// alignment LowTenantAlignment.
    pub standards: Option<Value>,
}

/// Options of `alerts.snooze`.
#[napi(object)]
pub struct SnoozeOptions {
    /// 7, 14, 30, 90, or -1 for ever (default 7).
    pub days: Option<i64>,
    /// Why (kept with the snooze).
    pub reason: Option<String>,
    /// Who snoozed it.
    pub by: Option<String>,
}

/// Alerts: the catalogue, runs and snoozes.
#[napi]
pub struct Alerts {
    pub(crate) cipp: Cipp,
}

fn config(value: Value) -> Result<AlertConfig> {
    let text = match value {
        Value::String(text) => text,
        other => other.to_string(),
    };
    AlertConfig::from_json(&text, "config")
        .map_err(CippError::from)
        .js()
}

fn instant(value: &Value) -> Result<i64> {
    match value {
        Value::Number(n) => n
            .as_i64()
            .ok_or_else(|| invalid("asOf", format!("{n} is not whole unix seconds"))),
        Value::String(s) => time::parse(s).ok_or_else(|| {
            invalid(
                "asOf",
                format!("'{s}' is not a date (2026-11-01T00:00:00Z) or unix seconds"),
            )
        }),
        other => Err(invalid(
            "asOf",
            format!("{other} is not a date or unix seconds"),
        )),
    }
}

fn open_store(path: &str) -> Result<cipp::snapshot::Store> {
    cipp::snapshot::Store::open(path).map_err(|e| invalid("store", e.to_string()))
}

#[napi]
impl Alerts {
    /// The alert rules: name, description, parameters (with defaults), the cache types each
    /// reads and the fields of its findings.
    #[napi]
    pub fn catalogue(&self) -> Value {
        serde_json::to_value(catalogue::all()).unwrap_or_default()
    }

    /// Run the rules of `config` (default: every rule that needs no parameters, no
    /// destinations) over every managed tenant, or only `options.tenants`.
    #[napi]
    pub async fn run(
        &self,
        config: Option<Value>,
        options: Option<AlertRunOptions>,
    ) -> Result<AlertReport> {
        let mut o = AlertsOptions::default();
        if let Some(c) = config.filter(|c| !c.is_null()) {
            o = o.config(self::config(c)?);
        }
        if let Some(opts) = options {
            if let Some(t) = opts.tenants {
                o = o.tenants(t);
            }
            if let Some(s) = opts.store {
                o = o.store(s);
            }
            if let Some(n) = opts.concurrency {
                o = o.concurrency(n as usize);
            }
            if let Some(at) = &opts.as_of {
                o = o.as_of(instant(at)?);
            }
            if let Some(a) = opts.alignment {
                o = o.alignment(a);
            }
            if let Some(report) = opts.standards {
                let report: cipp::standards::RunReport =
                    serde_json::from_value(report).map_err(|e| {
                        invalid("standards", format!("not a standards run report: {e}"))
                    })?;
                o = o.standards(&report);
            }
        }
        let report = self.cipp.run_alerts(&o).await.js()?;
        Ok(AlertReport { inner: report })
    }

    /// Hold back one finding (the `hash` a report shows) of `rule` in `tenant`.
    #[napi]
    pub fn snooze(
        &self,
        store: String,
        rule: String,
        tenant: String,
        hash: String,
        options: Option<SnoozeOptions>,
    ) -> Result<Value> {
        let (days, reason, by) = match options {
            Some(o) => (o.days.unwrap_or(7), o.reason, o.by),
            None => (7, None, None),
        };
        let duration = SnoozeDuration::from_days(days)
            .map_err(CippError::from)
            .js()?;
        let snooze = cipp::alerts::snooze_hash(
            &open_store(&store)?,
            &rule,
            &tenant,
            &hash,
            duration,
            time::now(),
            by.as_deref().unwrap_or(""),
            reason.as_deref().unwrap_or(""),
        )
        .map_err(CippError::from)
        .js()?;
        Ok(serde_json::to_value(snooze).unwrap_or_default())
    }

    /// The snoozes in force in `store` (only `tenant`'s when given).
    #[napi]
    pub fn snoozes(&self, store: String, tenant: Option<String>) -> Result<Value> {
        let snoozes = open_store(&store)?
            .alert_snoozes(tenant.as_deref(), time::now().max(0) as u64)
            .map_err(|e| invalid("store", e.to_string()))?;
        Ok(serde_json::to_value(snoozes).unwrap_or_default())
    }
}

/// The report of one alert run.
#[napi]
pub struct AlertReport {
    inner: cipp::alerts::AlertReport,
}

#[napi]
impl AlertReport {
    /// The report as a plain object (the documented JSON shape).
    #[napi(js_name = "toJSON")]
    pub fn to_json(&self) -> Value {
        serde_json::to_value(&self.inner).unwrap_or_default()
    }

    /// The report as Markdown.
    #[napi]
    pub fn to_markdown(&self) -> String {
        self.inner.to_markdown()
    }

    /// Counts: `tenants`, `findings`, `delivered`, `suppressed`, `snoozed`, `errors`...
    #[napi(getter)]
    pub fn summary(&self) -> Value {
        serde_json::to_value(&self.inner.summary).unwrap_or_default()
    }

    /// One object per tenant: `tenant`, `error`, `rules` (each with its findings).
    #[napi(getter)]
    pub fn tenants(&self) -> Value {
        serde_json::to_value(&self.inner.tenants).unwrap_or_default()
    }

    /// One object per destination that had something to send.
    #[napi(getter)]
    pub fn deliveries(&self) -> Value {
        serde_json::to_value(&self.inner.deliveries).unwrap_or_default()
    }

    /// Every finding of the run, flat: `rule`, `tenant`, `title`, `data`, `hash`,
    /// `disposition`, `delivered`.
    #[napi]
    pub fn findings(&self) -> Value {
        let rows: Vec<&cipp::alerts::FindingOutcome> = self
            .inner
            .tenants
            .iter()
            .flat_map(|t| t.findings())
            .collect();
        serde_json::to_value(rows).unwrap_or_default()
    }
}
