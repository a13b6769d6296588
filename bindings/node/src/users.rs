//! `tenant.users` (user management) and `tenant.offboarding` (CIPP's offboarding) as
//! promises resolving to plain objects; destructive calls need `confirm: true`.

use cipp::actions::offboard::OffboardOptions;
use cipp::actions::security::{MethodSelection, ResetPasswordOptions};
use cipp::actions::users::{
    AliasChange, AutoReplyAudience, AutoReplyState, ClearableField, Forwarding,
    GroupMembershipEdit, LicenceCatalogue, LicenceChange, MailboxKind, MailboxRight, NewUser,
    OutOfOffice, TapOptions, UserEdit,
};
use cipp::actions::ActionError;
use cipp::core::ExposeSecret;
use cipp::{Cipp, Error as CippError};
use napi::bindgen_prelude::*;
use napi_derive::napi;
use serde::Deserialize;
use serde_json::{json, Map, Value};

use crate::{invalid, OrJs};

/// Options objects are read with serde so a misspelt key is refused by name rather than
/// silently dropped (napi objects ignore keys they do not know).
fn read_options<T: serde::de::DeserializeOwned + Default>(
    what: &str,
    v: Option<Value>,
) -> Result<T> {
    match v {
        None | Some(Value::Null) => Ok(T::default()),
        Some(v) => serde_json::from_value(v).map_err(|e| invalid(what, e.to_string())),
    }
}

/// Options of `users.edit`: CIPP's EditUser fields in camelCase.
#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct EditArgs {
    given_name: Option<String>,
    surname: Option<String>,
    display_name: Option<String>,
    department: Option<String>,
    job_title: Option<String>,
    mobile_phone: Option<String>,
    street_address: Option<String>,
    city: Option<String>,
    state: Option<String>,
    postal_code: Option<String>,
    country: Option<String>,
    company_name: Option<String>,
    usage_location: Option<String>,
    business_phones: Option<Vec<String>>,
    other_mails: Option<Vec<String>>,
    must_change_password: Option<bool>,
    #[serde(default)]
    clear: Vec<String>,
    #[serde(default)]
    extra: Map<String, Value>,
}

/// Profile fields named in `clear` (Graph names, any case; `job_title` works too).
fn clearable(names: &[String]) -> Result<Vec<ClearableField>> {
    names
        .iter()
        .enumerate()
        .map(|(i, name)| {
            let key = name.replace('_', "");
            ClearableField::ALL
                .into_iter()
                .find(|f| f.property().eq_ignore_ascii_case(&key))
                .ok_or_else(|| {
                    let all: Vec<&str> = ClearableField::ALL.iter().map(|f| f.property()).collect();
                    invalid(
                        &format!("clear[{i}]"),
                        format!("'{name}' cannot be cleared; these can: {}", all.join(", ")),
                    )
                })
        })
        .collect()
}

/// Options of `users.editAliases`.
#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct AliasArgs {
    #[serde(default)]
    add: Vec<String>,
    #[serde(default)]
    remove: Vec<String>,
    make_primary: Option<String>,
}

/// Options of `users.editGroups`.
#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct GroupArgs {
    #[serde(default)]
    add_to: Vec<String>,
    #[serde(default)]
    remove_from: Vec<String>,
    copy_from: Option<String>,
}

/// Options of `users.setOutOfOffice`.
#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct OutOfOfficeArgs {
    state: Option<String>,
    start: Option<String>,
    end: Option<String>,
    internal_message: Option<String>,
    external_message: Option<String>,
    external_audience: Option<String>,
}

/// `enabled`, `disabled` or `scheduled` (with `start` and `end`); any case.
fn auto_reply_state(
    state: Option<&str>,
    start: Option<String>,
    end: Option<String>,
) -> Result<AutoReplyState> {
    let Some(state) = state else {
        return Err(invalid(
            "state",
            "is missing: 'enabled', 'disabled' or 'scheduled'",
        ));
    };
    match state.to_ascii_lowercase().as_str() {
        "enabled" => Ok(AutoReplyState::Enabled),
        "disabled" => Ok(AutoReplyState::Disabled),
        "scheduled" => Ok(AutoReplyState::Scheduled {
            start: start.unwrap_or_default(),
            end: end.unwrap_or_default(),
        }),
        other => Err(invalid(
            "state",
            format!("'{other}' is not 'enabled', 'disabled' or 'scheduled'"),
        )),
    }
}

/// `all`, `known` or `none`; any case.
fn audience(name: Option<&str>) -> Result<AutoReplyAudience> {
    match name.map(str::to_ascii_lowercase).as_deref() {
        None | Some("all") => Ok(AutoReplyAudience::All),
        Some("known") => Ok(AutoReplyAudience::Known),
        Some("none") => Ok(AutoReplyAudience::None),
        Some(other) => Err(invalid(
            "externalAudience",
            format!("'{other}' is not 'all', 'known' or 'none'"),
        )),
    }
}

