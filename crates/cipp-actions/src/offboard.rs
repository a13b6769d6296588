//! Offboarding: CIPP's offboarding options as one planned, step-by-step run.
//!
//! The steps run in CIPP's fixed order (`Invoke-CIPPOffboardingJob`), only the ones selected;
//! each step's outcome is recorded and a failed step does not stop the ones after it. Deleting
//! the user, removing licences and converting the mailbox need [`OffboardOptions::confirm`].
//! [`Offboarding::plan`] lists exactly the steps a run would take, without sending anything.
//!
//! ```no_run
//! # async fn run(pipeline: cipp_core::Pipeline) -> Result<(), cipp_actions::ActionError> {
//! use cipp_actions::offboard::{OffboardOptions, Offboarding};
//!
//! let offboarding = Offboarding::new(pipeline, "alpha.onmicrosoft.com");
//! let options = OffboardOptions {
//!     revoke_sessions: true,
//!     disable_sign_in: true,
//!     convert_to_shared: true,
//!     out_of_office: Some("Ada has left; write to office@alphadental.com.".into()),
//!     confirm: true,
//!     ..OffboardOptions::default()
//! };
//! for step in offboarding.plan("ada@alphadental.com", &options)?.steps {
//!     println!("would run {}", step.step);
//! }
//! let report = offboarding.run("ada@alphadental.com", &options).await?;
//! for outcome in &report.steps {
//!     println!("{}: {:?} {}", outcome.step, outcome.state, outcome.result_text);
//! }
//! # Ok(()) }
//! ```

use cipp_core::Pipeline;
use cipp_exchange::ExchangeClient;
use cipp_graph::GraphClient;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::security::{AccountSecurity, MethodSelection, ResetPasswordOptions, UserRef};
use crate::users::{
    invalid, AutoReplyState, Forwarding, MailboxKind, MailboxRight, OutOfOffice, UserActions,
};
use crate::{ActionError, StepOutcome, StepState};

/// One offboarding step, in the order they run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[non_exhaustive]
pub enum OffboardStep {
    /// Sign the user out everywhere.
    RevokeSessions,
    /// Set a random password.
    ResetPassword,
    /// Block sign-in.
    DisableSignIn,
    /// Hide the mailbox from the global address list.
    HideFromGal,
    /// Leave every group (licence-assigning groups are left to [`Self::RemoveLicences`]).
    RemoveGroups,
    /// Delete every inbox rule.
    RemoveRules,
    /// Remove the mobile devices paired with the mailbox.
    RemoveMobileDevices,
    /// Cancel the meetings the user organised.
    RemoveCalendarInvites,
    /// Turn on the automatic reply.
    OutOfOffice,
    /// Forward mail to another user.
    ForwardToUser,
    /// Turn forwarding off.
    DisableForwarding,
    /// Give listed users access to the user's OneDrive.
    OneDriveAccess,
    /// Turn off sharing of the user's OneDrive.
    DisableOneDriveSharing,
    /// Give listed users Full Access to the mailbox without automapping.
    MailboxAccessNoAutomap,
    /// Give listed users Full Access to the mailbox with automapping.
    MailboxAccessAutomap,
    /// Remove the user's rights on other mailboxes.
    RemovePermissions,
    /// Remove the user's rights on other mailboxes' calendars.
    RemoveCalendarPermissions,
    /// Convert the mailbox to a shared mailbox.
    ConvertToShared,
    /// Remove every MFA method.
    RemoveMfaDevices,
    /// Release the user's Teams phone number.
    RemoveTeamsPhoneDid,
    /// Remove the user's licences.
    RemoveLicences,
    /// Clear the on-premises immutable id (to keep a cloud-only account).
    ClearImmutableId,
    /// Delete the user to the recycle bin.
    DeleteUser,
}

impl OffboardStep {
    /// Every step, in CIPP's order.
    pub const ORDER: [OffboardStep; 23] = [
        OffboardStep::RevokeSessions,
        OffboardStep::ResetPassword,
        OffboardStep::DisableSignIn,
        OffboardStep::HideFromGal,
        OffboardStep::RemoveGroups,
        OffboardStep::RemoveRules,
        OffboardStep::RemoveMobileDevices,
        OffboardStep::RemoveCalendarInvites,
        OffboardStep::OutOfOffice,
        OffboardStep::ForwardToUser,
        OffboardStep::DisableForwarding,
        OffboardStep::OneDriveAccess,
        OffboardStep::DisableOneDriveSharing,
        OffboardStep::MailboxAccessNoAutomap,
        OffboardStep::MailboxAccessAutomap,
        OffboardStep::RemovePermissions,
        OffboardStep::RemoveCalendarPermissions,
        OffboardStep::ConvertToShared,
        OffboardStep::RemoveMfaDevices,
        OffboardStep::RemoveTeamsPhoneDid,
        OffboardStep::RemoveLicences,
        OffboardStep::ClearImmutableId,
        OffboardStep::DeleteUser,
    ];

    /// CIPP's name for the option (`RevokeSessions`, `ResetPass`, `HideFromGAL`...).
    pub fn name(self) -> &'static str {
        match self {
            OffboardStep::RevokeSessions => "RevokeSessions",
            OffboardStep::ResetPassword => "ResetPass",
            OffboardStep::DisableSignIn => "DisableSignIn",
            OffboardStep::HideFromGal => "HideFromGAL",
            OffboardStep::RemoveGroups => "RemoveGroups",
            OffboardStep::RemoveRules => "RemoveRules",
            OffboardStep::RemoveMobileDevices => "RemoveMobile",
            OffboardStep::RemoveCalendarInvites => "removeCalendarInvites",
            OffboardStep::OutOfOffice => "OOO",
            OffboardStep::ForwardToUser => "forward",
            OffboardStep::DisableForwarding => "disableForwarding",
            OffboardStep::OneDriveAccess => "OnedriveAccess",
            OffboardStep::DisableOneDriveSharing => "DisableOneDriveSharing",
            OffboardStep::MailboxAccessNoAutomap => "AccessNoAutomap",
            OffboardStep::MailboxAccessAutomap => "AccessAutomap",
            OffboardStep::RemovePermissions => "removePermissions",
            OffboardStep::RemoveCalendarPermissions => "removeCalendarPermissions",
            OffboardStep::ConvertToShared => "ConvertToShared",
            OffboardStep::RemoveMfaDevices => "RemoveMFADevices",
            OffboardStep::RemoveTeamsPhoneDid => "RemoveTeamsPhoneDID",
            OffboardStep::RemoveLicences => "RemoveLicenses",
            OffboardStep::ClearImmutableId => "ClearImmutableId",
            OffboardStep::DeleteUser => "DeleteUser",
        }
    }

    /// The step CIPP's name stands for (any case).
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ORDER
            .into_iter()
            .find(|s| s.name().eq_ignore_ascii_case(name.trim()))
    }

    /// Steps that destroy or hand over data and need [`OffboardOptions::confirm`].
    pub fn is_destructive(self) -> bool {
        matches!(
            self,
            OffboardStep::DeleteUser | OffboardStep::RemoveLicences | OffboardStep::ConvertToShared
        )
    }
}

