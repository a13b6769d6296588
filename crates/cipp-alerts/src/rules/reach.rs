//! Whether the partner can still manage the tenant: Graph answers, the GDAP roles CIPP
//! needs are assigned to the partner's groups, and Exchange Online answers.
//!
//! This is a rule over what the collector read rather than a call into cipp-gdap's access
//! checks: the role assignments (`roleManagement/directory/roleAssignments?$expand=principal`)
//! and `Get-OrganizationConfig` are cache types, so the check costs no round trip of its
//! own, and a failed read is exactly the signal. The partner's tenant id comes from the
//! partner's `Organization`, read once per run. A tenant whose sign-in fails altogether is
//! reported as a tenant error of the run, before any rule runs.

use serde_json::json;

use super::{field, s};
use crate::error::AlertError;
use crate::params::Params;
use crate::rule::{row, Context, Rows, Rule};
use cipp_snapshot::Status;

pub(super) const RULES: [Rule; 1] = [Rule {
    name: "TenantAccess",
    description: "The partner lost access: Graph or Exchange Online does not answer, or a GDAP role CIPP needs is not assigned to one of the partner's groups.",
    cache_types: &["RoleAssignments", "ExoOrganizationConfig"],
    params: &[],
    output: &["Message", "GraphStatus", "ExchangeStatus", "MissingRoles", "Issues", "Tenant"],
    history: false,
    key_fields: &[],
    partner_cache_types: &["Organization"],
    eval: tenant_access,
}];

/// The roles CIPP expects through GDAP (name, role template id, required).
const EXPECTED_ROLES: &[(&str, &str, bool)] = &[
    (
        "Application Administrator",
        "9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3",
        true,
    ),
    (
        "User Administrator",
        "fe930be7-5e62-47db-91af-98c3a49a38b1",
        true,
    ),
    (
        "Intune Administrator",
        "3a2c62db-5318-420d-8d74-23affee5d9d5",
        true,
    ),
    (
        "Exchange Administrator",
        "29232cdf-9323-42fd-ade2-1d097af3e4de",
        true,
    ),
    (
        "Security Administrator",
        "194ae4cb-b126-40b2-bd5b-6091b380977d",
        true,
    ),
    (
        "Cloud App Security Administrator",
        "892c5842-a9a6-463a-8041-72aa08ca3cf6",
        true,
    ),
    (
        "Cloud Device Administrator",
        "7698a772-787b-4ac8-901f-60d6b08affd2",
        true,
    ),
    (
        "Teams Administrator",
        "69091246-20e8-4a56-aa4d-066075b2a7a8",
        true,
    ),
    (
        "SharePoint Administrator",
        "f28a1f50-f6e7-4571-818b-6a12f2af6b6c",
        true,
    ),
    (
        "Authentication Policy Administrator",
        "0526716b-113d-4c15-b2c8-68e3c22b9f80",
        true,
    ),
    (
        "Privileged Role Administrator",
        "e8611ab8-c189-46e8-94e1-60213ab1f814",
        true,
    ),
    (
        "Privileged Authentication Administrator",
        "7be44c8a-adaf-4e2a-84d6-ab2649e08a13",
        true,
    ),
    (
        "Billing Administrator",
        "b0f54661-2d74-4c50-afa3-1ec803f12efe",
        false,
    ),
    (
        "Global Reader",
        "f2ef992c-3afb-46b9-b7cf-a126ee74c451",
        false,
    ),
    (
        "Domain Name Administrator",
        "8329153b-31d0-4727-b945-745eb3bc5f31",
        false,
    ),
];

