//! Account-security primitives shared by user management, compromised-account remediation and
//! offboarding: reset a password, block or unblock sign-in, revoke sessions, remove MFA
//! methods, disable inbox rules, remove mailbox forwarding, disable OneDrive sharing and give
//! or take access to a OneDrive ([`onedrive`]).
//!
//! Each primitive does one thing to one user and returns a [`StepOutcome`] (what happened, for
//! a person and for a script) or a typed [`ActionError`] when the call itself failed. None of
//! them is retried after a write that may have been applied.
//!
//! ```no_run
//! # async fn run(pipeline: cipp_core::Pipeline) -> Result<(), cipp_actions::ActionError> {
//! use cipp_actions::security::{AccountSecurity, ResetPasswordOptions};
//! let tenant = "alpha.onmicrosoft.com";
//! let security = AccountSecurity::new(
//!     cipp_graph::GraphClient::new(pipeline.clone(), tenant),
//!     cipp_exchange::ExchangeClient::new(pipeline, tenant),
//! );
//! let user = security.resolve_user("miriam.vance@alphadental.com").await?;
//! let reset = security
//!     .reset_password(&user, &ResetPasswordOptions { reveal_password: true, ..Default::default() })
//!     .await?;
//! if let Some(password) = &reset.password {
//!     // Hand it to the user through a safe channel; it is never logged.
//!     let _ = password.expose();
//! }
//! println!("{}", security.revoke_sessions(&user).await?.result_text);
//! # Ok(()) }
//! ```

mod onedrive;

use std::fmt;

use cipp_core::Method;
use cipp_exchange::{Anchor, ExchangeClient, ExchangeError};
use cipp_graph::collection::encode_segment;
use cipp_graph::GraphClient;
use cipp_sharepoint::SharePointClient;
use rand::seq::SliceRandom;
use rand::Rng;
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

use crate::{ActionError, StepOutcome, StepState};

pub use onedrive::{site_url_of_drive, OneDrive};

/// The id Entra gives every user's password authentication method; SSPR writeback resets go
/// through it.
pub const PASSWORD_METHOD_ID: &str = "28c10230-6103-485e-b985-444c60001490";

/// Inbox rules Exchange keeps for itself: the junk filter and the out-of-office rules. They are
/// never disabled.
const SYSTEM_RULE_NAMES: [&str; 1] = ["Junk E-Mail Rule"];
/// Prefix of Exchange's out-of-office rules.
const OOF_RULE_PREFIX: &str = "Microsoft.Exchange.OOF.";
/// Prefix of the hidden rules that hold calendar delegation; Exchange refuses to disable them
/// and CIPP ignores that failure, as we do.
const DELEGATE_RULE_PREFIX: &str = "Delegate Rule";

/// Each authentication method type and the collection (under `users/{id}/authentication/`)
/// that deletes it. `passwordAuthenticationMethod` is absent on purpose: it is never removed.
/// `qrCodePinAuthenticationMethod` is a single-valued beta navigation.
const METHOD_COLLECTIONS: [(&str, &str); 10] = [
    ("phoneAuthenticationMethod", "phoneMethods"),
    ("emailAuthenticationMethod", "emailMethods"),
    (
        "microsoftAuthenticatorAuthenticationMethod",
        "microsoftAuthenticatorMethods",
    ),
    ("fido2AuthenticationMethod", "fido2Methods"),
    ("softwareOathAuthenticationMethod", "softwareOathMethods"),
    ("hardwareOathAuthenticationMethod", "hardwareOathMethods"),
    (
        "windowsHelloForBusinessAuthenticationMethod",
        "windowsHelloForBusinessMethods",
    ),
    (
        "temporaryAccessPassAuthenticationMethod",
        "temporaryAccessPassMethods",
    ),
    (
        "platformCredentialAuthenticationMethod",
        "platformCredentialMethods",
    ),
    ("qrCodePinAuthenticationMethod", "qrCodePinMethod"),
];

/// The user an action is about, as Graph knows them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct UserRef {
    /// Entra object id.
    pub id: String,
    /// User principal name.
    pub user_principal_name: String,
    /// Display name.
    #[serde(default)]
    pub display_name: Option<String>,
    /// Sign-in allowed.
    #[serde(default)]
    pub account_enabled: Option<bool>,
    /// Synchronised from on-premises Active Directory (password and sign-in state are then
    /// mastered there).
    #[serde(default)]
    pub on_premises_sync_enabled: Option<bool>,
    /// Primary SMTP address; `None` when the user has no mailbox.
    #[serde(default)]
    pub mail: Option<String>,
    /// Two-letter country the user is licensed in: where sign-ins are expected from.
    #[serde(default)]
    pub usage_location: Option<String>,
}