/// CIPP's offboarding options. Every option is off by default; select what should happen.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct OffboardOptions {
    /// Sign the user out of every session.
    pub revoke_sessions: bool,
    /// Set a random password (never shown).
    pub reset_password: bool,
    /// Block sign-in.
    pub disable_sign_in: bool,
    /// Hide the mailbox from the global address list.
    pub hide_from_gal: bool,
    /// Remove the user from every group.
    pub remove_groups: bool,
    /// Delete every inbox rule.
    pub remove_rules: bool,
    /// Remove paired mobile devices.
    pub remove_mobile_devices: bool,
    /// Cancel meetings the user organised.
    pub remove_calendar_invites: bool,
    /// Automatic reply text (sent inside and outside).
    pub out_of_office: Option<String>,
    /// Forward mail to this user.
    pub forward_to: Option<String>,
    /// With `forward_to`: keep a copy in the mailbox.
    pub keep_copy: bool,
    /// Turn forwarding off.
    pub disable_forwarding: bool,
    /// Users given access to the user's OneDrive.
    pub onedrive_access: Vec<String>,
    /// Turn off sharing of the user's OneDrive.
    pub disable_onedrive_sharing: bool,
    /// Users given Full Access to the mailbox, not automapped.
    pub mailbox_access_no_automap: Vec<String>,
    /// Users given Full Access to the mailbox, automapped in Outlook.
    pub mailbox_access_automap: Vec<String>,
    /// Remove the user's rights on other mailboxes.
    pub remove_permissions: bool,
    /// Remove the user's rights on other mailboxes' calendars.
    pub remove_calendar_permissions: bool,
    /// Convert the mailbox to shared (destructive).
    pub convert_to_shared: bool,
    /// Remove every MFA method.
    pub remove_mfa_devices: bool,
    /// Release the Teams phone number.
    pub remove_teams_phone_did: bool,
    /// Remove every licence (destructive).
    pub remove_licences: bool,
    /// Clear the on-premises immutable id.
    pub clear_immutable_id: bool,
    /// Delete the user to the recycle bin (destructive).
    pub delete_user: bool,
    /// Remove licences this many minutes after the run instead of during it, so Exchange
    /// finishes converting the mailbox to shared first (a mailbox that loses its licence
    /// before the conversion completes is disabled). CIPP waits five minutes. The licence step
    /// and the steps after it (`ClearImmutableId`, `DeleteUser`) are then not run: the report
    /// marks them `Scheduled` and carries one [`FollowUp`] that runs them. `None` or `0`:
    /// remove licences in the run.
    pub licence_removal_delay_minutes: Option<u32>,
    /// Confirms the destructive steps.
    pub confirm: bool,
}

/// Work an offboarding run handed over to run later: a task for a scheduler. It maps onto
/// `cipp-scheduler`'s custom command `offboard` (registered by the `cipp` crate), whose
/// parameters are `{"user", "options"}`; run it no earlier than `not_before`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct FollowUp {
    /// A name for the task (`Remove licences: ada@contoso.com`).
    pub name: String,
    /// The tenant.
    pub tenant: String,
    /// Earliest run, Unix seconds.
    pub not_before: i64,
    /// The command to run: `offboard`.
    pub command: String,
    /// The command's parameters: `{"user": upn, "options": {...}}` with only the deferred
    /// steps selected.
    pub parameters: Value,
}

/// One step a run would take, with what it would do.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct PlannedStep {
    /// CIPP's step name.
    pub step: String,
    /// The step.
    #[serde(skip)]
    pub kind: Option<OffboardStep>,
    /// One sentence for a person.
    pub description: String,
    /// Needs confirmation.
    pub destructive: bool,
}

/// The steps a run would take, in order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct OffboardPlan {
    /// The user.
    pub user: String,
    /// The steps, in order.
    pub steps: Vec<PlannedStep>,
}

/// What a run did.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct OffboardReport {
    /// The tenant.
    pub tenant: String,
    /// The user (UPN).
    pub user: String,
    /// A dry run: the steps are `Planned`, nothing was sent.
    pub dry_run: bool,
    /// Each step's outcome, in order.
    pub steps: Vec<StepOutcome>,
    /// Work handed over to run later (the delayed licence removal), for a scheduler.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub follow_ups: Vec<FollowUp>,
}

impl OffboardReport {
    /// The steps that failed.
    pub fn failed(&self) -> impl Iterator<Item = &StepOutcome> {
        self.steps.iter().filter(|s| s.failed())
    }

    /// `true` when no step failed.
    pub fn succeeded(&self) -> bool {
        self.failed().next().is_none()
    }
}

/// The longest licence-removal delay accepted: a day.
const MAX_LICENCE_DELAY_MINUTES: u32 = 1440;

fn check_people(field: &str, list: &[String], user: &str) -> Result<(), ActionError> {
    for (i, p) in list.iter().enumerate() {
        if p.trim().is_empty() {
            return Err(invalid(format!("{field}[{i}]"), "is empty"));
        }
        if p.trim().eq_ignore_ascii_case(user.trim()) {
            return Err(invalid(
                format!("{field}[{i}]"),
                "is the user being offboarded",
            ));
        }
    }
    Ok(())
}

