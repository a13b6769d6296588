//! Sensitivity labels through Security & Compliance cmdlets: the label by `Name` or
//! `DisplayName` (`New-Label`, or `Set-Label` with only the compared settings that differ),
//! then the label policy that publishes it, when the template has one (`New-LabelPolicy`, or
//! `Set-LabelPolicy` with what differs: labels added with `AddLabels` and locations with
//! `Add<Location>`, since `Set-LabelPolicy` takes no lists of either). Nothing is removed.

use serde_json::{Map, Value};

use crate::client::{DeployOutcome, TemplateClient};
use crate::cmdlet_rows::{find_named, id_of, prop, text, CMDLET_RULES};
use crate::compare::{diff, Comparison, Difference};
use crate::compliance::{changed_params, forget, live, missing_locations};
use crate::error::TemplateError;
use crate::models::compliance::{is_location, location_items};
use crate::models::sensitivity_label::{text_of, LABEL_COMPARED};
use crate::models::SensitivityLabelTemplate;

const LABEL: &str = "Label";
const POLICY: &str = "LabelPolicy";

/// Policy parameters that are written when the policy is created but not compared: the
/// service reports them folded into `Settings` strings, not as given.
const POLICY_WRITE_ONLY: [&str; 3] = ["Settings", "AdvancedSettings", "PolicyTemplateInfo"];

fn unnamed(t: &SensitivityLabelTemplate) -> Result<(), TemplateError> {
    if t.name.trim().is_empty() {
        return Err(TemplateError::invalid(
            "(unnamed)",
            "Name",
            "the sensitivity label has no name",
        ));
    }
    Ok(())
}

/// The live label of this name: by `Name`, else by `DisplayName` (a label made in the portal
/// can have a GUID-like `Name` and its human name in `DisplayName` only).
fn find_label<'a>(rows: &'a [Value], name: &str) -> Option<&'a Value> {
    find_named(rows, name, &["Name"]).or_else(|| {
        rows.iter().find(|r| {
            text(r, "DisplayName").is_some_and(|n| n.trim().eq_ignore_ascii_case(name.trim()))
        })
    })
}

/// Whether `entry` (of a policy's `Labels`, or a `ParentId`) names the label `row`.
fn names_label(row: &Value, entry: &str) -> bool {
    ["Name", "DisplayName", "Guid", "ImmutableId", "Identity"]
        .iter()
        .any(|k| text(row, k).is_some_and(|v| v.trim().eq_ignore_ascii_case(entry.trim())))
}

/// The template's compared label settings (see [`LABEL_COMPARED`]).
fn compared(t: &SensitivityLabelTemplate) -> Map<String, Value> {
    t.label_parameters()
        .into_iter()
        .filter(|(k, _)| LABEL_COMPARED.iter().any(|c| c.eq_ignore_ascii_case(k)))
        .collect()
}

/// The policy's differences, with what `Set-LabelPolicy` needs to mend them: plain
/// parameters that differ, labels to add, and per location parameter the entries to add.
struct PolicyGaps {
    differences: Vec<Difference>,
    set: Map<String, Value>,
}

fn policy_gaps(wanted: &Map<String, Value>, live_policy: &Value, labels: &[Value]) -> PolicyGaps {
    let plain: Map<String, Value> = wanted
        .iter()
        .filter(|(k, _)| {
            !is_location(k)
                && !k.eq_ignore_ascii_case("Name")
                && !k.eq_ignore_ascii_case("Labels")
                && !POLICY_WRITE_ONLY.iter().any(|w| w.eq_ignore_ascii_case(k))
        })
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    let mut differences = diff(&Value::Object(plain.clone()), live_policy, CMDLET_RULES);
    let mut set = changed_params(&plain, &differences);
    // Labels: an entry of the live list may name the label by name, display name or GUID.
    let have = prop(live_policy, "Labels")
        .map(location_items)
        .unwrap_or_default();
    let wanted_labels = wanted
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("Labels"))
        .map(|(_, v)| location_items(v))
        .unwrap_or_default();
    let missing: Vec<String> = wanted_labels
        .iter()
        .filter(|w| {
            !have.iter().any(|h| {
                h.eq_ignore_ascii_case(w)
                    || find_label(labels, w).is_some_and(|row| names_label(row, h))
            })
        })
        .cloned()
        .collect();
    if !missing.is_empty() {
        differences.push(Difference {
            path: "Labels".into(),
            expected: Some(Value::from(wanted_labels)),
            found: Some(Value::from(have)),
        });
        set.insert("AddLabels".into(), Value::from(missing));
    }
    for (k, missing, difference) in missing_locations(wanted, live_policy) {
        differences.push(difference);
        set.insert(format!("Add{k}"), Value::from(missing));
    }
    PolicyGaps { differences, set }
}

