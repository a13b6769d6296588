//! Our format extensions over real HTTP against the simulator: `createWhenMissing` creates
//! the object the read did not find and patches it once it exists; optional variables
//! compare and write only what a person filled in; malformed extensions are typed errors.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use cipp_sim::Sim;
use cipp_snapshot::{Collector, LICENCE_TYPE};
use cipp_standards::{
    apply, evaluate, plan, Catalogue, CompareOptions, Definition, Outcome, StandardsError, Step,
    Target, TenantContext,
};
use serde_json::{json, Map, Value};

const TENANT: &str = "alphadental.com";
const TENANT_ID: &str = "1f3c7e2a-8b14-4a6e-9d21-6c0f5e8a9b11";
const CONNECTOR: &str = "fc780465-2017-40d4-a0c5-307022471b92";

fn context() -> TenantContext {
    Target::managed(TENANT_ID, TENANT, None, None, std::iter::empty::<String>()).context
}

fn settings(v: Value) -> Map<String, Value> {
    v.as_object().cloned().unwrap_or_default()
}

fn writes(sim: &Sim) -> Vec<String> {
    sim.requests()
        .into_iter()
        .filter(|r| matches!(r.method.as_str(), "PATCH" | "PUT" | "POST" | "DELETE"))
        .filter(|r| !r.path.contains("$batch") && !r.path.contains("token"))
        .map(|r| format!("{} {}", r.method, r.path))
        .collect()
}

async fn judge(def: &Definition, settings: &Map<String, Value>, collector: &Collector) -> Outcome {
    let cache_type = def.read.as_ref().unwrap().cache_type.clone();
    let snapshot = collector
        .collect(TENANT, &[cache_type.as_str(), LICENCE_TYPE])
        .await
        .unwrap();
    evaluate(
        def,
        settings,
        &snapshot,
        &context(),
        CompareOptions::default(),
    )
    .unwrap()
    .outcome
}

#[tokio::test]
async fn create_when_missing_creates_then_patches() {
    let sim = Sim::start().await.unwrap();
    let pipeline = cipp_testkit::pipeline(&sim).unwrap();
    let collector = Collector::new(pipeline.clone());
    let def = Catalogue::builtin()
        .get("DefenderCompliancePolicy")
        .unwrap();
    let defaults = Map::new();

    // No connector: drift from every expected value, and a plan that can create it.
    match judge(def, &defaults, &collector).await {
        Outcome::Drifted { current, diff, .. } => {
            assert_eq!(current, Value::Null);
            assert!(
                diff.iter().any(|d| d.property == "androidEnabled"),
                "{diff:?}"
            );
        }
        other => panic!("{other:?}"),
    }
    let steps = plan(def, &defaults, &context()).unwrap().unwrap();
    let Step::Graph {
        method,
        uri,
        create_when_missing: Some(create),
        ..
    } = &steps[0]
    else {
        panic!("{steps:?}");
    };
    assert_eq!(method, "PATCH");
    assert!(uri.ends_with(CONNECTOR));
    assert_eq!(create.method, "POST");
    assert_eq!(create.uri, "deviceManagement/mobileThreatDefenseConnectors");
    // The create body is the extension's body with the request's own laid over it.
    assert_eq!(create.body["id"], CONNECTOR);
    assert_eq!(create.body["androidEnabled"], true);
    assert_eq!(create.body["partnerUnresponsivenessThresholdInDays"], 7);

    let outcomes = apply(&pipeline, TENANT, &steps).await;
    assert!(outcomes.iter().all(|o| o.error.is_none()), "{outcomes:?}");
    let sent = writes(&sim);
    assert_eq!(sent.len(), 1, "{sent:?}");
    assert!(sent[0].starts_with("POST ") && sent[0].ends_with("/mobileThreatDefenseConnectors"));
    assert!(matches!(
        judge(def, &defaults, &collector).await,
        Outcome::Compliant { .. }
    ));

    // Now it exists: other settings patch it, nothing is created again.
    let mac_off = settings(json!({"ConnectMac": false}));
    assert!(matches!(
        judge(def, &mac_off, &collector).await,
        Outcome::Drifted { .. }
    ));
    let steps = plan(def, &mac_off, &context()).unwrap().unwrap();
    let outcomes = apply(&pipeline, TENANT, &steps).await;
    assert!(outcomes.iter().all(|o| o.error.is_none()), "{outcomes:?}");
    let sent = writes(&sim);
    assert_eq!(sent.len(), 2, "{sent:?}");
    assert!(
        sent[1].starts_with("PATCH ") && sent[1].ends_with(CONNECTOR),
        "{sent:?}"
    );
    assert!(matches!(
        judge(def, &mac_off, &collector).await,
        Outcome::Compliant { .. }
    ));
}

