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

/// An Exchange error: a refused cmdlet becomes `cipp.CmdletError` with `cmdlet`,
/// `exception_type`, `exchange_code` and `target` attributes; anything else maps as usual.
pub fn exchange_to_py(e: cipp::exchange::ExchangeError) -> PyErr {
    let details = e.as_cmdlet().cloned();
    let err = to_py(e.into());
    let Some(c) = details else {
        return err;
    };
    Python::attach(|py| {
        let build = || -> PyResult<PyErr> {
            let module = py.import("cipp._errors")?;
            let class = module.getattr("CmdletError")?;
            let kwargs = PyDict::new(py);
            kwargs.set_item("status", c.status)?;
            kwargs.set_item("code", c.short_type().or(c.code.as_deref()))?;
            kwargs.set_item("tenant", &c.tenant)?;
            kwargs.set_item("request_id", &c.request_id)?;
            let instance = class.call((c.to_string(),), Some(&kwargs))?;
            instance.setattr("cmdlet", &c.cmdlet)?;
            instance.setattr("exception_type", &c.exception_type)?;
            instance.setattr("exchange_code", &c.code)?;
            instance.setattr("target", &c.target)?;
            instance.setattr("detail", &c.message)?;
            Ok(PyErr::from_value(instance))
        };
        build().unwrap_or(err)
    })
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
