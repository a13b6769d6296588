//! `ActivityBasedTimeout`: web sessions end after a period without activity.

use serde_json::{json, Value};

use super::util::{graph, single, text};
use super::{Assessment, Input, Standard};
use crate::error::StandardsError;

/// The organisation-default activity-based timeout policy exists and its default application
/// policy's `WebSessionIdleTimeout` is the chosen one (`timeout`, `hh:mm:ss`, default one
/// hour). The setting lives in JSON text inside the policy's `definition`, which is why this
/// is code: the text is parsed to compare, and written whole. The policy is created
/// (`POST`) when missing, else updated (`PATCH`).
#[derive(Debug, Clone, Copy, Default)]
pub struct ActivityBasedTimeout;

/// The cache type of `policies/activityBasedTimeoutPolicies`.
const CACHE: &str = "ActivityBasedTimeoutPolicies";

/// `hh:mm:ss`, or `d.hh:mm:ss`, with sensible ranges.
fn valid(timeout: &str) -> bool {
    let (days, clock) = timeout.split_once('.').unwrap_or(("0", timeout));
    let parts: Vec<&str> = clock.split(':').collect();
    let n = |s: &str, max: u32| s.len() == 2 && s.parse::<u32>().is_ok_and(|v| v <= max);
    days.parse::<u32>().is_ok()
        && parts.len() == 3
        && n(parts[0], 23)
        && n(parts[1], 59)
        && n(parts[2], 59)
}

/// The default application's idle timeout in a policy's `definition` texts.
fn idle_timeout(policy: &Value) -> Option<String> {
    policy["definition"]
        .as_array()?
        .iter()
        .filter_map(Value::as_str)
        .filter_map(|t| serde_json::from_str::<Value>(t).ok())
        .flat_map(|d| {
            d["ActivityBasedTimeoutPolicy"]["ApplicationPolicies"]
                .as_array()
                .cloned()
                .unwrap_or_default()
        })
        .find(|a| {
            a["ApplicationId"]
                .as_str()
                .is_some_and(|i| i.eq_ignore_ascii_case("default"))
        })
        .and_then(|a| a["WebSessionIdleTimeout"].as_str().map(str::to_string))
}

impl Standard for ActivityBasedTimeout {
    fn name(&self) -> &'static str {
        "ActivityBasedTimeout"
    }
    fn label(&self) -> &'static str {
        "Sign out idle web sessions"
    }
    fn category(&self) -> &'static str {
        "Global Standards"
    }
    fn description(&self) -> &'static str {
        "Signs users out of Microsoft 365 web apps after the chosen time without activity \
         (default one hour), through the organisation's default activity-based timeout policy."
    }
    fn cache_types(&self) -> &'static [&'static str] {
        &[CACHE]
    }
    fn settings(&self) -> &'static [(&'static str, &'static str)] {
        &[("timeout", "01:00:00")]
    }

    fn assess(&self, input: &Input<'_>) -> Result<Assessment, StandardsError> {
        let timeout = text(input.settings, "timeout").unwrap_or_else(|| "01:00:00".into());
        if !valid(&timeout) {
            return Err(StandardsError::Setting {
                standard: self.name().into(),
                setting: "timeout".into(),
                message: format!("'{timeout}' is not a duration like 01:00:00"),
            });
        }
        let policy = input
            .rows(CACHE)
            .iter()
            .find(|p| p["isOrganizationDefault"].as_bool() == Some(true));
        let current = json!({
            "configured": policy.is_some(),
            "webSessionIdleTimeout": policy.and_then(idle_timeout),
        });
        let expected = json!({"configured": true, "webSessionIdleTimeout": timeout});
        let definition = json!({"ActivityBasedTimeoutPolicy": {
            "Version": 1,
            "ApplicationPolicies": [{"ApplicationId": "default", "WebSessionIdleTimeout": timeout}]
        }})
        .to_string();
        let body = json!({
            "displayName": "DefaultTimeoutPolicy",
            "isOrganizationDefault": true,
            "definition": [definition],
        });
        let step = match policy.and_then(|p| p["id"].as_str()) {
            Some(id) => graph(
                "PATCH",
                format!("policies/activityBasedTimeoutPolicies/{id}"),
                body,
            ),
            None => graph("POST", "policies/activityBasedTimeoutPolicies", body),
        };
        Ok(single(current, expected, vec![step]))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_and_definitions_are_read() {
        assert!(valid("01:00:00") && valid("1.00:00:00") && !valid("1h") && !valid("25:00:00"));
        let p = json!({"definition": ["{\"ActivityBasedTimeoutPolicy\":{\"Version\":1,\"ApplicationPolicies\":[{\"ApplicationId\":\"default\",\"WebSessionIdleTimeout\":\"03:00:00\"}]}}"]});
        assert_eq!(idle_timeout(&p).as_deref(), Some("03:00:00"));
        assert_eq!(idle_timeout(&json!({"definition": ["not json"]})), None);
    }
}
