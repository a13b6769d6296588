//! The facade against the simulator.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use cipp::{Cipp, Service};
use cipp_sim::Sim;

fn client(sim: &Sim) -> Cipp {
    let c = sim.credentials();
    let mut b = Cipp::builder()
        .application_id(c.application_id)
        .application_secret(c.application_secret)
        .refresh_token(c.refresh_token)
        .tenant_id(c.partner_tenant_id);
    for (name, url) in sim.endpoints() {
        b = b.endpoint(name.parse::<Service>().unwrap(), url);
    }
    b.build().unwrap()
}

#[tokio::test]
async fn tenants_are_the_active_gdap_customers_without_mlt_or_terminated() {
    let sim = Sim::start().await.unwrap();
    let tenants = client(&sim).tenants().await.unwrap();
    let mut expected: Vec<String> = sim.tenants().into_iter().map(|t| t.id).collect();
    expected.sort();
    let mut got: Vec<String> = tenants.iter().map(|t| t.customer_id.clone()).collect();
    got.sort();
    assert_eq!(got, expected);
    for t in &tenants {
        let s = sim
            .tenants()
            .into_iter()
            .find(|x| x.id == t.customer_id)
            .unwrap();
        assert_eq!(
            t.default_domain_name.as_deref(),
            Some(s.default_domain.as_str())
        );
        assert_eq!(
            t.initial_domain_name.as_deref(),
            Some(s.initial_domain.as_str())
        );
        assert_eq!(
            t.relationship_count, 1,
            "MLT_ and terminated relationships are skipped"
        );
        assert!(!t.display_name.contains("(old)"));
    }
    let names: Vec<&str> = tenants.iter().map(|t| t.display_name.as_str()).collect();
    let mut sorted = names.clone();
    sorted.sort_by_key(|n| n.to_lowercase());
    assert_eq!(names, sorted);
}

#[tokio::test]
async fn a_tenant_by_guid_default_or_initial_domain_is_the_same_tenant() {
    let sim = Sim::start().await.unwrap();
    let cipp = client(&sim);
    let t = &sim.tenants()[1];
    let mut ids = Vec::new();
    for name in [&t.id, &t.default_domain, &t.initial_domain] {
        let org = cipp
            .tenant(name.as_str())
            .graph()
            .organization()
            .await
            .unwrap();
        ids.push(org.id.unwrap());
        assert_eq!(cipp.tenant(name.as_str()).guid().await.unwrap(), t.id);
    }
    assert!(ids.iter().all(|i| *i == t.id));
    // Each new name cost at most one token; once a name's GUID is known it shares the GUID's.
    let tokens = sim.stats().token_requests;
    assert!(tokens <= 3, "{tokens}");
    for name in [&t.initial_domain, &t.id, &t.default_domain] {
        cipp.tenant(name.as_str())
            .graph()
            .organization()
            .await
            .unwrap();
    }
    assert_eq!(sim.stats().token_requests, tokens);
}

#[tokio::test]
async fn the_partner_tenant_is_reachable() {
    let sim = Sim::start().await.unwrap();
    let cipp = client(&sim);
    let org = cipp.partner().graph().organization().await.unwrap();
    assert_eq!(
        org.id.as_deref(),
        Some(sim.credentials().partner_tenant_id.as_str())
    );
    assert_eq!(
        org.partner_tenant_type.as_deref(),
        Some("resellerPartnerDelegatedAdmin")
    );
}

#[tokio::test]
async fn exchange_through_the_tenant_handle_shares_discoveries() {
    let sim = Sim::start().await.unwrap();
    let cipp = client(&sim);
    let alpha = cipp.tenant("alpha.onmicrosoft.com");
    let mailboxes = alpha.exchange().mailboxes().await.unwrap();
    assert!(!mailboxes.is_empty());
    alpha
        .exchange()
        .compliance()
        .cmdlet("Get-Label")
        .rows()
        .await
        .unwrap();
    // Another handle on the same tenant reuses the regional host found by the first.
    cipp.tenant("alpha.onmicrosoft.com")
        .exchange()
        .compliance()
        .cmdlet("Get-Label")
        .rows()
        .await
        .unwrap();
    let banners = sim
        .requests()
        .iter()
        .filter(|r| r.path.contains("EXOBanner"))
        .count();
    assert_eq!(banners, 1);
}

