//! CIPP's standards templates (what its UI saves): which tenants, which standards with which
//! settings, and whether each one remediates, alerts or reports. Several templates that reach
//! one tenant combine by CIPP's precedence: all-tenants < tenant group < single tenant; within
//! a tier the newer template wins. Unlike CIPP, a tie between two templates of the same tier
//! with different settings is reported as a conflict instead of being settled silently.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::error::StandardsError;

/// A tenant or tenant-group entry of `tenantFilter` / `excludedTenants`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct TargetRef {
    /// Shown name.
    #[serde(default)]
    pub label: Option<String>,
    /// A tenant domain or GUID, `AllTenants`, or a group id.
    pub value: String,
    /// `Tenant` (default) or `Group`.
    #[serde(rename = "type", default)]
    pub kind: Option<String>,
}

impl TargetRef {
    fn is_group(&self) -> bool {
        self.kind
            .as_deref()
            .is_some_and(|k| k.eq_ignore_ascii_case("Group"))
    }

    fn is_all(&self) -> bool {
        self.value.eq_ignore_ascii_case("AllTenants")
    }
}

/// What a tenant is, for template targeting.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct TenantIdentity {
    /// GUID.
    pub id: String,
    /// Every domain (default and initial at least).
    pub domains: Vec<String>,
    /// Ids of the tenant groups it belongs to.
    pub groups: Vec<String>,
}

impl TenantIdentity {
    /// A tenant known by GUID and domains, in no group.
    pub fn new(
        id: impl Into<String>,
        domains: impl IntoIterator<Item = impl Into<String>>,
    ) -> Self {
        TenantIdentity {
            id: id.into(),
            domains: domains.into_iter().map(Into::into).collect(),
            groups: Vec::new(),
        }
    }

    /// The same tenant as a member of `groups`.
    pub fn in_groups(mut self, groups: impl IntoIterator<Item = impl Into<String>>) -> Self {
        self.groups = groups.into_iter().map(Into::into).collect();
        self
    }

    fn matches(&self, r: &TargetRef) -> bool {
        if r.is_group() {
            self.groups.iter().any(|g| g.eq_ignore_ascii_case(&r.value))
        } else {
            r.is_all()
                || self.id.eq_ignore_ascii_case(&r.value)
                || self
                    .domains
                    .iter()
                    .any(|d| d.eq_ignore_ascii_case(&r.value))
        }
    }
}

/// What a standard instance does.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Actions {
    /// Write the desired state.
    pub remediate: bool,
    /// Alert on drift (CIPP's `warn`).
    pub alert: bool,
    /// Record the result.
    pub report: bool,
}

/// The precedence tier of a template.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Tier {
    /// Targets all tenants.
    AllTenants,
    /// Targets tenant groups.
    Group,
    /// Targets named tenants.
    Tenant,
}

/// One standard as a template configures it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Instance {
    /// The standard's name (`DisableSMS`, `IntuneTemplate`...).
    pub standard: String,
    /// `standard|key`: the template id for multi-instance standards, empty otherwise.
    pub key: String,
    /// What to do.
    pub actions: Actions,
    /// The settings (pickers' `{label, value}` unwrapped, the action fields removed).
    pub settings: Map<String, Value>,
}

/// A standards template.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct StandardsTemplate {
    /// Its id (`GUID`).
    pub id: String,
    /// Its name.
    pub name: String,
    /// Run only on request (`runManually`).
    pub run_manually: bool,
    /// Tenants and groups it targets.
    pub tenant_filter: Vec<TargetRef>,
    /// Tenants and groups it leaves out.
    pub excluded: Vec<TargetRef>,
    /// Its standard instances, in file order.
    pub instances: Vec<Instance>,
    /// The raw JSON (every field kept).
    pub raw: Value,
}

fn definition_error(
    file: &str,
    path: impl Into<String>,
    message: impl Into<String>,
) -> StandardsError {
    StandardsError::Definition {
        file: file.to_string(),
        path: path.into(),
        message: message.into(),
    }
}

fn unwrap_picker(v: &Value) -> Value {
    match v {
        Value::Object(o)
            if o.contains_key("value")
                && o.keys()
                    .all(|k| matches!(k.as_str(), "label" | "value" | "type" | "rawData")) =>
        {
            o["value"].clone()
        }
        other => other.clone(),
    }
}

