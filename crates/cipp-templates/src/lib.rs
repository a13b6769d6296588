//! # cipp-templates
//!
//! Portable Microsoft 365 policy templates, as CIPP keeps them: Conditional Access policies,
//! Intune policies (settings catalog, device configuration, compliance, administrative
//! templates, app protection, app configuration, Windows update profiles), transport rules and
//! groups. Load CIPP's template files, **deploy** them to a tenant (create or update by display
//! name; a second deploy writes nothing), **compare** a template with what a tenant has, and
//! **capture** a live object as a template that deploys to other tenants.
//!
//! ```no_run
//! # async fn run(pipeline: cipp_core::Pipeline) -> Result<(), cipp_templates::TemplateError> {
//! use cipp_templates::{Comparison, DeployOptions, StateOverride, TemplateClient, TemplateLibrary};
//!
//! let library = TemplateLibrary::load("templates")?;
//! let template = library.find("49a8069e-3b46-4680-a035-9250bc675446")?; // GUID or name
//! let tenant = TemplateClient::new(pipeline, "alpha.onmicrosoft.com");
//! let options = DeployOptions::new().state(StateOverride::ReportOnly);
//!
//! match tenant.compare(template, &options).await? {
//!     Comparison::Missing => println!("not deployed"),
//!     Comparison::Equal { id } => println!("{id} matches"),
//!     Comparison::Different { differences, .. } => {
//!         for d in differences {
//!             println!("{}: expected {:?}, found {:?}", d.path, d.expected, d.found);
//!         }
//!     }
//!     _ => {}
//! }
//! let outcome = tenant.deploy(template, &options).await?; // Created / Updated / Unchanged
//! println!("{outcome:?}");
//! # Ok(()) }
//! ```
//!
//! How each kind deploys:
//! - **Conditional Access** (`identity/conditionalAccess/policies`): group, user and named
//!   location names become the tenant's ids; named locations missing from the tenant are
//!   created from the template's `LocationInfo`; a group or user the tenant lacks fails the
//!   deploy with [`TemplateError::MissingReference`] before anything is written, unless
//!   [`DeployOptions::create_groups`] (groups only). The state can be overridden
//!   ([`StateOverride`]). An overwrite keeps the live policy's "Vacation Exclusion" groups.
//! - **Intune**: the collection comes from the template's `Type` ([`IntuneKind`]); the
//!   template's `Displayname` and `Description` replace the payload's; catalog policies are
//!   replaced with PUT, administrative templates get their definition values replaced,
//!   compliance policies are created with a block action when the template has none.
//! - **Transport rules**: `New-TransportRule`, or `Set-TransportRule` with only the
//!   parameters that differ.
//! - **Groups**: Entra security, Microsoft 365, dynamic and role-assignable groups through
//!   Graph; distribution lists, mail-enabled security groups and dynamic distribution lists
//!   through Exchange (`New-DistributionGroup`, `Set-DistributionGroup` with only what
//!   drifted).
//! - **Exchange connectors**: `New-InboundConnector`/`New-OutboundConnector` (the template's
//!   `direction`), or `Set-` with only the parameters that differ.
//! - **Tenant Allow/Block List**: `New-TenantAllowBlockListItems` with the entries the list
//!   lacks; entries are never removed.
//! - **Safe Links**: the policy and its rule, each created or set with only what differs,
//!   and the rule switched on or off when the template says.
//! - **Mail contacts**: `New-MailContact` by display name, then `Set-MailContact` and
//!   `Set-Contact` with only the details that differ.
//!
//! - **DLP and retention policies** (Security & Compliance): `New-`/`Set-*CompliancePolicy`
//!   by name (locations added with `Add<Location>`, never removed), then each rule of the
//!   template under it (`New-`/`Set-*ComplianceRule`, only what drifted).
//! - **Sensitivity labels** (Security & Compliance): `New-Label`, or `Set-Label` with the
//!   display name, tooltip, comment or content type that drifted (the other settings come
//!   back folded into `LabelActions`, so they are written at creation only); a parent label
//!   is found in the tenant by name; then the label policy, if the template has one
//!   (`New-`/`Set-LabelPolicy`, labels and locations only ever added).
//! - **Custom sensitive information types** (Security & Compliance): a rule package written
//!   from the template's pattern (or given whole), `New-DlpSensitiveInformationTypeRulePackage`,
//!   or `Set-` of the package that holds the type when its name, description, confidence,
//!   proximity or patterns differ (the type keeps its id; built-in types and packages holding
//!   other types are refused).
//! - **Intune assignment filters** (`deviceManagement/assignmentFilters`): created, or the
//!   filter of that name gets a `PATCH` of only what differs (description, platform, rule,
//!   management type).
//! - **Intune reusable policy settings** (`deviceManagement/reusablePolicySettings`):
//!   created, or the setting of that name replaced (`PUT`) when it differs.
//!
//! A deployed Intune policy is assigned with [`TemplateClient::assign`] ([`Assignment`]:
//! all users, all devices, groups by name).
//!
//! Comparison rules are described in [`compare`].

mod allow_block;
mod assign;
mod assignment_filter;
mod ca;
mod client;
mod cmdlet_rows;
pub mod compare;
mod compliance;
mod connector;
mod contact;
mod error;
mod group;
mod intune;
mod json;
mod library;
pub mod models;
mod reusable_setting;
mod safe_links;
mod sensitive_info_type;
mod sensitivity_label;
mod template;
mod transport;

pub use assign::Assignment;
pub use client::{
    CompareReport, DeployOptions, DeployOutcome, DeployReport, StateOverride, TemplateClient,
};
pub use compare::{Comparison, Difference};
pub use error::TemplateError;
pub use library::TemplateLibrary;
pub use models::{
    AppPlatform, CaTemplate, CompliancePolicyTemplate, GroupTemplate, GroupType, IntuneKind,
    IntuneTemplate, NamedLocation, TransportRuleTemplate,
};
pub use models::{
    AssignmentFilterTemplate, ConnectorDirection, ContactTemplate, ExchangeConnectorTemplate,
    ReusableSettingTemplate, SafeLinksTemplate, SensitiveInfoTypeTemplate,
    SensitivityLabelTemplate, TenantAllowBlockListTemplate,
};
pub use template::{Template, TemplateBody, TemplateKind};