pub(crate) async fn compare(
    c: &TemplateClient,
    t: &SensitivityLabelTemplate,
) -> Result<Comparison, TemplateError> {
    unnamed(t)?;
    let labels = live(c, LABEL, &t.name).await?;
    let Some(label) = find_label(&labels, &t.name) else {
        return Ok(Comparison::Missing);
    };
    let mut differences = diff(&Value::Object(compared(t)), label, CMDLET_RULES);
    if let (Some(policy_name), Some(wanted)) = (t.policy_name(), t.policy_parameters()) {
        let policies = live(c, POLICY, &t.name).await?;
        match find_named(&policies, &policy_name, &["Name"]) {
            None => differences.push(Difference {
                path: format!("policy[{policy_name}]"),
                expected: Some(Value::from(policy_name.clone())),
                found: None,
            }),
            Some(p) => differences.extend(
                policy_gaps(&wanted, p, &labels)
                    .differences
                    .into_iter()
                    .map(|d| Difference {
                        path: format!("policy[{policy_name}].{}", d.path),
                        ..d
                    }),
            ),
        }
    }
    Ok(Comparison::from_differences(
        id_of(label, &t.name),
        differences,
    ))
}

/// The parent label the template names, as this tenant's label GUID. A template carries the
/// parent's GUID from the tenant it was made in, and usually the parent's name beside it.
fn parent_in_tenant(
    c: &TemplateClient,
    t: &SensitivityLabelTemplate,
    labels: &[Value],
) -> Result<Option<String>, TemplateError> {
    let id = text_of(&t.parameters, "ParentId");
    let name = t.parent_name();
    if id.is_none() && name.is_none() {
        return Ok(None);
    }
    let row = id
        .as_deref()
        .and_then(|id| labels.iter().find(|r| names_label(r, id)))
        .or_else(|| name.as_deref().and_then(|n| find_label(labels, n)));
    match row {
        Some(row) => Ok(Some(
            text(row, "Guid")
                .or_else(|| text(row, "ImmutableId"))
                .or_else(|| text(row, "Name"))
                .unwrap_or_default()
                .to_string(),
        )),
        None => Err(TemplateError::MissingReference {
            template: t.name.clone(),
            tenant: c.tenant.clone(),
            kind: "sensitivityLabel",
            name: name.or(id).unwrap_or_default(),
            path: "ParentId".into(),
        }),
    }
}