/// `FullAccess`, `SendAs` or `SendOnBehalf` (any case, `-`/`_`/spaces ignored).
fn mailbox_right(name: &str, automap: bool) -> Result<MailboxRight> {
    let key: String = name
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .collect::<String>()
        .to_ascii_lowercase();
    match key.as_str() {
        "fullaccess" => Ok(MailboxRight::FullAccess { automap }),
        "sendas" => Ok(MailboxRight::SendAs),
        "sendonbehalf" | "sendonbehalfof" => Ok(MailboxRight::SendOnBehalf),
        _ => Err(invalid(
            "right",
            format!("'{name}' is not 'FullAccess', 'SendAs' or 'SendOnBehalf'"),
        )),
    }
}

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
    /// Other Graph user properties, sent as given.
    pub extra: Option<Map<String, Value>>,
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
            extra: options.extra.unwrap_or_default(),
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
    /// `catalogue` is the path of CIPP's `ConversionTable.csv`, so licences can also be named
    /// by product name ("Microsoft 365 E3").
    #[napi]
    pub async fn set_licences(
        &self,
        user: String,
        add: Option<Vec<String>>,
        remove: Option<Vec<String>>,
        catalogue: Option<String>,
    ) -> Result<Vec<String>> {
        let change = LicenceChange {
            add: add.unwrap_or_default(),
            remove: remove.unwrap_or_default(),
        };
        let catalogue = match catalogue {
            None => None,
            Some(path) => {
                let text = std::fs::read_to_string(&path)
                    .map_err(|e| invalid("catalogue", format!("could not read '{path}': {e}")))?;
                Some(act(LicenceCatalogue::from_csv(&text))?)
            }
        };
        act(self
            .users()
            .set_licences(&user, &change, catalogue.as_ref())
            .await)
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

    /// Edit profile fields (CIPP's EditUser): a field left out or empty is left alone; fields
    /// named in `clear` are cleared; `extra` holds other Graph properties. Resolves to the
    /// properties sent (none when there was nothing to change).
    #[napi]
    pub async fn edit(&self, user: String, options: Option<Value>) -> Result<Vec<String>> {
        let o: EditArgs = read_options("options", options)?;
        let edit = UserEdit {
            given_name: o.given_name,
            surname: o.surname,
            display_name: o.display_name,
            department: o.department,
            job_title: o.job_title,
            mobile_phone: o.mobile_phone,
            street_address: o.street_address,
            city: o.city,
            state: o.state,
            postal_code: o.postal_code,
            country: o.country,
            company_name: o.company_name,
            usage_location: o.usage_location,
            business_phones: o.business_phones,
            other_mails: o.other_mails,
            must_change_password: o.must_change_password,
            clear: clearable(&o.clear)?,
            extra: o.extra,
        };
        act(self.users().edit(&user, edit).await)
    }

    /// Change the sign-in name to `username@domain` (a verified domain); resolves to the new UPN.
    #[napi]
    pub async fn change_upn(
        &self,
        user: String,
        username: Option<String>,
        domain: Option<String>,
    ) -> Result<String> {
        let username = username.ok_or_else(|| invalid("username", "is missing"))?;
        let domain = domain.ok_or_else(|| invalid("domain", "is missing"))?;
        act(self.users().change_upn(&user, &username, &domain).await)
    }

    /// The user's manager, or null.
    #[napi]
    pub async fn manager(&self, user: String) -> Result<Value> {
        Ok(json(&act(self.users().manager(&user).await)?))
    }

    /// Set the user's manager (UPN or id).
    #[napi]
    pub async fn set_manager(&self, user: String, manager: String) -> Result<()> {
        act(self.users().set_manager(&user, Some(&manager)).await)
    }

    /// Remove the user's manager (nothing to do when none is set).
    #[napi]
    pub async fn remove_manager(&self, user: String) -> Result<()> {
        act(self.users().set_manager(&user, None).await)
    }

    /// Remove every licence; resolves to the SKU ids removed.
    #[napi]
    pub async fn remove_all_licences(&self, user: String) -> Result<Vec<String>> {
        act(self.users().remove_all_licences(&user).await)
    }

    /// The user's mailbox as `Get-Mailbox` returns it.
    #[napi]
    pub async fn mailbox(&self, user: String) -> Result<Value> {
        act(self.users().mailbox(&user).await)
    }

    /// Add and remove aliases, or make an address primary; resolves to the mailbox's
    /// addresses afterwards (`SMTP:` marks the primary).
    #[napi]
    pub async fn edit_aliases(&self, user: String, options: Option<Value>) -> Result<Vec<String>> {
        let o: AliasArgs = read_options("options", options)?;
        let change = AliasChange {
            add: o.add,
            remove: o.remove,
            make_primary: o.make_primary,
        };
        act(self.users().edit_aliases(&user, &change).await)
    }

    /// Turn the automatic reply on, off or on between two times.
    #[napi]
    pub async fn set_out_of_office(&self, user: String, options: Option<Value>) -> Result<()> {
        let o: OutOfOfficeArgs = read_options("options", options)?;
        let ooo = OutOfOffice {
            state: auto_reply_state(o.state.as_deref(), o.start, o.end)?,
            internal_message: o.internal_message,
            external_message: o.external_message,
            external_audience: audience(o.external_audience.as_deref())?,
        };
        act(self.users().set_out_of_office(&user, &ooo).await)
    }

    /// The automatic-reply configuration as Exchange reports it.
    #[napi]
    pub async fn out_of_office(&self, user: String) -> Result<Value> {
        Ok(json(&act(self.users().out_of_office(&user).await)?))
    }

    /// Give `delegate` a right over `mailbox`: `FullAccess` (with `automap`, default true),
    /// `SendAs` or `SendOnBehalf`.
    #[napi]
    pub async fn grant_mailbox_right(
        &self,
        mailbox: String,
        delegate: String,
        right: String,
        automap: Option<bool>,
    ) -> Result<()> {
        let right = mailbox_right(&right, automap.unwrap_or(true))?;
        act(self
            .users()
            .grant_mailbox_right(&mailbox, &delegate, right)
            .await)
    }

    /// Take a right over `mailbox` away from `delegate`.
    #[napi]
    pub async fn revoke_mailbox_right(
        &self,
        mailbox: String,
        delegate: String,
        right: String,
    ) -> Result<()> {
        let right = mailbox_right(&right, true)?;
        act(self
            .users()
            .revoke_mailbox_right(&mailbox, &delegate, right)
            .await)
    }

    /// Full Access grants on `mailbox` (`Get-MailboxPermission`).
    #[napi]
    pub async fn mailbox_permissions(&self, mailbox: String) -> Result<Value> {
        Ok(Value::Array(act(self
            .users()
            .mailbox_permissions(&mailbox)
            .await)?))
    }

    /// Join groups (`addTo`), leave groups (`removeFrom`) and join every assigned group
    /// `copyFrom` (a user) is in; groups by id, display name or mail address. Resolves to one
    /// outcome per group (`detail.group`, `detail.via`: `graph` or `exchange`).
    #[napi]
    pub async fn edit_groups(&self, user: String, options: Option<Value>) -> Result<Value> {
        let o: GroupArgs = read_options("options", options)?;
        let edit = GroupMembershipEdit {
            add_to: o.add_to,
            remove_from: o.remove_from,
            copy_from: o.copy_from,
        };
        Ok(json(&act(self.users().edit_groups(&user, &edit).await)?))
    }

    /// Make `people` (UPNs) site collection administrators of the user's OneDrive.
    #[napi]
    pub async fn grant_onedrive_access(&self, user: String, people: Vec<String>) -> Result<Value> {
        Ok(json(&act(self
            .users()
            .grant_onedrive_access(&user, &people)
            .await)?))
    }

    /// Take OneDrive administrator access away from `people`.
    #[napi]
    pub async fn revoke_onedrive_access(&self, user: String, people: Vec<String>) -> Result<Value> {
        Ok(json(&act(self
            .users()
            .revoke_onedrive_access(&user, &people)
            .await)?))
    }

    /// Turn off external sharing of the user's OneDrive.
    #[napi]
    pub async fn disable_onedrive_sharing(&self, user: String) -> Result<Value> {
        Ok(json(&act(self
            .users()
            .disable_onedrive_sharing(&user)
            .await)?))
    }

    /// Hide the mailbox from the global address list (`hidden: false` shows it again).
    #[napi]
    pub async fn hide_from_address_lists(&self, user: String, hidden: Option<bool>) -> Result<()> {
        act(self
            .users()
            .hide_from_address_lists(&user, hidden.unwrap_or(true))
            .await)
    }

    /// Delete a user from the recycle bin for good, by id; rejects unless `confirm` is true.
    #[napi]
    pub async fn purge_deleted(&self, id: String, confirm: Option<bool>) -> Result<()> {
        act(self
            .users()
            .purge_deleted(&id, confirm.unwrap_or(false))
            .await)
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

    /// Run the selected steps in order, each step's outcome recorded. With
    /// `licenceRemovalDelayMinutes`, the licence step and those after it are `scheduled` and
    /// `followUps` holds the task that runs them (`Scheduler.addFollowUp` queues it).
    #[napi]
    pub async fn run(&self, user: String, options: Value) -> Result<Value> {
        let options = act(OffboardOptions::from_value(&options))?;
        let o = self.cipp.tenant(self.tenant.clone()).offboarding();
        Ok(json(&act(o.run(&user, &options).await)?))
    }
}
