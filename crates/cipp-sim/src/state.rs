//! Shared state: tenants, their data, tokens, faults and the log.

use std::collections::{HashMap, HashSet};
use std::sync::{Mutex, RwLock};
use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::faults::{Faults, Fired};
use crate::log::{Log, RequestRecord};
use crate::seed::{Seed, SeedApplication};
use crate::tokens::TokenIssuer;

/// A tenant as the simulator knows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SimTenant {
    /// Tenant GUID.
    pub id: String,
    /// Display name.
    pub display_name: String,
    /// Default domain.
    pub default_domain: String,
    /// Initial `*.onmicrosoft.com` domain.
    pub initial_domain: String,
    /// Every domain.
    pub domains: Vec<String>,
}

/// One change to a collection item, for delta queries.
#[derive(Debug, Clone)]
pub(crate) struct Change {
    pub seq: u64,
    pub collection: String,
    pub id: String,
    pub removed: bool,
}

/// A tenant's Graph data and its change history.
#[derive(Debug)]
pub(crate) struct TenantData {
    pub root: Value,
    pub changes: Vec<Change>,
    pub seq: u64,
}

#[derive(Debug)]
pub(crate) struct State {
    pub application: SeedApplication,
    pub partner: SimTenant,
    pub service_account: String,
    pub customers: Vec<SimTenant>,
    /// Lowercase GUID or domain -> GUID.
    pub names: HashMap<String, String>,
    pub data: RwLock<HashMap<String, TenantData>>,
    pub tokens: TokenIssuer,
    pub refresh_tokens: Mutex<HashSet<String>>,
    pub revoked: Mutex<HashSet<String>>,
    pub device_codes: Mutex<HashMap<String, u32>>,
    pub device_interval: u64,
    pub faults: Mutex<Faults>,
    pub log: Mutex<Log>,
}

fn sim_tenant(t: &crate::seed::SeedTenant) -> SimTenant {
    SimTenant {
        id: t.id.to_ascii_lowercase(),
        display_name: t.display_name.clone(),
        default_domain: t.default_domain(),
        initial_domain: t.initial_domain(),
        domains: t.domains.clone(),
    }
}

impl State {
    pub fn new(seed: Seed, token_lifetime: Duration, device_interval: u64) -> Self {
        let partner = sim_tenant(&seed.partner);
        let customers: Vec<SimTenant> = seed.customers.iter().map(sim_tenant).collect();
        let mut names = HashMap::new();
        let mut data = HashMap::new();
        for (t, raw) in std::iter::once((&partner, &seed.partner))
            .chain(customers.iter().zip(seed.customers.iter()))
        {
            names.insert(t.id.clone(), t.id.clone());
            for d in &t.domains {
                names.insert(d.to_ascii_lowercase(), t.id.clone());
            }
            data.insert(
                t.id.clone(),
                TenantData {
                    root: raw.graph.clone(),
                    changes: Vec::new(),
                    seq: 0,
                },
            );
        }
        let service_account = seed
            .partner
            .service_account
            .clone()
            .unwrap_or_else(|| format!("cipp@{}", partner.default_domain));
        let mut rts = HashSet::new();
        rts.insert(seed.application.refresh_token.clone());
        State {
            application: seed.application,
            partner,
            service_account,
            customers,
            names,
            data: RwLock::new(data),
            tokens: TokenIssuer::new(token_lifetime),
            refresh_tokens: Mutex::new(rts),
            revoked: Mutex::new(HashSet::new()),
            device_codes: Mutex::new(HashMap::new()),
            device_interval,
            faults: Mutex::new(Faults::default()),
            log: Mutex::new(Log::default()),
        }
    }

    /// GUID of a tenant named by GUID or domain.
    pub fn resolve(&self, name: &str) -> Option<String> {
        self.names.get(&name.to_ascii_lowercase()).cloned()
    }

    /// The tenant with this GUID.
    pub fn tenant(&self, guid: &str) -> Option<&SimTenant> {
        std::iter::once(&self.partner)
            .chain(self.customers.iter())
            .find(|t| t.id == guid)
    }

    pub fn is_customer(&self, guid: &str) -> bool {
        self.customers.iter().any(|t| t.id == guid)
    }

    pub fn record(&self, r: RequestRecord) {
        self.log.lock().unwrap_or_else(|e| e.into_inner()).push(r);
    }

    pub fn latency(&self) -> Duration {
        self.faults
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .latency
    }

    pub fn fire_fault(
        &self,
        is_item: bool,
        tenant: Option<&str>,
        method: &str,
        path: &str,
    ) -> Option<Fired> {
        let matches = |rule_tenant: &str, have: &str| {
            self.resolve(rule_tenant).as_deref() == Some(have)
                || rule_tenant.eq_ignore_ascii_case(have)
        };
        self.faults
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .fire(is_item, tenant, matches, method, path)
    }

    pub fn new_refresh_token(&self) -> String {
        let rt = format!("0.AXEA+sim/{}", uuid::Uuid::new_v4().simple());
        self.refresh_tokens
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(rt.clone());
        rt
    }

    pub fn revoke_refresh_token(&self, rt: &str) {
        self.revoked
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(rt.to_string());
    }

    /// `Ok` for a valid refresh token; `Err(code)` with the AADSTS number otherwise.
    pub fn check_refresh_token(&self, rt: &str) -> Result<(), u32> {
        if self
            .revoked
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .contains(rt)
        {
            return Err(700082);
        }
        if self
            .refresh_tokens
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .contains(rt)
        {
            Ok(())
        } else {
            Err(9002313)
        }
    }
}
