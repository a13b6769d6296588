//! User management for one tenant: what CIPP's user pages do, as calls.
//!
//! [`UserActions`] is built from a [`Pipeline`] and a tenant (or from the tenant's Graph and
//! Exchange clients). Every action names the user by UPN or object id, checks its input
//! before sending anything, and answers with a typed [`ActionError`] that names the field, the
//! tenant and the user.
//!
//! ```no_run
//! # async fn run(pipeline: cipp_core::Pipeline) -> Result<(), cipp_actions::ActionError> {
//! use cipp_actions::users::{NewUser, UserActions, UserEdit};
//!
//! let users = UserActions::new(pipeline, "alpha.onmicrosoft.com");
//! let created = users
//!     .create(NewUser {
//!         display_name: "Ada Lovelace".into(),
//!         username: "ada".into(),
//!         domain: "alphadental.com".into(),
//!         usage_location: Some("GB".into()),
//!         ..NewUser::default()
//!     })
//!     .await?;
//! // The generated password is shown once; keep it somewhere safe.
//! let _password = created.password;
//! users
//!     .edit("ada@alphadental.com", UserEdit { job_title: Some("Analyst".into()), ..UserEdit::default() })
//!     .await?;
//! # Ok(()) }
//! ```

mod groups;
mod licences;
mod lifecycle;
mod mailbox;
mod profile;

use cipp_core::Pipeline;
use cipp_exchange::ExchangeClient;
use cipp_graph::models::User;
use cipp_graph::GraphClient;
use serde_json::Value;

use crate::security::{
    AccountSecurity, MethodSelection, PasswordReset, ResetPasswordOptions, UserRef,
};
use crate::{ActionError, StepOutcome};

pub use groups::GroupMembershipEdit;
pub use licences::{LicenceCatalogue, LicenceChange, LicenceProduct};
pub use lifecycle::{DeletedUser, TapOptions, TemporaryAccessPass};
pub use mailbox::{
    AliasChange, AutoReplyAudience, AutoReplyState, Forwarding, MailboxKind, MailboxRight,
    OutOfOffice, OutOfOfficeSettings,
};
pub use profile::{ClearableField, CreatedUser, NewUser, UserEdit};

/// Properties read when an action looks a user up.
const USER_SELECT: &str = "id,displayName,userPrincipalName,mail,mailNickname,accountEnabled,\
userType,usageLocation,assignedLicenses,proxyAddresses,onPremisesSyncEnabled,givenName,surname,\
jobTitle,department,createdDateTime";

/// User management in one tenant. Cheap to clone; creating it sends nothing.
#[derive(Debug, Clone)]
pub struct UserActions {
    graph: GraphClient,
    exchange: ExchangeClient,
}

impl UserActions {
    /// Actions in `tenant` (GUID or domain) through `pipeline`.
    pub fn new(pipeline: Pipeline, tenant: impl Into<String>) -> Self {
        let tenant = tenant.into();
        UserActions {
            graph: GraphClient::new(pipeline.clone(), tenant.clone()).beta(),
            exchange: ExchangeClient::new(pipeline, tenant),
        }
    }

    /// Actions through clients the caller already has (they must be for the same tenant).
    pub fn from_clients(graph: GraphClient, exchange: ExchangeClient) -> Self {
        UserActions {
            graph: graph.beta(),
            exchange,
        }
    }

    /// The tenant these actions run in.
    pub fn tenant(&self) -> &str {
        self.graph.tenant()
    }

    /// The Graph client (beta) the actions use.
    pub fn graph(&self) -> &GraphClient {
        &self.graph
    }

    /// The Exchange client the actions use.
    pub fn exchange(&self) -> &ExchangeClient {
        &self.exchange
    }

    /// Read one user by UPN or id.
    pub async fn get(&self, user: &str) -> Result<User, ActionError> {
        check_user(user)?;
        let path = format!("users/{}?$select={USER_SELECT}", path_segment(user));
        match self.graph.get(&path).await {
            Ok(v) => serde_json::from_value(v).map_err(|e| ActionError::InvalidInput {
                field: "user".into(),
                message: format!("Graph answered with a user that could not be read: {e}"),
            }),
            Err(e) if e.status() == Some(404) => Err(ActionError::UserNotFound {
                tenant: self.tenant().to_string(),
                user: user.to_string(),
            }),
            Err(e) => Err(self.graph_error("read user", user, e)),
        }
    }

    /// The user's object id (looked up by UPN when needed) and UPN.
    pub(crate) async fn resolve(&self, user: &str) -> Result<(String, String), ActionError> {
        let u = self.get(user).await?;
        let id = u.id.clone().unwrap_or_else(|| user.to_string());
        let upn = u
            .user_principal_name
            .clone()
            .unwrap_or_else(|| user.to_string());
        Ok((id, upn))
    }

