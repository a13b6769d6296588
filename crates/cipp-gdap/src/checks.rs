//! Health checks as data: what is wrong with the partner's GDAP set-up, what a customer
//! tenant lets the partner do, and whether the SAM application has the permissions it needs.
//! Each answers a structured report; none of them writes anything.

use std::collections::{BTreeMap, BTreeSet};

use cipp_core::{Grant, Service, TokenClaims};
use cipp_graph::{BatchRequest, GraphClient};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::error::{GdapError, Result};
use crate::models::{invite_link, Relationship};
use crate::relationships::GdapClient;
use crate::roles::{group_name, role_by_id, RECOMMENDED_ROLES};

/// How bad an issue is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Severity {
    /// Works, but not as recommended.
    Warning,
    /// Something CIPP features will fail on.
    Error,
}

/// One finding of [`GdapClient::health`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct GdapIssue {
    /// Severity.
    pub severity: Severity,
    /// What is wrong, for people.
    pub issue: String,
    /// Customer tenant, when the issue is about one.
    pub tenant: Option<String>,
    /// Relationship id, when the issue is about one.
    pub relationship: Option<String>,
    /// Where to fix it.
    pub link: Option<String>,
}

/// The partner-level GDAP report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct GdapHealth {
    /// The signed-in service account.
    pub service_account: Option<String>,
    /// Findings, errors first.
    pub issues: Vec<GdapIssue>,
    /// Groups the service account should be in but is not.
    pub missing_groups: Vec<String>,
    /// Groups it is in (direct, or one level of nesting through role-assignable groups).
    pub memberships: Vec<String>,
    /// Number of `M365 GDAP *` groups in the partner tenant.
    pub gdap_group_count: usize,
}

impl GdapHealth {
    /// No error-level finding.
    pub fn is_healthy(&self) -> bool {
        self.issues.iter().all(|i| i.severity != Severity::Error)
    }
}

/// One recommended role as seen in a customer tenant.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct RoleAccess {
    /// Role name.
    pub role: String,
    /// Role template id.
    pub role_id: String,
    /// Needed by CIPP (vs. optional).
    pub required: bool,
    /// Partner groups holding it in the customer tenant (empty = missing).
    pub groups: Vec<String>,
}

/// What a customer tenant lets the partner do.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct TenantAccess {
    /// The customer tenant as asked.
    pub tenant: String,
    /// Graph answered.
    pub graph_ok: bool,
    /// One line for people.
    pub summary: String,
    /// Every recommended role and who holds it.
    pub roles: Vec<RoleAccess>,
    /// Required roles nobody from the partner holds.
    pub missing_required: Vec<String>,
    /// Optional roles nobody from the partner holds.
    pub missing_optional: Vec<String>,
}

/// The permissions an application should have, in Entra's `requiredResourceAccess` shape
/// (the shape of CIPP's SAM manifest).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct PermissionManifest {
    /// Per resource application, the permissions.
    #[serde(default)]
    pub required_resource_access: Vec<ResourceAccess>,
}

/// Permissions on one resource application.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ResourceAccess {
    /// The resource's application id (Graph is `00000003-0000-0000-c000-000000000000`).
    pub resource_app_id: String,
    /// Permissions by id.
    #[serde(default)]
    pub resource_access: Vec<PermissionRef>,
}

/// One permission: a delegated `Scope` or an application `Role`, by id.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct PermissionRef {
    /// Permission id.
    pub id: String,
    /// `Scope` (delegated) or `Role` (application).
    #[serde(rename = "type")]
    pub kind: String,
}

impl PermissionManifest {
    /// Read a manifest (JSON with `requiredResourceAccess`), reporting where it is malformed.
    pub fn from_json(text: &str) -> Result<Self> {
        let de = &mut serde_json::Deserializer::from_str(text);
        serde_path_to_error_free(de)
    }

