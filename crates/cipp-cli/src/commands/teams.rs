//! `cipp teams policy list|get|set|delete`: Teams policies and configurations.

use cipp::Error;
use clap::Subcommand;
use serde_json::{json, Value};

use crate::output;

#[derive(Debug, Subcommand)]
pub enum TeamsCommand {
    /// Policies and configurations (`TeamsMeetingPolicy`, `Get-CsTenantFederationConfiguration`...).
    #[command(subcommand)]
    Policy(PolicyCommand),
}

#[derive(Debug, Subcommand)]
pub enum PolicyCommand {
    /// Every instance of a type.
    List {
        /// Type, noun or cmdlet name.
        kind: String,
        /// Tenant GUID or domain.
        #[arg(long, short)]
        tenant: String,
    },
    /// One instance (default `Global`).
    Get {
        /// Type, noun or cmdlet name.
        kind: String,
        /// Tenant GUID or domain.
        #[arg(long, short)]
        tenant: String,
        /// Instance identity (default `Global`).
        #[arg(long)]
        identity: Option<String>,
    },
    /// Change properties (`-p Name=Value`, the value read as JSON when it is JSON); only
    /// properties the instance has are accepted, nothing is written when all already match.
    Set {
        /// Type, noun or cmdlet name.
        kind: String,
        /// Tenant GUID or domain.
        #[arg(long, short)]
        tenant: String,
        /// Instance identity (default `Global`).
        #[arg(long)]
        identity: Option<String>,
        /// `Name=Value`, repeatable.
        #[arg(long = "param", short = 'p', required = true)]
        params: Vec<String>,
    },
    /// Remove a custom instance.
    Delete {
        /// Type, noun or cmdlet name.
        kind: String,
        /// Tenant GUID or domain.
        #[arg(long, short)]
        tenant: String,
        /// Instance identity.
        #[arg(long)]
        identity: String,
    },
}

pub async fn run(cmd: TeamsCommand, json_out: bool) -> Result<(), Error> {
    let TeamsCommand::Policy(cmd) = cmd;
    let cipp = super::cipp_from_env()?;
    let value = match cmd {
        PolicyCommand::List { kind, tenant } => {
            Value::Array(cipp.tenant(tenant).teams().list(&kind).await?)
        }
        PolicyCommand::Get {
            kind,
            tenant,
            identity,
        } => {
            cipp.tenant(tenant)
                .teams()
                .get(&kind, identity.as_deref())
                .await?
        }
        PolicyCommand::Set {
            kind,
            tenant,
            identity,
            params,
        } => {
            let changes = super::params_object(&params)?;
            let out = cipp
                .tenant(tenant)
                .teams()
                .set(&kind, identity.as_deref(), &changes)
                .await?;
            if !json_out {
                eprintln!(
                    "{}",
                    if out.changed {
                        "changed"
                    } else {
                        "already set; nothing written"
                    }
                );
            }
            json!({"changed": out.changed, "object": out.object})
        }
        PolicyCommand::Delete {
            kind,
            tenant,
            identity,
        } => {
            cipp.tenant(tenant).teams().delete(&kind, &identity).await?;
            json!({"deleted": identity})
        }
    };
    if json_out {
        output::print_json(&value);
    } else {
        output::print_human(&value, &[]);
    }
    Ok(())
}