#[tokio::test]
async fn tenant_health_reports_roles_services_and_properties() {
    let sim = Sim::start().await.unwrap();
    let cipp = client(&sim);
    let h = cipp.tenant_health("alpha.onmicrosoft.com").await.unwrap();
    assert!(h.tenant_id.is_some());
    let r = h.relationship.as_ref().expect("reached through GDAP");
    assert_eq!(r.count, 1);
    assert!(h.services.iter().all(|s| s.ok), "{:?}", h.services);
    assert_eq!(h.services.len(), 4);
    assert!(h.properties["verifiedDomains"]
        .as_array()
        .unwrap()
        .iter()
        .any(|d| d == "alpha.onmicrosoft.com"));
    // The sim's Alpha lacks a required role: an error-level issue, ranked first.
    assert!(!h.is_healthy());
    assert_eq!(h.issues[0].severity, cipp::gdap::Severity::Error);
    assert!(h
        .issues
        .iter()
        .any(|i| i.area == "roles" && i.issue.contains("Application Administrator")));

    // One service down is one error naming it; the rest still answer.
    sim.faults().add_rule(
        cipp_sim::FaultRule::outage(403)
            .with_path("/adminapi/")
            .with_times(100),
    );
    let h = cipp.tenant_health("alpha.onmicrosoft.com").await.unwrap();
    let exo = h.services.iter().find(|s| s.service == "exchange").unwrap();
    assert!(!exo.ok);
    assert!(h.issues.iter().any(|i| i.area == "exchange"));
    assert!(h
        .services
        .iter()
        .filter(|s| s.service != "exchange")
        .all(|s| s.ok));

    // A name the directory does not know is a warning, not an error of the call.
    let h = cipp.tenant_health("unknown.example").await.unwrap();
    assert!(h.tenant_id.is_none());
    assert!(h.issues.iter().any(|i| i.area == "directory"));
}

/// Audit-log rules that ask for `disableUser` act through the facade's handler.
#[tokio::test]
async fn audit_rules_disable_the_user_through_the_facade() {
    use cipp::alerts::audit::{AuditRule, AuditRunner, AuditSearchOptions};
    use cipp::alerts::time;
    use std::sync::Arc;

    let sim = Sim::start().await.unwrap();
    let cipp = client(&sim);
    let rule = AuditRule::from_value(
        &serde_json::json!({
            "RowKey": "forwarding-rules",
            "Tenants": [{"value": "AllTenants"}],
            "Conditions": [
                {"Property": {"label": "Operation", "value": "String"}, "Operator": {"value": "eq"}, "Input": {"value": "New-InboxRule"}},
                {"Property": {"label": "ForwardTo", "value": "String"}, "Operator": {"value": "like"}, "Input": {"value": "*@*"}}],
            "Actions": [{"value": "disableUser"}],
        }),
        0,
    )
    .unwrap();
    let report = AuditRunner::builder(
        cipp.pipeline().clone(),
        Arc::new(cipp::snapshot::Store::in_memory().unwrap()),
    )
    .rules(vec![rule])
    .action_handler(cipp.audit_user_actions())
    .confirm_user_actions(true)
    .search_options(AuditSearchOptions::default().poll_interval(std::time::Duration::ZERO))
    .build()
    .unwrap()
    .run(
        &["alphadental.com".to_string()],
        time::parse("2026-10-31T00:00:00Z").unwrap(),
        time::parse("2026-11-01T00:00:00Z").unwrap(),
    )
    .await;
    let action = &report.tenants[0].events[0].actions[0];
    assert!(action.ok, "{}", action.detail);
    let user = cipp
        .tenant("alphadental.com")
        .graph()
        .get("users/miriam.gu@alphadental.com")
        .await
        .unwrap();
    assert_eq!(user["accountEnabled"], false);
}

