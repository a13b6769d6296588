//! Things users asked for that an admin should look at: app consent requests waiting for
//! approval, and security info (MFA methods) registered in the directory audit log.

use serde_json::{json, Value};

use super::{arr, date, field, s};
use crate::error::AlertError;
use crate::params::Params;
use crate::rule::{param, row, Context, Rows, Rule};
use crate::time;

pub(super) const RULES: [Rule; 3] = [
    Rule {
        name: "NewAppApproval",
        description: "A user asked for admin consent to an application and the request is still in progress (one finding per user request).",
        cache_types: &["AppConsentRequests", "Organization"],
        params: &[],
        output: &["Message", "RequestId", "AppName", "RequestUser", "Reason", "RequestDate", "Status", "AppId", "Scopes", "ConsentURL", "Tenant", "TenantId"],
        history: false,
        key_fields: &["RequestId"],
        partner_cache_types: &[],
        eval: new_app_approval,
    },
    Rule {
        name: "NewMFADevice",
        description: "A user registered security info (an MFA method) within the window, from the directory audit log's authentication-method registrations.",
        cache_types: &["SecurityInfoRegistrations"],
        params: &[param("NewMFADeviceHours", "int", "1", "How many hours back to look (CIPP checks the last hour every run; widen it when runs are further apart).")],
        output: &["Message", "User", "DisplayName", "Activity", "ActivityTime", "IpAddress", "Tenant"],
        history: false,
        key_fields: &["User", "ActivityTime", "Activity"],
        partner_cache_types: &[],
        eval: new_mfa_device,
    },
    Rule {
        name: "GroupMembershipChange",
        description: "A member was added to or removed from a monitored group (by display name, wildcards allowed) within the window, from the directory audit log.",
        cache_types: &["GroupMembershipAudits"],
        params: &[
            param("GroupMembershipChangeGroups", "list", "(required)", "The monitored groups' display names, comma separated; `*` and `?` wildcards (a bare string is accepted)."),
            param("GroupMembershipChangeHours", "int", "3", "How many hours back to look (CIPP: the last 3)."),
        ],
        output: &["Message", "GroupName", "MemberName", "Action", "InitiatedBy", "ActivityTime", "Tenant"],
        history: false,
        key_fields: &["GroupName", "MemberName", "Action", "ActivityTime"],
        partner_cache_types: &[],
        eval: group_membership_change,
    },
];

fn new_app_approval(ctx: &Context<'_>, _: Params<'_>) -> Result<Rows, AlertError> {
    let tenant_id = ctx
        .rows_or_unlicensed("NewAppApproval", "Organization")
        .ok()
        .and_then(|o| o.first())
        .map(|o| s(o, "id").to_string())
        .unwrap_or_default();
    let mut rows = Vec::new();
    for app in ctx.rows("NewAppApproval", "AppConsentRequests")? {
        let scopes: Vec<&str> = arr(app, "pendingScopes")
            .iter()
            .map(|p| s(p, "displayName"))
            .filter(|p| !p.is_empty())
            .collect();
        let app_id = s(app, "appId");
        let request = s(app, "id");
        // Static consent asks for what the app registered; dynamic consent names its scopes.
        let consent_url = if s(app, "consentType").eq_ignore_ascii_case("Static")
            || scopes.is_empty()
        {
            format!("https://login.microsoftonline.com/{}/adminConsent?client_id={app_id}&bf_id={request}&redirect_uri=https://entra.microsoft.com/TokenAuthorize", ctx.tenant)
        } else {
            format!("https://login.microsoftonline.com/{}/v2.0/adminConsent?client_id={app_id}&scope={}&bf_id={request}&redirect_uri=https://entra.microsoft.com/TokenAuthorize", ctx.tenant, scopes.join(" "))
        };
        for u in arr(app, "userConsentRequests") {
            if !s(u, "status").eq_ignore_ascii_case("InProgress") {
                continue;
            }
            let user = field(u, "createdBy")
                .and_then(|c| field(c, "user"))
                .map(|x| s(x, "userPrincipalName"))
                .unwrap_or("");
            rows.push(row([
                (
                    "Message",
                    json!(format!(
                        "{user} asks for admin consent to {}",
                        s(app, "appDisplayName")
                    )),
                ),
                ("RequestId", json!(s(u, "id"))),
                ("AppName", json!(s(app, "appDisplayName"))),
                ("RequestUser", json!(user)),
                ("Reason", json!(s(u, "reason"))),
                ("RequestDate", json!(s(u, "createdDateTime"))),
                ("Status", json!(s(u, "status"))),
                ("AppId", json!(app_id)),
                ("Scopes", json!(scopes.join(", "))),
                ("ConsentURL", json!(consent_url)),
                ("TenantId", json!(tenant_id)),
            ]));
        }
    }
    Ok(rows.into())
}

