//! Groups through Graph: created when missing; an existing group of the same name gets its
//! description and dynamic membership rule brought in line.

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
            format!("'{}' is not a group type (security, m365, dynamic, azureRole, distribution, dynamicDistribution)", t.group_type),
        )
    })?;
    if matches!(gt, GroupType::Distribution | GroupType::DynamicDistribution) {
        return Err(TemplateError::invalid(
            &t.display_name,
            "groupType",
            "distribution lists are Exchange objects; this crate deploys Entra groups only",
        ));
    }
    Ok(gt)
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