/// The facade's scheduler knows the user actions as commands.
#[tokio::test]
async fn scheduled_user_actions_run_and_fail_with_a_reason() {
    use std::sync::Arc;

    let sim = Sim::start().await.unwrap();
    let cipp = client(&sim);
    let scheduler = cipp
        .scheduler()
        .store(Arc::new(cipp::snapshot::Store::in_memory().unwrap()))
        .build()
        .unwrap();
    let task = |name: &str, parameters: serde_json::Value| {
        cipp::scheduler::Task::from_json(
            &serde_json::json!({
                "name": name,
                "command": {"type": "custom", "name": name, "parameters": parameters},
                "tenants": {"tenant": "alphadental.com"},
            })
            .to_string(),
        )
        .unwrap()
    };
    scheduler
        .add(task(
            "block-sign-in",
            serde_json::json!({"user": "sofia.wilke@alphadental.com"}),
        ))
        .unwrap();
    scheduler
        .add(task(
            "bec-remediate",
            serde_json::json!({"user": "sofia.wilke@alphadental.com"}),
        ))
        .unwrap();
    scheduler
        .add(task("revoke-sessions", serde_json::json!({})))
        .unwrap();
    scheduler
        .add(
            cipp::scheduler::Task::from_json(
                &serde_json::json!({
                    "name": "bad skip",
                    "command": {"type": "custom", "name": "bec-remediate", "parameters": {
                        "user": "sofia.wilke@alphadental.com", "confirm": true,
                        "skip": ["RevokeSessions", 7]}},
                    "tenants": {"tenant": "alphadental.com"},
                })
                .to_string(),
            )
            .unwrap(),
        )
        .unwrap();
    let outcomes = scheduler.run_due(scheduler.now()).await.unwrap();
    let tenant = |name: &str| {
        outcomes
            .iter()
            .find(|o| o.name == name)
            .map(|o| o.results.tenants[0].clone())
            .unwrap()
    };
    assert!(tenant("block-sign-in").ok);
    let user = cipp
        .tenant("alphadental.com")
        .graph()
        .get("users/sofia.wilke@alphadental.com")
        .await
        .unwrap();
    assert_eq!(user["accountEnabled"], false);
    // Remediation without "confirm": true is refused; a task without a user names the field.
    let refused = tenant("bec-remediate");
    assert!(!refused.ok && refused.error.unwrap().contains("confirmation"));
    let missing = tenant("revoke-sessions");
    assert!(!missing.ok && missing.error.unwrap().contains("parameters.user"));
    // A skip entry that is not a step name is named by its index; nothing ran.
    let bad_skip = tenant("bad skip");
    assert!(!bad_skip.ok && bad_skip.error.unwrap().contains("parameters.skip[1]"));
}

