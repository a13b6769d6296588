//! End to end against the simulator over HTTP: a standards template in report mode over two
//! tenants and an alerts task, run by the scheduler, with their results in history and a
//! digest delivered to a local webhook; a group-targeted template.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;

use cipp_scheduler::{
    Command, Destination, FakeClock, Recurrence, Scheduler, Task, TaskState, TenantList,
    TenantSelector,
};
use cipp_sim::Sim;
use cipp_snapshot::Store;
use serde_json::{json, Value};
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, ResponseTemplate};

const ALPHA: &str = "alphadental.com";
const BRAVO: &str = "bravologistics.com";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn standards_and_alerts_tasks_run_against_the_sim() {
    let sim = Sim::start().await.unwrap();
    let hook = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&hook)
        .await;
    // The simulator's alert data is laid out around this day.
    let start = cipp_alerts::time::parse("2026-11-01T00:00:00Z").unwrap();
    let clock = FakeClock::at(start);
    let store = Arc::new(Store::in_memory().unwrap());
    let s = Scheduler::builder()
        .pipeline(cipp_testkit::pipeline(&sim).unwrap())
        .store(store.clone())
        .clock(clock.clone())
        .tenants(TenantList::new([ALPHA, BRAVO, "charlie.onmicrosoft.com"]))
        .build()
        .unwrap();
    let standards = Task::from_json(
        &json!({
            "name": "Baseline report",
            "command": {"type": "standards", "mode": "report", "template": {
                "GUID": "sched-baseline", "templateName": "Scheduled baseline",
                "tenantFilter": [{"value": "AllTenants"}],
                "standards": {
                    "DisableSMS": {"action": ["Remediate"], "state": {"value": "disabled"}},
                    "AuditLog": {"action": ["Report"]}
                }
            }},
            "tenants": {"all": true, "exclude": ["charlie.onmicrosoft.com"]},
            "recurrence": "1d",
            "destinations": [{"type": "webhook", "name": "ops", "url": format!("{}/ops", hook.uri())}]
        })
        .to_string(),
    )
    .unwrap();
    let standards = s.add(standards).unwrap();
    let alerts = s
        .add(
            Task::new(
                "App secrets",
                Command::Alerts {
                    config: json!({"rules": {"AppSecretExpiry": {}}}),
                },
                TenantSelector::all().excluding(["charlie.onmicrosoft.com"]),
            )
            .recurrence(Recurrence::parse("4h").unwrap())
            .hidden(true)
            .destination(Destination::Webhook {
                name: "alerts-hook".into(),
                url: format!("{}/alerts", hook.uri()),
                format: None,
            }),
        )
        .unwrap();
    // The same rule over Bravo alone finds nothing: that task posts no digest.
    let quiet = s
        .add(
            Task::new(
                "App secrets, Bravo",
                Command::Alerts {
                    config: json!({"rules": {"AppSecretExpiry": {}}}),
                },
                TenantSelector::tenant(BRAVO),
            )
            .destination(Destination::Webhook {
                name: "alerts-hook".into(),
                url: format!("{}/alerts", hook.uri()),
                format: None,
            }),
        )
        .unwrap();

    let ran = s.run_due(start).await.unwrap();
    assert_eq!(ran.len(), 3);
    for r in ran.iter().filter(|r| r.task_id != quiet) {
        assert_eq!(r.state, TaskState::Planned, "{}: {:?}", r.name, r.results);
        assert_eq!(
            r.results.summary,
            "Multi-tenant task completed: 2 successful, 0 failed (Total: 2 tenants)"
        );
    }

    // Standards: both tenants evaluated, in report mode (no writes), results in history.
    let h = s.history(&standards, 5).unwrap();
    assert_eq!(h.len(), 1);
    let results = h[0].results.as_ref().unwrap();
    let tenants: Vec<&str> = results.tenants.iter().map(|t| t.tenant.as_str()).collect();
    assert_eq!(tenants, [ALPHA, BRAVO]);
    for t in &results.tenants {
        assert!(t.ok, "{t:?}");
        assert_eq!(t.result["mode"], json!("report"));
        let standards: Vec<&str> = t.result["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["standard"].as_str().unwrap())
            .collect();
        assert!(
            standards.iter().any(|n| n.starts_with("DisableSMS")),
            "{standards:?}"
        );
        assert!(
            standards.iter().any(|n| n.starts_with("AuditLog")),
            "{standards:?}"
        );
    }
    let writes = sim
        .requests()
        .into_iter()
        .filter(|r| matches!(r.method.as_str(), "PATCH" | "PUT" | "DELETE"))
        .count();
    assert_eq!(writes, 0, "report mode wrote to a tenant");
    // The standards engine recorded its run in the same store.
    let run_id = results.tenants[0].result["run_id"].as_i64().unwrap();
    assert!(store.run(run_id).unwrap().is_some());
    assert_eq!(results.notifications.len(), 1);
    assert!(results.notifications[0].ok, "{:?}", results.notifications);
    let received = hook.received_requests().await.unwrap();
    let posted = |path: &str| {
        received
            .iter()
            .filter(|r| r.url.path() == path)
            .collect::<Vec<_>>()
    };
    assert_eq!(posted("/ops").len(), 1);
    // The alerts task that found a secret posted once; the quiet one did not post.
    assert_eq!(posted("/alerts").len(), 1);
    let quiet_run = s.history(&quiet, 1).unwrap();
    assert!(quiet_run[0]
        .results
        .as_ref()
        .unwrap()
        .notifications
        .is_empty());
    let body: Value = posted("/ops")[0].body_json().unwrap();
    let text = body.to_string();
    assert!(
        text.contains("Baseline report") && text.contains(ALPHA) && text.contains(BRAVO),
        "{text}"
    );

    // Alerts: the app secret expiring in Alpha is found, Bravo has none.
    let h = s.history(&alerts, 5).unwrap();
    let results = h[0].results.as_ref().unwrap();
    let rules = |tenant: &str| {
        results
            .tenants
            .iter()
            .find(|t| t.tenant == tenant)
            .unwrap()
            .result["rules"]
            .clone()
    };
    assert_eq!(
        rules(ALPHA),
        json!([{"rule": "AppSecretExpiry", "findings": 1}])
    );
    assert_eq!(rules(BRAVO), json!([]));
    let info = s.get(&alerts).unwrap();
    assert!(info.task.hidden);
    assert_eq!(info.next_run, start + 4 * 3_600);

    // Four hours on, only the alerts task is due again.
    clock.advance(4 * 3_600);
    let ran = s.run_due(clock.now()).await.unwrap();
    assert_eq!(ran.len(), 1);
    assert_eq!(ran[0].task_id, alerts);
    assert_eq!(s.history(&alerts, 5).unwrap().len(), 2);
}

