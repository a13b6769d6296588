//! `cipp alerts`: the alert catalogue with its parameters, and runs over one tenant or all of
//! them that deduplicate through a store and deliver one digest per destination.

use std::io::IsTerminal;
use std::path::PathBuf;

use cipp::Error;
use cipp_alerts::{catalogue, time, AlertConfig, AlertReport};
use clap::{Args, Subcommand};
use serde_json::{json, Value};

use crate::output;

/// `cipp alerts ...`
#[derive(Debug, Subcommand)]
pub enum AlertsCommand {
    /// The alert rules, with their parameters and output fields.
    List,
    /// Run the configured rules (default: every rule that needs no parameters).
    Run(RunArgs),
    /// Hold back one finding (by the hash a report shows) for 7, 14, 30 or 90 days, or -1
    /// for ever.
    Snooze {
        /// The store the runs use.
        #[arg(long, env = "CIPP_STORE")]
        store: PathBuf,
        /// The rule (`InactiveUsers`).
        #[arg(long)]
        rule: String,
        /// The tenant, as the report names it.
        #[arg(long, short)]
        tenant: String,
        /// The finding's content hash.
        #[arg(long)]
        hash: String,
        /// 7, 14, 30, 90, or -1 (forever).
        #[arg(long, default_value_t = 7, allow_hyphen_values = true)]
        days: i64,
        /// Why (kept with the snooze).
        #[arg(long, default_value = "")]
        reason: String,
    },
    /// Run audit-log rules (CIPP's stored JSON) over the unified audit log of the last hours;
    /// each matched record is processed once per store.
    Audit(super::alerts_audit::AuditArgs),
    /// The snoozes in force.
    Snoozes {
        /// The store the runs use.
        #[arg(long, env = "CIPP_STORE")]
        store: PathBuf,
        /// Only this tenant.
        #[arg(long, short)]
        tenant: Option<String>,
    },
}

/// `cipp alerts run` options.
#[derive(Debug, Args)]
pub struct RunArgs {
    /// Alert configuration (JSON: rules with parameters, destinations).
    #[arg(long)]
    config: Option<PathBuf>,
    /// One tenant (GUID or domain).
    #[arg(long, short, conflicts_with = "all")]
    tenant: Option<String>,
    /// Every managed tenant.
    #[arg(long)]
    all: bool,
    /// Deduplicate, keep snoozes and history in this SQLite store.
    #[arg(long, env = "CIPP_STORE")]
    store: Option<PathBuf>,
    /// Judge tenants at this time (RFC 3339) instead of now, e.g. to replay the simulator's
    /// demo data (laid out around 2026-11-01).
    #[arg(long)]
    as_of: Option<String>,
    /// Tenants in flight at once.
    #[arg(long, default_value_t = 8)]
    concurrency: usize,
    /// Standards alignment per tenant for LowTenantAlignment: a `cipp standards run --json`
    /// report, or a JSON object of tenant -> percent.
    #[arg(long)]
    alignment: Option<PathBuf>,
    /// A `cipp standards run --json` report (alert mode): its flagged, non-compliant standards
    /// become StandardsAlerts findings and its alignment feeds LowTenantAlignment.
    #[arg(long)]
    standards: Option<PathBuf>,
}

fn alert_error(e: cipp_alerts::AlertError) -> Error {
    let field = match &e {
        cipp_alerts::AlertError::Parameter { parameter, .. } => parameter.clone(),
        _ => "alerts".to_string(),
    };
    Error::invalid_input(field, e.to_string())
}

/// Run a subcommand.
pub async fn run(command: AlertsCommand, json_out: bool) -> Result<(), Error> {
    match command {
        AlertsCommand::List => {
            list(json_out);
            Ok(())
        }
        AlertsCommand::Run(args) => {
            let report = execute(&args).await?;
            if json_out {
                println!("{}", report.to_json());
            } else {
                print!("{}", report.to_markdown());
            }
            outcome(&report)
        }
        AlertsCommand::Snooze {
            store,
            rule,
            tenant,
            hash,
            days,
            reason,
        } => {
            let duration = cipp_alerts::SnoozeDuration::from_days(days).map_err(alert_error)?;
            let by = std::env::var("USER").unwrap_or_default();
            let snooze = cipp_alerts::snooze_hash(
                &open_store(&store)?,
                &rule,
                &tenant,
                &hash,
                duration,
                time::now(),
                &by,
                &reason,
            )
            .map_err(alert_error)?;
            let until = snooze.until;
            if json_out {
                output::print_json(&serde_json::to_value(&snooze).unwrap_or_default());
            } else {
                println!(
                    "{} in {tenant} snoozed {}",
                    snooze.rule,
                    until.map_or("forever".to_string(), |u| format!(
                        "until {}",
                        time::format(u as i64)
                    ))
                );
            }
            Ok(())
        }
        AlertsCommand::Audit(args) => super::alerts_audit::run(args, json_out).await,
        AlertsCommand::Snoozes { store, tenant } => {
            let snoozes = open_store(&store)?
                .alert_snoozes(tenant.as_deref(), time::now() as u64)
                .map_err(|e| Error::invalid_input("--store", e.to_string()))?;
            let rows: Vec<Value> = snoozes
                .iter()
                .map(|s| {
                    json!({
                        "rule": s.rule, "tenant": s.tenant, "hash": s.hash,
                        "until": s.until.map_or("forever".to_string(), |u| time::format(u as i64)),
                        "by": s.snoozed_by, "reason": s.reason,
                    })
                })
                .collect();
            if json_out {
                output::print_json(&Value::Array(rows));
            } else {
                let columns: Vec<String> = ["rule", "tenant", "hash", "until", "by", "reason"]
                    .map(String::from)
                    .to_vec();
                print!("{}", output::table(&rows, &columns));
            }
            Ok(())
        }
    }
}

