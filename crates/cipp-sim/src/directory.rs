//! The tenants the simulator knows and how each relates to the partner; names (GUIDs and
//! domains) resolve to tenant GUIDs here.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::seed::{Seed, SeedTenant};

/// A tenant as the simulator knows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SimTenant {
    /// Tenant GUID (lower case).
    pub id: String,
    /// Display name.
    pub display_name: String,
    /// Default domain.
    pub default_domain: String,
    /// Initial `*.onmicrosoft.com` domain.
    pub initial_domain: String,
    /// Every domain of the tenant.
    pub domains: Vec<String>,
}

impl SimTenant {
    fn from_seed(t: &SeedTenant) -> Self {
        SimTenant {
            id: t.id.to_ascii_lowercase(),
            display_name: t.display_name.clone(),
            default_domain: t.default_domain(),
            initial_domain: t.initial_domain(),
            domains: t.domains.clone(),
        }
    }
}

/// How a tenant relates to the partner.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Relation {
    /// The partner tenant itself.
    Partner,
    /// A customer of the seed (GDAP and CPV consent).
    Customer,
    /// Known to Entra, but not a customer of the partner.
    Other,
}

/// Every tenant with the names that resolve to it.
#[derive(Debug)]
pub(crate) struct Directory {
    pub partner: SimTenant,
    pub customers: Vec<SimTenant>,
    pub others: Vec<SimTenant>,
    /// Lower-case GUID or domain -> GUID.
    names: HashMap<String, String>,
    /// UPN delegated tokens are issued to.
    pub service_account: String,
    /// Object id of the service account in the partner tenant.
    pub service_account_oid: String,
}

impl Directory {
    pub fn new(seed: &Seed) -> Self {
        let mut names = HashMap::new();
        for t in seed.tenants() {
            let id = t.id.to_ascii_lowercase();
            for d in &t.domains {
                names.insert(d.to_ascii_lowercase(), id.clone());
            }
            names.insert(id.clone(), id);
        }
        let partner = SimTenant::from_seed(&seed.partner);
        let service_account = seed
            .partner
            .service_account
            .clone()
            .unwrap_or_else(|| format!("cipp@{}", partner.default_domain));
        // Prefer the id of the seeded user with that UPN, so `oid` matches `/users`.
        let service_account_oid = seed.partner.graph["users"]
            .as_array()
            .and_then(|users| {
                users.iter().find(|u| {
                    u["userPrincipalName"]
                        .as_str()
                        .is_some_and(|upn| upn.eq_ignore_ascii_case(&service_account))
                })
            })
            .and_then(|u| u["id"].as_str())
            .map(str::to_string)
            .unwrap_or_else(|| {
                uuid::Uuid::new_v5(&uuid::Uuid::NAMESPACE_DNS, service_account.as_bytes())
                    .to_string()
            });
        Directory {
            partner,
            customers: seed.customers.iter().map(SimTenant::from_seed).collect(),
            others: seed.others.iter().map(SimTenant::from_seed).collect(),
            names,
            service_account,
            service_account_oid,
        }
    }

    /// The GUID of the tenant named by GUID or any of its domains (case-insensitive).
    pub fn resolve(&self, name: &str) -> Option<&str> {
        self.names
            .get(&name.to_ascii_lowercase())
            .map(String::as_str)
    }

    /// Every tenant: partner, customers, others.
    pub fn all(&self) -> impl Iterator<Item = &SimTenant> {
        std::iter::once(&self.partner)
            .chain(self.customers.iter())
            .chain(self.others.iter())
    }

    /// The tenant with this GUID.
    pub fn get(&self, guid: &str) -> Option<&SimTenant> {
        self.all().find(|t| t.id == guid)
    }

    /// How the tenant with this GUID relates to the partner.
    pub fn relation(&self, guid: &str) -> Option<Relation> {
        if self.partner.id == guid {
            Some(Relation::Partner)
        } else if self.customers.iter().any(|t| t.id == guid) {
            Some(Relation::Customer)
        } else if self.others.iter().any(|t| t.id == guid) {
            Some(Relation::Other)
        } else {
            None
        }
    }
}

/// Whether the partner's relationship list grants delegated access to `customer`: an
/// `active` relationship for it exists, or the partner tree keeps no relationship list at
/// all (a seed that does not model GDAP).
pub(crate) fn gdap_allows(partner_graph: &Value, customer: &str) -> bool {
    let Some(list) = partner_graph
        .get("tenantRelationships")
        .and_then(|t| t.get("delegatedAdminRelationships"))
        .and_then(Value::as_array)
    else {
        return true;
    };
    list.iter().any(|r| {
        r["status"].as_str() == Some("active")
            && r["customer"]["tenantId"]
                .as_str()
                .is_some_and(|t| t.eq_ignore_ascii_case(customer))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_resolve_to_guids_and_relations() {
        let seed = Seed::demo();
        let dir = Directory::new(&seed);
        let alpha = dir.resolve("ALPHADENTAL.com").unwrap().to_string();
        assert_eq!(dir.resolve("alpha.onmicrosoft.com"), Some(alpha.as_str()));
        assert_eq!(dir.resolve(&alpha.to_uppercase()), Some(alpha.as_str()));
        assert_eq!(dir.relation(&alpha), Some(Relation::Customer));
        assert_eq!(dir.relation(&dir.partner.id), Some(Relation::Partner));
        assert_eq!(dir.service_account, "cipp@northwindmsp.com");
        assert!(dir.resolve("nowhere.example").is_none());
        let other = &dir.others[0].id;
        assert_eq!(dir.relation(other), Some(Relation::Other));
        assert!(gdap_allows(&seed.partner.graph, &alpha));
        assert!(!gdap_allows(&seed.partner.graph, other));
    }
}
