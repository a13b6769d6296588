//! Assigning a deployed Intune policy, as CIPP's "Assign to" choice does: all licensed users,
//! all devices, both, or groups by display name (each turned into the tenant's group id).
//! `POST {collection}/{id}/assign {"assignments": [...]}` replaces the policy's assignments,
//! so the current ones are read first and nothing is sent when they already match.

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::client::{DeployOptions, DeployOutcome, TemplateClient};
use crate::error::TemplateError;
use crate::group::GROUPS;
use crate::intune;
use crate::template::{Template, TemplateBody};

/// Who an Intune policy applies to.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct Assignment {
    /// Every licensed user (`allLicensedUsersAssignmentTarget`).
    pub all_users: bool,
    /// Every device (`allDevicesAssignmentTarget`).
    pub all_devices: bool,
    /// Groups by display name or id (`groupAssignmentTarget`).
    pub groups: Vec<String>,
    /// Groups by display name or id left out (`exclusionGroupAssignmentTarget`).
    pub exclude_groups: Vec<String>,
}

const ALL_USERS: &str = "#microsoft.graph.allLicensedUsersAssignmentTarget";
const ALL_DEVICES: &str = "#microsoft.graph.allDevicesAssignmentTarget";
const GROUP: &str = "#microsoft.graph.groupAssignmentTarget";
const EXCLUDE: &str = "#microsoft.graph.exclusionGroupAssignmentTarget";

/// A target as a comparable key: (type, group id).
fn key(target: &Value) -> (String, String) {
    (
        target["@odata.type"]
            .as_str()
            .unwrap_or_default()
            .to_string(),
        target["groupId"]
            .as_str()
            .unwrap_or_default()
            .to_ascii_lowercase(),
    )
}

impl TemplateClient {
    /// Assign the tenant's policy of this Intune template (deployed before, found by name).
    /// Group names are looked up in the tenant; an unknown one is
    /// [`TemplateError::MissingReference`] and nothing is sent. Answers `Unchanged` when the
    /// policy is assigned exactly so already, else `Updated` (`changed: ["assignments"]`).
    ///
    /// ```no_run
    /// # async fn run(client: cipp_templates::TemplateClient, t: cipp_templates::Template) -> Result<(), cipp_templates::TemplateError> {
    /// use cipp_templates::{Assignment, DeployOptions};
    /// client.deploy(&t, &DeployOptions::new()).await?;
    /// let to = Assignment { all_devices: true, exclude_groups: vec!["Kiosks".into()], ..Assignment::default() };
    /// client.assign(&t, &to, &DeployOptions::new()).await?;
    /// # Ok(()) }
    /// ```
    pub async fn assign(
        &self,
        template: &Template,
        to: &Assignment,
        options: &DeployOptions,
    ) -> Result<DeployOutcome, TemplateError> {
        let TemplateBody::Intune(t) = &template.body else {
            return Err(TemplateError::invalid(
                template.display_name(),
                ".",
                "only Intune policies are assigned; Conditional Access policies carry their own users",
            ));
        };
        let label = t.display_name.as_str();
        if !to.all_users && !to.all_devices && to.groups.is_empty() {
            return Err(TemplateError::invalid(
                label,
                "assignment",
                "assign to all users, all devices or at least one group",
            ));
        }
        let vars = intune::variables(self, t, options).await?;
        let p = intune::prepare(t, &vars)?;
        let groups = self.list(GROUPS, label).await?;
        let group_id = |name: &str, path: &str| -> Result<String, TemplateError> {
            groups
                .iter()
                .find(|g| {
                    ["id", "displayName"].iter().any(|k| {
                        g[*k]
                            .as_str()
                            .is_some_and(|v| v.trim().eq_ignore_ascii_case(name.trim()))
                    })
                })
                .and_then(|g| g["id"].as_str())
                .map(str::to_string)
                .ok_or_else(|| TemplateError::MissingReference {
                    template: label.to_string(),
                    tenant: self.tenant.clone(),
                    kind: "group",
                    name: name.to_string(),
                    path: path.to_string(),
                })
        };
        let mut targets = Vec::new();
        if to.all_users {
            targets.push(json!({"@odata.type": ALL_USERS}));
        }
        if to.all_devices {
            targets.push(json!({"@odata.type": ALL_DEVICES}));
        }
        for (i, g) in to.groups.iter().enumerate() {
            let id = group_id(g, &format!("groups[{i}]"))?;
            targets.push(json!({"@odata.type": GROUP, "groupId": id}));
        }
        for (i, g) in to.exclude_groups.iter().enumerate() {
            let id = group_id(g, &format!("exclude_groups[{i}]"))?;
            targets.push(json!({"@odata.type": EXCLUDE, "groupId": id}));
        }
        let items = self.list(p.collection, label).await?;
        let live = intune::find_live(&items, &p, label).ok_or_else(|| TemplateError::NotFound {
            tenant: self.tenant.clone(),
            kind: "intunePolicy",
            id: label.to_string(),
        })?;
        let id = live["id"].as_str().unwrap_or_default().to_string();
        let graph_err = |e| self.graph_error(label, e);
        let current = self
            .graph
            .list_json(format!("{}/{id}/assignments", p.collection))
            .collect_all()
            .await
            .map_err(graph_err)?;
        let mut have: Vec<_> = current.iter().map(|a| key(&a["target"])).collect();
        let mut want: Vec<_> = targets.iter().map(key).collect();
        have.sort();
        want.sort();
        if have == want {
            return Ok(DeployOutcome::Unchanged { id });
        }
        let assignments: Vec<Value> = targets.into_iter().map(|t| json!({"target": t})).collect();
        self.graph
            .post(
                &format!("{}/{id}/assign", p.collection),
                &json!({"assignments": assignments}),
            )
            .await
            .map_err(graph_err)?;
        Ok(DeployOutcome::Updated {
            id,
            changed: vec!["assignments".into()],
        })
    }
}
