//! `RetentionPolicyTag`: deleted items are purged after a number of days.

use serde_json::{json, Value};

use super::exchange_common::EXCHANGE_PLANS;
use super::util::{exchange, number, single};
use super::{Assessment, Input, Standard};
use crate::error::StandardsError;

/// The retention tag `CIPP Deleted Items` (type `DeletedItems`) permanently deletes what has
/// been in Deleted Items for `AgeLimitForRetention` days, and `Default MRM Policy` (the policy
/// every mailbox gets) links it. Missing, the tag is created, else set; a missing link is
/// added to the policy's links, keeping every tag it already links. No other tag or policy is
/// changed. Exchange shows the age as a time span (`30.00:00:00`) and takes days, which is one
/// reason this is code; linking (read the list, add one) is the other.
#[derive(Debug, Clone, Copy, Default)]
pub struct RetentionPolicyTag;

const TAGS: &str = "ExoRetentionPolicyTags";
const POLICIES: &str = "ExoRetentionPolicies";
const TAG_NAME: &str = "CIPP Deleted Items";
const POLICY_NAME: &str = "Default MRM Policy";

/// Whole days of a time span as Exchange shows it (`30.00:00:00`; `12:00:00` is 0 days).
fn days_of(v: &Value) -> Option<u64> {
    let t = v.as_str()?.trim();
    match t.split_once('.') {
        Some((d, rest)) if rest.contains(':') => d.parse().ok(),
        _ if t.contains(':') => Some(0),
        _ => t.parse().ok(),
    }
}

fn named<'a>(rows: &'a [Value], name: &str) -> Option<&'a Value> {
    rows.iter().find(|r| {
        ["Identity", "Name"]
            .iter()
            .any(|k| r[*k].as_str().is_some_and(|n| n.eq_ignore_ascii_case(name)))
    })
}

impl Standard for RetentionPolicyTag {
    fn name(&self) -> &'static str {
        "RetentionPolicyTag"
    }
    fn label(&self) -> &'static str {
        "Purge Deleted Items after a number of days"
    }
    fn category(&self) -> &'static str {
        "Exchange Standards"
    }
    fn description(&self) -> &'static str {
        "Keeps a retention tag that permanently deletes mail left in Deleted Items for the \
         given number of days, linked to the default retention policy every mailbox gets."
    }
    fn cache_types(&self) -> &'static [&'static str] {
        &[TAGS, POLICIES]
    }
    fn required_capabilities(&self) -> &'static [&'static str] {
        EXCHANGE_PLANS
    }
    fn settings(&self) -> &'static [(&'static str, &'static str)] {
        &[("AgeLimitForRetention", "")]
    }

    fn assess(&self, input: &Input<'_>) -> Result<Assessment, StandardsError> {
        let days = number(self.name(), input.settings, "AgeLimitForRetention", 0, 1)?;
        if days == 0 {
            return Err(StandardsError::Setting {
                standard: self.name().into(),
                setting: "AgeLimitForRetention".into(),
                message: "is required: the days deleted items are kept".into(),
            });
        }
        let tag = named(input.rows(TAGS), TAG_NAME);
        let policy = named(input.rows(POLICIES), POLICY_NAME);
        let links: Vec<String> = policy
            .and_then(|p| p["RetentionPolicyTagLinks"].as_array())
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .map(str::to_string)
            .collect();
        let linked = links.iter().any(|l| l.eq_ignore_ascii_case(TAG_NAME));
        let get = |key: &str| tag.map(|t| t[key].clone()).unwrap_or(Value::Null);
        let current = json!({
            "exists": tag.is_some(),
            "retentionEnabled": get("RetentionEnabled"),
            "retentionAction": get("RetentionAction"),
            "ageLimitForRetention": tag.and_then(|t| days_of(&t["AgeLimitForRetention"])),
            "type": get("Type"),
            "policyTagLinked": linked,
        });
        let expected = json!({
            "exists": true,
            "retentionEnabled": true,
            "retentionAction": "PermanentlyDelete",
            "ageLimitForRetention": days,
            "type": "DeletedItems",
            "policyTagLinked": true,
        });
        let mut steps = Vec::new();
        let mut tag_params = json!({"RetentionEnabled": true, "AgeLimitForRetention": days,
            "RetentionAction": "PermanentlyDelete"});
        let tag_differs = [
            "exists",
            "retentionEnabled",
            "retentionAction",
            "ageLimitForRetention",
        ]
        .iter()
        .any(|k| current[*k] != expected[*k]);
        if tag.is_none() {
            tag_params["Name"] = json!(TAG_NAME);
            tag_params["Type"] = json!("DeletedItems");
            steps.push(exchange("New-RetentionPolicyTag", tag_params));
        } else if tag_differs {
            tag_params["Identity"] = json!(TAG_NAME);
            steps.push(exchange("Set-RetentionPolicyTag", tag_params));
        }
        if !linked {
            let mut all = links.clone();
            all.push(TAG_NAME.into());
            let identity = policy
                .and_then(|p| p["Identity"].as_str())
                .unwrap_or(POLICY_NAME);
            steps.push(exchange(
                "Set-RetentionPolicy",
                json!({"Identity": identity, "RetentionPolicyTagLinks": all}),
            ));
        }
        Ok(single(current, expected, steps))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ages_read_in_days() {
        assert_eq!(days_of(&json!("30.00:00:00")), Some(30));
        assert_eq!(days_of(&json!("12:00:00")), Some(0));
        assert_eq!(days_of(&json!("7")), Some(7));
        assert_eq!(days_of(&Value::Null), None);
    }
}
