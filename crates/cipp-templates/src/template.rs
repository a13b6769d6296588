//! One template of any kind, and how it is read from a file or text.

use std::fmt;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::error::{from_value, parse_json, TemplateError};
use crate::models::{
    AssignmentFilterTemplate, CaTemplate, CompliancePolicyTemplate, ContactTemplate,
    ExchangeConnectorTemplate, GroupTemplate, IntuneTemplate, ReusableSettingTemplate,
    SafeLinksTemplate, SensitiveInfoTypeTemplate, SensitivityLabelTemplate,
    TenantAllowBlockListTemplate, TransportRuleTemplate,
};

/// The kinds of template.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[non_exhaustive]
pub enum TemplateKind {
    /// Conditional Access policy (`*.CATemplate.json`).
    ConditionalAccess,
    /// Intune policy (`*.IntuneTemplate.json`).
    Intune,
    /// Exchange transport rule (`*.TransportRuleTemplate.json`).
    TransportRule,
    /// Entra or Exchange group (`*.GroupTemplate.json`).
    Group,
    /// Purview DLP policy with its rules, on Security & Compliance
    /// (`*.DlpCompliancePolicyTemplate.json`).
    DlpCompliancePolicy,
    /// Purview retention policy with its rules, on Security & Compliance
    /// (`*.RetentionCompliancePolicyTemplate.json`).
    RetentionCompliancePolicy,
    /// Exchange inbound or outbound connector (`*.ExConnectorTemplate.json`).
    ExchangeConnector,
    /// Tenant Allow/Block List entries (`*.TenantAllowBlockListTemplate.json`).
    TenantAllowBlockList,
    /// Defender Safe Links policy and rule (`*.SafeLinksTemplate.json`).
    SafeLinks,
    /// Exchange mail contact (`*.ContactTemplate.json`).
    Contact,
    /// Intune assignment filter (`*.AssignmentFilterTemplate.json`).
    AssignmentFilter,
    /// Intune reusable policy setting (`*.ReusableSettingTemplate.json`).
    ReusableSetting,
    /// Purview sensitivity label, with the label policy that publishes it, on Security &
    /// Compliance (`*.SensitivityLabelTemplate.json`).
    SensitivityLabel,
    /// Purview custom sensitive information type, as a rule package on Security & Compliance
    /// (`*.SensitiveInfoTypeTemplate.json`).
    SensitiveInfoType,
}

impl TemplateKind {
    /// The kind a file name says (`<guid>.CATemplate.json`...), ignoring case.
    pub fn from_file_name(name: &str) -> Option<TemplateKind> {
        let n = name.to_ascii_lowercase();
        [
            (".catemplate.json", TemplateKind::ConditionalAccess),
            (".intunetemplate.json", TemplateKind::Intune),
            (".transportruletemplate.json", TemplateKind::TransportRule),
            (".transporttemplate.json", TemplateKind::TransportRule),
            (".grouptemplate.json", TemplateKind::Group),
            (
                ".dlpcompliancepolicytemplate.json",
                TemplateKind::DlpCompliancePolicy,
            ),
            (
                ".retentioncompliancepolicytemplate.json",
                TemplateKind::RetentionCompliancePolicy,
            ),
            (".exconnectortemplate.json", TemplateKind::ExchangeConnector),
            (
                ".tenantallowblocklisttemplate.json",
                TemplateKind::TenantAllowBlockList,
            ),
            (".safelinkstemplate.json", TemplateKind::SafeLinks),
            (".contacttemplate.json", TemplateKind::Contact),
            (
                ".assignmentfiltertemplate.json",
                TemplateKind::AssignmentFilter,
            ),
            (
                ".reusablesettingtemplate.json",
                TemplateKind::ReusableSetting,
            ),
            (
                ".sensitivitylabeltemplate.json",
                TemplateKind::SensitivityLabel,
            ),
            (
                ".sensitiveinfotypetemplate.json",
                TemplateKind::SensitiveInfoType,
            ),
        ]
        .into_iter()
        .find(|(suffix, _)| n.ends_with(suffix))
        .map(|(_, k)| k)
    }

