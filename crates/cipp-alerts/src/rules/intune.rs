//! Intune assignments that did not apply: configuration policies in conflict or error on a
//! device, and app installs that failed.
//!
//! Data: `deviceManagement/managedDevices?$expand=deviceConfigurationStates` and
//! `deviceAppManagement/mobileApps?$expand=deviceStatuses` (beta). Both are one paged read
//! per tenant that real Graph serves, where the per-policy status reports
//! (`deviceConfigurations/{id}/deviceStatuses`) would need one request per policy, which the
//! collector does not fan out.

use serde_json::{json, Value};

use super::{arr, s};
use crate::error::AlertError;
use crate::params::Params;
use crate::rule::{param, row, Context, Rows, Rule};

pub(super) const RULES: [Rule; 1] = [Rule {
    name: "IntunePolicyConflicts",
    description: "An Intune configuration policy is in conflict or error on a device, or an app install failed; one aggregated finding per tenant unless AlertEachIssue.",
    cache_types: &["ManagedDeviceConfigurationStates", "MobileAppDeviceStatuses"],
    params: &[
        param("AlertEachIssue", "bool", "false", "One finding per issue instead of one summary per tenant (the legacy `Aggregate` is its opposite; a bare bool is `Aggregate`)."),
        param("IncludePolicies", "bool", "true", "Check configuration policy states."),
        param("IncludeApplications", "bool", "true", "Check app install states."),
        param("AlertConflicts", "bool", "true", "Alert on the `conflict` state."),
        param("AlertErrors", "bool", "true", "Alert on the `error` and `failed` states."),
    ],
    output: &["Message", "Tenant", "Type", "PolicyName", "AppName", "IssueStatus", "DeviceName", "UserPrincipalName", "DeviceId", "PolicyIssues", "AppIssues", "Issues"],
    history: false,
    key_fields: &[],
    partner_cache_types: &[],
    eval: policy_conflicts,
}];

struct Settings {
    each: bool,
    policies: bool,
    apps: bool,
    statuses: Vec<&'static str>,
}

fn settings(p: &Params<'_>) -> Result<Settings, AlertError> {
    // CIPP's UI stored these as a JSON string for a while.
    let parsed: Option<Value> = p
        .raw()
        .as_str()
        .filter(|t| t.trim_start().starts_with('{'))
        .and_then(|t| serde_json::from_str(t).ok());
    let raw = parsed.as_ref().unwrap_or(p.raw());
    let p = Params::new("IntunePolicyConflicts", raw);
    let mut each = match raw {
        Value::Bool(aggregate) => !aggregate,
        _ => p.flag("AlertEachIssue", false)?,
    };
    if p.field("Aggregate").is_some() {
        each = !p.flag("Aggregate", true)?;
    }
    let mut statuses = Vec::new();
    if p.flag("AlertErrors", true)? {
        statuses.extend(["error", "failed"]);
    }
    if p.flag("AlertConflicts", true)? {
        statuses.push("conflict");
    }
    Ok(Settings {
        each,
        policies: p.flag("IncludePolicies", true)?,
        apps: p.flag("IncludeApplications", true)?,
        statuses,
    })
}

