//! The one tokio runtime of the Python module.
//!
//! Library crates own no runtime; the binding does. A runtime's threads do not survive
//! `fork()`, so the runtime is tagged with the process id and rebuilt in a child process (the
//! parent's copy is leaked there: dropping it would wait for threads that do not exist).

use std::future::Future;
use std::sync::{Arc, Mutex};

use pyo3::prelude::*;
use tokio::runtime::Runtime;

static RUNTIME: Mutex<Option<(u32, Arc<Runtime>)>> = Mutex::new(None);

/// The runtime of this process, created on first use.
pub fn runtime() -> PyResult<Arc<Runtime>> {
    let pid = std::process::id();
    let mut slot = RUNTIME.lock().unwrap_or_else(|e| e.into_inner());
    match slot.as_ref() {
        Some((owner, rt)) if *owner == pid => return Ok(rt.clone()),
        Some(_) => {
            if let Some((_, stale)) = slot.take() {
                std::mem::forget(stale);
            }
        }
        None => {}
    }
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name("cipp-runtime")
        .enable_all()
        .build()
        .map(Arc::new)
        .map_err(|e| {
            pyo3::exceptions::PyRuntimeError::new_err(format!("cannot start the cipp runtime: {e}"))
        })?;
    *slot = Some((pid, rt.clone()));
    Ok(rt)
}

/// Run `fut` to completion with the GIL released.
pub fn block_on<F>(py: Python<'_>, fut: F) -> PyResult<F::Output>
where
    F: Future + Send,
    F::Output: Send,
{
    let rt = runtime()?;
    Ok(py.detach(move || rt.block_on(fut)))
}
