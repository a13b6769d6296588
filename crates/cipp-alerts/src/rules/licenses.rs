//! Licences: subscriptions about to renew or expire, seats bought and unused, seats assigned
//! beyond what was bought, and assignment errors on users.

use std::collections::BTreeMap;

use serde_json::{json, Value};

use super::{arr, date, day, field, n, s};
use crate::error::AlertError;
use crate::params::Params;
use crate::rule::{param, row, Context, Rows, Rule};
use crate::time;

pub(super) const RULES: [Rule; 4] = [
    Rule {
        name: "ExpiringLicenses",
        description: "A subscription renews or expires within the given number of days (optionally only when it has unassigned seats).",
        cache_types: &["DirectorySubscriptions", "SubscribedSkus"],
        params: &[
            param("ExpiringLicensesDays", "int", "30", "Days ahead to look (a bare number is accepted)."),
            param("ExpiringLicensesUnassignedOnly", "bool", "false", "Only subscriptions with unassigned seats."),
        ],
        output: &["Message", "License", "SkuId", "DaysUntilRenew", "Term", "Status", "TotalLicenses", "CountUsed", "CountAvailable", "NextLifecycle", "Tenant"],
        history: false,
        key_fields: &[],
        partner_cache_types: &[],
        eval: expiring,
    },
    Rule {
        name: "UnusedLicenses",
        description: "A licence has seats bought but not assigned (free and trial SKUs CIPP excludes are skipped).",
        cache_types: &["SubscribedSkus"],
        params: &[],
        output: &["Message", "LicenseName", "SkuId", "SkuPartNumber", "ConsumedUnits", "EnabledUnits", "Tenant"],
        history: false,
        key_fields: &[],
        partner_cache_types: &[],
        eval: unused,
    },
    Rule {
        name: "OverusedLicenses",
        description: "A licence has more seats assigned than bought.",
        cache_types: &["SubscribedSkus"],
        params: &[],
        output: &["Message", "LicenseName", "SkuId", "SkuPartNumber", "ConsumedUnits", "EnabledUnits", "Tenant"],
        history: false,
        key_fields: &[],
        partner_cache_types: &[],
        eval: overused,
    },
    Rule {
        name: "LicenseAssignmentErrors",
        description: "A user's licence assignment is in the Error state (the error code in words).",
        cache_types: &["UserLicenseStates", "SubscribedSkus"],
        params: &[],
        output: &["Message", "UserPrincipalName", "Error", "LicenseName", "SkuId", "DisplayName", "Id", "Tenant"],
        history: false,
        key_fields: &["UserPrincipalName", "SkuId"],
        partner_cache_types: &[],
        eval: assignment_errors,
    },
];

/// Free, viral and self-service SKUs that licence overviews leave out (their "unused" seats
/// are not money).
const EXCLUDED_SKUS: &[&str] = &[
    "FLOW_FREE",
    "POWER_BI_STANDARD",
    "POWERAPPS_VIRAL",
    "POWERAPPS_DEV",
    "TEAMS_EXPLORATORY",
    "WINDOWS_STORE",
    "STREAM",
    "CCIBOTS_PRIVPREV_VIRAL",
    "MICROSOFT_BUSINESS_CENTER",
    "RIGHTSMANAGEMENT_ADHOC",
    "MCOPSTNC",
    "FORMS_PRO",
];

struct Sku<'a> {
    row: &'a Value,
    part: &'a str,
    enabled: i64,
    consumed: i64,
}

fn skus<'a>(ctx: &Context<'a>, rule: &str) -> Result<Vec<Sku<'a>>, AlertError> {
    Ok(ctx
        .rows(rule, "SubscribedSkus")?
        .iter()
        .filter(|r| !s(r, "capabilityStatus").eq_ignore_ascii_case("Deleted"))
        .map(|r| Sku {
            row: r,
            part: s(r, "skuPartNumber"),
            enabled: field(r, "prepaidUnits")
                .and_then(|p| n(p, "enabled"))
                .unwrap_or(0.0) as i64,
            consumed: n(r, "consumedUnits").unwrap_or(0.0) as i64,
        })
        .filter(|k| !EXCLUDED_SKUS.iter().any(|x| x.eq_ignore_ascii_case(k.part)))
        .collect())
}

fn sku_row(k: &Sku<'_>, message: String) -> Value {
    row([
        ("Message", json!(message)),
        ("LicenseName", json!(k.part)),
        ("SkuId", json!(s(k.row, "skuId"))),
        ("SkuPartNumber", json!(k.part)),
        ("ConsumedUnits", json!(k.consumed)),
        ("EnabledUnits", json!(k.enabled)),
    ])
}

