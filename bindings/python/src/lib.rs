// Python classes are shown through __repr__; Rust Debug output is never used here.
#![allow(missing_debug_implementations)]

//! The native core of the `cipp` Python package (`cipp._native`). The hand-written Python
//! layer in `python/cipp` re-exports these classes and defines the exception hierarchy.

mod admin;
mod alerts;
mod bec;
mod client;
mod convert;
mod errors;
mod exchange;
mod gdap;
mod graph;
mod keyvault;
mod runtime;
mod scheduler;
mod sim;
mod standards;
mod templates;
mod users;

use pyo3::prelude::*;

#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<client::Client>()?;
    m.add_class::<client::Tenant>()?;
    m.add_class::<graph::Graph>()?;
    m.add_class::<gdap::Gdap>()?;
    m.add_class::<exchange::Exchange>()?;
    m.add_class::<admin::Teams>()?;
    m.add_class::<admin::SharePoint>()?;
    m.add_class::<keyvault::KeyVault>()?;
    m.add_class::<alerts::Alerts>()?;
    m.add_class::<alerts::AlertReport>()?;
    m.add_class::<scheduler::Scheduler>()?;
    m.add_class::<bec::Bec>()?;
    m.add_class::<users::Users>()?;
    m.add_class::<users::Offboarding>()?;
    m.add_class::<bec::BecReport>()?;
    m.add_class::<bec::RemediationReport>()?;
    m.add_class::<standards::Standards>()?;
    m.add_class::<standards::RunReport>()?;
    m.add_class::<templates::Templates>()?;
    m.add_class::<graph::GraphIter>()?;
    m.add_class::<sim::Sim>()?;
    m.add_function(wrap_pyfunction!(sim::start, m)?)?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