impl OffboardOptions {
    /// Options from JSON as scripts send them: an object whose keys are the fields in
    /// camelCase (`revokeSessions`) or snake_case (`revoke_sessions`). An unknown key or a
    /// value of the wrong type is an error naming it; nothing is ignored silently.
    pub fn from_value(value: &Value) -> Result<OffboardOptions, ActionError> {
        let Value::Object(given) = value else {
            return Err(crate::users::invalid(
                "options",
                "expected an object of offboarding options",
            ));
        };
        let known = serde_json::to_value(OffboardOptions::default()).unwrap_or_default();
        let mut options = serde_json::Map::new();
        for (key, v) in given {
            let camel = camel_case(key);
            if known.get(&camel).is_none() {
                return Err(crate::users::invalid(
                    key.clone(),
                    "not an offboarding option (see OffboardOptions)",
                ));
            }
            options.insert(camel, v.clone());
        }
        serde_json::from_value(Value::Object(options))
            .map_err(|e| crate::users::invalid("options", format!("offboarding options: {e}")))
    }

    /// Whether `step` is selected.
    pub fn selects(&self, step: OffboardStep) -> bool {
        match step {
            OffboardStep::RevokeSessions => self.revoke_sessions,
            OffboardStep::ResetPassword => self.reset_password,
            OffboardStep::DisableSignIn => self.disable_sign_in,
            OffboardStep::HideFromGal => self.hide_from_gal,
            OffboardStep::RemoveGroups => self.remove_groups,
            OffboardStep::RemoveRules => self.remove_rules,
            OffboardStep::RemoveMobileDevices => self.remove_mobile_devices,
            OffboardStep::RemoveCalendarInvites => self.remove_calendar_invites,
            OffboardStep::OutOfOffice => self.out_of_office.is_some(),
            OffboardStep::ForwardToUser => self.forward_to.is_some(),
            OffboardStep::DisableForwarding => self.disable_forwarding,
            OffboardStep::OneDriveAccess => !self.onedrive_access.is_empty(),
            OffboardStep::DisableOneDriveSharing => self.disable_onedrive_sharing,
            OffboardStep::MailboxAccessNoAutomap => !self.mailbox_access_no_automap.is_empty(),
            OffboardStep::MailboxAccessAutomap => !self.mailbox_access_automap.is_empty(),
            OffboardStep::RemovePermissions => self.remove_permissions,
            OffboardStep::RemoveCalendarPermissions => self.remove_calendar_permissions,
            OffboardStep::ConvertToShared => self.convert_to_shared,
            OffboardStep::RemoveMfaDevices => self.remove_mfa_devices,
            OffboardStep::RemoveTeamsPhoneDid => self.remove_teams_phone_did,
            OffboardStep::RemoveLicences => self.remove_licences,
            OffboardStep::ClearImmutableId => self.clear_immutable_id,
            OffboardStep::DeleteUser => self.delete_user,
        }
    }

    /// Select a step by CIPP's name (`HideFromGAL`); steps that take a value (OOO, forward,
    /// access lists) are set through their fields.
    pub fn select(&mut self, name: &str) -> Result<(), ActionError> {
        let step = OffboardStep::from_name(name).ok_or_else(|| {
            invalid(
                "step",
                format!(
                    "'{name}' is not an offboarding step (one of: {})",
                    OffboardStep::ORDER.map(OffboardStep::name).join(", ")
                ),
            )
        })?;
        match step {
            OffboardStep::RevokeSessions => self.revoke_sessions = true,
            OffboardStep::ResetPassword => self.reset_password = true,
            OffboardStep::DisableSignIn => self.disable_sign_in = true,
            OffboardStep::HideFromGal => self.hide_from_gal = true,
            OffboardStep::RemoveGroups => self.remove_groups = true,
            OffboardStep::RemoveRules => self.remove_rules = true,
            OffboardStep::RemoveMobileDevices => self.remove_mobile_devices = true,
            OffboardStep::RemoveCalendarInvites => self.remove_calendar_invites = true,
            OffboardStep::DisableForwarding => self.disable_forwarding = true,
            OffboardStep::DisableOneDriveSharing => self.disable_onedrive_sharing = true,
            OffboardStep::RemovePermissions => self.remove_permissions = true,
            OffboardStep::RemoveCalendarPermissions => self.remove_calendar_permissions = true,
            OffboardStep::ConvertToShared => self.convert_to_shared = true,
            OffboardStep::RemoveMfaDevices => self.remove_mfa_devices = true,
            OffboardStep::RemoveTeamsPhoneDid => self.remove_teams_phone_did = true,
            OffboardStep::RemoveLicences => self.remove_licences = true,
            OffboardStep::ClearImmutableId => self.clear_immutable_id = true,
            OffboardStep::DeleteUser => self.delete_user = true,
            other => {
                return Err(invalid(
                    "step",
                    format!("'{}' takes a value; set its option instead", other.name()),
                ))
            }
        }
        Ok(())
    }

    /// The selected steps in order, after checking the options; the input at fault otherwise.
    pub fn plan(&self, user: &str) -> Result<OffboardPlan, ActionError> {
        if user.trim().is_empty() {
            return Err(invalid("user", "is empty; give a UPN or object id"));
        }
        if let Some(text) = &self.out_of_office {
            if text.trim().is_empty() {
                return Err(invalid("out_of_office", "is empty; give the reply text"));
            }
        }
        if let Some(to) = &self.forward_to {
            check_people("forward_to", std::slice::from_ref(to), user)?;
            if self.disable_forwarding {
                return Err(invalid(
                    "forward_to",
                    "is set together with disable_forwarding; choose one",
                ));
            }
        }
        if let Some(minutes) = self.licence_removal_delay_minutes {
            if minutes > 0 && !self.remove_licences {
                return Err(invalid(
                    "licence_removal_delay_minutes",
                    "is set but remove_licences is not selected",
                ));
            }
            if minutes > MAX_LICENCE_DELAY_MINUTES {
                return Err(invalid(
                    "licence_removal_delay_minutes",
                    format!("{minutes} is more than a day ({MAX_LICENCE_DELAY_MINUTES} minutes)"),
                ));
            }
        }
        check_people("onedrive_access", &self.onedrive_access, user)?;
        check_people(
            "mailbox_access_no_automap",
            &self.mailbox_access_no_automap,
            user,
        )?;
        check_people("mailbox_access_automap", &self.mailbox_access_automap, user)?;
        let steps: Vec<PlannedStep> = OffboardStep::ORDER
            .into_iter()
            .filter(|s| self.selects(*s))
            .map(|s| PlannedStep {
                step: s.name().to_string(),
                kind: Some(s),
                description: self.describe(s, user),
                destructive: s.is_destructive(),
            })
            .collect();
        if steps.is_empty() {
            return Err(invalid("options", "select at least one offboarding step"));
        }
        Ok(OffboardPlan {
            user: user.trim().to_string(),
            steps,
        })
    }

