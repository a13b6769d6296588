//! Standards templates run over the simulated tenants: report, alert and remediate modes,
//! the store's drift since the last run, template conflicts, licence gaps, failed collections
//! and failed writes.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::{Arc, Mutex};

use cipp_sim::{FaultRule, Sim};
use cipp_snapshot::Store;
use cipp_standards::{
    Definition, Mode, Progress, RunReport, StandardsRunner, StandardsTemplate, State, Target,
};
use serde_json::{json, Value};

fn definitions() -> Vec<Definition> {
    Definition::load_dir(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/cipp-data/BaselineStandards"
    ))
    .unwrap()
}

fn targets(sim: &Sim) -> Vec<Target> {
    sim.tenants()
        .into_iter()
        .map(|t| Target::from_domain(t.default_domain))
        .collect()
}

fn template(v: Value) -> StandardsTemplate {
    StandardsTemplate::from_json(&v.to_string(), "template.json").unwrap()
}

/// A baseline for every tenant, and a newer one that disagrees about one standard.
fn templates() -> Vec<StandardsTemplate> {
    vec![
        template(json!({
            "GUID": "baseline", "templateName": "Baseline",
            "tenantFilter": [{"label": "All", "value": "AllTenants"}],
            "standards": {
                "DisableSMS": {"action": [{"label": "Remediate", "value": "Remediate"}], "state": {"label": "Disabled", "value": "disabled"}},
                "EXOOutboundSpamLimits": {"action": ["Remediate", "warn"]},
                "AuditLog": {"action": ["Report", "warn"]},
                "TeamsGuestAccess": {"action": ["Remediate"]},
                "NoSuchStandard": {"action": ["Report"]}
            }
        })),
        template(json!({
            "GUID": "later", "templateName": "Later",
            "tenantFilter": [{"value": "AllTenants"}],
            "standards": {"AuditLog": {"action": ["Report"]}}
        })),
    ]
}

fn state(report: &RunReport, tenant: &str, standard: &str) -> State {
    report
        .tenants
        .iter()
        .find(|t| t.tenant == tenant)
        .and_then(|t| t.results.iter().find(|r| r.standard == standard))
        .map(|r| r.state)
        .unwrap_or_else(|| panic!("no {standard} in {tenant}"))
}

fn writes(sim: &Sim) -> Vec<String> {
    sim.requests()
        .into_iter()
        .filter(|r| matches!(r.method.as_str(), "PATCH" | "PUT" | "DELETE"))
        .map(|r| r.path)
        .collect()
}

