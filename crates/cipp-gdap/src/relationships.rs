//! GDAP relationships and their access assignments over Graph's `tenantRelationships`,
//! always in the partner tenant. Every change sends `If-Match` with the object's etag, read
//! fresh when the caller has none, so a concurrent change is refused (412) rather than
//! overwritten.

use std::time::Duration;

use cipp_graph::{GraphClient, ListRequest};
use http::header::{HeaderName, HeaderValue};
use http::Method;
use serde::Serialize;
use serde_json::{json, Value};

use crate::error::{GdapError, Result};
use crate::models::{
    invite_link, AccessAssignment, AccessContainer, AccessDetails, Relationship,
    RelationshipRequest, TenantInformation,
};
use crate::roles::{Role, GLOBAL_ADMINISTRATOR, RECOMMENDED_ROLES};

const RELATIONSHIPS: &str = "tenantRelationships/delegatedAdminRelationships";
/// The longest relationship Graph grants.
pub const MAX_DURATION: &str = "P730D";
/// The auto-extend period Graph supports.
pub const AUTO_EXTEND: &str = "P180D";
/// No auto-extend.
pub const NO_AUTO_EXTEND: &str = "PT0S";

/// GDAP operations for the partner tenant.
///
/// ```no_run
/// # async fn run(graph: cipp_graph::GraphClient) -> Result<(), cipp_gdap::GdapError> {
/// use cipp_gdap::{GdapClient, Invite};
/// let gdap = GdapClient::new(graph);
/// let invite = gdap.create_invite(Invite::recommended()).await?;
/// println!("send this to the customer: {}", invite.link);
/// for rel in gdap.active_relationships().await? {
///     println!("{} {}", rel.display_name, rel.customer_id().unwrap_or("?"));
/// }
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct GdapClient {
    graph: GraphClient,
    poll_interval: Duration,
    poll_attempts: u32,
}

/// A relationship to create: roles, name and duration.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Invite {
    /// Display name (default `CIPP_{new GUID}`).
    pub display_name: String,
    /// Role template ids.
    pub roles: Vec<String>,
    /// ISO 8601 duration (default and maximum `P730D`).
    pub duration: String,
    /// Ask for auto-extend (ignored, and `PT0S` sent, when Global Administrator is included,
    /// which Graph refuses to extend).
    pub auto_extend: bool,
}

impl Invite {
    /// The recommended role set (no Global Administrator), 730 days, auto-extending.
    pub fn recommended() -> Self {
        Invite::with_roles(RECOMMENDED_ROLES.iter().map(|r: &Role| r.id))
    }

    /// An invite for `roles` (role template ids).
    pub fn with_roles<I, S>(roles: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Invite {
            display_name: format!("CIPP_{}", uuid::Uuid::new_v4()),
            roles: roles.into_iter().map(Into::into).collect(),
            duration: MAX_DURATION.into(),
            auto_extend: true,
        }
    }

    /// Set the display name.
    pub fn display_name(mut self, name: impl Into<String>) -> Self {
        self.display_name = name.into();
        self
    }

    /// Set the duration (`P{days}D`).
    pub fn duration_days(mut self, days: u32) -> Self {
        self.duration = format!("P{days}D");
        self
    }

