//! Security signals: Defender XDR alerts and incidents, users newly flagged as risky, and
//! Global Administrator password changes.

use std::collections::BTreeSet;

use serde_json::{json, Value};

use super::{arr, date, field, s, GLOBAL_ADMIN};
use crate::error::AlertError;
use crate::params::Params;
use crate::rule::{param, row, Context, Rows, Rule};
use crate::time;

pub(super) const RULES: [Rule; 4] = [
    Rule {
        name: "DefenderAlerts",
        description: "Microsoft Defender XDR has new alerts (optionally only some severities).",
        cache_types: &["DefenderAlerts"],
        params: &[param("AlertSeverities", "list", "\"\"", "Severities to report (informational, low, medium, high); empty or All: every one.")],
        output: &["Message", "Title", "Description", "Severity", "Category", "ServiceSource", "ProductName", "DetectionSource", "Classification", "Determination", "ThreatDisplayName", "ThreatFamilyName", "ActorDisplayName", "MitreTechniques", "AssignedTo", "FirstActivityDateTime", "LastActivityDateTime", "CreatedAt", "RecommendedActions", "AlertID", "IncidentID", "AlertUrl", "IncidentUrl", "Tenant"],
        history: false,
        key_fields: &["AlertID"],
        partner_cache_types: &[],
        eval: defender_alerts,
    },
    Rule {
        name: "DefenderIncidents",
        description: "Microsoft Defender XDR has active incidents (optionally only some severities).",
        cache_types: &["DefenderIncidents"],
        params: &[param("IncidentSeverities", "list", "\"\"", "Severities to report (informational, low, medium, high); empty or All: every one.")],
        output: &["Message", "IncidentName", "Severity", "Classification", "Determination", "Summary", "AssignedTo", "CreatedAt", "IncidentID", "IncidentUrl", "Tenant"],
        history: false,
        key_fields: &["IncidentID"],
        partner_cache_types: &[],
        eval: defender_incidents,
    },
    Rule {
        name: "NewRiskyUsers",
        description: "A user appears in Identity Protection's risky users who was not there at the last run (the first run only records; needs Entra ID P2).",
        cache_types: &["RiskyUsers"],
        params: &[],
        output: &["Message", "UserPrincipalName", "Details", "RiskLevel", "RiskState", "RiskDetail", "LastUpdated", "IsProcessing", "Tenant"],
        history: true,
        key_fields: &[],
        partner_cache_types: &[],
        eval: new_risky_users,
    },
    Rule {
        name: "AdminPassword",
        description: "A Global Administrator's password changed in the last 24 hours.",
        cache_types: &["Roles", "UserPasswordChanges"],
        params: &[],
        output: &["Message", "UserPrincipalName", "lastPasswordChangeDateTime", "Tenant"],
        history: false,
        key_fields: &["UserPrincipalName", "lastPasswordChangeDateTime"],
        partner_cache_types: &[],
        eval: admin_password,
    },
];

/// The severities asked for (lower case); empty: all.
fn severities(p: Params<'_>, name: &str) -> Result<Vec<String>, AlertError> {
    let list: Vec<String> = p
        .list(name, true)?
        .into_iter()
        .map(|x| x.to_ascii_lowercase())
        .collect();
    Ok(if list.iter().any(|x| x == "all") {
        Vec::new()
    } else {
        list
    })
}

fn wanted(severities: &[String], v: &Value) -> bool {
    severities.is_empty() || severities.contains(&s(v, "severity").to_ascii_lowercase())
}

