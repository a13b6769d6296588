//! Seed data: the SAM application, the partner, its customers and each tenant's Graph tree.
//!
//! The layout of a seed file is described in the crate documentation; the built-in one is
//! [`DEFAULT_SEED`].

use std::collections::HashSet;
use std::path::Path;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::SimError;

/// The built-in seed: Northwind MSP with three GDAP customers (Alpha Dental, Bravo Logistics,
/// Charlie Legal) and one tenant it has no relationship with.
pub const DEFAULT_SEED: &str = include_str!("../seed/default.json");

/// The SAM application the simulator's login accepts, and the partner's refresh token.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SeedApplication {
    /// Client id (a GUID).
    pub application_id: String,
    /// Client secret.
    pub application_secret: String,
    /// Refresh token of the partner's service account.
    pub refresh_token: String,
}

/// One tenant of a seed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SeedTenant {
    /// Tenant GUID.
    pub id: String,
    /// Display name.
    #[serde(rename = "displayName")]
    pub display_name: String,
    /// Domain names. The default domain is `default_domain` if given, else the first listed;
    /// the initial domain is the first `*.onmicrosoft.com` one (else the default).
    pub domains: Vec<String>,
    /// The default domain, when it is not the first of `domains`.
    #[serde(
        default,
        alias = "defaultDomain",
        skip_serializing_if = "Option::is_none"
    )]
    pub default_domain: Option<String>,
    /// UPN of the service account delegated tokens are issued to (partner only; defaults to
    /// `cipp@{default domain}`).
    #[serde(
        default,
        alias = "serviceAccount",
        skip_serializing_if = "Option::is_none"
    )]
    pub service_account: Option<String>,
    /// The tenant's Graph tree: object keys are path segments, arrays are collections of
    /// objects with an `id`.
    #[serde(default)]
    pub graph: Value,
    /// Exchange objects by noun (`{"TransportRule": [{...}]}`), replacing the simulator's
    /// defaults for those nouns (mailboxes are made from the Graph users otherwise).
    #[serde(default, skip_serializing_if = "Value::is_null")]
    pub exchange: Value,
}

impl SeedTenant {
    /// The default domain.
    pub fn default_domain(&self) -> String {
        self.default_domain
            .clone()
            .or_else(|| self.domains.first().cloned())
            .unwrap_or_default()
    }

    /// The initial `*.onmicrosoft.com` domain (the default domain if there is none).
    pub fn initial_domain(&self) -> String {
        self.domains
            .iter()
            .find(|d| d.to_ascii_lowercase().ends_with(".onmicrosoft.com"))
            .cloned()
            .unwrap_or_else(|| self.default_domain())
    }
}

/// A whole seed: what the simulator knows at start.
///
/// ```
/// let seed = cipp_sim::Seed::demo();
/// assert_eq!(seed.partner.display_name, "Northwind MSP");
/// assert_eq!(seed.customers.len(), 3);
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Seed {
    /// The accepted application.
    pub application: SeedApplication,
    /// The partner tenant.
    pub partner: SeedTenant,
    /// Customer tenants (reachable through GDAP).
    pub customers: Vec<SeedTenant>,
    /// Tenants that exist but are not customers of the partner: their OpenID metadata
    /// resolves, tokens for them are refused with AADSTS50020.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub others: Vec<SeedTenant>,
}

impl Seed {
    /// Parse and check a seed from JSON text.
    ///
    /// ```
    /// let seed = cipp_sim::Seed::from_json(cipp_sim::DEFAULT_SEED).unwrap();
    /// assert!(seed.application.application_secret.contains('+'));
    /// assert!(cipp_sim::Seed::from_json("{}").is_err());
    /// ```
    pub fn from_json(text: &str) -> Result<Seed, SimError> {
        let seed: Seed = serde_json::from_str(text).map_err(|e| SimError::Seed(e.to_string()))?;
        seed.validate()?;
        Ok(seed)
    }