#[tokio::test]
async fn report_alert_remediate_and_drift_since_the_last_run() {
    let sim = Sim::start().await.unwrap();
    let store = Arc::new(Store::in_memory().unwrap());
    let events = Arc::new(Mutex::new(Vec::new()));
    let seen = events.clone();
    let runner = StandardsRunner::builder(cipp_testkit::pipeline(&sim).unwrap())
        .definitions(definitions())
        .store(store.clone())
        .concurrency(2)
        .on_progress(move |p| seen.lock().unwrap().push(p.clone()))
        .build();
    let (alpha, bravo, charlie) = (
        "alphadental.com",
        "bravologistics.com",
        "charlie.onmicrosoft.com",
    );

    // Report: everything decided, nothing written.
    let report = runner.run(&templates(), &targets(&sim), Mode::Report).await;
    assert_eq!(report.tenants.len(), 3);
    assert_eq!(state(&report, alpha, "DisableSMS"), State::Drifted);
    assert_eq!(state(&report, bravo, "DisableSMS"), State::Compliant);
    assert_eq!(state(&report, alpha, "TeamsGuestAccess"), State::Drifted);
    assert_eq!(
        state(&report, charlie, "TeamsGuestAccess"),
        State::NotApplicable
    );
    assert_eq!(state(&report, alpha, "NoSuchStandard"), State::Unsupported);
    assert!(report.tenants.iter().all(|t| t.writes == 0));
    assert!(writes(&sim).is_empty(), "{:?}", writes(&sim));
    assert!(report
        .tenants
        .iter()
        .flat_map(|t| &t.results)
        .all(|r| !r.alerted));
    let a = &report.tenants[0];
    let sms = a
        .results
        .iter()
        .find(|r| r.standard == "DisableSMS")
        .unwrap();
    assert_eq!(
        sms.planned.len(),
        1,
        "the write remediation would send is shown"
    );
    assert!(sms.since_last.is_none());
    // The newer all-tenants template wins AuditLog, and the disagreement is reported.
    assert_eq!(a.conflicts.len(), 1);
    assert_eq!(a.conflicts[0].templates, vec!["baseline", "later"]);
    let audit = a.results.iter().find(|r| r.standard == "AuditLog").unwrap();
    assert_eq!(audit.template, "later");
    // Progress: every tenant started and finished, every result announced.
    {
        let events = events.lock().unwrap();
        let finished = events
            .iter()
            .filter(|e| matches!(e, Progress::TenantFinished { error: None, .. }))
            .count();
        let results = events
            .iter()
            .filter(|e| matches!(e, Progress::Standard { .. }))
            .count();
        assert_eq!((finished, results), (3, report.summary.total));
    }

    // Alert: alerts where the template says warn, still no writes.
    let mut warn = templates();
    warn.truncate(1);
    let alerts = runner.run(&warn, &targets(&sim), Mode::Alert).await;
    let alerted: Vec<(&str, &str)> = alerts
        .tenants
        .iter()
        .flat_map(|t| t.results.iter().map(move |r| (t, r)))
        .filter(|(_, r)| r.alerted)
        .map(|(t, r)| (t.tenant.as_str(), r.standard.as_str()))
        .collect();
    assert!(alerted.contains(&(alpha, "EXOOutboundSpamLimits")));
    assert!(alerted.contains(&(alpha, "AuditLog")));
    assert!(
        !alerted.iter().any(|(_, s)| *s == "DisableSMS"),
        "DisableSMS does not warn"
    );
    assert!(writes(&sim).is_empty());

    // Remediate: what drifted and asks for it is written and confirmed; the rest is left.
    let fixed = runner
        .run(&templates(), &targets(&sim), Mode::Remediate)
        .await;
    assert_eq!(state(&fixed, alpha, "DisableSMS"), State::Remediated);
    assert_eq!(state(&fixed, bravo, "DisableSMS"), State::Compliant);
    assert_eq!(state(&fixed, alpha, "TeamsGuestAccess"), State::Remediated);
    assert_eq!(
        state(&fixed, charlie, "TeamsGuestAccess"),
        State::NotApplicable
    );
    for t in [alpha, bravo, charlie] {
        assert_eq!(
            state(&fixed, t, "EXOOutboundSpamLimits"),
            State::Remediated,
            "{t}"
        );
        assert_eq!(
            state(&fixed, t, "AuditLog"),
            State::Drifted,
            "report only: {t}"
        );
    }
    assert!(!writes(&sim).is_empty());
    let sms = fixed.tenants[0]
        .results
        .iter()
        .find(|r| r.standard == "DisableSMS")
        .unwrap();
    let rem = sms.remediation.as_ref().unwrap();
    assert!(rem.confirmed && rem.steps.iter().all(|s| s.error.is_none()));
    let since = sms.since_last.as_ref().unwrap();
    assert_eq!((since.state, since.changed), (State::Drifted, true));
    let changed: Vec<String> = fixed
        .tenants
        .iter()
        .flat_map(|t| t.results.iter().map(move |r| (t, r)))
        .filter(|(_, r)| r.since_last.as_ref().is_some_and(|s| s.changed))
        .map(|(t, r)| format!("{}/{}", t.tenant, r.standard))
        .collect();
    // Outbound spam limits in three tenants, guest access in two, SMS in Alpha and Charlie.
    assert_eq!(changed.len(), 3 + 2 + 2, "{changed:?}");

    // Report again: compliant now, and unchanged since the remediation.
    let after = runner.run(&templates(), &targets(&sim), Mode::Report).await;
    assert_eq!(state(&after, alpha, "DisableSMS"), State::Compliant);
    assert_eq!(after.summary.changed_since_last, 0);
    assert!(after.summary.alignment > report.summary.alignment);

    // The store kept four runs; the last one's results match the report.
    let run = store.run(after.run_id.unwrap()).unwrap().unwrap();
    assert_eq!(run.mode, "report");
    assert!(run.finished_at.is_some());
    let rows = store.run_results(after.run_id.unwrap()).unwrap();
    assert_eq!(rows.len(), after.summary.total);
    let history = store.result_history(alpha, "DisableSMS|", 10).unwrap();
    let states: Vec<&str> = history.iter().map(|r| r.state.as_str()).collect();
    assert_eq!(
        states,
        vec!["compliant", "remediated", "drifted", "drifted"]
    );
    assert!(store.latest(alpha).unwrap().is_some(), "snapshots are kept");

    // The renderings carry the same facts.
    let md = after.to_markdown();
    assert!(
        md.contains("| alphadental.com |") && md.contains("NoSuchStandard"),
        "{md}"
    );
    let html = fixed.to_html();
    assert!(html.starts_with("<!doctype html>") && html.contains("class=\"c remediated\""));
    assert!(!html.contains("<script"), "self-contained, no scripts");
    assert_eq!(after.to_json()["schema"], json!(1));
}