    /// The kind a template's JSON looks like: `RAWJson` is Intune, `conditions` is
    /// Conditional Access, `groupType` is a group, `EnableSafeLinksForEmail` or `PolicyName` a
    /// Safe Links template, `email` with `displayName` a mail contact, `listType` a Tenant
    /// Allow/Block List template, `direction` (or `cippconnectortype`) an Exchange connector,
    /// anything else with a name a transport rule. DLP and retention policies look alike (and
    /// like a transport rule), so their kind comes from the file name or is given, as is a
    /// reusable setting's, a sensitivity label's and a sensitive information type's. `rule` with `platform` is an assignment filter.
    pub fn sniff(json: &Value) -> Option<TemplateKind> {
        let o = json.as_object()?;
        let has = |k: &str| o.keys().any(|x| x.eq_ignore_ascii_case(k));
        if has("RAWJson") {
            Some(TemplateKind::Intune)
        } else if has("conditions") {
            Some(TemplateKind::ConditionalAccess)
        } else if has("groupType") {
            Some(TemplateKind::Group)
        } else if has("EnableSafeLinksForEmail") || has("PolicyName") {
            Some(TemplateKind::SafeLinks)
        } else if has("email") && has("displayName") {
            Some(TemplateKind::Contact)
        } else if has("listType") {
            Some(TemplateKind::TenantAllowBlockList)
        } else if has("direction") || has("cippconnectortype") {
            Some(TemplateKind::ExchangeConnector)
        } else if has("rule") && has("platform") {
            Some(TemplateKind::AssignmentFilter)
        } else if has("name") {
            Some(TemplateKind::TransportRule)
        } else {
            None
        }
    }

    /// Short name used on the command line: `ca`, `intune`, `transport`, `group`, `dlp`,
    /// `retention`, `connector`, `allowblock`, `safelinks`, `contact`, `assignmentfilter`,
    /// `reusablesetting`, `label`, `sit`.
    pub fn short_name(self) -> &'static str {
        match self {
            TemplateKind::ConditionalAccess => "ca",
            TemplateKind::Intune => "intune",
            TemplateKind::TransportRule => "transport",
            TemplateKind::Group => "group",
            TemplateKind::DlpCompliancePolicy => "dlp",
            TemplateKind::RetentionCompliancePolicy => "retention",
            TemplateKind::ExchangeConnector => "connector",
            TemplateKind::TenantAllowBlockList => "allowblock",
            TemplateKind::SafeLinks => "safelinks",
            TemplateKind::Contact => "contact",
            TemplateKind::AssignmentFilter => "assignmentfilter",
            TemplateKind::ReusableSetting => "reusablesetting",
            TemplateKind::SensitivityLabel => "label",
            TemplateKind::SensitiveInfoType => "sit",
        }
    }

    /// The file name suffix CIPP uses.
    pub fn file_suffix(self) -> &'static str {
        match self {
            TemplateKind::ConditionalAccess => "CATemplate.json",
            TemplateKind::Intune => "IntuneTemplate.json",
            TemplateKind::TransportRule => "TransportRuleTemplate.json",
            TemplateKind::Group => "GroupTemplate.json",
            TemplateKind::DlpCompliancePolicy => "DlpCompliancePolicyTemplate.json",
            TemplateKind::RetentionCompliancePolicy => "RetentionCompliancePolicyTemplate.json",
            TemplateKind::ExchangeConnector => "ExConnectorTemplate.json",
            TemplateKind::TenantAllowBlockList => "TenantAllowBlockListTemplate.json",
            TemplateKind::SafeLinks => "SafeLinksTemplate.json",
            TemplateKind::Contact => "ContactTemplate.json",
            TemplateKind::AssignmentFilter => "AssignmentFilterTemplate.json",
            TemplateKind::ReusableSetting => "ReusableSettingTemplate.json",
            TemplateKind::SensitivityLabel => "SensitivityLabelTemplate.json",
            TemplateKind::SensitiveInfoType => "SensitiveInfoTypeTemplate.json",
        }
    }
}

impl std::str::FromStr for TemplateKind {
    type Err = String;