fn actions(item: &Map<String, Value>) -> Actions {
    let mut a = Actions::default();
    let list = item
        .get("action")
        .or_else(|| item.get("Action"))
        .or_else(|| item.get("combinedActions"));
    let values: Vec<String> = match list {
        Some(Value::Array(xs)) => xs
            .iter()
            .filter_map(|x| match x {
                Value::String(s) => Some(s.clone()),
                Value::Object(o) => o.get("value").and_then(Value::as_str).map(str::to_string),
                _ => None,
            })
            .collect(),
        Some(Value::String(s)) => vec![s.clone()],
        Some(Value::Object(o)) => o
            .get("value")
            .and_then(Value::as_str)
            .map(str::to_string)
            .into_iter()
            .collect(),
        _ => Vec::new(),
    };
    for v in values {
        match v.to_ascii_lowercase().as_str() {
            "remediate" => a.remediate = true,
            "warn" | "alert" => a.alert = true,
            "report" => a.report = true,
            _ => {}
        }
    }
    if item.get("autoRemediate").and_then(Value::as_bool) == Some(true) {
        a.remediate = true;
    }
    if a.remediate {
        a.report = true;
    }
    a
}

/// For a standard that names its templates in a list, one settings object per template (with
/// `TemplateList` holding that template's id), so each template is its own instance with its
/// own outcome, as the `multiple` template standards have. `None` for every other standard.
fn picked_templates(standard: &str, item: &Map<String, Value>) -> Option<Vec<Map<String, Value>>> {
    let field = crate::templated::template_executor(standard)
        .filter(|e| e.list)?
        .field;
    let (key, list) = item
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(field) || k.as_str() == "TemplateList")?;
    let picks: Vec<Value> = match list {
        Value::Array(xs) => xs.iter().map(unwrap_picker).collect(),
        one => vec![unwrap_picker(one)],
    };
    let key = key.clone();
    Some(
        picks
            .into_iter()
            .map(|pick| {
                let mut one = item.clone();
                one.remove(&key);
                one.insert("TemplateList".into(), pick);
                one
            })
            .collect(),
    )
}

fn instance(standard: &str, item: &Map<String, Value>, index: Option<usize>) -> Option<Instance> {
    let actions = actions(item);
    if !(actions.remediate || actions.alert || actions.report) {
        return None;
    }
    let mut settings = Map::new();
    for (k, v) in item {
        if matches!(
            k.as_str(),
            "action" | "Action" | "combinedActions" | "autoRemediate" | "rawData"
        ) {
            continue;
        }
        if k == "standards" {
            // An older shape nests the settings once more.
            if let Value::Object(inner) = v {
                for (ik, iv) in inner {
                    settings.insert(ik.clone(), unwrap_picker(iv));
                }
            }
            continue;
        }
        settings.insert(k.clone(), unwrap_picker(v));
    }
    let key = match index {
        None => String::new(),
        Some(i) => settings
            .get("TemplateList")
            .or_else(|| settings.get("displayName"))
            .and_then(Value::as_str)
            .map(str::to_string)
            .unwrap_or_else(|| format!("#{i}")),
    };
    Some(Instance {
        standard: standard.to_string(),
        key,
        actions,
        settings,
    })
}

impl StandardsTemplate {
    /// Parse a template as CIPP stores it; `file` names it in errors.
    pub fn from_json(text: &str, file: &str) -> Result<StandardsTemplate, StandardsError> {
        let raw: Value = serde_json::from_str(text)
            .map_err(|e| definition_error(file, ".", format!("not JSON: {e}")))?;
        Self::from_value(&raw, file)
    }

    /// Parse a file holding one template or an array of them (an export), oldest first; the
    /// items of an array are named `file[i]` in errors.
    pub fn all_from_json(text: &str, file: &str) -> Result<Vec<StandardsTemplate>, StandardsError> {
        let raw: Value = serde_json::from_str(text)
            .map_err(|e| definition_error(file, ".", format!("not JSON: {e}")))?;
        Self::all_from_value(&raw, file)
    }