    /// Minutes the licence step waits, when it is selected and delayed.
    fn deferral(&self) -> Option<u32> {
        self.licence_removal_delay_minutes
            .filter(|m| *m > 0 && self.remove_licences)
    }

    /// Whether `step` is handed to a follow-up task: the delayed licence step and every step
    /// after it, so CIPP's order holds.
    pub fn is_deferred(&self, step: OffboardStep) -> bool {
        self.deferral().is_some() && step >= OffboardStep::RemoveLicences
    }

    fn describe(&self, step: OffboardStep, user: &str) -> String {
        let list = |l: &[String]| l.join(", ");
        match step {
            OffboardStep::RevokeSessions => format!("Revoke every session of {user}"),
            OffboardStep::ResetPassword => format!("Set a random password for {user}"),
            OffboardStep::DisableSignIn => format!("Block sign-in for {user}"),
            OffboardStep::HideFromGal => format!("Hide {user} from the global address list"),
            OffboardStep::RemoveGroups => format!("Remove {user} from every group"),
            OffboardStep::RemoveRules => format!("Delete every inbox rule of {user}"),
            OffboardStep::RemoveMobileDevices => format!("Remove the mobile devices of {user}"),
            OffboardStep::RemoveCalendarInvites => {
                format!("Cancel the meetings {user} organised")
            }
            OffboardStep::OutOfOffice => format!(
                "Turn on the automatic reply: \"{}\"",
                self.out_of_office.as_deref().unwrap_or_default()
            ),
            OffboardStep::ForwardToUser => format!(
                "Forward mail to {}{}",
                self.forward_to.as_deref().unwrap_or_default(),
                if self.keep_copy {
                    ", keeping a copy"
                } else {
                    ""
                }
            ),
            OffboardStep::DisableForwarding => format!("Turn off forwarding for {user}"),
            OffboardStep::OneDriveAccess => format!(
                "Give {} access to the OneDrive of {user}",
                list(&self.onedrive_access)
            ),
            OffboardStep::DisableOneDriveSharing => {
                format!("Turn off sharing of the OneDrive of {user}")
            }
            OffboardStep::MailboxAccessNoAutomap => format!(
                "Give {} Full Access to the mailbox (no automapping)",
                list(&self.mailbox_access_no_automap)
            ),
            OffboardStep::MailboxAccessAutomap => format!(
                "Give {} Full Access to the mailbox (automapped)",
                list(&self.mailbox_access_automap)
            ),
            OffboardStep::RemovePermissions => {
                format!("Remove the rights of {user} on other mailboxes")
            }
            OffboardStep::RemoveCalendarPermissions => {
                format!("Remove the rights of {user} on other calendars")
            }
            OffboardStep::ConvertToShared => format!("Convert the mailbox of {user} to shared"),
            OffboardStep::RemoveMfaDevices => format!("Remove every MFA method of {user}"),
            OffboardStep::RemoveTeamsPhoneDid => {
                format!("Release the Teams phone number of {user}")
            }
            OffboardStep::RemoveLicences => match self.deferral() {
                Some(m) => format!(
                    "Remove every licence of {user} {m} minute(s) after the run (follow-up task)"
                ),
                None => format!("Remove every licence of {user}"),
            },
            OffboardStep::DeleteUser if self.is_deferred(step) => format!(
                "Delete {user} to the recycle bin, after the delayed licence removal (follow-up task)"
            ),
            OffboardStep::ClearImmutableId if self.is_deferred(step) => format!(
                "Clear the on-premises immutable id of {user}, after the delayed licence removal (follow-up task)"
            ),
            OffboardStep::ClearImmutableId => {
                format!("Clear the on-premises immutable id of {user}")
            }
            OffboardStep::DeleteUser => format!("Delete {user} to the recycle bin"),
        }
    }
}

/// Offboarding in one tenant.
#[derive(Debug, Clone)]
pub struct Offboarding {
    users: UserActions,
    security: AccountSecurity,
}

fn outcome(step: OffboardStep, state: StepState, text: impl Into<String>) -> StepOutcome {
    StepOutcome::new(step.name(), state, text)
}

/// Rename a shared primitive's outcome to the offboarding step it stands for.
fn renamed(step: OffboardStep, mut o: StepOutcome) -> StepOutcome {
    o.step = step.name().to_string();
    o
}

impl Offboarding {
    /// Offboarding in `tenant` through `pipeline`.
    pub fn new(pipeline: Pipeline, tenant: impl Into<String>) -> Self {
        let tenant = tenant.into();
        Self::from_clients(
            GraphClient::new(pipeline.clone(), tenant.clone()),
            ExchangeClient::new(pipeline, tenant),
        )
    }

    /// Offboarding through clients the caller already has (same tenant).
    pub fn from_clients(graph: GraphClient, exchange: ExchangeClient) -> Self {
        Offboarding {
            users: UserActions::from_clients(graph.clone(), exchange.clone()),
            security: AccountSecurity::new(graph, exchange),
        }
    }

    /// Use this SharePoint client for the OneDrive steps (app-only, or a known SharePoint
    /// name).
    pub fn with_sharepoint(mut self, sharepoint: cipp_sharepoint::SharePointClient) -> Self {
        self.security = self.security.with_sharepoint(sharepoint);
        self
    }

    /// The tenant.
    pub fn tenant(&self) -> &str {
        self.users.tenant()
    }

    /// The steps a run with `options` would take; sends nothing.
    pub fn plan(&self, user: &str, options: &OffboardOptions) -> Result<OffboardPlan, ActionError> {
        options.plan(user)
    }

    /// A dry run: the plan as a report of `Planned` steps; sends nothing.
    pub fn dry_run(
        &self,
        user: &str,
        options: &OffboardOptions,
    ) -> Result<OffboardReport, ActionError> {
        let plan = options.plan(user)?;
        Ok(OffboardReport {
            tenant: self.tenant().to_string(),
            user: plan.user,
            dry_run: true,
            steps: plan
                .steps
                .into_iter()
                .map(|s| StepOutcome::new(s.step, StepState::Planned, s.description))
                .collect(),
            follow_ups: Vec::new(),
        })
    }