/// The audit activity that means a method was added (deletions are not alerts).
const REGISTERED: &str = "User registered security info";

fn new_mfa_device(ctx: &Context<'_>, p: Params<'_>) -> Result<Rows, AlertError> {
    let hours = p.int("NewMFADeviceHours", true, 1, 1, 24 * 30)?;
    let since = ctx.now - hours * 3_600;
    let mut rows = Vec::new();
    for log in ctx.rows("NewMFADevice", "SecurityInfoRegistrations")? {
        if !s(log, "activityDisplayName").eq_ignore_ascii_case(REGISTERED) {
            continue;
        }
        let Some(at) = date(log, "activityDateTime") else {
            continue;
        };
        if at < since || at > ctx.now {
            continue;
        }
        let target = arr(log, "targetResources").first();
        let initiated = field(log, "initiatedBy").and_then(|i| field(i, "user"));
        let user = target
            .map(|t| s(t, "userPrincipalName"))
            .filter(|u| !u.is_empty())
            .or_else(|| initiated.map(|u| s(u, "userPrincipalName")))
            .unwrap_or("");
        rows.push(row([
            (
                "Message",
                json!(format!("New MFA method registered: {user}")),
            ),
            ("User", json!(user)),
            (
                "DisplayName",
                json!(target.map(|t| s(t, "displayName")).unwrap_or("")),
            ),
            ("Activity", json!(s(log, "activityDisplayName"))),
            ("ActivityTime", json!(time::format(at))),
            (
                "IpAddress",
                json!(initiated
                    .and_then(|u| field(u, "ipAddress"))
                    .cloned()
                    .unwrap_or(Value::Null)),
            ),
        ]));
    }
    Ok(rows.into())
}

