//! `CopilotLimitedMode`: Copilot in Teams meetings gives no opinions for a chosen group.

use serde_json::{json, Value};

use super::util::{graph_patch, setting, single, text};
use super::{Assessment, Input, Standard};
use crate::error::StandardsError;

const CACHE: &str = "CopilotLimitedMode";

/// Copilot's limited mode (Teams meetings: no answers about sentiment, emotions or
/// judgements) is on for one group or off (`LimitedModeEnabled`, default off). The group is
/// given by display name (`GroupName`, `*` as a wildcard) and looked up as an id in the
/// tenant; it must match exactly one group. One `PATCH copilot/admin/settings/limitedMode`.
#[derive(Debug, Clone, Copy, Default)]
pub struct CopilotLimitedMode;

/// `pattern` (with `*` wildcards) matches `name`, without case.
fn wildcard(pattern: &str, name: &str) -> bool {
    let (p, n) = (pattern.to_ascii_lowercase(), name.to_ascii_lowercase());
    let parts: Vec<&str> = p.split('*').collect();
    if parts.len() == 1 {
        return p == n;
    }
    let mut rest = n.as_str();
    for (i, part) in parts.iter().enumerate() {
        if i == 0 {
            match rest.strip_prefix(part) {
                Some(r) => rest = r,
                None => return false,
            }
        } else if i == parts.len() - 1 {
            return rest.ends_with(part);
        } else {
            match rest.find(part) {
                Some(at) => rest = &rest[at + part.len()..],
                None => return false,
            }
        }
    }
    true
}

impl Standard for CopilotLimitedMode {
    fn name(&self) -> &'static str {
        "CopilotLimitedMode"
    }
    fn label(&self) -> &'static str {
        "Copilot limited mode in meetings"
    }
    fn category(&self) -> &'static str {
        "Copilot (M365) Standards"
    }
    fn description(&self) -> &'static str {
        "Turns Copilot's limited mode in Teams meetings on for one group (Copilot then keeps \
         to facts and gives no view on people's sentiment), or off."
    }
    fn cache_types(&self) -> &'static [&'static str] {
        &[CACHE, "Groups"]
    }
    fn settings(&self) -> &'static [(&'static str, &'static str)] {
        &[("LimitedModeEnabled", "false"), ("GroupName", "")]
    }

    fn assess(&self, input: &Input<'_>) -> Result<Assessment, StandardsError> {
        let bad = |key: &str, message: String| StandardsError::Setting {
            standard: self.name().into(),
            setting: key.into(),
            message,
        };
        let enabled = match setting(input.settings, "LimitedModeEnabled") {
            None => false,
            Some(Value::Bool(b)) => *b,
            Some(Value::String(s)) => s.eq_ignore_ascii_case("true"),
            Some(other) => {
                return Err(bad(
                    "LimitedModeEnabled",
                    format!("{other} is not true or false"),
                ))
            }
        };
        let group = if enabled {
            let pattern = text(input.settings, "GroupName").ok_or_else(|| {
                bad(
                    "GroupName",
                    "a group is needed when limited mode is on".into(),
                )
            })?;
            let found: Vec<&Value> = input
                .rows("Groups")
                .iter()
                .filter(|g| {
                    g["displayName"]
                        .as_str()
                        .is_some_and(|n| wildcard(&pattern, n))
                })
                .collect();
            match found.as_slice() {
                [g] => g["id"].as_str().map(str::to_ascii_lowercase),
                [] => return Err(bad("GroupName", format!("no group matches '{pattern}'"))),
                many => {
                    return Err(bad(
                        "GroupName",
                        format!(
                            "'{pattern}' matches {} groups; it must match one",
                            many.len()
                        ),
                    ))
                }
            }
        } else {
            None
        };
        let mode = input.rows(CACHE).first().cloned().unwrap_or(Value::Null);
        let mut current =
            json!({"isEnabledForGroup": mode["isEnabledForGroup"].as_bool().unwrap_or(false)});
        let mut expected = json!({"isEnabledForGroup": enabled});
        let mut body = json!({"isEnabledForGroup": enabled});
        if let Some(id) = &group {
            current["groupId"] = json!(mode["groupId"].as_str().map(str::to_ascii_lowercase));
            expected["groupId"] = json!(id);
            body["groupId"] = json!(id);
        }
        Ok(single(
            current,
            expected,
            vec![graph_patch("copilot/admin/settings/limitedMode", body)],
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::wildcard;

    #[test]
    fn wildcards_match_like_powershell_like() {
        assert!(wildcard("All Staff", "all staff"));
        assert!(wildcard("All*", "All Staff"));
        assert!(wildcard("*Staff", "All Staff"));
        assert!(wildcard("A*l S*f", "All Staff"));
        assert!(!wildcard("Staff*", "All Staff"));
        assert!(!wildcard("All", "All Staff"));
    }
}
