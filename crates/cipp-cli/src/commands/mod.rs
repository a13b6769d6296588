//! One module per top-level command.

pub mod auth;
pub mod demo;
pub mod gdap;
pub mod graph;
pub mod kv;
pub mod sim;
pub mod tenants;

use cipp::{Cipp, Error, Service};

/// A client signed in to a running simulator with its seeded credentials.
pub fn cipp_for_sim(sim: &cipp_sim::Sim) -> Result<Cipp, Error> {
    let creds = sim.credentials();
    let mut b = Cipp::builder()
        .application_id(creds.application_id)
        .application_secret(creds.application_secret)
        .refresh_token(creds.refresh_token)
        .tenant_id(creds.partner_tenant_id);
    for (name, url) in sim.endpoints() {
        b = b.endpoint(name.parse::<Service>()?, url);
    }
    b.build()
}

/// A client from the environment, with a hint when nothing is configured.
pub fn cipp_from_env() -> Result<Cipp, Error> {
    Cipp::from_env().map_err(|e| match e {
        Error::InvalidInput { field, message } => Error::InvalidInput {
            field,
            message: format!(
                "{message}. Set the CIPP_* variables, run `cipp auth login`, or try `cipp demo`"
            ),
        },
        other => other,
    })
}