impl UserRef {
    /// `true` for a directory-synchronised user.
    pub fn is_synced(&self) -> bool {
        self.on_premises_sync_enabled == Some(true)
    }
}

/// A generated password. `Debug` and `Display` print `[redacted]`; [`expose`](Self::expose)
/// is the only way to read it.
#[derive(Clone, PartialEq, Eq)]
pub struct GeneratedPassword(String);

impl GeneratedPassword {
    /// A random password of `length` characters (at least 12) with upper- and lower-case
    /// letters, digits and symbols, which meets Entra's complexity rule (three of four
    /// classes, 8 to 256 characters). Characters that read alike (`0O1lI`) are left out so the
    /// password survives being read over the phone.
    pub fn generate(length: usize) -> Self {
        const UPPER: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ";
        const LOWER: &[u8] = b"abcdefghijkmnopqrstuvwxyz";
        const DIGITS: &[u8] = b"23456789";
        const SYMBOLS: &[u8] = b"!#$%&*+-=?@^_";
        let length = length.clamp(12, 256);
        let classes = [UPPER, LOWER, DIGITS, SYMBOLS];
        let mut rng = rand::thread_rng();
        let mut chars: Vec<u8> = classes
            .iter()
            .map(|class| class[rng.gen_range(0..class.len())])
            .collect();
        let all: Vec<u8> = classes.concat();
        while chars.len() < length {
            chars.push(all[rng.gen_range(0..all.len())]);
        }
        chars.shuffle(&mut rng);
        GeneratedPassword(chars.into_iter().map(char::from).collect())
    }

    /// The password itself.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for GeneratedPassword {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("GeneratedPassword([redacted])")
    }
}

impl fmt::Display for GeneratedPassword {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

/// Options of [`AccountSecurity::reset_password`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResetPasswordOptions {
    /// Make the user choose a new password at the next sign-in (cloud users; default `true`).
    pub force_change_next_sign_in: bool,
    /// Return the generated password in [`PasswordReset::password`] (default `false`: it is
    /// set and forgotten, which is what compromised-account remediation wants).
    pub reveal_password: bool,
    /// Length of the generated password (default 16, at least 12).
    pub length: usize,
}

impl Default for ResetPasswordOptions {
    fn default() -> Self {
        ResetPasswordOptions {
            force_change_next_sign_in: true,
            reveal_password: false,
            length: 16,
        }
    }
}

/// What [`AccountSecurity::reset_password`] did.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct PasswordReset {
    /// The step's outcome (never holds the password).
    pub outcome: StepOutcome,
    /// The new password, only when [`ResetPasswordOptions::reveal_password`] was set.
    pub password: Option<GeneratedPassword>,
}

/// Which MFA methods [`AccountSecurity::remove_mfa_methods`] removes.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum MethodSelection {
    /// Every method except the password.
    #[default]
    All,
    /// The method with this id.
    One(String),
}

/// One authentication method of a user (`users/{id}/authentication/methods`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct AuthenticationMethod {
    /// Method id.
    pub id: String,
    /// `#microsoft.graph.phoneAuthenticationMethod` and so on.
    #[serde(rename = "@odata.type", default)]
    pub odata_type: String,
    /// When it was registered, where Graph says (not every type carries it).
    #[serde(default)]
    pub created_date_time: Option<String>,
    /// Every other property (phone number, device name...).
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl AuthenticationMethod {
    /// The type without its namespace: `phoneAuthenticationMethod`.
    pub fn kind(&self) -> &str {
        self.odata_type
            .rsplit('.')
            .next()
            .unwrap_or(&self.odata_type)
    }

    /// `true` for the password method, which is never removed.
    pub fn is_password(&self) -> bool {
        self.kind() == "passwordAuthenticationMethod"
    }

    /// The collection under `users/{id}/authentication/` that deletes this method.
    pub fn collection(&self) -> Option<&'static str> {
        METHOD_COLLECTIONS
            .iter()
            .find(|(kind, _)| kind.eq_ignore_ascii_case(self.kind()))
            .map(|(_, c)| *c)
    }
}

