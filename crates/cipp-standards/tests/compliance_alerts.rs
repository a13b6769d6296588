//! The Security & Compliance alert-policy standards (`QuarantineRequestAlert`,
//! `SharePointMassDeletionAlert`) through the runner, over real HTTP against the simulator:
//! report runs write nothing; remediation creates the named policy on the compliance endpoint
//! and later updates it in place; Microsoft's built-in policies are never touched; settings
//! that cannot mean anything are typed errors; the licence gate holds.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;
use cipp_exchange::ExchangeClient;
use cipp_sim::Sim;
use cipp_snapshot::Snapshot;
use cipp_standards::code::{self, Input};
use cipp_standards::{
    Mode, Outcome, RunReport, StandardsError, StandardsRunner, StandardsTemplate, State, Step,
    Target, TenantContext,
};
use serde_json::{json, Value};
use support::result_of as result;

const TENANT: &str = "alphadental.com";
const QUARANTINE: &str = "CIPP User requested to release a quarantined message";
const MASS_DELETION: &str = "CIPP SharePoint mass deletion of files by a user";

fn template(tenant: &str, threshold: u64, recipients: &[&str]) -> Vec<StandardsTemplate> {
    let pickers: Vec<Value> = recipients
        .iter()
        .map(|r| json!({"label": r, "value": r}))
        .collect();
    let t = json!({
        "GUID": "scc", "templateName": "Alert policies",
        "tenantFilter": [{"value": tenant}],
        "standards": {
            "QuarantineRequestAlert": {"action": ["Remediate"], "NotifyUser": "secops@alphadental.com"},
            "SharePointMassDeletionAlert": {"action": ["Remediate"], "NotifyUser": pickers,
                "Threshold": threshold, "TimeWindow": 30},
        },
    });
    vec![StandardsTemplate::from_json(&t.to_string(), "scc.json").unwrap()]
}

fn alerts(sim: &Sim) -> Vec<Value> {
    sim.exchange_objects(TENANT, "ProtectionAlert", true)
        .unwrap()
}

fn named<'a>(rows: &'a [Value], name: &str) -> Option<&'a Value> {
    rows.iter().find(|r| r["Name"] == name)
}

/// The planned cmdlets of a standard, with whether each goes to Security & Compliance.
fn planned(report: &RunReport, standard: &str) -> Vec<(String, bool)> {
    result(report, standard)
        .planned
        .iter()
        .filter_map(|s| match s {
            Step::Exchange {
                cmdlet, compliance, ..
            } => Some((cmdlet.clone(), *compliance)),
            _ => None,
        })
        .collect()
}

#[tokio::test]
async fn alert_policies_are_created_then_updated_and_nothing_else_changes() {
    let sim = Sim::start().await.unwrap();
    let pipeline = cipp_testkit::pipeline(&sim).unwrap();
    let runner = StandardsRunner::builder(pipeline.clone()).build();
    let targets = [Target::from_domain(TENANT)];
    let built_in = alerts(&sim);
    assert!(!built_in.is_empty());
    assert!(built_in.iter().all(|r| r["IsSystemRule"] == true));

    // Report: both drifted, planned as compliance cmdlets, nothing written.
    let first = template(TENANT, 25, &["secops@alphadental.com"]);
    let report = runner.run(&first, &targets, Mode::Report).await;
    for (standard, _) in [
        ("QuarantineRequestAlert", ()),
        ("SharePointMassDeletionAlert", ()),
    ] {
        let r = result(&report, standard);
        assert_eq!(r.state, State::Drifted, "{standard}: {:?}", r.error);
        assert_eq!(
            planned(&report, standard),
            [("New-ProtectionAlert".to_string(), true)]
        );
    }
    assert_eq!(report.tenants[0].writes, 0);
    assert_eq!(alerts(&sim), built_in, "a report run wrote");

    // Remediate: created on the compliance endpoint, confirmed by a fresh read.
    let report = runner.run(&first, &targets, Mode::Remediate).await;
    for standard in ["QuarantineRequestAlert", "SharePointMassDeletionAlert"] {
        let r = result(&report, standard);
        assert_eq!(r.state, State::Remediated, "{standard}: {:?}", r.error);
    }
    let after = alerts(&sim);
    assert_eq!(after.len(), built_in.len() + 2);
    for old in &built_in {
        assert!(after.contains(old), "a built-in policy changed: {old}");
    }
    let q = named(&after, QUARANTINE).unwrap();
    assert_eq!(q["Operation"], json!(["QuarantineRequestReleaseMessage"]));
    assert_eq!(q["NotifyUser"], json!(["secops@alphadental.com"]));
    assert_eq!(q["ThreatType"], "Activity");
    let m = named(&after, MASS_DELETION).unwrap();
    assert_eq!(m["AggregationType"], "SimpleAggregation");
    assert_eq!(
        (m["Threshold"].clone(), m["TimeWindow"].clone()),
        (json!(25), json!(30))
    );
    // Exchange Online itself got nothing.
    assert!(sim
        .exchange_objects(TENANT, "ProtectionAlert", false)
        .unwrap()
        .is_empty());
    let report = runner.run(&first, &targets, Mode::Report).await;
    for standard in ["QuarantineRequestAlert", "SharePointMassDeletionAlert"] {
        assert_eq!(
            result(&report, standard).state,
            State::Compliant,
            "{standard}"
        );
    }

    // Someone adds a recipient by hand: the quarantine alert still notifies ours (not
    // drift); the mass deletion alert's recipients must be exactly the ones given.
    let scc = ExchangeClient::new(pipeline.clone(), TENANT).compliance();
    for name in [QUARANTINE, MASS_DELETION] {
        scc.invoke(
            "Set-ProtectionAlert",
            json!({"Identity": name, "NotifyUser": ["secops@alphadental.com", "boss@alphadental.com"]}),
        )
        .await
        .unwrap();
    }
    let report = runner.run(&first, &targets, Mode::Report).await;
    assert_eq!(
        result(&report, "QuarantineRequestAlert").state,
        State::Compliant
    );
    assert_eq!(
        result(&report, "SharePointMassDeletionAlert").state,
        State::Drifted
    );

    // New settings: the existing policy is set in place, never created twice.
    let second = template(
        TENANT,
        50,
        &["secops@alphadental.com", "it@alphadental.com"],
    );
    let report = runner.run(&second, &targets, Mode::Remediate).await;
    assert_eq!(
        planned(&report, "SharePointMassDeletionAlert"),
        [("Set-ProtectionAlert".to_string(), true)]
    );
    let r = result(&report, "SharePointMassDeletionAlert");
    assert_eq!(r.state, State::Remediated, "{:?}", r.error);
    assert_eq!(
        result(&report, "QuarantineRequestAlert").state,
        State::Compliant
    );
    let last = alerts(&sim);
    assert_eq!(last.len(), built_in.len() + 2);
    let m = named(&last, MASS_DELETION).unwrap();
    assert_eq!(m["Threshold"], 50);
    assert_eq!(
        m["NotifyUser"],
        json!(["secops@alphadental.com", "it@alphadental.com"])
    );
    // The quarantine alert kept the recipient added by hand.
    assert_eq!(
        named(&last, QUARANTINE).unwrap()["NotifyUser"],
        json!(["secops@alphadental.com", "boss@alphadental.com"])
    );
}