fn unused(ctx: &Context<'_>, _: Params<'_>) -> Result<Rows, AlertError> {
    Ok(skus(ctx, "UnusedLicenses")?
        .iter()
        .filter(|k| k.enabled - k.consumed > 0)
        .map(|k| {
            sku_row(
                k,
                format!(
                    "{} has {} unused licences ({} of {} assigned)",
                    k.part,
                    k.enabled - k.consumed,
                    k.consumed,
                    k.enabled
                ),
            )
        })
        .collect::<Vec<_>>()
        .into())
}

fn overused(ctx: &Context<'_>, _: Params<'_>) -> Result<Rows, AlertError> {
    Ok(skus(ctx, "OverusedLicenses")?
        .iter()
        .filter(|k| k.enabled - k.consumed < 0)
        .map(|k| {
            sku_row(
                k,
                format!(
                    "{} has {} licences assigned but only {} bought",
                    k.part, k.consumed, k.enabled
                ),
            )
        })
        .collect::<Vec<_>>()
        .into())
}

fn expiring(ctx: &Context<'_>, p: Params<'_>) -> Result<Rows, AlertError> {
    let days = p.int("ExpiringLicensesDays", true, 30, 1, 3650)?;
    let unassigned_only = p.flag("ExpiringLicensesUnassignedOnly", false)?;
    let skus = skus(ctx, "ExpiringLicenses")?;
    let by_id: BTreeMap<String, &Sku<'_>> = skus
        .iter()
        .map(|k| (s(k.row, "skuId").to_ascii_lowercase(), k))
        .collect();
    let mut rows = Vec::new();
    for sub in ctx.rows("ExpiringLicenses", "DirectorySubscriptions")? {
        let Some(next) = date(sub, "nextLifecycleDateTime") else {
            continue;
        };
        let left = time::days_between(ctx.now, next);
        if left <= 0 || left >= days {
            continue;
        }
        let sku = by_id.get(&s(sub, "skuId").to_ascii_lowercase());
        let part = sku
            .map(|k| k.part)
            .filter(|p| !p.is_empty())
            .unwrap_or(s(sub, "skuPartNumber"));
        if sku.is_none() && EXCLUDED_SKUS.iter().any(|x| x.eq_ignore_ascii_case(part)) {
            continue;
        }
        let total = n(sub, "totalLicenses")
            .map(|t| t as i64)
            .or(sku.map(|k| k.enabled))
            .unwrap_or(0);
        let used = sku.map(|k| k.consumed).unwrap_or(0);
        if unassigned_only && total - used <= 0 {
            continue;
        }
        let status = s(sub, "status");
        let trial = super::b(sub, "isTrial").unwrap_or(false);
        rows.push(row([
            (
                "Message",
                json!(format!(
                    "{part} {} on {}",
                    if status.eq_ignore_ascii_case("Enabled") && !trial {
                        "renews"
                    } else {
                        "expires"
                    },
                    day(next)
                )),
            ),
            ("License", json!(part)),
            ("SkuId", json!(s(sub, "skuId"))),
            ("DaysUntilRenew", json!(left)),
            ("Term", json!(if trial { "Trial" } else { "Subscription" })),
            ("Status", json!(status)),
            ("TotalLicenses", json!(total)),
            ("CountUsed", json!(used)),
            ("CountAvailable", json!(total - used)),
            ("NextLifecycle", json!(day(next))),
        ]));
    }
    Ok(rows.into())
}

/// Graph's licence assignment error codes in words.
fn error_text(code: &str) -> String {
    match code {
        "CountViolation" => "Not enough licences available".into(),
        "MutuallyExclusiveViolation" => "Conflicts with another licence's service plans".into(),
        "DependencyViolation" => "A service plan it depends on is missing".into(),
        "ProhibitedInUsageLocationViolation" => "Not available in the user's usage location".into(),
        "UniquenessViolation" => "A proxy address conflicts with another object".into(),
        "" | "None" => "Unknown error".into(),
        other => format!("Other error: {other}"),
    }
}

fn assignment_errors(ctx: &Context<'_>, _: Params<'_>) -> Result<Rows, AlertError> {
    let names: BTreeMap<String, String> = ctx
        .rows_or_unlicensed("LicenseAssignmentErrors", "SubscribedSkus")
        .unwrap_or(&[])
        .iter()
        .map(|r| {
            (
                s(r, "skuId").to_ascii_lowercase(),
                s(r, "skuPartNumber").to_string(),
            )
        })
        .collect();
    let mut rows = Vec::new();
    for user in ctx.rows("LicenseAssignmentErrors", "UserLicenseStates")? {
        for st in arr(user, "licenseAssignmentStates") {
            if !s(st, "state").eq_ignore_ascii_case("Error") {
                continue;
            }
            let sku = s(st, "skuId");
            let name = names
                .get(&sku.to_ascii_lowercase())
                .cloned()
                .unwrap_or_else(|| sku.to_string());
            let error = error_text(s(st, "error"));
            rows.push(row([
                (
                    "Message",
                    json!(format!(
                        "{} could not be licensed with {name}: {error}",
                        s(user, "userPrincipalName")
                    )),
                ),
                ("UserPrincipalName", json!(s(user, "userPrincipalName"))),
                ("Error", json!(error)),
                ("LicenseName", json!(name)),
                ("SkuId", json!(sku)),
                ("DisplayName", json!(s(user, "displayName"))),
                ("Id", json!(s(user, "id"))),
            ]));
        }
    }
    Ok(rows.into())
}

