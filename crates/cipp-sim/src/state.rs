//! Everything a running simulator shares between requests. Locks are std locks held for
//! short, synchronous critical sections only (never across an `.await`); a poisoned lock is
//! recovered, since every critical section leaves its data consistent.

use std::net::SocketAddr;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use crate::directory::Directory;
use crate::exchange::ExchangeState;
use crate::faults::{Faults, Fired, Target};
use crate::graph::GraphState;
use crate::keyvault::KeyVaultState;
use crate::log::{Log, RequestRecord};
use crate::login::LoginState;
use crate::partner_center::PartnerCenterState;
use crate::seed::{Seed, SeedApplication};
use crate::sharepoint::SharePointState;
use crate::teams::TeamsState;
use crate::tokens::TokenIssuer;
use crate::SimError;

/// Settings fixed by the builder (some can change at run time through [`crate::FaultControl`]).
#[derive(Debug, Clone)]
pub(crate) struct Settings {
    pub token_lifetime: Duration,
    pub device_code_interval: Duration,
    pub latency: Duration,
}

#[derive(Debug)]
pub(crate) struct State {
    /// Where the simulator listens (used when a request has no `Host` header).
    pub addr: SocketAddr,
    pub app: SeedApplication,
    pub directory: Directory,
    pub tokens: TokenIssuer,
    pub login: LoginState,
    pub graph: GraphState,
    pub partner_center: PartnerCenterState,
    pub exchange: ExchangeState,
    pub sharepoint: SharePointState,
    pub teams: TeamsState,
    pub keyvault: KeyVaultState,
    faults: Mutex<Faults>,
    log: Mutex<Log>,
}

impl State {
    pub fn new(seed: Seed, settings: &Settings, addr: SocketAddr) -> Self {
        let faults = Faults::with_latency(settings.latency);
        let directory = Directory::new(&seed);
        let mut login = LoginState::new(&seed.application.refresh_token, settings);
        // The first tenant that is not a customer is reachable "directly", with a refresh
        // token of its own (CIPP's direct tenants), and not through GDAP.
        login.direct = directory
            .others
            .first()
            .map(|t| (t.id.clone(), login.refresh.mint_bound(&t.id)));
        State {
            addr,
            directory,
            tokens: TokenIssuer::new(settings.token_lifetime),
            login,
            graph: GraphState::new(&seed),
            partner_center: PartnerCenterState::default(),
            exchange: ExchangeState::new(&seed),
            sharepoint: SharePointState::new(&seed),
            teams: TeamsState::new(&seed),
            keyvault: KeyVaultState::default(),
            app: seed.application,
            faults: Mutex::new(faults),
            log: Mutex::new(Log::default()),
        }
    }

    pub fn faults(&self) -> MutexGuard<'_, Faults> {
        self.faults.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub fn log(&self) -> MutexGuard<'_, Log> {
        self.log.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub fn record(&self, r: RequestRecord) {
        self.log().push(r);
    }

    pub fn latency(&self) -> Duration {
        self.faults().latency
    }

    /// The fault rule that fires for this request, if any.
    /// The answer of a fault rule matching `target`, in the service's own error shape
    /// (`error(status, code, message)`), with its `Retry-After`.
    pub fn fault_reply(
        &self,
        target: &Target<'_>,
        error: impl Fn(u16, &str, &str) -> crate::reply::Reply,
    ) -> Option<crate::reply::Reply> {
        let f = self.fire(target)?;
        let (code, message) = crate::faults::fault_answer(f.status);
        let reply = error(f.status, code, message);
        Some(match f.retry_after {
            Some(s) => reply.header("Retry-After", s.to_string()),
            None => reply,
        })
    }

    pub fn fire(&self, target: &Target<'_>) -> Option<Fired> {
        self.faults().fire(target, &self.directory)
    }

    /// The customer `customer` (GUID or domain) approves the pending GDAP invitation
    /// `relationship` of the partner; answers the relationship as Graph now shows it.
    pub fn approve_relationship(
        &self,
        relationship: &str,
        customer: &str,
    ) -> Result<serde_json::Value, SimError> {
        let unknown = || SimError::UnknownTenant(customer.to_string());
        let guid = self.directory.resolve(customer).ok_or_else(unknown)?;
        let name = self
            .directory
            .get(guid)
            .map(|t| t.display_name.clone())
            .ok_or_else(unknown)?;
        let partner = self.directory.partner.id.to_ascii_lowercase();
        let store = self
            .graph
            .store(&partner)
            .ok_or_else(|| SimError::UnknownTenant(partner.clone()))?;
        let mut store = store.write().unwrap_or_else(PoisonError::into_inner);
        crate::graph::gdap::approve(&mut store, relationship, guid, &name)
            .map_err(SimError::Rejected)
    }

    /// Append `count` generated users to the tenant named by GUID or domain. Changes are
    /// tracked for delta queries when `track` is set (not for users made at start).
    pub fn generate_users(&self, tenant: &str, count: usize, track: bool) -> Result<(), SimError> {
        let unknown = || SimError::UnknownTenant(tenant.to_string());
        let guid = self.directory.resolve(tenant).ok_or_else(unknown)?;
        let domain = self
            .directory
            .get(guid)
            .map(|t| t.default_domain.clone())
            .ok_or_else(unknown)?;
        let store = self.graph.store(guid).ok_or_else(unknown)?;
        let mut store = store.write().unwrap_or_else(PoisonError::into_inner);
        store.add_generated_users(&domain, count, track);
        Ok(())
    }
}