fn defender_alerts(ctx: &Context<'_>, p: Params<'_>) -> Result<Rows, AlertError> {
    let sev = severities(p, "AlertSeverities")?;
    let mut rows = Vec::new();
    for a in ctx.rows("DefenderAlerts", "DefenderAlerts")? {
        if !s(a, "status").eq_ignore_ascii_case("new") || !wanted(&sev, a) {
            continue;
        }
        let get = |k: &str| field(a, k).cloned().unwrap_or(Value::Null);
        rows.push(row([
            (
                "Message",
                json!(format!(
                    "Defender alert ({}): {}",
                    s(a, "severity"),
                    s(a, "title")
                )),
            ),
            ("Title", get("title")),
            ("Description", get("description")),
            ("Severity", get("severity")),
            ("Category", get("category")),
            ("ServiceSource", get("serviceSource")),
            ("ProductName", get("productName")),
            ("DetectionSource", get("detectionSource")),
            ("Classification", get("classification")),
            ("Determination", get("determination")),
            ("ThreatDisplayName", get("threatDisplayName")),
            ("ThreatFamilyName", get("threatFamilyName")),
            ("ActorDisplayName", get("actorDisplayName")),
            ("MitreTechniques", get("mitreTechniques")),
            ("AssignedTo", get("assignedTo")),
            ("FirstActivityDateTime", get("firstActivityDateTime")),
            ("LastActivityDateTime", get("lastActivityDateTime")),
            ("CreatedAt", get("createdDateTime")),
            ("RecommendedActions", get("recommendedActions")),
            ("AlertID", get("id")),
            ("IncidentID", get("incidentId")),
            ("AlertUrl", get("alertWebUrl")),
            ("IncidentUrl", get("incidentWebUrl")),
        ]));
    }
    Ok(rows.into())
}

fn defender_incidents(ctx: &Context<'_>, p: Params<'_>) -> Result<Rows, AlertError> {
    let sev = severities(p, "IncidentSeverities")?;
    let mut rows = Vec::new();
    for i in ctx.rows("DefenderIncidents", "DefenderIncidents")? {
        if !s(i, "status").eq_ignore_ascii_case("active") || !wanted(&sev, i) {
            continue;
        }
        let get = |k: &str| field(i, k).cloned().unwrap_or(Value::Null);
        rows.push(row([
            (
                "Message",
                json!(format!(
                    "Defender incident ({}): {}",
                    s(i, "severity"),
                    s(i, "displayName")
                )),
            ),
            ("IncidentName", get("displayName")),
            ("Severity", get("severity")),
            ("Classification", get("classification")),
            ("Determination", get("determination")),
            ("Summary", get("summary")),
            ("AssignedTo", get("assignedTo")),
            ("CreatedAt", get("createdDateTime")),
            ("IncidentID", get("id")),
            ("IncidentUrl", get("incidentWebUrl")),
        ]));
    }
    Ok(rows.into())
}

fn new_risky_users(ctx: &Context<'_>, _: Params<'_>) -> Result<Rows, AlertError> {
    let users = ctx.rows("NewRiskyUsers", "RiskyUsers")?;
    let now: BTreeSet<String> = users
        .iter()
        .map(|u| s(u, "userPrincipalName").to_lowercase())
        .filter(|u| !u.is_empty())
        .collect();
    let mut rows = Vec::new();
    if let Some(prev) = ctx.previous {
        let before: BTreeSet<String> = prev
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .map(str::to_string)
            .collect();
        for u in users {
            let upn = s(u, "userPrincipalName");
            if upn.is_empty() || before.contains(&upn.to_lowercase()) {
                continue;
            }
            rows.push(row([
                (
                    "Message",
                    json!(format!(
                        "{upn} is now a risky user ({} risk, {})",
                        s(u, "riskLevel"),
                        s(u, "riskState")
                    )),
                ),
                ("UserPrincipalName", json!(upn)),
                ("Details", json!(s(u, "riskDetail"))),
                ("RiskLevel", json!(s(u, "riskLevel"))),
                ("RiskState", json!(s(u, "riskState"))),
                ("RiskDetail", json!(s(u, "riskDetail"))),
                ("LastUpdated", json!(s(u, "riskLastUpdatedDateTime"))),
                ("IsProcessing", json!(super::b(u, "isProcessing"))),
            ]));
        }
    }
    Ok(Rows {
        rows,
        state: Some(json!(now)),
    })
}