fn group_membership_change(ctx: &Context<'_>, p: Params<'_>) -> Result<Rows, AlertError> {
    const RULE: &str = "GroupMembershipChange";
    let groups = p.list("GroupMembershipChangeGroups", true)?;
    if groups.is_empty() {
        return Err(AlertError::param(
            RULE,
            "GroupMembershipChangeGroups",
            "name at least one group to monitor",
        ));
    }
    let like = crate::audit::Operator::Like;
    let patterns = groups
        .iter()
        .map(|g| {
            like.compile(g).map_err(|e| {
                AlertError::param(RULE, "GroupMembershipChangeGroups", format!("'{g}': {e}"))
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    let hours = p.int("GroupMembershipChangeHours", false, 3, 1, 24 * 30)?;
    let since = ctx.now - hours * 3_600;
    let mut rows = Vec::new();
    for log in ctx.rows(RULE, "GroupMembershipAudits")? {
        let activity = s(log, "activityDisplayName");
        let added = activity.eq_ignore_ascii_case("Add member to group");
        if !added && !activity.eq_ignore_ascii_case("Remove member from group") {
            continue;
        }
        let Some(at) = date(log, "activityDateTime").filter(|t| *t >= since && *t <= ctx.now)
        else {
            continue;
        };
        let Some(member) = arr(log, "targetResources").iter().find(|t| {
            ["User", "ServicePrincipal"]
                .iter()
                .any(|k| s(t, "type").eq_ignore_ascii_case(k))
        }) else {
            continue;
        };
        let group_prop = arr(member, "modifiedProperties")
            .iter()
            .find(|m| s(m, "displayName").eq_ignore_ascii_case("Group.DisplayName"));
        let group = group_prop
            .map(|g| {
                let new = s(g, "newValue");
                if new.is_empty() {
                    s(g, "oldValue")
                } else {
                    new
                }
            })
            .unwrap_or("")
            .replace('"', "");
        if group.is_empty() || !patterns.iter().any(|p| p.is_match(&group)) {
            continue;
        }
        let initiated = field(log, "initiatedBy");
        let by = initiated
            .and_then(|i| field(i, "user"))
            .map(|u| s(u, "userPrincipalName"))
            .filter(|u| !u.is_empty())
            .or_else(|| {
                initiated
                    .and_then(|i| field(i, "app"))
                    .map(|a| s(a, "displayName"))
            })
            .unwrap_or("");
        let name = Some(s(member, "userPrincipalName"))
            .filter(|u| !u.is_empty())
            .unwrap_or(s(member, "displayName"));
        rows.push(row([
            (
                "Message",
                json!(format!(
                    "{name} was {} group '{group}' by {by}",
                    if added { "added to" } else { "removed from" }
                )),
            ),
            ("GroupName", json!(group)),
            ("MemberName", json!(name)),
            ("Action", json!(activity)),
            ("InitiatedBy", json!(by)),
            ("ActivityTime", json!(time::format(at))),
        ]));
    }
    Ok(rows.into())
}

#[cfg(test)]
mod tests {
    use super::super::test_support::run;
    use serde_json::json;

    #[test]
    fn new_app_approval_one_finding_per_request_in_progress() {
        let reqs = json!([{"id": "r1", "appId": "app-1", "appDisplayName": "Mail Merge Pro", "consentType": "Dynamic",
            "pendingScopes": [{"displayName": "Mail.Read"}, {"displayName": "offline_access"}],
            "userConsentRequests": [
                {"id": "u1", "status": "InProgress", "reason": "need it", "createdDateTime": "2026-10-30T10:00:00Z", "createdBy": {"user": {"userPrincipalName": "ann@x"}}},
                {"id": "u2", "status": "Completed", "createdBy": {"user": {"userPrincipalName": "bob@x"}}}]}]);
        let rows = run(
            "NewAppApproval",
            json!({"AppConsentRequests": reqs, "Organization": [{"id": "tid"}]}),
            json!(null),
        );
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0]["RequestUser"], "ann@x");
        assert_eq!(rows[0]["Scopes"], "Mail.Read, offline_access");
        assert_eq!(rows[0]["TenantId"], "tid");
        assert!(rows[0]["ConsentURL"]
            .as_str()
            .unwrap()
            .contains("/v2.0/adminConsent?client_id=app-1&scope=Mail.Read offline_access"));
        assert!(run(
            "NewAppApproval",
            json!({"AppConsentRequests": [], "Organization": []}),
            json!(null)
        )
        .is_empty());
    }

    #[test]
    fn group_membership_change_in_monitored_groups() {
        let change = |act: &str, when: &str, group: &str, upn: &str| {
            json!({"activityDisplayName": act, "activityDateTime": when,
                "initiatedBy": {"app": {"displayName": "Sync App"}},
                "targetResources": [
                    {"type": "User", "userPrincipalName": upn, "modifiedProperties": [
                        {"displayName": "Group.DisplayName", "oldValue": null, "newValue": format!("\"{group}\"")}]},
                    {"type": "Group", "displayName": group}]})
        };
        let logs = json!([
            change(
                "Add member to group",
                "2026-10-31T23:00:00Z",
                "Domain Admins",
                "ann@x"
            ),
            change(
                "Remove member from group",
                "2026-10-31T22:30:00Z",
                "Finance Team",
                "bob@x"
            ),
            change(
                "Add member to group",
                "2026-10-31T22:00:00Z",
                "Drivers",
                "cy@x"
            ),
            change(
                "Add member to group",
                "2026-10-30T10:00:00Z",
                "Domain Admins",
                "old@x"
            )
        ]);
        let rows = run(
            "GroupMembershipChange",
            json!({"GroupMembershipAudits": logs.clone()}),
            json!("domain admins, *finance*"),
        );
        assert_eq!(rows.len(), 2);
        assert_eq!(
            rows[0]["Message"],
            "ann@x was added to group 'Domain Admins' by Sync App"
        );
        assert_eq!(rows[1]["Action"], "Remove member from group");
        assert!(run(
            "GroupMembershipChange",
            json!({"GroupMembershipAudits": logs}),
            json!("Drivers?")
        )
        .is_empty());
        let rule = crate::catalogue::get("GroupMembershipChange").unwrap();
        let e = rule.check_params(&serde_json::Value::Null).unwrap_err();
        assert!(e.to_string().contains("GroupMembershipChangeGroups"), "{e}");
    }

    #[test]
    fn new_mfa_device_in_the_window_only() {
        let logs = json!([
            {"activityDisplayName": "User registered security info", "activityDateTime": "2026-10-31T23:30:00Z",
             "targetResources": [{"userPrincipalName": "ann@x", "displayName": "Ann"}], "initiatedBy": {"user": {"userPrincipalName": "ann@x", "ipAddress": "203.0.113.9"}}},
            {"activityDisplayName": "User deleted security info", "activityDateTime": "2026-10-31T23:40:00Z",
             "targetResources": [{"userPrincipalName": "bob@x"}]},
            {"activityDisplayName": "User registered security info", "activityDateTime": "2026-10-30T10:00:00Z",
             "targetResources": [{"userPrincipalName": ""}], "initiatedBy": {"user": {"userPrincipalName": "cy@x"}}}]);
        let rows = run(
            "NewMFADevice",
            json!({"SecurityInfoRegistrations": logs.clone()}),
            json!(null),
        );
        assert_eq!(rows.len(), 1);
        assert_eq!(
            (rows[0]["User"].as_str(), rows[0]["IpAddress"].as_str()),
            (Some("ann@x"), Some("203.0.113.9"))
        );
        let wide = run(
            "NewMFADevice",
            json!({"SecurityInfoRegistrations": logs}),
            json!({"NewMFADeviceHours": 48}),
        );
        assert_eq!(wide.len(), 2);
        assert_eq!(wide[1]["User"], "cy@x", "falls back to who initiated it");
    }
}
