//! `cipp demo`: the whole flow against the embedded simulator, no setup needed.

use std::time::Instant;

use cipp::graph::BatchRequest;
use clap::Args;
use futures::TryStreamExt;
use serde_json::{json, Value};

use crate::output;

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Users shown per tenant.
    #[arg(long, default_value_t = 5)]
    show: usize,
}

pub async fn run(args: DemoArgs, json: bool) -> Result<(), cipp::Error> {
    let started = Instant::now();
    let sim = cipp_sim::Sim::start()
        .await
        .map_err(|e| cipp::Error::invalid_input("sim", e.to_string()))?;
    let cipp = super::cipp_for_sim(&sim)?;
    if !json {
        println!(
            "Started the simulator at {} and signed in as the partner.\n",
            sim.base_url()
        );
    }

    let tenants = cipp.tenants().await?;
    if !json {
        println!("Managed tenants (active GDAP relationships):");
        super::tenants::print_tenants(&tenants, false);
        println!();
    }

    let mut report = Vec::new();
    for t in &tenants {
        let graph = cipp.tenant(&t.customer_id).graph();
        let users: Vec<cipp::graph::models::User> = graph
            .users()
            .list()
            .select(["id", "displayName", "userPrincipalName", "accountEnabled"])
            .top(999)
            .stream()
            .try_collect()
            .await?;
        // Organization and licences in one round trip.
        let batch = graph
            .batch([
                BatchRequest::get("org", "/organization?$select=id,displayName"),
                BatchRequest::get(
                    "skus",
                    "/subscribedSkus?$select=skuPartNumber,consumedUnits,prepaidUnits",
                ),
            ])
            .await?;
        let skus = batch.get("skus").map(|r| r.items()).unwrap_or_default();
        let user_rows: Vec<Value> = users
            .iter()
            .map(|u| serde_json::to_value(u).unwrap_or(Value::Null))
            .collect();
        if !json {
            println!(
                "{} ({}): {} users, {} licence SKUs",
                t.display_name,
                t.default_domain_name.as_deref().unwrap_or("-"),
                users.len(),
                skus.len()
            );
            let cols: Vec<String> = ["displayName", "userPrincipalName", "accountEnabled"]
                .iter()
                .map(|s| s.to_string())
                .collect();
            let shown: Vec<Value> = user_rows.iter().take(args.show).cloned().collect();
            print!("{}", output::table(&shown, &cols));
            if users.len() > args.show {
                println!("… and {} more", users.len() - args.show);
            }
            println!();
        }
        report.push(json!({"tenant": t, "users": user_rows, "subscribedSkus": skus}));
    }

    let stats = sim.stats();
    if json {
        output::print_json(&json!({"tenants": report, "sim": stats}));
    } else {
        println!(
            "Done in {:.2?}: {} HTTP requests to the simulator ({} for tokens).",
            started.elapsed(),
            stats.http_requests,
            stats.token_requests
        );
        println!("Next: `cipp sim serve` and point CIPP_GRAPH_URL at it, or use real tenants (see README).");
    }
    sim.shutdown().await;
    Ok(())
}