    /// `ca` / `conditionalaccess`, `intune`, `transport` / `transportrule`, `group`, `dlp` /
    /// `dlpcompliancepolicy`, `retention` / `retentioncompliancepolicy`, `connector` /
    /// `exconnector`, `allowblock` / `tenantallowblocklist`, `safelinks`, `contact`,
    /// `assignmentfilter`, `reusablesetting`, `label` / `sensitivitylabel`, `sit` /
    /// `sensitiveinfotype` (any case).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().replace(['-', '_', ' '], "").as_str() {
            "ca" | "conditionalaccess" => Ok(TemplateKind::ConditionalAccess),
            "intune" => Ok(TemplateKind::Intune),
            "transport" | "transportrule" => Ok(TemplateKind::TransportRule),
            "group" => Ok(TemplateKind::Group),
            "dlp" | "dlpcompliancepolicy" => Ok(TemplateKind::DlpCompliancePolicy),
            "retention" | "retentioncompliancepolicy" => {
                Ok(TemplateKind::RetentionCompliancePolicy)
            }
            "connector" | "exconnector" | "exchangeconnector" => {
                Ok(TemplateKind::ExchangeConnector)
            }
            "allowblock" | "tenantallowblocklist" => Ok(TemplateKind::TenantAllowBlockList),
            "safelinks" => Ok(TemplateKind::SafeLinks),
            "contact" | "mailcontact" => Ok(TemplateKind::Contact),
            "assignmentfilter" | "filter" => Ok(TemplateKind::AssignmentFilter),
            "reusablesetting" | "reusablesettings" => Ok(TemplateKind::ReusableSetting),
            "label" | "sensitivitylabel" => Ok(TemplateKind::SensitivityLabel),
            "sit" | "sensitiveinfotype" | "sensitiveinformationtype" => {
                Ok(TemplateKind::SensitiveInfoType)
            }
            _ => Err(format!(
                "unknown template kind '{s}' (expected ca, intune, transport, group, dlp, \
                 retention, connector, allowblock, safelinks, contact, assignmentfilter, \
                 reusablesetting, label or sit)"
            )),
        }
    }
}

impl fmt::Display for TemplateKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.short_name())
    }
}

/// What a template holds.
// Templates are few and long-lived; boxing the larger variants would only add noise to every
// match.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum TemplateBody {
    /// A Conditional Access policy.
    ConditionalAccess(CaTemplate),
    /// An Intune policy.
    Intune(IntuneTemplate),
    /// A transport rule.
    TransportRule(TransportRuleTemplate),
    /// A group.
    Group(GroupTemplate),
    /// A DLP policy and its rules.
    DlpCompliancePolicy(CompliancePolicyTemplate),
    /// A retention policy and its rules.
    RetentionCompliancePolicy(CompliancePolicyTemplate),
    /// An Exchange connector.
    ExchangeConnector(ExchangeConnectorTemplate),
    /// Tenant Allow/Block List entries.
    TenantAllowBlockList(TenantAllowBlockListTemplate),
    /// A Safe Links policy and rule.
    SafeLinks(SafeLinksTemplate),
    /// A mail contact.
    Contact(ContactTemplate),
    /// An Intune assignment filter.
    AssignmentFilter(AssignmentFilterTemplate),
    /// An Intune reusable policy setting.
    ReusableSetting(ReusableSettingTemplate),
    /// A sensitivity label and its label policy.
    SensitivityLabel(SensitivityLabelTemplate),
    /// A custom sensitive information type.
    SensitiveInfoType(SensitiveInfoTypeTemplate),
}

/// A template: its body, and where it came from.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Template {
    /// The template GUID (the start of CIPP's file name), when known.
    pub guid: Option<String>,
    /// The file it was read from.
    pub source: Option<PathBuf>,
    /// The template itself.
    pub body: TemplateBody,
}

impl Template {
    /// A template without a GUID or file.
    pub fn new(body: TemplateBody) -> Self {
        Template {
            guid: None,
            source: None,
            body,
        }
    }

    /// The kind of template.
    pub fn kind(&self) -> TemplateKind {
        match &self.body {
            TemplateBody::ConditionalAccess(_) => TemplateKind::ConditionalAccess,
            TemplateBody::Intune(_) => TemplateKind::Intune,
            TemplateBody::TransportRule(_) => TemplateKind::TransportRule,
            TemplateBody::Group(_) => TemplateKind::Group,
            TemplateBody::DlpCompliancePolicy(_) => TemplateKind::DlpCompliancePolicy,
            TemplateBody::RetentionCompliancePolicy(_) => TemplateKind::RetentionCompliancePolicy,
            TemplateBody::ExchangeConnector(_) => TemplateKind::ExchangeConnector,
            TemplateBody::TenantAllowBlockList(_) => TemplateKind::TenantAllowBlockList,
            TemplateBody::SafeLinks(_) => TemplateKind::SafeLinks,
            TemplateBody::Contact(_) => TemplateKind::Contact,
            TemplateBody::AssignmentFilter(_) => TemplateKind::AssignmentFilter,
            TemplateBody::ReusableSetting(_) => TemplateKind::ReusableSetting,
            TemplateBody::SensitivityLabel(_) => TemplateKind::SensitivityLabel,
            TemplateBody::SensitiveInfoType(_) => TemplateKind::SensitiveInfoType,
        }
    }