    /// Read, parse and check a seed file.
    pub fn from_file(path: impl AsRef<Path>) -> Result<Seed, SimError> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|source| SimError::SeedFile {
            path: path.to_path_buf(),
            source,
        })?;
        Seed::from_json(&text)
    }

    /// The built-in seed ([`DEFAULT_SEED`]) with the overlays shipped beside it
    /// ([`ALERTS_SEED`](crate::ALERTS_SEED), [`BEC_SEED`](crate::BEC_SEED)).
    pub fn demo() -> Seed {
        // The built-in seed is part of the crate and a unit test parses and validates it, so
        // this cannot fail at run time.
        #[allow(clippy::expect_used)]
        let mut seed = Seed::from_json(DEFAULT_SEED).expect("the built-in seed is valid");
        // The same holds for the overlays shipped with it (see seed_overlay.rs).
        let overlays = [
            crate::seed_overlay::ALERTS_SEED,
            crate::seed_overlay::AUDIT_LOG_SEED,
            crate::graph::standards_endpoints::STANDARDS_SEED,
            crate::graph::graphstd::GRAPHSTD_SEED,
            crate::seed_overlay::BEC_SEED,
            crate::teams::TEAMS_SEED,
            crate::seed_overlay::BRANDING_SEED,
            crate::exchange::standards_objects::EXCHANGE_STANDARDS_SEED,
            crate::exchange::protection_alerts::COMPLIANCE_SEED,
        ];
        for overlay in overlays {
            #[allow(clippy::expect_used)]
            seed.apply_overlay(overlay)
                .expect("the built-in overlays apply");
        }
        seed
    }

    /// Every tenant: the partner first, then customers, then the others.
    pub fn tenants(&self) -> impl Iterator<Item = &SeedTenant> {
        std::iter::once(&self.partner)
            .chain(self.customers.iter())
            .chain(self.others.iter())
    }

    /// The partner, then the customers.
    pub fn partner_and_customers(&self) -> impl Iterator<Item = &SeedTenant> {
        std::iter::once(&self.partner).chain(self.customers.iter())
    }

    /// Check the rules a seed must follow.
    pub fn validate(&self) -> Result<(), SimError> {
        let bad = |m: String| Err(SimError::Seed(m));
        let app = &self.application;
        if app.application_id.is_empty()
            || app.application_secret.is_empty()
            || app.refresh_token.is_empty()
        {
            return bad("application_id, application_secret and refresh_token are required".into());
        }
        let mut ids = HashSet::new();
        let mut names = HashSet::new();
        for t in self.tenants() {
            if uuid::Uuid::parse_str(&t.id).is_err() {
                return bad(format!("tenant id '{}' is not a GUID", t.id));
            }
            if !ids.insert(t.id.to_ascii_lowercase()) {
                return bad(format!("tenant id '{}' appears twice", t.id));
            }
            if t.domains.is_empty() {
                return bad(format!("tenant '{}' has no domains", t.display_name));
            }
            for d in &t.domains {
                if !names.insert(d.to_ascii_lowercase()) {
                    return bad(format!("domain '{d}' belongs to two tenants"));
                }
            }
            if let Some(d) = &t.default_domain {
                if !t.domains.iter().any(|x| x.eq_ignore_ascii_case(d)) {
                    return bad(format!(
                        "default domain '{d}' of '{}' is not among its domains",
                        t.display_name
                    ));
                }
            }
            if !(t.graph.is_object() || t.graph.is_null()) {
                return bad(format!(
                    "the graph of '{}' must be a JSON object",
                    t.display_name
                ));
            }
        }
        Ok(())
    }
}

const FIRST_NAMES: [&str; 20] = [
    "Ada", "Bruno", "Chioma", "Dmitri", "Elena", "Farah", "Goran", "Hana", "Ines", "Jonas",
    "Keiko", "Luis", "Mei", "Nadia", "Omar", "Priya", "Quinn", "Rosa", "Stefan", "Tariq",
];
const LAST_NAMES: [&str; 20] = [
    "Abbott",
    "Brandt",
    "Castillo",
    "Dubois",
    "Eriksen",
    "Fischer",
    "Garcia",
    "Haddad",
    "Ivanova",
    "Jensen",
    "Kowalski",
    "Lindqvist",
    "Moreau",
    "Nakamura",
    "Okafor",
    "Petrov",
    "Rossi",
    "Santos",
    "Tanaka",
    "Varga",
];
const DEPARTMENTS: [(&str, &str); 5] = [
    ("Operations", "Coordinator"),
    ("Finance", "Accountant"),
    ("Sales", "Account Executive"),
    ("IT", "Support Engineer"),
    ("Customer Service", "Agent"),
];
const LOCATIONS: [&str; 4] = ["US", "GB", "NL", "DE"];