    /// The `autoExtendDuration` this invite sends.
    pub fn auto_extend_duration(&self) -> &'static str {
        let has_ga = self
            .roles
            .iter()
            .any(|r| r.eq_ignore_ascii_case(GLOBAL_ADMINISTRATOR));
        if self.auto_extend && !has_ga {
            AUTO_EXTEND
        } else {
            NO_AUTO_EXTEND
        }
    }

    /// The Graph body.
    pub fn body(&self) -> Value {
        json!({
            "displayName": self.display_name,
            "accessDetails": AccessDetails::of(self.roles.iter().cloned()),
            "autoExtendDuration": self.auto_extend_duration(),
            "duration": self.duration,
        })
    }

    fn validate(&self) -> Result<()> {
        if self.roles.is_empty() {
            return Err(GdapError::invalid(
                "roles",
                "an invite needs at least one role",
            ));
        }
        if let Some(bad) = self
            .roles
            .iter()
            .find(|r| uuid::Uuid::parse_str(r).is_err())
        {
            return Err(GdapError::invalid(
                "roles",
                format!("'{bad}' is not a role template id (GUID)"),
            ));
        }
        let days = self
            .duration
            .strip_prefix('P')
            .and_then(|d| d.strip_suffix('D'))
            .and_then(|d| d.parse::<u32>().ok());
        if !days.is_some_and(|d| (1..=730).contains(&d)) {
            return Err(GdapError::invalid(
                "duration",
                format!("'{}' is not between P1D and P730D", self.duration),
            ));
        }
        Ok(())
    }
}

/// A created, locked invitation.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct CreatedInvite {
    /// The relationship as it stands (status `approvalPending`).
    pub relationship: Relationship,
    /// The link the customer opens to accept.
    pub link: String,
}

/// The outcome of a change that may have had nothing to do.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "outcome", rename_all = "camelCase")]
#[non_exhaustive]
pub enum Change {
    /// Changed; the relationship as it now stands.
    Changed {
        /// The updated relationship.
        relationship: Box<Relationship>,
    },
    /// Already as asked.
    Unchanged {
        /// Why nothing was done.
        reason: String,
    },
}

fn if_match(etag: &str) -> Result<(HeaderName, HeaderValue)> {
    let value = HeaderValue::from_str(etag)
        .map_err(|_| GdapError::invalid("etag", "the etag is not a valid header value"))?;
    Ok((HeaderName::from_static("if-match"), value))
}

fn decode<T: serde::de::DeserializeOwned>(value: Value, what: &str, tenant: &str) -> Result<T> {
    Ok(cipp_core::error::decode_value(value, what, tenant)?)
}

fn path_id(id: &str) -> Result<&str> {
    if id.is_empty() || id.contains(['/', '?', '#']) {
        return Err(GdapError::invalid(
            "relationship id",
            format!("'{id}' is not an id"),
        ));
    }
    Ok(id)
}

impl GdapClient {
    /// GDAP through `graph`, which must be a client of the partner tenant (delegated).
    pub fn new(graph: GraphClient) -> Self {
        GdapClient {
            graph,
            poll_interval: Duration::from_millis(200),
            poll_attempts: 6,
        }
    }

    /// How often and how many times to re-read a relationship while waiting for Graph
    /// (default every 200 ms, 6 times).
    pub fn with_polling(mut self, interval: Duration, attempts: u32) -> Self {
        self.poll_interval = interval;
        self.poll_attempts = attempts.max(1);
        self
    }

    /// The partner Graph client.
    pub fn graph(&self) -> &GraphClient {
        &self.graph
    }

    fn tenant(&self) -> &str {
        self.graph.tenant()
    }

    /// Every relationship (any status), lazily paged.
    pub fn relationships(&self) -> ListRequest<Relationship> {
        self.graph.list(RELATIONSHIPS)
    }

    /// Active relationships, all pages.
    pub async fn active_relationships(&self) -> Result<Vec<Relationship>> {
        Ok(self
            .relationships()
            .filter("status eq 'active'")
            .top(300)
            .collect_all()
            .await?)
    }

    /// Active relationships with one customer.
    pub async fn customer_relationships(&self, customer_id: &str) -> Result<Vec<Relationship>> {
        if uuid::Uuid::parse_str(customer_id).is_err() {
            return Err(GdapError::invalid(
                "customer_id",
                format!("'{customer_id}' is not a tenant GUID"),
            ));
        }
        Ok(self
            .relationships()
            .filter(format!(
                "status eq 'active' and customer/tenantId eq '{customer_id}'"
            ))
            .collect_all()
            .await?)
    }