#[tokio::test]
async fn a_failed_read_a_failed_write_and_a_bad_setting_stay_in_their_own_results() {
    let sim = Sim::start().await.unwrap();
    let store = Arc::new(Store::in_memory().unwrap());
    let runner = StandardsRunner::builder(cipp_testkit::pipeline(&sim).unwrap())
        .definitions(definitions())
        .store(store.clone())
        .build();
    // Bravo cannot read its authentication methods policy; Alpha cannot write it.
    sim.faults().add_rule(
        FaultRule::outage(403)
            .with_tenant("bravologistics.com")
            .with_path("authenticationMethodsPolicy"),
    );
    sim.faults().add_rule(
        FaultRule::outage(400)
            .with_tenant("alphadental.com")
            .with_method("PATCH")
            .with_path("authenticationMethodConfigurations"),
    );
    // Optional steps (continueOnError) that fail do not fail their standard.
    sim.faults().add_rule(
        FaultRule::outage(500)
            .with_method("POST")
            .with_path("delegatedPermissionClassifications"),
    );
    let templates = vec![template(json!({
        "GUID": "t", "tenantFilter": [{"value": "AllTenants"}],
        "standards": {
            "OauthConsentLowSec": {"action": ["Remediate"]},
            "DisableSMS": {"action": ["Remediate"]},
            "DisableVoice": {"action": ["Remediate"]},
            "EXOOutboundSpamLimits": {"action": ["Remediate"]},
            "sharingCapability": {"action": ["Remediate"]}
        }
    }))];
    let targets: Vec<Target> = targets(&sim).into_iter().take(2).collect();
    let report = runner.run(&templates, &targets, Mode::Remediate).await;

    let alpha = &report.tenants[0];
    let sms = alpha
        .results
        .iter()
        .find(|r| r.standard == "DisableSMS")
        .unwrap();
    assert_eq!(sms.state, State::RemediationFailed);
    assert!(
        sms.error.as_deref().unwrap().contains("400"),
        "{:?}",
        sms.error
    );
    let rem = sms.remediation.as_ref().unwrap();
    assert!(!rem.confirmed);
    assert!(matches!(
        rem.before,
        cipp_standards::Outcome::Drifted { .. }
    ));
    let consent = alpha
        .results
        .iter()
        .find(|r| r.standard == "OauthConsentLowSec")
        .unwrap();
    assert_eq!(consent.state, State::Remediated, "{consent:?}");
    let steps = &consent.remediation.as_ref().unwrap().steps;
    assert!(steps[0].error.is_none() && steps[1].error.is_some() && !steps[2].skipped);
    // The other writes of the same tenant still ran.
    assert_eq!(
        state(&report, "alphadental.com", "EXOOutboundSpamLimits"),
        State::Remediated
    );
    // An unfilled setting is an error of that standard only, and nothing is sent for it.
    let sharing = alpha
        .results
        .iter()
        .find(|r| r.standard == "sharingCapability")
        .unwrap();
    assert_eq!(sharing.state, State::Error);
    assert!(sharing
        .error
        .as_deref()
        .unwrap()
        .contains("%sharingCapability%"));

    let bravo = &report.tenants[1];
    assert!(bravo.error.is_none());
    for s in ["DisableSMS", "DisableVoice"] {
        let r = bravo.results.iter().find(|r| r.standard == s).unwrap();
        assert_eq!(r.state, State::NoData, "{s}");
        assert!(r.remediation.is_none(), "nothing is written without data");
    }
    assert_eq!(
        state(&report, "bravologistics.com", "EXOOutboundSpamLimits"),
        State::Remediated
    );

    // The store holds exactly what the report says.
    let stored = store.run_results(report.run_id.unwrap()).unwrap();
    assert_eq!(stored.len(), report.summary.total);
    let failed = stored
        .iter()
        .find(|r| r.tenant == "alphadental.com" && r.standard == "DisableSMS|")
        .unwrap();
    assert_eq!(failed.state, "remediation_failed");
    assert!(report.tenants.iter().all(|t| t.store_error.is_none()));
}