    fn set(&self) -> BTreeSet<(String, PermissionRef)> {
        self.required_resource_access
            .iter()
            .flat_map(|r| {
                r.resource_access.iter().map(move |p| {
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

    /// What `self` asks for that `have` lacks, grouped per resource.
    pub fn missing_from(&self, have: &PermissionManifest) -> PermissionManifest {
        let have = have.set();
        let mut out: BTreeMap<String, Vec<PermissionRef>> = BTreeMap::new();
        for (app, p) in self.set() {
            if !have.contains(&(app.clone(), p.clone())) {
                out.entry(app).or_default().push(p);
            }
        }
        PermissionManifest {
            required_resource_access: out
                .into_iter()
                .map(|(resource_app_id, resource_access)| ResourceAccess {
                    resource_app_id,
                    resource_access,
                })
                .collect(),
        }
    }

    /// `self` plus what `other` adds (nothing removed).
    pub fn merged_with(&self, other: &PermissionManifest) -> PermissionManifest {
        let mut all: BTreeMap<String, BTreeSet<PermissionRef>> = BTreeMap::new();
        for (app, p) in self.set().into_iter().chain(other.set()) {
            all.entry(app).or_default().insert(p);
        }
        PermissionManifest {
            required_resource_access: all
                .into_iter()
                .map(|(resource_app_id, set)| ResourceAccess {
                    resource_app_id,
                    resource_access: set.into_iter().collect(),
                })
                .collect(),
        }
    }

    /// Number of permissions.
    pub fn len(&self) -> usize {
        self.required_resource_access
            .iter()
            .map(|r| r.resource_access.len())
            .sum()
    }

    /// No permission at all.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

fn serde_path_to_error_free(
    de: &mut serde_json::Deserializer<serde_json::de::StrRead<'_>>,
) -> Result<PermissionManifest> {
    PermissionManifest::deserialize(de).map_err(|e| {
        GdapError::invalid(
            "permission manifest",
            format!("line {} column {}: {e}", e.line(), e.column()),
        )
    })
}

/// The SAM application check.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct SamCheck {
    /// Who the delegated token belongs to (`upn`).
    pub service_account: Option<String>,
    /// The token's display name.
    pub account_name: Option<String>,
    /// The sign-in used MFA (`amr` has `mfa`).
    pub mfa: bool,
    /// Problems found, for people.
    pub problems: Vec<String>,
    /// Permissions the manifest asks for that the application registration lacks.
    pub missing: PermissionManifest,
    /// The application registration's object id (for the repair).
    pub application_object_id: Option<String>,
}

impl GdapClient {
    /// The partner-level GDAP report: relationships that are only Microsoft-led transition
    /// placeholders (error), relationships holding Global Administrator (warning), the
    /// service account's missing `AdminAgents` (error) and `M365 GDAP` group memberships
    /// (warning), and too few `M365 GDAP` groups (warning).
    pub async fn health(&self) -> Result<GdapHealth> {
        let mut issues = Vec::new();
        let relationships = self.active_relationships().await?;
        let mut by_customer: BTreeMap<String, Vec<&Relationship>> = BTreeMap::new();
        for r in &relationships {
            if let Some(c) = r.customer_id() {
                by_customer
                    .entry(c.to_ascii_lowercase())
                    .or_default()
                    .push(r);
            }
        }
        for (customer, rels) in &by_customer {
            if rels.iter().all(|r| r.is_microsoft_led_transition()) {
                issues.push(GdapIssue {
                    severity: Severity::Error,
                    issue: "Only a Microsoft-led transition relationship (read-only) exists; create a GDAP relationship".into(),
                    tenant: Some(customer.clone()),
                    relationship: rels.first().map(|r| r.id.clone()),
                    link: None,
                });
            }
            for r in rels.iter().filter(|r| r.has_global_administrator()) {
                issues.push(GdapIssue {
                    severity: Severity::Warning,
                    issue: "The relationship holds Global Administrator; auto-extend is not available and the access is broader than CIPP needs".into(),
                    tenant: Some(customer.clone()),
                    relationship: Some(r.id.clone()),
                    link: Some(invite_link(&r.id)),
                });
            }
        }
        let graph = self.graph().beta();
        let me = graph
            .request(http::Method::GET, "me")
            .query(|q| {
                q.select(["userPrincipalName"]);
            })
            .send()
            .await?;
        let service_account = me["userPrincipalName"].as_str().map(str::to_string);
        let memberships = memberships(&graph).await?;
        let gdap_groups: Vec<Value> = graph
            .list_json("groups")
            .filter("startswith(displayName,'M365 GDAP')")
            .select(["id", "displayName"])
            .top(999)
            .collect_all()
            .await?;
        let mut missing_groups = Vec::new();
        if !memberships
            .iter()
            .any(|g| g.eq_ignore_ascii_case("AdminAgents"))
        {
            missing_groups.push("AdminAgents".to_string());
            issues.push(GdapIssue {
                severity: Severity::Error,
                issue: "The service account is not a member of AdminAgents".into(),
                tenant: None,
                relationship: None,
                link: None,
            });
        }
        for role in &RECOMMENDED_ROLES {
            let name = group_name(role);
            if !memberships.iter().any(|g| g.eq_ignore_ascii_case(&name)) {
                missing_groups.push(name.clone());
                issues.push(GdapIssue {
                    severity: Severity::Warning,
                    issue: format!("The service account is not a member of '{name}'"),
                    tenant: None,
                    relationship: None,
                    link: None,
                });
            }
        }
        if gdap_groups.len() < RECOMMENDED_ROLES.len() {
            issues.push(GdapIssue {
                severity: Severity::Warning,
                issue: format!(
                    "Only {} 'M365 GDAP' groups exist in the partner tenant; {} are recommended",
                    gdap_groups.len(),
                    RECOMMENDED_ROLES.len()
                ),
                tenant: None,
                relationship: None,
                link: None,
            });
        }
        issues.sort_by_key(|i| std::cmp::Reverse(i.severity));
        Ok(GdapHealth {
            service_account,
            issues,
            missing_groups,
            memberships,
            gdap_group_count: gdap_groups.len(),
        })
    }

    /// Which recommended roles partner groups hold in `customer`: one `$batch` in the
    /// customer tenant, a role assignment counting when its principal belongs to the
    /// partner's organisation.
    pub async fn tenant_access(&self, customer: &str) -> Result<TenantAccess> {
        let pipeline = self.graph().pipeline().clone();
        let partner = pipeline
            .resolve_tenant(pipeline.credentials().partner_tenant())
            .await?;
        let graph = GraphClient::new(pipeline, customer).beta();
        let requests = RECOMMENDED_ROLES.iter().map(|r| {
            BatchRequest::get(
                format!("roleManagement_{}", r.id),
                format!(
                    "roleManagement/directory/roleAssignments?$filter=roleDefinitionId eq '{}'&$expand=principal",
                    r.id
                ),
            )
        });
        let results = match graph.batch(requests).await {
            Ok(r) => r,
            Err(e) => {
                return Ok(TenantAccess {
                    tenant: customer.to_string(),
                    graph_ok: false,
                    summary: format!("Failed to connect to Graph: {e}"),
                    roles: Vec::new(),
                    missing_required: Vec::new(),
                    missing_optional: Vec::new(),
                })
            }
        };
        let mut roles = Vec::new();
        let mut failure = None;
        for role in &RECOMMENDED_ROLES {
            let id = format!("roleManagement_{}", role.id);
            let mut groups = Vec::new();
            match results.get(&id) {
                Some(resp) if resp.is_success() => {
                    for a in resp.items() {
                        let p = &a["principal"];
                        let org = p["organizationId"].as_str().unwrap_or_default();
                        if org.eq_ignore_ascii_case(&partner) {
                            groups.push(p["displayName"].as_str().unwrap_or("?").to_string());
                        }
                    }
                }
                Some(resp) => {
                    failure.get_or_insert_with(|| {
                        resp.error(customer)
                            .map(|e| e.to_string())
                            .unwrap_or_else(|| format!("HTTP {}", resp.status))
                    });
                }
                None => {
                    failure.get_or_insert_with(|| format!("no answer for {id}"));
                }
            }
            roles.push(RoleAccess {
                role: role.name.to_string(),
                role_id: role.id.to_string(),
                required: role.required,
                groups,
            });
        }
        if let Some(f) = failure {
            return Ok(TenantAccess {
                tenant: customer.to_string(),
                graph_ok: false,
                summary: format!("Failed to connect to Graph: {f}"),
                roles,
                missing_required: Vec::new(),
                missing_optional: Vec::new(),
            });
        }
        let missing = |required: bool| -> Vec<String> {
            roles
                .iter()
                .filter(|r| r.required == required && r.groups.is_empty())
                .map(|r| r.role.clone())
                .collect()
        };
        let (missing_required, missing_optional) = (missing(true), missing(false));
        let summary = if !missing_required.is_empty() {
            "Successfully connected to Graph but missing required GDAP roles"
        } else if !missing_optional.is_empty() {
            "Successfully connected to Graph but missing optional GDAP roles"
        } else {
            "Successfully connected to Graph"
        };
        Ok(TenantAccess {
            tenant: customer.to_string(),
            graph_ok: true,
            summary: summary.into(),
            roles,
            missing_required,
            missing_optional,
        })
    }

    /// Check the SAM application against `manifest`: who the delegated token belongs to
    /// (a dedicated service account, signed in with MFA) and which permissions the
    /// application registration lacks.
    pub async fn sam_check(&self, manifest: &PermissionManifest) -> Result<SamCheck> {
        let pipeline = self.graph().pipeline().clone();
        let token = pipeline.token("", Service::Graph, Grant::Delegated).await?;
        let claims = TokenClaims::decode(token.secret());
        let upn = claims.as_ref().and_then(|c| c.upn.clone());
        let name = claims.as_ref().and_then(|c| c.name.clone());
        let mfa = claims
            .as_ref()
            .is_some_and(|c| c.amr.iter().any(|a| a.eq_ignore_ascii_case("mfa")));
        let mut problems = Vec::new();
        if claims.is_none() {
            problems.push(
                "The delegated token could not be read; the refresh token may be invalid"
                    .to_string(),
            );
        }
        let label = format!(
            "{} {}",
            upn.as_deref().unwrap_or(""),
            name.as_deref().unwrap_or("")
        );
        if claims.is_some() && !label.contains("CIPP") && !label.to_lowercase().contains("service")
        {
            problems.push(format!(
                "The token belongs to '{}', which does not look like a dedicated CIPP service account",
                upn.as_deref().unwrap_or("?")
            ));
        }
        if claims.is_some() && !mfa {
            problems.push("The service account did not sign in with MFA".to_string());
        }
        let app_id = pipeline.credentials().application_id().to_string();
        let apps: Vec<Value> = self
            .graph()
            .list_json("applications")
            .filter(format!("appId eq '{app_id}'"))
            .select(["id", "appId", "requiredResourceAccess"])
            .collect_all()
            .await?;
        let (have, object_id) = match apps.first() {
            Some(app) => {
                let have: PermissionManifest = cipp_core::error::decode_value(
                    serde_json::json!({"requiredResourceAccess": app["requiredResourceAccess"].clone()}),
                    "GET applications",
                    self.graph().tenant(),
                )?;
                (have, app["id"].as_str().map(str::to_string))
            }
            None => {
                problems.push(format!(
                    "The application {app_id} is not registered in the partner tenant"
                ));
                (PermissionManifest::default(), None)
            }
        };
        let missing = manifest.missing_from(&have);
        if !missing.is_empty() {
            problems.push(format!(
                "The application lacks {} permission(s) of the manifest",
                missing.len()
            ));
        }
        Ok(SamCheck {
            service_account: upn,
            account_name: name,
            mfa,
            problems,
            missing,
            application_object_id: object_id,
        })
    }

    /// Add what `check` found missing to the application registration (nothing is
    /// removed). Customer tenants then need their CPV consent refreshed.
    pub async fn repair_sam_permissions(&self, check: &SamCheck) -> Result<PermissionManifest> {
        let Some(object_id) = &check.application_object_id else {
            return Err(GdapError::invalid(
                "application",
                "the application registration was not found; nothing to repair",
            ));
        };
        if check.missing.is_empty() {
            return Ok(PermissionManifest::default());
        }
        let path = format!("applications/{object_id}");
        let current = self
            .graph()
            .get(&format!("{path}?$select=requiredResourceAccess"))
            .await?;
        let current: PermissionManifest = cipp_core::error::decode_value(
            serde_json::json!({"requiredResourceAccess": current["requiredResourceAccess"].clone()}),
            "GET application",
            self.graph().tenant(),
        )?;
        let merged = current.merged_with(&check.missing);
        self.graph()
            .patch(
                &path,
                &serde_json::json!({"requiredResourceAccess": merged.required_resource_access}),
            )
            .await?;
        Ok(check.missing.clone())
    }
}

/// Group names the signed-in user is in, directly or through one role-assignable group.
async fn memberships(graph: &GraphClient) -> Result<Vec<String>> {
    let direct: Vec<Value> = graph
        .list_json("me/memberOf")
        .select(["id", "displayName", "isAssignableToRole"])
        .collect_all()
        .await?;
    let mut names: Vec<String> = direct
        .iter()
        .filter_map(|g| g["displayName"].as_str().map(str::to_string))
        .collect();
    for g in direct.iter().filter(|g| g["isAssignableToRole"] == true) {
        let Some(id) = g["id"].as_str() else { continue };
        let nested: Vec<Value> = graph
            .list_json(format!("groups/{id}/memberOf"))
            .select(["id", "displayName"])
            .collect_all()
            .await
            .unwrap_or_default();
        names.extend(
            nested
                .iter()
                .filter_map(|g| g["displayName"].as_str().map(str::to_string)),
        );
    }
    names.sort();
    names.dedup();
    Ok(names)
}

/// The role name for a role id, for reports.
pub fn role_name(id: &str) -> String {
    role_by_id(id).map_or_else(|| id.to_string(), |r| r.name.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_and_merge_work_per_resource_and_ignore_case() {
        let want = PermissionManifest::from_json(
            r#"{"requiredResourceAccess":[{"resourceAppId":"00000003-0000-0000-C000-000000000000",
                "resourceAccess":[{"id":"A","type":"Scope"},{"id":"b","type":"Role"}]}]}"#,
        )
        .unwrap();
        let have = PermissionManifest::from_json(
            r#"{"requiredResourceAccess":[{"resourceAppId":"00000003-0000-0000-c000-000000000000",
                "resourceAccess":[{"id":"a","type":"Scope"},{"id":"z","type":"Role"}]}]}"#,
        )
        .unwrap();
        let missing = want.missing_from(&have);
        assert_eq!(missing.len(), 1);
        assert_eq!(
            missing.required_resource_access[0].resource_access[0].id,
            "b"
        );
        assert_eq!(have.merged_with(&missing).len(), 3);
        assert!(PermissionManifest::from_json("{\"requiredResourceAccess\": 3}").is_err());
    }

    #[test]
    fn the_real_sam_manifest_reads() {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../../shared/cipp-data/SAMManifest.json"
        );
        let text = std::fs::read_to_string(path).expect("../shared beside the checkout");
        let m = PermissionManifest::from_json(&text).unwrap();
        assert!(m.len() > 100, "{}", m.len());
    }
}
