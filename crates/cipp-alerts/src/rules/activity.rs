//! Activity: users, guests and licensed users who have not signed in for a while, Entra
//! devices that have gone quiet, and Intune devices out of compliance.

use serde_json::{json, Value};

use super::{arr, b, date, s};
use crate::error::AlertError;
use crate::params::Params;
use crate::rule::{param, row, Context, Rows, Rule};
use crate::time;

const DAYS: crate::rule::ParamSpec = param(
    "DaysSinceLastLogin",
    "int",
    "90",
    "Days without a sign-in (a bare number is accepted).",
);
const EXCLUDE_DISABLED: crate::rule::ParamSpec = param(
    "ExcludeDisabled",
    "bool",
    "false",
    "Skip disabled accounts.",
);

pub(super) const RULES: [Rule; 6] = [
    Rule {
        name: "IntuneApprovalRequests",
        description: "An Intune multi-admin approval request is waiting for approval.",
        cache_types: &["OperationApprovalRequests"],
        params: &[],
        output: &["Message", "id", "status", "requestDateTime", "expirationDateTime", "requestJustification", "operation", "target", "Tenant"],
        history: false,
        key_fields: &[],
        partner_cache_types: &[],
        eval: approval_requests,
    },
    Rule {
        name: "InactiveUsers",
        description: "A member user has not signed in (interactively or not) for more than the given days, or never.",
        cache_types: &["UserSignInActivity"],
        params: &[DAYS, EXCLUDE_DISABLED],
        output: &["Message", "UserPrincipalName", "Id", "lastSignIn", "DaysSinceLastSignIn", "Tenant"],
        history: false,
        key_fields: &[],
        partner_cache_types: &[],
        eval: inactive_users,
    },
    Rule {
        name: "InactiveGuestUsers",
        description: "A guest has not signed in for more than the given days, or never.",
        cache_types: &["UserSignInActivity"],
        params: &[DAYS, EXCLUDE_DISABLED],
        output: &["Message", "UserPrincipalName", "Id", "lastSignIn", "DaysSinceLastSignIn", "Tenant"],
        history: false,
        key_fields: &[],
        partner_cache_types: &[],
        eval: inactive_guests,
    },
    Rule {
        name: "InactiveLicensedUsers",
        description: "A licensed user has not signed in for more than the given days (never-signed-in users only on request).",
        cache_types: &["UserSignInActivity", "SubscribedSkus"],
        params: &[DAYS, EXCLUDE_DISABLED, param("IncludeNeverSignedIn", "bool", "false", "Also report licensed users who never signed in.")],
        output: &["Message", "UserPrincipalName", "Id", "lastSignIn", "DaysSinceLastSignIn", "AccountEnabled", "LicenseNames", "SkuIds", "Tenant"],
        history: false,
        key_fields: &[],
        partner_cache_types: &[],
        eval: inactive_licensed,
    },
    Rule {
        name: "StaleEntraDevices",
        description: "An Entra device has had no activity (approximateLastSignInDateTime) for more than the given days, or never.",
        cache_types: &["Devices"],
        params: &[param("DaysSinceLastActivity", "int", "90", "Days without activity (a bare number is accepted)."), EXCLUDE_DISABLED],
        output: &["Message", "DeviceName", "Id", "deviceOwnership", "operatingSystem", "enrollmentType", "Enabled", "Managed", "Compliant", "JoinType", "lastActivity", "DaysSinceLastActivity", "RegisteredDateTime", "Tenant"],
        history: false,
        key_fields: &[],
        partner_cache_types: &[],
        eval: stale_devices,
    },
    Rule {
        name: "DeviceCompliance",
        description: "An Intune managed device is non-compliant.",
        cache_types: &["ManagedDevices"],
        params: &[],
        output: &["Message", "id", "deviceName", "managedDeviceOwnerType", "complianceState", "lastSyncDateTime", "Tenant"],
        history: false,
        key_fields: &[],
        partner_cache_types: &[],
        eval: device_compliance,
    },
];

/// The latest of a user's sign-in timestamps.
fn last_sign_in(u: &Value) -> Option<i64> {
    let a = super::field(u, "signInActivity")?;
    [
        "lastSignInDateTime",
        "lastNonInteractiveSignInDateTime",
        "lastSuccessfulSignInDateTime",
    ]
    .iter()
    .filter_map(|k| date(a, k))
    .max()
}

