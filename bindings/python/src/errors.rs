//! Rust errors as the Python exception classes defined in `cipp/_errors.py`.

use cipp::Error;
use pyo3::prelude::*;
use pyo3::types::PyDict;

fn class_name(e: &Error) -> &'static str {
    match e {
        Error::Auth(_) => "AuthError",
        Error::InvalidInput { .. } => "InvalidInputError",
        Error::Service(s) if s.status == 429 => "ThrottledError",
        Error::Service(s) if s.status == 404 => "NotFoundError",
        Error::Service(_) => "HttpError",
        Error::Transport { .. } => "TransportError",
        Error::Decode { .. } => "DecodeError",
        _ => "CippError",
    }
}

/// Convert a cipp error into the matching Python exception, with its details as attributes.
pub fn to_py(e: Error) -> PyErr {
    Python::attach(|py| match build(py, &e) {
        Ok(err) => err,
        Err(fallback) => fallback,
    })
}

fn build(py: Python<'_>, e: &Error) -> PyResult<PyErr> {
    let module = py.import("cipp._errors")?;
    let class = module.getattr(class_name(e))?;
    let kwargs = PyDict::new(py);
    kwargs.set_item("status", e.status())?;
    kwargs.set_item("code", e.code())?;
    kwargs.set_item("tenant", e.tenant())?;
    kwargs.set_item("hint", e.hint())?;
    match e {
        Error::Service(s) => {
            kwargs.set_item("request_id", s.request_id.clone())?;
            kwargs.set_item("retry_after", s.retry_after.map(|d| d.as_secs_f64()))?;
        }
        Error::InvalidInput { field, .. } => kwargs.set_item("field", field)?,
        Error::Decode { path, .. } => kwargs.set_item("path", path)?,
        _ => {}
    }
    let instance = class.call((e.to_string(),), Some(&kwargs))?;
    Ok(PyErr::from_value(instance))
}

/// Shorthand for `result.map_err(to_py)`.
pub trait IntoPy<T> {
    /// Map the error to a Python exception.
    fn py_err(self) -> PyResult<T>;
}

impl<T> IntoPy<T> for Result<T, Error> {
    fn py_err(self) -> PyResult<T> {
        self.map_err(to_py)
    }
}
