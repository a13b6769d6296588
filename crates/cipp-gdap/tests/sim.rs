//! GDAP, Partner Center, checks and the tenant directory against the simulator.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use cipp_core::{Error, Pipeline};
use cipp_gdap::roles::{GLOBAL_ADMINISTRATOR, RECOMMENDED_ROLES};
use cipp_gdap::{
    Access, Change, ConsentOutcome, DirectoryOptions, GdapClient, GdapError, Invite,
    PartnerCenterClient, PermissionManifest, Severity, TenantDirectory,
};
use cipp_graph::GraphClient;
use cipp_sim::Sim;
use futures::TryStreamExt;

fn pipeline(sim: &Sim) -> Pipeline {
    cipp_testkit::pipeline(sim).unwrap()
}

fn gdap(sim: &Sim) -> GdapClient {
    let p = pipeline(sim);
    let partner = sim.credentials().partner_tenant_id;
    GdapClient::new(GraphClient::new(p, partner)).with_polling(Duration::from_millis(10), 3)
}

/// CIPP's SAM permission manifest, read from the shared data beside the checkout.
fn sam_manifest() -> PermissionManifest {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/cipp-data/SAMManifest.json"
    );
    PermissionManifest::from_json(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn group_id(sim_groups: &[serde_json::Value], name: &str) -> String {
    sim_groups
        .iter()
        .find(|g| g["displayName"] == name)
        .and_then(|g| g["id"].as_str())
        .unwrap()
        .to_string()
}

#[tokio::test]
async fn an_invite_goes_from_created_to_active_and_takes_assignments() {
    let sim = Sim::start().await.unwrap();
    let gdap = gdap(&sim);
    let invite = gdap
        .create_invite(Invite::recommended().display_name("CIPP_test_invite"))
        .await
        .unwrap();
    let rel = &invite.relationship;
    assert_eq!(rel.status_str(), "approvalPending");
    assert_eq!(rel.auto_extend_duration.as_deref(), Some("P180D"));
    assert_eq!(rel.duration.as_deref(), Some("P730D"));
    assert!(invite.link.ends_with(&rel.id));
    assert_eq!(
        rel.access_details.as_ref().unwrap().unified_roles.len(),
        RECOMMENDED_ROLES.len()
    );

    // Before approval the customer cannot be reached; after, it can.
    let echo = "echohospitality.onmicrosoft.com";
    let p = pipeline(&sim);
    assert!(GraphClient::new(p.clone(), echo)
        .get("organization")
        .await
        .is_err());
    sim.approve_relationship(&rel.id, echo).unwrap();
    let active = gdap.relationship(&rel.id).await.unwrap();
    assert_eq!(active.status_str(), "active");
    assert!(active.customer_id().is_some());
    // Navigation collections are not part of the relationship itself.
    assert!(
        !active.extra.contains_key("accessAssignments"),
        "{:?}",
        active.extra
    );
    p.tokens().clear();
    GraphClient::new(p, echo).get("organization").await.unwrap();

    // Assignments: create (pending), then active; update and delete with If-Match.
    let groups: Vec<serde_json::Value> = gdap
        .graph()
        .list_json("groups")
        .collect_all()
        .await
        .unwrap();
    let exo_group = group_id(&groups, "M365 GDAP Exchange Administrator");
    let exo = "29232cdf-9323-42fd-ade2-1d097af3e4de";
    let users = "fe930be7-5e62-47db-91af-98c3a49a38b1";
    let a = gdap
        .create_assignment(&rel.id, &exo_group, &[exo, users])
        .await
        .unwrap();
    assert_eq!(a.status.as_deref(), Some("pending"));
    let listed: Vec<_> = gdap
        .assignments(&rel.id)
        .unwrap()
        .collect_all()
        .await
        .unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].status.as_deref(), Some("active"));
    let updated = gdap
        .update_assignment(&rel.id, &a.id, None, &[exo])
        .await
        .unwrap();
    assert_eq!(updated.access_details.unwrap().unified_roles.len(), 1);
    // A stale etag is refused by Graph, not silently applied.
    let stale = gdap
        .update_assignment(&rel.id, &a.id, a.etag.as_deref(), &[users])
        .await
        .unwrap_err();
    assert_eq!(stale.status(), Some(412), "{stale}");
    gdap.delete_assignment(&rel.id, &a.id, None).await.unwrap();
    let listed: Vec<_> = gdap
        .assignments(&rel.id)
        .unwrap()
        .collect_all()
        .await
        .unwrap();
    assert!(listed[0].is_inactive());

    // A group that does not exist is a typed service error naming the operation.
    let err = gdap
        .create_assignment(&rel.id, "00000000-0000-0000-0000-000000000001", &[exo])
        .await
        .unwrap_err();
    match err {
        GdapError::Api(Error::Service(e)) => {
            assert_eq!(e.status, 400);
            assert!(e.message.contains("access container"), "{}", e.message);
            assert!(e.operation.contains("accessAssignments"), "{}", e.operation);
        }
        other => panic!("{other:?}"),
    }

    gdap.terminate(&rel.id).await.unwrap();
    assert_eq!(
        gdap.relationship(&rel.id).await.unwrap().status_str(),
        "terminated"
    );
}