fn tenant_access(ctx: &Context<'_>, _: Params<'_>) -> Result<Rows, AlertError> {
    const RULE: &str = "TenantAccess";
    let partner_id = ctx
        .partner_rows(RULE, "Organization")?
        .first()
        .map(|o| s(o, "id").to_string())
        .filter(|id| !id.is_empty())
        .ok_or_else(|| ctx.data(RULE, "the partner's Organization has no id"))?;
    let mut issues = Vec::new();
    let graph = ctx.snapshot.get("RoleAssignments");
    let graph_ok = graph.is_some_and(|t| t.status == Status::Complete);
    let mut missing = Vec::new();
    if let Some(t) = graph {
        if graph_ok {
            for (name, id, required) in EXPECTED_ROLES {
                let held = t.rows.iter().any(|a| {
                    s(a, "roleDefinitionId").eq_ignore_ascii_case(id)
                        && field(a, "principal").is_some_and(|p| {
                            s(p, "organizationId").eq_ignore_ascii_case(&partner_id)
                        })
                });
                if !held && *required {
                    missing.push(*name);
                }
            }
            if !missing.is_empty() {
                issues.push(format!(
                    "Graph connected but missing required GDAP roles: {}",
                    missing.join(", ")
                ));
            }
        } else {
            issues.push(format!(
                "Graph did not answer: {}",
                t.error.as_deref().unwrap_or("no reason given")
            ));
        }
    } else {
        return Err(ctx.data(RULE, "RoleAssignments was not collected"));
    }
    // Not licensed for Exchange is not an access problem; not collected is unknown.
    let exo = ctx.snapshot.get("ExoOrganizationConfig");
    let exchange_ok = exo.is_none_or(|t| t.status != Status::Failed);
    if let Some(t) = exo.filter(|_| !exchange_ok) {
        issues.push(format!(
            "Exchange Online did not answer: {}",
            t.error.as_deref().unwrap_or("no reason given")
        ));
    }
    let tenant = ctx.tenant;
    let message = match (graph_ok, exchange_ok) {
        (false, false) => format!("Tenant {tenant} is inaccessible: neither Graph nor Exchange Online answers (GDAP removed or consent needed)"),
        (false, true) => format!("Tenant {tenant} has lost Graph access"),
        (true, false) => format!("Tenant {tenant} has lost Exchange Online access (Exchange Administrator role or consent missing)"),
        (true, true) if !missing.is_empty() => format!("Tenant {tenant} is reachable but lacks GDAP roles: {}", missing.join(", ")),
        (true, true) => return Ok(Rows::default()),
    };
    Ok(vec![row([
        ("Message", json!(message)),
        ("GraphStatus", json!(graph_ok)),
        ("ExchangeStatus", json!(exchange_ok)),
        ("MissingRoles", json!(missing.join(", "))),
        ("Issues", json!(issues.join("; "))),
    ])]
    .into())
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{snap, NOW};
    use super::EXPECTED_ROLES;
    use serde_json::{json, Value};

    fn eval(customer: Value) -> Vec<Value> {
        let c = snap(customer);
        let p = snap(json!({"Organization": [{"id": "partner-1"}]}));
        crate::catalogue::get("TenantAccess")
            .unwrap()
            .evaluate(
                &crate::Context::new(&c).at(NOW).with_partner(Some(&p)),
                &Value::Null,
            )
            .unwrap()
            .findings
            .into_iter()
            .map(|f| f.data)
            .collect()
    }

    fn assignment(role: &str, org: &str) -> Value {
        json!({"roleDefinitionId": role, "principal": {"organizationId": org}})
    }

    #[test]
    fn every_required_role_from_the_partner_is_quiet() {
        let all: Vec<Value> = EXPECTED_ROLES
            .iter()
            .filter(|r| r.2)
            .map(|r| assignment(r.1, "PARTNER-1"))
            .collect();
        assert!(eval(json!({"RoleAssignments": all, "ExoOrganizationConfig": [{}]})).is_empty());
    }

    #[test]
    fn missing_roles_and_unreachable_services_fire() {
        // The customer's own group holding a role does not count.
        let some = vec![
            assignment(EXPECTED_ROLES[0].1, "partner-1"),
            assignment(EXPECTED_ROLES[1].1, "customer"),
        ];
        let rows = eval(json!({"RoleAssignments": some, "ExoOrganizationConfig": [{}]}));
        assert_eq!(rows.len(), 1);
        let missing = rows[0]["MissingRoles"].as_str().unwrap();
        assert!(
            missing.starts_with("User Administrator, Intune Administrator"),
            "{missing}"
        );
        assert!(
            !missing.contains("Global Reader"),
            "optional roles are not required"
        );
        let c: cipp_snapshot::Snapshot = serde_json::from_value(json!({"tenant": "t", "collected_at": NOW, "round_trips": 0, "types": {
            "RoleAssignments": {"status": "failed", "rows": [], "error": "403 Forbidden", "collected_at": NOW},
            "ExoOrganizationConfig": {"status": "failed", "rows": [], "error": "401", "collected_at": NOW}}})).unwrap();
        let p = snap(json!({"Organization": [{"id": "partner-1"}]}));
        let f = crate::catalogue::get("TenantAccess")
            .unwrap()
            .evaluate(
                &crate::Context::new(&c).with_partner(Some(&p)),
                &Value::Null,
            )
            .unwrap()
            .findings;
        assert_eq!(f.len(), 1);
        assert_eq!(
            (
                f[0].data["GraphStatus"].as_bool(),
                f[0].data["ExchangeStatus"].as_bool()
            ),
            (Some(false), Some(false))
        );
        assert!(f[0].data["Issues"]
            .as_str()
            .unwrap()
            .contains("403 Forbidden"));
    }
}
