//! `AutoAddProxy`: every mailbox has an address in every accepted domain.

use serde_json::{json, Value};

use super::util::{exchange, per_object, Finding};
use super::{Assessment, Input, Standard};
use crate::error::StandardsError;

/// For each mailbox, every accepted domain in which it has no address gets one, made of the
/// local part of its user principal name (`smtp:name@domain`, a secondary address). One
/// `Set-Mailbox` per mailbox that lacks any, sending its whole address list (the current
/// addresses, none removed, and the new ones).
#[derive(Debug, Clone, Copy, Default)]
pub struct AutoAddProxy;

fn addresses(mailbox: &Value) -> Vec<String> {
    let mut out: Vec<String> = mailbox["EmailAddresses"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|a| a.as_str().map(str::to_string))
        .collect();
    if out.is_empty() {
        if let Some(p) = mailbox["PrimarySmtpAddress"].as_str() {
            out.push(format!("SMTP:{p}"));
        }
    }
    out
}

fn has_domain(addresses: &[String], domain: &str) -> bool {
    let suffix = format!("@{}", domain.to_ascii_lowercase());
    addresses.iter().any(|a| {
        let a = a.to_ascii_lowercase();
        a.strip_prefix("smtp:").unwrap_or(&a).ends_with(&suffix)
    })
}

impl Standard for AutoAddProxy {
    fn name(&self) -> &'static str {
        "AutoAddProxy"
    }
    fn label(&self) -> &'static str {
        "Addresses in every accepted domain"
    }
    fn category(&self) -> &'static str {
        "Exchange Standards"
    }
    fn description(&self) -> &'static str {
        "Gives every mailbox a secondary address in each accepted domain it has none in, \
         built from its user name, so mail to any of the organisation's domains arrives."
    }
    fn cache_types(&self) -> &'static [&'static str] {
        &["Mailboxes", "ExoAcceptedDomains"]
    }

    fn assess(&self, input: &Input<'_>) -> Result<Assessment, StandardsError> {
        let domains: Vec<&str> = input
            .rows("ExoAcceptedDomains")
            .iter()
            .filter_map(|d| d["DomainName"].as_str().or(d["Name"].as_str()))
            .collect();
        let findings = input
            .rows("Mailboxes")
            .iter()
            .filter_map(|m| {
                let upn = m["UserPrincipalName"].as_str()?;
                let local = upn.split('@').next().filter(|l| !l.is_empty())?;
                let mut list = addresses(m);
                let missing: Vec<String> = domains
                    .iter()
                    .filter(|d| !has_domain(&list, d))
                    .map(|d| format!("smtp:{local}@{d}"))
                    .collect();
                if missing.is_empty() {
                    return None;
                }
                list.extend(missing.iter().cloned());
                Some(Finding {
                    object: upn.to_string(),
                    current: json!({"missingAddresses": missing}),
                    expected: json!({"missingAddresses": []}),
                    step: exchange(
                        "Set-Mailbox",
                        json!({"Identity": upn, "EmailAddresses": list}),
                    ),
                })
            })
            .collect();
        Ok(per_object(json!({"domains": domains}), findings))
    }
}
