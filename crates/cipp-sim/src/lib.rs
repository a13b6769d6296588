//! # cipp-sim
//!
//! An offline, stateful, multi-tenant Microsoft 365 simulator for testing partner automation:
//! Entra ID login (refresh token, client credentials, certificate assertions, device code,
//! OpenID metadata) and Microsoft Graph as a generic JSON store with Graph's rules for
//! `$select`, `$filter`, `$top`, `$count`, `$orderby`, `$search`, paging, `$batch` and delta.
//! Faults (throttling, outages, latency, expired tokens) switch on and off at runtime, and a
//! request log counts every round trip.
//!
//! It serves loopback only and depends on no other cipp-rs crate: it speaks HTTP.
//!
//! ```no_run
//! # async fn run() -> Result<(), cipp_sim::SimError> {
//! let sim = cipp_sim::Sim::start().await?;
//! println!("login at {}, graph at {}", sim.login_url(), sim.graph_url());
//! let creds = sim.credentials(); // the seeded SAM app and partner refresh token
//! sim.faults().add_rule(cipp_sim::FaultRule::throttle("/users", 2, 3));
//! # Ok(()) }
//! ```
//!
//! Paths stand in for hosts: `{base}/login/...` is `https://login.microsoftonline.com/...`,
//! `{base}/graph/...` is `https://graph.microsoft.com/...`, and `{base}/_sim/...` is the
//! control API (`requests`, `stats`, `faults`, `latency`, `expire-tokens`, `token-lifetime`,
//! `tenants`, `credentials`, `users/generate`).

mod faults;
mod graph;
mod log;
mod login;
mod odata;
mod reply;
mod seed;
mod server;
mod state;
mod tokens;

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Serialize};

pub use faults::{FaultControl, FaultRule, FaultScope};
pub use log::{RequestRecord, SimStats};
pub use seed::{generated_user, Seed, SeedApplication, SeedTenant, DEFAULT_SEED};
pub use state::SimTenant;

use state::State;

/// What can go wrong starting or driving the simulator.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SimError {
    /// The seed could not be read or parsed.
    #[error("invalid seed: {0}")]
    Seed(String),
    /// The address is not loopback, or binding failed.
    #[error("cannot listen on {addr}: {message}")]
    Bind {
        /// The address asked for.
        addr: SocketAddr,
        /// Why.
        message: String,
    },
    /// No tenant with that GUID or domain.
    #[error("no simulated tenant '{0}'")]
    UnknownTenant(String),
}

/// The seeded application and partner refresh token (test values, not secrets).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SimCredentials {
    /// SAM application id.
    pub application_id: String,
    /// SAM application secret.
    pub application_secret: String,
    /// Partner service account refresh token.
    pub refresh_token: String,
    /// Partner tenant GUID.
    pub partner_tenant_id: String,
}

/// A running simulator. Dropping it stops the server.
#[derive(Debug)]
pub struct Sim {
    state: Arc<State>,
    addr: SocketAddr,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<()>>,
}

/// Builder for [`Sim`].
#[derive(Debug)]
pub struct SimBuilder {
    seed: Result<Seed, SimError>,
    addr: SocketAddr,
    latency: Duration,
    token_lifetime: Duration,
    device_code_interval: Duration,
    generated: Vec<(String, usize)>,
}

impl Default for SimBuilder {
    fn default() -> Self {
        SimBuilder {
            seed: Ok(Seed::demo()),
            addr: SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), 0),
            latency: Duration::ZERO,
            token_lifetime: Duration::from_secs(3599),
            device_code_interval: Duration::from_secs(1),
            generated: Vec::new(),
        }
    }
}

impl SimBuilder {
    /// Use this seed instead of the demo tenants.
    pub fn seed(mut self, seed: Seed) -> Self {
        self.seed = Ok(seed);
        self
    }

    /// Read the seed from a JSON file.
    pub fn seed_file(mut self, path: impl AsRef<Path>) -> Self {
        let path: PathBuf = path.as_ref().to_path_buf();
        self.seed = std::fs::read_to_string(&path)
            .map_err(|e| SimError::Seed(format!("{}: {e}", path.display())))
            .and_then(|t| Seed::from_json(&t));
        self
    }

    /// Parse the seed from JSON text.
    pub fn seed_json(mut self, json: &str) -> Self {
        self.seed = Seed::from_json(json);
        self
    }

    /// Listen on this address (must be loopback).
    pub fn bind(mut self, addr: SocketAddr) -> Self {
        self.addr = addr;
        self
    }

    /// Listen on this port of 127.0.0.1 (0 picks a free one).
    pub fn port(mut self, port: u16) -> Self {
        self.addr.set_port(port);
        self
    }

    /// Latency added to every login and Graph request.
    pub fn latency(mut self, latency: Duration) -> Self {
        self.latency = latency;
        self
    }

    /// Lifetime of issued access tokens.
    pub fn token_lifetime(mut self, lifetime: Duration) -> Self {
        self.token_lifetime = lifetime;
        self
    }

    /// Polling interval announced for device-code sign-in.
    pub fn device_code_interval(mut self, interval: Duration) -> Self {
        self.device_code_interval = interval;
        self
    }

