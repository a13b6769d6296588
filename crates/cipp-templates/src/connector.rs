//! Exchange connectors through cmdlets: `Get-InboundConnector` / `Get-OutboundConnector` once
//! per direction, then `New-` for a missing connector or `Set-` with only the parameters that
//! differ (matched by name).

use std::sync::Arc;

use serde_json::{Map, Value};

use crate::client::{DeployOutcome, TemplateClient};
use crate::compare::{diff, Comparison, Difference, Rules};
use crate::error::TemplateError;
use crate::models::{ConnectorDirection, ExchangeConnectorTemplate};

fn rules() -> Rules {
    Rules {
        subset: true,
        ignore_case: true,
        ignore_type: true,
    }
}

fn direction_of(t: &ExchangeConnectorTemplate) -> Result<ConnectorDirection, TemplateError> {
    t.direction.ok_or_else(|| {
        TemplateError::invalid(
            &t.name,
            "direction",
            "the template does not say Inbound or Outbound",
        )
    })
}

async fn live(
    c: &TemplateClient,
    t: &ExchangeConnectorTemplate,
) -> Result<(ConnectorDirection, Arc<Vec<Value>>), TemplateError> {
    let direction = direction_of(t)?;
    let key = format!("exchange:Get-{}", direction.noun());
    if let Some(rows) = c.cached(&key) {
        return Ok((direction, rows));
    }
    let rows = c
        .exchange
        .cmdlet(format!("Get-{}", direction.noun()))
        .rows()
        .await
        .map_err(|e| c.exchange_error(&t.name, e))?;
    Ok((direction, c.remember(&key, rows)))
}

fn text<'a>(row: &'a Value, key: &str) -> Option<&'a str> {
    row.as_object()?
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(key))
        .and_then(|(_, v)| v.as_str())
}

fn find<'a>(rows: &'a [Value], name: &str) -> Option<&'a Value> {
    rows.iter().find(|r| {
        ["Name", "Identity"]
            .iter()
            .any(|k| text(r, k).is_some_and(|n| n.trim().eq_ignore_ascii_case(name.trim())))
    })
}

fn id_of(row: &Value, fallback: &str) -> String {
    text(row, "Guid")
        .or_else(|| text(row, "Identity"))
        .unwrap_or(fallback)
        .to_string()
}

/// Differences between the template and a live connector, over the parameters the
/// connector reports (others cannot be compared).
fn differences(t: &ExchangeConnectorTemplate, live: &Value) -> Vec<Difference> {
    let Some(row) = live.as_object() else {
        return Vec::new();
    };
    let expected: Map<String, Value> = t
        .write_parameters()
        .into_iter()
        .filter(|(k, _)| row.keys().any(|r| r.eq_ignore_ascii_case(k)))
        .collect();
    diff(&Value::Object(expected), live, rules())
}

pub(crate) async fn compare(
    c: &TemplateClient,
    t: &ExchangeConnectorTemplate,
) -> Result<Comparison, TemplateError> {
    let (_, rows) = live(c, t).await?;
    let Some(found) = find(&rows, &t.name) else {
        return Ok(Comparison::Missing);
    };
    Ok(Comparison::from_differences(
        id_of(found, &t.name),
        differences(t, found),
    ))
}

pub(crate) async fn deploy(
    c: &TemplateClient,
    t: &ExchangeConnectorTemplate,
) -> Result<DeployOutcome, TemplateError> {
    let label = t.name.as_str();
    if label.trim().is_empty() {
        return Err(TemplateError::invalid(
            "(unnamed)",
            "name",
            "the connector has no name",
        ));
    }
    let (direction, rows) = live(c, t).await?;
    let key = format!("exchange:Get-{}", direction.noun());
    let exo_err = |e| c.exchange_error(label, e);
    let Some(found) = find(&rows, label) else {
        let created = c
            .exchange
            .cmdlet(format!("New-{}", direction.noun()))
            .params(Value::Object(t.write_parameters()))
            .map_err(exo_err)?
            .rows()
            .await
            .map_err(exo_err)?;
        c.invalidate(&key);
        let id = created
            .first()
            .map(|r| id_of(r, label))
            .unwrap_or_else(|| label.to_string());
        return Ok(DeployOutcome::Created { id });
    };
    let id = id_of(found, label);
    let d = differences(t, found);
    if d.is_empty() {
        return Ok(DeployOutcome::Unchanged { id });
    }
    let params = t.write_parameters();
    let mut changed: Vec<String> = Vec::new();
    let mut set = c
        .exchange
        .cmdlet(format!("Set-{}", direction.noun()))
        .param(
            "Identity",
            text(found, "Identity")
                .or_else(|| text(found, "Name"))
                .unwrap_or(label),
        );
    for difference in &d {
        let top = difference.path.split(['.', '[']).next().unwrap_or_default();
        if let Some((k, v)) = params.iter().find(|(k, _)| k.eq_ignore_ascii_case(top)) {
            if !changed.iter().any(|c| c.eq_ignore_ascii_case(k)) {
                set = set.param(k.clone(), v.clone());
                changed.push(k.clone());
            }
        }
    }
    set.rows().await.map_err(exo_err)?;
    c.invalidate(&key);
    Ok(DeployOutcome::Updated { id, changed })
}