    /// Run the selected steps in order. Errors only before the first step (bad options, no
    /// confirmation for a destructive step, unknown user); a failed step is recorded and the
    /// rest still run.
    pub async fn run(
        &self,
        user: &str,
        options: &OffboardOptions,
    ) -> Result<OffboardReport, ActionError> {
        let plan = options.plan(user)?;
        let destructive: Vec<&str> = plan
            .steps
            .iter()
            .filter(|s| s.destructive)
            .map(|s| s.step.as_str())
            .collect();
        if !destructive.is_empty() && !options.confirm {
            return Err(ActionError::NotConfirmed {
                action: format!("offboarding '{user}' ({})", destructive.join(", ")),
            });
        }
        let target = self.security.resolve_user(user).await?;
        let mut steps = Vec::with_capacity(plan.steps.len());
        let follow_up = options
            .deferral()
            .map(|minutes| self.follow_up(&target, options, minutes));
        for planned in &plan.steps {
            let Some(step) = planned.kind else { continue };
            if let (Some(f), true) = (&follow_up, options.is_deferred(step)) {
                steps.push(outcome(
                    step,
                    StepState::Scheduled,
                    format!(
                        "Handed to the follow-up task '{}' (not before {}): {}",
                        f.name, f.not_before, planned.description
                    ),
                ));
                continue;
            }
            let result = self.run_step(step, &target, options).await;
            let o = match result {
                Ok(o) => o,
                Err(e) => outcome(step, StepState::Error, e.to_string()),
            };
            tracing::info!(tenant = %self.tenant(), user = %target.user_principal_name, step = step.name(), state = ?o.state, "offboarding step");
            steps.push(o);
        }
        Ok(OffboardReport {
            tenant: self.tenant().to_string(),
            user: target.user_principal_name.clone(),
            dry_run: false,
            steps,
            follow_ups: follow_up.into_iter().collect(),
        })
    }