    /// The name the deployed object gets (and is found by).
    pub fn display_name(&self) -> &str {
        match &self.body {
            TemplateBody::ConditionalAccess(t) => &t.display_name,
            TemplateBody::Intune(t) => &t.display_name,
            TemplateBody::TransportRule(t) => &t.name,
            TemplateBody::Group(t) => &t.display_name,
            TemplateBody::DlpCompliancePolicy(t) | TemplateBody::RetentionCompliancePolicy(t) => {
                &t.name
            }
            TemplateBody::ExchangeConnector(t) => &t.name,
            TemplateBody::TenantAllowBlockList(t) => &t.template_name,
            TemplateBody::SafeLinks(t) => &t.policy_name,
            TemplateBody::Contact(t) => &t.display_name,
            TemplateBody::AssignmentFilter(t) => &t.display_name,
            TemplateBody::ReusableSetting(t) => &t.display_name,
            TemplateBody::SensitivityLabel(t) => &t.name,
            TemplateBody::SensitiveInfoType(t) => &t.name,
        }
    }

    /// Parse a template of `kind` (or, with `None`, of the kind its JSON looks like).
    ///
    /// ```
    /// use cipp_templates::{Template, TemplateKind};
    /// let t = Template::from_json(r#"{"displayName":"Block legacy","state":"enabled",
    ///     "conditions":{"users":{"includeUsers":["All"]}}}"#, None)?;
    /// assert_eq!(t.kind(), TemplateKind::ConditionalAccess);
    /// assert_eq!(t.display_name(), "Block legacy");
    /// # Ok::<(), cipp_templates::TemplateError>(())
    /// ```
    pub fn from_json(text: &str, kind: Option<TemplateKind>) -> Result<Template, TemplateError> {
        Self::parse(text, kind, "template")
    }

