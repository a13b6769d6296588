//! [`SimBuilder`]: seed, address and settings of a simulator before it starts.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use crate::seed::Seed;
use crate::server::router;
use crate::sim::Sim;
use crate::state::{Settings, State};
use crate::SimError;

/// Configures and starts a [`Sim`].
///
/// ```no_run
/// # async fn run() -> Result<(), cipp_sim::SimError> {
/// use std::time::Duration;
/// let sim = cipp_sim::Sim::builder()
///     .port(8400)
///     .seed_file("my-tenants.json")
///     .device_code_interval(Duration::ZERO)
///     .start()
///     .await?;
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct SimBuilder {
    seed: Result<Seed, SimError>,
    addr: SocketAddr,
    settings: Settings,
    generated: Vec<(String, usize)>,
}

impl Default for SimBuilder {
    fn default() -> Self {
        SimBuilder {
            seed: Ok(Seed::demo()),
            addr: SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), 0),
            settings: Settings {
                token_lifetime: Duration::from_secs(3599),
                device_code_interval: Duration::from_secs(1),
                latency: Duration::ZERO,
            },
            generated: Vec::new(),
        }
    }
}

impl SimBuilder {
    /// Use this seed instead of the built-in one.
    pub fn seed(mut self, seed: Seed) -> Self {
        self.seed = seed.validate().map(|()| seed);
        self
    }

    /// Read the seed from a JSON file (errors surface from [`SimBuilder::start`]).
    pub fn seed_file(mut self, path: impl AsRef<Path>) -> Self {
        self.seed = Seed::from_file(path);
        self
    }

    /// Parse the seed from JSON text (errors surface from [`SimBuilder::start`]).
    pub fn seed_json(mut self, json: &str) -> Self {
        self.seed = Seed::from_json(json);
        self
    }

    /// Listen on this address; it must be a loopback address.
    pub fn bind(mut self, addr: SocketAddr) -> Self {
        self.addr = addr;
        self
    }

    /// Listen on this port (0 picks a free one) of the bind address (127.0.0.1 by default).
    pub fn port(mut self, port: u16) -> Self {
        self.addr.set_port(port);
        self
    }

    /// Latency added before answering each login and Graph request.
    pub fn latency(mut self, latency: Duration) -> Self {
        self.settings.latency = latency;
        self
    }

    /// Lifetime of issued access tokens (default 3599 seconds; at least one second).
    pub fn token_lifetime(mut self, lifetime: Duration) -> Self {
        self.settings.token_lifetime = lifetime;
        self
    }

    /// Polling interval announced by device-code sign-in, in whole seconds (default 1).
    pub fn device_code_interval(mut self, interval: Duration) -> Self {
        self.settings.device_code_interval = interval;
        self
    }

    /// Add `count` generated users to `tenant` (GUID or domain) before serving. Can be
    /// called for several tenants.
    pub fn generated_users(mut self, tenant: &str, count: usize) -> Self {
        self.generated.push((tenant.to_string(), count));
        self
    }

    /// Bind and start serving in a Tokio task (needs a Tokio runtime).
    pub async fn start(self) -> Result<Sim, SimError> {
        if !self.addr.ip().is_loopback() {
            return Err(SimError::NotLoopback(self.addr));
        }
        let seed = self.seed?;
        for (tenant, _) in &self.generated {
            let known = seed.tenants().any(|t| {
                t.id.eq_ignore_ascii_case(tenant)
                    || t.domains.iter().any(|d| d.eq_ignore_ascii_case(tenant))
            });
            if !known {
                return Err(SimError::UnknownTenant(tenant.clone()));
            }
        }
        let listener = tokio::net::TcpListener::bind(self.addr)
            .await
            .map_err(|source| SimError::Bind {
                addr: self.addr,
                source,
            })?;
        let addr = listener.local_addr().map_err(|source| SimError::Bind {
            addr: self.addr,
            source,
        })?;
        let state = Arc::new(State::new(seed, &self.settings, addr));
        for (tenant, count) in &self.generated {
            state.generate_users(tenant, *count, false)?;
        }
        let app = router(state.clone());
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
        tracing::debug!(%addr, "cipp-sim listening");
        Ok(Sim {
            state,
            addr,
            shutdown: Some(tx),
            task: Some(task),
        })
    }
}
