//! # cipp-testkit
//!
//! What every crate's integration tests need: a pipeline signed in with the simulator's seeded
//! credentials and pointed at every simulated service. (cipp-sim speaks only HTTP and knows
//! none of our crates, so the bridge lives here, for tests only.)
//!
//! ```no_run
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let sim = cipp_sim::Sim::start().await?;
//! let pipeline = cipp_testkit::pipeline(&sim)?;
//! # let _ = pipeline; Ok(()) }
//! ```

use cipp_core::{Credentials, Endpoints, Error, Pipeline, PipelineBuilder, Service};
use cipp_sim::Sim;

/// Endpoints sending every simulated service to `sim`.
pub fn endpoints(sim: &Sim) -> Result<Endpoints, Error> {
    sim.endpoints()
        .into_iter()
        .try_fold(Endpoints::default(), |e, (name, url)| {
            e.with_override(name.parse::<Service>()?, &url)
        })
}

/// A pipeline builder signed in with the simulator's partner credentials, pointed at it.
pub fn pipeline_builder(sim: &Sim) -> Result<PipelineBuilder, Error> {
    let c = sim.credentials();
    let creds = Credentials::builder(c.application_id)
        .client_secret(c.application_secret)
        .refresh_token(c.refresh_token)
        .partner_tenant(c.partner_tenant_id)
        .build()?;
    Ok(Pipeline::builder(creds).endpoints(endpoints(sim)?))
}

/// [`pipeline_builder`] with the defaults, built.
pub fn pipeline(sim: &Sim) -> Result<Pipeline, Error> {
    pipeline_builder(sim)?.build()
}