    fn parse(
        text: &str,
        kind: Option<TemplateKind>,
        label: &str,
    ) -> Result<Template, TemplateError> {
        let value: Value = parse_json(label, "", text)?;
        let kind = match kind.or_else(|| TemplateKind::sniff(&value)) {
            Some(k) => k,
            None => {
                return Err(TemplateError::Parse {
                    template: label.to_string(),
                    path: ".".into(),
                    message: "not a Conditional Access, Intune, group, transport rule, connector, \
                              allow/block list, Safe Links, contact or assignment filter template"
                        .into(),
                })
            }
        };
        let body = match kind {
            TemplateKind::ConditionalAccess => {
                TemplateBody::ConditionalAccess(from_value(label, "", value)?)
            }
            TemplateKind::Intune => TemplateBody::Intune(from_value(label, "", value)?),
            TemplateKind::TransportRule => {
                TemplateBody::TransportRule(from_value(label, "", value)?)
            }
            TemplateKind::Group => TemplateBody::Group(from_value(label, "", value)?),
            TemplateKind::DlpCompliancePolicy => {
                TemplateBody::DlpCompliancePolicy(from_value(label, "", value)?)
            }
            TemplateKind::RetentionCompliancePolicy => {
                TemplateBody::RetentionCompliancePolicy(from_value(label, "", value)?)
            }
            TemplateKind::ExchangeConnector => {
                TemplateBody::ExchangeConnector(from_value(label, "", value)?)
            }
            TemplateKind::TenantAllowBlockList => {
                TemplateBody::TenantAllowBlockList(from_value(label, "", value)?)
            }
            TemplateKind::SafeLinks => TemplateBody::SafeLinks(from_value(label, "", value)?),
            TemplateKind::Contact => TemplateBody::Contact(from_value(label, "", value)?),
            TemplateKind::AssignmentFilter => {
                TemplateBody::AssignmentFilter(from_value(label, "", value)?)
            }
            TemplateKind::ReusableSetting => {
                TemplateBody::ReusableSetting(from_value(label, "", value)?)
            }
            TemplateKind::SensitivityLabel => {
                TemplateBody::SensitivityLabel(from_value(label, "", value)?)
            }
            TemplateKind::SensitiveInfoType => {
                TemplateBody::SensitiveInfoType(from_value(label, "", value)?)
            }
        };
        let guid = match &body {
            TemplateBody::Intune(t) => t.guid.as_deref().map(guid_of),
            TemplateBody::Group(t) => t.guid.as_deref().map(guid_of),
            TemplateBody::DlpCompliancePolicy(t) | TemplateBody::RetentionCompliancePolicy(t) => {
                t.guid.as_deref().map(guid_of)
            }
            TemplateBody::AssignmentFilter(t) => t.guid.as_deref().map(guid_of),
            TemplateBody::ReusableSetting(t) => t.guid.as_deref().map(guid_of),
            TemplateBody::SensitivityLabel(t) => t.guid.as_deref().map(guid_of),
            TemplateBody::SensitiveInfoType(t) => t.guid.as_deref().map(guid_of),
            _ => None,
        };
        let t = Template {
            guid,
            source: None,
            body,
        };
        if t.display_name().trim().is_empty() {
            return Err(TemplateError::Parse {
                template: label.to_string(),
                path: match kind {
                    TemplateKind::Intune => "Displayname",
                    TemplateKind::DlpCompliancePolicy
                    | TemplateKind::RetentionCompliancePolicy
                    | TemplateKind::SensitivityLabel
                    | TemplateKind::SensitiveInfoType => "Name",
                    TemplateKind::TransportRule | TemplateKind::ExchangeConnector => "name",
                    TemplateKind::TenantAllowBlockList => "templateName",
                    TemplateKind::SafeLinks => "PolicyName",
                    TemplateKind::ReusableSetting => "DisplayName",
                    _ => "displayName",
                }
                .into(),
                message: "the template has no name".into(),
            });
        }
        Ok(t)
    }

    /// Read a template file; the kind comes from the file name (else the content), the GUID
    /// from the start of the file name.
    pub fn from_file(path: impl AsRef<Path>) -> Result<Template, TemplateError> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|source| TemplateError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        let file = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let mut t = Self::parse(&text, TemplateKind::from_file_name(&file), &file)?;
        if TemplateKind::from_file_name(&file).is_some() {
            t.guid = Some(guid_of(&file));
        }
        t.source = Some(path.to_path_buf());
        Ok(t)
    }

    /// The template as CIPP stores it (JSON).
    pub fn to_json(&self) -> Value {
        let v = match &self.body {
            TemplateBody::ConditionalAccess(t) => serde_json::to_value(t),
            TemplateBody::Intune(t) => serde_json::to_value(t),
            TemplateBody::TransportRule(t) => serde_json::to_value(t),
            TemplateBody::Group(t) => serde_json::to_value(t),
            TemplateBody::DlpCompliancePolicy(t) | TemplateBody::RetentionCompliancePolicy(t) => {
                serde_json::to_value(t)
            }
            TemplateBody::ExchangeConnector(t) => serde_json::to_value(t),
            TemplateBody::TenantAllowBlockList(t) => serde_json::to_value(t),
            TemplateBody::SafeLinks(t) => serde_json::to_value(t),
            TemplateBody::Contact(t) => serde_json::to_value(t),
            TemplateBody::AssignmentFilter(t) => serde_json::to_value(t),
            TemplateBody::ReusableSetting(t) => serde_json::to_value(t),
            TemplateBody::SensitivityLabel(t) => serde_json::to_value(t),
            TemplateBody::SensitiveInfoType(t) => serde_json::to_value(t),
        };
        v.unwrap_or(Value::Null)
    }

    /// The file name CIPP would give it: `<guid>.<Kind>Template.json`.
    pub fn file_name(&self) -> String {
        let guid = self
            .guid
            .clone()
            .unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
        format!("{guid}.{}", self.kind().file_suffix())
    }
}

/// The GUID part of a file name or `GUID` value (`<guid>.IntuneTemplate.json` -> `<guid>`).
fn guid_of(s: &str) -> String {
    s.split('.').next().unwrap_or(s).trim().to_string()
}