/// A standards run in alert mode feeds the alert pipeline: flagged standards become
/// StandardsAlerts findings, delivered once and deduplicated like every other finding.
#[tokio::test]
async fn standards_in_alert_mode_feed_the_alert_pipeline() {
    use cipp::alerts::AlertConfig;
    use cipp::standards::{Mode, StandardsTemplate};
    use cipp::{AlertsOptions, StandardsOptions};
    use wiremock::matchers::method;
    use wiremock::{Mock, MockServer, ResponseTemplate};

    let sim = Sim::start().await.unwrap();
    let cipp = client(&sim);
    let template = StandardsTemplate::from_json(
        r#"{"GUID": "alerting", "templateName": "Alerting",
            "tenantFilter": [{"value": "AllTenants"}],
            "standards": {"DisableSMS": {"action": ["warn"]}}}"#,
        "alerting.json",
    )
    .unwrap();
    let standards = cipp
        .run_standards(
            &[template],
            Mode::Alert,
            &StandardsOptions::default().tenants(["alphadental.com"]),
        )
        .await
        .unwrap();
    let hook = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&hook)
        .await;
    let config = AlertConfig::from_json(
        &serde_json::json!({
            "rules": {"StandardsAlerts": {}},
            "destinations": [{"name": "soc", "type": "webhook", "url": hook.uri(), "format": "json"}],
        })
        .to_string(),
        "test",
    )
    .unwrap();
    let dir = std::env::temp_dir().join(format!("cipp-facade-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let store = dir.join("alerts.db");
    let _ = std::fs::remove_file(&store);
    let options = AlertsOptions::default()
        .config(config)
        .tenants(["alphadental.com", "charlie.onmicrosoft.com"])
        .store(&store)
        .standards(&standards);
    let first = cipp.run_alerts(&options).await.unwrap();
    let findings: Vec<_> = first.tenants.iter().flat_map(|t| t.findings()).collect();
    assert_eq!(findings.len(), 1, "{}", first.to_json());
    assert_eq!(findings[0].finding.tenant, "alphadental.com");
    assert_eq!(findings[0].finding.data["Standard"], "DisableSMS");
    assert_eq!(first.summary.delivered, 1);
    // Charlie had no standards run: the rule says it had no data, it does not invent a finding.
    let charlie = first
        .tenants
        .iter()
        .find(|t| t.tenant == "charlie.onmicrosoft.com")
        .unwrap();
    assert!(charlie.findings().next().is_none());
    // The same drift again is not sent again.
    let second = cipp.run_alerts(&options).await.unwrap();
    assert_eq!(second.summary.delivered, 0);
    assert_eq!(second.summary.suppressed, 1);
    assert_eq!(hook.received_requests().await.unwrap().len(), 1);
    let _ = std::fs::remove_dir_all(&dir);
}

/// Offboarding with the licence removal delayed: the report's follow-up becomes a one-off task
/// (`cipp::follow_up_task`) that the facade's scheduler runs at its time, not before, and that
/// finishes the offboarding.
#[tokio::test]
async fn an_offboarding_follow_up_runs_as_a_scheduled_task() {
    use cipp::actions::offboard::OffboardOptions;
    use cipp::actions::StepState;
    use cipp::scheduler::FakeClock;
    use std::sync::Arc;

    const ELIF: &str = "elif.ortiz@alphadental.com";
    let sim = Sim::start().await.unwrap();
    let cipp = client(&sim);
    let tenant = cipp.tenant("alphadental.com");
    let options = OffboardOptions {
        convert_to_shared: true,
        remove_licences: true,
        licence_removal_delay_minutes: Some(5),
        confirm: true,
        ..OffboardOptions::default()
    };
    let report = tenant.offboarding().run(ELIF, &options).await.unwrap();
    assert!(report.succeeded(), "{:#?}", report.steps);
    assert!(report
        .steps
        .iter()
        .any(|s| s.step == "RemoveLicenses" && s.state == StepState::Scheduled));
    assert_eq!(report.follow_ups.len(), 1);
    let follow_up = &report.follow_ups[0];

    let clock = FakeClock::at(follow_up.not_before - 60);
    let scheduler = cipp
        .scheduler()
        .store(Arc::new(cipp::snapshot::Store::in_memory().unwrap()))
        .clock(clock.clone())
        .build()
        .unwrap();
    let id = scheduler.add(cipp::follow_up_task(follow_up)).unwrap();
    let licensed = || async {
        let user = tenant.graph().get(&format!("users/{ELIF}")).await.unwrap();
        !user["assignedLicenses"].as_array().unwrap().is_empty()
    };
    // A minute early: nothing runs, the licences stay.
    assert!(scheduler.run_due(clock.now()).await.unwrap().is_empty());
    assert!(licensed().await);
    clock.advance(60);
    let ran = scheduler.run_due(clock.now()).await.unwrap();
    assert_eq!(ran.len(), 1);
    assert_eq!(ran[0].task_id, id);
    assert!(ran[0].results.tenants[0].ok, "{:?}", ran[0].results);
    assert!(!licensed().await);
}
