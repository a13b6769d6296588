//! `client.gdap`: GDAP relationships, invites, checks and Partner Center as promises of
//! plain objects (the shapes the Rust types serialise to).

use cipp::gdap::{GdapClient, GdapError, Invite, PermissionManifest};
use cipp::Cipp;
use futures::TryStreamExt;
use napi::bindgen_prelude::*;
use napi_derive::napi;
use serde::Serialize;
use serde_json::Value;

use crate::{invalid, OrJs};

/// GDAP and Partner Center for the partner tenant.
#[napi]
pub struct Gdap {
    pub(crate) cipp: Cipp,
}

/// Options of `createInvite`.
#[napi(object)]
pub struct InviteOptions {
    /// Role template ids (default: the recommended set, never Global Administrator).
    pub roles: Option<Vec<String>>,
    /// Display name (default `CIPP_{guid}`).
    pub name: Option<String>,
    /// Duration in days (default and maximum 730).
    pub days: Option<u32>,
}

fn out<T: Serialize>(value: std::result::Result<T, GdapError>) -> Result<Value> {
    let value = value.map_err(cipp::Error::from).js()?;
    serde_json::to_value(value).map_err(|e| invalid("gdap", e.to_string()))
}

impl Gdap {
    fn client(&self) -> GdapClient {
        self.cipp.gdap()
    }
}

#[napi]
impl Gdap {
    /// Active relationships, or every status with `all`.
    #[napi]
    pub async fn relationships(&self, all: Option<bool>) -> Result<Value> {
        let g = self.client();
        out(if all.unwrap_or(false) {
            g.relationships()
                .collect_all()
                .await
                .map_err(GdapError::from)
        } else {
            g.active_relationships().await
        })
    }

    /// One relationship with its `@odata.etag`.
    #[napi]
    pub async fn relationship(&self, id: String) -> Result<Value> {
        out(self.client().relationship(&id).await)
    }

    /// Create and lock an invitation: `{relationship, link}`.
    #[napi]
    pub async fn create_invite(&self, options: Option<InviteOptions>) -> Result<Value> {
        let o = options.unwrap_or(InviteOptions {
            roles: None,
            name: None,
            days: None,
        });
        let mut invite = match o.roles {
            Some(r) => Invite::with_roles(r),
            None => Invite::recommended(),
        };
        if let Some(n) = o.name {
            invite = invite.display_name(n);
        }
        if let Some(d) = o.days {
            invite = invite.duration_days(d);
        }
        out(self.client().create_invite(invite).await)
    }

    /// Turn auto-extend on: `{outcome: 'changed'|'unchanged', ...}`.
    #[napi]
    pub async fn enable_auto_extend(&self, id: String) -> Result<Value> {
        out(self.client().enable_auto_extend(&id).await)
    }

    /// Remove Global Administrator from an active relationship.
    #[napi]
    pub async fn remove_global_administrator(&self, id: String) -> Result<Value> {
        out(self.client().remove_global_administrator(&id).await)
    }

    /// End an active relationship.
    #[napi]
    pub async fn terminate(&self, id: String) -> Result<Value> {
        out(self.client().terminate(&id).await)
    }

    /// The partner-level GDAP report.
    #[napi]
    pub async fn health(&self) -> Result<Value> {
        out(self.client().health().await)
    }

    /// The roles partner groups hold in one customer.
    #[napi]
    pub async fn tenant_access(&self, tenant: String) -> Result<Value> {
        out(self.client().tenant_access(&tenant).await)
    }

    /// Check the SAM application against a manifest (JSON text); `repair` adds what is
    /// missing.
    #[napi]
    pub async fn sam_check(&self, manifest: String, repair: Option<bool>) -> Result<Value> {
        let g = self.client();
        out(async move {
            let m = PermissionManifest::from_json(&manifest)?;
            let check = g.sam_check(&m).await?;
            if repair.unwrap_or(false) {
                g.repair_sam_permissions(&check).await?;
            }
            Ok(check)
        }
        .await)
    }

    /// CPV: consent the SAM application in `tenant` and grant it what `manifest` (JSON text)
    /// asks.
    #[napi]
    pub async fn refresh_cpv(&self, tenant: String, manifest: String) -> Result<Value> {
        let app = self
            .cipp
            .pipeline()
            .credentials()
            .application_id()
            .to_string();
        let g = self.client();
        out(async move {
            let m = PermissionManifest::from_json(&manifest)?;
            g.refresh_cpv(&tenant, &app, &m).await
        }
        .await)
    }

    /// Partner Center customers, every page.
    #[napi]
    pub async fn customers(&self) -> Result<Value> {
        let list: std::result::Result<Vec<_>, _> =
            self.cipp.partner_center().customers().try_collect().await;
        out(list)
    }

    /// CPV consent for the SAM application (or `applicationId`) in a customer.
    #[napi]
    pub async fn add_application_consent(
        &self,
        customer: String,
        application_id: Option<String>,
    ) -> Result<Value> {
        let app = application_id.unwrap_or_else(|| {
            self.cipp
                .pipeline()
                .credentials()
                .application_id()
                .to_string()
        });
        out(self
            .cipp
            .partner_center()
            .add_application_consent(&customer, &app)
            .await)
    }
}
