//! Conditional Access and Security Defaults: licensed but unused, report-only policies, and
//! tenants with neither.

use serde_json::json;

use super::{arr, b, field, n, s};
use crate::error::AlertError;
use crate::params::Params;
use crate::rule::{row, Context, Rows, Rule};

pub(super) const RULES: [Rule; 4] = [
    Rule {
        name: "SecDefaultsUpsell",
        description: "Microsoft has scheduled Security Defaults to be turned on automatically (securityDefaultsUpsell).",
        cache_types: &["SecurityDefaults"],
        params: &[],
        output: &["Message", "EnablementDate", "Action", "Tenant"],
        history: false,
        key_fields: &[],
        partner_cache_types: &[],
        eval: sd_upsell,
    },
    Rule {
        name: "NoCAConfig",
        description: "The tenant is licensed for Conditional Access (Entra ID P1 or P2 with seats) but has no Conditional Access policy.",
        cache_types: &["SubscribedSkus", "ConditionalAccessPolicies"],
        params: &[],
        output: &["Message", "Tenant"],
        history: false,
        key_fields: &[],
        partner_cache_types: &[],
        eval: no_ca,
    },
    Rule {
        name: "ReportOnlyCA",
        description: "Conditional Access policies are in report-only mode (enabledForReportingButNotEnforced).",
        cache_types: &["ConditionalAccessPolicies"],
        params: &[],
        output: &["Message", "PolicyNames", "State", "Tenant"],
        history: false,
        key_fields: &[],
        partner_cache_types: &[],
        eval: report_only,
    },
    Rule {
        name: "SecDefaultsDisabled",
        description: "Security Defaults are disabled and there is no Conditional Access policy either.",
        cache_types: &["SecurityDefaults", "ConditionalAccessPolicies"],
        params: &[],
        output: &["Message", "Tenant"],
        history: false,
        key_fields: &[],
        partner_cache_types: &[],
        eval: sd_disabled,
    },
];

const CA_PLANS: [&str; 2] = ["AAD_PREMIUM", "AAD_PREMIUM_P2"];

fn no_ca(ctx: &Context<'_>, _: Params<'_>) -> Result<Rows, AlertError> {
    const RULE: &str = "NoCAConfig";
    let licensed = ctx.rows(RULE, "SubscribedSkus")?.iter().any(|sku| {
        let seats = field(sku, "prepaidUnits")
            .and_then(|p| n(p, "enabled"))
            .unwrap_or(0.0);
        seats > 0.0
            && !s(sku, "capabilityStatus").eq_ignore_ascii_case("Suspended")
            && arr(sku, "servicePlans").iter().any(|p| {
                CA_PLANS
                    .iter()
                    .any(|c| s(p, "servicePlanName").eq_ignore_ascii_case(c))
                    && !s(p, "provisioningStatus").eq_ignore_ascii_case("Disabled")
            })
    });
    if !licensed || !ctx.rows(RULE, "ConditionalAccessPolicies")?.is_empty() {
        return Ok(Rows::default());
    }
    Ok(vec![row([(
        "Message",
        json!(
            "The tenant is licensed for Conditional Access but has no Conditional Access policies"
        ),
    )])]
    .into())
}

fn report_only(ctx: &Context<'_>, _: Params<'_>) -> Result<Rows, AlertError> {
    let names: Vec<&str> = ctx
        .rows_or_unlicensed("ReportOnlyCA", "ConditionalAccessPolicies")?
        .iter()
        .filter(|p| s(p, "state").eq_ignore_ascii_case("enabledForReportingButNotEnforced"))
        .map(|p| s(p, "displayName"))
        .collect();
    if names.is_empty() {
        return Ok(Rows::default());
    }
    Ok(vec![row([
        (
            "Message",
            json!(format!(
                "Conditional Access policies in report-only mode: {}",
                names.join(", ")
            )),
        ),
        ("PolicyNames", json!(names)),
        ("State", json!("enabledForReportingButNotEnforced")),
    ])]
    .into())
}