#[tokio::test]
async fn threshold_alerts_need_their_licence() {
    let sim = Sim::start().await.unwrap();
    let pipeline = cipp_testkit::pipeline(&sim).unwrap();
    let runner = StandardsRunner::builder(pipeline).build();
    let tenant = "bravologistics.com";
    let report = runner
        .run(
            &template(tenant, 20, &["ops@bravologistics.com"]),
            &[Target::from_domain(tenant)],
            Mode::Remediate,
        )
        .await;
    let r = result(&report, "SharePointMassDeletionAlert");
    assert_eq!(r.state, State::NotApplicable, "{:?}", r.outcome);
    assert!(sim
        .exchange_objects(tenant, "ProtectionAlert", true)
        .unwrap()
        .iter()
        .all(|p| p["Name"] != MASS_DELETION));
}

fn snapshot(alerts: Value) -> Snapshot {
    serde_json::from_value(json!({
        "tenant": TENANT, "collected_at": 0, "round_trips": 0,
        "types": {
            "ProtectionAlerts": {"status": "complete", "collected_at": 0, "rows": alerts},
            "SubscribedSkus": {"status": "complete", "collected_at": 0, "rows": [
                {"capabilityStatus": "Enabled", "servicePlans": [
                    {"servicePlanName": "EXCHANGE_S_ENTERPRISE"}, {"servicePlanName": "RMS_S_PREMIUM2"}]}]}
        }
    }))
    .unwrap()
}

#[test]
fn settings_that_mean_nothing_are_typed_errors() {
    let snap = snapshot(json!([]));
    let tenant = TenantContext::default();
    let cases = [
        ("QuarantineRequestAlert", json!({}), "NotifyUser"),
        (
            "QuarantineRequestAlert",
            json!({"NotifyUser": "not an address"}),
            "NotifyUser",
        ),
        (
            "SharePointMassDeletionAlert",
            json!({"NotifyUser": "a@b.com", "Threshold": "many"}),
            "Threshold",
        ),
        (
            "SharePointMassDeletionAlert",
            json!({"NotifyUser": "a@b.com", "TimeWindow": 0}),
            "TimeWindow",
        ),
    ];
    for (name, settings, key) in cases {
        let settings = settings.as_object().cloned().unwrap();
        let standard = code::find(name).unwrap();
        let e = code::assess(standard, &Input::new(&settings, &snap, &tenant)).unwrap_err();
        match &e {
            StandardsError::Setting { setting, .. } => assert_eq!(setting, key, "{e}"),
            other => panic!("{name}: {other:?}"),
        }
        assert!(e.to_string().contains(name), "{e}");
    }
}

#[test]
fn a_policy_of_another_name_is_not_ours() {
    // A policy with our operation but another name is left alone: ours is created beside it.
    let snap = snapshot(
        json!([{"Name": "Quarantine releases", "NotifyUser": ["secops@x.com"],
        "Operation": ["QuarantineRequestReleaseMessage"]}]),
    );
    let settings = json!({"NotifyUser": "secops@x.com"})
        .as_object()
        .cloned()
        .unwrap();
    let tenant = TenantContext::default();
    let standard = code::find("QuarantineRequestAlert").unwrap();
    let a = code::assess(standard, &Input::new(&settings, &snap, &tenant)).unwrap();
    assert!(matches!(a.outcome, Outcome::Drifted { .. }));
    match &a.steps[..] {
        [Step::Exchange {
            cmdlet,
            parameters,
            compliance: true,
            ..
        }] => {
            assert_eq!(cmdlet, "New-ProtectionAlert");
            assert_eq!(parameters["Name"], QUARANTINE);
        }
        other => panic!("{other:?}"),
    }
}