    /// [`StandardsTemplate::all_from_json`] over parsed JSON.
    pub fn all_from_value(
        raw: &Value,
        file: &str,
    ) -> Result<Vec<StandardsTemplate>, StandardsError> {
        match raw {
            Value::Array(items) => items
                .iter()
                .enumerate()
                .map(|(i, t)| Self::from_value(t, &format!("{file}[{i}]")))
                .collect(),
            one => Ok(vec![Self::from_value(one, file)?]),
        }
    }

    /// [`StandardsTemplate::from_json`] over parsed JSON.
    pub fn from_value(raw: &Value, file: &str) -> Result<StandardsTemplate, StandardsError> {
        let obj = raw
            .as_object()
            .ok_or_else(|| definition_error(file, ".", "a template is a JSON object"))?;
        let refs = |field: &str| -> Result<Vec<TargetRef>, StandardsError> {
            match obj.get(field) {
                None | Some(Value::Null) => Ok(Vec::new()),
                Some(v) => {
                    let v = match v {
                        Value::Object(_) | Value::String(_) => Value::Array(vec![v.clone()]),
                        other => other.clone(),
                    };
                    let items = v.as_array().cloned().unwrap_or_default();
                    items
                        .into_iter()
                        .enumerate()
                        .map(|(i, x)| match x {
                            Value::String(s) => Ok(TargetRef {
                                label: None,
                                value: s,
                                kind: None,
                            }),
                            other => serde_json::from_value(other).map_err(|e| {
                                definition_error(file, format!("{field}[{i}]"), e.to_string())
                            }),
                        })
                        .collect()
                }
            }
        };
        let tenant_filter = refs("tenantFilter")?;
        let excluded = refs("excludedTenants")?;
        let mut instances = Vec::new();
        if let Some(standards) = obj.get("standards") {
            let standards = standards.as_object().ok_or_else(|| {
                definition_error(
                    file,
                    "standards",
                    "expected an object of standard -> settings",
                )
            })?;
            for (name, entry) in standards {
                match entry {
                    Value::Object(item) => match picked_templates(name, item) {
                        Some(each) => {
                            for (i, item) in each.iter().enumerate() {
                                instances.extend(instance(name, item, Some(i)));
                            }
                        }
                        None => instances.extend(instance(name, item, None)),
                    },
                    Value::Array(items) => {
                        let mut n = 0;
                        for (i, item) in items.iter().enumerate() {
                            let item = item.as_object().ok_or_else(|| {
                                definition_error(
                                    file,
                                    format!("standards.{name}[{i}]"),
                                    "expected an object",
                                )
                            })?;
                            // A list standard given in the multi-instance shape: each item may
                            // still name several templates.
                            let each =
                                picked_templates(name, item).unwrap_or_else(|| vec![item.clone()]);
                            for item in &each {
                                instances.extend(instance(name, item, Some(n)));
                                n += 1;
                            }
                        }
                    }
                    Value::Null | Value::Bool(false) => {}
                    _ => {
                        return Err(definition_error(
                            file,
                            format!("standards.{name}"),
                            "expected an object or a list of objects",
                        ))
                    }
                }
            }
        }
        Ok(StandardsTemplate {
            id: obj
                .get("GUID")
                .and_then(Value::as_str)
                .unwrap_or(file)
                .to_string(),
            name: obj
                .get("templateName")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string(),
            run_manually: obj
                .get("runManually")
                .and_then(Value::as_bool)
                .unwrap_or(false),
            tenant_filter,
            excluded,
            instances,
            raw: raw.clone(),
        })
    }

    /// The template's tier.
    pub fn tier(&self) -> Tier {
        if self.tenant_filter.iter().any(TargetRef::is_all) {
            Tier::AllTenants
        } else if self.tenant_filter.iter().any(TargetRef::is_group) {
            Tier::Group
        } else {
            Tier::Tenant
        }
    }

    /// Does the template reach `tenant`?
    pub fn applies_to(&self, tenant: &TenantIdentity) -> bool {
        self.tenant_filter.iter().any(|r| tenant.matches(r))
            && !self.excluded.iter().any(|r| tenant.matches(r))
    }
}

