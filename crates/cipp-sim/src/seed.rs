//! Seed data: the partner, its customers and each tenant's Graph data.
//!
//! The built-in seed (`seed/default.json`) is a partner, Northwind MSP, with three GDAP
//! customers. A seed file has this shape:
//!
//! ```json
//! {
//!   "application": {"application_id": "...", "application_secret": "...", "refresh_token": "..."},
//!   "partner":   {"id": "<guid>", "displayName": "...", "domains": ["..."], "service_account": "upn", "graph": {...}},
//!   "customers": [{"id": "<guid>", "displayName": "...", "domains": ["default first", "..."], "graph": {...}}]
//! }
//! ```
//!
//! `graph` is the tenant's Graph tree: keys are path segments, arrays are collections of
//! objects with an `id` (`{"users": [...], "policies": {"authenticationMethodsPolicy": {...}}}`).

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::SimError;

/// The built-in demo seed.
pub const DEFAULT_SEED: &str = include_str!("../seed/default.json");

/// The SAM application the simulator accepts.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SeedApplication {
    /// Client id.
    pub application_id: String,
    /// Client secret.
    pub application_secret: String,
    /// The partner service account's refresh token.
    pub refresh_token: String,
}

/// One tenant of the seed.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SeedTenant {
    /// Tenant GUID.
    pub id: String,
    /// Display name.
    #[serde(rename = "displayName")]
    pub display_name: String,
    /// Domain names; the first is the default, the `*.onmicrosoft.com` one the initial.
    pub domains: Vec<String>,
    /// Service account UPN (partner only).
    #[serde(default)]
    pub service_account: Option<String>,
    /// The Graph tree.
    #[serde(default)]
    pub graph: Value,
}

impl SeedTenant {
    /// The default domain (first listed, as the seed writes them).
    pub fn default_domain(&self) -> String {
        self.domains.first().cloned().unwrap_or_default()
    }

    /// The initial `*.onmicrosoft.com` domain.
    pub fn initial_domain(&self) -> String {
        self.domains
            .iter()
            .find(|d| d.ends_with(".onmicrosoft.com"))
            .cloned()
            .unwrap_or_else(|| self.default_domain())
    }
}

/// A whole seed.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Seed {
    /// The accepted application.
    pub application: SeedApplication,
    /// The partner tenant.
    pub partner: SeedTenant,
    /// Customer tenants.
    pub customers: Vec<SeedTenant>,
}

impl Seed {
    /// Parse a seed from JSON text.
    pub fn from_json(text: &str) -> Result<Seed, SimError> {
        serde_json::from_str(text).map_err(|e| SimError::Seed(e.to_string()))
    }

    /// The built-in demo seed.
    pub fn demo() -> Seed {
        // The built-in seed is part of the crate and covered by tests.
        #[allow(clippy::expect_used)]
        Seed::from_json(DEFAULT_SEED).expect("built-in seed parses")
    }
}

/// A deterministic generated user number `i` in `domain`.
pub fn generated_user(i: usize, domain: &str) -> Value {
    const DEPARTMENTS: [&str; 4] = ["Operations", "Finance", "Sales", "IT"];
    json!({
        "id": format!("{:08x}-0000-4000-8000-{:012x}", 0x5eed_0000u32, i),
        "displayName": format!("Generated User {i:06}"),
        "givenName": "Generated",
        "surname": format!("User {i:06}"),
        "userPrincipalName": format!("gen.user{i:06}@{domain}"),
        "mail": format!("gen.user{i:06}@{domain}"),
        "accountEnabled": i % 10 != 9,
        "userType": "Member",
        "department": DEPARTMENTS[i % 4],
        "usageLocation": "US",
        "assignedLicenses": [],
        "createdDateTime": "2025-01-01T00:00:00Z"
    })
}
