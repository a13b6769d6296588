//! `cipp tenants ...`

use clap::Subcommand;
use serde_json::json;

use crate::output;

#[derive(Debug, Subcommand)]
pub enum TenantsCommand {
    /// List the partner's managed tenants (active GDAP customers).
    List,
    /// Show one managed tenant by GUID, default domain or initial domain.
    Get {
        /// GUID or domain.
        tenant: String,
    },
}

pub async fn run(cmd: TenantsCommand, json: bool) -> Result<(), cipp::Error> {
    match cmd {
        TenantsCommand::List => {
            let cipp = super::cipp_from_env()?;
            let tenants = cipp.tenants().await?;
            print_tenants(&tenants, json);
            Ok(())
        }
        TenantsCommand::Get { tenant } => {
            let cipp = super::cipp_from_env()?;
            let t = cipp.managed_tenant(&tenant).await?;
            print_tenants(std::slice::from_ref(&t), json);
            Ok(())
        }
    }
}

/// Print tenants as JSON or a table.
pub fn print_tenants(tenants: &[cipp::ManagedTenant], json: bool) {
    let value = serde_json::to_value(tenants).unwrap_or_else(|_| json!([]));
    if json {
        output::print_json(&value);
    } else {
        let cols: Vec<String> = [
            "display_name",
            "default_domain_name",
            "customer_id",
            "relationship_end",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let rows = value.as_array().cloned().unwrap_or_default();
        print!("{}", output::table(&rows, &cols));
    }
}
