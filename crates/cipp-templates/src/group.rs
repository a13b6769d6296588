//! Groups: created when missing; an existing group of the same name gets its description and
//! dynamic membership rule brought in line. Security, Microsoft 365, dynamic and
//! role-assignable groups go through Graph; distribution lists, mail-enabled security groups
//! and dynamic distribution lists through Exchange (`Get-`/`New-`/`Set-DistributionGroup`,
//! `...-DynamicDistributionGroup`), as CIPP does, since Graph cannot create or change them.

use serde_json::{json, Map, Value};

use crate::client::{DeployOutcome, TemplateClient};
use crate::compare::{diff, Comparison, Difference, Rules};
use crate::error::TemplateError;
use crate::models::{GroupTemplate, GroupType};

/// The groups listing (every property templates and name mapping use).
pub(crate) const GROUPS: &str = "groups?$select=id,displayName,description,mailNickname,groupTypes,membershipRule,membershipRuleProcessingState,securityEnabled,mailEnabled,isAssignableToRole";

fn group_type(t: &GroupTemplate) -> Result<GroupType, TemplateError> {
    let gt = GroupType::parse(if t.group_type.trim().is_empty() {
        "security"
    } else {
        &t.group_type
    })
    .ok_or_else(|| {
        TemplateError::invalid(
            &t.display_name,
            "groupType",
            format!("'{}' is not a group type (security, m365, dynamic, azureRole, distribution, mailEnabledSecurity, dynamicDistribution)", t.group_type),
        )
    })?;
    if gt == GroupType::DynamicDistribution
        && t.membership_rules
            .as_deref()
            .is_none_or(|r| r.trim().is_empty())
    {
        return Err(TemplateError::invalid(
            &t.display_name,
            "membershipRules",
            "a dynamic distribution list needs its recipient filter",
        ));
    }
    Ok(gt)
}

/// Whether Exchange owns groups of this type.
fn in_exchange(gt: GroupType) -> bool {
    matches!(
        gt,
        GroupType::Distribution | GroupType::MailEnabledSecurity | GroupType::DynamicDistribution
    )
}

/// The group as Graph creates it.
fn create_body(t: &GroupTemplate, gt: GroupType) -> Value {
    let mut o = Map::new();
    o.insert("displayName".into(), json!(t.display_name));
    if let Some(d) = t.description.as_deref().filter(|d| !d.is_empty()) {
        o.insert("description".into(), json!(d));
    }
    o.insert("mailNickname".into(), json!(t.mail_nickname()));
    let (mail, security, types): (bool, bool, Vec<&str>) = match gt {
        GroupType::Microsoft365 => (true, false, vec!["Unified"]),
        GroupType::Dynamic => (false, true, vec!["DynamicMembership"]),
        _ => (false, true, vec![]),
    };
    o.insert("mailEnabled".into(), json!(mail));
    o.insert("securityEnabled".into(), json!(security));
    o.insert("groupTypes".into(), json!(types));
    if gt == GroupType::AzureRole {
        o.insert("isAssignableToRole".into(), json!(true));
    }
    if gt == GroupType::Dynamic {
        o.insert(
            "membershipRule".into(),
            json!(t.membership_rules.clone().unwrap_or_default()),
        );
        o.insert("membershipRuleProcessingState".into(), json!("On"));
    }
    Value::Object(o)
}

/// What an existing group is held to: its description, and a dynamic group's rule.
fn maintained(t: &GroupTemplate, gt: GroupType) -> Value {
    let mut o = Map::new();
    if let Some(d) = &t.description {
        o.insert("description".into(), json!(d));
    }
    if gt == GroupType::Dynamic {
        o.insert(
            "membershipRule".into(),
            json!(t.membership_rules.clone().unwrap_or_default()),
        );
        o.insert("membershipRuleProcessingState".into(), json!("On"));
    }
    Value::Object(o)
}

fn find<'a>(groups: &'a [Value], name: &str) -> Option<&'a Value> {
    groups.iter().find(|g| {
        g["displayName"]
            .as_str()
            .is_some_and(|n| n.trim().eq_ignore_ascii_case(name.trim()))
    })
}

fn differences(t: &GroupTemplate, gt: GroupType, live: &Value) -> Vec<Difference> {
    let rules = Rules {
        subset: true,
        ..Rules::default()
    };
    diff(&maintained(t, gt), live, rules)
}

