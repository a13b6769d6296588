//! The CPV refresh for one customer: consent the SAM application through Partner Center
//! (an existing consent is fine), then give its service principal in the customer tenant
//! what the permission manifest asks for. Only additions are made: nothing the tenant
//! already grants is removed or narrowed.

use std::collections::{BTreeMap, BTreeSet};

use cipp_graph::{BatchRequest, GraphClient};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::checks::{PermissionManifest, PermissionRef};
use crate::error::{GdapError, Result};
use crate::partner_center::{ConsentOutcome, PartnerCenterClient};
use crate::relationships::GdapClient;

/// What a CPV refresh did in one customer tenant.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct CpvRefresh {
    /// The customer tenant.
    pub tenant: String,
    /// The consent was given now (`false`: it already existed).
    pub consented: bool,
    /// Service principals created for resource applications (by app id).
    pub service_principals_created: Vec<String>,
    /// Application permissions granted now (`resourceAppId/appRoleId`).
    pub app_roles_added: Vec<String>,
    /// Delegated scopes granted now (`resourceAppId/scope`).
    pub scopes_added: Vec<String>,
    /// Permissions that could not be granted: the resource is absent from the tenant or
    /// does not publish the permission (`resourceAppId/id`).
    pub unresolved: Vec<String>,
    /// Writes that failed, with the service's message.
    pub errors: Vec<String>,
}

impl CpvRefresh {
    /// Every write succeeded.
    pub fn is_success(&self) -> bool {
        self.errors.is_empty()
    }
}

fn str_of<'a>(v: &'a Value, key: &str) -> &'a str {
    v.get(key).and_then(Value::as_str).unwrap_or_default()
}

impl GdapClient {
    /// Consent `application_id` in `customer` and grant it the permissions of `manifest`
    /// there (application roles by id; delegated scopes by the names the resource
    /// publishes). The customer's tokens are dropped afterwards so the next call sees the
    /// new permissions.
    pub async fn refresh_cpv(
        &self,
        customer: &str,
        application_id: &str,
        manifest: &PermissionManifest,
    ) -> Result<CpvRefresh> {
        let pipeline = self.graph().pipeline().clone();
        let customer_id = pipeline.resolve_tenant(customer).await?;
        let consented = matches!(
            PartnerCenterClient::new(pipeline.clone())
                .add_application_consent(&customer_id, application_id)
                .await?,
            ConsentOutcome::Granted { .. }
        );
        let graph = GraphClient::new(pipeline.clone(), customer_id.clone());
        let mut report = CpvRefresh {
            tenant: customer_id.clone(),
            consented,
            service_principals_created: Vec::new(),
            app_roles_added: Vec::new(),
            scopes_added: Vec::new(),
            unresolved: Vec::new(),
            errors: Vec::new(),
        };
        let mut sps = self.service_principals(&graph).await?;
        let wanted: BTreeSet<String> = manifest
            .required_resource_access
            .iter()
            .map(|r| r.resource_app_id.to_ascii_lowercase())
            .chain([application_id.to_ascii_lowercase()])
            .collect();
        let missing: Vec<&String> = wanted.iter().filter(|a| !sps.contains_key(*a)).collect();
        if !missing.is_empty() {
            let requests = missing.iter().map(|app| {
                BatchRequest::post(
                    format!("sp-{app}"),
                    "servicePrincipals",
                    json!({"appId": app}),
                )
            });
            for r in graph.batch(requests).await?.iter() {
                let app = r.id.trim_start_matches("sp-").to_string();
                if r.is_success() {
                    report.service_principals_created.push(app);
                } else if let Some(e) = r.error(&customer_id) {
                    // First-party resources a tenant lacks cannot always be created.
                    report
                        .errors
                        .push(format!("service principal {app}: {}", e.message));
                }
            }
            sps = self.service_principals(&graph).await?;
        }
        let sam = sps
            .get(&application_id.to_ascii_lowercase())
            .cloned()
            .ok_or_else(|| {
                GdapError::invalid(
                    "application",
                    format!("the application {application_id} has no service principal in {customer_id} after consent"),
                )
            })?;
        let grantee = Grantee {
            graph: &graph,
            sam_id: str_of(&sam, "id"),
            sps: &sps,
            manifest,
        };
        grantee.add_app_roles(&mut report).await?;
        grantee.add_scopes(&mut report).await?;
        pipeline.tokens().clear_tenant(&customer_id);
        Ok(report)
    }

    /// Service principals of the tenant by lower-case app id.
    async fn service_principals(&self, graph: &GraphClient) -> Result<BTreeMap<String, Value>> {
        let list: Vec<Value> = graph
            .list_json("servicePrincipals")
            .select([
                "id",
                "appId",
                "displayName",
                "appRoles",
                "oauth2PermissionScopes",
            ])
            .top(999)
            .collect_all()
            .await?;
        Ok(list
            .into_iter()
            .map(|sp| (str_of(&sp, "appId").to_ascii_lowercase(), sp))
            .collect())
    }
}

/// The SAM service principal in one customer tenant, and what it should be granted.
struct Grantee<'a> {
    graph: &'a GraphClient,
    sam_id: &'a str,
    /// The tenant's service principals by lower-case app id.
    sps: &'a BTreeMap<String, Value>,
    manifest: &'a PermissionManifest,
}

