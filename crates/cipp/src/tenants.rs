//! The managed-tenant directory: the partner's active GDAP customers.

use std::collections::BTreeMap;

use cipp_core::Error;
use cipp_graph::models::Domain;
use futures::stream::{self, StreamExt, TryStreamExt};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::client::Cipp;

/// A customer tenant the partner manages.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ManagedTenant {
    /// Tenant GUID.
    pub customer_id: String,
    /// Display name (from the latest relationship).
    pub display_name: String,
    /// Default domain.
    pub default_domain_name: Option<String>,
    /// Initial `*.onmicrosoft.com` domain.
    pub initial_domain_name: Option<String>,
    /// Latest `endDateTime` across the tenant's active relationships.
    pub relationship_end: Option<String>,
    /// Number of active relationships.
    pub relationship_count: usize,
    /// Any relationship auto-extends.
    pub has_auto_extend: bool,
}

const RELATIONSHIPS: &str = "tenantRelationships/delegatedAdminRelationships";

impl Cipp {
    /// The partner's active GDAP customers, with their domains, sorted by name.
    ///
    /// Relationships named `MLT_*` (Microsoft-led transition placeholders) are skipped. A
    /// customer whose domains cannot be read keeps `None` domains rather than failing the list.
    pub async fn tenants(&self) -> Result<Vec<ManagedTenant>, Error> {
        let graph = self.partner().graph();
        let relationships: Vec<Value> = graph
            .list_json(RELATIONSHIPS)
            .filter("status eq 'active'")
            .select([
                "id",
                "displayName",
                "customer",
                "endDateTime",
                "autoExtendDuration",
            ])
            .top(300)
            .collect_all()
            .await?;
        let mut by_customer: BTreeMap<String, ManagedTenant> = BTreeMap::new();
        for rel in &relationships {
            let name = rel["displayName"].as_str().unwrap_or_default();
            if name.starts_with("MLT_") {
                continue;
            }
            let Some(id) = rel["customer"]["tenantId"].as_str() else {
                continue;
            };
            let end = rel["endDateTime"].as_str().map(str::to_string);
            let extends = rel["autoExtendDuration"]
                .as_str()
                .map(|d| d != "PT0S")
                .unwrap_or(false);
            let entry = by_customer
                .entry(id.to_ascii_lowercase())
                .or_insert_with(|| ManagedTenant {
                    customer_id: id.to_ascii_lowercase(),
                    display_name: String::new(),
                    default_domain_name: None,
                    initial_domain_name: None,
                    relationship_end: None,
                    relationship_count: 0,
                    has_auto_extend: false,
                });
            entry.relationship_count += 1;
            entry.has_auto_extend |= extends;
            if end > entry.relationship_end {
                entry.relationship_end = end;
                if let Some(n) = rel["customer"]["displayName"].as_str() {
                    entry.display_name = n.to_string();
                }
            } else if entry.display_name.is_empty() {
                entry.display_name = rel["customer"]["displayName"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string();
            }
        }
        let mut tenants: Vec<ManagedTenant> = stream::iter(by_customer.into_values())
            .map(|mut t| async move {
                match self.tenant(&t.customer_id).graph().domains().list().collect_all().await {
                    Ok(domains) => apply_domains(&mut t, &domains),
                    Err(e) => tracing::warn!(tenant = %t.customer_id, error = %e, "could not read domains"),
                }
                Ok::<_, Error>(t)
            })
            .buffer_unordered(8)
            .try_collect()
            .await?;
        tenants.sort_by_key(|a| a.display_name.to_lowercase());
        Ok(tenants)
    }
}

fn apply_domains(t: &mut ManagedTenant, domains: &[Domain]) {
    for d in domains {
        if d.is_default == Some(true) {
            t.default_domain_name = d.id.clone();
        }
        if d.is_initial == Some(true) {
            t.initial_domain_name = d.id.clone();
        }
    }
}
