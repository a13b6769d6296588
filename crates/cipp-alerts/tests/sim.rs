//! The runner against the simulator over HTTP: which seeded tenant triggers each rule,
//! deduplication, re-sends, snoozes, failed deliveries, history rules and concurrent runs.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::sync::Arc;

use cipp_alerts::{
    snooze, time, AlertConfig, AlertReport, AlertRunner, RetryOptions, RuleStatus, SnoozeDuration,
    WebhookNotifier,
};
use cipp_sim::Sim;
use cipp_snapshot::Store;
use serde_json::{json, Value};
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, ResponseTemplate};

mod common;
use common::{ALPHA, BRAVO, CHARLIE, SIM_TRIGGERS};

/// The time the seeded alert data is laid out around.
fn as_of() -> i64 {
    time::parse("2026-11-01T00:00:00Z").unwrap()
}

fn all_rules() -> AlertConfig {
    let mut rules = serde_json::Map::new();
    for r in cipp_alerts::catalogue::all() {
        let params = match r.name {
            "GlobalAdminAllowList" => json!({"ApprovedGlobalAdmins": "admin"}),
            "LongLivedAppCredentials" => json!(24),
            "GroupMembershipChange" => json!("*Admins*, Finance"),
            _ => Value::Null,
        };
        rules.insert(r.name.to_string(), json!({"params": params}));
    }
    AlertConfig::from_json(&json!({"rules": rules}).to_string(), "test").unwrap()
}

fn tenants() -> Vec<String> {
    [ALPHA, BRAVO, CHARLIE].map(String::from).to_vec()
}

/// Rule -> tenants with findings.
fn triggered(report: &AlertReport) -> BTreeMap<String, Vec<String>> {
    let mut m: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for t in &report.tenants {
        for r in &t.rules {
            if !r.findings.is_empty() {
                m.entry(r.rule.clone()).or_default().push(t.tenant.clone());
            }
        }
    }
    m
}

#[tokio::test]
async fn each_rule_fires_in_the_seeded_tenant_and_not_in_another() {
    let sim = Sim::start().await.unwrap();
    let events = Arc::new(std::sync::Mutex::new(Vec::new()));
    let seen = events.clone();
    let runner = AlertRunner::builder(cipp_testkit::pipeline(&sim).unwrap())
        .on_progress(move |p| seen.lock().unwrap().push(p.clone()))
        .config(all_rules())
        .as_of(as_of())
        .alignment([(ALPHA.to_string(), 80.0), (BRAVO.to_string(), 100.0)])
        .build()
        .unwrap();
    let report = runner.run(&tenants()).await;
    for t in &report.tenants {
        assert!(t.error.is_none(), "{}: {:?}", t.tenant, t.error);
        // One collection per tenant: a handful of round trips for ~20 cache types.
        assert!(
            t.round_trips <= 8,
            "{}: {} round trips",
            t.tenant,
            t.round_trips
        );
    }
    let events = events.lock().unwrap();
    let finished = events
        .iter()
        .filter(|e| matches!(e, cipp_alerts::Progress::TenantFinished { .. }))
        .count();
    assert_eq!((events.len(), finished), (6, 3), "{events:?}");
    drop(events);
    let got = triggered(&report);

    assert_eq!(
        SIM_TRIGGERS.len(),
        cipp_alerts::catalogue::all().len(),
        "every rule has an expectation"
    );
    for (rule, tenants) in SIM_TRIGGERS {
        assert_eq!(
            got.get(*rule).cloned().unwrap_or_default(),
            tenants.iter().map(|t| t.to_string()).collect::<Vec<_>>(),
            "{rule}"
        );
    }
    let alpha = &report.tenants[0];
    let inactive: Vec<&str> = alpha
        .rules
        .iter()
        .find(|r| r.rule == "InactiveUsers")
        .unwrap()
        .findings
        .iter()
        .map(|f| f.finding.data["UserPrincipalName"].as_str().unwrap())
        .collect();
    assert_eq!(inactive, ["sofia.quinn@alphadental.com"]);
    // Charlie has no alignment score: no data, not a failure of the run.
    let charlie = report.tenants.iter().find(|t| t.tenant == CHARLIE).unwrap();
    let low = charlie
        .rules
        .iter()
        .find(|r| r.rule == "LowTenantAlignment")
        .unwrap();
    assert_eq!(low.status, RuleStatus::NoData);
    let md = report.to_markdown();
    assert!(
        md.contains("## alphadental.com") && md.contains("Payroll Connector"),
        "{md}"
    );
    let json: Value = serde_json::from_str(&report.to_json()).unwrap();
    assert_eq!(json["schema"], 1);
}

