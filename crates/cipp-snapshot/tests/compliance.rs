//! Security & Compliance cache types, collected against the simulator over HTTP: they go to
//! the tenant's regional compliance host in a bulk call of their own, beside the Exchange
//! Online reads, and keep their licence gates.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use cipp_sim::Sim;
use cipp_snapshot::{Collector, Registry, Source, Status};

const COMPLIANCE_TYPES: [&str; 7] = [
    "ProtectionAlerts",
    "DlpCompliancePolicies",
    "DlpComplianceRules",
    "RetentionCompliancePolicies",
    "RetentionComplianceRules",
    "ComplianceLabels",
    "ComplianceLabelPolicies",
];

#[test]
fn the_registry_marks_the_compliance_reads() {
    let registry = Registry::builtin();
    for name in COMPLIANCE_TYPES {
        match &registry.get(name).unwrap().source {
            Source::Exchange(x) => assert!(x.compliance, "{name}"),
            other => panic!("{name}: {other:?}"),
        }
    }
    match &registry.get("ExoOrganizationConfig").unwrap().source {
        Source::Exchange(x) => assert!(!x.compliance),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn compliance_reads_go_to_the_regional_host_beside_exchange_reads() {
    let sim = Sim::start().await.unwrap();
    let collector = Collector::new(cipp_testkit::pipeline(&sim).unwrap());
    sim.clear_requests();
    let snap = collector
        .collect(
            "alphadental.com",
            &["ProtectionAlerts", "ComplianceLabels", "ExoAcceptedDomains"],
        )
        .await
        .unwrap();
    for name in ["ProtectionAlerts", "ComplianceLabels", "ExoAcceptedDomains"] {
        let t = snap.get(name).unwrap();
        assert_eq!(t.status, Status::Complete, "{name}: {:?}", t.error);
    }
    assert_eq!(
        snap.rows("ProtectionAlerts").unwrap(),
        sim.exchange_objects("alphadental.com", "ProtectionAlert", true)
            .unwrap()
            .as_slice()
    );
    assert!(!snap.rows("ProtectionAlerts").unwrap().is_empty());
    assert_eq!(
        snap.rows("ComplianceLabels").unwrap(),
        sim.exchange_objects("alphadental.com", "Label", true)
            .unwrap()
            .as_slice()
    );
    let requests = sim.requests();
    // The compliance reads shared one `$batch` on the regional host (after the one
    // discovery the global host answers with a redirect); the Exchange read had its own.
    let compliance_batches: Vec<_> = requests
        .iter()
        .filter(|r| r.kind == "compliance" && r.path.ends_with("/$batch"))
        .collect();
    assert_eq!(compliance_batches.len(), 1, "{requests:#?}");
    assert!(
        !compliance_batches[0]
            .path
            .starts_with("/compliance/adminapi/"),
        "not on the regional host: {}",
        compliance_batches[0].path
    );
    assert!(requests
        .iter()
        .any(|r| r.kind == "exchange" && r.path.ends_with("/$batch")));
}

#[tokio::test]
async fn compliance_reads_keep_their_licence_gates() {
    let sim = Sim::start().await.unwrap();
    let collector = Collector::new(cipp_testkit::pipeline(&sim).unwrap());
    // Bravo has Exchange but no information protection plan.
    let snap = collector
        .collect(
            "bravologistics.com",
            &["ProtectionAlerts", "DlpCompliancePolicies"],
        )
        .await
        .unwrap();
    assert_eq!(
        snap.get("ProtectionAlerts").unwrap().status,
        Status::Complete
    );
    assert_eq!(
        snap.get("DlpCompliancePolicies").unwrap().status,
        Status::NotLicensed
    );
}
