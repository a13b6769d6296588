//! `cipp sim serve`: the offline Microsoft 365 simulator on loopback.

use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Subcommand};
use serde_json::json;

#[derive(Debug, Subcommand)]
pub enum SimCommand {
    /// Serve the simulator until interrupted and print the settings that point a client at it.
    Serve(ServeArgs),
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Port on 127.0.0.1 (0 picks a free one).
    #[arg(long, default_value_t = 8400)]
    port: u16,
    /// Seed file replacing the built-in demo tenants.
    #[arg(long)]
    seed: Option<PathBuf>,
    /// Latency added to every request, in milliseconds.
    #[arg(long, default_value_t = 0)]
    latency_ms: u64,
    /// Add this many generated users to `--users-tenant`.
    #[arg(long, default_value_t = 0)]
    users: usize,
    /// Tenant that receives the generated users.
    #[arg(long, default_value = "alpha.onmicrosoft.com")]
    users_tenant: String,
}

fn sim_error(e: impl std::fmt::Display) -> cipp::Error {
    cipp::Error::invalid_input("sim", e.to_string())
}

pub async fn run(cmd: SimCommand, json: bool) -> Result<(), cipp::Error> {
    let SimCommand::Serve(a) = cmd;
    let mut b = cipp_sim::Sim::builder()
        .port(a.port)
        .latency(Duration::from_millis(a.latency_ms));
    if let Some(seed) = &a.seed {
        b = b.seed_file(seed);
    }
    if a.users > 0 {
        b = b.generated_users(&a.users_tenant, a.users);
    }
    let sim = b.start().await.map_err(sim_error)?;
    let c = sim.credentials();
    let mut vars = vec![
        ("CIPP_APPLICATION_ID".to_string(), c.application_id.clone()),
        (
            "CIPP_APPLICATION_SECRET".to_string(),
            c.application_secret.clone(),
        ),
        ("CIPP_REFRESH_TOKEN".to_string(), c.refresh_token.clone()),
        ("CIPP_TENANT_ID".to_string(), c.partner_tenant_id.clone()),
    ];
    for (name, url) in sim.endpoints() {
        vars.push((format!("CIPP_{}_URL", name.to_ascii_uppercase()), url));
    }
    if json {
        let map: serde_json::Map<String, serde_json::Value> =
            vars.iter().map(|(k, v)| (k.clone(), json!(v))).collect();
        // One line, so a supervising script can read it before the server's lifetime ends.
        println!("{}", json!({"base_url": sim.base_url(), "env": map}));
    } else {
        eprintln!("cipp-sim listening on {} (Ctrl-C to stop)", sim.base_url());
        eprintln!("# these are the simulator's own demo credentials, not real secrets:");
        for (k, v) in &vars {
            // Single quotes: the demo secret contains shell-significant characters.
            println!("export {k}='{v}'");
        }
    }
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = sim.wait() => {}
    }
    Ok(())
}
