//! Transport rules through Exchange cmdlets: `Get-TransportRule` once, then
//! `New-TransportRule` for a missing rule or `Set-TransportRule` with only the parameters
//! that differ.

use std::sync::Arc;

use serde_json::{Map, Value};

use crate::client::{DeployOutcome, TemplateClient};
use crate::compare::{diff, Comparison, Difference, Rules};
use crate::error::TemplateError;
use crate::models::TransportRuleTemplate;

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

fn rules() -> Rules {
    Rules {
        subset: true,
        ignore_case: true,
        ignore_type: true,
    }
}

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

fn text<'a>(row: &'a Value, key: &str) -> Option<&'a str> {
    row.as_object()?
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(key))
        .and_then(|(_, v)| v.as_str())
}

fn find<'a>(rows: &'a [Value], name: &str) -> Option<&'a Value> {
    let name = name.trim();
    rows.iter().find(|r| {
        ["Name", "Identity", "DisplayName"]
            .iter()
            .any(|k| text(r, k).is_some_and(|n| n.trim().eq_ignore_ascii_case(name)))
    })
}

fn id_of(row: &Value, fallback: &str) -> String {
    text(row, "Guid")
        .or_else(|| text(row, "Identity"))
        .unwrap_or(fallback)
        .to_string()
}

/// Differences between the template's parameters and a live rule. Parameters the rule does
/// not report as a property of the same name cannot be compared and are skipped.
fn differences(t: &TransportRuleTemplate, live: &Value) -> Vec<Difference> {
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
    t: &TransportRuleTemplate,
) -> Result<Comparison, TemplateError> {
    let rows = live_rules(c, &t.name).await?;
    let Some(live) = find(&rows, &t.name) else {
        return Ok(Comparison::Missing);
    };
    Ok(Comparison::from_differences(
        id_of(live, &t.name),
        differences(t, live),
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
    let Some(live) = find(&rows, label) else {
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
    let d = differences(t, live);
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
