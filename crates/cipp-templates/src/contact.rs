//! Mail contacts through cmdlets: `Get-MailContact` once, `Get-Contact` for the details of
//! the contact a template names, then `New-MailContact` for a missing one and
//! `Set-MailContact` / `Set-Contact` with only what differs.

use std::sync::Arc;

use serde_json::{json, Map, Value};

use crate::client::{DeployOutcome, TemplateClient};
use crate::compare::{Comparison, Difference};
use crate::error::TemplateError;
use crate::models::ContactTemplate;

const MAIL_CONTACTS: &str = "exchange:Get-MailContact";

async fn live(c: &TemplateClient, label: &str) -> Result<Arc<Vec<Value>>, TemplateError> {
    if let Some(rows) = c.cached(MAIL_CONTACTS) {
        return Ok(rows);
    }
    let rows = c
        .exchange
        .cmdlet("Get-MailContact")
        .param("ResultSize", "Unlimited")
        .rows()
        .await
        .map_err(|e| c.exchange_error(label, e))?;
    Ok(c.remember(MAIL_CONTACTS, rows))
}

fn checked(t: &ContactTemplate) -> Result<(), TemplateError> {
    let name = t.display_name.trim();
    if name.is_empty() {
        return Err(TemplateError::invalid(
            "(unnamed)",
            "displayName",
            "the contact has no display name",
        ));
    }
    let ok = t.email.split_once('@').is_some_and(|(l, d)| {
        !l.trim().is_empty() && d.contains('.') && !d.contains(char::is_whitespace)
    });
    if !ok {
        return Err(TemplateError::invalid(
            name,
            "email",
            format!("'{}' is not a mail address", t.email),
        ));
    }
    Ok(())
}

fn address(row: &Value) -> String {
    let raw = row["ExternalEmailAddress"].as_str().unwrap_or_default();
    raw.split_once(':')
        .filter(|(p, _)| p.eq_ignore_ascii_case("smtp"))
        .map_or(raw, |(_, a)| a)
        .to_string()
}

/// What differs: `(mail contact parameters, contact parameters, differences)`.
fn delta(
    t: &ContactTemplate,
    mail: &Value,
    contact: &Value,
) -> (Map<String, Value>, Map<String, Value>, Vec<Difference>) {
    let mut mail_params = Map::new();
    let mut contact_params = Map::new();
    let mut differences = Vec::new();
    let mut note = |path: &str, expected: Value, found: Value| {
        differences.push(Difference {
            path: path.to_string(),
            expected: Some(expected),
            found: Some(found),
        });
    };
    if !address(mail).eq_ignore_ascii_case(t.email.trim()) {
        mail_params.insert("ExternalEmailAddress".into(), json!(t.email.trim()));
        note("email", json!(t.email.trim()), json!(address(mail)));
    }
    if let Some(tip) = t.mail_tip.as_deref().filter(|s| !s.trim().is_empty()) {
        if mail["MailTip"].as_str() != Some(tip) {
            mail_params.insert("MailTip".into(), json!(tip));
            note("mailTip", json!(tip), mail["MailTip"].clone());
        }
    }
    if mail["HiddenFromAddressListsEnabled"]
        .as_bool()
        .unwrap_or(false)
        != t.hide_from_gal
    {
        mail_params.insert(
            "HiddenFromAddressListsEnabled".into(),
            json!(t.hide_from_gal),
        );
        note(
            "hidefromGAL",
            json!(t.hide_from_gal),
            mail["HiddenFromAddressListsEnabled"].clone(),
        );
    }
    for (k, v) in t.contact_details() {
        if contact[k.as_str()] != v {
            note(&k, v.clone(), contact[k.as_str()].clone());
            contact_params.insert(k, v);
        }
    }
    (mail_params, contact_params, differences)
}

async fn details(c: &TemplateClient, label: &str, identity: &str) -> Result<Value, TemplateError> {
    let rows = c
        .exchange
        .cmdlet("Get-Contact")
        .param("Identity", identity)
        .rows()
        .await
        .map_err(|e| c.exchange_error(label, e))?;
    Ok(rows.into_iter().next().unwrap_or(Value::Null))
}

fn find<'a>(rows: &'a [Value], t: &ContactTemplate) -> Option<&'a Value> {
    rows.iter().find(|r| {
        r["DisplayName"]
            .as_str()
            .is_some_and(|n| n.trim().eq_ignore_ascii_case(t.display_name.trim()))
    })
}

fn identity_of(row: &Value, fallback: &str) -> String {
    row["Guid"]
        .as_str()
        .or(row["Identity"].as_str())
        .unwrap_or(fallback)
        .to_string()
}

pub(crate) async fn compare(
    c: &TemplateClient,
    t: &ContactTemplate,
) -> Result<Comparison, TemplateError> {
    checked(t)?;
    let label = t.display_name.as_str();
    let rows = live(c, label).await?;
    let Some(mail) = find(&rows, t) else {
        return Ok(Comparison::Missing);
    };
    let id = identity_of(mail, label);
    let contact = details(c, label, &id).await?;
    let (_, _, differences) = delta(t, mail, &contact);
    Ok(Comparison::from_differences(id, differences))
}

pub(crate) async fn deploy(
    c: &TemplateClient,
    t: &ContactTemplate,
) -> Result<DeployOutcome, TemplateError> {
    checked(t)?;
    let label = t.display_name.as_str();
    let exo_err = |e| c.exchange_error(label, e);
    let rows = live(c, label).await?;
    let (id, created) = match find(&rows, t) {
        Some(mail) => (identity_of(mail, label), false),
        None => {
            let mut params = Map::new();
            params.insert("Name".into(), json!(label));
            params.insert("DisplayName".into(), json!(label));
            params.insert("ExternalEmailAddress".into(), json!(t.email.trim()));
            let new = c
                .exchange
                .cmdlet("New-MailContact")
                .params(Value::Object(params))
                .map_err(exo_err)?
                .rows()
                .await
                .map_err(exo_err)?;
            c.invalidate(MAIL_CONTACTS);
            let id = new
                .first()
                .map(|r| identity_of(r, label))
                .unwrap_or_else(|| label.to_string());
            (id, true)
        }
    };
    // Read back what the contact has now (a new one has Exchange's defaults).
    let mail = c
        .exchange
        .cmdlet("Get-MailContact")
        .param("Identity", id.as_str())
        .rows()
        .await
        .map_err(exo_err)?
        .into_iter()
        .next()
        .unwrap_or(Value::Null);
    let contact = details(c, label, &id).await?;
    let (mail_params, contact_params, differences) = delta(t, &mail, &contact);
    for (cmdlet, params) in [
        ("Set-MailContact", &mail_params),
        ("Set-Contact", &contact_params),
    ] {
        if params.is_empty() {
            continue;
        }
        let mut all = params.clone();
        all.insert("Identity".into(), json!(id));
        c.exchange
            .cmdlet(cmdlet)
            .params(Value::Object(all))
            .map_err(exo_err)?
            .rows()
            .await
            .map_err(exo_err)?;
    }
    c.invalidate(MAIL_CONTACTS);
    Ok(if created {
        DeployOutcome::Created { id }
    } else if differences.is_empty() {
        DeployOutcome::Unchanged { id }
    } else {
        DeployOutcome::Updated {
            id,
            changed: differences.into_iter().map(|d| d.path).collect(),
        }
    })
}
