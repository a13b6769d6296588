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
    /// One tenant's health: GDAP expiry, roles partner groups hold, one probe per service.
    /// Exits non-zero when an issue is an error.
    Health {
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
        TenantsCommand::Health { tenant } => {
            let h = super::cipp_from_env()?.tenant_health(&tenant).await?;
            if json {
                crate::output::print_json(&serde_json::to_value(&h).unwrap_or_default());
            } else {
                print_health(&h);
            }
            if h.is_healthy() {
                Ok(())
            } else {
                Err(cipp::Error::invalid_input(
                    "tenant",
                    format!("{tenant} has error-level health issues"),
                ))
            }
        }
    }
}

fn print_health(h: &cipp::TenantHealth) {
    println!(
        "{} ({})",
        h.display_name.as_deref().unwrap_or(&h.tenant),
        h.tenant_id.as_deref().unwrap_or("not in the directory")
    );
    if let Some(r) = &h.relationship {
        println!(
            "GDAP: {} relationship(s), ends {} ({} days), auto-extend {}",
            r.count,
            r.ends.as_deref().unwrap_or("?"),
            r.days_left.map_or("?".to_string(), |d| d.to_string()),
            if r.auto_extend { "on" } else { "off" }
        );
    }
    for s in &h.services {
        println!(
            "{:<10} {} {}",
            s.service,
            if s.ok { "ok  " } else { "FAIL" },
            s.detail
        );
    }
    for i in &h.issues {
        println!("{:?}: [{}] {}", i.severity, i.area, i.issue);
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
