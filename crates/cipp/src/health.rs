//! One tenant's health: how the partner reaches it (GDAP relationships and their expiry, the
//! roles partner groups hold), whether each service answers, and the tenant's basic
//! properties, as one report with the issues ranked.

use cipp_core::Error;
use cipp_gdap::{Severity, TenantAccess};
use futures::future::join;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::client::Cipp;

/// A relationship ending within this many days without auto-extend is a warning.
pub const EXPIRY_WARNING_DAYS: i64 = 30;

/// Whether one service answered.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ServiceCheck {
    /// `graph`, `exchange`, `sharepoint` or `teams`.
    pub service: String,
    /// The probe succeeded.
    pub ok: bool,
    /// What was read, or the error.
    pub detail: String,
}

/// One finding of [`Cipp::tenant_health`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct HealthIssue {
    /// Warning (works, not as recommended) or error (features will fail).
    pub severity: Severity,
    /// `directory`, `gdap`, `roles` or a service name.
    pub area: String,
    /// What is wrong, for people.
    pub issue: String,
}

/// The GDAP relationships that reach the tenant, summarised.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct RelationshipHealth {
    /// Active relationships.
    pub count: usize,
    /// The latest end date (RFC 3339).
    pub ends: Option<String>,
    /// Whole days until then (negative: ended).
    pub days_left: Option<i64>,
    /// Any relationship auto-extends.
    pub auto_extend: bool,
}

/// The report of [`Cipp::tenant_health`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct TenantHealth {
    /// The tenant as asked.
    pub tenant: String,
    /// Its GUID, when the directory knows it.
    pub tenant_id: Option<String>,
    /// Display name (the alias when one is set).
    pub display_name: Option<String>,
    /// Default domain.
    pub default_domain: Option<String>,
    /// Tenant groups it belongs to.
    pub groups: Vec<String>,
    /// Relationships (absent for the partner tenant and tenants reached directly).
    pub relationship: Option<RelationshipHealth>,
    /// The recommended roles and which partner groups hold them.
    pub access: Option<TenantAccess>,
    /// Properties read from Graph's `organization`: `displayName`, `countryLetterCode`,
    /// `verifiedDomains` (names), `onPremisesSyncEnabled`, `createdDateTime`.
    pub properties: Value,
    /// One probe per service.
    pub services: Vec<ServiceCheck>,
    /// Findings, errors first.
    pub issues: Vec<HealthIssue>,
}

impl TenantHealth {
    /// No error-level finding.
    pub fn is_healthy(&self) -> bool {
        self.issues.iter().all(|i| i.severity != Severity::Error)
    }
}

fn issue(severity: Severity, area: &str, text: impl Into<String>) -> HealthIssue {
    HealthIssue {
        severity,
        area: area.to_string(),
        issue: text.into(),
    }
}

fn check(service: &str, result: Result<String, String>) -> ServiceCheck {
    let (ok, detail) = match result {
        Ok(d) => (true, d),
        Err(e) => (false, e),
    };
    ServiceCheck {
        service: service.to_string(),
        ok,
        detail,
    }
}