fn admin_password(ctx: &Context<'_>, _: Params<'_>) -> Result<Rows, AlertError> {
    const RULE: &str = "AdminPassword";
    let admins: BTreeSet<String> = ctx
        .rows(RULE, "Roles")?
        .iter()
        .filter(|r| s(r, "roleTemplateId").eq_ignore_ascii_case(GLOBAL_ADMIN))
        .flat_map(|r| arr(r, "members"))
        .map(|m| s(m, "id").to_ascii_lowercase())
        .collect();
    let mut rows = Vec::new();
    for u in ctx.rows(RULE, "UserPasswordChanges")? {
        if !admins.contains(&s(u, "id").to_ascii_lowercase()) {
            continue;
        }
        let Some(at) = date(u, "lastPasswordChangeDateTime") else {
            continue;
        };
        if at > ctx.now || ctx.now - at > time::DAY {
            continue;
        }
        let upn = s(u, "userPrincipalName");
        rows.push(row([
            (
                "Message",
                json!(format!(
                    "The password of Global Administrator {upn} changed at {}",
                    time::format(at)
                )),
            ),
            ("UserPrincipalName", json!(upn)),
            (
                "lastPasswordChangeDateTime",
                json!(s(u, "lastPasswordChangeDateTime")),
            ),
        ]));
    }
    Ok(rows.into())
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{run, snap};
    use serde_json::json;

    #[test]
    fn defender_alerts_and_incidents() {
        let alerts = json!([{"id": "a1", "title": "Ransomware", "severity": "high", "status": "new"},
                            {"id": "a2", "title": "Odd login", "severity": "low", "status": "new"},
                            {"id": "a3", "title": "Old", "severity": "high", "status": "resolved"}]);
        assert_eq!(
            run(
                "DefenderAlerts",
                json!({"DefenderAlerts": alerts}),
                json!(null)
            )
            .len(),
            2
        );
        let high = run(
            "DefenderAlerts",
            json!({"DefenderAlerts": alerts}),
            json!({"AlertSeverities": [{"value": "High"}]}),
        );
        assert_eq!(high.len(), 1);
        assert_eq!(high[0]["AlertID"], "a1");
        assert_eq!(
            run(
                "DefenderAlerts",
                json!({"DefenderAlerts": alerts}),
                json!("All")
            )
            .len(),
            2
        );
        let inc = json!([{"id": "i1", "displayName": "Multi-stage", "severity": "medium", "status": "active"}, {"id": "i2", "status": "resolved"}]);
        let rows = run(
            "DefenderIncidents",
            json!({"DefenderIncidents": inc}),
            json!(null),
        );
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0]["IncidentName"], "Multi-stage");
    }

    #[test]
    fn risky_users_seed_then_report_new_ones() {
        let rule = crate::catalogue::get("NewRiskyUsers").unwrap();
        let s1 = snap(
            json!({"RiskyUsers": [{"userPrincipalName": "a@x", "riskLevel": "high", "riskState": "atRisk"}]}),
        );
        let first = rule
            .evaluate(&crate::Context::new(&s1), &json!(null))
            .unwrap();
        assert!(first.findings.is_empty());
        let s2 = snap(
            json!({"RiskyUsers": [{"userPrincipalName": "A@x"}, {"userPrincipalName": "b@x", "riskLevel": "medium", "riskState": "atRisk"}]}),
        );
        let second = rule
            .evaluate(
                &crate::Context::new(&s2).with_previous(first.state.as_ref()),
                &json!(null),
            )
            .unwrap();
        assert_eq!(second.findings.len(), 1);
        assert_eq!(second.findings[0].data["UserPrincipalName"], "b@x");
    }

    #[test]
    fn admin_password_changes_in_the_last_day() {
        let roles = json!([{"roleTemplateId": super::GLOBAL_ADMIN, "members": [{"id": "u1"}, {"id": "u2"}]}]);
        let users = json!([{"id": "u1", "userPrincipalName": "admin@x", "lastPasswordChangeDateTime": "2026-10-31T12:00:00Z"},
                           {"id": "u2", "userPrincipalName": "old@x", "lastPasswordChangeDateTime": "2026-06-01T00:00:00Z"},
                           {"id": "u3", "userPrincipalName": "user@x", "lastPasswordChangeDateTime": "2026-10-31T12:00:00Z"}]);
        let rows = run(
            "AdminPassword",
            json!({"Roles": roles, "UserPasswordChanges": users}),
            json!(null),
        );
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0]["UserPrincipalName"], "admin@x");
    }
}