#[cfg(test)]
mod tests {
    use super::super::test_support::run;
    use serde_json::json;

    fn skus() -> serde_json::Value {
        json!([
            {"skuId": "e3", "skuPartNumber": "SPE_E3", "consumedUnits": 10, "prepaidUnits": {"enabled": 25}},
            {"skuId": "ex", "skuPartNumber": "EXCHANGESTANDARD", "consumedUnits": 10, "prepaidUnits": {"enabled": 5}},
            {"skuId": "fl", "skuPartNumber": "FLOW_FREE", "consumedUnits": 1, "prepaidUnits": {"enabled": 10000}},
            {"skuId": "bp", "skuPartNumber": "SPB", "consumedUnits": 5, "prepaidUnits": {"enabled": 5}}])
    }

    #[test]
    fn unused_and_overused() {
        let u = run(
            "UnusedLicenses",
            json!({"SubscribedSkus": skus()}),
            json!(null),
        );
        assert_eq!(u.len(), 1);
        assert_eq!(
            (
                u[0]["SkuPartNumber"].as_str(),
                u[0]["EnabledUnits"].as_i64()
            ),
            (Some("SPE_E3"), Some(25))
        );
        let o = run(
            "OverusedLicenses",
            json!({"SubscribedSkus": skus()}),
            json!(null),
        );
        assert_eq!(o.len(), 1);
        assert_eq!(o[0]["SkuPartNumber"], "EXCHANGESTANDARD");
    }

    #[test]
    fn expiring() {
        let subs = json!([
            {"skuId": "e3", "status": "Enabled", "totalLicenses": 25, "nextLifecycleDateTime": "2026-11-20T00:00:00Z", "isTrial": false},
            {"skuId": "bp", "status": "Warning", "totalLicenses": 5, "nextLifecycleDateTime": "2026-11-10T00:00:00Z", "isTrial": true},
            {"skuId": "ex", "status": "Enabled", "totalLicenses": 5, "nextLifecycleDateTime": "2027-06-01T00:00:00Z"},
            {"skuId": "ex", "status": "Enabled", "totalLicenses": 5, "nextLifecycleDateTime": "2026-10-01T00:00:00Z"}]);
        let types = json!({"SubscribedSkus": skus(), "DirectorySubscriptions": subs});
        let rows = run("ExpiringLicenses", types.clone(), json!(null));
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0]["DaysUntilRenew"], 19);
        assert!(rows[0]["Message"]
            .as_str()
            .unwrap()
            .contains("renews on 2026-11-20"));
        assert_eq!(rows[1]["Term"], "Trial");
        let only = run(
            "ExpiringLicenses",
            types.clone(),
            json!({"ExpiringLicensesUnassignedOnly": true}),
        );
        assert_eq!(only.len(), 1, "SPB has every seat assigned");
        assert_eq!(run("ExpiringLicenses", types, json!(12)).len(), 1);
    }

    #[test]
    fn assignment_errors() {
        let users = json!([{"id": "u1", "userPrincipalName": "a@x", "displayName": "A", "licenseAssignmentStates": [
            {"skuId": "e3", "state": "Error", "error": "CountViolation"},
            {"skuId": "ex", "state": "Error", "error": "MutuallyExclusiveViolation"},
            {"skuId": "bp", "state": "Active", "error": "None"}]},
            {"id": "u2", "userPrincipalName": "b@x"}]);
        let rows = run(
            "LicenseAssignmentErrors",
            json!({"UserLicenseStates": users, "SubscribedSkus": skus()}),
            json!(null),
        );
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0]["LicenseName"], "SPE_E3");
        assert_eq!(rows[0]["Error"], "Not enough licences available");
        let rule = crate::catalogue::get("LicenseAssignmentErrors").unwrap();
        let s = super::super::test_support::snap(json!({"UserLicenseStates": users}));
        let f = rule
            .evaluate(&crate::Context::new(&s), &json!(null))
            .unwrap()
            .findings;
        assert_ne!(f[0].hash, f[1].hash, "one user, two SKUs: two findings");
    }
}
