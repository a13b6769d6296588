//! Collection against the simulator, over HTTP.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use cipp_sim::{FaultRule, FaultScope, Sim};
use cipp_snapshot::{Collector, Snapshot, SnapshotError, Status};

fn collector(sim: &Sim) -> Collector {
    Collector::new(cipp_testkit::pipeline(sim).unwrap())
}

const MIXED: [&str; 8] = [
    "Users",
    "AuthorizationPolicy",
    "Organization",
    "ConditionalAccessPolicies",
    "ExoOrganizationConfig",
    "ExoAcceptedDomains",
    "SPOTenant",
    "CsTeamsMeetingPolicy",
];

#[tokio::test]
async fn every_family_in_few_round_trips() {
    let sim = Sim::start().await.unwrap();
    sim.clear_requests();
    let snap = collector(&sim)
        .collect("alphadental.com", &MIXED)
        .await
        .unwrap();
    for name in MIXED {
        let t = snap.get(name).unwrap();
        assert_eq!(t.status, Status::Complete, "{name}: {:?}", t.error);
    }
    assert!(
        snap.get("SubscribedSkus").is_none(),
        "read for the gates only"
    );
    assert!(snap.rows("Users").unwrap().len() >= 10);
    assert_eq!(snap.rows("AuthorizationPolicy").unwrap().len(), 1);
    assert_eq!(snap.rows("SPOTenant").unwrap()[0]["SharingCapability"], 2);
    assert_eq!(
        snap.rows("CsTeamsMeetingPolicy").unwrap()[0]["Identity"],
        "Global"
    );
    assert_eq!(
        snap.rows("ExoAcceptedDomains").unwrap().len(),
        sim.exchange_objects("alphadental.com", "AcceptedDomain", false)
            .unwrap()
            .len()
    );
    // Counted against what the simulator saw (token requests aside).
    let service_calls = sim
        .requests()
        .iter()
        .filter(|r| !matches!(r.kind.as_str(), "login" | "other" | "batch_item"))
        .count() as u64;
    assert_eq!(snap.round_trips, service_calls, "{:#?}", sim.requests());
    // Graph: 2 batches; Exchange: 1 bulk; SharePoint: name + read; Teams: discovery + read.
    assert!(snap.round_trips <= 7, "{}", snap.round_trips);
}

#[tokio::test]
async fn unlicensed_types_are_not_read_and_failures_are_not_empty() {
    let sim = Sim::start().await.unwrap();
    // Charlie has no SharePoint or Teams plans.
    sim.faults().add_rule(
        FaultRule::outage(500)
            .with_path("policies/authorizationPolicy")
            .with_scope(FaultScope::BatchItem),
    );
    sim.clear_requests();
    let snap = collector(&sim)
        .collect("charlie.onmicrosoft.com", &MIXED)
        .await
        .unwrap();
    for name in ["SPOTenant", "CsTeamsMeetingPolicy"] {
        let t = snap.get(name).unwrap();
        assert_eq!(t.status, Status::NotLicensed, "{name}");
        assert!(t.error.as_deref().unwrap().contains("service plans"));
    }
    assert!(sim
        .requests()
        .iter()
        .all(|r| r.kind != "sharepoint" && r.kind != "teams"));
    let failed = snap.get("AuthorizationPolicy").unwrap();
    assert_eq!(failed.status, Status::Failed);
    assert!(
        failed.error.as_deref().unwrap().contains("500"),
        "{failed:?}"
    );
    assert!(
        snap.rows("AuthorizationPolicy").is_none(),
        "a failure is not an empty set"
    );
    assert_eq!(snap.failures().count(), 1);
    assert_eq!(snap.get("Users").unwrap().status, Status::Complete);
}