fn config(rules: Value) -> AlertConfig {
    AlertConfig::from_json(&json!({ "rules": rules }).to_string(), "test").unwrap()
}

async fn hook(server: &MockServer) -> Arc<WebhookNotifier> {
    Arc::new(WebhookNotifier::new("hook", &server.uri()).unwrap().retry(
        RetryOptions::default().attempts(2).delays(
            std::time::Duration::from_millis(5),
            std::time::Duration::from_millis(20),
        ),
    ))
}

async fn digests(server: &MockServer) -> Vec<Value> {
    server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .map(|r| serde_json::from_slice(&r.body).unwrap())
        .collect()
}

#[tokio::test]
async fn dedup_resend_snooze_and_failed_delivery() {
    let sim = Sim::start().await.unwrap();
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&server)
        .await;
    let store = Arc::new(Store::in_memory().unwrap());
    let rules =
        json!({"InactiveUsers": {}, "UnusedLicenses": {"resend_hours": 0}, "AppSecretExpiry": {}});
    let runner = |at: i64, server_hook: Arc<WebhookNotifier>| {
        AlertRunner::builder(cipp_testkit::pipeline(&sim).unwrap())
            .config(config(rules.clone()))
            .store(store.clone())
            .notifier(server_hook)
            .as_of(at)
            .build()
            .unwrap()
    };
    let ts = tenants();
    // First run: one digest with every finding.
    let r1 = runner(as_of(), hook(&server).await).run(&ts).await;
    assert_eq!(
        (r1.summary.findings, r1.summary.delivered),
        (3, 3),
        "{}",
        r1.to_markdown()
    );
    let bodies = digests(&server).await;
    assert_eq!(bodies.len(), 1, "one digest per run per destination");
    assert_eq!(bodies[0]["alertCount"], 3);
    // Same data an hour later: nothing sent.
    let r2 = runner(as_of() + 3_600, hook(&server).await).run(&ts).await;
    assert_eq!((r2.summary.delivered, r2.summary.suppressed), (0, 3));
    assert_eq!(digests(&server).await.len(), 1);
    // Snooze the app secret; a day later the daily re-send goes out, except the snoozed one
    // and the rule set to never re-send an unchanged finding.
    let secret = r1.tenants[0]
        .findings()
        .find(|f| f.finding.rule == "AppSecretExpiry")
        .unwrap();
    snooze(
        &store,
        &secret.finding,
        SnoozeDuration::from_days(7).unwrap(),
        as_of(),
        "tech",
        "ticket 42",
    )
    .unwrap();
    let r3 = runner(as_of() + 25 * 3_600, hook(&server).await)
        .run(&ts)
        .await;
    assert_eq!(
        (
            r3.summary.delivered,
            r3.summary.snoozed,
            r3.summary.suppressed
        ),
        (1, 1, 1),
        "{}",
        r3.to_markdown()
    );
    let bodies = digests(&server).await;
    assert_eq!(bodies.len(), 2);
    assert_eq!(bodies[1]["payload"][0]["rule"], "InactiveUsers");

    // A destination that keeps failing: reported, and nothing is marked delivered.
    let failing = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(503))
        .mount(&failing)
        .await;
    let later = as_of() + 3 * 86_400;
    let r4 = runner(later, hook(&failing).await).run(&ts).await;
    assert_eq!(r4.deliveries.len(), 1);
    assert!(
        !r4.deliveries[0].ok && r4.deliveries[0].error.as_deref().unwrap().contains("503"),
        "{:?}",
        r4.deliveries
    );
    assert_eq!(
        (
            r4.summary.delivered,
            r4.summary.undelivered,
            r4.summary.failed_deliveries
        ),
        (0, 1, 1)
    );
    assert!(r4.to_markdown().contains("failed"));
    // The next run (destination back) sends it.
    let r5 = runner(later + 60, hook(&server).await).run(&ts).await;
    assert_eq!(r5.summary.delivered, 1, "{}", r5.to_markdown());

    // A changed finding has a new hash: it goes out at once, whatever the interval, and the
    // snooze of the old one does not hold it back.
    let graph = cipp_graph::GraphClient::new(cipp_testkit::pipeline(&sim).unwrap(), ALPHA);
    let apps = graph.get("applications").await.unwrap();
    let app = apps["value"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["displayName"] == "Payroll Connector")
        .unwrap();
    graph
        .patch(
            &format!("applications/{}", app["id"].as_str().unwrap()),
            &json!({"passwordCredentials": [{"keyId": "k-new", "displayName": "payroll-sync", "endDateTime": "2026-11-25T00:00:00Z"}]}),
        )
        .await
        .unwrap();
    let r6 = runner(later + 120, hook(&server).await).run(&ts).await;
    let sent: Vec<&str> = r6
        .tenants
        .iter()
        .flat_map(|t| t.findings())
        .filter(|f| f.delivered == Some(true))
        .map(|f| f.finding.rule.as_str())
        .collect();
    assert_eq!(sent, ["AppSecretExpiry"], "{}", r6.to_markdown());
}

