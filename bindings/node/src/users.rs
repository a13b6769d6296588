//! `tenant.users` (user management) and `tenant.offboarding` (CIPP's offboarding) as
//! promises resolving to plain objects; destructive calls need `confirm: true`.

use cipp::actions::offboard::OffboardOptions;
use cipp::actions::security::{MethodSelection, ResetPasswordOptions};
use cipp::actions::users::{Forwarding, LicenceChange, MailboxKind, NewUser, TapOptions};
use cipp::actions::ActionError;
use cipp::core::ExposeSecret;
use cipp::{Cipp, Error as CippError};
use napi::bindgen_prelude::*;
use napi_derive::napi;
use serde_json::{json, Value};

use crate::{invalid, OrJs};

fn act<T>(r: std::result::Result<T, ActionError>) -> Result<T> {
    r.map_err(CippError::from).js()
}

fn json<T: serde::Serialize>(v: &T) -> Value {
    serde_json::to_value(v).unwrap_or_default()
}

/// Options of `users.create`.
#[napi(object)]
pub struct NewUserOptions {
    pub display_name: String,
    /// The part before `@`.
    pub username: String,
    /// A verified domain of the tenant.
    pub domain: String,
    /// Omit to generate a strong one (returned once as `password`).
    pub password: Option<String>,
    pub given_name: Option<String>,
    pub surname: Option<String>,
    /// Two-letter country code.
    pub usage_location: Option<String>,
    pub job_title: Option<String>,
    pub department: Option<String>,
    pub must_change_password: Option<bool>,
    /// SKU part numbers or ids.
    pub licences: Option<Vec<String>>,
}

/// Options of `users.createTap`.
#[napi(object)]
pub struct TapArgs {
    pub lifetime_minutes: Option<u32>,
    pub usable_once: Option<bool>,
    /// ISO 8601, a date, or unix seconds.
    pub start: Option<String>,
}

/// Options of `users.setForwarding`: `to` (in the tenant) or `external`; neither turns it off.
#[napi(object)]
pub struct ForwardingArgs {
    pub to: Option<String>,
    pub external: Option<String>,
    pub keep_copy: Option<bool>,
}

/// User management in one tenant.
#[napi]
pub struct Users {
    pub(crate) cipp: Cipp,
    pub(crate) tenant: String,
}

impl Users {
    fn users(&self) -> cipp::actions::users::UserActions {
        self.cipp.tenant(self.tenant.clone()).users()
    }
}

#[napi]
impl Users {
    /// One user (UPN or id) as Graph has it.
    #[napi]
    pub async fn get(&self, user: String) -> Result<Value> {
        Ok(json(&act(self.users().get(&user).await)?))
    }

    /// Create a user; a generated password comes back once as `password`.
    #[napi]
    pub async fn create(&self, options: NewUserOptions) -> Result<Value> {
        let new = NewUser {
            display_name: options.display_name,
            username: options.username,
            domain: options.domain,
            password: options.password.map(Into::into),
            given_name: options.given_name,
            surname: options.surname,
            usage_location: options.usage_location,
            job_title: options.job_title,
            department: options.department,
            must_change_password: options.must_change_password,
            licences: options.licences.unwrap_or_default(),
            ..NewUser::default()
        };
        let created = act(self.users().create(new).await)?;
        let mut v = json!({"user": created.user});
        if let Some(p) = &created.password {
            v["password"] = Value::String(p.expose_secret().to_string());
        }
        Ok(v)
    }

    /// Block sign-in.
    #[napi]
    pub async fn block_sign_in(&self, user: String) -> Result<Value> {
        Ok(json(&act(self.users().block_sign_in(&user).await)?))
    }

    /// Allow sign-in again.
    #[napi]
    pub async fn unblock_sign_in(&self, user: String) -> Result<Value> {
        Ok(json(&act(self.users().unblock_sign_in(&user).await)?))
    }

    /// Sign the user out of every session.
    #[napi]
    pub async fn revoke_sessions(&self, user: String) -> Result<Value> {
        Ok(json(&act(self.users().revoke_sessions(&user).await)?))
    }

    /// Set a generated strong password; it is returned only with `reveal: true`.
    #[napi]
    pub async fn reset_password(&self, user: String, options: Option<Value>) -> Result<Value> {
        let o = options.unwrap_or(Value::Null);
        let options = ResetPasswordOptions {
            reveal_password: o["reveal"].as_bool().unwrap_or(false),
            force_change_next_sign_in: o["forceChange"].as_bool().unwrap_or(true),
            ..ResetPasswordOptions::default()
        };
        let out = act(self.users().reset_password(&user, &options).await)?;
        let mut v = json(&out.outcome);
        if let Some(p) = &out.password {
            v["password"] = Value::String(p.expose().to_string());
        }
        Ok(v)
    }

