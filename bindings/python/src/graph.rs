//! `tenant.graph`: raw Graph calls returning plain Python data, lazy iteration and `$batch`.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use cipp::graph::{BatchRequest, GraphClient, Page, Query, QueryOptions};
use cipp::Error;
use cipp_core::Method;
use futures::stream::BoxStream;
use futures::StreamExt;
use pyo3::prelude::*;
use serde_json::Value;

use crate::client::Core;
use crate::convert;
use crate::errors::IntoPy;
use crate::runtime::block_on;

/// Query options shared by `get`, `get_all` and `iter`.
fn query(
    select: Option<Vec<String>>,
    filter: Option<String>,
    top: Option<u32>,
    orderby: Option<String>,
    search: Option<String>,
    expand: Option<Vec<String>>,
    count: bool,
) -> Query {
    QueryOptions {
        select: select.unwrap_or_default(),
        filter,
        top,
        orderby,
        search,
        expand: expand.unwrap_or_default(),
        count,
    }
    .into()
}

/// Microsoft Graph for one tenant.
#[pyclass(module = "cipp._native", frozen)]
pub struct Graph {
    core: Arc<Core>,
    tenant: String,
    beta: bool,
    app_only: bool,
}

impl Graph {
    pub fn new(core: Arc<Core>, tenant: String) -> Self {
        Graph {
            core,
            tenant,
            beta: false,
            app_only: false,
        }
    }

    /// The Rust client for this process (see [`Core`]).
    fn client(&self) -> PyResult<GraphClient> {
        let mut g = self.core.cipp()?.tenant(self.tenant.clone()).graph();
        if self.beta {
            g = g.beta();
        }
        if self.app_only {
            g = g.app_only();
        }
        Ok(g)
    }

    fn variant(&self, beta: bool, app_only: bool) -> Graph {
        Graph {
            core: self.core.clone(),
            tenant: self.tenant.clone(),
            beta,
            app_only,
        }
    }

    fn send(
        &self,
        py: Python<'_>,
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> PyResult<Py<PyAny>> {
        let mut req = self.client()?.request(method, path.to_string());
        if let Some(b) = body {
            req = req.body(b);
        }
        let value = block_on(py, req.send())?.py_err()?;
        convert::to_py(py, &value)
    }
}

#[pymethods]
impl Graph {
    /// The same tenant on the beta API.
    #[getter]
    fn beta(&self) -> Graph {
        self.variant(true, self.app_only)
    }

    /// The same tenant with app-only tokens.
    #[getter]
    fn app_only(&self) -> Graph {
        self.variant(self.beta, true)
    }

    /// GET one page (or one object) as returned by Graph.
    #[pyo3(signature = (path, *, select=None, filter=None, top=None, orderby=None, search=None, expand=None, count=false))]
    #[allow(clippy::too_many_arguments)]
    fn get(
        &self,
        py: Python<'_>,
        path: String,
        select: Option<Vec<String>>,
        filter: Option<String>,
        top: Option<u32>,
        orderby: Option<String>,
        search: Option<String>,
        expand: Option<Vec<String>>,
        count: bool,
    ) -> PyResult<Py<PyAny>> {
        let q = query(select, filter, top, orderby, search, expand, count);
        let req = self.client()?.request(Method::GET, path).with_query(q);
        let value = block_on(py, req.send())?.py_err()?;
        convert::to_py(py, &value)
    }

    /// Every item of a collection, following `@odata.nextLink` to the end.
    #[pyo3(signature = (path, *, select=None, filter=None, top=None, orderby=None, search=None, expand=None, count=false))]
    #[allow(clippy::too_many_arguments)]
    fn get_all(
        &self,
        py: Python<'_>,
        path: String,
        select: Option<Vec<String>>,
        filter: Option<String>,
        top: Option<u32>,
        orderby: Option<String>,
        search: Option<String>,
        expand: Option<Vec<String>>,
        count: bool,
    ) -> PyResult<Py<PyAny>> {
        let q = query(select, filter, top, orderby, search, expand, count);
        let list = self.client()?.list_json(path).with_query(q);
        let items = block_on(py, list.collect_all())?.py_err()?;
        convert::to_py(py, &Value::Array(items))
    }