struct Inactive<'a> {
    user: &'a Value,
    last: Option<i64>,
    days: Option<i64>,
}

fn inactive<'a>(
    ctx: &Context<'a>,
    rule: &str,
    p: Params<'_>,
    keep: impl Fn(&Value) -> bool,
) -> Result<Vec<Inactive<'a>>, AlertError> {
    let limit = p.int("DaysSinceLastLogin", true, 90, 1, 3650)?;
    let exclude_disabled = p.flag("ExcludeDisabled", false)?;
    Ok(ctx
        .rows(rule, "UserSignInActivity")?
        .iter()
        .filter(|u| keep(u))
        .filter(|u| !(exclude_disabled && b(u, "accountEnabled") == Some(false)))
        .filter_map(|u| {
            let last = last_sign_in(u);
            let days = last.map(|l| time::days_between(l, ctx.now));
            (days.is_none_or(|d| d > limit)).then_some(Inactive {
                user: u,
                last,
                days,
            })
        })
        .collect())
}

fn user_row(i: &Inactive<'_>, what: &str) -> Value {
    let upn = s(i.user, "userPrincipalName");
    row([
        (
            "Message",
            json!(match i.last {
                Some(l) => format!("{what} {upn} has not signed in since {}", super::day(l)),
                None => format!("{what} {upn} has never signed in"),
            }),
        ),
        ("UserPrincipalName", json!(upn)),
        ("Id", json!(s(i.user, "id"))),
        ("lastSignIn", json!(i.last.map(time::format))),
        ("DaysSinceLastSignIn", json!(i.days)),
    ])
}

fn is_guest(u: &Value) -> bool {
    s(u, "userType").eq_ignore_ascii_case("Guest")
}

fn inactive_users(ctx: &Context<'_>, p: Params<'_>) -> Result<Rows, AlertError> {
    Ok(inactive(ctx, "InactiveUsers", p, |u| !is_guest(u))?
        .iter()
        .map(|i| user_row(i, "User"))
        .collect::<Vec<_>>()
        .into())
}

fn inactive_guests(ctx: &Context<'_>, p: Params<'_>) -> Result<Rows, AlertError> {
    Ok(inactive(ctx, "InactiveGuestUsers", p, is_guest)?
        .iter()
        .map(|i| user_row(i, "Guest"))
        .collect::<Vec<_>>()
        .into())
}

fn inactive_licensed(ctx: &Context<'_>, p: Params<'_>) -> Result<Rows, AlertError> {
    const RULE: &str = "InactiveLicensedUsers";
    // CIPP's older form stored a bare bool meaning "exclude disabled".
    let legacy = serde_json::json!({"ExcludeDisabled": p.raw().as_bool().unwrap_or(false)});
    let p = if p.raw().is_boolean() {
        Params::new(RULE, &legacy)
    } else {
        p
    };
    let never = p.flag("IncludeNeverSignedIn", false)?;
    let names: std::collections::BTreeMap<String, String> = ctx
        .rows_or_unlicensed(RULE, "SubscribedSkus")
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
    for i in inactive(ctx, RULE, p, |u| !arr(u, "assignedLicenses").is_empty())? {
        if i.last.is_none() && !never {
            continue;
        }
        let skus: Vec<&str> = arr(i.user, "assignedLicenses")
            .iter()
            .map(|l| s(l, "skuId"))
            .collect();
        let licence_names: Vec<String> = skus
            .iter()
            .map(|k| {
                names
                    .get(&k.to_ascii_lowercase())
                    .cloned()
                    .unwrap_or_else(|| k.to_string())
            })
            .collect();
        let mut r = user_row(&i, "Licensed user");
        if let Value::Object(o) = &mut r {
            o.insert("AccountEnabled".into(), json!(b(i.user, "accountEnabled")));
            o.insert("LicenseNames".into(), json!(licence_names.join(", ")));
            o.insert("SkuIds".into(), json!(skus.join(", ")));
        }
        rows.push(r);
    }
    Ok(rows.into())
}