#[tokio::test]
async fn an_invite_with_global_administrator_has_no_auto_extend() {
    let sim = Sim::start().await.unwrap();
    let gdap = gdap(&sim);
    let mut roles: Vec<String> = RECOMMENDED_ROLES.iter().map(|r| r.id.to_string()).collect();
    roles.push(GLOBAL_ADMINISTRATOR.to_string());
    let invite = gdap.create_invite(Invite::with_roles(roles)).await.unwrap();
    assert_eq!(
        invite.relationship.auto_extend_duration.as_deref(),
        Some("PT0S")
    );
    assert!(invite.relationship.has_global_administrator());
    assert!(invite.relationship.display_name.starts_with("CIPP_"));
}

#[tokio::test]
async fn auto_extend_and_global_administrator_removal() {
    let sim = Sim::start().await.unwrap();
    let gdap = gdap(&sim);
    let rels = gdap.active_relationships().await.unwrap();
    let by_name = |n: &str| {
        rels.iter()
            .find(|r| r.display_name == n)
            .unwrap()
            .id
            .clone()
    };
    let (alpha, bravo) = (
        by_name("CIPP_Alpha_Dental"),
        by_name("CIPP_Bravo_Logistics"),
    );

    match gdap.enable_auto_extend(&bravo).await.unwrap() {
        Change::Changed { relationship } => {
            assert_eq!(relationship.auto_extend_duration.as_deref(), Some("P180D"))
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        gdap.enable_auto_extend(&bravo).await.unwrap(),
        Change::Unchanged { .. }
    ));
    // Alpha holds Global Administrator: refused before Graph is asked to write.
    sim.clear_requests();
    let err = gdap.enable_auto_extend(&alpha).await.unwrap_err();
    assert!(err.to_string().contains("Global Administrator"), "{err}");
    assert!(sim.requests().iter().all(|r| r.method == "GET"));

    let err = gdap.remove_global_administrator(&bravo).await.unwrap_err();
    assert!(
        matches!(err, GdapError::NoGlobalAdministrator { .. }),
        "{err}"
    );
    let before = gdap.relationship(&alpha).await.unwrap();
    let after = gdap.remove_global_administrator(&alpha).await.unwrap();
    assert!(!after.has_global_administrator());
    assert_eq!(
        after.access_details.unwrap().unified_roles.len(),
        before.access_details.unwrap().unified_roles.len() - 1
    );
    assert!(matches!(
        gdap.enable_auto_extend(&alpha).await.unwrap(),
        Change::Changed { .. }
    ));
    // A relationship that is not active cannot lose roles.
    let pending = gdap
        .relationships()
        .filter("status eq 'approvalPending'")
        .collect_all()
        .await
        .unwrap();
    let err = gdap
        .remove_global_administrator(&pending[0].id)
        .await
        .unwrap_err();
    assert!(matches!(err, GdapError::WrongStatus { .. }), "{err}");
}

#[tokio::test]
async fn partner_center_customers_are_complete_across_continuation_pages() {
    let sim = Sim::start().await.unwrap();
    let pc = PartnerCenterClient::new(pipeline(&sim)).with_page_size(1);
    sim.clear_requests();
    let customers: Vec<_> = pc.customers().try_collect().await.unwrap();
    let mut got: Vec<String> = customers.iter().map(|c| c.id.clone()).collect();
    got.sort();
    let mut want: Vec<String> = sim.tenants().into_iter().map(|t| t.id).collect();
    want.sort();
    assert_eq!(got, want);
    let pages = sim
        .requests()
        .iter()
        .filter(|r| r.kind == "partner_center")
        .count();
    assert_eq!(pages, want.len());
    assert!(customers.iter().all(|c| c.company_name().is_some()));
}