/// A standards task whose template targets a tenant group: the scheduler's tenant source
/// says which tenants are in the group, so only those are evaluated.
#[tokio::test]
async fn a_group_targeted_template_runs_on_the_group_only() {
    let sim = Sim::start().await.unwrap();
    let clock = FakeClock::at(cipp_alerts::time::parse("2026-11-01T00:00:00Z").unwrap());
    let s = Scheduler::builder()
        .pipeline(cipp_testkit::pipeline(&sim).unwrap())
        .store(Arc::new(Store::in_memory().unwrap()))
        .clock(clock.clone())
        .tenants(TenantList::new([ALPHA, BRAVO]).with_group("Dental", [ALPHA]))
        .build()
        .unwrap();
    let task = Task::from_json(
        &json!({
            "name": "Dental baseline",
            "command": {"type": "standards", "mode": "report", "template": {
                "GUID": "dental", "templateName": "Dental practices",
                "tenantFilter": [{"value": "dental", "type": "Group"}],
                "standards": {"AuditLog": {"action": ["Report"]}}
            }},
            "tenants": {"all": true}
        })
        .to_string(),
    )
    .unwrap();
    let id = s.add(task).unwrap();
    s.run_due(clock.now()).await.unwrap();
    let run = s.history(&id, 1).unwrap();
    let results = run[0].results.as_ref().unwrap();
    let result = |tenant: &str| {
        results
            .tenants
            .iter()
            .find(|t| t.tenant == tenant)
            .unwrap()
            .result
            .clone()
    };
    let alpha = result(ALPHA);
    assert_eq!(alpha["mode"], json!("report"), "{alpha}");
    assert!(
        alpha["results"].as_array().is_some_and(|r| !r.is_empty()),
        "{alpha}"
    );
    assert_eq!(
        result(BRAVO)["message"],
        json!("the template does not target this tenant")
    );
}