/// A small, stable number derived from a domain, so generated ids differ between tenants.
fn domain_tag(domain: &str) -> u32 {
    domain.bytes().fold(0x811c_9dc5_u32, |h, b| {
        (h ^ u32::from(b.to_ascii_lowercase())).wrapping_mul(0x0100_0193)
    })
}

/// The generated user number `i` of `domain`: deterministic names, ids and attributes, so
/// large tenants (benchmarks) are cheap to build and reproducible.
///
/// ```
/// let u = cipp_sim::generated_user(7, "alpha.onmicrosoft.com");
/// assert_eq!(u, cipp_sim::generated_user(7, "alpha.onmicrosoft.com"));
/// assert!(u["userPrincipalName"].as_str().unwrap().ends_with("@alpha.onmicrosoft.com"));
/// ```
pub fn generated_user(i: usize, domain: &str) -> Value {
    let first = FIRST_NAMES[i % FIRST_NAMES.len()];
    let last = LAST_NAMES[(i / FIRST_NAMES.len()) % LAST_NAMES.len()];
    let (department, title) = DEPARTMENTS[i % DEPARTMENTS.len()];
    let upn = format!(
        "{}.{}.{i:06}@{domain}",
        first.to_ascii_lowercase(),
        last.to_ascii_lowercase()
    );
    let mut u = Map::with_capacity(16);
    let mut put = |k: &str, v: Value| {
        u.insert(k.to_string(), v);
    };
    put(
        "id",
        Value::String(format!(
            "{:08x}-5eed-4000-8000-{:012x}",
            domain_tag(domain),
            i
        )),
    );
    put(
        "displayName",
        Value::String(format!("{first} {last} {i:06}")),
    );
    put("givenName", Value::String(first.to_string()));
    put("surname", Value::String(last.to_string()));
    put("userPrincipalName", Value::String(upn.clone()));
    put("mail", Value::String(upn.clone()));
    put(
        "mailNickname",
        Value::String(upn.split('@').next().unwrap_or_default().to_string()),
    );
    put("accountEnabled", Value::Bool(i % 10 != 9));
    put("userType", Value::String("Member".into()));
    put("jobTitle", Value::String(title.to_string()));
    put("department", Value::String(department.to_string()));
    put(
        "usageLocation",
        Value::String(LOCATIONS[i % LOCATIONS.len()].to_string()),
    );
    put("assignedLicenses", Value::Array(Vec::new()));
    put("onPremisesSyncEnabled", Value::Null);
    put(
        "createdDateTime",
        Value::String(format!(
            "2024-{:02}-{:02}T09:00:00Z",
            1 + (i / 28) % 12,
            1 + i % 28
        )),
    );
    Value::Object(u)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_built_in_seed_is_valid() {
        let seed = Seed::from_json(DEFAULT_SEED).unwrap();
        assert_eq!(seed.customers.len(), 3);
        assert!(seed
            .application
            .application_secret
            .contains(['+', '/', '=']));
        assert!(seed.application.refresh_token.contains('+'));
    }

    /// The built-in seed is internally consistent: what one collection says agrees with the
    /// others, so tests and standards see a coherent tenant.
    #[test]
    fn the_built_in_seed_is_coherent() {
        use std::collections::{HashMap, HashSet};
        let seed = Seed::demo();
        const METHODS: [&str; 8] = [
            "Sms",
            "Voice",
            "Email",
            "Fido2",
            "MicrosoftAuthenticator",
            "TemporaryAccessPass",
            "SoftwareOath",
            "X509Certificate",
        ];
        let mut report_only = 0;
        for t in seed.partner_and_customers() {
            let g = &t.graph;
            let name = &t.display_name;
            assert_eq!(
                g["organization"][0]["id"],
                t.id.as_str(),
                "{name}: organization id"
            );
            let domains: Vec<&Value> = g["domains"].as_array().unwrap().iter().collect();
            let ids: HashSet<&str> = domains.iter().map(|d| d["id"].as_str().unwrap()).collect();
            let listed: HashSet<&str> = t.domains.iter().map(String::as_str).collect();
            assert_eq!(ids, listed, "{name}: domains");
            let flag = |f: &str| {
                domains
                    .iter()
                    .filter(|d| d[f] == true)
                    .map(|d| d["id"].as_str().unwrap().to_string())
                    .collect::<Vec<_>>()
            };
            assert_eq!(
                flag("isDefault"),
                vec![t.default_domain()],
                "{name}: default"
            );
            assert_eq!(
                flag("isInitial"),
                vec![t.initial_domain()],
                "{name}: initial"
            );
            let users = g["users"].as_array().unwrap();
            assert!(
                (10..=30).contains(&users.len()),
                "{name}: {} users",
                users.len()
            );
            assert!(
                users.iter().any(|u| u["userType"] == "Guest"),
                "{name}: a guest"
            );
            let user_ids: HashSet<&str> = users.iter().map(|u| u["id"].as_str().unwrap()).collect();
            assert_eq!(user_ids.len(), users.len(), "{name}: unique user ids");
            for holder in ["groups", "directoryRoles"] {
                for x in g[holder].as_array().unwrap() {
                    for m in x["members"].as_array().unwrap() {
                        let id = m["id"].as_str().unwrap();
                        assert!(user_ids.contains(id), "{name}: {holder} member {id}");
                    }
                }
            }
            let ga = g["directoryRoles"]
                .as_array()
                .unwrap()
                .iter()
                .find(|r| r["roleTemplateId"] == "62e90394-69f5-4237-9190-012177145e10")
                .expect("Global Administrator role");
            assert!(!ga["members"].as_array().unwrap().is_empty());
            let mut assigned: HashMap<&str, u64> = HashMap::new();
            for u in users {
                for l in u["assignedLicenses"].as_array().into_iter().flatten() {
                    *assigned.entry(l["skuId"].as_str().unwrap()).or_default() += 1;
                }
            }
            let skus = g["subscribedSkus"].as_array().unwrap();
            for (sku, n) in &assigned {
                let s = skus
                    .iter()
                    .find(|s| s["skuId"] == *sku)
                    .expect("assigned sku is subscribed");
                assert_eq!(
                    s["consumedUnits"].as_u64(),
                    Some(*n),
                    "{name}: consumed {sku}"
                );
            }
            let configs = g["policies"]["authenticationMethodsPolicy"]
                ["authenticationMethodConfigurations"]
                .as_array()
                .unwrap();
            for m in METHODS {
                assert!(configs.iter().any(|c| c["id"] == m), "{name}: method {m}");
            }
            for p in g["identity"]["conditionalAccess"]["policies"]
                .as_array()
                .unwrap()
            {
                if p["state"] == "enabledForReportingButNotEnforced" {
                    report_only += 1;
                }
            }
        }
        assert!(report_only > 0, "a report-only CA policy somewhere");
        let rels = seed.partner.graph["tenantRelationships"]["delegatedAdminRelationships"]
            .as_array()
            .unwrap();
        for c in &seed.customers {
            let active = rels
                .iter()
                .filter(|r| {
                    r["status"] == "active"
                        && r["customer"]["tenantId"] == c.id.as_str()
                        && !r["displayName"].as_str().unwrap().starts_with("MLT_")
                })
                .count();
            assert_eq!(active, 1, "{}: one active relationship", c.display_name);
        }
        assert!(rels.iter().any(|r| r["status"] == "terminated"));
        assert!(rels
            .iter()
            .any(|r| r["displayName"].as_str().unwrap().starts_with("MLT_")));
        for o in &seed.others {
            assert!(!rels
                .iter()
                .any(|r| r["status"] == "active" && r["customer"]["tenantId"] == o.id.as_str()));
        }
        assert_eq!(
            seed.partner.graph["organization"][0]["partnerTenantType"],
            "resellerPartnerDelegatedAdmin"
        );
    }

    #[test]
    fn broken_seeds_are_refused_with_a_reason() {
        let mut seed = Seed::demo();
        seed.customers[1].domains = seed.customers[0].domains.clone();
        let err = seed.validate().unwrap_err().to_string();
        assert!(err.contains("belongs to two tenants"), "{err}");
        let mut seed = Seed::demo();
        seed.customers[0].id = "not-a-guid".into();
        assert!(seed.validate().is_err());
        let mut seed = Seed::demo();
        seed.customers[0].graph = Value::Array(Vec::new());
        assert!(seed.validate().is_err());
    }

    #[test]
    fn generated_users_are_unique_per_index_and_tenant() {
        let a = generated_user(1, "a.example");
        let b = generated_user(2, "a.example");
        let c = generated_user(1, "b.example");
        assert_ne!(a["id"], b["id"]);
        assert_ne!(a["id"], c["id"]);
        assert_ne!(a["userPrincipalName"], b["userPrincipalName"]);
        assert!(uuid::Uuid::parse_str(a["id"].as_str().unwrap()).is_ok());
    }
}
