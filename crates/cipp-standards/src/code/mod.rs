//! Code standards: the CIPP standards whose logic data cannot express (one write per object,
//! names looked up as ids, lists merged, JSON text inside an object). Each is a Rust type
//! implementing [`Standard`]: it names the cache types it reads and the licences it needs,
//! judges a snapshot purely (the same [`Outcome`]s as declarative definitions) and plans its
//! writes as the same [`Step`] data, so [`StandardsRunner`](crate::StandardsRunner) runs,
//! remediates, confirms by a fresh read, stores and reports them exactly like declarative
//! standards. CIPP templates name them by CIPP's names (`standards.DisableGuests`).
//!
//! ```
//! use cipp_snapshot::Snapshot;
//! use cipp_standards::code::{self, Input};
//! use cipp_standards::{Outcome, TenantContext};
//!
//! let standard = code::find("passwordexpiredisabled").expect("built in");
//! assert_eq!(standard.cache_types(), ["Domains"]);
//! // Nothing collected: the verdict says which cache type was missing.
//! let snapshot: Snapshot = serde_json::from_value(serde_json::json!({
//!     "tenant": "contoso.com", "collected_at": 0, "round_trips": 0, "types": {}
//! })).unwrap();
//! let settings = serde_json::Map::new();
//! let tenant = TenantContext::default();
//! let input = Input::new(&settings, &snapshot, &tenant);
//! let assessment = code::assess(standard, &input).unwrap();
//! assert!(matches!(assessment.outcome, Outcome::NoData { .. }));
//! assert!(assessment.steps.is_empty());
//! ```

mod activity_based_timeout;
mod add_dkim;
mod anti_phish_policy;
mod app_management_policy;
mod authentication_methods;
mod auto_add_proxy;
mod autopilot_profile;
mod autopilot_status_page;
mod cal_default;
mod collaboration_domain_restriction;
mod colleague_impersonation_alert;
mod copilot_limited_mode;
mod copilot_settings;
mod custom_banned_password_list;
mod delegate_sent_items;
mod deploy_mail_contact;
mod device_prep_profile;
mod device_registration;
mod disable_exchange_online_powershell;
mod disable_external_calendar_sharing;
mod disable_guests;
mod disable_inactive_users;
mod disable_m365_group_users;
mod disable_outlook_addins;
mod disable_resource_mailbox;
mod disable_shared_mailbox;
mod email_as_alternate_login_id;
mod enable_app_consent_requests;
mod enable_exchange_cloud_management;
mod enable_litigation_hold;
mod enable_online_archiving;
mod enforce_private_groups;
mod exchange_common;
mod excluded_file_ext;
mod fido2_passkey_profiles;
mod global_quarantine_notifications;
mod global_quarantine_settings;
mod intune_device_retirement_days;
mod legacy_email_report_addins;
mod mailbox_recipient_limits;
mod malware_filter_policy;
mod mdm_scope;
mod nudge_mfa;
mod oauth_consent;
mod ome_branding;
mod password_expire_disabled;
mod password_rule_settings;
mod per_user_mfa;
mod phish_protection;
mod phish_sim_spoof_intelligence;
mod phishing_simulations;
mod profile_photos;
mod protection_alert_common;
mod quarantine_request_alert;
mod quarantine_template;
mod retention_policy_tag;
mod rotate_dkim;
mod safe_attachment_policy;
mod safe_links_policy;
mod safe_senders_disable;
mod secure_score_remediation;
mod send_receive_limit_tenant;
mod set_default_mailbox_font;
mod sharepoint_mass_deletion_alert;
mod sharing_domain_restriction;
mod smart_lockout;
mod spam_filter_policy;
mod spo_version_control;
mod stale_entra_devices;
mod teams_disable_resource_accounts;
mod teams_federation_configuration;
mod user_preferred_language;
mod user_submissions;
mod util;

use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::{Map, Value};

use cipp_snapshot::{Snapshot, Status, LICENCE_TYPE};

use crate::error::StandardsError;
use crate::evaluate::{licence_gap_for, Outcome};
use crate::plan::Step;
use crate::render::TenantContext;

pub use util::parse_timestamp;

/// What a code standard is judged on.
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub struct Input<'a> {
    /// The instance's settings, as the template gives them (`days`, `BannedWords`...).
    pub settings: &'a Map<String, Value>,
    /// The tenant's snapshot, holding (at least) the standard's cache types.
    pub snapshot: &'a Snapshot,
    /// The tenant's facts.
    pub tenant: &'a TenantContext,
    /// "Now", in Unix seconds, for standards that count days (inactive users, stale
    /// devices). A parameter so that an evaluation stays pure and repeatable.
    pub as_of: u64,
}