    /// One relationship, with its etag.
    pub async fn relationship(&self, id: &str) -> Result<Relationship> {
        let path = format!("{RELATIONSHIPS}/{}", path_id(id)?);
        let v = self.graph.get(&path).await?;
        decode(v, &format!("GET {path}"), self.tenant())
    }

    /// Create a relationship in `created` status (not yet visible to the customer; see
    /// [`GdapClient::create_invite`]).
    pub async fn create(&self, invite: &Invite) -> Result<Relationship> {
        invite.validate()?;
        let v = self.graph.post(RELATIONSHIPS, &invite.body()).await?;
        decode(v, &format!("POST {RELATIONSHIPS}"), self.tenant())
    }

    /// Create, wait until Graph shows it `created`, and lock it for the customer's approval
    /// (with the etag of the creation, as Graph wants). Returns the relationship and the
    /// link to send the customer.
    pub async fn create_invite(&self, invite: Invite) -> Result<CreatedInvite> {
        let created = self.create(&invite).await?;
        let mut current = created.clone();
        let mut attempts = 1;
        while current.status_str() != "created" {
            if attempts >= self.poll_attempts {
                return Err(GdapError::NotReady {
                    relationship: created.id.clone(),
                    status: current.status_str().to_string(),
                    wanted: "created",
                    attempts,
                });
            }
            tokio::time::sleep(self.poll_interval).await;
            current = self.relationship(&created.id).await?;
            attempts += 1;
        }
        let etag = created.etag.clone().or(current.etag.clone());
        self.request(&created.id, "lockForApproval", etag.as_deref())
            .await?;
        let relationship = self.relationship(&created.id).await?;
        Ok(CreatedInvite {
            link: invite_link(&relationship.id),
            relationship,
        })
    }

    /// Post an action (`lockForApproval`, `terminate`) to a relationship.
    pub async fn request(
        &self,
        id: &str,
        action: &str,
        etag: Option<&str>,
    ) -> Result<RelationshipRequest> {
        let path = format!("{RELATIONSHIPS}/{}/requests", path_id(id)?);
        let mut req = self
            .graph
            .request(Method::POST, path.clone())
            .body(json!({ "action": action }));
        if let Some(e) = etag {
            let (k, v) = if_match(e)?;
            req = req.header(k, v);
        }
        let v = req.send().await?;
        decode(v, &format!("POST {path}"), self.tenant())
    }

    /// Requests made on a relationship.
    pub fn requests(&self, id: &str) -> Result<ListRequest<RelationshipRequest>> {
        Ok(self
            .graph
            .list(format!("{RELATIONSHIPS}/{}/requests", path_id(id)?)))
    }

    /// Long-running operations of a relationship (assignment changes).
    pub fn operations(&self, id: &str) -> Result<ListRequest<Value>> {
        Ok(self
            .graph
            .list_json(format!("{RELATIONSHIPS}/{}/operations", path_id(id)?)))
    }

    /// End an active relationship.
    pub async fn terminate(&self, id: &str) -> Result<RelationshipRequest> {
        let rel = self.relationship(id).await?;
        if rel.status_str() != "active" {
            return Err(GdapError::WrongStatus {
                relationship: id.to_string(),
                status: rel.status_str().to_string(),
                operation: "terminate",
                needed: "active",
            });
        }
        self.request(id, "terminate", rel.etag.as_deref()).await
    }

    /// PATCH a relationship with `If-Match` (read fresh when `etag` is `None`).
    pub async fn update(
        &self,
        id: &str,
        etag: Option<&str>,
        patch: &Value,
    ) -> Result<Relationship> {
        let etag = match etag {
            Some(e) => e.to_string(),
            None => self.relationship(id).await?.etag.unwrap_or_default(),
        };
        let path = format!("{RELATIONSHIPS}/{}", path_id(id)?);
        let (k, v) = if_match(&etag)?;
        let answer = self
            .graph
            .request(Method::PATCH, path.clone())
            .body(patch.clone())
            .header(k, v)
            .send()
            .await?;
        // Graph may answer 204; then read the relationship as it now stands.
        if answer.is_null() || answer.as_str().is_some_and(str::is_empty) {
            return self.relationship(id).await;
        }
        decode(answer, &format!("PATCH {path}"), self.tenant())
    }