    /// Add `count` generated users to `tenant` (GUID or domain) at start.
    pub fn generated_users(mut self, tenant: &str, count: usize) -> Self {
        self.generated.push((tenant.to_string(), count));
        self
    }

    /// Start serving.
    pub async fn start(self) -> Result<Sim, SimError> {
        if !self.addr.ip().is_loopback() {
            return Err(SimError::Bind {
                addr: self.addr,
                message: "the simulator only listens on loopback addresses".into(),
            });
        }
        let seed = self.seed?;
        let state = Arc::new(State::new(
            seed,
            self.token_lifetime,
            self.device_code_interval.as_secs().max(1),
        ));
        for (tenant, count) in &self.generated {
            generate_users(&state, tenant, *count)?;
        }
        FaultControl {
            state: state.clone(),
        }
        .set_latency(self.latency);
        let listener = tokio::net::TcpListener::bind(self.addr)
            .await
            .map_err(|e| SimError::Bind {
                addr: self.addr,
                message: e.to_string(),
            })?;
        let addr = listener.local_addr().map_err(|e| SimError::Bind {
            addr: self.addr,
            message: e.to_string(),
        })?;
        let app = axum::Router::new()
            .fallback(server::dispatch)
            .with_state(state.clone());
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            let served = axum::serve(listener, app)
                .with_graceful_shutdown(async {
                    let _ = rx.await;
                })
                .await;
            if let Err(e) = served {
                tracing::error!(error = %e, "cipp-sim server stopped");
            }
        });
        Ok(Sim {
            state,
            addr,
            shutdown: Some(tx),
            task: Some(task),
        })
    }
}

/// Append `count` generated users to `tenant`'s `users`.
pub(crate) fn generate_users(state: &State, tenant: &str, count: usize) -> Result<(), SimError> {
    let guid = state
        .resolve(tenant)
        .ok_or_else(|| SimError::UnknownTenant(tenant.to_string()))?;
    let domain = state
        .tenant(&guid)
        .map(|t| t.default_domain.clone())
        .unwrap_or_default();
    let mut all = state.data.write().unwrap_or_else(|e| e.into_inner());
    let data = all
        .get_mut(&guid)
        .ok_or_else(|| SimError::UnknownTenant(tenant.to_string()))?;
    let root = data
        .root
        .as_object_mut()
        .ok_or_else(|| SimError::Seed(format!("tenant {tenant}: graph is not an object")))?;
    let users = root
        .entry("users")
        .or_insert_with(|| serde_json::Value::Array(Vec::new()));
    if let serde_json::Value::Array(list) = users {
        let start = list.len();
        list.reserve(count);
        list.extend((start..start + count).map(|i| generated_user(i, &domain)));
    }
    Ok(())
}

impl Sim {
    /// Start with the demo seed on a free loopback port.
    pub async fn start() -> Result<Sim, SimError> {
        SimBuilder::default().start().await
    }

    /// Configure before starting.
    pub fn builder() -> SimBuilder {
        SimBuilder::default()
    }

    /// `http://127.0.0.1:PORT`.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Stands in for `https://login.microsoftonline.com`.
    pub fn login_url(&self) -> String {
        format!("{}/login", self.base_url())
    }

    /// Stands in for `https://graph.microsoft.com`.
    pub fn graph_url(&self) -> String {
        format!("{}/graph", self.base_url())
    }

    /// The listening address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The seeded application and partner refresh token.
    pub fn credentials(&self) -> SimCredentials {
        SimCredentials {
            application_id: self.state.application.application_id.clone(),
            application_secret: self.state.application.application_secret.clone(),
            refresh_token: self.state.application.refresh_token.clone(),
            partner_tenant_id: self.state.partner.id.clone(),
        }
    }

    /// The customer tenants.
    pub fn tenants(&self) -> Vec<SimTenant> {
        self.state.customers.clone()
    }

    /// The partner tenant.
    pub fn partner(&self) -> SimTenant {
        self.state.partner.clone()
    }

    /// Fault control.
    pub fn faults(&self) -> FaultControl {
        FaultControl {
            state: self.state.clone(),
        }
    }

    /// Requests answered so far (the most recent 200,000).
    pub fn requests(&self) -> Vec<RequestRecord> {
        let log = self.state.log.lock().unwrap_or_else(|e| e.into_inner());
        log.records.iter().cloned().collect()
    }

    /// Forget the request log and reset the counters.
    pub fn clear_requests(&self) {
        self.state
            .log
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clear();
    }

    /// Counters since start or the last clear.
    pub fn stats(&self) -> SimStats {
        let log = self.state.log.lock().unwrap_or_else(|e| e.into_inner());
        log.stats.clone()
    }

    /// Add `count` generated users to `tenant`.
    pub fn generate_users(&self, tenant: &str, count: usize) -> Result<(), SimError> {
        generate_users(&self.state, tenant, count)
    }

    /// Stop serving and wait for the server to end.
    pub async fn shutdown(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }

    /// Serve until the server ends (it ends when the process does, or on shutdown).
    pub async fn wait(mut self) {
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for Sim {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}