/// One instance after merging, with where it came from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Merged {
    /// The winning instance.
    pub instance: Instance,
    /// The template it came from.
    pub template: String,
    /// Its tier.
    pub tier: Tier,
    /// Templates whose instance it replaced (less specific, or older in the same tier).
    pub overrides: Vec<String>,
}

/// Two templates of one tier configuring one standard differently.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Conflict {
    /// `standard|key`.
    pub standard: String,
    /// The tier.
    pub tier: Tier,
    /// The templates involved (the last one is what CIPP would keep).
    pub templates: Vec<String>,
}

/// What every applicable template asks of one tenant.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Plan {
    /// One entry per standard instance, sorted by standard.
    pub standards: Vec<Merged>,
    /// Same-tier disagreements (the newer template's instance is kept, as CIPP does).
    pub conflicts: Vec<Conflict>,
}

/// Combine `templates` (oldest first) for `tenant`.
pub fn merge(templates: &[StandardsTemplate], tenant: &TenantIdentity) -> Plan {
    let mut applicable: Vec<&StandardsTemplate> =
        templates.iter().filter(|t| t.applies_to(tenant)).collect();
    // Stable: tier order, then the given (age) order within a tier.
    applicable.sort_by_key(|t| t.tier());
    let mut chosen: BTreeMap<String, Merged> = BTreeMap::new();
    let mut conflicts: BTreeMap<String, Conflict> = BTreeMap::new();
    for t in applicable {
        let tier = t.tier();
        for inst in &t.instances {
            let id = format!("{}|{}", inst.standard, inst.key);
            let entry = Merged {
                instance: inst.clone(),
                template: t.id.clone(),
                tier,
                overrides: Vec::new(),
            };
            match chosen.get_mut(&id) {
                None => {
                    chosen.insert(id, entry);
                }
                Some(prev) => {
                    let same_tier = prev.tier == tier;
                    let differs = prev.instance.settings != inst.settings
                        || prev.instance.actions != inst.actions;
                    if same_tier && differs && prev.template != t.id {
                        let c = conflicts.entry(id.clone()).or_insert_with(|| Conflict {
                            standard: id.clone(),
                            tier,
                            templates: vec![prev.template.clone()],
                        });
                        c.templates.push(t.id.clone());
                    }
                    let mut overrides = std::mem::take(&mut prev.overrides);
                    overrides.push(prev.template.clone());
                    *prev = Merged { overrides, ..entry };
                }
            }
        }
    }
    Plan {
        standards: chosen.into_values().collect(),
        conflicts: conflicts.into_values().collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn t(v: Value) -> StandardsTemplate {
        StandardsTemplate::from_json(&v.to_string(), "t.json").unwrap()
    }

    #[test]
    fn list_template_standards_become_one_instance_per_template() {
        let tpl = t(
            json!({"GUID": "a", "tenantFilter": [{"value": "AllTenants"}], "standards": {
                "TransportRuleTemplate": {"action": ["Report"], "overwrite": true,
                    "transportRuleTemplate": [{"label": "A", "value": "rule-a"}, {"label": "B", "value": "rule-b"}]},
                "GroupTemplate": [
                    {"action": ["Report"], "groupTemplate": {"label": "G", "value": "grp-1"}},
                    {"action": ["Report"], "TemplateList": [{"value": "grp-2"}, {"value": "grp-3"}]}
                ]
            }}),
        );
        let keys = |n: &str| -> Vec<&str> {
            tpl.instances
                .iter()
                .filter(|i| i.standard == n)
                .map(|i| i.key.as_str())
                .collect()
        };
        assert_eq!(keys("TransportRuleTemplate"), ["rule-a", "rule-b"]);
        assert_eq!(keys("GroupTemplate"), ["grp-1", "grp-2", "grp-3"]);
        let rule_b = tpl.instances.iter().find(|i| i.key == "rule-b").unwrap();
        assert_eq!(rule_b.settings["TemplateList"], json!("rule-b"));
        assert_eq!(rule_b.settings["overwrite"], json!(true));
        assert!(!rule_b.settings.contains_key("transportRuleTemplate"));
    }

    #[test]
    fn actions_follow_cipp_rules() {
        let tpl = t(
            json!({"GUID": "a", "tenantFilter": [{"value": "AllTenants"}], "standards": {
                "DisableSMS": {"action": [{"label": "Remediate", "value": "Remediate"}], "state": {"label": "Disabled", "value": "disabled"}},
                "AuditLog": {"action": [{"value": "warn"}]},
                "Nothing": {"action": []},
                "Auto": {"autoRemediate": true},
                "IntuneTemplate": [{"action": [{"value": "Report"}], "TemplateList": {"label": "X", "value": "tpl-1"}}, {"action": ["Report"]}]
            }}),
        );
        let by = |n: &str| tpl.instances.iter().find(|i| i.standard == n).unwrap();
        assert_eq!(
            by("DisableSMS").actions,
            Actions {
                remediate: true,
                alert: false,
                report: true
            }
        );
        assert_eq!(by("DisableSMS").settings["state"], json!("disabled"));
        assert_eq!(
            by("AuditLog").actions,
            Actions {
                remediate: false,
                alert: true,
                report: false
            }
        );
        assert!(by("Auto").actions.remediate && by("Auto").actions.report);
        assert!(tpl.instances.iter().all(|i| i.standard != "Nothing"));
        let intune: Vec<&str> = tpl
            .instances
            .iter()
            .filter(|i| i.standard == "IntuneTemplate")
            .map(|i| i.key.as_str())
            .collect();
        assert_eq!(intune, vec!["tpl-1", "#1"]);
    }

    #[test]
    fn targeting_and_exclusions() {
        let alpha = TenantIdentity::new("g-a", ["alpha.example", "alpha.onmicrosoft.com"])
            .in_groups(["grp-1"]);
        let all = t(
            json!({"GUID": "all", "tenantFilter": [{"value": "AllTenants"}], "excludedTenants": [{"value": "bravo.example"}]}),
        );
        let group =
            t(json!({"GUID": "grp", "tenantFilter": [{"value": "grp-1", "type": "Group"}]}));
        let one = t(
            json!({"GUID": "one", "tenantFilter": [{"value": "ALPHA.onmicrosoft.com", "type": "Tenant"}]}),
        );
        let not = t(
            json!({"GUID": "not", "tenantFilter": [{"value": "AllTenants"}], "excludedTenants": [{"value": "grp-1", "type": "Group"}]}),
        );
        assert!(all.applies_to(&alpha) && group.applies_to(&alpha) && one.applies_to(&alpha));
        assert!(!not.applies_to(&alpha));
        assert_eq!(
            (all.tier(), group.tier(), one.tier()),
            (Tier::AllTenants, Tier::Group, Tier::Tenant)
        );
    }

    #[test]
    fn specific_beats_general_and_same_tier_disagreements_are_reported() {
        let alpha = TenantIdentity::new("g-a", ["alpha.example"]);
        let mk = |id: &str, filter: Value, state: &str| {
            t(
                json!({"GUID": id, "tenantFilter": filter, "standards": {"DisableSMS": {"action": ["Report"], "state": state}}}),
            )
        };
        let templates = vec![
            mk("tenant", json!([{"value": "alpha.example"}]), "enabled"),
            mk("all-old", json!([{"value": "AllTenants"}]), "disabled"),
            mk("all-new", json!([{"value": "AllTenants"}]), "enabled"),
        ];
        let plan = merge(&templates, &alpha);
        assert_eq!(plan.standards.len(), 1);
        let m = &plan.standards[0];
        assert_eq!(m.template, "tenant");
        assert_eq!(
            m.overrides,
            vec!["all-old".to_string(), "all-new".to_string()]
        );
        assert_eq!(plan.conflicts.len(), 1);
        assert_eq!(
            plan.conflicts[0].templates,
            vec!["all-old".to_string(), "all-new".to_string()]
        );
    }

    #[test]
    fn malformed_templates_say_where() {
        let e = StandardsTemplate::from_json(r#"{"standards": {"X": 5}}"#, "bad.json").unwrap_err();
        assert!(
            e.to_string().contains("bad.json") && e.to_string().contains("standards.X"),
            "{e}"
        );
        let e = StandardsTemplate::from_json(
            r#"{"tenantFilter": [{"label": "no value"}]}"#,
            "bad.json",
        )
        .unwrap_err();
        assert!(e.to_string().contains("tenantFilter[0]"), "{e}");
    }
}
