//! Tenant Allow/Block List entries through cmdlets: `Get-TenantAllowBlockListItems -ListType`
//! once per list, then one `New-TenantAllowBlockListItems` with the entries the list lacks.
//! Entries are only ever added: an entry the template no longer has stays.

use std::sync::Arc;

use serde_json::{json, Map, Value};

use crate::client::{DeployOutcome, TemplateClient};
use crate::compare::{Comparison, Difference};
use crate::error::TemplateError;
use crate::models::TenantAllowBlockListTemplate;

const LIST_TYPES: [&str; 4] = ["Sender", "Url", "FileHash", "IP"];

/// The list type and method as the cmdlet spells them, or why the template is unusable.
fn checked(
    t: &TenantAllowBlockListTemplate,
) -> Result<(&'static str, &'static str), TemplateError> {
    let list = LIST_TYPES
        .iter()
        .find(|l| l.eq_ignore_ascii_case(t.list_type.trim()))
        .ok_or_else(|| {
            TemplateError::invalid(
                &t.template_name,
                "listType",
                format!("'{}' is not Sender, Url, FileHash or IP", t.list_type),
            )
        })?;
    let method = ["Allow", "Block"]
        .into_iter()
        .find(|m| m.eq_ignore_ascii_case(t.list_method.trim()))
        .ok_or_else(|| {
            TemplateError::invalid(
                &t.template_name,
                "listMethod",
                format!("'{}' is not Allow or Block", t.list_method),
            )
        })?;
    if t.entry_list().is_empty() {
        return Err(TemplateError::invalid(
            &t.template_name,
            "entries",
            "the template lists no entries",
        ));
    }
    Ok((list, method))
}

async fn live(
    c: &TemplateClient,
    t: &TenantAllowBlockListTemplate,
    list: &str,
) -> Result<Arc<Vec<Value>>, TemplateError> {
    let key = format!("exchange:Get-TenantAllowBlockListItems:{list}");
    if let Some(rows) = c.cached(&key) {
        return Ok(rows);
    }
    let rows = c
        .exchange
        .cmdlet("Get-TenantAllowBlockListItems")
        .param("ListType", list)
        .rows()
        .await
        .map_err(|e| c.exchange_error(&t.template_name, e))?;
    Ok(c.remember(&key, rows))
}

/// The template's entries the list lacks (compared by value, any case).
fn missing(t: &TenantAllowBlockListTemplate, rows: &[Value]) -> Vec<String> {
    t.entry_list()
        .into_iter()
        .filter(|e| {
            !rows.iter().any(|r| {
                r["Value"]
                    .as_str()
                    .is_some_and(|v| v.trim().eq_ignore_ascii_case(e))
            })
        })
        .collect()
}

pub(crate) async fn compare(
    c: &TemplateClient,
    t: &TenantAllowBlockListTemplate,
) -> Result<Comparison, TemplateError> {
    let (list, _) = checked(t)?;
    let rows = live(c, t, list).await?;
    let lacking = missing(t, &rows);
    let id = format!("{list}:{}", t.template_name);
    if lacking.is_empty() {
        return Ok(Comparison::Equal { id });
    }
    let differences = lacking
        .into_iter()
        .map(|e| Difference {
            path: format!("entries.{e}"),
            expected: Some(json!(e)),
            found: None,
        })
        .collect();
    Ok(Comparison::Different { id, differences })
}

pub(crate) async fn deploy(
    c: &TemplateClient,
    t: &TenantAllowBlockListTemplate,
) -> Result<DeployOutcome, TemplateError> {
    let (list, method) = checked(t)?;
    let rows = live(c, t, list).await?;
    let lacking = missing(t, &rows);
    let id = format!("{list}:{}", t.template_name);
    if lacking.is_empty() {
        return Ok(DeployOutcome::Unchanged { id });
    }
    let mut params = Map::new();
    params.insert("ListType".into(), json!(list));
    params.insert("Entries".into(), json!(lacking));
    params.insert(method.into(), json!(true));
    if let Some(notes) = t.notes.as_deref().filter(|n| !n.trim().is_empty()) {
        params.insert("Notes".into(), json!(notes));
    }
    if t.no_expiration {
        params.insert("NoExpiration".into(), json!(true));
    } else if t.remove_after {
        params.insert("RemoveAfter".into(), json!(45));
    }
    let label = t.template_name.as_str();
    c.exchange
        .cmdlet("New-TenantAllowBlockListItems")
        .params(Value::Object(params))
        .map_err(|e| c.exchange_error(label, e))?
        .rows()
        .await
        .map_err(|e| c.exchange_error(label, e))?;
    c.invalidate(&format!("exchange:Get-TenantAllowBlockListItems:{list}"));
    Ok(DeployOutcome::Updated {
        id,
        changed: lacking,
    })
}
