//! `tenant.bec`: compromised-account research and remediation in CIPP's order, with a dry
//! run, as promises resolving to plain objects (camelCase, as docs/bec.md documents), each
//! with a `markdown` rendering.

use cipp::actions::bec::{RemediationOptions, RemediationStep, ResearchOptions};
use cipp::{Cipp, Error as CippError};
use napi::bindgen_prelude::*;
use napi_derive::napi;
use serde_json::Value;

use crate::{invalid, OrJs};

/// Options of `bec.research`.
#[napi(object)]
pub struct ResearchArgs {
    /// Days back (1 to 30, default 7).
    pub days: Option<u32>,
    /// End of the window, RFC 3339 (default now).
    pub as_of: Option<String>,
}

/// Options of `bec.plan` and `bec.remediate`.
#[napi(object)]
pub struct RemediateArgs {
    /// Steps not to run (`reset-password`, `disableInboxRules`...).
    pub skip: Option<Vec<String>>,
    /// Needed by `remediate`: the caller confirms the writes.
    pub confirm: Option<bool>,
}

/// Compromised-account research and remediation in one tenant.
#[napi]
pub struct Bec {
    pub(crate) cipp: Cipp,
    pub(crate) tenant: String,
}

fn remediation(args: Option<RemediateArgs>, confirm_allowed: bool) -> Result<RemediationOptions> {
    let mut o = RemediationOptions::default();
    if let Some(a) = args {
        o.confirm = confirm_allowed && a.confirm.unwrap_or(false);
        for (i, name) in a.skip.unwrap_or_default().iter().enumerate() {
            let step: RemediationStep = name.parse().map_err(|e: cipp::actions::ActionError| {
                invalid(&format!("skip[{i}]"), e.to_string())
            })?;
            o = o.skip(step);
        }
    }
    Ok(o)
}

/// A report as JSON with its Markdown rendering beside.
fn with_markdown<T: serde::Serialize>(report: &T, markdown: String) -> Value {
    let mut v = serde_json::to_value(report).unwrap_or_default();
    v["markdown"] = Value::String(markdown);
    v
}

#[napi]
impl Bec {
    /// Research `user` (UPN or object id): sign-ins of this user, inbox rules, forwarding,
    /// MFA methods, new users and password changes, new applications and consents, devices,
    /// sent mail and audit events, each source read on its own.
    #[napi]
    pub async fn research(&self, user: String, options: Option<ResearchArgs>) -> Result<Value> {
        let options = match options {
            Some(o) => ResearchOptions {
                days: o.days.unwrap_or(7),
                as_of: o.as_of,
            },
            None => ResearchOptions::default(),
        };
        let report = self
            .cipp
            .tenant(self.tenant.clone())
            .bec()
            .research(&user, &options)
            .await
            .map_err(CippError::from)
            .js()?;
        let mut v = with_markdown(&report, report.to_markdown());
        v["alarming"] = Value::Bool(report.is_alarming());
        Ok(v)
    }

    /// The remediation steps that would run for `user`; nothing is written.
    #[napi]
    pub async fn plan(&self, user: String, options: Option<RemediateArgs>) -> Result<Value> {
        let options = remediation(options, false)?;
        let report = self
            .cipp
            .tenant(self.tenant.clone())
            .bec()
            .plan(&user, &options)
            .await
            .map_err(CippError::from)
            .js()?;
        Ok(with_markdown(&report, report.to_markdown()))
    }

    /// Run the remediation for `user`, each step reported on its own; refused unless
    /// `options.confirm` is true.
    #[napi]
    pub async fn remediate(&self, user: String, options: Option<RemediateArgs>) -> Result<Value> {
        let options = remediation(options, true)?;
        let report = self
            .cipp
            .tenant(self.tenant.clone())
            .bec()
            .remediate(&user, &options)
            .await
            .map_err(CippError::from)
            .js()?;
        Ok(with_markdown(&report, report.to_markdown()))
    }
}