#[tokio::test]
async fn optional_variables_compare_and_write_only_what_is_given() {
    let sim = Sim::start().await.unwrap();
    let pipeline = cipp_testkit::pipeline(&sim).unwrap();
    let collector = Collector::new(pipeline.clone());
    let def = Catalogue::builtin().get("MailContacts").unwrap();
    let given = settings(json!({"MarketingContact": "news@alphadental.com", "TechContact": " "}));

    match judge(def, &given, &collector).await {
        Outcome::Drifted { expected, .. } => {
            assert_eq!(
                expected,
                json!({"marketingNotificationEmails": ["news@alphadental.com"]})
            );
        }
        other => panic!("{other:?}"),
    }
    let steps = plan(def, &given, &context()).unwrap().unwrap();
    match &steps[..] {
        [Step::Graph { uri, body, .. }] => {
            assert_eq!(uri, &format!("organization/{TENANT_ID}"));
            assert_eq!(
                body,
                &json!({"marketingNotificationEmails": ["news@alphadental.com"]})
            );
        }
        other => panic!("{other:?}"),
    }
    let outcomes = apply(&pipeline, TENANT, &steps).await;
    assert!(outcomes.iter().all(|o| o.error.is_none()), "{outcomes:?}");
    assert!(matches!(
        judge(def, &given, &collector).await,
        Outcome::Compliant { .. }
    ));
    // The contacts not given were neither compared nor written.
    let snapshot = collector.collect(TENANT, &["Organization"]).await.unwrap();
    let org = &snapshot.rows("Organization").unwrap()[0];
    assert_eq!(
        org["technicalNotificationMails"],
        json!(["it@alphadental.com"])
    );
    assert!(org.get("privacyProfile").is_none(), "{org}");

    // Nothing given: nothing to compare, so nothing can drift.
    assert!(matches!(
        judge(def, &Map::new(), &collector).await,
        Outcome::Compliant { .. }
    ));
    // The write path needs the tenant id: without it the plan is a typed error.
    let e = plan(def, &given, &TenantContext::for_domain(TENANT)).unwrap_err();
    assert!(
        matches!(&e, StandardsError::Unresolved { tokens, .. } if tokens.contains("%tenantid%")),
        "{e}"
    );
}

#[test]
fn malformed_create_when_missing_is_a_typed_error() {
    let def = Definition::from_json(
        &json!({
            "name": "Broken", "read": {"cacheType": "Organization"}, "expected": {"a": 1},
            "remediate": {"executor": "GraphRequest", "requests": [
                {"uri": "x/1", "body": {"a": 1}, "createWhenMissing": {"method": "POST"}}
            ]}
        })
        .to_string(),
        "Broken.json",
    )
    .unwrap();
    let e = plan(&def, &Map::new(), &TenantContext::default()).unwrap_err();
    let text = e.to_string();
    assert!(
        text.contains("Broken") && text.contains("createWhenMissing"),
        "{text}"
    );
}

