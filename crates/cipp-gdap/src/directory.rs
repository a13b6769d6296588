//! The managed-tenant directory: which customers the partner manages, built from active
//! GDAP relationships, with the partner's own overrides (aliases, exclusions, groups) and a
//! cache, so a run over 5,000 tenants asks Graph once, not once per lookup.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use cipp_core::is_guid;
use cipp_graph::GraphClient;
use futures::stream::{self, StreamExt};
use serde::{Deserialize, Serialize};

use crate::error::{GdapError, Result};
use crate::models::Relationship;
use crate::relationships::GdapClient;

/// How the partner reaches a tenant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub enum Access {
    /// Through GDAP relationships.
    Gdap,
    /// The partner tenant itself.
    Partner,
}

/// A tenant the partner manages (fields serialise in snake_case, as the bindings show them).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ManagedTenant {
    /// Tenant GUID (lower case).
    pub customer_id: String,
    /// Display name: the alias if one is set, else the customer name of the latest
    /// relationship.
    pub display_name: String,
    /// Default domain.
    pub default_domain_name: Option<String>,
    /// Initial `*.onmicrosoft.com` domain.
    pub initial_domain_name: Option<String>,
    /// Latest `endDateTime` across the tenant's active relationships.
    pub relationship_end: Option<String>,
    /// Number of active relationships.
    pub relationship_count: usize,
    /// Any relationship auto-extends.
    pub has_auto_extend: bool,
    /// How the partner reaches it.
    pub access: Access,
    /// Tenant groups it belongs to.
    pub groups: Vec<String>,
    /// Its domains could not be read; the default domain came from public tenant
    /// information (or is missing) and a later refresh should try again.
    pub requires_refresh: bool,
}

impl ManagedTenant {
    /// Whether `name` (GUID, default or initial domain, any case) names this tenant.
    pub fn matches(&self, name: &str) -> bool {
        let n = name.trim();
        self.customer_id.eq_ignore_ascii_case(n)
            || self
                .default_domain_name
                .as_deref()
                .is_some_and(|d| d.eq_ignore_ascii_case(n))
            || self
                .initial_domain_name
                .as_deref()
                .is_some_and(|d| d.eq_ignore_ascii_case(n))
    }
}

/// The partner's own settings for the directory.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct DirectoryOptions {
    /// Display-name overrides, by tenant GUID or domain.
    pub aliases: BTreeMap<String, String>,
    /// Tenants left out of lists (GUID or domain).
    pub excluded: BTreeSet<String>,
    /// Named groups of tenants (GUID or domain members).
    pub groups: BTreeMap<String, BTreeSet<String>>,
    /// List the partner tenant too.
    pub include_partner: bool,
    /// How long a built list is reused (`ttl_secs` when serialised).
    #[serde(with = "secs", rename = "ttl_secs")]
    pub ttl: Duration,
    /// Tenants whose domains are read at once.
    pub concurrency: usize,
}

mod secs {
    use std::time::Duration;

    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u64(d.as_secs())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
        Ok(Duration::from_secs(u64::deserialize(d)?))
    }
}

impl Default for DirectoryOptions {
    fn default() -> Self {
        DirectoryOptions {
            aliases: BTreeMap::new(),
            excluded: BTreeSet::new(),
            groups: BTreeMap::new(),
            include_partner: false,
            ttl: Duration::from_secs(15 * 60),
            concurrency: 8,
        }
    }
}

/// A built list and when it was built.
#[derive(Debug)]
struct Built {
    at: Instant,
    tenants: Arc<Vec<ManagedTenant>>,
}

/// The managed-tenant directory (cheap to clone; clones share the cache).
///
/// ```no_run
/// # async fn run(gdap: cipp_gdap::GdapClient) -> Result<(), cipp_gdap::GdapError> {
/// use cipp_gdap::{DirectoryOptions, TenantDirectory};
/// let mut options = DirectoryOptions::default();
/// options.aliases.insert("alpha.onmicrosoft.com".into(), "Alpha (dental)".into());
/// let directory = TenantDirectory::new(gdap, options);
/// for t in directory.list().await?.iter() {
///     println!("{} {}", t.customer_id, t.display_name);
/// }
/// let same = directory.get("alpha.onmicrosoft.com").await?;
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct TenantDirectory {
    gdap: GdapClient,
    options: Arc<Mutex<DirectoryOptions>>,
    built: Arc<tokio::sync::Mutex<Option<Built>>>,
}