pub(crate) async fn deploy(
    c: &TemplateClient,
    t: &SensitivityLabelTemplate,
) -> Result<DeployOutcome, TemplateError> {
    unnamed(t)?;
    let label = t.name.as_str();
    let scc = c.exchange.compliance();
    let exo_err = |e| c.exchange_error(label, e);
    let labels = live(c, LABEL, label).await?;
    let mut changed = Vec::new();
    let (created, id) = match find_label(&labels, label) {
        None => {
            let mut params = t.label_parameters();
            if text_of(&params, "Tooltip").is_none() {
                return Err(TemplateError::invalid(
                    label,
                    "Tooltip",
                    "the label has no tooltip, which New-Label requires",
                ));
            }
            params.retain(|k, _| !k.eq_ignore_ascii_case("ParentId"));
            if let Some(parent) = parent_in_tenant(c, t, &labels)? {
                params.insert("ParentId".into(), Value::from(parent));
            }
            let out = scc
                .cmdlet("New-Label")
                .params(Value::Object(params))
                .map_err(exo_err)?
                .rows()
                .await
                .map_err(exo_err)?;
            forget(c, LABEL);
            let id = out
                .first()
                .map(|r| id_of(r, label))
                .unwrap_or_else(|| label.to_string());
            (true, id)
        }
        Some(live_label) => {
            let wanted = compared(t);
            let differences = diff(&Value::Object(wanted.clone()), live_label, CMDLET_RULES);
            let mut set = changed_params(&wanted, &differences);
            if !set.is_empty() {
                changed.extend(set.keys().cloned());
                let identity = text(live_label, "Guid")
                    .or_else(|| text(live_label, "Name"))
                    .unwrap_or(label)
                    .to_string();
                set.insert("Identity".into(), Value::from(identity));
                scc.cmdlet("Set-Label")
                    .params(Value::Object(set))
                    .map_err(exo_err)?
                    .rows()
                    .await
                    .map_err(exo_err)?;
                forget(c, LABEL);
            }
            (false, id_of(live_label, label))
        }
    };
    if let (Some(policy_name), Some(wanted)) = (t.policy_name(), t.policy_parameters()) {
        // Read afresh: a label created above is one the policy may list.
        let labels = live(c, LABEL, label).await?;
        let policies = live(c, POLICY, label).await?;
        match find_named(&policies, &policy_name, &["Name"]) {
            None => {
                scc.cmdlet("New-LabelPolicy")
                    .params(Value::Object(wanted))
                    .map_err(exo_err)?
                    .rows()
                    .await
                    .map_err(exo_err)?;
                forget(c, POLICY);
                changed.push(format!("policy[{policy_name}]"));
            }
            Some(p) => {
                let mut set = policy_gaps(&wanted, p, &labels).set;
                if !set.is_empty() {
                    changed.extend(set.keys().map(|k| format!("policy[{policy_name}].{k}")));
                    set.insert("Identity".into(), Value::from(policy_name.clone()));
                    scc.cmdlet("Set-LabelPolicy")
                        .params(Value::Object(set))
                        .map_err(exo_err)?
                        .rows()
                        .await
                        .map_err(exo_err)?;
                    forget(c, POLICY);
                }
            }
        }
    }
    Ok(match (created, changed.is_empty()) {
        (true, _) => DeployOutcome::Created { id },
        (false, true) => DeployOutcome::Unchanged { id },
        (false, false) => DeployOutcome::Updated { id, changed },
    })
}

/// A live label as a template: its name, display name, tooltip, comment and content type,
/// and its parent by name. Encryption and content marking settings, which `Get-Label` folds
/// into `LabelActions`, are not captured.
pub(crate) async fn capture(
    c: &TemplateClient,
    identity: &str,
) -> Result<SensitivityLabelTemplate, TemplateError> {
    let labels = live(c, LABEL, identity).await?;
    let row = labels
        .iter()
        .find(|r| names_label(r, identity))
        .ok_or_else(|| TemplateError::NotFound {
            tenant: c.tenant.clone(),
            kind: "sensitivityLabel",
            id: identity.to_string(),
        })?;
    let mut params = Map::new();
    for key in std::iter::once("Name").chain(LABEL_COMPARED) {
        if let Some(v) = prop(row, key).filter(|v| !v.is_null()) {
            params.insert(key.to_string(), v.clone());
        }
    }
    if let Some(parent_id) = text(row, "ParentId").filter(|p| !p.trim().is_empty()) {
        params.insert("ParentId".into(), Value::from(parent_id));
        if let Some(parent) = labels.iter().find(|r| names_label(r, parent_id)) {
            if let Some(n) = text(parent, "DisplayName").or_else(|| text(parent, "Name")) {
                params.insert("ParentLabelDisplayName".into(), Value::from(n));
            }
        }
    }
    Ok(SensitivityLabelTemplate::from_parameters(params))
}