#[tokio::test]
async fn tenants_the_templates_do_not_reach_are_not_touched() {
    let sim = Sim::start().await.unwrap();
    let runner = StandardsRunner::builder(cipp_testkit::pipeline(&sim).unwrap())
        .definitions(definitions())
        .build();
    let one = vec![template(json!({
        "GUID": "one", "tenantFilter": [{"value": "bravologistics.com", "type": "Tenant"}],
        "standards": {"DisableSMS": {"action": ["Report"]}}
    }))];
    sim.clear_requests();
    let report = runner.run(&one, &targets(&sim), Mode::Report).await;
    assert_eq!(report.tenants.len(), 1);
    assert_eq!(report.tenants[0].tenant, "bravologistics.com");
    let tenants: std::collections::BTreeSet<String> = sim
        .requests()
        .into_iter()
        .filter(|r| r.kind != "login" && r.kind != "openid")
        .filter_map(|r| r.token_tid)
        .collect();
    let bravo = sim.tenants()[1].id.clone();
    assert_eq!(tenants.into_iter().collect::<Vec<_>>(), vec![bravo]);
}

/// A run can be spawned on a multi-threaded runtime (the bindings and services do).
#[test]
fn a_run_is_send() {
    fn spawnable<F: std::future::Future + Send>(_: F) {}
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let _guard = rt.enter();
    let creds = cipp_core::Credentials::builder("app")
        .client_secret("secret")
        .partner_tenant("partner.onmicrosoft.com")
        .build()
        .unwrap();
    let runner =
        StandardsRunner::builder(cipp_core::Pipeline::builder(creds).build().unwrap()).build();
    spawnable(runner.run(&[], &[], Mode::Report));
}