#[tokio::test]
async fn history_rules_report_what_changed_since_the_last_run() {
    let sim = Sim::start().await.unwrap();
    let store = Arc::new(Store::in_memory().unwrap());
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&server)
        .await;
    let pipeline = cipp_testkit::pipeline(&sim).unwrap();
    let runner = AlertRunner::builder(pipeline.clone())
        .config(config(json!({"NewRole": {}, "MXRecordChanged": {}})))
        .store(store.clone())
        .notifier(hook(&server).await)
        .as_of(as_of())
        .build()
        .unwrap();
    let ts = vec![BRAVO.to_string()];
    let first = runner.run(&ts).await;
    assert_eq!(first.summary.findings, 0, "the first run only records");
    assert!(store.alert_state(BRAVO, "NewRole").unwrap().is_some());
    // Make someone Exchange Administrator, and move the MX record.
    let graph = cipp_graph::GraphClient::new(pipeline, BRAVO);
    let roles = graph.get("directoryRoles").await.unwrap();
    let exo = roles["value"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["displayName"] == "Exchange Administrator")
        .unwrap();
    let users = graph.get("users").await.unwrap();
    let lee = users["value"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["userPrincipalName"] == "lee.gu@bravologistics.com")
        .unwrap();
    graph
        .post(
            &format!("directoryRoles/{}/members/$ref", exo["id"].as_str().unwrap()),
            &json!({"@odata.id": format!("https://graph.microsoft.com/v1.0/directoryObjects/{}", lee["id"].as_str().unwrap())}),
        )
        .await
        .unwrap();
    graph
        .patch(
            "domains/bravologistics.com",
            &json!({"serviceConfigurationRecords": [{"id": "mx2", "recordType": "Mx", "mailExchange": "mx.attacker.example"}]}),
        )
        .await
        .unwrap();
    let second = runner.run(&ts).await;
    let found = triggered(&second);
    assert_eq!(
        found.get("NewRole").map(Vec::len),
        Some(1),
        "{}",
        second.to_markdown()
    );
    assert_eq!(
        found.get("MXRecordChanged").map(Vec::len),
        Some(1),
        "{}",
        second.to_markdown()
    );
    let mx = second.tenants[0]
        .findings()
        .find(|f| f.finding.rule == "MXRecordChanged")
        .unwrap();
    assert_eq!(
        mx.finding.data["CurrentRecords"],
        json!(["mx.attacker.example"])
    );
    assert_eq!(second.summary.delivered, 2);
    // Recorded: a third run finds nothing new.
    assert_eq!(runner.run(&ts).await.summary.findings, 0);
}

#[tokio::test]
async fn concurrent_runs_in_one_process_send_each_finding_once() {
    let sim = Sim::start().await.unwrap();
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&server)
        .await;
    let store = Arc::new(Store::in_memory().unwrap());
    let make = || {
        AlertRunner::builder(cipp_testkit::pipeline(&sim).unwrap())
            .config(config(json!({"InactiveUsers": {}, "UnusedLicenses": {}, "OverusedLicenses": {}, "MFAAlertUsers": {}})))
            .store(store.clone())
            .as_of(as_of())
    };
    let (a, b) = (
        make().notifier(hook(&server).await).build().unwrap(),
        make().notifier(hook(&server).await).build().unwrap(),
    );
    let ts = tenants();
    let (ra, rb) = tokio::join!(a.run(&ts), b.run(&ts));
    let total = ra.summary.findings;
    assert_eq!(total, rb.summary.findings);
    let sent: u64 = digests(&server)
        .await
        .iter()
        .map(|d| d["alertCount"].as_u64().unwrap())
        .sum();
    assert_eq!(
        sent as usize, total,
        "every finding sent exactly once across both runs"
    );
    assert_eq!(ra.summary.delivered + rb.summary.delivered, total);
}
