//! `TemplateClient`: deploy, compare and capture templates in one tenant.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};

use cipp_core::Pipeline;
use cipp_exchange::ExchangeClient;
use cipp_graph::{BatchRequest, GraphClient};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use tokio::sync::OnceCell;

use crate::compare::Comparison;
use crate::compliance::{self, Family};
use crate::error::TemplateError;
use crate::models::{CaTemplate, GroupTemplate, IntuneTemplate, TransportRuleTemplate};
use crate::template::{Template, TemplateBody, TemplateKind};
use crate::{
    allow_block, assignment_filter, ca, connector, contact, group, intune, reusable_setting,
    safe_links, sensitive_info_type, sensitivity_label, transport,
};

/// What state a deployed Conditional Access policy gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub enum StateOverride {
    /// The template's own `state`.
    #[default]
    AsTemplate,
    /// New policies get the template's state; existing ones keep theirs (CIPP's
    /// `donotchange`).
    KeepLive,
    /// `enabled`.
    Enabled,
    /// `disabled`.
    Disabled,
    /// `enabledForReportingButNotEnforced`.
    ReportOnly,
}

impl StateOverride {
    /// Read `enabled`, `disabled`, `enabledForReportingButNotEnforced` (or `report-only`,
    /// `reportonly`), `donotchange` (or `keep`), `template`; any case.
    pub fn parse(s: &str) -> Option<StateOverride> {
        let t: String = s
            .chars()
            .filter(char::is_ascii_alphanumeric)
            .collect::<String>()
            .to_ascii_lowercase();
        Some(match t.as_str() {
            "template" | "astemplate" | "" => StateOverride::AsTemplate,
            "donotchange" | "keep" | "keeplive" => StateOverride::KeepLive,
            "enabled" | "on" => StateOverride::Enabled,
            "disabled" | "off" => StateOverride::Disabled,
            "enabledforreportingbutnotenforced" | "reportonly" | "report" => {
                StateOverride::ReportOnly
            }
            _ => return None,
        })
    }

    /// The Graph `state` this override sets, if it sets one.
    pub fn state(self) -> Option<&'static str> {
        match self {
            StateOverride::Enabled => Some("enabled"),
            StateOverride::Disabled => Some("disabled"),
            StateOverride::ReportOnly => Some("enabledForReportingButNotEnforced"),
            StateOverride::AsTemplate | StateOverride::KeepLive => None,
        }
    }
}

/// How to deploy (and, for comparisons, what a deploy would have set).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct DeployOptions {
    /// Conditional Access policy state.
    pub state: StateOverride,
    /// Create groups a Conditional Access template refers to when the tenant lacks them
    /// (security groups named as in the template). Without it such a template fails with
    /// [`TemplateError::MissingReference`] and nothing is written.
    pub create_groups: bool,
    /// Extra `%name%` variables for Intune payloads (besides `%tenantid%` and
    /// `%tenantfilter%`).
    pub variables: Vec<(String, String)>,
}

impl DeployOptions {
    /// The defaults: template state, no group creation.
    pub fn new() -> Self {
        Self::default()
    }

    /// Set the Conditional Access state.
    pub fn state(mut self, state: StateOverride) -> Self {
        self.state = state;
        self
    }

    /// Create missing groups.
    pub fn create_groups(mut self, yes: bool) -> Self {
        self.create_groups = yes;
        self
    }

    /// Add a `%name%` variable.
    pub fn variable(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.variables.push((name.into(), value.into()));
        self
    }
}

/// What a deploy did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "result", rename_all = "camelCase")]
#[non_exhaustive]
pub enum DeployOutcome {
    /// The object did not exist and was created.
    Created {
        /// Its id.
        id: String,
    },
    /// The object existed and differed; it was changed.
    Updated {
        /// Its id.
        id: String,
        /// The properties written (top level).
        changed: Vec<String>,
    },
    /// The object already matched; nothing was written.
    Unchanged {
        /// Its id.
        id: String,
    },
}

impl DeployOutcome {
    /// The object's id.
    pub fn id(&self) -> &str {
        match self {
            DeployOutcome::Created { id }
            | DeployOutcome::Updated { id, .. }
            | DeployOutcome::Unchanged { id } => id,
        }
    }
}

/// One template's deploy result in [`TemplateClient::deploy_all`].
#[derive(Debug)]
#[non_exhaustive]
pub struct DeployReport {
    /// The template's display name.
    pub template: String,
    /// Its GUID, when known.
    pub guid: Option<String>,
    /// Its kind.
    pub kind: TemplateKind,
    /// What happened.
    pub result: Result<DeployOutcome, TemplateError>,
}