    /// The follow-up task that runs the deferred steps `minutes` from now.
    fn follow_up(&self, user: &UserRef, options: &OffboardOptions, minutes: u32) -> FollowUp {
        let upn = &user.user_principal_name;
        let deferred = OffboardOptions {
            remove_licences: options.remove_licences,
            clear_immutable_id: options.clear_immutable_id,
            delete_user: options.delete_user,
            confirm: options.confirm,
            ..OffboardOptions::default()
        };
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs() as i64)
            .unwrap_or_default();
        FollowUp {
            name: format!("Remove licences: {upn}"),
            tenant: self.tenant().to_string(),
            not_before: now + i64::from(minutes) * 60,
            command: "offboard".into(),
            parameters: json!({
                "user": user.id,
                "options": serde_json::to_value(&deferred).unwrap_or_default(),
            }),
        }
    }

    async fn run_step(
        &self,
        step: OffboardStep,
        user: &UserRef,
        options: &OffboardOptions,
    ) -> Result<StepOutcome, ActionError> {
        let upn = user.user_principal_name.as_str();
        let users = &self.users;
        let ok = |text: String| Ok(outcome(step, StepState::Success, text));
        match step {
            OffboardStep::RevokeSessions => {
                Ok(renamed(step, self.security.revoke_sessions(user).await?))
            }
            OffboardStep::ResetPassword => {
                let reset = self
                    .security
                    .reset_password(user, &ResetPasswordOptions::default())
                    .await?;
                Ok(renamed(step, reset.outcome))
            }
            OffboardStep::DisableSignIn => {
                Ok(renamed(step, self.security.block_sign_in(user).await?))
            }
            OffboardStep::HideFromGal => {
                users.hide_from_address_lists(upn, true).await?;
                ok(format!("Hid {upn} from the global address list"))
            }
            OffboardStep::RemoveGroups => self.remove_groups(user).await,
            OffboardStep::RemoveRules => self.remove_rules(upn).await,
            OffboardStep::RemoveMobileDevices => self.remove_mobile_devices(upn).await,
            OffboardStep::RemoveCalendarInvites => {
                users
                    .cmdlet(
                        "cancel meetings",
                        upn,
                        "Remove-CalendarEvents",
                        json!({"Identity": upn, "CancelOrganizedMeetings": true, "QueryWindowInDays": 730, "Confirm": false}),
                    )
                    .await?;
                ok(format!(
                    "Cancelled the meetings {upn} organised (next two years)"
                ))
            }
            OffboardStep::OutOfOffice => {
                let text = options.out_of_office.clone().unwrap_or_default();
                users
                    .set_out_of_office(
                        upn,
                        &OutOfOffice {
                            state: AutoReplyState::Enabled,
                            internal_message: Some(text.clone()),
                            external_message: Some(text),
                            ..OutOfOffice::default()
                        },
                    )
                    .await?;
                ok(format!("Turned on the automatic reply of {upn}"))
            }
            OffboardStep::ForwardToUser => {
                let to = options.forward_to.clone().unwrap_or_default();
                users
                    .set_forwarding(
                        upn,
                        &Forwarding::Internal {
                            to: to.clone(),
                            keep_copy: options.keep_copy,
                        },
                    )
                    .await?;
                ok(format!(
                    "Forwarding mail of {upn} to {to}{}",
                    if options.keep_copy {
                        ", keeping a copy"
                    } else {
                        ""
                    }
                ))
            }
            OffboardStep::DisableForwarding => Ok(renamed(
                step,
                self.security.remove_mailbox_forwarding(user).await?,
            )),
            OffboardStep::OneDriveAccess => Ok(renamed(
                step,
                self.security
                    .grant_onedrive_access(user, &options.onedrive_access)
                    .await?,
            )),
            OffboardStep::DisableOneDriveSharing => Ok(renamed(
                step,
                self.security.disable_onedrive_sharing(user).await?,
            )),
            OffboardStep::MailboxAccessNoAutomap | OffboardStep::MailboxAccessAutomap => {
                let (list, automap) = if step == OffboardStep::MailboxAccessAutomap {
                    (&options.mailbox_access_automap, true)
                } else {
                    (&options.mailbox_access_no_automap, false)
                };
                self.grant_access(step, upn, list, automap).await
            }
            OffboardStep::RemovePermissions => self.remove_permissions(upn).await,
            OffboardStep::RemoveCalendarPermissions => self.remove_calendar_permissions(upn).await,
            OffboardStep::ConvertToShared => {
                users.convert_mailbox(upn, MailboxKind::Shared).await?;
                ok(format!(
                    "Converted the mailbox of {upn} to a shared mailbox"
                ))
            }
            OffboardStep::RemoveMfaDevices => Ok(renamed(
                step,
                self.security
                    .remove_mfa_methods(user, &MethodSelection::All)
                    .await?,
            )),
            OffboardStep::RemoveTeamsPhoneDid => self.remove_phone_numbers(user).await,
            OffboardStep::RemoveLicences => self.remove_licences(user).await,
            OffboardStep::ClearImmutableId => {
                let u = users.get(&user.id).await?;
                if u.extra
                    .get("onPremisesImmutableId")
                    .is_none_or(Value::is_null)
                {
                    return Ok(outcome(
                        step,
                        StepState::Info,
                        format!("{upn} has no on-premises immutable id"),
                    ));
                }
                users
                    .graph()
                    .patch(
                        &format!("users/{}", user.id),
                        &json!({"onPremisesImmutableId": null}),
                    )
                    .await
                    .map_err(|e| users.graph_error("clear immutable id", upn, e))?;
                ok(format!("Cleared the on-premises immutable id of {upn}"))
            }
            OffboardStep::DeleteUser => {
                users.delete(&user.id, true).await?;
                ok(format!(
                    "Deleted {upn} to the recycle bin (restorable for 30 days)"
                ))
            }
        }
    }

    /// Leave every group: Graph for security and Microsoft 365 groups, Exchange for
    /// distribution lists and mail-enabled security groups. Dynamic groups cannot be left and
    /// licence-assigning groups are left for the licence step.
    async fn remove_groups(&self, user: &UserRef) -> Result<StepOutcome, ActionError> {
        let step = OffboardStep::RemoveGroups;
        let users = &self.users;
        let upn = user.user_principal_name.as_str();
        let v = users
            .graph()
            .get(&format!("users/{}/memberOf?$select=id,displayName,groupTypes,mailEnabled,securityEnabled,assignedLicenses", user.id))
            .await
            .map_err(|e| users.graph_error("list groups", upn, e))?;
        let mut removed = Vec::new();
        let mut kept = Vec::new();
        let mut failed = Vec::new();
        for g in v["value"].as_array().into_iter().flatten() {
            if g["@odata.type"].as_str() != Some("#microsoft.graph.group") {
                continue;
            }
            let name = g["displayName"].as_str().unwrap_or_default().to_string();
            let gid = g["id"].as_str().unwrap_or_default();
            let types: Vec<&str> = g["groupTypes"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .collect();
            if types.contains(&"DynamicMembership") {
                kept.push(format!("{name} (dynamic)"));
                continue;
            }
            if g["assignedLicenses"]
                .as_array()
                .is_some_and(|l| !l.is_empty())
            {
                kept.push(format!("{name} (assigns licences)"));
                continue;
            }
            let via_exchange = g["mailEnabled"] == json!(true) && !types.contains(&"Unified");
            let result = if via_exchange {
                users
                    .cmdlet(
                        "leave distribution group",
                        upn,
                        "Remove-DistributionGroupMember",
                        json!({"Identity": gid, "Member": user.id, "BypassSecurityGroupManagerCheck": true, "Confirm": false}),
                    )
                    .await
                    .map(|_| ())
            } else {
                users
                    .graph()
                    .delete(&format!("groups/{gid}/members/{}/$ref", user.id))
                    .await
                    .map_err(|e| users.graph_error("leave group", upn, e))
            };
            match result {
                Ok(()) => removed.push(name),
                Err(e) => failed.push(format!("{name}: {e}")),
            }
        }
        let detail = json!({"removed": removed, "kept": kept, "failed": failed});
        let o = if !failed.is_empty() {
            outcome(
                step,
                StepState::Error,
                format!(
                    "Could not remove {upn} from {} group(s): {}",
                    failed.len(),
                    failed.join("; ")
                ),
            )
        } else if removed.is_empty() {
            outcome(
                step,
                StepState::Info,
                format!("{upn} was in no group that could be left"),
            )
        } else {
            outcome(
                step,
                StepState::Success,
                format!("Removed {upn} from {}", removed.join(", ")),
            )
        };
        Ok(o.with_detail(detail))
    }

    async fn remove_rules(&self, upn: &str) -> Result<StepOutcome, ActionError> {
        let step = OffboardStep::RemoveRules;
        let rules = self
            .users
            .cmdlet(
                "list inbox rules",
                upn,
                "Get-InboxRule",
                json!({"Mailbox": upn}),
            )
            .await?;
        if rules.is_empty() {
            return Ok(outcome(
                step,
                StepState::Info,
                format!("{upn} has no inbox rules"),
            ));
        }
        let mut names = Vec::new();
        for r in &rules {
            let id = r["Identity"].as_str().unwrap_or_default();
            self.users
                .cmdlet(
                    "remove inbox rule",
                    upn,
                    "Remove-InboxRule",
                    json!({"Identity": id, "Mailbox": upn, "Confirm": false}),
                )
                .await?;
            names.push(r["Name"].as_str().unwrap_or(id).to_string());
        }
        Ok(outcome(
            step,
            StepState::Success,
            format!(
                "Deleted {} inbox rule(s) of {upn}: {}",
                names.len(),
                names.join(", ")
            ),
        )
        .with_detail(json!({"rules": names})))
    }

    async fn remove_mobile_devices(&self, upn: &str) -> Result<StepOutcome, ActionError> {
        let step = OffboardStep::RemoveMobileDevices;
        let devices = self
            .users
            .cmdlet(
                "list mobile devices",
                upn,
                "Get-MobileDevice",
                json!({"Mailbox": upn}),
            )
            .await?;
        if devices.is_empty() {
            return Ok(outcome(
                step,
                StepState::Info,
                format!("{upn} has no mobile devices"),
            ));
        }
        let mut names = Vec::new();
        for d in &devices {
            let id = d["Identity"].as_str().unwrap_or_default();
            self.users
                .cmdlet(
                    "remove mobile device",
                    upn,
                    "Remove-MobileDevice",
                    json!({"Identity": id, "Confirm": false}),
                )
                .await?;
            names.push(
                d["FriendlyName"]
                    .as_str()
                    .or(d["DeviceModel"].as_str())
                    .unwrap_or(id)
                    .to_string(),
            );
        }
        Ok(outcome(
            step,
            StepState::Success,
            format!("Removed {} mobile device(s) of {upn}", names.len()),
        )
        .with_detail(json!({"devices": names})))
    }

    async fn grant_access(
        &self,
        step: OffboardStep,
        upn: &str,
        delegates: &[String],
        automap: bool,
    ) -> Result<StepOutcome, ActionError> {
        let mut granted = Vec::new();
        let mut failed = Vec::new();
        for d in delegates {
            match self
                .users
                .grant_mailbox_right(upn, d, MailboxRight::FullAccess { automap })
                .await
            {
                Ok(()) => granted.push(d.clone()),
                Err(e) => failed.push(format!("{d}: {e}")),
            }
        }
        let detail = json!({"granted": granted, "failed": failed});
        Ok(if failed.is_empty() {
            outcome(
                step,
                StepState::Success,
                format!(
                    "Gave {} Full Access to the mailbox of {upn}{}",
                    granted.join(", "),
                    if automap { " (automapped)" } else { "" }
                ),
            )
        } else {
            outcome(
                step,
                StepState::Error,
                format!("Could not give Full Access to {}", failed.join("; ")),
            )
        }
        .with_detail(detail))
    }

    /// The user's Full Access rights on other mailboxes and Send As rights on other
    /// recipients. Exchange answers `Get-MailboxPermission` for one mailbox at a time
    /// (`-Identity` is required), so every other mailbox is asked with `-User` through the
    /// bulk API (ten per round trip); `Get-RecipientPermission -Trustee` covers the whole
    /// tenant in one call. Each right found is removed; a removal that fails is recorded and
    /// the others still run.
    async fn remove_permissions(&self, upn: &str) -> Result<StepOutcome, ActionError> {
        let step = OffboardStep::RemovePermissions;
        let users = &self.users;
        let exchange = users.exchange();
        let mailboxes = users
            .cmdlet(
                "list mailboxes",
                upn,
                "Get-Mailbox",
                json!({"ResultSize": "Unlimited"}),
            )
            .await?;
        let others: Vec<String> = mailboxes
            .iter()
            .filter(|m| {
                !m["UserPrincipalName"]
                    .as_str()
                    .is_some_and(|u| u.eq_ignore_ascii_case(upn))
            })
            .filter_map(|m| {
                m["PrimarySmtpAddress"]
                    .as_str()
                    .or(m["UserPrincipalName"].as_str())
                    .filter(|a| !a.is_empty())
                    .map(str::to_string)
            })
            .collect();
        let reads = others.iter().map(|mailbox| {
            exchange
                .cmdlet("Get-MailboxPermission")
                .id(mailbox.as_str())
                .param("Identity", mailbox.as_str())
                .param("User", upn)
        });
        let found = exchange
            .bulk(reads)
            .await
            .map_err(|e| users.exchange_error("list mailbox permissions", upn, e))?;
        let mut full_access = Vec::new();
        let mut unreadable = Vec::new();
        for op in &found.operations {
            match &op.outcome {
                Ok(out) if !out.rows.is_empty() => full_access.push(op.id.clone()),
                Ok(_) => {}
                Err(e) => unreadable.push(format!("{}: {}", op.id, e.message)),
            }
        }
        let send_as = users
            .cmdlet(
                "list recipient permissions",
                upn,
                "Get-RecipientPermission",
                json!({"Trustee": upn}),
            )
            .await?;
        let mut removed = Vec::new();
        let mut failed = Vec::new();
        for mailbox in &full_access {
            match users
                .revoke_mailbox_right(mailbox, upn, MailboxRight::FullAccess { automap: false })
                .await
            {
                Ok(()) => removed.push(format!("FullAccess on {mailbox}")),
                Err(e) => failed.push(format!("FullAccess on {mailbox}: {e}")),
            }
        }
        for p in &send_as {
            let mailbox = p["Identity"].as_str().unwrap_or_default();
            match users
                .revoke_mailbox_right(mailbox, upn, MailboxRight::SendAs)
                .await
            {
                Ok(()) => removed.push(format!("SendAs on {mailbox}")),
                Err(e) => failed.push(format!("SendAs on {mailbox}: {e}")),
            }
        }
        let detail = json!({"removed": removed, "failed": failed, "unreadable": unreadable,
            "mailboxesChecked": others.len()});
        Ok(if !failed.is_empty() || !unreadable.is_empty() {
            let problems: Vec<&String> = failed.iter().chain(&unreadable).collect();
            outcome(
                step,
                StepState::Error,
                format!(
                    "Removed {} right(s) of {upn}; {} problem(s): {}",
                    removed.len(),
                    problems.len(),
                    problems
                        .iter()
                        .map(|s| s.as_str())
                        .collect::<Vec<_>>()
                        .join("; ")
                ),
            )
        } else if removed.is_empty() {
            outcome(
                step,
                StepState::Info,
                format!("{upn} holds no rights on other mailboxes"),
            )
        } else {
            outcome(
                step,
                StepState::Success,
                format!("Removed {}", removed.join(", ")),
            )
        }
        .with_detail(detail))
    }

    /// Release every Teams phone number assigned to the user.
    async fn remove_phone_numbers(&self, user: &UserRef) -> Result<StepOutcome, ActionError> {
        let step = OffboardStep::RemoveTeamsPhoneDid;
        let users = &self.users;
        let upn = user.user_principal_name.as_str();
        let v = users
            .graph()
            .get(&format!(
                "admin/teams/telephoneNumberManagement/numberAssignments?$filter=assignmentTargetId eq '{}'",
                user.id
            ))
            .await
            .map_err(|e| users.graph_error("list phone numbers", upn, e))?;
        let mut released = Vec::new();
        for n in v["value"].as_array().into_iter().flatten() {
            let number = n["telephoneNumber"].as_str().unwrap_or_default();
            users
                .graph()
                .post(
                    "admin/teams/telephoneNumberManagement/numberAssignments/unassignNumber",
                    &json!({"telephoneNumber": number, "numberType": n["numberType"]}),
                )
                .await
                .map_err(|e| users.graph_error("release phone number", upn, e))?;
            released.push(number.to_string());
        }
        Ok(if released.is_empty() {
            outcome(
                step,
                StepState::Info,
                format!("{upn} has no Teams phone number"),
            )
        } else {
            outcome(
                step,
                StepState::Success,
                format!("Released {} from {upn}", released.join(", ")),
            )
        }
        .with_detail(json!({"released": released})))
    }

    /// The user's rights on other mailboxes' calendars (each mailbox's `Calendar` folder read,
    /// the user's entry removed).
    async fn remove_calendar_permissions(&self, upn: &str) -> Result<StepOutcome, ActionError> {
        let step = OffboardStep::RemoveCalendarPermissions;
        let users = &self.users;
        let mailboxes = users
            .cmdlet(
                "list mailboxes",
                upn,
                "Get-Mailbox",
                json!({"ResultSize": "Unlimited"}),
            )
            .await?;
        let mut removed = Vec::new();
        for m in &mailboxes {
            let address = m["PrimarySmtpAddress"].as_str().unwrap_or_default();
            let own = m["UserPrincipalName"]
                .as_str()
                .is_some_and(|u| u.eq_ignore_ascii_case(upn));
            if address.is_empty() || own {
                continue;
            }
            let folder = format!("{address}:\\Calendar");
            let entries = users
                .cmdlet(
                    "read calendar permissions",
                    upn,
                    "Get-MailboxFolderPermission",
                    json!({"Identity": folder}),
                )
                .await?;
            let holds = entries.iter().any(|e| {
                e["User"]
                    .as_str()
                    .is_some_and(|u| u.eq_ignore_ascii_case(upn))
            });
            if holds {
                users
                    .cmdlet(
                        "remove calendar permission",
                        upn,
                        "Remove-MailboxFolderPermission",
                        json!({"Identity": folder, "User": upn, "Confirm": false}),
                    )
                    .await?;
                removed.push(address.to_string());
            }
        }
        Ok(if removed.is_empty() {
            outcome(
                step,
                StepState::Info,
                format!("{upn} holds no rights on other calendars"),
            )
        } else {
            outcome(
                step,
                StepState::Success,
                format!(
                    "Removed the rights of {upn} on the calendars of {}",
                    removed.join(", ")
                ),
            )
        }
        .with_detail(json!({"calendars": removed})))
    }

    /// Direct licences removed, then licence-assigning groups left (CIPP removes group-based
    /// licences through group membership).
    async fn remove_licences(&self, user: &UserRef) -> Result<StepOutcome, ActionError> {
        let step = OffboardStep::RemoveLicences;
        let users = &self.users;
        let upn = user.user_principal_name.as_str();
        let removed = users.remove_all_licences(&user.id).await?;
        let v = users
            .graph()
            .get(&format!(
                "users/{}/memberOf?$select=id,displayName,assignedLicenses",
                user.id
            ))
            .await
            .map_err(|e| users.graph_error("list licence groups", upn, e))?;
        let mut left = Vec::new();
        for g in v["value"].as_array().into_iter().flatten() {
            let assigns = g["@odata.type"].as_str() == Some("#microsoft.graph.group")
                && g["assignedLicenses"]
                    .as_array()
                    .is_some_and(|l| !l.is_empty());
            if !assigns {
                continue;
            }
            let gid = g["id"].as_str().unwrap_or_default();
            users
                .graph()
                .delete(&format!("groups/{gid}/members/{}/$ref", user.id))
                .await
                .map_err(|e| users.graph_error("leave licence group", upn, e))?;
            left.push(g["displayName"].as_str().unwrap_or(gid).to_string());
        }
        let detail = json!({"skuIds": removed, "groupsLeft": left});
        Ok(if removed.is_empty() && left.is_empty() {
            outcome(step, StepState::Info, format!("{upn} holds no licence"))
        } else {
            let mut text = format!("Removed {} direct licence(s) from {upn}", removed.len());
            if !left.is_empty() {
                text.push_str(&format!("; left licence group(s) {}", left.join(", ")));
            }
            outcome(step, StepState::Success, text)
        }
        .with_detail(detail))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plan_keeps_cipp_order_and_checks_input() {
        let mut o = OffboardOptions {
            delete_user: true,
            out_of_office: Some("Gone".into()),
            ..OffboardOptions::default()
        };
        o.select("revokesessions").unwrap_or_default();
        o.select("HideFromGAL").unwrap_or_default();
        let plan = o.plan("a@x.com").map(|p| p.steps).unwrap_or_default();
        let names: Vec<&str> = plan.iter().map(|s| s.step.as_str()).collect();
        assert_eq!(
            names,
            ["RevokeSessions", "HideFromGAL", "OOO", "DeleteUser"]
        );
        assert!(plan[3].destructive && !plan[0].destructive);
        assert!(OffboardOptions::default().plan("a@x.com").is_err());
        assert!(o.select("Nope").is_err());
        let bad = OffboardOptions {
            mailbox_access_automap: vec!["A@x.com".into()],
            ..OffboardOptions::default()
        };
        assert!(bad
            .plan("a@x.com")
            .err()
            .is_some_and(|e| e.to_string().contains("mailbox_access_automap[0]")));
    }
}

/// `remove_mfa_devices` -> `removeMfaDevices`; camelCase stays as it is.
fn camel_case(key: &str) -> String {
    let mut out = String::with_capacity(key.len());
    let mut upper = false;
    for c in key.chars() {
        if c == '_' {
            upper = true;
        } else if upper {
            out.extend(c.to_uppercase());
            upper = false;
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod from_value_tests {
    use super::*;

    #[test]
    fn snake_and_camel_case_keys_are_read_and_unknown_keys_refused() {
        let o = OffboardOptions::from_value(&json!({
            "revoke_sessions": true, "hideFromGal": true, "out_of_office": "Gone", "confirm": true
        }))
        .unwrap_or_default();
        assert!(o.revoke_sessions && o.hide_from_gal && o.confirm);
        assert_eq!(o.out_of_office.as_deref(), Some("Gone"));
        let e = OffboardOptions::from_value(&json!({"revoke_sesions": true}));
        assert!(e.is_err_and(|e| e.to_string().contains("revoke_sesions")));
        let e = OffboardOptions::from_value(&json!({"revoke_sessions": "yes"}));
        assert!(e.is_err());
        assert!(OffboardOptions::from_value(&json!([])).is_err());
    }
}
