//! Identity: administrators without MFA or an alternate address, Global Administrators
//! outside an allow list, licensed administrators, new role members, users without MFA, and
//! Entra Connect sync that has stopped.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{json, Value};

use super::{arr, b, date, field, s, GLOBAL_ADMIN};
use crate::error::AlertError;
use crate::params::Params;
use crate::rule::{param, row, Context, Rows, Rule};
use crate::time;

pub(super) const RULES: [Rule; 7] = [
    Rule {
        name: "MFAAdmins",
        description: "An administrator has no MFA method registered, or has one but nothing enforces MFA (per-user MFA, Security Defaults or an enabled Conditional Access policy requiring it).",
        cache_types: &["UserRegistrationDetails", "Users", "SecurityDefaults", "ConditionalAccessPolicies"],
        params: &[param("IncludeDisabled", "bool", "false", "Also report disabled accounts.")],
        output: &["Message", "UserPrincipalName", "DisplayName", "Id", "Tenant"],
        history: false,
        key_fields: &[],
        partner_cache_types: &[],
        eval: mfa_admins,
    },
    Rule {
        name: "MFAAlertUsers",
        description: "A member user who is not an administrator has no MFA method registered.",
        cache_types: &["UserRegistrationDetails"],
        params: &[],
        output: &["Message", "UserPrincipalName", "DisplayName", "Id", "Tenant"],
        history: false,
        key_fields: &[],
        partner_cache_types: &[],
        eval: mfa_users,
    },
    Rule {
        name: "NewRole",
        description: "Someone was added to an activated directory role since the last run (the first run only records the members).",
        cache_types: &["Roles"],
        params: &[],
        output: &["Message", "User", "Role", "Tenant"],
        history: true,
        key_fields: &[],
        partner_cache_types: &[],
        eval: new_role,
    },
    Rule {
        name: "GlobalAdminNoAltEmail",
        description: "A Global Administrator (user) has no alternate e-mail address (otherMails).",
        cache_types: &["Roles", "Users"],
        params: &[],
        output: &["Message", "DisplayName", "UserPrincipalName", "Id", "Tenant"],
        history: false,
        key_fields: &[],
        partner_cache_types: &[],
        eval: ga_no_alt_email,
    },
    Rule {
        name: "GlobalAdminAllowList",
        description: "A Global Administrator's UPN prefix (before the @) is not in the approved list.",
        cache_types: &["Roles"],
        params: &[
            param("ApprovedGlobalAdmins", "list", "\"\"", "Approved UPN prefixes, comma separated (required)."),
            param("AlertEachAdmin", "bool", "false", "One finding per admin instead of one for the tenant."),
        ],
        output: &["Message", "Admin", "UpnPrefix", "DisplayName", "UserPrincipalName", "Id", "AllowedList", "NonCompliantUsers", "ApprovedPrefixes", "Tenant"],
        history: false,
        key_fields: &[],
        partner_cache_types: &[],
        eval: ga_allow_list,
    },
    Rule {
        name: "LicensedUsersWithRoles",
        description: "A licensed user is a member of a directory role (administrators should use separate, unlicensed accounts).",
        cache_types: &["Users", "Roles"],
        params: &[],
        output: &["Message", "UserPrincipalName", "DisplayName", "Id", "Roles", "Tenant"],
        history: false,
        key_fields: &[],
        partner_cache_types: &[],
        eval: licensed_with_roles,
    },
    Rule {
        name: "EntraConnectSyncStatus",
        description: "Directory sync is enabled but the older of the last directory and password sync is older than the given hours.",
        cache_types: &["Organization"],
        params: &[param("Hours", "int", "72", "Hours without a sync before alerting (a bare number is accepted).")],
        output: &["Message", "LastSync", "Cause", "LastPasswordSync", "LastDirectorySync", "Tenant"],
        history: false,
        key_fields: &[],
        partner_cache_types: &[],
        eval: sync_status,
    },
];

fn registered(d: &Value) -> bool {
    b(d, "isMfaRegistered").unwrap_or(false)
}

fn user_row(message: String, upn: &str, name: &str, id: &str) -> Value {
    row([
        ("Message", json!(message)),
        ("UserPrincipalName", json!(upn)),
        ("DisplayName", json!(name)),
        ("Id", json!(id)),
    ])
}