/// The new standards through the runner, as a CIPP template names them: a remediate run
/// creates, patches and confirms each by a fresh read; the next report finds them compliant.
#[tokio::test]
async fn new_graph_standards_run_from_a_template() {
    use cipp_standards::{Mode, StandardsRunner, StandardsTemplate, State};
    let sim = Sim::start().await.unwrap();
    let pipeline = cipp_testkit::pipeline(&sim).unwrap();
    let template = json!({
        "GUID": "graph-more", "templateName": "Graph standards",
        "tenantFilter": [{"value": TENANT}],
        "standards": {
            "DefenderCompliancePolicy": {"action": ["Remediate"], "ConnectMac": false},
            "MailContacts": {"action": ["Remediate"], "SecurityContact": "secops@alphadental.com"},
            "SmartLockout": {"action": ["Remediate"], "LockoutThreshold": 7},
            "TeamsFederationConfiguration": {"action": ["Remediate"],
                "DomainControl": {"label": "Block specific external domains", "value": "BlockSpecificExternal"},
                "DomainList": "rival.example"},
            "MDMScope": {"action": ["Remediate"], "appliesTo": "none"},
        }
    });
    let templates = vec![StandardsTemplate::from_json(&template.to_string(), "t.json").unwrap()];
    let targets = [Target::managed(
        TENANT_ID,
        TENANT,
        None,
        None,
        std::iter::empty::<String>(),
    )];
    let runner = StandardsRunner::builder(pipeline).build();
    let names = [
        "DefenderCompliancePolicy",
        "MailContacts",
        "SmartLockout",
        "TeamsFederationConfiguration",
        "MDMScope",
    ];
    let state = |report: &cipp_standards::RunReport, name: &str| {
        report.tenants[0]
            .results
            .iter()
            .find(|r| r.standard == name)
            .map(|r| (r.state, r.error.clone()))
            .unwrap_or_else(|| panic!("no {name}"))
    };
    let report = runner.run(&templates, &targets, Mode::Report).await;
    for name in names {
        assert_eq!(state(&report, name).0, State::Drifted, "{name}");
    }
    assert_eq!(report.tenants[0].writes, 0);
    let report = runner.run(&templates, &targets, Mode::Remediate).await;
    for name in names {
        assert_eq!(state(&report, name), (State::Remediated, None), "{name}");
    }
    let report = runner.run(&templates, &targets, Mode::Report).await;
    for name in names {
        assert_eq!(state(&report, name).0, State::Compliant, "{name}");
    }
}

/// `%current.id%`: the write addresses the object the read found; without a snapshot (or
/// when the read finds nothing) the plan is a typed error, never a request to a literal
/// token.
#[tokio::test]
async fn current_tokens_address_the_object_the_read_found() {
    use cipp_standards::plan_for;
    let sim = Sim::start().await.unwrap();
    let pipeline = cipp_testkit::pipeline(&sim).unwrap();
    let collector = Collector::new(pipeline.clone());
    let def = Catalogue::builtin().get("WindowsBackupRestore").unwrap();
    let given = settings(json!({"state": "enabled"}));
    let e = plan(def, &given, &context()).unwrap_err();
    assert!(e.to_string().contains("%current.id%"), "{e}");

    let snapshot = collector
        .collect(
            TENANT,
            &["IntuneDeviceEnrollmentConfigurations", LICENCE_TYPE],
        )
        .await
        .unwrap();
    let id = snapshot
        .rows("IntuneDeviceEnrollmentConfigurations")
        .unwrap()
        .iter()
        .find(|c| c["deviceEnrollmentConfigurationType"] == "windowsRestore")
        .and_then(|c| c["id"].as_str())
        .unwrap()
        .to_string();
    let steps = plan_for(def, &given, &snapshot, &context())
        .unwrap()
        .unwrap();
    match &steps[..] {
        [Step::Graph { uri, .. }] => {
            assert_eq!(
                uri,
                &format!("deviceManagement/deviceEnrollmentConfigurations/{id}")
            )
        }
        other => panic!("{other:?}"),
    }
    let empty: cipp_snapshot::Snapshot = serde_json::from_value(json!({
        "tenant": TENANT, "collected_at": 0, "round_trips": 0,
        "types": {"IntuneDeviceEnrollmentConfigurations": {"status": "complete", "collected_at": 0, "rows": []}}
    }))
    .unwrap();
    let e = plan_for(def, &given, &empty, &context()).unwrap_err();
    assert!(matches!(e, StandardsError::Unresolved { .. }), "{e}");
}