/// The standards templates in `examples/standards` parse and run: the tenant override and
/// the group template beat the all-tenants baseline where they overlap.
#[tokio::test]
async fn the_example_templates_run_with_their_precedence() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples/standards");
    let mut templates = Vec::new();
    for name in [
        "baseline-all-tenants.json",
        "strict-group.json",
        "one-tenant-override.json",
    ] {
        let text = std::fs::read_to_string(format!("{dir}/{name}")).unwrap();
        templates.extend(StandardsTemplate::all_from_json(&text, name).unwrap());
    }
    let sim = Sim::start().await.unwrap();
    let runner = StandardsRunner::builder(cipp_testkit::pipeline(&sim).unwrap())
        .definitions(definitions())
        .build();
    let tenants = sim.tenants();
    let targets: Vec<Target> = tenants
        .iter()
        .map(|t| {
            let groups: Vec<&str> = if t.default_domain == "alphadental.com" {
                vec!["regulated"]
            } else {
                vec![]
            };
            Target::managed(
                t.id.clone(),
                t.default_domain.clone(),
                Some(t.initial_domain.clone()),
                Some(t.display_name.clone()),
                groups,
            )
        })
        .collect();
    let report = runner.run(&templates, &targets, Mode::Report).await;
    assert_eq!(report.tenants.len(), 3);
    for t in &report.tenants {
        for r in &t.results {
            assert!(
                !matches!(r.state, State::Error | State::Unsupported),
                "{} {}: {:?} {:?}",
                t.tenant,
                r.standard,
                r.state,
                r.error
            );
        }
    }
    let find = |tenant: &str, s: &str| {
        report
            .tenants
            .iter()
            .find(|t| t.tenant == tenant)
            .unwrap()
            .results
            .iter()
            .find(|r| r.standard == s)
            .unwrap()
            .clone()
    };
    let spam = find("alphadental.com", "EXOOutboundSpamLimits");
    assert!(spam.template.ends_with("1a02"), "the group template wins");
    let Some(cipp_standards::Outcome::Drifted { expected, .. }) = &spam.outcome else {
        panic!("{spam:?}")
    };
    assert_eq!(expected["RecipientLimitExternalPerHour"], json!(100));
    assert!(find("bravologistics.com", "EXOOutboundSpamLimits")
        .template
        .ends_with("1a01"));
    assert!(find("bravologistics.com", "GuestInvite")
        .template
        .ends_with("1a03"));
    let invite = find("bravologistics.com", "GuestInvite");
    let Some(cipp_standards::Outcome::Drifted { expected, .. }) = &invite.outcome else {
        panic!("{invite:?}")
    };
    assert_eq!(expected["allowInvitesFrom"], json!("everyone"));
}

/// Two standards that each create the tenant's one global quarantine policy while only the
/// built-in one exists: both plans say `New-QuarantinePolicy`. The second is planned again
/// from a fresh read once the first has written, so it sets the new policy instead of
/// creating it over the first one's work, and both are confirmed in the same run.
#[tokio::test]
async fn a_standard_is_planned_again_when_an_earlier_one_wrote_what_it_read() {
    let sim = Sim::start().await.unwrap();
    let runner = StandardsRunner::builder(cipp_testkit::pipeline(&sim).unwrap()).build();
    let alpha = "alphadental.com";
    let both = [template(json!({
        "GUID": "quarantine", "tenantFilter": [{"value": alpha}],
        "standards": {
            "GlobalQuarantineNotifications": {"action": ["Remediate"],
                "NotificationInterval": {"value": "04:00:00"}},
            "GlobalQuarantineSettings": {"action": ["Remediate"],
                "SenderName": "Alpha Dental IT", "CustomSubject": "Held for you"}
        }
    }))];
    let targets = [Target::from_domain(alpha)];
    let report = runner.run(&both, &targets, Mode::Report).await;
    assert_eq!(
        state(&report, alpha, "GlobalQuarantineNotifications"),
        State::Drifted
    );
    assert_eq!(
        state(&report, alpha, "GlobalQuarantineSettings"),
        State::Drifted
    );

    let report = runner.run(&both, &targets, Mode::Remediate).await;
    let cmdlets: Vec<(String, String)> = report.tenants[0]
        .results
        .iter()
        .flat_map(|r| {
            r.remediation
                .iter()
                .flat_map(|m| &m.steps)
                .map(move |s| (r.standard.clone(), serde_json::to_string(&s.step).unwrap()))
        })
        .collect();
    assert_eq!(
        state(&report, alpha, "GlobalQuarantineNotifications"),
        State::Remediated,
        "{cmdlets:?}"
    );
    assert_eq!(
        state(&report, alpha, "GlobalQuarantineSettings"),
        State::Remediated,
        "{cmdlets:?}"
    );
    let creates = cmdlets
        .iter()
        .filter(|(_, c)| c.contains("New-QuarantinePolicy"))
        .count();
    assert_eq!(creates, 1, "{cmdlets:?}");
    let policies = sim
        .exchange_objects(alpha, "GlobalQuarantinePolicy", false)
        .unwrap();
    assert_eq!(policies.len(), 1, "{policies:?}");

    let report = runner.run(&both, &targets, Mode::Report).await;
    assert!(report.tenants[0]
        .results
        .iter()
        .all(|r| r.state == State::Compliant));
}
