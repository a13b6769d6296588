//! Group membership of one user, as CIPP's Edit User page changes it: join groups, leave
//! groups, or join every group another user is in. Security and Microsoft 365 groups change
//! through Graph (`members/$ref`); distribution lists and mail-enabled security groups through
//! Exchange (`Add-/Remove-DistributionGroupMember`), because Graph refuses to change them.
//! Every group gets its own outcome; one failure does not stop the others.

use cipp_graph::collection::encode_segment;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::{check_user, invalid, UserActions};
use crate::{ActionError, StepOutcome, StepState};

/// Which groups to join and leave. Groups are named by object id, display name or mail
/// address; a display name several groups share is refused for that group (give the id).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct GroupMembershipEdit {
    /// Groups to join.
    pub add_to: Vec<String>,
    /// Groups to leave.
    pub remove_from: Vec<String>,
    /// Join every assigned group this user (UPN or id) is a direct member of; dynamic groups
    /// are left out, since their rule decides who is in them.
    pub copy_from: Option<String>,
}

/// How a group's membership is changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Channel {
    Graph,
    Exchange,
    /// Membership follows a rule; it cannot be changed by hand.
    Dynamic,
}

#[derive(Debug, Clone)]
struct Group {
    id: String,
    name: String,
    mail: Option<String>,
    channel: Channel,
}

impl Group {
    fn from_json(v: &Value) -> Option<Group> {
        let id = v["id"].as_str()?.to_string();
        let types: Vec<&str> = v["groupTypes"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .collect();
        let channel = if types.contains(&"DynamicMembership") {
            Channel::Dynamic
        } else if v["mailEnabled"] == json!(true) && !types.contains(&"Unified") {
            Channel::Exchange
        } else {
            Channel::Graph
        };
        Some(Group {
            name: v["displayName"].as_str().unwrap_or(&id).to_string(),
            mail: v["mail"].as_str().map(str::to_string),
            id,
            channel,
        })
    }

    fn via(&self) -> &'static str {
        match self.channel {
            Channel::Graph => "graph",
            Channel::Exchange => "exchange",
            Channel::Dynamic => "none",
        }
    }
}

/// The group `wanted` names, or why none does.
fn find<'a>(groups: &'a [Group], wanted: &str) -> Result<&'a Group, String> {
    let wanted = wanted.trim();
    if let Some(g) = groups.iter().find(|g| g.id.eq_ignore_ascii_case(wanted)) {
        return Ok(g);
    }
    let by_name: Vec<&Group> = groups
        .iter()
        .filter(|g| g.name.eq_ignore_ascii_case(wanted))
        .collect();
    match by_name.as_slice() {
        [one] => return Ok(one),
        [] => {}
        many => {
            return Err(format!(
                "{} groups are named '{wanted}'; name the one meant by its id ({})",
                many.len(),
                many.iter()
                    .map(|g| g.id.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ))
        }
    }
    groups
        .iter()
        .find(|g| {
            g.mail
                .as_deref()
                .is_some_and(|m| m.eq_ignore_ascii_case(wanted))
        })
        .ok_or_else(|| format!("the tenant has no group '{wanted}'"))
}

impl GroupMembershipEdit {
    fn check(&self) -> Result<(), ActionError> {
        for (field, list) in [("add_to", &self.add_to), ("remove_from", &self.remove_from)] {
            if let Some(i) = list.iter().position(|g| g.trim().is_empty()) {
                return Err(invalid(format!("{field}[{i}]"), "is empty"));
            }
        }
        if let Some(i) = self.remove_from.iter().position(|r| {
            self.add_to
                .iter()
                .any(|a| a.trim().eq_ignore_ascii_case(r.trim()))
        }) {
            return Err(invalid(
                format!("remove_from[{i}]"),
                "is also in add_to; choose one",
            ));
        }
        if self
            .copy_from
            .as_deref()
            .is_some_and(|c| c.trim().is_empty())
        {
            return Err(invalid("copy_from", "is empty; give a UPN or object id"));
        }
        if self.add_to.is_empty() && self.remove_from.is_empty() && self.copy_from.is_none() {
            return Err(invalid(
                "groups",
                "nothing to change: give add_to, remove_from or copy_from",
            ));
        }
        Ok(())
    }
}