/// Whether an enabled Conditional Access policy requires MFA (or an authentication strength).
fn ca_enforces_mfa(policies: &[Value]) -> bool {
    policies.iter().any(|p| {
        s(p, "state").eq_ignore_ascii_case("enabled")
            && field(p, "grantControls").is_some_and(|g| {
                arr(g, "builtInControls")
                    .iter()
                    .any(|c| c.as_str().is_some_and(|c| c.eq_ignore_ascii_case("mfa")))
                    || field(g, "authenticationStrength").is_some()
            })
    })
}

fn mfa_admins(ctx: &Context<'_>, p: Params<'_>) -> Result<Rows, AlertError> {
    const RULE: &str = "MFAAdmins";
    let include_disabled = p.flag("IncludeDisabled", false)?;
    let details = ctx.rows(RULE, "UserRegistrationDetails")?;
    let users: BTreeMap<String, &Value> = ctx
        .rows(RULE, "Users")?
        .iter()
        .map(|u| (s(u, "id").to_ascii_lowercase(), u))
        .collect();
    let sd = ctx
        .rows(RULE, "SecurityDefaults")?
        .first()
        .and_then(|r| b(r, "isEnabled"))
        .unwrap_or(false);
    let enforced =
        sd || ca_enforces_mfa(ctx.rows_or_unlicensed(RULE, "ConditionalAccessPolicies")?);
    let mut rows = Vec::new();
    for d in details.iter().filter(|d| b(d, "isAdmin").unwrap_or(false)) {
        let id = s(d, "id");
        let user = users.get(&id.to_ascii_lowercase());
        if !include_disabled && user.and_then(|u| b(u, "accountEnabled")) == Some(false) {
            continue;
        }
        let per_user = user.map(|u| s(u, "perUserMfaState")).is_some_and(|st| {
            st.eq_ignore_ascii_case("enforced") || st.eq_ignore_ascii_case("enabled")
        });
        let upn = s(d, "userPrincipalName");
        let message = if !registered(d) {
            format!("Admin {upn} has no MFA method registered")
        } else if !(enforced || per_user) {
            format!("Admin {upn} has MFA registered but nothing enforces it")
        } else {
            continue;
        };
        rows.push(user_row(message, upn, s(d, "userDisplayName"), id));
    }
    Ok(rows.into())
}

fn mfa_users(ctx: &Context<'_>, _: Params<'_>) -> Result<Rows, AlertError> {
    Ok(ctx
        .rows("MFAAlertUsers", "UserRegistrationDetails")?
        .iter()
        .filter(|d| {
            !b(d, "isAdmin").unwrap_or(false)
                && !registered(d)
                && !s(d, "userType").eq_ignore_ascii_case("guest")
        })
        .map(|d| {
            let upn = s(d, "userPrincipalName");
            user_row(
                format!("{upn} has no MFA method registered"),
                upn,
                s(d, "userDisplayName"),
                s(d, "id"),
            )
        })
        .collect::<Vec<_>>()
        .into())
}

/// A role member's name: UPN when it has one, else display name, else id.
fn member_name(m: &Value) -> String {
    ["userPrincipalName", "displayName", "id"]
        .iter()
        .map(|k| s(m, k))
        .find(|v| !v.is_empty())
        .unwrap_or("")
        .to_string()
}

fn new_role(ctx: &Context<'_>, _: Params<'_>) -> Result<Rows, AlertError> {
    let mut now: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for role in ctx.rows("NewRole", "Roles")? {
        let members = arr(role, "members")
            .iter()
            .map(member_name)
            .filter(|m| !m.is_empty());
        now.entry(s(role, "displayName").to_string())
            .or_default()
            .extend(members);
    }
    let mut rows = Vec::new();
    if let Some(prev) = ctx.previous {
        for (role, members) in &now {
            let before: BTreeSet<&str> = arr(prev, role).iter().filter_map(Value::as_str).collect();
            for m in members.iter().filter(|m| !before.contains(m.as_str())) {
                rows.push(row([
                    (
                        "Message",
                        json!(format!("{m} was added to the {role} role")),
                    ),
                    ("User", json!(m)),
                    ("Role", json!(role)),
                ]));
            }
        }
    }
    Ok(Rows {
        rows,
        state: Some(json!(now)),
    })
}

fn global_admins<'a>(ctx: &Context<'a>, rule: &str) -> Result<Vec<&'a Value>, AlertError> {
    Ok(ctx
        .rows(rule, "Roles")?
        .iter()
        .filter(|r| s(r, "roleTemplateId").eq_ignore_ascii_case(GLOBAL_ADMIN))
        .flat_map(|r| arr(r, "members"))
        .filter(|m| {
            let t = s(m, "@odata.type");
            t.is_empty() || t.eq_ignore_ascii_case("#microsoft.graph.user")
        })
        .collect())
}

