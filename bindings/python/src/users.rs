//! `tenant.users` (user management) and `tenant.offboarding` (CIPP's offboarding). Results are
//! plain dicts; destructive calls need `confirm=True`.

use std::future::Future;
use std::sync::Arc;

use cipp::actions::offboard::OffboardOptions;
use cipp::actions::security::{MethodSelection, ResetPasswordOptions};
use cipp::actions::users::{
    AliasChange, AutoReplyAudience, AutoReplyState, ClearableField, Forwarding,
    GroupMembershipEdit, LicenceCatalogue, LicenceChange, MailboxKind, MailboxRight, NewUser,
    OutOfOffice, TapOptions, UserActions, UserEdit,
};
use cipp::actions::ActionError;
use cipp::core::ExposeSecret;
use cipp::Error;
use pyo3::prelude::*;
use serde::Serialize;
use serde_json::{json, Map, Value};

use crate::client::Core;
use crate::convert;
use crate::errors::IntoPy;
use crate::runtime::block_on;

fn dict<T: Serialize>(py: Python<'_>, value: &T) -> PyResult<Py<PyAny>> {
    convert::to_py(py, &serde_json::to_value(value).unwrap_or_default())
}

fn act<T>(r: Result<T, ActionError>) -> PyResult<T> {
    r.map_err(Error::from).py_err()
}

fn invalid<T>(field: &str, message: impl Into<String>) -> PyResult<T> {
    Err::<T, Error>(Error::invalid_input(field, message)).py_err()
}

/// Other Graph properties from a dict (`extra=`), or none.
fn extra_properties(extra: Option<&Bound<'_, PyAny>>) -> PyResult<Map<String, Value>> {
    match extra.map(|e| convert::from_py(e, "extra")).transpose()? {
        None | Some(Value::Null) => Ok(Map::new()),
        Some(Value::Object(m)) => Ok(m),
        Some(_) => invalid("extra", "must be a dict of Graph properties"),
    }
}

/// Profile fields named in `clear=` (snake_case or Graph's camelCase, any case).
fn clearable(names: &[String]) -> PyResult<Vec<ClearableField>> {
    let mut out = Vec::with_capacity(names.len());
    for (i, name) in names.iter().enumerate() {
        let key = name.replace('_', "");
        match ClearableField::ALL
            .into_iter()
            .find(|f| f.property().eq_ignore_ascii_case(&key))
        {
            Some(f) => out.push(f),
            None => {
                let all: Vec<&str> = ClearableField::ALL.iter().map(|f| f.property()).collect();
                return invalid(
                    &format!("clear[{i}]"),
                    format!("'{name}' cannot be cleared; these can: {}", all.join(", ")),
                );
            }
        }
    }
    Ok(out)
}

/// `FullAccess`, `SendAs` or `SendOnBehalf` (any case; `full_access`, `send-as` work too).
fn mailbox_right(name: &str, automap: bool) -> PyResult<MailboxRight> {
    let key = name
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .collect::<String>()
        .to_ascii_lowercase();
    match key.as_str() {
        "fullaccess" => Ok(MailboxRight::FullAccess { automap }),
        "sendas" => Ok(MailboxRight::SendAs),
        "sendonbehalf" | "sendonbehalfof" => Ok(MailboxRight::SendOnBehalf),
        _ => invalid(
            "right",
            format!("'{name}' is not 'FullAccess', 'SendAs' or 'SendOnBehalf'"),
        ),
    }
}

/// User management in one tenant.
#[pyclass(module = "cipp._native", frozen)]
pub struct Users {
    core: Arc<Core>,
    tenant: String,
}

impl Users {
    pub fn new(core: Arc<Core>, tenant: String) -> Self {
        Users { core, tenant }
    }

