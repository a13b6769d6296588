//! `cipp collect`: read cache types from tenants into snapshots.

use cipp::snapshot::{Snapshot, Status};
use cipp::Error;
use clap::Args;
use serde_json::{json, Value};

use crate::output;

#[derive(Debug, Args)]
pub struct CollectArgs {
    /// Cache types, comma separated (`--list-types` shows them).
    #[arg(long, value_delimiter = ',')]
    types: Vec<String>,
    /// One tenant (GUID or domain).
    #[arg(long, short, conflicts_with = "all")]
    tenant: Option<String>,
    /// Every managed tenant.
    #[arg(long)]
    all: bool,
    /// Tenants read at once with --all.
    #[arg(long, default_value_t = 4)]
    concurrency: usize,
    /// Write each snapshot as `{dir}/{tenant}.json`.
    #[arg(long)]
    out: Option<std::path::PathBuf>,
    /// Also keep every snapshot in this SQLite store (history per tenant).
    #[arg(long, env = "CIPP_STORE")]
    store: Option<std::path::PathBuf>,
    /// List the cache types of the registry and exit.
    #[arg(long)]
    list_types: bool,
}

pub async fn run(args: CollectArgs, json_out: bool) -> Result<(), Error> {
    let cipp = super::cipp_from_env()?;
    let collector = cipp.collector();
    if args.list_types {
        let rows: Vec<Value> = collector
            .registry()
            .types()
            .iter()
            .map(|t| json!({"name": t.name, "source": t.source, "gate": t.gate}))
            .collect();
        if json_out {
            output::print_json(&Value::Array(rows));
        } else {
            for t in collector.registry().types() {
                println!("{}", t.name);
            }
        }
        return Ok(());
    }
    if args.types.is_empty() {
        return Err(Error::invalid_input(
            "--types",
            "name at least one cache type",
        ));
    }
    if let Some(bad) = args
        .types
        .iter()
        .find(|t| collector.registry().get(t).is_none())
    {
        return Err(cipp::snapshot::SnapshotError::UnknownType(bad.clone()).into());
    }
    let tenants: Vec<String> = match (&args.tenant, args.all) {
        (Some(t), false) => vec![t.clone()],
        (None, true) => cipp
            .tenants()
            .await?
            .into_iter()
            .map(|t| {
                t.default_domain_name
                    .clone()
                    .unwrap_or(t.customer_id.clone())
            })
            .collect(),
        _ => return Err(Error::invalid_input("--tenant", "give --tenant T or --all")),
    };
    if let Some(dir) = &args.out {
        std::fs::create_dir_all(dir)
            .map_err(|e| Error::invalid_input("--out", format!("{}: {e}", dir.display())))?;
    }
    let store = match &args.store {
        Some(path) => Some(cipp::snapshot::Store::open(path).map_err(cipp::Error::from)?),
        None => None,
    };
    let types: Vec<&str> = args.types.iter().map(String::as_str).collect();
    let results = collector
        .collect_many(&tenants, &types, args.concurrency)
        .await;
    let mut summary = Vec::new();
    let mut snapshots = Vec::new();
    let mut unreachable = 0;
    for (tenant, result) in results {
        let snap = match result {
            Ok(s) => s,
            Err(e) => {
                unreachable += 1;
                eprintln!("{tenant}: {e}");
                summary.push(json!({"tenant": tenant, "error": e.to_string()}));
                continue;
            }
        };
        if let Some(dir) = &args.out {
            snap.save(dir.join(format!("{tenant}.json")))
                .map_err(cipp::Error::from)?;
        }
        if let Some(store) = &store {
            store.save(&snap).map_err(cipp::Error::from)?;
        }
        summary.push(summarise(&snap));
        snapshots.push(snap);
    }
    if json_out && args.out.is_none() {
        output::print_json(&serde_json::to_value(&snapshots).unwrap_or_default());
    } else if json_out {
        output::print_json(&Value::Array(summary));
    } else {
        let cols: Vec<String> = [
            "tenant",
            "complete",
            "failed",
            "not_licensed",
            "round_trips",
        ]
        .map(String::from)
        .to_vec();
        print!("{}", output::table(&summary, &cols));
        for s in &summary {
            for (name, why) in s["failures"].as_object().into_iter().flatten() {
                eprintln!(
                    "{}: {name} failed: {}",
                    s["tenant"].as_str().unwrap_or_default(),
                    why.as_str().unwrap_or_default()
                );
            }
        }
    }
    if unreachable > 0 {
        return Err(Error::invalid_input(
            "tenants",
            format!("{unreachable} tenant(s) could not be read"),
        ));
    }
    Ok(())
}

fn summarise(snap: &Snapshot) -> Value {
    let count = |s: Status| snap.types.values().filter(|t| t.status == s).count();
    let failures: serde_json::Map<String, Value> = snap
        .failures()
        .map(|(n, t)| (n.to_string(), json!(t.error)))
        .collect();
    json!({"tenant": snap.tenant, "complete": count(Status::Complete), "failed": count(Status::Failed),
        "not_licensed": count(Status::NotLicensed), "round_trips": snap.round_trips, "failures": failures})
}