fn ga_no_alt_email(ctx: &Context<'_>, _: Params<'_>) -> Result<Rows, AlertError> {
    const RULE: &str = "GlobalAdminNoAltEmail";
    let users: BTreeMap<String, &Value> = ctx
        .rows(RULE, "Users")?
        .iter()
        .map(|u| (s(u, "id").to_ascii_lowercase(), u))
        .collect();
    let mut rows = Vec::new();
    for m in global_admins(ctx, RULE)? {
        // Members that are not users (service principals) are not in Users.
        let Some(u) = users.get(&s(m, "id").to_ascii_lowercase()) else {
            continue;
        };
        let has_alt = arr(u, "otherMails")
            .iter()
            .any(|x| x.as_str().is_some_and(|x| !x.trim().is_empty()));
        if !has_alt {
            let upn = s(u, "userPrincipalName");
            rows.push(row([
                (
                    "Message",
                    json!(format!(
                        "Global Administrator {upn} has no alternate e-mail address"
                    )),
                ),
                ("DisplayName", json!(s(u, "displayName"))),
                ("UserPrincipalName", json!(upn)),
                ("Id", json!(s(u, "id"))),
            ]));
        }
    }
    Ok(rows.into())
}

fn ga_allow_list(ctx: &Context<'_>, p: Params<'_>) -> Result<Rows, AlertError> {
    const RULE: &str = "GlobalAdminAllowList";
    let allowed: Vec<String> = p
        .list("ApprovedGlobalAdmins", true)?
        .into_iter()
        .map(|a| a.split('@').next().unwrap_or("").to_ascii_lowercase())
        .collect();
    if allowed.is_empty() {
        return Err(AlertError::param(
            RULE,
            "ApprovedGlobalAdmins",
            "at least one approved UPN prefix is required",
        ));
    }
    let each = p.flag("AlertEachAdmin", false)?;
    let offenders: Vec<&Value> = global_admins(ctx, RULE)?
        .into_iter()
        .filter(|m| {
            let prefix = s(m, "userPrincipalName")
                .split('@')
                .next()
                .unwrap_or("")
                .to_ascii_lowercase();
            !prefix.is_empty() && !allowed.contains(&prefix)
        })
        .collect();
    let list = allowed.join(", ");
    if each {
        return Ok(offenders
            .iter()
            .map(|m| {
                let upn = s(m, "userPrincipalName");
                let prefix = upn.split('@').next().unwrap_or("");
                row([
                    (
                        "Message",
                        json!(format!(
                            "{upn} is a Global Administrator but not on the approved list"
                        )),
                    ),
                    ("Admin", json!(upn)),
                    ("UpnPrefix", json!(prefix)),
                    ("DisplayName", json!(s(m, "displayName"))),
                    ("UserPrincipalName", json!(upn)),
                    ("Id", json!(s(m, "id"))),
                    ("AllowedList", json!(list)),
                ])
            })
            .collect::<Vec<_>>()
            .into());
    }
    if offenders.is_empty() {
        return Ok(Rows::default());
    }
    let names: Vec<&str> = offenders
        .iter()
        .map(|m| s(m, "userPrincipalName"))
        .collect();
    Ok(vec![row([
        (
            "Message",
            json!(format!(
                "Global Administrators not on the approved list: {}",
                names.join(", ")
            )),
        ),
        ("NonCompliantUsers", json!(names)),
        ("ApprovedPrefixes", json!(list)),
    ])]
    .into())
}

fn licensed_with_roles(ctx: &Context<'_>, _: Params<'_>) -> Result<Rows, AlertError> {
    const RULE: &str = "LicensedUsersWithRoles";
    let mut roles_of: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for role in ctx.rows(RULE, "Roles")? {
        for m in arr(role, "members") {
            roles_of
                .entry(s(m, "id").to_ascii_lowercase())
                .or_default()
                .push(s(role, "displayName").to_string());
        }
    }
    let mut rows = Vec::new();
    for u in ctx.rows(RULE, "Users")? {
        let Some(roles) = roles_of.get(&s(u, "id").to_ascii_lowercase()) else {
            continue;
        };
        if arr(u, "assignedLicenses").is_empty() {
            continue;
        }
        let upn = s(u, "userPrincipalName");
        let mut r = user_row(
            format!(
                "{upn} is licensed and holds the role(s) {}",
                roles.join(", ")
            ),
            upn,
            s(u, "displayName"),
            s(u, "id"),
        );
        if let Value::Object(o) = &mut r {
            o.insert("Roles".into(), json!(roles));
        }
        rows.push(r);
    }
    Ok(rows.into())
}