/// The account-security primitives for one tenant. Cheap to clone.
#[derive(Debug, Clone)]
pub struct AccountSecurity {
    graph: GraphClient,
    exchange: ExchangeClient,
    sharepoint: SharePointClient,
}

impl AccountSecurity {
    /// Primitives acting through these clients (which name the tenant). OneDrive changes go
    /// through a delegated [`SharePointClient`] on the Graph client's pipeline; see
    /// [`with_sharepoint`](Self::with_sharepoint) to use another.
    pub fn new(graph: GraphClient, exchange: ExchangeClient) -> Self {
        let sharepoint = SharePointClient::new(graph.pipeline().clone(), graph.tenant());
        AccountSecurity {
            graph,
            exchange,
            sharepoint,
        }
    }

    /// Use this SharePoint client (app-only, or with a known SharePoint name) for OneDrive
    /// changes.
    pub fn with_sharepoint(mut self, sharepoint: SharePointClient) -> Self {
        self.sharepoint = sharepoint;
        self
    }

    /// The SharePoint client.
    pub fn sharepoint(&self) -> &SharePointClient {
        &self.sharepoint
    }

    /// The tenant acted in.
    pub fn tenant(&self) -> &str {
        self.graph.tenant()
    }

    /// The Graph client (v1.0).
    pub fn graph(&self) -> &GraphClient {
        &self.graph
    }

    /// The Exchange client.
    pub fn exchange(&self) -> &ExchangeClient {
        &self.exchange
    }

    pub(crate) fn graph_error(
        &self,
        action: &str,
        user: &str,
    ) -> impl FnOnce(cipp_core::Error) -> ActionError {
        let tenant = self.tenant().to_string();
        let action = action.to_string();
        let user = user.to_string();
        move |source| ActionError::Graph {
            action,
            tenant,
            user,
            source: Box::new(source),
        }
    }

    pub(crate) fn exchange_error(
        &self,
        action: &str,
        user: &str,
    ) -> impl FnOnce(ExchangeError) -> ActionError {
        let tenant = self.tenant().to_string();
        let action = action.to_string();
        let user = user.to_string();
        move |source| ActionError::Exchange {
            action,
            tenant,
            user,
            source: Box::new(source),
        }
    }

    /// Look a user up by UPN or object id.
    pub async fn resolve_user(&self, user: &str) -> Result<UserRef, ActionError> {
        let user = user.trim();
        if user.is_empty() {
            return Err(ActionError::InvalidInput {
                field: "user".into(),
                message: "is empty; give a user principal name or an object id".into(),
            });
        }
        let answer = self
            .graph
            .request(Method::GET, format!("users/{}", encode_segment(user)))
            .query(|q| {
                q.select([
                    "id",
                    "userPrincipalName",
                    "displayName",
                    "accountEnabled",
                    "onPremisesSyncEnabled",
                    "mail",
                    "usageLocation",
                ]);
            })
            .send_as::<UserRef>()
            .await;
        match answer {
            Ok(u) => Ok(u),
            Err(e) if e.status() == Some(404) => Err(ActionError::UserNotFound {
                tenant: self.tenant().to_string(),
                user: user.to_string(),
            }),
            Err(e) => Err(self.graph_error("look up user", user)(e)),
        }
    }

    /// Set a new random password. Cloud users get it through `PATCH users/{id}`
    /// (`passwordProfile`, with a forced change at next sign-in by default); directory-synced
    /// users through the self-service password reset writeback endpoint, which Entra accepts
    /// and applies on-premises asynchronously.
    pub async fn reset_password(
        &self,
        user: &UserRef,
        options: &ResetPasswordOptions,
    ) -> Result<PasswordReset, ActionError> {
        let password = GeneratedPassword::generate(options.length);
        let upn = &user.user_principal_name;
        let outcome = if user.is_synced() {
            let path = format!(
                "users/{}/authentication/methods/{PASSWORD_METHOD_ID}/resetPassword",
                encode_segment(&user.id)
            );
            self.graph
                .beta()
                .post(&path, &json!({"newPassword": password.expose()}))
                .await
                .map_err(self.graph_error("reset password (writeback)", upn))?;
            StepOutcome::new(
                "resetPassword",
                StepState::Success,
                format!(
                    "Password reset for {upn} accepted; it is written back to on-premises Active Directory asynchronously"
                ),
            )
            .with_detail(json!({"mode": "writeback", "accepted": true}))
        } else {
            let path = format!("users/{}", encode_segment(&user.id));
            let body = json!({"passwordProfile": {
                "forceChangePasswordNextSignIn": options.force_change_next_sign_in,
                "password": password.expose(),
            }});
            self.graph
                .patch(&path, &body)
                .await
                .map_err(self.graph_error("reset password", upn))?;
            let change = if options.force_change_next_sign_in {
                "; a new one must be chosen at the next sign-in"
            } else {
                ""
            };
            StepOutcome::new(
                "resetPassword",
                StepState::Success,
                format!("Password reset for {upn}{change}"),
            )
            .with_detail(json!({
                "mode": "cloud",
                "forceChangePasswordNextSignIn": options.force_change_next_sign_in,
            }))
        };
        Ok(PasswordReset {
            outcome,
            password: options.reveal_password.then_some(password),
        })
    }