impl UserActions {
    /// Join and leave groups, and copy another user's groups, each group reported on its
    /// own (`addToGroup` / `removeFromGroup`, with the group, its id and the channel used in
    /// the detail). Joining a group the user is in, or leaving one they are not in, is `Info`
    /// and sends nothing.
    ///
    /// ```no_run
    /// # async fn run(users: cipp_actions::users::UserActions) -> Result<(), cipp_actions::ActionError> {
    /// use cipp_actions::users::GroupMembershipEdit;
    /// let edit = GroupMembershipEdit {
    ///     add_to: vec!["SG-Finance".into(), "sales@alphadental.com".into()],
    ///     copy_from: Some("elif.ortiz@alphadental.com".into()),
    ///     ..GroupMembershipEdit::default()
    /// };
    /// for outcome in users.edit_groups("ada@alphadental.com", &edit).await? {
    ///     println!("{}: {:?} {}", outcome.step, outcome.state, outcome.result_text);
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn edit_groups(
        &self,
        user: &str,
        edit: &GroupMembershipEdit,
    ) -> Result<Vec<StepOutcome>, ActionError> {
        check_user(user)?;
        edit.check()?;
        let (id, upn) = self.resolve(user).await?;
        let groups: Vec<Group> = self
            .graph
            .list_json("groups")
            .select([
                "id",
                "displayName",
                "mail",
                "mailEnabled",
                "securityEnabled",
                "groupTypes",
            ])
            .collect_all()
            .await
            .map_err(|e| self.graph_error("list groups", user, e))?
            .iter()
            .filter_map(Group::from_json)
            .collect();
        let current = self.direct_group_ids(&id, user).await?;
        let mut adds: Vec<(String, Option<String>)> =
            edit.add_to.iter().map(|g| (g.clone(), None)).collect();
        let mut out = Vec::new();
        if let Some(source) = &edit.copy_from {
            let (source_id, source_upn) = self.resolve(source).await?;
            if source_id.eq_ignore_ascii_case(&id) {
                return Err(invalid("copy_from", "is the user being edited"));
            }
            for gid in self.direct_group_ids(&source_id, source).await? {
                let Some(g) = groups.iter().find(|g| g.id.eq_ignore_ascii_case(&gid)) else {
                    continue;
                };
                if g.channel == Channel::Dynamic {
                    out.push(
                        StepOutcome::new(
                            "addToGroup",
                            StepState::Info,
                            format!("Not copied: {} has dynamic membership", g.name),
                        )
                        .with_detail(
                            json!({"group": g.name, "groupId": g.id, "copiedFrom": source_upn}),
                        ),
                    );
                    continue;
                }
                if !adds.iter().any(|(a, _)| a.eq_ignore_ascii_case(&g.id)) {
                    adds.push((g.id.clone(), Some(source_upn.clone())));
                }
            }
        }
        for (wanted, copied_from) in &adds {
            let o = self
                .change_group(&groups, &current, wanted, &id, &upn, true)
                .await;
            out.push(match copied_from {
                Some(s) => {
                    let mut o = o;
                    o.detail["copiedFrom"] = json!(s);
                    o
                }
                None => o,
            });
        }
        for wanted in &edit.remove_from {
            out.push(
                self.change_group(&groups, &current, wanted, &id, &upn, false)
                    .await,
            );
        }
        Ok(out)
    }

    /// Ids of the groups `id` is a direct member of.
    async fn direct_group_ids(&self, id: &str, user: &str) -> Result<Vec<String>, ActionError> {
        let rows = self
            .graph
            .list_json(format!("users/{}/memberOf", encode_segment(id)))
            .select(["id"])
            .collect_all()
            .await
            .map_err(|e| self.graph_error("list group memberships", user, e))?;
        Ok(rows
            .iter()
            .filter(|r| {
                r["@odata.type"]
                    .as_str()
                    .is_none_or(|t| t == "#microsoft.graph.group")
            })
            .filter_map(|r| r["id"].as_str().map(str::to_string))
            .collect())
    }

    async fn change_group(
        &self,
        groups: &[Group],
        current: &[String],
        wanted: &str,
        id: &str,
        upn: &str,
        add: bool,
    ) -> StepOutcome {
        let step = if add { "addToGroup" } else { "removeFromGroup" };
        let g = match find(groups, wanted) {
            Ok(g) => g,
            Err(why) => {
                return StepOutcome::new(step, StepState::Error, why)
                    .with_detail(json!({"group": wanted}))
            }
        };
        let detail = json!({"group": g.name, "groupId": g.id, "via": g.via()});
        let member = current.iter().any(|c| c.eq_ignore_ascii_case(&g.id));
        if member == add {
            let text = if add {
                format!("{upn} is already in {}", g.name)
            } else {
                format!("{upn} is not in {}", g.name)
            };
            return StepOutcome::new(step, StepState::Info, text).with_detail(detail);
        }
        let result = match (g.channel, add) {
            (Channel::Dynamic, _) => Err(format!(
                "{} has dynamic membership: its rule decides who is in it",
                g.name
            )),
            (Channel::Graph, true) => self
                .graph
                .post(
                    &format!("groups/{}/members/$ref", encode_segment(&g.id)),
                    &json!({"@odata.id": format!("https://graph.microsoft.com/v1.0/directoryObjects/{id}")}),
                )
                .await
                .map(|_| ())
                .map_err(|e| e.to_string()),
            (Channel::Graph, false) => self
                .graph
                .delete(&format!(
                    "groups/{}/members/{}/$ref",
                    encode_segment(&g.id),
                    encode_segment(id)
                ))
                .await
                .map_err(|e| e.to_string()),
            (Channel::Exchange, add) => self
                .exchange
                .invoke(
                    if add {
                        "Add-DistributionGroupMember"
                    } else {
                        "Remove-DistributionGroupMember"
                    },
                    json!({"Identity": g.id, "Member": id, "BypassSecurityGroupManagerCheck": true, "Confirm": false}),
                )
                .await
                .map(|_| ())
                .map_err(|e| e.to_string()),
        };
        match result {
            Ok(()) => StepOutcome::new(
                step,
                StepState::Success,
                if add {
                    format!("Added {upn} to {}", g.name)
                } else {
                    format!("Removed {upn} from {}", g.name)
                },
            ),
            Err(e) => StepOutcome::new(
                step,
                StepState::Error,
                format!(
                    "Could not {} {upn} {} {}: {e}",
                    if add { "add" } else { "remove" },
                    if add { "to" } else { "from" },
                    g.name
                ),
            ),
        }
        .with_detail(detail)
    }
}
