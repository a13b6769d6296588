//! Exchange connectors through cmdlets: `Get-InboundConnector` / `Get-OutboundConnector` once
//! per direction, then `New-` for a missing connector or `Set-` with only the parameters that
//! differ (matched by name).

use std::sync::Arc;

use serde_json::Value;

use crate::client::{DeployOutcome, TemplateClient};
use crate::cmdlet_rows::{find_named, id_of, reported_differences, text};
use crate::compare::Comparison;
use crate::error::TemplateError;
use crate::models::{ConnectorDirection, ExchangeConnectorTemplate};

/// The properties a row is found by.
const NAME_KEYS: &[&str] = &["Name", "Identity"];

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

pub(crate) async fn compare(
    c: &TemplateClient,
    t: &ExchangeConnectorTemplate,
) -> Result<Comparison, TemplateError> {
    let (_, rows) = live(c, t).await?;
    let Some(found) = find_named(&rows, &t.name, NAME_KEYS) else {
        return Ok(Comparison::Missing);
    };
    Ok(Comparison::from_differences(
        id_of(found, &t.name),
        reported_differences(&t.write_parameters(), found),
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
    let Some(found) = find_named(&rows, label, NAME_KEYS) else {
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
    let d = reported_differences(&t.write_parameters(), found);
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