    /// Turn auto-extend on (`P180D`) for one relationship. Relationships holding Global
    /// Administrator cannot auto-extend: that is an error naming the relationship, without
    /// a call to Graph.
    pub async fn enable_auto_extend(&self, id: &str) -> Result<Change> {
        let rel = self.relationship(id).await?;
        if rel.auto_extends() {
            return Ok(Change::Unchanged {
                reason: "auto-extend is already on".into(),
            });
        }
        if rel.has_global_administrator() {
            return Err(GdapError::invalid(
                "relationship",
                format!(
                    "{id} holds Global Administrator, which Graph does not auto-extend; remove it first"
                ),
            ));
        }
        let updated = self
            .update(
                id,
                rel.etag.as_deref(),
                &json!({"autoExtendDuration": AUTO_EXTEND}),
            )
            .await?;
        Ok(Change::Changed {
            relationship: Box::new(updated),
        })
    }

    /// Turn auto-extend on for every active relationship that lacks it and does not hold
    /// Global Administrator; answers what happened to each (relationships holding Global
    /// Administrator are reported as skipped).
    pub async fn enable_auto_extend_all(&self) -> Result<Vec<(String, Result<Change>)>> {
        let mut out = Vec::new();
        for rel in self.active_relationships().await? {
            if rel.auto_extends() || rel.is_microsoft_led_transition() {
                continue;
            }
            let result = if rel.has_global_administrator() {
                Ok(Change::Unchanged {
                    reason: "holds Global Administrator, which cannot auto-extend".into(),
                })
            } else {
                self.update(
                    &rel.id,
                    rel.etag.as_deref(),
                    &json!({"autoExtendDuration": AUTO_EXTEND}),
                )
                .await
                .map(|r| Change::Changed {
                    relationship: Box::new(r),
                })
            };
            out.push((rel.id.clone(), result));
        }
        Ok(out)
    }

    /// Remove Global Administrator from an active relationship, keeping every other role.
    pub async fn remove_global_administrator(&self, id: &str) -> Result<Relationship> {
        let rel = self.relationship(id).await?;
        if rel.status_str() != "active" {
            return Err(GdapError::WrongStatus {
                relationship: id.to_string(),
                status: rel.status_str().to_string(),
                operation: "removing Global Administrator",
                needed: "active",
            });
        }
        if !rel.has_global_administrator() {
            return Err(GdapError::NoGlobalAdministrator {
                relationship: id.to_string(),
            });
        }
        let keep: Vec<String> = rel
            .access_details
            .iter()
            .flat_map(|a| a.unified_roles.iter())
            .map(|r| r.role_definition_id.clone())
            .filter(|r| !r.eq_ignore_ascii_case(GLOBAL_ADMINISTRATOR))
            .collect();
        let patch = json!({ "accessDetails": AccessDetails::of(keep) });
        self.update(id, rel.etag.as_deref(), &patch).await
    }

    /// Access assignments of a relationship.
    pub fn assignments(&self, relationship: &str) -> Result<ListRequest<AccessAssignment>> {
        Ok(self.graph.list(format!(
            "{RELATIONSHIPS}/{}/accessAssignments",
            path_id(relationship)?
        )))
    }

    /// Give partner group `group_id` the `roles` of `relationship` (which must hold them).
    pub async fn create_assignment(
        &self,
        relationship: &str,
        group_id: &str,
        roles: &[&str],
    ) -> Result<AccessAssignment> {
        if roles.is_empty() {
            return Err(GdapError::invalid(
                "roles",
                "an assignment needs at least one role",
            ));
        }
        let path = format!(
            "{RELATIONSHIPS}/{}/accessAssignments",
            path_id(relationship)?
        );
        let body = json!({
            "accessContainer": AccessContainer {
                access_container_id: group_id.to_string(),
                access_container_type: "securityGroup".into(),
            },
            "accessDetails": AccessDetails::of(roles.iter().copied()),
        });
        let v = self.graph.post(&path, &body).await?;
        decode(v, &format!("POST {path}"), self.tenant())
    }

