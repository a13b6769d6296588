//! `cipp alerts audit`: audit-log rules (CIPP's stored JSON) over the unified audit log of
//! one tenant or all of them, for the last hours. Matched records are claimed in the store,
//! so a record is processed once however often the command runs over it.

use std::path::PathBuf;
use std::sync::Arc;

use cipp::Error;
use cipp_alerts::audit::{AuditRule, AuditRunner};
use cipp_alerts::{time, AlertConfig};
use clap::Args;
use serde_json::{json, Value};

use crate::output;

/// `cipp alerts audit` options.
#[derive(Debug, Args)]
pub struct AuditArgs {
    /// The rules: a JSON array of CIPP audit-log rules, or `{"rules": [...]}`.
    #[arg(long)]
    rules: PathBuf,
    /// One tenant (domain).
    #[arg(long, short, conflicts_with = "all")]
    tenant: Option<String>,
    /// Every managed tenant.
    #[arg(long)]
    all: bool,
    /// How many hours back to search (the window ends now, or at --as-of).
    #[arg(long, default_value_t = 1)]
    hours: u32,
    /// Claim processed records in this SQLite store (without it every run starts afresh).
    #[arg(long, env = "CIPP_STORE")]
    store: Option<PathBuf>,
    /// Where alerts go: an alert configuration's destinations (webhooks take generateWebhook,
    /// mail destinations generatemail).
    #[arg(long)]
    config: Option<PathBuf>,
    /// End the window at this time (RFC 3339) instead of now.
    #[arg(long)]
    as_of: Option<String>,
    /// Perform the user actions rules ask for (disableUser, becremediate) through Graph and
    /// Exchange; without it they are reported as not confirmed and nothing is changed.
    #[arg(long)]
    act: bool,
}

fn invalid(field: &str, e: impl std::fmt::Display) -> Error {
    Error::invalid_input(field, e.to_string())
}

/// Run `cipp alerts audit`.
pub async fn run(args: AuditArgs, json_out: bool) -> Result<(), Error> {
    let rules = AuditRule::list_from_file(&args.rules).map_err(|e| invalid("--rules", e))?;
    if args.hours == 0 {
        return Err(invalid("--hours", "must be at least 1"));
    }
    let end = match &args.as_of {
        Some(at) => {
            time::parse(at).ok_or_else(|| invalid("--as-of", format!("'{at}' is not a date")))?
        }
        None => time::now(),
    };
    let start = end - i64::from(args.hours) * 3_600;
    let store = match &args.store {
        Some(path) => cipp_snapshot::Store::open(path),
        None => cipp_snapshot::Store::in_memory(),
    }
    .map_err(|e| invalid("--store", e))?;
    let cipp = super::cipp_from_env()?;
    let tenants: Vec<String> = match (&args.tenant, args.all) {
        (Some(t), false) => vec![t.clone()],
        (None, true) => cipp
            .tenants()
            .await?
            .into_iter()
            .map(|t| t.default_domain_name.unwrap_or(t.customer_id))
            .collect(),
        _ => return Err(invalid("--tenant", "give --tenant T or --all")),
    };
    let mut builder = AuditRunner::builder(cipp.pipeline().clone(), Arc::new(store))
        .rules(rules)
        .action_handler(cipp.audit_user_actions())
        .confirm_user_actions(args.act);
    if let Some(path) = &args.config {
        let config = AlertConfig::from_file(path).map_err(|e| invalid("--config", e))?;
        let secrets: Arc<dyn cipp_core::secret_store::SecretStore> =
            Arc::new(cipp_core::EnvSecretStore::new());
        builder = builder
            .destinations(&config, Some(&secrets))
            .map_err(|e| invalid("--config", e))?;
    }
    let runner = builder.build().map_err(|e| invalid("--rules", e))?;
    let report = runner.run(&tenants, start, end).await;
    if json_out {
        println!("{}", report.to_json());
    } else {
        let rows: Vec<Value> = report
            .tenants
            .iter()
            .map(|t| {
                json!({
                    "tenant": t.tenant, "rules": t.rules, "records": t.records,
                    "matched": t.matched, "processed": t.events.len(),
                    "already": t.already_processed, "error": t.error.clone().unwrap_or_default(),
                })
            })
            .collect();
        let columns: Vec<String> = [
            "tenant",
            "rules",
            "records",
            "matched",
            "processed",
            "already",
            "error",
        ]
        .map(String::from)
        .to_vec();
        print!("{}", output::table(&rows, &columns));
        for t in &report.tenants {
            for e in &t.events {
                println!("{}: {} [{}]", t.tenant, e.title, e.clause);
            }
        }
    }
    let errors = report.tenants.iter().filter(|t| t.error.is_some()).count();
    let failed = report.deliveries.iter().filter(|d| !d.ok).count();
    if errors + failed == 0 {
        Ok(())
    } else {
        Err(invalid(
            "alerts audit",
            format!("{errors} tenant(s) could not be searched, {failed} digest(s) could not be delivered"),
        ))
    }
}