pub(crate) async fn compare(
    c: &TemplateClient,
    t: &GroupTemplate,
) -> Result<Comparison, TemplateError> {
    let gt = group_type(t)?;
    if in_exchange(gt) {
        let rows = exchange_groups(c, gt, &t.display_name).await?;
        let Some(live) = find_row(&rows, &t.display_name) else {
            return Ok(Comparison::Missing);
        };
        return Ok(Comparison::from_differences(
            row_id(live, &t.display_name),
            exchange_differences(t, gt, live),
        ));
    }
    let groups = c.list(GROUPS, &t.display_name).await?;
    let Some(live) = find(&groups, &t.display_name) else {
        return Ok(Comparison::Missing);
    };
    Ok(Comparison::from_differences(
        live["id"].as_str().unwrap_or_default().to_string(),
        differences(t, gt, live),
    ))
}

pub(crate) async fn deploy(
    c: &TemplateClient,
    t: &GroupTemplate,
) -> Result<DeployOutcome, TemplateError> {
    let label = t.display_name.as_str();
    let gt = group_type(t)?;
    if in_exchange(gt) {
        return deploy_exchange(c, t, gt).await;
    }
    let groups = c.list(GROUPS, label).await?;
    let graph_err = |e| c.graph_error(label, e);
    let Some(live) = find(&groups, label) else {
        let created = c
            .graph
            .post("groups", &create_body(t, gt))
            .await
            .map_err(graph_err)?;
        c.invalidate(GROUPS);
        return Ok(DeployOutcome::Created {
            id: created["id"].as_str().unwrap_or_default().to_string(),
        });
    };
    let id = live["id"].as_str().unwrap_or_default().to_string();
    let d = differences(t, gt, live);
    if d.is_empty() {
        return Ok(DeployOutcome::Unchanged { id });
    }
    let changed = crate::json::changed_keys(&d);
    let want = maintained(t, gt);
    let body: Map<String, Value> = changed
        .iter()
        .filter_map(|k| Some((k.clone(), want.get(k)?.clone())))
        .collect();
    c.graph
        .patch(&format!("groups/{id}"), &Value::Object(body))
        .await
        .map_err(graph_err)?;
    c.invalidate(GROUPS);
    Ok(DeployOutcome::Updated { id, changed })
}

pub(crate) async fn capture(c: &TemplateClient, id: &str) -> Result<GroupTemplate, TemplateError> {
    let g = c.graph.get(&format!("groups/{id}")).await.map_err(|e| {
        if e.status() == Some(404) {
            TemplateError::NotFound {
                tenant: c.tenant.clone(),
                kind: "group",
                id: id.to_string(),
            }
        } else {
            c.graph_error(id, e)
        }
    })?;
    let types: Vec<&str> = g["groupTypes"]
        .as_array()
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let has = |t: &str| types.iter().any(|x| x.eq_ignore_ascii_case(t));
    let gt = if has("Unified") {
        GroupType::Microsoft365
    } else if has("DynamicMembership") {
        GroupType::Dynamic
    } else if g["isAssignableToRole"] == true {
        GroupType::AzureRole
    } else if g["mailEnabled"] == true && g["securityEnabled"] != true {
        GroupType::Distribution
    } else if g["mailEnabled"] == true {
        GroupType::MailEnabledSecurity
    } else {
        GroupType::Security
    };
    let text = |k: &str| g[k].as_str().map(str::to_string);
    Ok(GroupTemplate {
        display_name: text("displayName").unwrap_or_default(),
        description: text("description"),
        group_type: gt.as_str().to_string(),
        membership_rules: text("membershipRule"),
        allow_external: None,
        username: text("mailNickname"),
        guid: Some(uuid::Uuid::new_v4().to_string()),
        extra: Map::new(),
    })
}

/// The noun Exchange keeps groups of this type under.
fn noun(gt: GroupType) -> &'static str {
    if gt == GroupType::DynamicDistribution {
        "DynamicDistributionGroup"
    } else {
        "DistributionGroup"
    }
}

/// Exchange's groups of `gt`'s noun, read once per client.
async fn exchange_groups(
    c: &TemplateClient,
    gt: GroupType,
    label: &str,
) -> Result<std::sync::Arc<Vec<Value>>, TemplateError> {
    let key = format!("exchange:Get-{}", noun(gt));
    if let Some(rows) = c.cached(&key) {
        return Ok(rows);
    }
    let rows = c
        .exchange
        .cmdlet(format!("Get-{}", noun(gt)))
        .rows()
        .await
        .map_err(|e| c.exchange_error(label, e))?;
    Ok(c.remember(&key, rows))
}

fn row_text<'a>(row: &'a Value, key: &str) -> Option<&'a str> {
    row.as_object()?
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(key))
        .and_then(|(_, v)| v.as_str())
}