    fn assignment_path(relationship: &str, assignment: &str) -> Result<String> {
        Ok(format!(
            "{RELATIONSHIPS}/{}/accessAssignments/{}",
            path_id(relationship)?,
            path_id(assignment)?
        ))
    }

    async fn assignment_etag(&self, path: &str, etag: Option<&str>) -> Result<String> {
        match etag {
            Some(e) => Ok(e.to_string()),
            None => {
                let v = self.graph.get(path).await?;
                let a: AccessAssignment = decode(v, &format!("GET {path}"), self.tenant())?;
                Ok(a.etag.unwrap_or_default())
            }
        }
    }

    /// Replace an assignment's roles (`If-Match`; read fresh when `etag` is `None`).
    pub async fn update_assignment(
        &self,
        relationship: &str,
        assignment: &str,
        etag: Option<&str>,
        roles: &[&str],
    ) -> Result<AccessAssignment> {
        let path = Self::assignment_path(relationship, assignment)?;
        let etag = self.assignment_etag(&path, etag).await?;
        let (k, v) = if_match(&etag)?;
        let answer = self
            .graph
            .request(Method::PATCH, path.clone())
            .body(json!({"accessDetails": AccessDetails::of(roles.iter().copied())}))
            .header(k, v)
            .send()
            .await?;
        if answer.is_null() || answer.as_str().is_some_and(str::is_empty) {
            let v = self.graph.get(&path).await?;
            return decode(v, &format!("GET {path}"), self.tenant());
        }
        decode(answer, &format!("PATCH {path}"), self.tenant())
    }

    /// Delete an assignment (`If-Match`; read fresh when `etag` is `None`).
    pub async fn delete_assignment(
        &self,
        relationship: &str,
        assignment: &str,
        etag: Option<&str>,
    ) -> Result<()> {
        let path = Self::assignment_path(relationship, assignment)?;
        let etag = self.assignment_etag(&path, etag).await?;
        let (k, v) = if_match(&etag)?;
        self.graph
            .request(Method::DELETE, path)
            .header(k, v)
            .send()
            .await?;
        Ok(())
    }

    /// Public information about any tenant by GUID (name and default domain).
    pub async fn find_tenant(&self, tenant_id: &str) -> Result<TenantInformation> {
        if uuid::Uuid::parse_str(tenant_id).is_err() {
            return Err(GdapError::invalid(
                "tenant_id",
                format!("'{tenant_id}' is not a tenant GUID"),
            ));
        }
        let path =
            format!("tenantRelationships/findTenantInformationByTenantId(tenantId='{tenant_id}')");
        let v = self.graph.v1().get(&path).await?;
        decode(v, &format!("GET {path}"), self.tenant())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn global_administrator_turns_auto_extend_off() {
        let plain = Invite::recommended();
        assert_eq!(plain.auto_extend_duration(), AUTO_EXTEND);
        assert_eq!(plain.body()["duration"], "P730D");
        let mut roles = plain.roles.clone();
        roles.push(GLOBAL_ADMINISTRATOR.to_uppercase());
        let ga = Invite::with_roles(roles);
        assert_eq!(ga.auto_extend_duration(), NO_AUTO_EXTEND);
        assert_eq!(ga.body()["autoExtendDuration"], "PT0S");
    }

    #[test]
    fn invites_are_checked_before_any_call() {
        assert!(Invite::with_roles(Vec::<String>::new()).validate().is_err());
        assert!(Invite::with_roles(["not-a-guid"]).validate().is_err());
        assert!(Invite::recommended().duration_days(731).validate().is_err());
        assert!(Invite::recommended().duration_days(30).validate().is_ok());
    }
}
