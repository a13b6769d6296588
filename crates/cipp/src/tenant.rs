//! `Tenant`: everything the SDK does for one customer tenant.

use std::sync::Arc;

use cipp_core::{Error, Pipeline};
use cipp_exchange::{ExchangeCache, ExchangeClient};
use cipp_graph::GraphClient;
use cipp_sharepoint::SharePointClient;
use cipp_teams::TeamsClient;

/// A handle on one tenant. Creating it sends nothing.
#[derive(Debug, Clone)]
pub struct Tenant {
    pipeline: Pipeline,
    id: String,
    exchange_cache: Arc<ExchangeCache>,
}

impl Tenant {
    pub(crate) fn new(pipeline: Pipeline, id: String, exchange_cache: Arc<ExchangeCache>) -> Self {
        Tenant {
            pipeline,
            id,
            exchange_cache,
        }
    }

    /// The name this handle was created with (GUID or domain).
    pub fn id(&self) -> &str {
        &self.id
    }

    /// SharePoint Online administration in this tenant.
    pub fn sharepoint(&self) -> SharePointClient {
        SharePointClient::new(self.pipeline.clone(), self.id.clone())
    }

    /// The Teams admin ConfigAPI in this tenant.
    pub fn teams(&self) -> TeamsClient {
        TeamsClient::new(self.pipeline.clone(), self.id.clone())
    }

    /// The tenant's GUID (looked up once through Entra's OpenID metadata for a domain).
    pub async fn guid(&self) -> Result<String, Error> {
        self.pipeline.resolve_tenant(&self.id).await
    }

    /// Microsoft Graph in this tenant (v1.0; `.beta()` for beta).
    pub fn graph(&self) -> GraphClient {
        GraphClient::new(self.pipeline.clone(), self.id.clone())
    }

    /// User management in this tenant: create, edit, licences, aliases, Temporary Access
    /// Pass, delete and restore, mailbox settings.
    pub fn users(&self) -> cipp_actions::users::UserActions {
        cipp_actions::users::UserActions::from_clients(self.graph(), self.exchange())
    }

    /// Offboarding in this tenant: plan and run CIPP's offboarding steps for a user.
    pub fn offboarding(&self) -> cipp_actions::offboard::Offboarding {
        cipp_actions::offboard::Offboarding::from_clients(self.graph(), self.exchange())
    }

    /// Exchange Online in this tenant (`.compliance()` on it for Security & Compliance).
    pub fn exchange(&self) -> ExchangeClient {
        ExchangeClient::builder(self.pipeline.clone(), self.id.clone())
            .cache(self.exchange_cache.clone())
            .build()
    }
}