    /// Block (`enabled = false`) or allow sign-in. For a directory-synced user the change is
    /// made in Entra but reported as a warning: the next sync puts the on-premises value back.
    pub async fn set_sign_in(
        &self,
        user: &UserRef,
        enabled: bool,
    ) -> Result<StepOutcome, ActionError> {
        let upn = &user.user_principal_name;
        let (step, verb) = if enabled {
            ("enableSignIn", "unblock sign-in")
        } else {
            ("disableSignIn", "block sign-in")
        };
        self.graph
            .patch(
                &format!("users/{}", encode_segment(&user.id)),
                &json!({"accountEnabled": enabled}),
            )
            .await
            .map_err(self.graph_error(verb, upn))?;
        let done = if enabled { "allowed" } else { "blocked" };
        Ok(if user.is_synced() {
            StepOutcome::new(
                step,
                StepState::Warning,
                format!(
                    "Sign-in {done} for {upn} in Entra, but the account is synchronised from on-premises Active Directory: change it there too or the next sync undoes this"
                ),
            )
        } else {
            StepOutcome::new(step, StepState::Success, format!("Sign-in {done} for {upn}"))
        }
        .with_detail(json!({"accountEnabled": enabled})))
    }

    /// Block sign-in.
    pub async fn block_sign_in(&self, user: &UserRef) -> Result<StepOutcome, ActionError> {
        self.set_sign_in(user, false).await
    }

    /// Allow sign-in again.
    pub async fn unblock_sign_in(&self, user: &UserRef) -> Result<StepOutcome, ActionError> {
        self.set_sign_in(user, true).await
    }

    /// Invalidate every refresh token and session cookie of the user
    /// (`POST beta/users/{id}/invalidateAllRefreshTokens`, as CIPP does).
    pub async fn revoke_sessions(&self, user: &UserRef) -> Result<StepOutcome, ActionError> {
        let upn = &user.user_principal_name;
        self.graph
            .beta()
            .post(
                &format!(
                    "users/{}/invalidateAllRefreshTokens",
                    encode_segment(&user.id)
                ),
                &json!({}),
            )
            .await
            .map_err(self.graph_error("revoke sessions", upn))?;
        Ok(StepOutcome::new(
            "revokeSessions",
            StepState::Success,
            format!("Sessions and refresh tokens revoked for {upn}"),
        ))
    }

    /// The user's authentication methods, the password included.
    pub async fn mfa_methods(
        &self,
        user: &UserRef,
    ) -> Result<Vec<AuthenticationMethod>, ActionError> {
        self.graph
            .list::<AuthenticationMethod>(format!(
                "users/{}/authentication/methods",
                encode_segment(&user.id)
            ))
            .collect_all()
            .await
            .map_err(self.graph_error("list authentication methods", &user.user_principal_name))
    }

