//! JSON values to and from plain Python objects (dict, list, str, int, float, bool, None).

use pyo3::prelude::*;
use serde_json::Value;

/// A JSON value as a Python object.
pub fn to_py(py: Python<'_>, value: &Value) -> PyResult<Py<PyAny>> {
    pythonize::pythonize(py, value)
        .map(Bound::unbind)
        .map_err(|e| pyo3::exceptions::PyValueError::new_err(e.to_string()))
}

/// A Python object as a JSON value; `what` names the argument in the error.
pub fn from_py(obj: &Bound<'_, PyAny>, what: &str) -> PyResult<Value> {
    pythonize::depythonize(obj).map_err(|e| {
        pyo3::exceptions::PyTypeError::new_err(format!(
            "{what} must be JSON-shaped (dict, list, str, number, bool, None): {e}"
        ))
    })
}