#[tokio::test]
async fn cpv_consent_counts_already_exists_as_success() {
    let sim = Sim::start().await.unwrap();
    let p = pipeline(&sim);
    let pc = PartnerCenterClient::new(p.clone());
    let bravo = sim.tenants()[1].id.clone();
    let app = sim.credentials().application_id;
    assert!(matches!(
        pc.add_application_consent(&bravo, &app).await.unwrap(),
        ConsentOutcome::Granted { .. }
    ));
    assert_eq!(
        pc.add_application_consent(&bravo, &app).await.unwrap(),
        ConsentOutcome::AlreadyExisted
    );
    assert_eq!(pc.application_consents(&bravo).await.unwrap().len(), 1);
    // The consent registered the application in the customer tenant.
    let sps: Vec<serde_json::Value> = GraphClient::new(p, bravo.clone())
        .list_json("servicePrincipals")
        .filter(format!("appId eq '{app}'"))
        .collect_all()
        .await
        .unwrap();
    assert_eq!(sps.len(), 1);
    pc.remove_application_consent(&bravo, &app).await.unwrap();
    assert!(pc.application_consents(&bravo).await.unwrap().is_empty());
    // Unknown customers are typed errors naming the operation.
    let err = pc
        .add_application_consent("00000000-0000-0000-0000-0000000000aa", &app)
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(404), "{err}");
    assert!(err.to_string().contains("applicationconsents"), "{err}");
    let err = pc
        .add_application_consent("not-a-guid", &app)
        .await
        .unwrap_err();
    assert!(matches!(err, GdapError::InvalidInput { .. }));
}

#[tokio::test]
async fn gdap_health_reports_global_admin_and_missing_groups() {
    let sim = Sim::start().await.unwrap();
    let health = gdap(&sim).health().await.unwrap();
    assert_eq!(
        health.service_account.as_deref(),
        Some("cipp@northwindmsp.com")
    );
    assert!(health.memberships.iter().any(|m| m == "AdminAgents"));
    assert!(health.is_healthy(), "{:?}", health.issues);
    let ga: Vec<_> = health
        .issues
        .iter()
        .filter(|i| i.issue.contains("Global Administrator"))
        .collect();
    assert_eq!(ga.len(), 2, "{ga:?}");
    assert_eq!(health.gdap_group_count, 12);
    let optional: Vec<&str> = RECOMMENDED_ROLES
        .iter()
        .filter(|r| !r.required)
        .map(|r| r.name)
        .collect();
    assert_eq!(health.missing_groups.len(), optional.len());
    assert!(health
        .issues
        .iter()
        .all(|i| i.severity == Severity::Warning));
}

#[tokio::test]
async fn tenant_access_lists_roles_held_by_partner_groups() {
    let sim = Sim::start().await.unwrap();
    let gdap = gdap(&sim);
    let access = gdap.tenant_access("alpha.onmicrosoft.com").await.unwrap();
    assert!(access.graph_ok, "{}", access.summary);
    let held: Vec<&str> = access
        .roles
        .iter()
        .filter(|r| !r.groups.is_empty())
        .map(|r| r.role.as_str())
        .collect();
    assert!(held.contains(&"Exchange Administrator"), "{held:?}");
    assert!(access
        .missing_required
        .contains(&"Application Administrator".to_string()));
    assert!(access.summary.contains("missing required"));
    // A tenant the partner cannot reach is reported, not a panic or a silent pass.
    let denied = gdap
        .tenant_access("echohospitality.onmicrosoft.com")
        .await
        .unwrap();
    assert!(!denied.graph_ok);
    assert!(denied.summary.starts_with("Failed to connect to Graph"));
}

#[tokio::test]
async fn sam_check_finds_missing_permissions_and_the_repair_adds_them() {
    let sim = Sim::start().await.unwrap();
    let gdap = gdap(&sim);
    let manifest = sam_manifest();
    let check = gdap.sam_check(&manifest).await.unwrap();
    assert_eq!(
        check.service_account.as_deref(),
        Some("cipp@northwindmsp.com")
    );
    assert!(check.mfa);
    assert!(check.missing.len() > 50, "{}", check.missing.len());
    assert!(check.missing.len() < manifest.len());
    let added = gdap.repair_sam_permissions(&check).await.unwrap();
    assert_eq!(added.len(), check.missing.len());
    let again = gdap.sam_check(&manifest).await.unwrap();
    assert!(again.missing.is_empty(), "{:?}", again.problems);
    assert!(again.problems.is_empty(), "{:?}", again.problems);
}

