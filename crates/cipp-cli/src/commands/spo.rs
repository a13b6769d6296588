//! `cipp spo settings|set|quota`: SharePoint Online tenant administration.

use cipp::Error;
use clap::Subcommand;
use serde_json::{json, Value};

use crate::output;

#[derive(Debug, Subcommand)]
pub enum SpoCommand {
    /// The tenant's SharePoint settings (CSOM Tenant object).
    Settings {
        /// Tenant GUID or domain.
        #[arg(long, short)]
        tenant: String,
    },
    /// Change tenant settings: `-p SharingCapability=1 -p ShowEveryoneClaim=false`.
    Set {
        /// Tenant GUID or domain.
        #[arg(long, short)]
        tenant: String,
        /// `Name=Value`, repeatable (booleans, integers or text).
        #[arg(long = "param", short = 'p', required = true)]
        params: Vec<String>,
    },
    /// Storage quota and use.
    Quota {
        /// Tenant GUID or domain.
        #[arg(long, short)]
        tenant: String,
    },
}

pub async fn run(cmd: SpoCommand, json_out: bool) -> Result<(), Error> {
    let cipp = super::cipp_from_env()?;
    let value = match cmd {
        SpoCommand::Settings { tenant } => {
            let s = cipp.tenant(tenant).sharepoint().tenant_settings().await?;
            Value::Object(s.properties)
        }
        SpoCommand::Set { tenant, params } => {
            let changes = super::params_object(&params)?;
            cipp.tenant(tenant)
                .sharepoint()
                .set_tenant_settings(&changes)
                .await?;
            json!({"changed": changes})
        }
        SpoCommand::Quota { tenant } => {
            let q = cipp.tenant(tenant).sharepoint().storage_quota().await?;
            json!({"tenant_storage_mb": q.tenant_storage_mb, "used_storage_mb": q.used_storage_mb,
                "used_percent": q.used_percent()})
        }
    };
    if json_out {
        output::print_json(&value);
    } else {
        output::print_human(&value, &[]);
    }
    Ok(())
}
