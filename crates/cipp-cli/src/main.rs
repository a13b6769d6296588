//! `cipp`: multi-tenant Microsoft 365 management from the terminal.

mod commands;
mod dotenv;
mod output;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Multi-tenant Microsoft 365 management for MSPs (CIPP's features as a command line).
///
/// Credentials come from CIPP_APPLICATION_ID, CIPP_APPLICATION_SECRET, CIPP_REFRESH_TOKEN and
/// CIPP_TENANT_ID (or the file written by `cipp auth login`); CIPP_GRAPH_URL and friends point
/// the client at another endpoint, such as `cipp sim serve`.
#[derive(Debug, Parser)]
#[command(name = "cipp", version, about, long_about = None)]
struct Cli {
    /// Machine-readable JSON output.
    #[arg(long, global = true)]
    json: bool,
    /// Log verbosity (-v info, -vv debug, -vvv trace); logs go to stderr.
    #[arg(short, long, action = clap::ArgAction::Count, global = true)]
    verbose: u8,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Start the simulator in-process, sign in, list tenants and users.
    Demo(commands::demo::DemoArgs),
    /// The offline Microsoft 365 simulator.
    #[command(subcommand)]
    Sim(commands::sim::SimCommand),
    /// Managed tenants (the partner's active GDAP customers).
    #[command(subcommand)]
    Tenants(commands::tenants::TenantsCommand),
    /// GDAP relationships, invites and checks in the partner tenant.
    #[command(subcommand)]
    Gdap(commands::gdap::GdapCommand),
    /// Read cache types from tenants into snapshots.
    Collect(commands::collect::CollectArgs),
    /// Standards: the catalogue, and template runs in report, alert or remediate mode.
    #[command(subcommand)]
    Standards(commands::standards::StandardsCommand),
    /// Alerts: the catalogue, and runs that deduplicate and deliver digests.
    #[command(subcommand)]
    Alerts(commands::alerts::AlertsCommand),
    /// Scheduled tasks: add, list, remove, history, and runners (run-due, run-now, serve).
    #[command(subcommand)]
    Schedule(commands::schedule::ScheduleCommand),
    /// Exchange Online and Security & Compliance cmdlets in a tenant.
    #[command(subcommand)]
    Exo(commands::exo::ExoCommand),
    /// Teams policies and configurations in a tenant.
    #[command(subcommand)]
    Teams(commands::teams::TeamsCommand),
    /// SharePoint Online tenant settings and storage.
    #[command(subcommand)]
    Spo(commands::spo::SpoCommand),
    /// Raw Microsoft Graph calls in a tenant.
    #[command(subcommand)]
    Graph(commands::graph::GraphCommand),
    /// Sign in to get the partner refresh token, and inspect it.
    #[command(subcommand)]
    Auth(commands::auth::AuthCommand),
    /// Azure Key Vault secrets (--vault or CIPP_KEY_VAULT).
    Kv(commands::kv::KvArgs),
    /// Policy templates (Conditional Access, Intune, transport rules, groups): deploy, capture.
    #[command(subcommand)]
    Template(commands::template::TemplateCommand),
    /// User management: create, edit, aliases, licences, TAP, sign-in, delete and restore, mailbox.
    #[command(subcommand)]
    User(commands::user::UserCommand),
    /// Offboard a user: CIPP's offboarding steps in order, each reported.
    Offboard(commands::offboard::OffboardArgs),
    /// Compromised-account research and remediation for one user.
    #[command(subcommand)]
    Bec(commands::bec::BecCommand),
}

fn init_logs(verbose: u8) {
    let level = match verbose {
        0 => "warn",
        1 => "info",
        2 => "debug",
        _ => "trace",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_env("CIPP_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(level));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    init_logs(cli.verbose);
    dotenv::load_default();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: could not start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let json = cli.json;
    let result = runtime.block_on(async move {
        match cli.command {
            Command::Demo(a) => commands::demo::run(a, json).await,
            Command::Sim(c) => commands::sim::run(c, json).await,
            Command::Tenants(c) => commands::tenants::run(c, json).await,
            Command::Graph(c) => commands::graph::run(c, json).await,
            Command::Gdap(c) => commands::gdap::run(c, json).await,
            Command::Exo(c) => commands::exo::run(c, json).await,
            Command::Collect(c) => commands::collect::run(c, json).await,
            Command::Standards(c) => commands::standards::run(c, json).await,
            Command::Alerts(c) => commands::alerts::run(c, json).await,
            Command::Schedule(c) => commands::schedule::run(c, json).await,
            Command::Teams(c) => commands::teams::run(c, json).await,
            Command::Spo(c) => commands::spo::run(c, json).await,
            Command::Auth(c) => commands::auth::run(c, json).await,
            Command::Kv(a) => commands::kv::run(a, json).await,
            Command::Template(c) => commands::template::run(c, json).await,
            Command::User(c) => commands::user::run(c, json).await,
            Command::Offboard(a) => commands::offboard::run(a, json).await,
            Command::Bec(c) => commands::bec::run(c, json).await,
        }
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            if let Some(hint) = e.hint() {
                eprintln!("hint: {hint}");
            }
            match e {
                cipp::Error::InvalidInput { .. } => ExitCode::from(2),
                cipp::Error::Auth(_) => ExitCode::from(3),
                _ => ExitCode::FAILURE,
            }
        }
    }
}