fn show_progress(p: &cipp_alerts::Progress) {
    match p {
        cipp_alerts::Progress::TenantStarted {
            tenant,
            index,
            total,
        } => eprintln!("[{index}/{total}] {tenant}"),
        cipp_alerts::Progress::Delivered {
            destination,
            findings,
            ok: false,
        } => {
            eprintln!("delivery of {findings} finding(s) to {destination} failed")
        }
        _ => {}
    }
}

fn open_store(path: &std::path::Path) -> Result<cipp_snapshot::Store, Error> {
    cipp_snapshot::Store::open(path).map_err(|e| Error::invalid_input("--store", e.to_string()))
}

/// Alignment scores from a standards run report (`tenants[].summary.alignment`) or a plain
/// `{tenant: percent}` object.
fn alignment(path: &std::path::Path) -> Result<Vec<(String, f64)>, Error> {
    let bad = |m: String| Error::invalid_input("--alignment", format!("{}: {m}", path.display()));
    let text = std::fs::read_to_string(path).map_err(|e| bad(e.to_string()))?;
    let v: Value = serde_json::from_str(&text).map_err(|e| bad(e.to_string()))?;
    if let Some(tenants) = v.get("tenants").and_then(Value::as_array) {
        return Ok(tenants
            .iter()
            .filter_map(|t| {
                Some((
                    t["tenant"].as_str()?.to_string(),
                    t["summary"]["alignment"].as_f64()?,
                ))
            })
            .collect());
    }
    let Some(map) = v.as_object() else {
        return Err(bad(
            "expected a standards report or an object of tenant -> percent".into(),
        ));
    };
    map.iter()
        .map(|(k, v)| {
            v.as_f64()
                .map(|n| (k.clone(), n))
                .ok_or_else(|| bad(format!("{k}: {v} is not a number")))
        })
        .collect()
}

fn list(json_out: bool) {
    let rules = catalogue::all();
    if json_out {
        output::print_json(&serde_json::to_value(rules).unwrap_or_default());
        return;
    }
    let rows: Vec<Value> = rules
        .iter()
        .map(|r| {
            let params: Vec<String> = r
                .params
                .iter()
                .map(|p| format!("{}={}", p.name, p.default))
                .collect();
            json!({
                "name": r.name,
                "parameters": params.join(" "),
                "reads": r.cache_types.join(", "),
                "description": r.description,
            })
        })
        .collect();
    let columns: Vec<String> = ["name", "parameters", "reads", "description"]
        .map(String::from)
        .to_vec();
    print!("{}", output::table(&rows, &columns));
}

async fn execute(args: &RunArgs) -> Result<AlertReport, Error> {
    let mut options = cipp::AlertsOptions::default().concurrency(args.concurrency);
    if let Some(path) = &args.config {
        options = options.config(AlertConfig::from_file(path).map_err(alert_error)?);
    }
    match (&args.tenant, args.all) {
        (Some(t), false) => options = options.tenants([t.clone()]),
        (None, true) => {}
        _ => return Err(Error::invalid_input("--tenant", "give --tenant T or --all")),
    }
    if let Some(path) = &args.store {
        options = options.store(path);
    }
    if let Some(at) = &args.as_of {
        let secs = time::parse(at).ok_or_else(|| {
            Error::invalid_input(
                "--as-of",
                format!("'{at}' is not a date (2026-11-01T00:00:00Z)"),
            )
        })?;
        options = options.as_of(secs);
    }
    if std::io::stderr().is_terminal() {
        options = options.on_progress(show_progress);
    }
    if let Some(path) = &args.alignment {
        options = options.alignment(alignment(path)?);
    }
    if let Some(path) = &args.standards {
        let bad =
            |m: String| Error::invalid_input("--standards", format!("{}: {m}", path.display()));
        let text = std::fs::read_to_string(path).map_err(|e| bad(e.to_string()))?;
        let report: cipp::standards::RunReport = serde_json::from_str(&text)
            .map_err(|e| bad(format!("not a standards run report: {e}")))?;
        options = options.standards(&report);
    }
    super::cipp_from_env()?.run_alerts(&options).await
}

/// A run fails when a tenant could not be read or a digest could not be delivered;
/// findings alone do not fail it.
fn outcome(report: &AlertReport) -> Result<(), Error> {
    let s = &report.summary;
    if s.tenant_errors + s.failed_deliveries == 0 {
        return Ok(());
    }
    Err(Error::invalid_input(
        "alerts",
        format!(
            "{} tenant(s) could not be read, {} digest(s) could not be delivered",
            s.tenant_errors, s.failed_deliveries
        ),
    ))
}