/// One template's comparison in [`TemplateClient::compare_all`].
#[derive(Debug)]
#[non_exhaustive]
pub struct CompareReport {
    /// The template's display name.
    pub template: String,
    /// Its GUID, when known.
    pub guid: Option<String>,
    /// Its kind.
    pub kind: TemplateKind,
    /// The comparison.
    pub result: Result<Comparison, TemplateError>,
}

/// Templates in one tenant: deploy (create or update by display name), compare, capture.
///
/// Graph calls use beta with app-only tokens, as CIPP does; transport rules go through
/// Exchange cmdlets. Collections (policies, named locations, groups, Intune policies, transport
/// rules) are read once per client and reused by every template, until a write changes them.
/// Cheap to clone; clones share what was read.
#[derive(Clone)]
pub struct TemplateClient {
    pub(crate) graph: GraphClient,
    pub(crate) exchange: ExchangeClient,
    pub(crate) tenant: String,
    cache: Arc<Mutex<HashMap<String, Arc<Vec<Value>>>>>,
    tenant_id: Arc<OnceCell<String>>,
}

impl fmt::Debug for TemplateClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TemplateClient")
            .field("tenant", &self.tenant)
            .finish_non_exhaustive()
    }
}

impl TemplateClient {
    /// Templates in `tenant` (GUID or domain).
    pub fn new(pipeline: Pipeline, tenant: impl Into<String>) -> Self {
        let tenant = tenant.into();
        TemplateClient {
            graph: GraphClient::new(pipeline.clone(), tenant.clone())
                .beta()
                .app_only(),
            exchange: ExchangeClient::new(pipeline, tenant.clone()),
            tenant,
            cache: Arc::default(),
            tenant_id: Arc::default(),
        }
    }

    /// The tenant, as given.
    pub fn tenant(&self) -> &str {
        &self.tenant
    }

    /// The Graph client in use (beta, app-only).
    pub fn graph(&self) -> &GraphClient {
        &self.graph
    }

    /// Forget everything read, so the next call reads the tenant afresh.
    pub fn refresh(&self) {
        self.lock().clear();
    }

    /// Deploy one template: create it, or update the object of the same name, or leave it
    /// when it already matches (no write at all).
    pub async fn deploy(
        &self,
        template: &Template,
        options: &DeployOptions,
    ) -> Result<DeployOutcome, TemplateError> {
        match &template.body {
            TemplateBody::ConditionalAccess(t) => ca::deploy(self, t, options).await,
            TemplateBody::Intune(t) => intune::deploy(self, t, options).await,
            TemplateBody::TransportRule(t) => transport::deploy(self, t).await,
            TemplateBody::Group(t) => group::deploy(self, t).await,
            TemplateBody::DlpCompliancePolicy(t) => compliance::deploy(self, Family::Dlp, t).await,
            TemplateBody::RetentionCompliancePolicy(t) => {
                compliance::deploy(self, Family::Retention, t).await
            }
            TemplateBody::ExchangeConnector(t) => connector::deploy(self, t).await,
            TemplateBody::TenantAllowBlockList(t) => allow_block::deploy(self, t).await,
            TemplateBody::SafeLinks(t) => safe_links::deploy(self, t).await,
            TemplateBody::Contact(t) => contact::deploy(self, t).await,
            TemplateBody::AssignmentFilter(t) => assignment_filter::deploy(self, t).await,
            TemplateBody::ReusableSetting(t) => reusable_setting::deploy(self, t).await,
            TemplateBody::SensitivityLabel(t) => sensitivity_label::deploy(self, t).await,
            TemplateBody::SensitiveInfoType(t) => sensitive_info_type::deploy(self, t).await,
        }
    }

