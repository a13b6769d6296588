//! Transport rules through Exchange cmdlets: `Get-TransportRule` once, then
//! `New-TransportRule` for a missing rule or `Set-TransportRule` with only the parameters
//! that differ.

use std::sync::Arc;

use serde_json::{Map, Value};

use crate::client::{DeployOutcome, TemplateClient};
use crate::cmdlet_rows::{find_named, id_of, reported_differences, text};
use crate::compare::Comparison;
use crate::error::TemplateError;
use crate::models::TransportRuleTemplate;

/// The properties a row is found by.
const NAME_KEYS: &[&str] = &["Name", "Identity", "DisplayName"];

/// Cache key of the tenant's rules.
const RULES: &str = "exchange:Get-TransportRule";

/// Properties `Get-TransportRule` reports that are not `New-TransportRule` parameters.
const READ_ONLY: [&str; 22] = [
    "Identity",
    "Guid",
    "DistinguishedName",
    "ImmutableId",
    "RuleIdentity",
    "WhenChanged",
    "WhenChangedUTC",
    "ExchangeVersion",
    "OrganizationId",
    "IsValid",
    "ObjectState",
    "State",
    "Description",
    "Conditions",
    "Exceptions",
    "Actions",
    "RuleVersion",
    "ManuallyModified",
    "RunspaceId",
    "PSComputerName",
    "PSShowComputerName",
    "LastModifiedBy",
];

async fn live_rules(c: &TemplateClient, label: &str) -> Result<Arc<Vec<Value>>, TemplateError> {
    if let Some(rows) = c.cached(RULES) {
        return Ok(rows);
    }
    let rows = c
        .exchange
        .cmdlet("Get-TransportRule")
        .rows()
        .await
        .map_err(|e| c.exchange_error(label, e))?;
    Ok(c.remember(RULES, rows))
}

pub(crate) async fn compare(
    c: &TemplateClient,
    t: &TransportRuleTemplate,
) -> Result<Comparison, TemplateError> {
    let rows = live_rules(c, &t.name).await?;
    let Some(live) = find_named(&rows, &t.name, NAME_KEYS) else {
        return Ok(Comparison::Missing);
    };
    Ok(Comparison::from_differences(
        id_of(live, &t.name),
        reported_differences(&t.write_parameters(), live),
    ))
}

pub(crate) async fn deploy(
    c: &TemplateClient,
    t: &TransportRuleTemplate,
) -> Result<DeployOutcome, TemplateError> {
    let label = t.name.as_str();
    if label.trim().is_empty() {
        return Err(TemplateError::invalid(
            "(unnamed)",
            "name",
            "the rule has no name",
        ));
    }
    let rows = live_rules(c, label).await?;
    let exo_err = |e| c.exchange_error(label, e);
    let Some(live) = find_named(&rows, label, NAME_KEYS) else {
        let created = c
            .exchange
            .cmdlet("New-TransportRule")
            .params(Value::Object(t.write_parameters()))
            .map_err(exo_err)?
            .rows()
            .await
            .map_err(exo_err)?;
        c.invalidate(RULES);
        let id = created
            .first()
            .map(|r| id_of(r, label))
            .unwrap_or_else(|| label.to_string());
        return Ok(DeployOutcome::Created { id });
    };
    let id = id_of(live, label);
    let d = reported_differences(&t.write_parameters(), live);
    if d.is_empty() {
        return Ok(DeployOutcome::Unchanged { id });
    }
    let params = t.write_parameters();
    let mut changed = Vec::new();
    let mut set = c.exchange.cmdlet("Set-TransportRule").param(
        "Identity",
        text(live, "Identity")
            .or_else(|| text(live, "Name"))
            .unwrap_or(label),
    );
    for diff in &d {
        let key = diff.path.split(['.', '[']).next().unwrap_or_default();
        if let Some((k, v)) = params.iter().find(|(k, _)| k.eq_ignore_ascii_case(key)) {
            if !changed.iter().any(|c: &String| c.eq_ignore_ascii_case(k)) {
                set = set.param(k.clone(), v.clone());
                changed.push(k.clone());
            }
        }
    }
    set.rows().await.map_err(exo_err)?;
    c.invalidate(RULES);
    Ok(DeployOutcome::Updated { id, changed })
}

pub(crate) async fn capture(
    c: &TemplateClient,
    identity: &str,
) -> Result<TransportRuleTemplate, TemplateError> {
    let rows = c
        .exchange
        .cmdlet("Get-TransportRule")
        .param("Identity", identity)
        .rows()
        .await
        .map_err(|e| {
            if e.is_not_found() {
                TemplateError::NotFound {
                    tenant: c.tenant.clone(),
                    kind: "transportRule",
                    id: identity.to_string(),
                }
            } else {
                c.exchange_error(identity, e)
            }
        })?;
    let Some(Value::Object(row)) = rows.into_iter().next() else {
        return Err(TemplateError::NotFound {
            tenant: c.tenant.clone(),
            kind: "transportRule",
            id: identity.to_string(),
        });
    };
    let params: Map<String, Value> = row
        .into_iter()
        .filter(|(k, _)| !READ_ONLY.iter().any(|r| r.eq_ignore_ascii_case(k)))
        .filter(|(k, _)| !k.contains("@odata"))
        .filter(|(_, v)| !crate::compare::is_empty(v))
        .collect();
    Ok(TransportRuleTemplate::from_parameters(params))
}