fn stale_devices(ctx: &Context<'_>, p: Params<'_>) -> Result<Rows, AlertError> {
    let limit = p.int("DaysSinceLastActivity", true, 90, 1, 3650)?;
    let exclude_disabled = p.flag("ExcludeDisabled", false)?;
    let mut rows = Vec::new();
    for d in ctx.rows("StaleEntraDevices", "Devices")? {
        if exclude_disabled && b(d, "accountEnabled") == Some(false) {
            continue;
        }
        let last = date(d, "approximateLastSignInDateTime");
        let days = last.map(|l| time::days_between(l, ctx.now));
        if days.is_some_and(|x| x <= limit) {
            continue;
        }
        let name = s(d, "displayName");
        rows.push(row([
            (
                "Message",
                json!(match last {
                    Some(l) => format!("Device {name} has had no activity since {}", super::day(l)),
                    None => format!("Device {name} has never been active"),
                }),
            ),
            ("DeviceName", json!(name)),
            ("Id", json!(s(d, "id"))),
            ("deviceOwnership", json!(s(d, "deviceOwnership"))),
            ("operatingSystem", json!(s(d, "operatingSystem"))),
            ("enrollmentType", json!(s(d, "enrollmentType"))),
            ("Enabled", json!(b(d, "accountEnabled"))),
            ("Managed", json!(b(d, "isManaged"))),
            ("Compliant", json!(b(d, "isCompliant"))),
            ("JoinType", json!(s(d, "trustType"))),
            ("lastActivity", json!(last.map(time::format))),
            ("DaysSinceLastActivity", json!(days)),
            ("RegisteredDateTime", json!(s(d, "registrationDateTime"))),
        ]));
    }
    Ok(rows.into())
}

fn approval_requests(ctx: &Context<'_>, _: Params<'_>) -> Result<Rows, AlertError> {
    let mut rows = Vec::new();
    for r in ctx.rows("IntuneApprovalRequests", "OperationApprovalRequests")? {
        if !s(r, "status").eq_ignore_ascii_case("needsApproval") {
            continue;
        }
        let by = super::field(r, "requestor")
            .and_then(|x| super::field(x, "user"))
            .map(|u| s(u, "displayName").to_string())
            .unwrap_or_default();
        let what = super::field(r, "operationApprovalPolicies")
            .map(|v| v.to_string())
            .unwrap_or_default();
        rows.push(row([
            (
                "Message",
                json!(format!(
                    "Intune approval request {} from {} waits for approval: {}",
                    s(r, "id"),
                    if by.is_empty() { "someone" } else { &by },
                    s(r, "requestJustification")
                )),
            ),
            ("id", json!(s(r, "id"))),
            ("status", json!(s(r, "status"))),
            ("requestDateTime", json!(s(r, "requestDateTime"))),
            ("expirationDateTime", json!(s(r, "expirationDateTime"))),
            ("requestJustification", json!(s(r, "requestJustification"))),
            ("operation", json!(what)),
            (
                "target",
                super::field(r, "target").cloned().unwrap_or(Value::Null),
            ),
        ]));
    }
    Ok(rows.into())
}

fn device_compliance(ctx: &Context<'_>, _: Params<'_>) -> Result<Rows, AlertError> {
    Ok(ctx
        .rows("DeviceCompliance", "ManagedDevices")?
        .iter()
        .filter(|d| s(d, "complianceState").eq_ignore_ascii_case("noncompliant"))
        .map(|d| {
            row([
                (
                    "Message",
                    json!(format!("Device {} is not compliant", s(d, "deviceName"))),
                ),
                ("id", json!(s(d, "id"))),
                ("deviceName", json!(s(d, "deviceName"))),
                (
                    "managedDeviceOwnerType",
                    json!(s(d, "managedDeviceOwnerType")),
                ),
                ("complianceState", json!(s(d, "complianceState"))),
                ("lastSyncDateTime", json!(s(d, "lastSyncDateTime"))),
            ])
        })
        .collect::<Vec<_>>()
        .into())
}

#[cfg(test)]
mod tests {
    use super::super::test_support::run;
    use serde_json::json;