    /// Deploy many templates, one after the other (each collection is read once), one report
    /// each; a failure does not stop the others.
    pub async fn deploy_all<'a, I>(
        &self,
        templates: I,
        options: &DeployOptions,
    ) -> Vec<DeployReport>
    where
        I: IntoIterator<Item = &'a Template>,
    {
        let templates: Vec<&Template> = templates.into_iter().collect();
        self.prefetch(&templates, options).await;
        let mut out = Vec::with_capacity(templates.len());
        for t in templates {
            out.push(DeployReport {
                template: t.display_name().to_string(),
                guid: t.guid.clone(),
                kind: t.kind(),
                result: self.deploy(t, options).await,
            });
        }
        out
    }

    /// Compare one template with the tenant. `options` says what a deploy would set (a
    /// Conditional Access state override is what the live policy is held to).
    pub async fn compare(
        &self,
        template: &Template,
        options: &DeployOptions,
    ) -> Result<Comparison, TemplateError> {
        match &template.body {
            TemplateBody::ConditionalAccess(t) => ca::compare(self, t, options).await,
            TemplateBody::Intune(t) => intune::compare(self, t, options).await,
            TemplateBody::TransportRule(t) => transport::compare(self, t).await,
            TemplateBody::Group(t) => group::compare(self, t).await,
            TemplateBody::DlpCompliancePolicy(t) => compliance::compare(self, Family::Dlp, t).await,
            TemplateBody::RetentionCompliancePolicy(t) => {
                compliance::compare(self, Family::Retention, t).await
            }
            TemplateBody::ExchangeConnector(t) => connector::compare(self, t).await,
            TemplateBody::TenantAllowBlockList(t) => allow_block::compare(self, t).await,
            TemplateBody::SafeLinks(t) => safe_links::compare(self, t).await,
            TemplateBody::Contact(t) => contact::compare(self, t).await,
            TemplateBody::AssignmentFilter(t) => assignment_filter::compare(self, t).await,
            TemplateBody::ReusableSetting(t) => reusable_setting::compare(self, t).await,
            TemplateBody::SensitivityLabel(t) => sensitivity_label::compare(self, t).await,
            TemplateBody::SensitiveInfoType(t) => sensitive_info_type::compare(self, t).await,
        }
    }

    /// Compare many templates; every collection they need is read once, in one `$batch`.
    pub async fn compare_all<'a, I>(
        &self,
        templates: I,
        options: &DeployOptions,
    ) -> Vec<CompareReport>
    where
        I: IntoIterator<Item = &'a Template>,
    {
        let templates: Vec<&Template> = templates.into_iter().collect();
        self.prefetch(&templates, options).await;
        let mut out = Vec::with_capacity(templates.len());
        for t in templates {
            out.push(CompareReport {
                template: t.display_name().to_string(),
                guid: t.guid.clone(),
                kind: t.kind(),
                result: self.compare(t, options).await,
            });
        }
        out
    }

    /// Capture a Conditional Access policy by id as a portable template.
    pub async fn capture_ca(&self, id: &str) -> Result<CaTemplate, TemplateError> {
        ca::capture(self, id).await
    }

    /// Capture an Intune policy by id (any of the collections in
    /// [`IntuneKind::COLLECTIONS`](crate::IntuneKind::COLLECTIONS)) as a portable template.
    pub async fn capture_intune(&self, id: &str) -> Result<IntuneTemplate, TemplateError> {
        intune::capture(self, id).await
    }

    /// Capture a group by id as a template.
    pub async fn capture_group(&self, id: &str) -> Result<GroupTemplate, TemplateError> {
        group::capture(self, id).await
    }

    /// Capture a transport rule by name or GUID as a template.
    pub async fn capture_transport_rule(
        &self,
        identity: &str,
    ) -> Result<TransportRuleTemplate, TemplateError> {
        transport::capture(self, identity).await
    }

    /// Capture anything: `kind` says which.
    pub async fn capture(&self, kind: TemplateKind, id: &str) -> Result<Template, TemplateError> {
        let body = match kind {
            TemplateKind::ConditionalAccess => {
                TemplateBody::ConditionalAccess(self.capture_ca(id).await?)
            }
            TemplateKind::Intune => TemplateBody::Intune(self.capture_intune(id).await?),
            TemplateKind::Group => TemplateBody::Group(self.capture_group(id).await?),
            TemplateKind::AssignmentFilter => {
                TemplateBody::AssignmentFilter(assignment_filter::capture(self, id).await?)
            }
            TemplateKind::ReusableSetting => {
                TemplateBody::ReusableSetting(reusable_setting::capture(self, id).await?)
            }
            TemplateKind::TransportRule => {
                TemplateBody::TransportRule(self.capture_transport_rule(id).await?)
            }
            TemplateKind::DlpCompliancePolicy => {
                TemplateBody::DlpCompliancePolicy(compliance::capture(self, Family::Dlp, id).await?)
            }
            TemplateKind::RetentionCompliancePolicy => TemplateBody::RetentionCompliancePolicy(
                compliance::capture(self, Family::Retention, id).await?,
            ),
            TemplateKind::SensitivityLabel => {
                TemplateBody::SensitivityLabel(sensitivity_label::capture(self, id).await?)
            }
            // Connectors and allow/block entries are written from templates only; CIPP
            // builds those templates by hand too.
            other => {
                return Err(TemplateError::invalid(
                    id,
                    "kind",
                    format!("capturing {other} templates is not supported"),
                ))
            }
        };
        let mut t = Template::new(body);
        t.guid = Some(uuid::Uuid::new_v4().to_string());
        Ok(t)
    }

    // ---- shared plumbing for the kind modules ----

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Arc<Vec<Value>>>> {
        self.cache.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The tenant's GUID (asked once).
    pub(crate) async fn tenant_id(&self) -> Result<String, TemplateError> {
        self.tenant_id
            .get_or_try_init(|| async {
                self.graph
                    .pipeline()
                    .resolve_tenant(&self.tenant)
                    .await
                    .map_err(|e| self.graph_error("tenant", e))
            })
            .await
            .cloned()
    }

    pub(crate) fn graph_error(&self, template: &str, source: cipp_core::Error) -> TemplateError {
        TemplateError::Graph {
            template: template.to_string(),
            tenant: self.tenant.clone(),
            source: Box::new(source),
        }
    }

    pub(crate) fn exchange_error(
        &self,
        template: &str,
        source: cipp_exchange::ExchangeError,
    ) -> TemplateError {
        TemplateError::Exchange {
            template: template.to_string(),
            tenant: self.tenant.clone(),
            source: Box::new(source),
        }
    }

    /// Every item of a Graph collection (`path` relative to the version root, query
    /// included), read once and kept.
    pub(crate) async fn list(
        &self,
        path: &str,
        template: &str,
    ) -> Result<Arc<Vec<Value>>, TemplateError> {
        if let Some(v) = self.lock().get(path) {
            return Ok(v.clone());
        }
        let items = self
            .graph
            .list_json(path.to_string())
            .collect_all()
            .await
            .map_err(|e| self.graph_error(template, e))?;
        let items = Arc::new(items);
        self.lock().insert(path.to_string(), items.clone());
        Ok(items)
    }

    /// Keep `items` as what `key` holds (Exchange reads go through this too).
    pub(crate) fn remember(&self, key: &str, items: Vec<Value>) -> Arc<Vec<Value>> {
        let items = Arc::new(items);
        self.lock().insert(key.to_string(), items.clone());
        items
    }

    pub(crate) fn cached(&self, key: &str) -> Option<Arc<Vec<Value>>> {
        self.lock().get(key).cloned()
    }

    /// Forget what `path` held (after a write to it).
    pub(crate) fn invalidate(&self, path: &str) {
        self.lock().remove(path);
    }

    /// Read every Graph collection `paths` names that is not held yet, in one `$batch`
    /// (failed items are left for the direct read to report).
    pub(crate) async fn prefetch_paths(&self, paths: Vec<String>) {
        let wanted: Vec<String> = {
            let cache = self.lock();
            let mut seen = std::collections::HashSet::new();
            paths
                .into_iter()
                .filter(|p| !cache.contains_key(p) && seen.insert(p.clone()))
                .collect()
        };
        if wanted.is_empty() {
            return;
        }
        if wanted.len() == 1 {
            let _ = self.list(&wanted[0], "prefetch").await;
            return;
        }
        let requests = wanted
            .iter()
            .enumerate()
            .map(|(i, p)| BatchRequest::get(i.to_string(), format!("/{p}")));
        let Ok(results) = self.graph.batch(requests).await else {
            return;
        };
        for (i, p) in wanted.iter().enumerate() {
            if let Some(r) = results.get(&i.to_string()).filter(|r| r.is_success()) {
                let items = match r.body.get("value") {
                    Some(Value::Array(a)) => a.clone(),
                    _ => continue,
                };
                self.remember(p, items);
            }
        }
    }

    /// Read what the templates need in one round trip where possible.
    async fn prefetch(&self, templates: &[&Template], options: &DeployOptions) {
        let mut paths = Vec::new();
        for t in templates {
            match &t.body {
                TemplateBody::ConditionalAccess(c) => paths.extend(ca::reads(c)),
                TemplateBody::Intune(i) => paths.extend(intune::reads(i)),
                TemplateBody::Group(_) => paths.push(group::GROUPS.to_string()),
                TemplateBody::TransportRule(_)
                | TemplateBody::DlpCompliancePolicy(_)
                | TemplateBody::RetentionCompliancePolicy(_)
                | TemplateBody::ExchangeConnector(_)
                | TemplateBody::TenantAllowBlockList(_)
                | TemplateBody::SafeLinks(_)
                | TemplateBody::Contact(_)
                | TemplateBody::SensitivityLabel(_)
                | TemplateBody::SensitiveInfoType(_) => {}
                TemplateBody::AssignmentFilter(_) => {
                    paths.push(assignment_filter::FILTERS.to_string())
                }
                TemplateBody::ReusableSetting(_) => {
                    paths.push(reusable_setting::SETTINGS_READ.to_string())
                }
            }
        }
        self.prefetch_paths(paths).await;
        let intune: Vec<&IntuneTemplate> = templates
            .iter()
            .filter_map(|t| match &t.body {
                TemplateBody::Intune(i) => Some(i),
                _ => None,
            })
            .collect();
        if !intune.is_empty() {
            intune::prefetch_details(self, &intune, options).await;
        }
    }
}