fn find_row<'a>(rows: &'a [Value], name: &str) -> Option<&'a Value> {
    rows.iter().find(|r| {
        ["DisplayName", "Name", "Identity"]
            .iter()
            .any(|k| row_text(r, k).is_some_and(|n| n.trim().eq_ignore_ascii_case(name.trim())))
    })
}

fn row_id(row: &Value, fallback: &str) -> String {
    ["ExternalDirectoryObjectId", "Guid", "Identity"]
        .iter()
        .find_map(|k| row_text(row, k).filter(|v| !v.is_empty()))
        .unwrap_or(fallback)
        .to_string()
}

/// What the template holds an Exchange group to, by cmdlet parameter: its description,
/// whether outsiders may mail it (when the template says), and a dynamic list's filter.
fn exchange_wanted(t: &GroupTemplate, gt: GroupType) -> Map<String, Value> {
    let mut o = Map::new();
    if let Some(d) = &t.description {
        o.insert("Description".into(), json!(d));
    }
    if let Some(external) = t.allow_external {
        o.insert(
            "RequireSenderAuthenticationEnabled".into(),
            json!(!external),
        );
    }
    if gt == GroupType::DynamicDistribution {
        o.insert(
            "RecipientFilter".into(),
            json!(t.membership_rules.clone().unwrap_or_default()),
        );
    }
    o
}

/// The live row in the same shape (Exchange reports `Description` as a list).
fn exchange_live(row: &Value) -> Value {
    let mut o = Map::new();
    if let Some(fields) = row.as_object() {
        for (k, v) in fields {
            let v = match (k.as_str(), v) {
                ("Description", Value::Array(a)) => a.first().cloned().unwrap_or(json!("")),
                (_, v) => v.clone(),
            };
            o.insert(k.clone(), v);
        }
    }
    Value::Object(o)
}

fn exchange_differences(t: &GroupTemplate, gt: GroupType, live: &Value) -> Vec<Difference> {
    let rules = Rules {
        subset: true,
        ..Rules::default()
    };
    diff(
        &Value::Object(exchange_wanted(t, gt)),
        &exchange_live(live),
        rules,
    )
}

/// Create the group through Exchange when no group of its name exists, else bring its
/// description, sender restriction and filter in line; a second deploy changes nothing.
async fn deploy_exchange(
    c: &TemplateClient,
    t: &GroupTemplate,
    gt: GroupType,
) -> Result<DeployOutcome, TemplateError> {
    let label = t.display_name.as_str();
    let rows = exchange_groups(c, gt, label).await?;
    let key = format!("exchange:Get-{}", noun(gt));
    let Some(live) = find_row(&rows, label) else {
        let mut params = exchange_wanted(t, gt);
        params.insert("Name".into(), json!(label));
        params.insert("DisplayName".into(), json!(label));
        params.insert("Alias".into(), json!(t.mail_nickname()));
        // An address in the template is used when it names a real domain (CIPP's own
        // templates carry `%tenantfilter%`, which leaves the address to Exchange's default).
        if let Some(address) = t
            .username
            .as_deref()
            .filter(|u| u.contains('@') && !u.contains('%'))
        {
            params.insert("PrimarySmtpAddress".into(), json!(address.trim()));
        }
        match gt {
            GroupType::MailEnabledSecurity => {
                params.insert("Type".into(), json!("Security"));
            }
            GroupType::Distribution => {
                params.insert("Type".into(), json!("Distribution"));
            }
            _ => {}
        }
        let created = c
            .exchange
            .invoke(&format!("New-{}", noun(gt)), Value::Object(params))
            .await
            .map_err(|e| c.exchange_error(label, e))?;
        c.invalidate(&key);
        c.invalidate(GROUPS);
        let id = created
            .first()
            .map(|r| row_id(r, label))
            .unwrap_or_else(|| label.to_string());
        return Ok(DeployOutcome::Created { id });
    };
    let id = row_id(live, label);
    let d = exchange_differences(t, gt, live);
    if d.is_empty() {
        return Ok(DeployOutcome::Unchanged { id });
    }
    let changed = crate::json::changed_keys(&d);
    let want = exchange_wanted(t, gt);
    let mut params: Map<String, Value> = changed
        .iter()
        .filter_map(|k| Some((k.clone(), want.get(k)?.clone())))
        .collect();
    params.insert("Identity".into(), json!(id));
    c.exchange
        .invoke(&format!("Set-{}", noun(gt)), Value::Object(params))
        .await
        .map_err(|e| c.exchange_error(label, e))?;
    c.invalidate(&key);
    Ok(DeployOutcome::Updated { id, changed })
}