    /// Remove every MFA method but the password, or only `methodId`.
    #[napi]
    pub async fn remove_mfa_methods(
        &self,
        user: String,
        method_id: Option<String>,
    ) -> Result<Value> {
        let which = method_id.map_or(MethodSelection::All, MethodSelection::One);
        Ok(json(&act(self
            .users()
            .remove_mfa_methods(&user, &which)
            .await)?))
    }

    /// Issue a Temporary Access Pass (`temporaryAccessPass` in the result).
    #[napi]
    pub async fn create_tap(&self, user: String, options: Option<TapArgs>) -> Result<Value> {
        let options = match options {
            Some(o) => TapOptions {
                lifetime_minutes: o.lifetime_minutes,
                usable_once: o.usable_once.unwrap_or(false),
                start: o.start,
            },
            None => TapOptions::default(),
        };
        let tap = act(self.users().create_tap(&user, &options).await)?;
        Ok(json!({
            "temporaryAccessPass": tap.pass.expose_secret(),
            "methodId": tap.method_id,
            "lifetimeInMinutes": tap.lifetime_minutes,
            "startDateTime": tap.start_date_time,
            "isUsableOnce": tap.is_usable_once,
        }))
    }

    /// Add and remove licences in one call; resolves to the SKU ids held afterwards.
    #[napi]
    pub async fn set_licences(
        &self,
        user: String,
        add: Option<Vec<String>>,
        remove: Option<Vec<String>>,
    ) -> Result<Vec<String>> {
        let change = LicenceChange {
            add: add.unwrap_or_default(),
            remove: remove.unwrap_or_default(),
        };
        act(self.users().set_licences(&user, &change, None).await)
    }

    /// Convert the mailbox to `shared` or `regular`.
    #[napi]
    pub async fn convert_mailbox(&self, user: String, kind: String) -> Result<()> {
        let kind = match kind.to_ascii_lowercase().as_str() {
            "shared" => MailboxKind::Shared,
            "regular" | "user" => MailboxKind::Regular,
            other => {
                return Err(invalid(
                    "kind",
                    format!("'{other}' is not 'shared' or 'regular'"),
                ))
            }
        };
        act(self.users().convert_mailbox(&user, kind).await)
    }

    /// Forward mail (`to` a mailbox in the tenant or `external`), or turn forwarding off.
    #[napi]
    pub async fn set_forwarding(
        &self,
        user: String,
        options: Option<ForwardingArgs>,
    ) -> Result<()> {
        let (to, external, keep_copy) = match options {
            Some(o) => (o.to, o.external, o.keep_copy.unwrap_or(true)),
            None => (None, None, true),
        };
        let forwarding = match (to, external) {
            (Some(to), None) => Forwarding::Internal { to, keep_copy },
            (None, Some(address)) => Forwarding::External { address, keep_copy },
            (None, None) => Forwarding::Disabled,
            (Some(_), Some(_)) => return Err(invalid("to", "give `to` or `external`, not both")),
        };
        act(self.users().set_forwarding(&user, &forwarding).await)
    }

    /// Delete the user to the recycle bin; rejects unless `confirm` is true.
    #[napi]
    pub async fn delete(&self, user: String, confirm: Option<bool>) -> Result<()> {
        act(self.users().delete(&user, confirm.unwrap_or(false)).await)
    }

    /// Users in the recycle bin.
    #[napi]
    pub async fn deleted(&self) -> Result<Value> {
        Ok(json(&act(self.users().deleted_users().await)?))
    }

    /// Restore a deleted user by id.
    #[napi]
    pub async fn restore(&self, id: String) -> Result<Value> {
        Ok(json(&act(self.users().restore(&id).await)?))
    }
}

/// CIPP's offboarding in one tenant.
#[napi]
pub struct Offboarding {
    pub(crate) cipp: Cipp,
    pub(crate) tenant: String,
}

#[napi]
impl Offboarding {
    /// The steps `options` select for `user`, in CIPP's order; nothing is sent.
    #[napi]
    pub fn plan(&self, user: String, options: Value) -> Result<Value> {
        let options = act(OffboardOptions::from_value(&options))?;
        let o = self.cipp.tenant(self.tenant.clone()).offboarding();
        Ok(json(&act(o.plan(&user, &options))?))
    }

    /// Run the selected steps in order, each step's outcome recorded.
    #[napi]
    pub async fn run(&self, user: String, options: Value) -> Result<Value> {
        let options = act(OffboardOptions::from_value(&options))?;
        let o = self.cipp.tenant(self.tenant.clone()).offboarding();
        Ok(json(&act(o.run(&user, &options).await)?))
    }
}