impl<'a> Input<'a> {
    /// An input judged as of the current time.
    pub fn new(
        settings: &'a Map<String, Value>,
        snapshot: &'a Snapshot,
        tenant: &'a TenantContext,
    ) -> Self {
        Input {
            settings,
            snapshot,
            tenant,
            as_of: unix_now(),
        }
    }

    /// The same input judged as of `unix_seconds`.
    pub fn as_of(mut self, unix_seconds: u64) -> Self {
        self.as_of = unix_seconds;
        self
    }

    /// The complete rows of `cache_type` (the engine checks their status before
    /// [`Standard::assess`] runs, so a standard may rely on them).
    pub fn rows(&self, cache_type: &str) -> &'a [Value] {
        self.snapshot.rows(cache_type).unwrap_or(&[])
    }
}

/// A verdict and the writes that would make the tenant compliant.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Assessment {
    /// What was found.
    pub outcome: Outcome,
    /// The writes remediation sends: empty unless the outcome is `Drifted`. For per-object
    /// standards they touch exactly the objects the evaluation found, nothing else.
    pub steps: Vec<Step>,
}

impl Assessment {
    /// A verdict that needs no write.
    pub fn outcome(outcome: Outcome) -> Self {
        Assessment {
            outcome,
            steps: Vec::new(),
        }
    }
}

/// A standard written in Rust. Implementations are pure: [`Standard::assess`] reads only its
/// input, so report and alert runs never write, and a plan can be shown before it is sent.
pub trait Standard: Send + Sync + std::fmt::Debug {
    /// CIPP's name (`DisableGuests`), as templates key it.
    fn name(&self) -> &'static str;
    /// A title for people.
    fn label(&self) -> &'static str;
    /// CIPP's category (`Entra (AAD) Standards`).
    fn category(&self) -> &'static str;
    /// What it checks and writes, in a sentence or two.
    fn description(&self) -> &'static str;
    /// The cache types [`Standard::assess`] reads; the runner collects them.
    fn cache_types(&self) -> &'static [&'static str];
    /// Service plans of which the tenant needs one (empty: none).
    fn required_capabilities(&self) -> &'static [&'static str] {
        &[]
    }
    /// The settings it takes: name, and the default used when a template gives none.
    fn settings(&self) -> &'static [(&'static str, &'static str)] {
        &[]
    }
    /// Whether remediation disables or removes objects (users, guests, devices): the runner
    /// writes such plans only when allowed to
    /// ([`StandardsRunnerBuilder::allow_destructive`](crate::StandardsRunnerBuilder::allow_destructive)).
    fn destructive(&self) -> bool {
        false
    }
    /// Judge the input and plan the writes. Called by [`assess`] once the licence and the
    /// cache types are known to be there. An error is a problem of the settings.
    fn assess(&self, input: &Input<'_>) -> Result<Assessment, StandardsError>;
}

mod registry {
    use super::*;