    /// Remove MFA methods: every method except the password, or the one with an id. Each
    /// method is deleted through its type's endpoint; the outcome lists each removal and
    /// each failure, and is an error when any removal failed.
    pub async fn remove_mfa_methods(
        &self,
        user: &UserRef,
        which: &MethodSelection,
    ) -> Result<StepOutcome, ActionError> {
        let upn = &user.user_principal_name;
        let methods = self.mfa_methods(user).await?;
        let chosen: Vec<&AuthenticationMethod> = match which {
            MethodSelection::All => methods.iter().filter(|m| !m.is_password()).collect(),
            MethodSelection::One(id) => {
                let Some(m) = methods.iter().find(|m| m.id.eq_ignore_ascii_case(id)) else {
                    return Err(ActionError::InvalidInput {
                        field: "method id".into(),
                        message: format!("{upn} has no authentication method '{id}'"),
                    });
                };
                if m.is_password() {
                    return Err(ActionError::InvalidInput {
                        field: "method id".into(),
                        message: format!(
                            "'{id}' is the password method of {upn}, which cannot be removed"
                        ),
                    });
                }
                vec![m]
            }
        };
        if chosen.is_empty() {
            return Ok(StepOutcome::new(
                "removeMfaMethods",
                StepState::Info,
                format!("{upn} has no MFA methods to remove"),
            ));
        }
        let mut removed = Vec::new();
        let mut failed = Vec::new();
        for method in chosen {
            let user_seg = encode_segment(&user.id);
            let result = match method.collection() {
                Some("qrCodePinMethod") => {
                    self.graph
                        .beta()
                        .delete(&format!("users/{user_seg}/authentication/qrCodePinMethod"))
                        .await
                }
                Some(collection) => {
                    self.graph
                        .delete(&format!(
                            "users/{user_seg}/authentication/{collection}/{}",
                            encode_segment(&method.id)
                        ))
                        .await
                }
                None => Err(cipp_core::Error::invalid_input(
                    "method type",
                    format!("no known endpoint deletes a {}", method.kind()),
                )),
            };
            match result {
                Ok(()) => removed.push(json!({"id": method.id, "type": method.kind()})),
                Err(e) => failed
                    .push(json!({"id": method.id, "type": method.kind(), "error": e.to_string()})),
            }
        }
        let (state, text) = if failed.is_empty() {
            (
                StepState::Success,
                format!("Removed {} MFA method(s) of {upn}", removed.len()),
            )
        } else {
            (
                StepState::Error,
                format!(
                    "Removed {} MFA method(s) of {upn}; {} could not be removed",
                    removed.len(),
                    failed.len()
                ),
            )
        };
        Ok(StepOutcome::new("removeMfaMethods", state, text)
            .with_detail(json!({"removed": removed, "failed": failed})))
    }

    /// Disable every inbox rule of the user's mailbox except Exchange's own (junk e-mail and
    /// out-of-office). Rules already off are left alone; the hidden delegate rules, which
    /// Exchange refuses to disable, are ignored.
    pub async fn disable_inbox_rules(&self, user: &UserRef) -> Result<StepOutcome, ActionError> {
        let upn = &user.user_principal_name;
        let rules = self
            .exchange
            .cmdlet("Get-InboxRule")
            .param("Mailbox", upn.as_str())
            .param("IncludeHidden", true)
            .anchor(Anchor::mailbox(upn.as_str()))
            .rows()
            .await
            .map_err(self.exchange_error("list inbox rules", upn))?;
        let mut disabled = Vec::new();
        let mut already = 0usize;
        let mut ignored = Vec::new();
        let mut failed = Vec::new();
        for rule in &rules {
            let name = rule.get("Name").and_then(Value::as_str).unwrap_or_default();
            if is_system_rule(name) {
                continue;
            }
            if rule.get("Enabled") == Some(&Value::Bool(false)) {
                already += 1;
                continue;
            }
            let identity = rule.get("Identity").and_then(Value::as_str).unwrap_or(name);
            let result = self
                .exchange
                .cmdlet("Disable-InboxRule")
                .param("Identity", identity)
                .param("Mailbox", upn.as_str())
                .param("Confirm", false)
                .anchor(Anchor::mailbox(upn.as_str()))
                .invoke()
                .await;
            match result {
                Ok(_) => disabled.push(json!(name)),
                Err(_) if name.starts_with(DELEGATE_RULE_PREFIX) => ignored.push(json!(name)),
                Err(e) => failed.push(json!({"rule": name, "error": e.to_string()})),
            }
        }
        let detail = json!({"disabled": disabled, "alreadyDisabled": already,
            "ignored": ignored, "failed": failed});
        let outcome = if !failed.is_empty() {
            StepOutcome::new(
                "disableInboxRules",
                StepState::Error,
                format!(
                    "Disabled {} inbox rule(s) of {upn}; {} could not be disabled",
                    disabled.len(),
                    failed.len()
                ),
            )
        } else if disabled.is_empty() {
            StepOutcome::new(
                "disableInboxRules",
                StepState::Info,
                format!("{upn} has no enabled inbox rules to disable"),
            )
        } else {
            StepOutcome::new(
                "disableInboxRules",
                StepState::Success,
                format!("Disabled {} inbox rule(s) of {upn}", disabled.len()),
            )
        };
        Ok(outcome.with_detail(detail))
    }

