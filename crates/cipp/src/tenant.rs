//! `Tenant`: everything the SDK does for one customer tenant.

use cipp_core::{Error, Pipeline};
use cipp_graph::GraphClient;

/// A handle on one tenant. Creating it sends nothing.
#[derive(Debug, Clone)]
pub struct Tenant {
    pipeline: Pipeline,
    id: String,
}

impl Tenant {
    pub(crate) fn new(pipeline: Pipeline, id: String) -> Self {
        Tenant { pipeline, id }
    }

    /// The name this handle was created with (GUID or domain).
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The tenant's GUID (looked up once through Entra's OpenID metadata for a domain).
    pub async fn guid(&self) -> Result<String, Error> {
        self.pipeline.resolve_tenant(&self.id).await
    }

    /// Microsoft Graph in this tenant (v1.0; `.beta()` for beta).
    pub fn graph(&self) -> GraphClient {
        GraphClient::new(self.pipeline.clone(), self.id.clone())
    }
}
