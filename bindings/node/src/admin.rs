//! `tenant.teams` and `tenant.sharepoint`: Teams policies and SharePoint tenant settings as
//! promises of plain objects.

use cipp::Cipp;
use napi::bindgen_prelude::*;
use napi_derive::napi;
use serde_json::{json, Map, Value};

use crate::OrJs;

fn object(value: Value, what: &str) -> Result<Map<String, Value>> {
    match value {
        Value::Object(m) => Ok(m),
        _ => Err(crate::invalid(
            what,
            "expected an object of property -> value",
        )),
    }
}

/// Teams policies and configurations in one tenant.
#[napi]
pub struct Teams {
    pub(crate) cipp: Cipp,
    pub(crate) tenant: String,
}

impl Teams {
    fn client(&self) -> cipp::teams::TeamsClient {
        self.cipp.tenant(self.tenant.clone()).teams()
    }
}

#[napi]
impl Teams {
    /// Every instance of a type (`TeamsMeetingPolicy`, `Get-CsTeamsMeetingPolicy`, ...).
    #[napi]
    pub async fn list(&self, kind: String) -> Result<Value> {
        let v = self
            .client()
            .list(&kind)
            .await
            .map_err(cipp::Error::from)
            .js()?;
        Ok(Value::Array(v))
    }

    /// One instance (default `Global`).
    #[napi]
    pub async fn get(&self, kind: String, identity: Option<String>) -> Result<Value> {
        self.client()
            .get(&kind, identity.as_deref())
            .await
            .map_err(cipp::Error::from)
            .js()
    }

    /// Change properties read-modify-write: `{changed, object}`.
    #[napi]
    pub async fn set(
        &self,
        kind: String,
        changes: Value,
        identity: Option<String>,
    ) -> Result<Value> {
        let changes = object(changes, "changes")?;
        let out = self
            .client()
            .set(&kind, identity.as_deref(), &changes)
            .await
            .map_err(cipp::Error::from)
            .js()?;
        Ok(json!({"changed": out.changed, "object": out.object}))
    }

    /// Remove a custom instance.
    #[napi]
    pub async fn delete(&self, kind: String, identity: String) -> Result<()> {
        self.client()
            .delete(&kind, &identity)
            .await
            .map_err(cipp::Error::from)
            .js()
    }
}

/// SharePoint Online tenant administration in one tenant.
#[napi]
pub struct SharePoint {
    pub(crate) cipp: Cipp,
    pub(crate) tenant: String,
}

impl SharePoint {
    fn client(&self) -> cipp::sharepoint::SharePointClient {
        self.cipp.tenant(self.tenant.clone()).sharepoint()
    }
}

#[napi]
impl SharePoint {
    /// The tenant's SharePoint name.
    #[napi]
    pub async fn name(&self) -> Result<String> {
        self.client().name().await.map_err(cipp::Error::from).js()
    }

    /// Every tenant setting (CSOM Tenant properties).
    #[napi]
    pub async fn tenant_settings(&self) -> Result<Value> {
        let s = self
            .client()
            .tenant_settings()
            .await
            .map_err(cipp::Error::from)
            .js()?;
        Ok(Value::Object(s.properties))
    }

    /// Change tenant settings (only those given are sent).
    #[napi]
    pub async fn set_tenant_settings(&self, changes: Value) -> Result<()> {
        let changes = object(changes, "changes")?;
        self.client()
            .set_tenant_settings(&changes)
            .await
            .map_err(cipp::Error::from)
            .js()
    }

    /// `{tenantStorageMb, usedStorageMb, usedPercent}`.
    #[napi]
    pub async fn storage_quota(&self) -> Result<Value> {
        let q = self
            .client()
            .storage_quota()
            .await
            .map_err(cipp::Error::from)
            .js()?;
        Ok(
            json!({"tenantStorageMb": q.tenant_storage_mb, "usedStorageMb": q.used_storage_mb,
            "usedPercent": q.used_percent()}),
        )
    }
}
