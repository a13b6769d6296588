//! Which tenants a task runs for: a selector (one tenant, all, a group, minus exclusions)
//! resolved at run time against a [`TenantSource`], so group membership changes apply
//! without editing tasks (as CIPP expands groups at run time).

use std::collections::{BTreeMap, BTreeSet};

use async_trait::async_trait;
use serde::{Deserialize, Serialize};

use crate::error::SchedulerError;

/// A task's tenant filter. Exactly one of `tenant`, `group` and `all` is set; `tenant:
/// "AllTenants"` (CIPP's spelling) means all.
///
/// ```
/// use cipp_scheduler::TenantSelector;
/// let s = TenantSelector::all().excluding(["charlie.onmicrosoft.com"]);
/// assert_eq!(serde_json::to_value(&s)?, serde_json::json!({"all": true, "exclude": ["charlie.onmicrosoft.com"]}));
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct TenantSelector {
    /// One tenant (domain or GUID).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tenant: Option<String>,
    /// A tenant group, expanded at run time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
    /// Every managed tenant.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub all: bool,
    /// Tenants left out.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub exclude: Vec<String>,
    /// Groups whose members are left out (expanded at run time).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub exclude_groups: Vec<String>,
}

impl TenantSelector {
    /// One tenant.
    pub fn tenant(name: impl Into<String>) -> Self {
        TenantSelector {
            tenant: Some(name.into()),
            ..Default::default()
        }
    }

    /// Every managed tenant.
    pub fn all() -> Self {
        TenantSelector {
            all: true,
            ..Default::default()
        }
    }

    /// The members of a tenant group.
    pub fn group(name: impl Into<String>) -> Self {
        TenantSelector {
            group: Some(name.into()),
            ..Default::default()
        }
    }

    /// Leave these tenants out.
    pub fn excluding(mut self, tenants: impl IntoIterator<Item = impl Into<String>>) -> Self {
        self.exclude.extend(tenants.into_iter().map(Into::into));
        self
    }

    /// Leave the members of these groups out.
    pub fn excluding_groups(mut self, groups: impl IntoIterator<Item = impl Into<String>>) -> Self {
        self.exclude_groups
            .extend(groups.into_iter().map(Into::into));
        self
    }

    fn is_all(&self) -> bool {
        self.all
            || self
                .tenant
                .as_deref()
                .is_some_and(|t| t.eq_ignore_ascii_case("AllTenants"))
    }

    /// Check that exactly one target is named.
    pub fn check(&self) -> Result<(), SchedulerError> {
        let set = usize::from(self.all)
            + usize::from(self.tenant.as_deref().is_some_and(|t| !t.trim().is_empty()))
            + usize::from(self.group.as_deref().is_some_and(|g| !g.trim().is_empty()));
        match set {
            1 => Ok(()),
            0 => Err(SchedulerError::invalid(
                "tenants",
                "name one tenant, a group, or all",
            )),
            _ => Err(SchedulerError::invalid(
                "tenants",
                "name only one of tenant, group and all",
            )),
        }
    }

    /// The tenants this selects now, in `source`'s order, excluded ones removed.
    pub async fn resolve(&self, source: &dyn TenantSource) -> Result<Vec<String>, SchedulerError> {
        self.check()?;
        let mut chosen = if self.is_all() {
            source.all().await?
        } else if let Some(g) = &self.group {
            source.group(g).await?
        } else {
            self.tenant.iter().cloned().collect()
        };
        let mut excluded: BTreeSet<String> =
            self.exclude.iter().map(|t| t.to_lowercase()).collect();
        for g in &self.exclude_groups {
            excluded.extend(source.group(g).await?.iter().map(|t| t.to_lowercase()));
        }
        let mut seen = BTreeSet::new();
        chosen.retain(|t| !excluded.contains(&t.to_lowercase()) && seen.insert(t.to_lowercase()));
        Ok(chosen)
    }
}

/// Where "all tenants" and groups come from.
#[async_trait]
pub trait TenantSource: Send + Sync + std::fmt::Debug {
    /// Every managed tenant (default domains).
    async fn all(&self) -> Result<Vec<String>, SchedulerError>;
    /// The members of `group`.
    async fn group(&self, group: &str) -> Result<Vec<String>, SchedulerError>;