    /// A lazy iterator over a collection's items; pages are fetched as it advances.
    #[pyo3(signature = (path, *, select=None, filter=None, top=None, orderby=None, search=None, expand=None, count=false))]
    #[allow(clippy::too_many_arguments)]
    fn iter(
        &self,
        path: String,
        select: Option<Vec<String>>,
        filter: Option<String>,
        top: Option<u32>,
        orderby: Option<String>,
        search: Option<String>,
        expand: Option<Vec<String>>,
        count: bool,
    ) -> PyResult<GraphIter> {
        let q = query(select, filter, top, orderby, search, expand, count);
        let list = self.client()?.list_json(path).with_query(q);
        Ok(GraphIter {
            state: Mutex::new(IterState {
                pages: Some(list.pages()),
                buffer: VecDeque::new(),
            }),
        })
    }

    /// POST a JSON body; returns the response body (or None).
    fn post(&self, py: Python<'_>, path: String, body: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        let b = convert::from_py(body, "body")?;
        self.send(py, Method::POST, &path, Some(b))
    }

    /// PATCH a JSON body.
    fn patch(&self, py: Python<'_>, path: String, body: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        let b = convert::from_py(body, "body")?;
        self.send(py, Method::PATCH, &path, Some(b))
    }

    /// PUT a JSON body.
    fn put(&self, py: Python<'_>, path: String, body: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        let b = convert::from_py(body, "body")?;
        self.send(py, Method::PUT, &path, Some(b))
    }

    /// DELETE a path.
    fn delete(&self, py: Python<'_>, path: String) -> PyResult<()> {
        let client = self.client()?;
        block_on(py, async move { client.delete(&path).await })?.py_err()
    }

    /// Send any number of requests (`{"id", "method", "url", "body"?, "headers"?, "dependsOn"?}`)
    /// through `$batch`, 20 per round trip. Returns the responses in request order, each
    /// `{"id", "status", "headers", "body"}`.
    fn batch(&self, py: Python<'_>, requests: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        let raw = convert::from_py(requests, "requests")?;
        let parsed: Vec<BatchRequest> = serde_json::from_value(raw).map_err(|e| {
            crate::errors::to_py(Error::invalid_input(
                "requests",
                format!("not a list of batch requests: {e}"),
            ))
        })?;
        let client = self.client()?;
        let results = block_on(py, async move { client.batch(parsed).await })?.py_err()?;
        let out: Vec<Value> = results
            .iter()
            .map(|r| serde_json::to_value(r).unwrap_or(Value::Null))
            .collect();
        convert::to_py(py, &Value::Array(out))
    }

    fn __repr__(&self) -> String {
        let version = if self.beta { "beta" } else { "v1.0" };
        format!("cipp.Graph(tenant={:?}, version={version:?})", self.tenant)
    }
}

struct IterState {
    pages: Option<BoxStream<'static, Result<Page<Value>, Error>>>,
    buffer: VecDeque<Value>,
}

/// Iterator returned by `Graph.iter`.
#[pyclass(module = "cipp._native", frozen)]
pub struct GraphIter {
    state: Mutex<IterState>,
}

#[pymethods]
impl GraphIter {
    fn __iter__(slf: PyRef<'_, Self>) -> PyRef<'_, Self> {
        slf
    }

    fn __next__(&self, py: Python<'_>) -> PyResult<Option<Py<PyAny>>> {
        loop {
            let mut guard = self.state.lock().unwrap_or_else(|e| e.into_inner());
            if let Some(item) = guard.buffer.pop_front() {
                return convert::to_py(py, &item).map(Some);
            }
            let Some(mut pages) = guard.pages.take() else {
                return Ok(None);
            };
            drop(guard);
            let (next, pages) = block_on(py, async move {
                let next = pages.next().await;
                (next, pages)
            })?;
            let mut guard = self.state.lock().unwrap_or_else(|e| e.into_inner());
            match next {
                None => return Ok(None),
                Some(Err(e)) => return Err(crate::errors::to_py(e)),
                Some(Ok(page)) => {
                    guard.buffer.extend(page.items);
                    guard.pages = Some(pages);
                }
            }
        }
    }
}