fn policy_conflicts(ctx: &Context<'_>, p: Params<'_>) -> Result<Rows, AlertError> {
    const RULE: &str = "IntunePolicyConflicts";
    let cfg = settings(&p)?;
    if cfg.statuses.is_empty() || (!cfg.policies && !cfg.apps) {
        return Ok(Rows::default());
    }
    let alertable = |state: &str| cfg.statuses.iter().any(|x| x.eq_ignore_ascii_case(state));
    let mut issues = Vec::new();
    if cfg.policies {
        for d in ctx.rows_or_unlicensed(RULE, "ManagedDeviceConfigurationStates")? {
            for st in arr(d, "deviceConfigurationStates") {
                let state = s(st, "state");
                if !alertable(state) {
                    continue;
                }
                let (policy, device, upn) = (
                    s(st, "displayName"),
                    s(d, "deviceName"),
                    s(d, "userPrincipalName"),
                );
                issues.push(row([
                    (
                        "Message",
                        json!(format!(
                            "Policy '{policy}' is {state} on device '{device}' for {upn}"
                        )),
                    ),
                    ("Type", json!("Policy")),
                    ("PolicyName", json!(policy)),
                    ("IssueStatus", json!(state)),
                    ("DeviceName", json!(device)),
                    ("UserPrincipalName", json!(upn)),
                    ("DeviceId", json!(s(d, "id"))),
                ]));
            }
        }
    }
    if cfg.apps {
        for app in ctx.rows_or_unlicensed(RULE, "MobileAppDeviceStatuses")? {
            for st in arr(app, "deviceStatuses") {
                let state = s(st, "installState");
                if !alertable(state) {
                    continue;
                }
                let (name, device, upn) = (
                    s(app, "displayName"),
                    s(st, "deviceName"),
                    s(st, "userPrincipalName"),
                );
                issues.push(row([
                    (
                        "Message",
                        json!(format!(
                            "App '{name}' install is {state} on device '{device}' for {upn}"
                        )),
                    ),
                    ("Type", json!("Application")),
                    ("AppName", json!(name)),
                    ("IssueStatus", json!(state)),
                    ("DeviceName", json!(device)),
                    ("UserPrincipalName", json!(upn)),
                    ("DeviceId", json!(s(st, "deviceId"))),
                ]));
            }
        }
    }
    if issues.is_empty() || cfg.each {
        return Ok(issues.into());
    }
    let count = |t: &str| issues.iter().filter(|i| i["Type"] == t).count();
    let (policies, apps) = (count("Policy"), count("Application"));
    Ok(vec![row([
        (
            "Message",
            json!(format!(
                "Found {policies} policy issues and {apps} application issues in Intune"
            )),
        ),
        ("PolicyIssues", json!(policies)),
        ("AppIssues", json!(apps)),
        ("Issues", Value::Array(issues)),
    ])]
    .into())
}

#[cfg(test)]
mod tests {
    use super::super::test_support::run;
    use serde_json::json;

    fn data() -> serde_json::Value {
        json!({
            "ManagedDeviceConfigurationStates": [{"id": "d1", "deviceName": "PC-1", "userPrincipalName": "ann@x", "deviceConfigurationStates": [
                {"displayName": "BitLocker", "state": "conflict"}, {"displayName": "Wi-Fi", "state": "compliant"}, {"displayName": "VPN", "state": "error"}]}],
            "MobileAppDeviceStatuses": [{"id": "a1", "displayName": "Teams", "deviceStatuses": [
                {"deviceName": "PC-1", "userPrincipalName": "ann@x", "installState": "failed", "deviceId": "d1"},
                {"deviceName": "PC-2", "installState": "installed"}]}]})
    }

    #[test]
    fn aggregated_by_default_each_issue_on_request() {
        let agg = run("IntunePolicyConflicts", data(), json!(null));
        assert_eq!(agg.len(), 1);
        assert_eq!(
            (
                agg[0]["PolicyIssues"].as_u64(),
                agg[0]["AppIssues"].as_u64()
            ),
            (Some(2), Some(1))
        );
        let each = run(
            "IntunePolicyConflicts",
            data(),
            json!({"AlertEachIssue": true}),
        );
        assert_eq!(each.len(), 3);
        assert_eq!(
            run("IntunePolicyConflicts", data(), json!(false)).len(),
            3,
            "bare bool is Aggregate"
        );
        let conflicts = run(
            "IntunePolicyConflicts",
            data(),
            json!(r#"{"Aggregate": false, "AlertErrors": false}"#),
        );
        assert_eq!(conflicts.len(), 1);
        assert_eq!(conflicts[0]["PolicyName"], "BitLocker");
        let apps = run(
            "IntunePolicyConflicts",
            data(),
            json!({"AlertEachIssue": true, "IncludePolicies": false}),
        );
        assert_eq!(apps.len(), 1);
        assert_eq!(apps[0]["AppName"], "Teams");
    }

    #[test]
    fn quiet_when_everything_applied() {
        let ok = json!({"ManagedDeviceConfigurationStates": [{"id": "d1", "deviceConfigurationStates": [{"displayName": "Wi-Fi", "state": "compliant"}]}],
                        "!MobileAppDeviceStatuses": []});
        assert!(run("IntunePolicyConflicts", ok, json!(null)).is_empty());
        let rule = crate::catalogue::get("IntunePolicyConflicts").unwrap();
        assert!(rule
            .check_params(&json!({"AlertErrors": "sometimes"}))
            .is_err());
    }
}