    fn users() -> serde_json::Value {
        json!([
            {"id": "1", "userPrincipalName": "old@x", "userType": "Member", "accountEnabled": true, "assignedLicenses": [{"skuId": "e3"}],
             "signInActivity": {"lastSignInDateTime": "2026-05-01T00:00:00Z", "lastNonInteractiveSignInDateTime": "2026-06-01T00:00:00Z"}},
            {"id": "2", "userPrincipalName": "new@x", "userType": "Member", "accountEnabled": true, "assignedLicenses": [{"skuId": "e3"}],
             "signInActivity": {"lastSignInDateTime": "2026-05-01T00:00:00Z", "lastNonInteractiveSignInDateTime": "2026-10-30T00:00:00Z"}},
            {"id": "3", "userPrincipalName": "never@x", "userType": "Member", "accountEnabled": false, "assignedLicenses": [{"skuId": "e3"}]},
            {"id": "4", "userPrincipalName": "guest@x", "userType": "Guest", "accountEnabled": true, "assignedLicenses": [],
             "signInActivity": {"lastSignInDateTime": "2026-01-01T00:00:00Z"}}])
    }

    fn upns(rows: &[serde_json::Value]) -> Vec<&str> {
        rows.iter()
            .map(|r| r["UserPrincipalName"].as_str().unwrap())
            .collect()
    }

    #[test]
    fn inactive_users_guests_and_licensed() {
        let t = json!({"UserSignInActivity": users(), "SubscribedSkus": [{"skuId": "e3", "skuPartNumber": "SPE_E3"}]});
        let rows = run("InactiveUsers", t.clone(), json!(null));
        assert_eq!(upns(&rows), ["old@x", "never@x"]);
        assert_eq!(rows[0]["DaysSinceLastSignIn"], 153);
        assert_eq!(
            upns(&run(
                "InactiveUsers",
                t.clone(),
                json!({"ExcludeDisabled": true})
            )),
            ["old@x"]
        );
        assert!(run("InactiveUsers", t.clone(), json!(200))
            .iter()
            .all(|r| r["UserPrincipalName"] != "old@x"));
        assert_eq!(
            upns(&run("InactiveGuestUsers", t.clone(), json!(null))),
            ["guest@x"]
        );
        let rows = run("InactiveLicensedUsers", t.clone(), json!(null));
        assert_eq!(upns(&rows), ["old@x"]);
        assert_eq!(rows[0]["LicenseNames"], "SPE_E3");
        assert_eq!(
            upns(&run(
                "InactiveLicensedUsers",
                t.clone(),
                json!({"IncludeNeverSignedIn": true})
            )),
            ["old@x", "never@x"]
        );
        assert_eq!(
            upns(&run("InactiveLicensedUsers", t, json!(true))),
            ["old@x"]
        );
    }

    #[test]
    fn stale_devices_and_compliance() {
        let devices = json!([{"id": "d1", "displayName": "OLD-PC", "accountEnabled": true, "approximateLastSignInDateTime": "2026-03-01T00:00:00Z"},
                             {"id": "d2", "displayName": "NEW-PC", "accountEnabled": true, "approximateLastSignInDateTime": "2026-10-01T00:00:00Z"},
                             {"id": "d3", "displayName": "GHOST", "accountEnabled": false}]);
        let rows = run(
            "StaleEntraDevices",
            json!({"Devices": devices}),
            json!(null),
        );
        let names: Vec<_> = rows
            .iter()
            .map(|r| r["DeviceName"].as_str().unwrap())
            .collect();
        assert_eq!(names, ["OLD-PC", "GHOST"]);
        assert_eq!(
            run(
                "StaleEntraDevices",
                json!({"Devices": devices}),
                json!({"ExcludeDisabled": true, "DaysSinceLastActivity": 20})
            )
            .len(),
            2
        );
        let md = json!([{"id": "m1", "deviceName": "LAPTOP-1", "complianceState": "noncompliant"}, {"id": "m2", "deviceName": "LAPTOP-2", "complianceState": "compliant"}]);
        let rows = run(
            "DeviceCompliance",
            json!({"ManagedDevices": md}),
            json!(null),
        );
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0]["deviceName"], "LAPTOP-1");
        let reqs = json!([{"id": "r1", "status": "needsApproval", "requestJustification": "wipe lost phone", "requestor": {"user": {"displayName": "Ann"}}},
                          {"id": "r2", "status": "approved"}]);
        let rows = run(
            "IntuneApprovalRequests",
            json!({"OperationApprovalRequests": reqs}),
            json!(null),
        );
        assert_eq!(rows.len(), 1);
        assert!(rows[0]["Message"].as_str().unwrap().contains("from Ann"));
    }
}