    /// Stop mailbox-level forwarding (`Set-Mailbox -ForwardingSmtpAddress $null
    /// -ForwardingAddress $null -DeliverToMailboxAndForward $false`). Nothing is written when
    /// the mailbox does not forward.
    pub async fn remove_mailbox_forwarding(
        &self,
        user: &UserRef,
    ) -> Result<StepOutcome, ActionError> {
        let upn = &user.user_principal_name;
        let mailbox = self
            .exchange
            .mailbox(upn)
            .await
            .map_err(self.exchange_error("read mailbox forwarding", upn))?;
        if !mailbox.forwards() {
            return Ok(StepOutcome::new(
                "removeForwarding",
                StepState::Info,
                format!("The mailbox of {upn} does not forward mail"),
            ));
        }
        self.exchange
            .cmdlet("Set-Mailbox")
            .param("Identity", upn.as_str())
            .param("ForwardingSmtpAddress", Value::Null)
            .param("ForwardingAddress", Value::Null)
            .param("DeliverToMailboxAndForward", false)
            .invoke()
            .await
            .map_err(self.exchange_error("remove mailbox forwarding", upn))?;
        Ok(StepOutcome::new(
            "removeForwarding",
            StepState::Success,
            format!("Mailbox forwarding of {upn} removed"),
        )
        .with_detail(json!({
            "forwardingSmtpAddress": mailbox.forwarding_smtp_address,
            "forwardingAddress": mailbox.forwarding_address,
        })))
    }
}

/// Exchange's own rules (junk e-mail, out of office), which are never touched.
pub fn is_system_rule(name: &str) -> bool {
    SYSTEM_RULE_NAMES
        .iter()
        .any(|n| n.eq_ignore_ascii_case(name))
        || name.starts_with(OOF_RULE_PREFIX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_passwords_meet_entra_complexity() {
        for _ in 0..200 {
            let p = GeneratedPassword::generate(16);
            let s = p.expose();
            assert_eq!(s.chars().count(), 16);
            assert!(s.chars().any(|c| c.is_ascii_uppercase()));
            assert!(s.chars().any(|c| c.is_ascii_lowercase()));
            assert!(s.chars().any(|c| c.is_ascii_digit()));
            assert!(s.chars().any(|c| !c.is_ascii_alphanumeric()));
        }
        assert_eq!(GeneratedPassword::generate(3).expose().len(), 12);
        assert_ne!(
            GeneratedPassword::generate(16),
            GeneratedPassword::generate(16)
        );
    }

    #[test]
    fn passwords_never_print() {
        let p = GeneratedPassword::generate(20);
        let reset = PasswordReset {
            outcome: StepOutcome::new("resetPassword", StepState::Success, "ok"),
            password: Some(p.clone()),
        };
        let shown = format!("{p} {p:?} {reset:?}");
        assert!(!shown.contains(p.expose()), "{shown}");
        assert!(shown.contains("redacted"));
    }

    #[test]
    fn method_types_map_to_their_endpoints() {
        let m = |t: &str| AuthenticationMethod {
            id: "x".into(),
            odata_type: format!("#microsoft.graph.{t}"),
            created_date_time: None,
            extra: Map::new(),
        };
        assert_eq!(
            m("phoneAuthenticationMethod").collection(),
            Some("phoneMethods")
        );
        assert_eq!(
            m("microsoftAuthenticatorAuthenticationMethod").collection(),
            Some("microsoftAuthenticatorMethods")
        );
        assert!(m("passwordAuthenticationMethod").is_password());
        assert_eq!(m("passwordAuthenticationMethod").collection(), None);
        assert_eq!(m("somethingNew").collection(), None);
    }

    #[test]
    fn system_rules_are_recognised() {
        assert!(is_system_rule("Junk E-Mail Rule"));
        assert!(is_system_rule("Microsoft.Exchange.OOF.KnownSenders.Rule"));
        assert!(!is_system_rule("Forward to me"));
    }
}