impl Grantee<'_> {
    async fn add_app_roles(&self, report: &mut CpvRefresh) -> Result<()> {
        let (graph, sam_id, sps, manifest) = (self.graph, self.sam_id, self.sps, self.manifest);
        let held: Vec<Value> = graph
            .list_json(format!("servicePrincipals/{sam_id}/appRoleAssignments"))
            .collect_all()
            .await?;
        let held: BTreeSet<(String, String)> = held
            .iter()
            .map(|a| {
                (
                    str_of(a, "resourceId").to_ascii_lowercase(),
                    str_of(a, "appRoleId").to_ascii_lowercase(),
                )
            })
            .collect();
        let mut requests = Vec::new();
        for (app, p) in wanted(manifest, "Role") {
            // Only roles the resource publishes: assigning an unknown id is refused by Graph.
            let Some(resource) = sps.get(&app).filter(|r| publishes(r, "appRoles", &p.id)) else {
                report.unresolved.push(format!("{app}/{}", p.id));
                continue;
            };
            let resource_id = str_of(resource, "id").to_ascii_lowercase();
            if held.contains(&(resource_id.clone(), p.id.clone())) {
                continue;
            }
            requests.push(BatchRequest::post(
                format!("{app}/{}", p.id),
                format!("servicePrincipals/{sam_id}/appRoleAssignments"),
                json!({"principalId": sam_id, "resourceId": resource_id, "appRoleId": p.id}),
            ));
        }
        if requests.is_empty() {
            return Ok(());
        }
        for r in graph.batch(requests).await?.iter() {
            if r.is_success() {
                report.app_roles_added.push(r.id.clone());
            } else if let Some(e) = r.error(&report.tenant) {
                report
                    .errors
                    .push(format!("app role {}: {}", r.id, e.message));
            }
        }
        Ok(())
    }

    async fn add_scopes(&self, report: &mut CpvRefresh) -> Result<()> {
        let (graph, sam_id, sps, manifest) = (self.graph, self.sam_id, self.sps, self.manifest);
        let grants: Vec<Value> = graph
            .list_json("oauth2PermissionGrants")
            .filter(format!("clientId eq '{sam_id}'"))
            .collect_all()
            .await?;
        let mut per_resource: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for (app, p) in wanted(manifest, "Scope") {
            let Some(resource) = sps.get(&app) else {
                report.unresolved.push(format!("{app}/{}", p.id));
                continue;
            };
            let name = resource
                .get("oauth2PermissionScopes")
                .and_then(Value::as_array)
                .and_then(|s| {
                    s.iter()
                        .find(|x| str_of(x, "id").eq_ignore_ascii_case(&p.id))
                        .map(|x| str_of(x, "value").to_string())
                })
                .filter(|n| !n.is_empty());
            match name {
                Some(n) => per_resource
                    .entry(str_of(resource, "id").to_string())
                    .or_default()
                    .push(n),
                None => report.unresolved.push(format!("{app}/{}", p.id)),
            }
        }
        for (resource_id, names) in per_resource {
            let existing = grants.iter().find(|g| {
                str_of(g, "resourceId").eq_ignore_ascii_case(&resource_id)
                    && str_of(g, "consentType") == "AllPrincipals"
            });
            let have: BTreeSet<&str> = existing
                .map(|g| str_of(g, "scope").split_whitespace().collect())
                .unwrap_or_default();
            let new: Vec<&String> = names
                .iter()
                .filter(|n| !have.contains(n.as_str()))
                .collect();
            if new.is_empty() {
                continue;
            }
            let result = match existing {
                Some(g) => {
                    let scope: Vec<&str> = have
                        .iter()
                        .copied()
                        .chain(new.iter().map(|s| s.as_str()))
                        .collect();
                    graph
                        .patch(
                            &format!("oauth2PermissionGrants/{}", str_of(g, "id")),
                            &json!({"scope": scope.join(" ")}),
                        )
                        .await
                }
                None => {
                    let scope: Vec<&str> = new.iter().map(|s| s.as_str()).collect();
                    graph
                        .post(
                            "oauth2PermissionGrants",
                            &json!({"clientId": sam_id, "consentType": "AllPrincipals",
                                    "resourceId": resource_id, "scope": scope.join(" ")}),
                        )
                        .await
                }
            };
            match result {
                Ok(_) => report
                    .scopes_added
                    .extend(new.iter().map(|n| format!("{resource_id}/{n}"))),
                Err(e) => report
                    .errors
                    .push(format!("delegated grant on {resource_id}: {e}")),
            }
        }
        Ok(())
    }
}

/// Whether the service principal lists permission `id` in `field` (`appRoles` or
/// `oauth2PermissionScopes`).
fn publishes(sp: &Value, field: &str, id: &str) -> bool {
    sp.get(field)
        .and_then(Value::as_array)
        .is_some_and(|l| l.iter().any(|x| str_of(x, "id").eq_ignore_ascii_case(id)))
}

/// The manifest's permissions of one kind (`Role` or `Scope`), lower-cased.
fn wanted(manifest: &PermissionManifest, kind: &str) -> Vec<(String, PermissionRef)> {
    manifest
        .required_resource_access
        .iter()
        .flat_map(|r| {
            r.resource_access
                .iter()
                .filter(|p| p.kind.eq_ignore_ascii_case(kind))
                .map(move |p| {
                    (
                        r.resource_app_id.to_ascii_lowercase(),
                        PermissionRef {
                            id: p.id.to_ascii_lowercase(),
                            kind: p.kind.clone(),
                        },
                    )
                })
        })
        .collect()
}