fn sd_upsell(ctx: &Context<'_>, _: Params<'_>) -> Result<Rows, AlertError> {
    let mut rows = Vec::new();
    for sd in ctx.rows("SecDefaultsUpsell", "SecurityDefaults")? {
        let Some(up) = field(sd, "securityDefaultsUpsell") else {
            continue;
        };
        let action = s(up, "action");
        let due = s(up, "dueDateTime");
        if action.is_empty() || action.eq_ignore_ascii_case("none") || due.is_empty() {
            continue;
        }
        rows.push(row([
            (
                "Message",
                json!(format!(
                    "Microsoft will turn on Security Defaults ({action}) on {}",
                    due.get(..10).unwrap_or(due)
                )),
            ),
            ("EnablementDate", json!(due)),
            ("Action", json!(action)),
        ]));
    }
    Ok(rows.into())
}

fn sd_disabled(ctx: &Context<'_>, _: Params<'_>) -> Result<Rows, AlertError> {
    const RULE: &str = "SecDefaultsDisabled";
    let sd = ctx.rows(RULE, "SecurityDefaults")?;
    let Some(enabled) = sd.first().and_then(|r| b(r, "isEnabled")) else {
        return Err(ctx.data(RULE, "SecurityDefaults has no isEnabled"));
    };
    if enabled
        || !ctx
            .rows_or_unlicensed(RULE, "ConditionalAccessPolicies")?
            .is_empty()
    {
        return Ok(Rows::default());
    }
    Ok(vec![row([(
        "Message",
        json!("Security Defaults are disabled and no Conditional Access policy replaces them"),
    )])]
    .into())
}

#[cfg(test)]
mod tests {
    use super::super::test_support::run;
    use serde_json::json;

    fn p1() -> serde_json::Value {
        json!([{"skuPartNumber": "SPB", "prepaidUnits": {"enabled": 10}, "servicePlans": [{"servicePlanName": "AAD_PREMIUM", "provisioningStatus": "Success"}]}])
    }

    #[test]
    fn no_ca_needs_licence_and_no_policies() {
        assert_eq!(
            run(
                "NoCAConfig",
                json!({"SubscribedSkus": p1(), "ConditionalAccessPolicies": []}),
                json!(null)
            )
            .len(),
            1
        );
        let some = json!([{"displayName": "x", "state": "enabled"}]);
        assert!(run(
            "NoCAConfig",
            json!({"SubscribedSkus": p1(), "ConditionalAccessPolicies": some}),
            json!(null)
        )
        .is_empty());
        let basic = json!([{"skuPartNumber": "O365", "prepaidUnits": {"enabled": 10}, "servicePlans": [{"servicePlanName": "EXCHANGE_S_STANDARD"}]}]);
        assert!(run(
            "NoCAConfig",
            json!({"SubscribedSkus": basic, "ConditionalAccessPolicies": []}),
            json!(null)
        )
        .is_empty());
    }

    #[test]
    fn report_only_and_security_defaults() {
        let pols = json!([{"displayName": "MFA", "state": "enabledForReportingButNotEnforced"}, {"displayName": "Legacy", "state": "enabled"}]);
        let rows = run(
            "ReportOnlyCA",
            json!({"ConditionalAccessPolicies": pols}),
            json!(null),
        );
        assert_eq!(rows[0]["PolicyNames"], json!(["MFA"]));
        assert_eq!(run("SecDefaultsDisabled", json!({"SecurityDefaults": [{"isEnabled": false}], "!ConditionalAccessPolicies": []}), json!(null)).len(), 1);
        assert!(run(
            "SecDefaultsDisabled",
            json!({"SecurityDefaults": [{"isEnabled": false}], "ConditionalAccessPolicies": pols}),
            json!(null)
        )
        .is_empty());
        assert!(run(
            "SecDefaultsDisabled",
            json!({"SecurityDefaults": [{"isEnabled": true}], "ConditionalAccessPolicies": []}),
            json!(null)
        )
        .is_empty());
    }
}