    pub(super) static BUILTIN: &[&dyn Standard] = &[
        &activity_based_timeout::ActivityBasedTimeout,
        &add_dkim::AddDkim,
        &anti_phish_policy::AntiPhishPolicy,
        &app_management_policy::AppManagementPolicy,
        &authentication_methods::AuthenticationMethods,
        &auto_add_proxy::AutoAddProxy,
        &autopilot_profile::AutopilotProfile,
        &autopilot_status_page::AutopilotStatusPage,
        &cal_default::CalDefault,
        &collaboration_domain_restriction::CollaborationDomainRestriction,
        &colleague_impersonation_alert::ColleagueImpersonationAlert,
        &copilot_limited_mode::CopilotLimitedMode,
        &copilot_settings::CopilotSettings,
        &custom_banned_password_list::CustomBannedPasswordList,
        &delegate_sent_items::DelegateSentItems,
        &deploy_mail_contact::DeployMailContact,
        &device_prep_profile::DevicePrepProfile,
        &disable_exchange_online_powershell::DisableExchangeOnlinePowerShell,
        &disable_external_calendar_sharing::DisableExternalCalendarSharing,
        &disable_guests::DisableGuests,
        &disable_inactive_users::DisableInactiveUsers,
        &disable_m365_group_users::DisableM365GroupUsers,
        &disable_outlook_addins::DisableOutlookAddins,
        &disable_resource_mailbox::DisableResourceMailbox,
        &disable_shared_mailbox::DisableSharedMailbox,
        &email_as_alternate_login_id::EmailAsAlternateLoginId,
        &enable_app_consent_requests::EnableAppConsentRequests,
        &enable_exchange_cloud_management::EnableExchangeCloudManagement,
        &enable_litigation_hold::EnableLitigationHold,
        &enable_online_archiving::EnableOnlineArchiving,
        &enforce_private_groups::EnforcePrivateGroups,
        &excluded_file_ext::ExcludedFileExt,
        &fido2_passkey_profiles::Fido2PasskeyProfiles,
        &global_quarantine_notifications::GlobalQuarantineNotifications,
        &global_quarantine_settings::GlobalQuarantineSettings,
        &device_registration::DeviceRegLocalAdmins,
        &intune_device_retirement_days::IntuneDeviceRetirementDays,
        &device_registration::RestrictUserDeviceJoin,
        &device_registration::RestrictUserDeviceRegistration,
        &legacy_email_report_addins::LegacyEmailReportAddins,
        &mailbox_recipient_limits::MailboxRecipientLimits,
        &malware_filter_policy::MalwareFilterPolicy,
        &mdm_scope::MdmScope,
        &nudge_mfa::NudgeMfa,
        &oauth_consent::OauthConsent,
        &ome_branding::OmeBranding,
        &password_expire_disabled::PasswordExpireDisabled,
        &per_user_mfa::PerUserMfa,
        &phishing_simulations::PhishingSimulations,
        &phish_protection::PhishProtection,
        &phish_sim_spoof_intelligence::PhishSimSpoofIntelligence,
        &profile_photos::ProfilePhotos,
        &quarantine_request_alert::QuarantineRequestAlert,
        &quarantine_template::QuarantineTemplate,
        &retention_policy_tag::RetentionPolicyTag,
        &rotate_dkim::RotateDkim,
        &safe_attachment_policy::SafeAttachmentPolicy,
        &safe_links_policy::SafeLinksPolicy,
        &safe_senders_disable::SafeSendersDisable,
        &secure_score_remediation::SecureScoreRemediation,
        &send_receive_limit_tenant::SendReceiveLimitTenant,
        &set_default_mailbox_font::SetDefaultMailboxFont,
        &sharepoint_mass_deletion_alert::SharePointMassDeletionAlert,
        &sharing_domain_restriction::SharingDomainRestriction,
        &smart_lockout::SmartLockout,
        &spam_filter_policy::SpamFilterPolicy,
        &spo_version_control::SpoVersionControl,
        &stale_entra_devices::StaleEntraDevices,
        &teams_disable_resource_accounts::TeamsDisableResourceAccounts,
        &teams_federation_configuration::TeamsFederationConfiguration,
        &user_preferred_language::UserPreferredLanguage,
        &user_submissions::UserSubmissions,
    ];
}

/// Every built-in code standard, sorted by name.
pub fn builtin() -> &'static [&'static dyn Standard] {
    registry::BUILTIN
}

/// The built-in code standard named `name` (any case, as CIPP compares names).
pub fn find(name: &str) -> Option<&'static dyn Standard> {
    builtin()
        .iter()
        .copied()
        .find(|s| s.name().eq_ignore_ascii_case(name))
}

/// Judge `standard` on `input`: `NotApplicable` without the licence, `NoData` when a cache
/// type it reads was not collected or failed, else the standard's own verdict and plan.
pub fn assess(standard: &dyn Standard, input: &Input<'_>) -> Result<Assessment, StandardsError> {
    if let Some(gap) = licence_gap_for(standard.required_capabilities(), input.snapshot) {
        return Ok(Assessment::outcome(gap));
    }
    for cache_type in standard.cache_types() {
        let reason = match input.snapshot.get(cache_type) {
            None => "not collected".to_string(),
            Some(t) if t.status != Status::Complete => {
                t.error.clone().unwrap_or_else(|| format!("{:?}", t.status))
            }
            Some(_) => continue,
        };
        return Ok(Assessment::outcome(Outcome::NoData {
            cache_type: (*cache_type).to_string(),
            reason,
        }));
    }
    let assessment = standard.assess(input)?;
    Ok(match assessment.outcome {
        Outcome::Drifted { .. } => assessment,
        other => Assessment::outcome(other),
    })
}

/// The cache types a run of `standards` collects (their own and, when one is gated, the
/// licence read).
pub(crate) fn cache_types<'a>(
    standards: impl IntoIterator<Item = &'a dyn Standard>,
) -> Vec<&'static str> {
    let mut out = Vec::new();
    for s in standards {
        out.extend_from_slice(s.cache_types());
        if !s.required_capabilities().is_empty() {
            out.push(LICENCE_TYPE);
        }
    }
    out
}

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn names_are_unique_sorted_and_found_in_any_case() {
        let names: Vec<&str> = builtin().iter().map(|s| s.name()).collect();
        let mut sorted = names.clone();
        sorted.sort_by_key(|n| n.to_ascii_lowercase());
        sorted.dedup_by_key(|n| n.to_ascii_lowercase());
        assert_eq!(names, sorted);
        for s in builtin() {
            assert_eq!(find(&s.name().to_uppercase()).unwrap().name(), s.name());
            assert!(!s.cache_types().is_empty(), "{}", s.name());
            assert!(!s.description().is_empty(), "{}", s.name());
        }
        assert!(find("NoSuchStandard").is_none());
    }
}