#[tokio::test]
async fn unknown_types_are_refused_and_snapshots_round_trip_through_files() {
    let sim = Sim::start().await.unwrap();
    let before = sim.requests().len();
    let err = collector(&sim)
        .collect("alphadental.com", &["Users", "NoSuchType"])
        .await
        .unwrap_err();
    assert!(matches!(err, SnapshotError::UnknownType(ref n) if n == "NoSuchType"));
    assert_eq!(sim.requests().len(), before);

    let snap = collector(&sim)
        .collect("bravologistics.com", &["Organization", "ExoSharingPolicy"])
        .await
        .unwrap();
    let dir = std::env::temp_dir().join(format!("cipp-snap-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("bravo.json");
    snap.save(&file).unwrap();
    assert_eq!(Snapshot::load(&file).unwrap(), snap);
    std::fs::write(&file, r#"{"tenant": "x", "collected_at": "soon"}"#).unwrap();
    let err = Snapshot::load(&file).unwrap_err();
    assert!(err.to_string().contains("collected_at"), "{err}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[tokio::test]
async fn many_tenants_isolate_failures() {
    let sim = Sim::start().await.unwrap();
    let tenants: Vec<String> = vec![
        "alphadental.com".into(),
        "echohospitality.onmicrosoft.com".into(),
        "bravologistics.com".into(),
    ];
    let results = collector(&sim)
        .collect_many(&tenants, &["Organization", "ExoOrganizationConfig"], 2)
        .await;
    assert_eq!(results.len(), 3);
    for (tenant, r) in &results {
        let snap = r.as_ref().unwrap();
        let org = snap.get("Organization").unwrap();
        if tenant.starts_with("echo") {
            // No relationship yet: every read fails, with the reason, and nothing else stops.
            assert_eq!(org.status, Status::Failed);
            assert!(org.error.as_deref().unwrap().contains("AADSTS"), "{org:?}");
        } else {
            assert_eq!(org.status, Status::Complete, "{tenant}: {org:?}");
        }
    }
}

/// The cache types CIPP's declarative standards read, which the simulator serves with data.
const STANDARDS_READ: [&str; 16] = [
    "ExoOrganizationConfig",
    "SPOTenant",
    "AuthenticationMethodsPolicy",
    "AuthorizationPolicy",
    "CsTeamsMeetingPolicy",
    "ExoHostedOutboundSpamFilterPolicy",
    "CsTeamsClientConfiguration",
    "OwaMailboxPolicy",
    "ExoTransportConfig",
    "CsTeamsMessagingPolicy",
    "ConditionalAccessPolicies",
    "ExoAtpPolicyForO365",
    "ExoRemoteDomain",
    "ExoAdminAuditLogConfig",
    "CsTeamsMessagingConfiguration",
    "CsExternalAccessPolicy",
];

#[tokio::test]
async fn the_types_standards_read_are_served() {
    let sim = Sim::start().await.unwrap();
    let snap = collector(&sim)
        .collect("alphadental.com", &STANDARDS_READ)
        .await
        .unwrap();
    for name in STANDARDS_READ {
        let t = snap.get(name).unwrap();
        assert_eq!(t.status, Status::Complete, "{name}: {:?}", t.error);
        assert!(
            !t.rows.is_empty() || name == "ConditionalAccessPolicies",
            "{name} is empty"
        );
    }
}

/// A registry path naming the tenant by GUID (`organization/{tenantId}/...`) is read with
/// the tenant's GUID, resolved from its domain.
#[tokio::test]
async fn tenant_id_paths_are_filled_with_the_tenants_guid() {
    let sim = Sim::start().await.unwrap();
    sim.clear_requests();
    let snap = collector(&sim)
        .collect("alphadental.com", &["PeopleInsightsSettings", "Users"])
        .await
        .unwrap();
    let t = snap.get("PeopleInsightsSettings").unwrap();
    assert_eq!(t.status, Status::Complete, "{:?}", t.error);
    assert_eq!(
        snap.rows("PeopleInsightsSettings").unwrap()[0]["isEnabledInOrganization"],
        true
    );
    let item = sim
        .requests()
        .into_iter()
        .find(|r| r.kind == "batch_item" && r.path.ends_with("/settings/peopleInsights"))
        .unwrap();
    let guid = item.tenant.clone().unwrap();
    assert_eq!(
        item.path,
        format!("/graph/beta/organization/{guid}/settings/peopleInsights")
    );
}