impl Cipp {
    /// How `tenant` (GUID or domain) stands: its directory entry and GDAP relationships, the
    /// roles partner groups hold there, and a read from Graph, Exchange, SharePoint and Teams.
    /// Fails only when the partner's own directory cannot be read; everything about the
    /// tenant itself is in the report.
    ///
    /// ```no_run
    /// # async fn run(cipp: cipp::Cipp) -> Result<(), cipp::Error> {
    /// let health = cipp.tenant_health("contoso.com").await?;
    /// for i in &health.issues {
    ///     println!("{:?} {}: {}", i.severity, i.area, i.issue);
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn tenant_health(&self, tenant: &str) -> Result<TenantHealth, Error> {
        let managed = match self.directory().get(tenant).await {
            Ok(t) => Some(t),
            Err(cipp_gdap::GdapError::UnknownTenant(_)) => None,
            Err(e) => return Err(e.into()),
        };
        let mut issues = Vec::new();
        let name = managed
            .as_ref()
            .map_or(tenant.to_string(), |t| t.customer_id.clone());
        let relationship = managed.as_ref().and_then(|t| {
            (t.access == cipp_gdap::Access::Gdap).then(|| {
                let days_left = t
                    .relationship_end
                    .as_deref()
                    .and_then(cipp_alerts::time::parse)
                    .map(|end| (end - cipp_alerts::time::now()).div_euclid(86_400));
                RelationshipHealth {
                    count: t.relationship_count,
                    ends: t.relationship_end.clone(),
                    days_left,
                    auto_extend: t.has_auto_extend,
                }
            })
        });
        match (&managed, &relationship) {
            (None, _) => issues.push(issue(
                Severity::Warning,
                "directory",
                "not in the managed-tenant directory (no active GDAP relationship found)",
            )),
            (Some(_), Some(r)) => match r.days_left {
                Some(d) if d < 0 => issues.push(issue(
                    Severity::Error,
                    "gdap",
                    "every GDAP relationship has ended",
                )),
                Some(d) if d <= EXPIRY_WARNING_DAYS && !r.auto_extend => issues.push(issue(
                    Severity::Warning,
                    "gdap",
                    format!("the GDAP relationship ends in {d} day(s) and does not auto-extend"),
                )),
                _ => {}
            },
            _ => {}
        }
        let is_gdap = relationship.is_some();
        let access = async {
            if is_gdap {
                Some(self.gdap().tenant_access(&name).await)
            } else {
                None
            }
        };
        let (access, (services, properties)) = join(access, self.probe(&name)).await;
        let access = match access {
            Some(Ok(a)) => {
                for role in &a.missing_required {
                    issues.push(issue(
                        Severity::Error,
                        "roles",
                        format!("no partner group holds the required role {role}"),
                    ));
                }
                for role in &a.missing_optional {
                    issues.push(issue(
                        Severity::Warning,
                        "roles",
                        format!("no partner group holds the optional role {role}"),
                    ));
                }
                Some(a)
            }
            Some(Err(e)) => {
                issues.push(issue(
                    Severity::Error,
                    "roles",
                    format!("the role assignments could not be read: {e}"),
                ));
                None
            }
            None => None,
        };
        for s in services.iter().filter(|s| !s.ok) {
            issues.push(issue(Severity::Error, &s.service, s.detail.clone()));
        }
        issues.sort_by_key(|i| std::cmp::Reverse(i.severity));
        Ok(TenantHealth {
            tenant: tenant.to_string(),
            tenant_id: managed.as_ref().map(|t| t.customer_id.clone()),
            display_name: managed.as_ref().map(|t| t.display_name.clone()),
            default_domain: managed.as_ref().and_then(|t| t.default_domain_name.clone()),
            groups: managed.map(|t| t.groups).unwrap_or_default(),
            relationship,
            access,
            properties,
            services,
            issues,
        })
    }

    /// One cheap read per service, all at once.
    async fn probe(&self, tenant: &str) -> (Vec<ServiceCheck>, Value) {
        let t = self.tenant(tenant);
        let graph = async {
            let v = t
                .graph()
                .request(cipp_core::Method::GET, "organization")
                .query(|q| {
                    q.select([
                        "id",
                        "displayName",
                        "countryLetterCode",
                        "verifiedDomains",
                        "onPremisesSyncEnabled",
                        "createdDateTime",
                    ]);
                })
                .send()
                .await
                .map_err(|e| e.to_string())?;
            let org = v["value"].get(0).cloned().unwrap_or(v);
            Ok::<Value, String>(org)
        };
        let exchange = async {
            t.exchange()
                .invoke("Get-OrganizationConfig", json!({}))
                .await
                .map(|rows| format!("organization config read ({} object)", rows.len()))
                .map_err(|e| e.to_string())
        };
        let sharepoint = async {
            t.sharepoint()
                .tenant_settings()
                .await
                .map(|_| "tenant settings read".to_string())
                .map_err(|e| e.to_string())
        };
        let teams = async {
            t.teams()
                .get("TenantFederationConfiguration", None)
                .await
                .map(|_| "federation configuration read".to_string())
                .map_err(|e| e.to_string())
        };
        let (org, exo, spo, teams) = futures::join!(graph, exchange, sharepoint, teams);
        let properties = match &org {
            Ok(o) => json!({
                "displayName": o["displayName"],
                "countryLetterCode": o["countryLetterCode"],
                "verifiedDomains": o["verifiedDomains"].as_array().map(|d| {
                    d.iter().filter_map(|x| x["name"].as_str()).collect::<Vec<_>>()
                }),
                "onPremisesSyncEnabled": o["onPremisesSyncEnabled"],
                "createdDateTime": o["createdDateTime"],
            }),
            Err(_) => Value::Null,
        };
        let graph = check(
            "graph",
            org.map(|o| {
                format!(
                    "organization '{}' read",
                    o["displayName"].as_str().unwrap_or("?")
                )
            }),
        );
        (
            vec![
                graph,
                check("exchange", exo),
                check("sharepoint", spo),
                check("teams", teams),
            ],
            properties,
        )
    }
}