fn lower_keys<V: Clone>(m: &BTreeMap<String, V>) -> HashMap<String, V> {
    m.iter()
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.clone()))
        .collect()
}

impl TenantDirectory {
    /// A directory over `gdap`'s partner tenant.
    pub fn new(gdap: GdapClient, options: DirectoryOptions) -> Self {
        TenantDirectory {
            gdap,
            options: Arc::new(Mutex::new(options)),
            built: Arc::new(tokio::sync::Mutex::new(None)),
        }
    }

    /// The current options.
    pub fn options(&self) -> DirectoryOptions {
        self.options
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Change the options; the next list is rebuilt.
    pub async fn set_options(&self, options: DirectoryOptions) {
        *self.options.lock().unwrap_or_else(PoisonError::into_inner) = options;
        *self.built.lock().await = None;
    }

    /// Forget the cached list.
    pub async fn invalidate(&self) {
        *self.built.lock().await = None;
    }

    /// Managed tenants, excluded ones left out, sorted by display name; cached for the
    /// TTL (one build at a time however many callers ask).
    pub async fn list(&self) -> Result<Arc<Vec<ManagedTenant>>> {
        let all = self.all().await?;
        let excluded = self.options().excluded;
        if excluded.is_empty() {
            return Ok(all);
        }
        Ok(Arc::new(
            all.iter()
                .filter(|t| !excluded.iter().any(|x| t.matches(x)))
                .cloned()
                .collect(),
        ))
    }

    /// Every managed tenant, excluded ones too.
    pub async fn all(&self) -> Result<Arc<Vec<ManagedTenant>>> {
        let ttl = self.options().ttl;
        let mut guard = self.built.lock().await;
        if let Some(b) = guard.as_ref().filter(|b| b.at.elapsed() < ttl) {
            return Ok(b.tenants.clone());
        }
        let tenants = Arc::new(self.build().await?);
        *guard = Some(Built {
            at: Instant::now(),
            tenants: tenants.clone(),
        });
        Ok(tenants)
    }

    /// Rebuild now, whatever the TTL.
    pub async fn refresh(&self) -> Result<Arc<Vec<ManagedTenant>>> {
        self.invalidate().await;
        self.list().await
    }

    /// The managed tenant named by GUID, default domain or initial domain (excluded ones
    /// included: an exclusion hides a tenant from lists, not from direct use). A miss in a
    /// cached list rebuilds it once, so a customer onboarded a minute ago is found.
    pub async fn get(&self, name: &str) -> Result<ManagedTenant> {
        let name = name.trim();
        if name.is_empty() {
            return Err(GdapError::invalid("tenant", "empty tenant name"));
        }
        if let Some(t) = self.all().await?.iter().find(|t| t.matches(name)) {
            return Ok(t.clone());
        }
        self.invalidate().await;
        self.all()
            .await?
            .iter()
            .find(|t| t.matches(name))
            .cloned()
            .ok_or_else(|| GdapError::UnknownTenant(name.to_string()))
    }

    /// Members of the tenant group `group` (not excluded).
    pub async fn group(&self, group: &str) -> Result<Vec<ManagedTenant>> {
        let options = self.options();
        let Some((_, members)) = options
            .groups
            .iter()
            .find(|(g, _)| g.eq_ignore_ascii_case(group))
        else {
            return Err(GdapError::invalid(
                "group",
                format!("no tenant group '{group}'"),
            ));
        };
        let list = self.list().await?;
        Ok(list
            .iter()
            .filter(|t| members.iter().any(|m| t.matches(m)))
            .cloned()
            .collect())
    }

    async fn build(&self) -> Result<Vec<ManagedTenant>> {
        let options = self.options();
        let relationships = self.gdap.active_relationships().await?;
        let mut by_customer: BTreeMap<String, ManagedTenant> = BTreeMap::new();
        for rel in relationships
            .iter()
            .filter(|r| !r.is_microsoft_led_transition())
        {
            let Some(id) = rel.customer_id() else {
                continue;
            };
            let entry = by_customer
                .entry(id.to_ascii_lowercase())
                .or_insert_with(|| ManagedTenant {
                    customer_id: id.to_ascii_lowercase(),
                    display_name: String::new(),
                    default_domain_name: None,
                    initial_domain_name: None,
                    relationship_end: None,
                    relationship_count: 0,
                    has_auto_extend: false,
                    access: Access::Gdap,
                    groups: Vec::new(),
                    requires_refresh: false,
                });
            absorb(entry, rel);
        }
        let pipeline = self.gdap.graph().pipeline().clone();
        let concurrency = options.concurrency.max(1);
        let mut tenants: Vec<ManagedTenant> = stream::iter(by_customer.into_values())
            .map(|mut t| {
                let graph = GraphClient::new(pipeline.clone(), t.customer_id.clone());
                let gdap = self.gdap.clone();
                async move {
                    fill_domains(&mut t, &graph, &gdap).await;
                    t
                }
            })
            .buffer_unordered(concurrency)
            .collect()
            .await;
        if options.include_partner {
            tenants.push(self.partner_tenant().await?);
        }
        let aliases = lower_keys(&options.aliases);
        let groups = lower_keys(&options.groups);
        for t in &mut tenants {
            if let Some(alias) = aliases
                .iter()
                .find(|(k, _)| t.matches(k))
                .map(|(_, v)| v.clone())
            {
                t.display_name = alias;
            }
            let mut in_groups: Vec<String> = options
                .groups
                .keys()
                .filter(|g| {
                    groups
                        .get(&g.to_ascii_lowercase())
                        .is_some_and(|m| m.iter().any(|x| t.matches(x)))
                })
                .cloned()
                .collect();
            in_groups.sort();
            t.groups = in_groups;
        }
        tenants.sort_by_key(|t| t.display_name.to_lowercase());
        Ok(tenants)
    }

    async fn partner_tenant(&self) -> Result<ManagedTenant> {
        let graph = self.gdap.graph().clone();
        let guid = graph
            .pipeline()
            .resolve_tenant(graph.pipeline().credentials().partner_tenant())
            .await?;
        let mut t = ManagedTenant {
            customer_id: guid.to_ascii_lowercase(),
            display_name: "*Partner Tenant".into(),
            default_domain_name: None,
            initial_domain_name: None,
            relationship_end: None,
            relationship_count: 0,
            has_auto_extend: false,
            access: Access::Partner,
            groups: Vec::new(),
            requires_refresh: false,
        };
        fill_domains(&mut t, &graph, &self.gdap).await;
        Ok(t)
    }
}

/// Count a relationship into its tenant's entry; the latest relationship names it.
fn absorb(entry: &mut ManagedTenant, rel: &Relationship) {
    entry.relationship_count += 1;
    entry.has_auto_extend |= rel.auto_extends();
    let name = rel
        .customer
        .as_ref()
        .and_then(|c| c.display_name.clone())
        .unwrap_or_default();
    if rel.end_date_time > entry.relationship_end {
        entry.relationship_end = rel.end_date_time.clone();
        if !name.is_empty() {
            entry.display_name = name;
        }
    } else if entry.display_name.is_empty() {
        entry.display_name = name;
    }
}

/// Read the tenant's domains in the tenant itself; on failure fall back to public tenant
/// information for the default domain and mark the tenant for a later refresh.
async fn fill_domains(t: &mut ManagedTenant, graph: &GraphClient, gdap: &GdapClient) {
    match graph.domains().list().collect_all().await {
        Ok(domains) => {
            for d in domains {
                if d.is_default == Some(true) {
                    t.default_domain_name = d.id.clone();
                }
                if d.is_initial == Some(true) {
                    t.initial_domain_name = d.id.clone();
                }
            }
        }
        Err(e) => {
            tracing::warn!(tenant = %t.customer_id, error = %e, "could not read the tenant's domains");
            t.requires_refresh = true;
            if is_guid(&t.customer_id) {
                if let Ok(info) = gdap.find_tenant(&t.customer_id).await {
                    t.default_domain_name = info.default_domain_name;
                }
            }
        }
    }
}