#[tokio::test]
async fn the_directory_finds_one_tenant_by_guid_default_or_initial_domain() {
    let sim = Sim::start().await.unwrap();
    let dir = TenantDirectory::new(gdap(&sim), DirectoryOptions::default());
    let list = dir.list().await.unwrap();
    assert_eq!(list.len(), sim.tenants().len());
    for t in sim.tenants() {
        let by_guid = dir.get(&t.id).await.unwrap();
        assert_eq!(dir.get(&t.default_domain).await.unwrap(), by_guid);
        assert_eq!(
            dir.get(&t.initial_domain.to_uppercase()).await.unwrap(),
            by_guid
        );
        assert_eq!(
            by_guid.default_domain_name.as_deref(),
            Some(t.default_domain.as_str())
        );
    }
    // Cached: a second listing asks Graph nothing.
    sim.clear_requests();
    dir.list().await.unwrap();
    assert_eq!(sim.stats().graph_requests, 0);
    let err = dir.get("nope.onmicrosoft.com").await.unwrap_err();
    assert!(matches!(err, GdapError::UnknownTenant(ref n) if n == "nope.onmicrosoft.com"));
}

#[tokio::test]
async fn aliases_exclusions_groups_and_the_partner_shape_the_directory() {
    let sim = Sim::start().await.unwrap();
    let tenants = sim.tenants();
    let mut options = DirectoryOptions::default();
    options
        .aliases
        .insert(tenants[0].default_domain.clone(), "Alpha (alias)".into());
    options.excluded.insert(tenants[1].id.clone());
    options.groups.insert(
        "Legal and dental".into(),
        [tenants[0].initial_domain.clone(), tenants[2].id.clone()].into(),
    );
    options.include_partner = true;
    let dir = TenantDirectory::new(gdap(&sim), options);
    let list = dir.list().await.unwrap();
    let names: Vec<&str> = list.iter().map(|t| t.display_name.as_str()).collect();
    assert!(names.contains(&"Alpha (alias)"), "{names:?}");
    assert!(!list.iter().any(|t| t.customer_id == tenants[1].id));
    assert_eq!(
        list.iter().filter(|t| t.access == Access::Partner).count(),
        1
    );
    // Excluded from lists, still reachable by name.
    assert_eq!(
        dir.get(&tenants[1].default_domain)
            .await
            .unwrap()
            .customer_id,
        tenants[1].id
    );
    let group = dir.group("legal AND dental").await.unwrap();
    assert_eq!(group.len(), 2);
    assert!(group
        .iter()
        .all(|t| t.groups == vec!["Legal and dental".to_string()]));
    assert!(dir.group("nope").await.is_err());
}

#[tokio::test]
async fn a_cpv_refresh_consents_and_grants_only_what_is_missing() {
    let sim = Sim::start().await.unwrap();
    let gdap = gdap(&sim);
    let manifest = sam_manifest();
    let app = sim.credentials().application_id;
    let first = gdap
        .refresh_cpv("bravo.onmicrosoft.com", &app, &manifest)
        .await
        .unwrap();
    assert!(first.consented);
    assert!(first.is_success(), "{:?}", first.errors);
    assert_eq!(
        first.app_roles_added,
        vec![
            "00000003-0000-0000-c000-000000000000/19dbc75e-c2e2-444c-a770-ec69d8559fc7".to_string()
        ]
    );
    // Directory.ReadWrite.All came with the consent itself; only the other scope is new.
    assert_eq!(first.scopes_added.len(), 1, "{:?}", first.scopes_added);
    assert!(first.scopes_added[0].ends_with("/User.ReadWrite.All"));
    assert!(!first.service_principals_created.is_empty());
    assert!(!first.unresolved.is_empty());
    // The consent's own grant was widened, not replaced.
    let grants: Vec<serde_json::Value> = GraphClient::new(pipeline(&sim), "bravo.onmicrosoft.com")
        .list_json("oauth2PermissionGrants")
        .collect_all()
        .await
        .unwrap();
    let scope = grants[0]["scope"].as_str().unwrap();
    assert!(
        scope.contains("AppRoleAssignment.ReadWrite.All") && scope.contains("User.ReadWrite.All"),
        "{scope}"
    );

    let again = gdap
        .refresh_cpv("bravo.onmicrosoft.com", &app, &manifest)
        .await
        .unwrap();
    assert!(!again.consented);
    assert!(again.app_roles_added.is_empty() && again.scopes_added.is_empty());
    assert!(again.service_principals_created.is_empty());
}