fn sync_status(ctx: &Context<'_>, p: Params<'_>) -> Result<Rows, AlertError> {
    let hours = p.int("Hours", true, 72, 1, 24 * 365)?;
    let mut rows = Vec::new();
    for org in ctx.rows("EntraConnectSyncStatus", "Organization")? {
        if b(org, "onPremisesSyncEnabled") != Some(true) {
            continue;
        }
        let dir = date(org, "onPremisesLastSyncDateTime");
        let pw = date(org, "onPremisesLastPasswordSyncDateTime");
        // The older of the two; a sync that never happened counts as oldest.
        let (last, cause) = match (dir, pw) {
            (None, _) => (None, "DirectorySync"),
            (Some(d), Some(p)) if p < d => (Some(p), "PasswordSync"),
            (Some(d), _) => (Some(d), "DirectorySync"),
        };
        if last.is_some_and(|l| ctx.now - l <= hours * 3_600) {
            continue;
        }
        let fmt = |t: Option<i64>| t.map(time::format);
        rows.push(row([
            (
                "Message",
                json!(format!(
                    "Entra Connect has not synced since {} ({cause}), more than {hours} hours",
                    fmt(last).unwrap_or_else(|| "ever".into())
                )),
            ),
            ("LastSync", json!(fmt(last))),
            ("Cause", json!(cause)),
            ("LastPasswordSync", json!(fmt(pw))),
            ("LastDirectorySync", json!(fmt(dir))),
        ]));
    }
    Ok(rows.into())
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{run, snap, NOW};
    use serde_json::json;

    fn roles() -> serde_json::Value {
        json!([{"displayName": "Global Administrator", "roleTemplateId": super::GLOBAL_ADMIN, "members": [
                {"id": "u1", "userPrincipalName": "admin@x"}, {"id": "u2", "userPrincipalName": "ann@x"},
                {"@odata.type": "#microsoft.graph.servicePrincipal", "id": "sp1", "displayName": "App"}]},
               {"displayName": "User Administrator", "roleTemplateId": "fe9", "members": [{"id": "u3"}]}])
    }

    fn users() -> serde_json::Value {
        json!([{"id": "u1", "userPrincipalName": "admin@x", "otherMails": ["it@y"], "assignedLicenses": []},
               {"id": "u2", "userPrincipalName": "ann@x", "otherMails": [], "assignedLicenses": [{"skuId": "e3"}], "accountEnabled": true},
               {"id": "u3", "userPrincipalName": "bob@x", "assignedLicenses": [{"skuId": "e3"}], "accountEnabled": false}])
    }

    #[test]
    fn global_admin_rules() {
        let t = json!({"Roles": roles(), "Users": users()});
        let rows = run("GlobalAdminNoAltEmail", t.clone(), json!(null));
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0]["UserPrincipalName"], "ann@x");
        let rows = run(
            "GlobalAdminAllowList",
            t.clone(),
            json!({"ApprovedGlobalAdmins": "admin"}),
        );
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0]["NonCompliantUsers"], json!(["ann@x"]));
        let rows = run(
            "GlobalAdminAllowList",
            t.clone(),
            json!({"ApprovedGlobalAdmins": ["admin@x", "ann"], "AlertEachAdmin": true}),
        );
        assert!(rows.is_empty());
        let rows = run(
            "GlobalAdminAllowList",
            t.clone(),
            json!({"ApprovedGlobalAdmins": "nobody", "AlertEachAdmin": true}),
        );
        assert_eq!(rows.len(), 2);
        let rule = crate::catalogue::get("GlobalAdminAllowList").unwrap();
        let e = rule.check_params(&json!({})).unwrap_err().to_string();
        assert!(e.contains("ApprovedGlobalAdmins"), "{e}");
        let rows = run("LicensedUsersWithRoles", t, json!(null));
        let upns: Vec<_> = rows
            .iter()
            .map(|r| r["UserPrincipalName"].as_str().unwrap())
            .collect();
        assert_eq!(upns, ["ann@x", "bob@x"]);
    }

    #[test]
    fn mfa_rules() {
        let details = json!([
            {"id": "u1", "userPrincipalName": "admin@x", "isAdmin": true, "isMfaRegistered": true, "userType": "member"},
            {"id": "u2", "userPrincipalName": "ann@x", "isAdmin": true, "isMfaRegistered": false, "userType": "member"},
            {"id": "u3", "userPrincipalName": "bob@x", "isAdmin": true, "isMfaRegistered": false, "userType": "member"},
            {"id": "u4", "userPrincipalName": "cy@x", "isAdmin": false, "isMfaRegistered": false, "userType": "member"},
            {"id": "u5", "userPrincipalName": "g@x", "isAdmin": false, "isMfaRegistered": false, "userType": "guest"}]);
        let enforcing =
            json!([{"state": "enabled", "grantControls": {"builtInControls": ["mfa"]}}]);
        let t = json!({"UserRegistrationDetails": details, "Users": users(), "SecurityDefaults": [{"isEnabled": false}], "ConditionalAccessPolicies": enforcing});
        let rows = run("MFAAdmins", t.clone(), json!(null));
        let upns: Vec<_> = rows
            .iter()
            .map(|r| r["UserPrincipalName"].as_str().unwrap())
            .collect();
        assert_eq!(
            upns,
            ["ann@x"],
            "bob is disabled; admin is registered and enforced"
        );
        assert_eq!(
            run("MFAAdmins", t.clone(), json!({"IncludeDisabled": true})).len(),
            2
        );
        let t2 = json!({"UserRegistrationDetails": details, "Users": users(), "SecurityDefaults": [{"isEnabled": false}], "!ConditionalAccessPolicies": []});
        let rows = run("MFAAdmins", t2, json!(null));
        assert!(
            rows[0]["Message"]
                .as_str()
                .unwrap()
                .contains("nothing enforces"),
            "{rows:?}"
        );
        let rows = run("MFAAlertUsers", t, json!(null));
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0]["UserPrincipalName"], "cy@x");
    }

    #[test]
    fn new_role_seeds_then_compares() {
        let rule = crate::catalogue::get("NewRole").unwrap();
        let s1 = snap(json!({"Roles": roles()}));
        let first = rule
            .evaluate(&crate::Context::new(&s1), &json!(null))
            .unwrap();
        assert!(first.findings.is_empty());
        let state = first.state.unwrap();
        let mut more = roles();
        more[1]["members"]
            .as_array_mut()
            .unwrap()
            .push(json!({"id": "u9", "userPrincipalName": "eve@x"}));
        let s2 = snap(json!({"Roles": more}));
        let second = rule
            .evaluate(
                &crate::Context::new(&s2).with_previous(Some(&state)),
                &json!(null),
            )
            .unwrap();
        assert_eq!(second.findings.len(), 1);
        assert_eq!(second.findings[0].data["User"], "eve@x");
        assert_eq!(second.findings[0].data["Role"], "User Administrator");
    }

    #[test]
    fn sync_status() {
        let stale = json!([{"onPremisesSyncEnabled": true, "onPremisesLastSyncDateTime": "2026-10-20T00:00:00Z", "onPremisesLastPasswordSyncDateTime": "2026-10-31T00:00:00Z"}]);
        let rows = run(
            "EntraConnectSyncStatus",
            json!({"Organization": stale}),
            json!(null),
        );
        assert_eq!(rows[0]["Cause"], "DirectorySync");
        let pw = json!([{"onPremisesSyncEnabled": true, "onPremisesLastSyncDateTime": "2026-10-31T20:00:00Z", "onPremisesLastPasswordSyncDateTime": "2026-10-01T00:00:00Z"}]);
        assert_eq!(
            run(
                "EntraConnectSyncStatus",
                json!({"Organization": pw}),
                json!(72)
            )[0]["Cause"],
            "PasswordSync"
        );
        let fresh = json!([{"onPremisesSyncEnabled": true, "onPremisesLastSyncDateTime": crate::time::format(NOW - 3600)}]);
        assert!(run(
            "EntraConnectSyncStatus",
            json!({"Organization": fresh}),
            json!(null)
        )
        .is_empty());
        let cloud = json!([{"onPremisesSyncEnabled": null}]);
        assert!(run(
            "EntraConnectSyncStatus",
            json!({"Organization": cloud}),
            json!(null)
        )
        .is_empty());
    }
}