    /// `tenants` (as [`all`](Self::all) and [`group`](Self::group) name them) as standards
    /// run targets, with what the source knows of each (GUID, domains, groups), so that a
    /// template's GUID and group entries match them. By default each is known by its domain
    /// alone.
    async fn targets(
        &self,
        tenants: &[String],
    ) -> Result<Vec<cipp_standards::Target>, SchedulerError> {
        Ok(tenants
            .iter()
            .map(cipp_standards::Target::from_domain)
            .collect())
    }
}

/// A managed tenant of the partner's directory as a standards run target: GUID, default
/// and initial domains, display name and the tenant groups it belongs to.
pub fn managed_target(t: &cipp_gdap::ManagedTenant) -> cipp_standards::Target {
    cipp_standards::Target::managed(
        t.customer_id.clone(),
        t.default_domain_name
            .clone()
            .unwrap_or_else(|| t.customer_id.clone()),
        t.initial_domain_name.clone(),
        Some(t.display_name.clone()),
        t.groups.clone(),
    )
}

/// A fixed list of tenants and groups.
///
/// ```
/// use cipp_scheduler::TenantList;
/// let tenants = TenantList::new(["alphadental.com", "bravologistics.com"])
///     .with_group("dental", ["alphadental.com"]);
/// # let _ = tenants;
/// ```
#[derive(Debug, Clone, Default)]
pub struct TenantList {
    tenants: Vec<String>,
    groups: BTreeMap<String, Vec<String>>,
}

impl TenantList {
    /// These tenants, no groups.
    pub fn new(tenants: impl IntoIterator<Item = impl Into<String>>) -> Self {
        TenantList {
            tenants: tenants.into_iter().map(Into::into).collect(),
            groups: BTreeMap::new(),
        }
    }

    /// Add a group.
    pub fn with_group(
        mut self,
        name: impl Into<String>,
        members: impl IntoIterator<Item = impl Into<String>>,
    ) -> Self {
        self.groups.insert(
            name.into().to_lowercase(),
            members.into_iter().map(Into::into).collect(),
        );
        self
    }
}

#[async_trait]
impl TenantSource for TenantList {
    async fn all(&self) -> Result<Vec<String>, SchedulerError> {
        Ok(self.tenants.clone())
    }

    async fn group(&self, group: &str) -> Result<Vec<String>, SchedulerError> {
        self.groups
            .get(&group.to_lowercase())
            .cloned()
            .ok_or_else(|| SchedulerError::Tenants(format!("no tenant group '{group}'")))
    }

    /// Each tenant by its domain, in the groups of this list that name it.
    async fn targets(
        &self,
        tenants: &[String],
    ) -> Result<Vec<cipp_standards::Target>, SchedulerError> {
        Ok(tenants
            .iter()
            .map(|tenant| {
                let mut target = cipp_standards::Target::from_domain(tenant);
                target.identity.groups = self
                    .groups
                    .iter()
                    .filter(|(_, members)| members.iter().any(|m| m.eq_ignore_ascii_case(tenant)))
                    .map(|(name, _)| name.clone())
                    .collect();
                target
            })
            .collect())
    }
}

/// The partner's managed-tenant directory (GDAP customers, exclusions and groups).
#[async_trait]
impl TenantSource for cipp_gdap::TenantDirectory {
    async fn all(&self) -> Result<Vec<String>, SchedulerError> {
        let list = self
            .list()
            .await
            .map_err(|e| SchedulerError::Tenants(e.to_string()))?;
        Ok(list.iter().map(domain_of).collect())
    }

    async fn group(&self, group: &str) -> Result<Vec<String>, SchedulerError> {
        let list = cipp_gdap::TenantDirectory::group(self, group)
            .await
            .map_err(|e| SchedulerError::Tenants(e.to_string()))?;
        Ok(list.iter().map(domain_of).collect())
    }

    /// Each tenant as the directory knows it (GUID, domains, groups); one directory read.
    async fn targets(
        &self,
        tenants: &[String],
    ) -> Result<Vec<cipp_standards::Target>, SchedulerError> {
        let list = self
            .list()
            .await
            .map_err(|e| SchedulerError::Tenants(e.to_string()))?;
        Ok(tenants
            .iter()
            .map(|name| {
                list.iter()
                    .find(|t| t.matches(name))
                    .map(managed_target)
                    .unwrap_or_else(|| cipp_standards::Target::from_domain(name))
            })
            .collect())
    }
}

fn domain_of(t: &cipp_gdap::ManagedTenant) -> String {
    t.default_domain_name
        .clone()
        .or_else(|| t.initial_domain_name.clone())
        .unwrap_or_else(|| t.customer_id.clone())
}