    /// Run one `UserActions` call with the GIL released; an `ActionError` becomes the
    /// matching Python exception.
    fn run<T, F, Fut>(&self, py: Python<'_>, call: F) -> PyResult<T>
    where
        F: FnOnce(UserActions) -> Fut,
        Fut: Future<Output = Result<T, ActionError>> + Send,
        T: Send,
    {
        let users = self.core.cipp()?.tenant(self.tenant.clone()).users();
        act(block_on(py, call(users))?)
    }
}

#[pymethods]
impl Users {
    /// One user (UPN or id) as Graph has it.
    fn get(&self, py: Python<'_>, user: String) -> PyResult<Py<PyAny>> {
        let out = self.run(py, |u| async move { u.get(&user).await })?;
        dict(py, &out)
    }

    /// Create a user. Without `password` a strong one is generated and returned once as
    /// `password` in the result.
    #[pyo3(signature = (display_name, username, domain, *, password=None, given_name=None, surname=None, usage_location=None, job_title=None, department=None, must_change_password=None, licences=Vec::new(), extra=None))]
    #[allow(clippy::too_many_arguments)]
    fn create(
        &self,
        py: Python<'_>,
        display_name: String,
        username: String,
        domain: String,
        password: Option<String>,
        given_name: Option<String>,
        surname: Option<String>,
        usage_location: Option<String>,
        job_title: Option<String>,
        department: Option<String>,
        must_change_password: Option<bool>,
        licences: Vec<String>,
        extra: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Py<PyAny>> {
        let extra = extra_properties(extra)?;
        let new = NewUser {
            display_name,
            username,
            domain,
            given_name,
            surname,
            password: password.map(Into::into),
            must_change_password,
            usage_location,
            job_title,
            department,
            licences,
            extra,
        };
        let created = self.run(py, |u| async move { u.create(new).await })?;
        let mut v = json!({"user": created.user});
        if let Some(p) = &created.password {
            v["password"] = Value::String(p.expose_secret().to_string());
        }
        convert::to_py(py, &v)
    }

    /// Block sign-in (a warning for directory-synced users).
    fn block_sign_in(&self, py: Python<'_>, user: String) -> PyResult<Py<PyAny>> {
        let out = self.run(py, |u| async move { u.block_sign_in(&user).await })?;
        dict(py, &out)
    }

    /// Allow sign-in again.
    fn unblock_sign_in(&self, py: Python<'_>, user: String) -> PyResult<Py<PyAny>> {
        let out = self.run(py, |u| async move { u.unblock_sign_in(&user).await })?;
        dict(py, &out)
    }

    /// Sign the user out of every session.
    fn revoke_sessions(&self, py: Python<'_>, user: String) -> PyResult<Py<PyAny>> {
        let out = self.run(py, |u| async move { u.revoke_sessions(&user).await })?;
        dict(py, &out)
    }

    /// Set a generated strong password (the user changes it at next sign-in unless
    /// `force_change=False`). The password is in the result only with `reveal=True`.
    #[pyo3(signature = (user, *, reveal=false, force_change=true))]
    fn reset_password(
        &self,
        py: Python<'_>,
        user: String,
        reveal: bool,
        force_change: bool,
    ) -> PyResult<Py<PyAny>> {
        let options = ResetPasswordOptions {
            reveal_password: reveal,
            force_change_next_sign_in: force_change,
            ..ResetPasswordOptions::default()
        };
        let out = self.run(
            py,
            |u| async move { u.reset_password(&user, &options).await },
        )?;
        let mut v = serde_json::to_value(&out.outcome).unwrap_or_default();
        if let Some(p) = &out.password {
            v["password"] = Value::String(p.expose().to_string());
        }
        convert::to_py(py, &v)
    }

    /// Remove every MFA method but the password, or only `method_id`.
    #[pyo3(signature = (user, *, method_id=None))]
    fn remove_mfa_methods(
        &self,
        py: Python<'_>,
        user: String,
        method_id: Option<String>,
    ) -> PyResult<Py<PyAny>> {
        let which = method_id.map_or(MethodSelection::All, MethodSelection::One);
        let out = self.run(
            py,
            |u| async move { u.remove_mfa_methods(&user, &which).await },
        )?;
        dict(py, &out)
    }

    /// Issue a Temporary Access Pass; the result holds the pass (`temporaryAccessPass`).
    #[pyo3(signature = (user, *, lifetime_minutes=None, usable_once=false, start=None))]
    fn create_tap(
        &self,
        py: Python<'_>,
        user: String,
        lifetime_minutes: Option<u32>,
        usable_once: bool,
        start: Option<String>,
    ) -> PyResult<Py<PyAny>> {
        let options = TapOptions {
            lifetime_minutes,
            usable_once,
            start,
        };
        let tap = self.run(py, |u| async move { u.create_tap(&user, &options).await })?;
        convert::to_py(
            py,
            &json!({
                "temporaryAccessPass": tap.pass.expose_secret(),
                "methodId": tap.method_id,
                "lifetimeInMinutes": tap.lifetime_minutes,
                "startDateTime": tap.start_date_time,
                "isUsableOnce": tap.is_usable_once,
            }),
        )
    }

    /// Add and remove licences (SKU part numbers or ids) in one call; returns the SKU ids
    /// the user holds afterwards. With `catalogue`, the path of CIPP's `ConversionTable.csv`,
    /// licences can also be named by product name ("Microsoft 365 E3").
    #[pyo3(signature = (user, *, add=Vec::new(), remove=Vec::new(), catalogue=None))]
    fn set_licences(
        &self,
        py: Python<'_>,
        user: String,
        add: Vec<String>,
        remove: Vec<String>,
        catalogue: Option<std::path::PathBuf>,
    ) -> PyResult<Vec<String>> {
        let catalogue = match catalogue {
            None => None,
            Some(path) => {
                let text = match std::fs::read_to_string(&path) {
                    Ok(t) => t,
                    Err(e) => {
                        return invalid(
                            "catalogue",
                            format!("could not read '{}': {e}", path.display()),
                        )
                    }
                };
                Some(act(LicenceCatalogue::from_csv(&text))?)
            }
        };
        let change = LicenceChange { add, remove };
        self.run(py, |u| async move {
            u.set_licences(&user, &change, catalogue.as_ref()).await
        })
    }

    /// Convert the mailbox to `shared` or `regular`.
    fn convert_mailbox(&self, py: Python<'_>, user: String, kind: &str) -> PyResult<()> {
        let kind = match kind.to_ascii_lowercase().as_str() {
            "shared" => MailboxKind::Shared,
            "regular" | "user" => MailboxKind::Regular,
            other => {
                return Err(Error::invalid_input(
                    "kind",
                    format!("'{other}' is not 'shared' or 'regular'"),
                ))
                .py_err()
            }
        };
        self.run(py, |u| async move { u.convert_mailbox(&user, kind).await })
    }

    /// Forward mail to `to` (a mailbox in the tenant) or `external` (an address outside);
    /// neither turns forwarding off.
    #[pyo3(signature = (user, *, to=None, external=None, keep_copy=true))]
    fn set_forwarding(
        &self,
        py: Python<'_>,
        user: String,
        to: Option<String>,
        external: Option<String>,
        keep_copy: bool,
    ) -> PyResult<()> {
        let forwarding = match (to, external) {
            (Some(to), None) => Forwarding::Internal { to, keep_copy },
            (None, Some(address)) => Forwarding::External { address, keep_copy },
            (None, None) => Forwarding::Disabled,
            (Some(_), Some(_)) => {
                return Err(Error::invalid_input(
                    "to",
                    "give `to` or `external`, not both",
                ))
                .py_err()
            }
        };
        self.run(
            py,
            |u| async move { u.set_forwarding(&user, &forwarding).await },
        )
    }

    /// Delete the user to the recycle bin (restorable for 30 days). Refused unless
    /// `confirm=True`.
    #[pyo3(signature = (user, *, confirm=false))]
    fn delete(&self, py: Python<'_>, user: String, confirm: bool) -> PyResult<()> {
        self.run(py, |u| async move { u.delete(&user, confirm).await })
    }

    /// Users in the recycle bin.
    fn deleted(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        let out = self.run(py, |u| async move { u.deleted_users().await })?;
        dict(py, &out)
    }

    /// Restore a deleted user by id.
    fn restore(&self, py: Python<'_>, id: String) -> PyResult<Py<PyAny>> {
        let out = self.run(py, |u| async move { u.restore(&id).await })?;
        dict(py, &out)
    }

    /// Delete a user from the recycle bin for good, by id. Refused unless `confirm=True`.
    #[pyo3(signature = (id, *, confirm=false))]
    fn purge_deleted(&self, py: Python<'_>, id: String, confirm: bool) -> PyResult<()> {
        self.run(py, |u| async move { u.purge_deleted(&id, confirm).await })
    }

    /// Edit profile fields (CIPP's EditUser). A field left `None` or empty is left alone;
    /// fields named in `clear` (e.g. `["job_title", "business_phones"]`) are cleared; `extra`
    /// holds other Graph properties. Returns the Graph properties sent (none when nothing
    /// changed).
    #[pyo3(signature = (user, *, given_name=None, surname=None, display_name=None, department=None, job_title=None, mobile_phone=None, street_address=None, city=None, state=None, postal_code=None, country=None, company_name=None, usage_location=None, business_phones=None, other_mails=None, must_change_password=None, clear=Vec::new(), extra=None))]
    #[allow(clippy::too_many_arguments)]
    fn edit(
        &self,
        py: Python<'_>,
        user: String,
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
        clear: Vec<String>,
        extra: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Vec<String>> {
        let edit = UserEdit {
            given_name,
            surname,
            display_name,
            department,
            job_title,
            mobile_phone,
            street_address,
            city,
            state,
            postal_code,
            country,
            company_name,
            usage_location,
            business_phones,
            other_mails,
            must_change_password,
            clear: clearable(&clear)?,
            extra: extra_properties(extra)?,
        };
        self.run(py, |u| async move { u.edit(&user, edit).await })
    }

    /// Change the sign-in name to `username@domain` (a verified domain); the mail nickname
    /// follows. Returns the new UPN.
    fn change_upn(
        &self,
        py: Python<'_>,
        user: String,
        username: String,
        domain: String,
    ) -> PyResult<String> {
        self.run(py, |u| async move {
            u.change_upn(&user, &username, &domain).await
        })
    }

    /// The user's manager, or `None`.
    fn manager(&self, py: Python<'_>, user: String) -> PyResult<Py<PyAny>> {
        let out = self.run(py, |u| async move { u.manager(&user).await })?;
        dict(py, &out)
    }

    /// Set the user's manager (UPN or id).
    fn set_manager(&self, py: Python<'_>, user: String, manager: String) -> PyResult<()> {
        self.run(
            py,
            |u| async move { u.set_manager(&user, Some(&manager)).await },
        )
    }

    /// Remove the user's manager (nothing to do when none is set).
    fn remove_manager(&self, py: Python<'_>, user: String) -> PyResult<()> {
        self.run(py, |u| async move { u.set_manager(&user, None).await })
    }

    /// Remove every licence; returns the SKU ids removed.
    fn remove_all_licences(&self, py: Python<'_>, user: String) -> PyResult<Vec<String>> {
        self.run(py, |u| async move { u.remove_all_licences(&user).await })
    }

    /// The user's mailbox as `Get-Mailbox` returns it.
    fn mailbox(&self, py: Python<'_>, user: String) -> PyResult<Py<PyAny>> {
        let out = self.run(py, |u| async move { u.mailbox(&user).await })?;
        convert::to_py(py, &out)
    }

    /// Add and remove aliases, or make an address the mailbox already has primary. Returns
    /// the addresses afterwards (`SMTP:` marks the primary).
    #[pyo3(signature = (user, *, add=Vec::new(), remove=Vec::new(), make_primary=None))]
    fn edit_aliases(
        &self,
        py: Python<'_>,
        user: String,
        add: Vec<String>,
        remove: Vec<String>,
        make_primary: Option<String>,
    ) -> PyResult<Vec<String>> {
        let change = AliasChange {
            add,
            remove,
            make_primary,
        };
        self.run(py, |u| async move { u.edit_aliases(&user, &change).await })
    }

    /// Turn the automatic reply `"enabled"`, `"disabled"` or `"scheduled"` (between `start`
    /// and `end`, ISO 8601). `internal_message` is needed unless disabled; `external_message`
    /// defaults to it; `external_audience` is `"all"` (default), `"known"` or `"none"`.
    #[pyo3(signature = (user, state, *, internal_message=None, external_message=None, external_audience="all", start=None, end=None))]
    #[allow(clippy::too_many_arguments)]
    fn set_out_of_office(
        &self,
        py: Python<'_>,
        user: String,
        state: &str,
        internal_message: Option<String>,
        external_message: Option<String>,
        external_audience: &str,
        start: Option<String>,
        end: Option<String>,
    ) -> PyResult<()> {
        let state = match state.to_ascii_lowercase().as_str() {
            "enabled" => AutoReplyState::Enabled,
            "disabled" => AutoReplyState::Disabled,
            "scheduled" => AutoReplyState::Scheduled {
                start: start.unwrap_or_default(),
                end: end.unwrap_or_default(),
            },
            other => {
                return invalid(
                    "state",
                    format!("'{other}' is not 'enabled', 'disabled' or 'scheduled'"),
                )
            }
        };
        let external_audience = match external_audience.to_ascii_lowercase().as_str() {
            "all" => AutoReplyAudience::All,
            "known" => AutoReplyAudience::Known,
            "none" => AutoReplyAudience::None,
            other => {
                return invalid(
                    "external_audience",
                    format!("'{other}' is not 'all', 'known' or 'none'"),
                )
            }
        };
        let ooo = OutOfOffice {
            state,
            internal_message,
            external_message,
            external_audience,
        };
        self.run(
            py,
            |u| async move { u.set_out_of_office(&user, &ooo).await },
        )
    }

    /// The automatic-reply configuration as Exchange reports it (`AutoReplyState`,
    /// `InternalMessage`, `ExternalMessage`, `StartTime`, `EndTime`, ...).
    fn out_of_office(&self, py: Python<'_>, user: String) -> PyResult<Py<PyAny>> {
        let out = self.run(py, |u| async move { u.out_of_office(&user).await })?;
        dict(py, &out)
    }

    /// Give `delegate` a right over `mailbox`: `"FullAccess"` (added to the delegate's Outlook
    /// unless `automap=False`), `"SendAs"` or `"SendOnBehalf"`.
    #[pyo3(signature = (mailbox, delegate, right, *, automap=true))]
    fn grant_mailbox_right(
        &self,
        py: Python<'_>,
        mailbox: String,
        delegate: String,
        right: &str,
        automap: bool,
    ) -> PyResult<()> {
        let right = mailbox_right(right, automap)?;
        self.run(py, |u| async move {
            u.grant_mailbox_right(&mailbox, &delegate, right).await
        })
    }

    /// Take a right over `mailbox` away from `delegate`.
    fn revoke_mailbox_right(
        &self,
        py: Python<'_>,
        mailbox: String,
        delegate: String,
        right: &str,
    ) -> PyResult<()> {
        let right = mailbox_right(right, true)?;
        self.run(py, |u| async move {
            u.revoke_mailbox_right(&mailbox, &delegate, right).await
        })
    }

    /// Full Access grants on `mailbox` (`Get-MailboxPermission`).
    fn mailbox_permissions(&self, py: Python<'_>, mailbox: String) -> PyResult<Py<PyAny>> {
        let out = self.run(py, |u| async move { u.mailbox_permissions(&mailbox).await })?;
        dict(py, &out)
    }

    /// Join groups (`add_to`), leave groups (`remove_from`) and join every assigned group
    /// `copy_from` (a user) is in. Groups are named by id, display name or mail address;
    /// security and Microsoft 365 groups change through Graph, distribution lists through
    /// Exchange. Returns one outcome per group (`detail["group"]`, `detail["via"]`); one
    /// failing group does not stop the others.
    #[pyo3(signature = (user, *, add_to=Vec::new(), remove_from=Vec::new(), copy_from=None))]
    fn edit_groups(
        &self,
        py: Python<'_>,
        user: String,
        add_to: Vec<String>,
        remove_from: Vec<String>,
        copy_from: Option<String>,
    ) -> PyResult<Py<PyAny>> {
        let edit = GroupMembershipEdit {
            add_to,
            remove_from,
            copy_from,
        };
        let out = self.run(py, |u| async move { u.edit_groups(&user, &edit).await })?;
        dict(py, &out)
    }

    /// Make `people` (UPNs) site collection administrators of the user's OneDrive, to hand
    /// its files over. A user without a OneDrive is a warning; each person failing is named
    /// in `detail["failed"]`.
    fn grant_onedrive_access(
        &self,
        py: Python<'_>,
        user: String,
        people: Vec<String>,
    ) -> PyResult<Py<PyAny>> {
        let out = self.run(py, |u| async move {
            u.grant_onedrive_access(&user, &people).await
        })?;
        dict(py, &out)
    }

    /// Take OneDrive administrator access away from `people`.
    fn revoke_onedrive_access(
        &self,
        py: Python<'_>,
        user: String,
        people: Vec<String>,
    ) -> PyResult<Py<PyAny>> {
        let out = self.run(py, |u| async move {
            u.revoke_onedrive_access(&user, &people).await
        })?;
        dict(py, &out)
    }

    /// Turn off external sharing of the user's OneDrive.
    fn disable_onedrive_sharing(&self, py: Python<'_>, user: String) -> PyResult<Py<PyAny>> {
        let out = self.run(
            py,
            |u| async move { u.disable_onedrive_sharing(&user).await },
        )?;
        dict(py, &out)
    }

    /// Hide the mailbox from the global address list (`hidden=False` shows it again).
    #[pyo3(signature = (user, hidden=true))]
    fn hide_from_address_lists(&self, py: Python<'_>, user: String, hidden: bool) -> PyResult<()> {
        self.run(py, |u| async move {
            u.hide_from_address_lists(&user, hidden).await
        })
    }
}

/// CIPP's offboarding in one tenant.
#[pyclass(module = "cipp._native", frozen)]
pub struct Offboarding {
    core: Arc<Core>,
    tenant: String,
}

impl Offboarding {
    pub fn new(core: Arc<Core>, tenant: String) -> Self {
        Offboarding { core, tenant }
    }
}

fn offboard_options(obj: &Bound<'_, PyAny>) -> PyResult<OffboardOptions> {
    act(OffboardOptions::from_value(&convert::from_py(
        obj, "options",
    )?))
}

#[pymethods]
impl Offboarding {
    /// The steps `options` select for `user`, in CIPP's order, with what each would do.
    /// Nothing is sent. Options are OffboardOptions' fields in snake_case or camelCase
    /// (`revoke_sessions`, `out_of_office`, `forward_to`, `delete_user`, `confirm`...).
    fn plan(&self, py: Python<'_>, user: &str, options: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        let options = offboard_options(options)?;
        let o = self.core.cipp()?.tenant(self.tenant.clone()).offboarding();
        dict(py, &act(o.plan(user, &options))?)
    }

    /// Run the selected steps in order; each step's outcome is in `steps`, and a failed step
    /// does not stop the rest. Destructive steps need `confirm: True` in the options. With
    /// `licence_removal_delay_minutes`, the licence step and those after it are `scheduled`
    /// and `followUps` holds the task that runs them (`Scheduler.add_follow_up` queues it).
    fn run(&self, py: Python<'_>, user: String, options: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        let options = offboard_options(options)?;
        let o = self.core.cipp()?.tenant(self.tenant.clone()).offboarding();
        let out = act(block_on(py, async move { o.run(&user, &options).await })?)?;
        dict(py, &out)
    }
}
