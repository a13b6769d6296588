//! `tenant.users` (user management) and `tenant.offboarding` (CIPP's offboarding). Results are
//! plain dicts; destructive calls need `confirm=True`.

use std::sync::Arc;

use cipp::actions::offboard::OffboardOptions;
use cipp::actions::security::{MethodSelection, ResetPasswordOptions};
use cipp::actions::users::{Forwarding, LicenceChange, MailboxKind, NewUser, TapOptions};
use cipp::actions::ActionError;
use cipp::core::ExposeSecret;
use cipp::Error;
use pyo3::prelude::*;
use serde::Serialize;
use serde_json::{json, Value};

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

    fn users(&self) -> PyResult<cipp::actions::users::UserActions> {
        Ok(self.core.cipp()?.tenant(self.tenant.clone()).users())
    }
}

#[pymethods]
impl Users {
    /// One user (UPN or id) as Graph has it.
    fn get(&self, py: Python<'_>, user: String) -> PyResult<Py<PyAny>> {
        let u = self.users()?;
        let out = act(block_on(py, async move { u.get(&user).await })?)?;
        dict(py, &out)
    }

    /// Create a user. Without `password` a strong one is generated and returned once as
    /// `password` in the result.
    #[pyo3(signature = (display_name, username, domain, *, password=None, given_name=None, surname=None, usage_location=None, job_title=None, department=None, must_change_password=None, licences=Vec::new()))]
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
    ) -> PyResult<Py<PyAny>> {
        let u = self.users()?;
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
            ..NewUser::default()
        };
        let created = act(block_on(py, async move { u.create(new).await })?)?;
        let mut v = json!({"user": created.user});
        if let Some(p) = &created.password {
            v["password"] = Value::String(p.expose_secret().to_string());
        }
        convert::to_py(py, &v)
    }

    /// Block sign-in (a warning for directory-synced users).
    fn block_sign_in(&self, py: Python<'_>, user: String) -> PyResult<Py<PyAny>> {
        let u = self.users()?;
        let out = act(block_on(py, async move { u.block_sign_in(&user).await })?)?;
        dict(py, &out)
    }

    /// Allow sign-in again.
    fn unblock_sign_in(&self, py: Python<'_>, user: String) -> PyResult<Py<PyAny>> {
        let u = self.users()?;
        let out = act(block_on(py, async move { u.unblock_sign_in(&user).await })?)?;
        dict(py, &out)
    }

    /// Sign the user out of every session.
    fn revoke_sessions(&self, py: Python<'_>, user: String) -> PyResult<Py<PyAny>> {
        let u = self.users()?;
        let out = act(block_on(py, async move { u.revoke_sessions(&user).await })?)?;
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
        let u = self.users()?;
        let options = ResetPasswordOptions {
            reveal_password: reveal,
            force_change_next_sign_in: force_change,
            ..ResetPasswordOptions::default()
        };
        let out = act(block_on(py, async move {
            u.reset_password(&user, &options).await
        })?)?;
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
        let u = self.users()?;
        let which = method_id.map_or(MethodSelection::All, MethodSelection::One);
        let out = act(block_on(py, async move {
            u.remove_mfa_methods(&user, &which).await
        })?)?;
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
        let u = self.users()?;
        let options = TapOptions {
            lifetime_minutes,
            usable_once,
            start,
        };
        let tap = act(block_on(
            py,
            async move { u.create_tap(&user, &options).await },
        )?)?;
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
    /// the user holds afterwards.
    #[pyo3(signature = (user, *, add=Vec::new(), remove=Vec::new()))]
    fn set_licences(
        &self,
        py: Python<'_>,
        user: String,
        add: Vec<String>,
        remove: Vec<String>,
    ) -> PyResult<Vec<String>> {
        let u = self.users()?;
        let change = LicenceChange { add, remove };
        act(block_on(py, async move {
            u.set_licences(&user, &change, None).await
        })?)
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
        let u = self.users()?;
        act(block_on(py, async move {
            u.convert_mailbox(&user, kind).await
        })?)
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
        let u = self.users()?;
        act(block_on(py, async move {
            u.set_forwarding(&user, &forwarding).await
        })?)
    }

    /// Delete the user to the recycle bin (restorable for 30 days). Refused unless
    /// `confirm=True`.
    #[pyo3(signature = (user, *, confirm=false))]
    fn delete(&self, py: Python<'_>, user: String, confirm: bool) -> PyResult<()> {
        let u = self.users()?;
        act(block_on(py, async move { u.delete(&user, confirm).await })?)
    }

    /// Users in the recycle bin.
    fn deleted(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        let u = self.users()?;
        let out = act(block_on(py, async move { u.deleted_users().await })?)?;
        dict(py, &out)
    }

    /// Restore a deleted user by id.
    fn restore(&self, py: Python<'_>, id: String) -> PyResult<Py<PyAny>> {
        let u = self.users()?;
        let out = act(block_on(py, async move { u.restore(&id).await })?)?;
        dict(py, &out)
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
    /// does not stop the rest. Destructive steps need `confirm: True` in the options.
    fn run(&self, py: Python<'_>, user: String, options: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        let options = offboard_options(options)?;
        let o = self.core.cipp()?.tenant(self.tenant.clone()).offboarding();
        let out = act(block_on(py, async move { o.run(&user, &options).await })?)?;
        dict(py, &out)
    }
}