    pub(crate) fn graph_error(&self, action: &str, user: &str, e: cipp_core::Error) -> ActionError {
        ActionError::Graph {
            action: action.to_string(),
            tenant: self.tenant().to_string(),
            user: user.to_string(),
            source: Box::new(e),
        }
    }

    pub(crate) fn exchange_error(
        &self,
        action: &str,
        user: &str,
        e: cipp_exchange::ExchangeError,
    ) -> ActionError {
        ActionError::Exchange {
            action: action.to_string(),
            tenant: self.tenant().to_string(),
            user: user.to_string(),
            source: Box::new(e),
        }
    }

    /// Run one cmdlet for `user`, mapping its failure.
    pub(crate) async fn cmdlet(
        &self,
        action: &str,
        user: &str,
        name: &str,
        params: Value,
    ) -> Result<Vec<Value>, ActionError> {
        self.exchange
            .invoke(name, params)
            .await
            .map_err(|e| self.exchange_error(action, user, e))
    }
}

/// The account-security primitives, shared with compromised-account remediation and
/// offboarding ([`AccountSecurity`]), for one user at a time.
impl UserActions {
    /// The shared primitives on the same clients.
    pub fn security(&self) -> AccountSecurity {
        AccountSecurity::new(self.graph.clone(), self.exchange.clone())
    }

    /// The security primitives and `user` looked up in the directory, for the actions that
    /// act on one existing user.
    async fn resolved(&self, user: &str) -> Result<(AccountSecurity, UserRef), ActionError> {
        check_user(user)?;
        let security = self.security();
        let target = security.resolve_user(user).await?;
        Ok((security, target))
    }

    /// Set a generated strong password; by default the user must change it at next sign-in
    /// and the password is not returned (set `reveal_password` to get it once).
    pub async fn reset_password(
        &self,
        user: &str,
        options: &ResetPasswordOptions,
    ) -> Result<PasswordReset, ActionError> {
        let (security, target) = self.resolved(user).await?;
        security.reset_password(&target, options).await
    }

    /// Block sign-in (`accountEnabled: false`); a warning for directory-synced users.
    pub async fn block_sign_in(&self, user: &str) -> Result<StepOutcome, ActionError> {
        let (security, target) = self.resolved(user).await?;
        security.block_sign_in(&target).await
    }

    /// Allow sign-in again.
    pub async fn unblock_sign_in(&self, user: &str) -> Result<StepOutcome, ActionError> {
        let (security, target) = self.resolved(user).await?;
        security.unblock_sign_in(&target).await
    }

    /// Sign the user out of every session (`invalidateAllRefreshTokens`).
    pub async fn revoke_sessions(&self, user: &str) -> Result<StepOutcome, ActionError> {
        let (security, target) = self.resolved(user).await?;
        security.revoke_sessions(&target).await
    }

    /// Make `people` site collection administrators of the user's OneDrive (to hand its files
    /// over); see [`AccountSecurity::grant_onedrive_access`].
    pub async fn grant_onedrive_access(
        &self,
        user: &str,
        people: &[String],
    ) -> Result<StepOutcome, ActionError> {
        let (security, target) = self.resolved(user).await?;
        security.grant_onedrive_access(&target, people).await
    }

    /// Take OneDrive administrator access away from `people`.
    pub async fn revoke_onedrive_access(
        &self,
        user: &str,
        people: &[String],
    ) -> Result<StepOutcome, ActionError> {
        let (security, target) = self.resolved(user).await?;
        security.revoke_onedrive_access(&target, people).await
    }

    /// Turn off external sharing of the user's OneDrive.
    pub async fn disable_onedrive_sharing(&self, user: &str) -> Result<StepOutcome, ActionError> {
        let (security, target) = self.resolved(user).await?;
        security.disable_onedrive_sharing(&target).await
    }

    /// Remove MFA methods: all but the password, or one by id.
    pub async fn remove_mfa_methods(
        &self,
        user: &str,
        which: &MethodSelection,
    ) -> Result<StepOutcome, ActionError> {
        let (security, target) = self.resolved(user).await?;
        security.remove_mfa_methods(&target, which).await
    }
}

/// An id or UPN as one URL path segment (UPNs of guests hold `#`).
pub(crate) fn path_segment(user: &str) -> String {
    user.replace('#', "%23").replace('/', "%2F")
}

/// A user argument must name someone.
pub(crate) fn check_user(user: &str) -> Result<(), ActionError> {
    if user.trim().is_empty() {
        return Err(invalid("user", "is empty; give a UPN or object id"));
    }
    Ok(())
}

pub(crate) fn invalid(field: impl Into<String>, message: impl Into<String>) -> ActionError {
    ActionError::InvalidInput {
        field: field.into(),
        message: message.into(),
    }
}

/// A plausible email address: one `@`, something on both sides, a dot in the domain, no
/// spaces.
pub(crate) fn is_address(s: &str) -> bool {
    let Some((local, domain)) = s.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !domain.contains('@')
        && !s.chars().any(char::is_whitespace)
}
