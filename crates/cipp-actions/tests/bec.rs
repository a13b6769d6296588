//! Compromised-account research and remediation against cipp-sim over real HTTP. The seed
//! (cipp-sim's `seed/bec.json`) compromises Alpha Dental's miriam.vance around 2026-11-25 and
//! leaves Charlie Legal's nestor.bowen clean; research runs "as of" 2026-11-28.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use cipp_actions::bec::{
    Bec, RemediationOptions, RemediationStep, ResearchOptions, Severity, Source,
};
use cipp_actions::security::AccountSecurity;
use cipp_actions::{ActionError, StepState};
use cipp_exchange::ExchangeClient;
use cipp_graph::GraphClient;
use cipp_sim::{FaultRule, FaultScope, Sim};

const ALPHA: &str = "alpha.onmicrosoft.com";
const CHARLIE: &str = "charlie.onmicrosoft.com";
const MIRIAM: &str = "miriam.vance@alphadental.com";
const MIRIAM_ID: &str = "f2d320aa-b6b3-5060-9fa8-b036edf455ef";
const NESTOR: &str = "nestor.bowen@charlie.onmicrosoft.com";

fn bec(sim: &Sim, tenant: &str) -> Bec {
    let pipeline = cipp_testkit::pipeline(sim).unwrap();
    Bec::new(AccountSecurity::new(
        GraphClient::new(pipeline.clone(), tenant),
        ExchangeClient::new(pipeline, tenant),
    ))
}

fn as_of() -> ResearchOptions {
    ResearchOptions {
        days: 7,
        as_of: Some("2026-11-28T00:00:00Z".into()),
    }
}

#[tokio::test]
async fn research_finds_every_seeded_indicator_of_the_compromised_user() {
    let sim = Sim::start().await.unwrap();
    let report = bec(&sim, ALPHA).research(MIRIAM, &as_of()).await.unwrap();
    assert!(
        report.failed_sources.is_empty(),
        "{:?}",
        report.failed_sources
    );
    assert!(report.is_alarming());
    let kinds: Vec<&str> = report.indicators.iter().map(|i| i.kind.as_str()).collect();
    for want in [
        "foreignSignIn",
        "legacyProtocolSignIn",
        "failedSignIns",
        "forwardingInboxRule",
        "movingInboxRule",
        "mailboxForwarding",
        "newMfaMethod",
        "userConsent",
        "newApplication",
        "inboxRuleChange",
        "mailboxPermissionChange",
        "externalMail",
        "newMobileDevice",
    ] {
        assert!(kinds.contains(&want), "{want} missing from {kinds:?}");
    }
    // Most severe first.
    let severities: Vec<Severity> = report.indicators.iter().map(|i| i.severity).collect();
    let mut sorted = severities.clone();
    sorted.sort();
    assert_eq!(severities, sorted);
    assert!(report
        .indicators
        .iter()
        .any(|i| i.kind == "foreignSignIn" && i.summary.contains("NG")));

    // Sign-ins: only this user's, only the window's, asked for by user id.
    let sign_ins = report.sign_ins.data().unwrap();
    assert_eq!(sign_ins.len(), 4, "{sign_ins:?}");
    assert!(sign_ins
        .iter()
        .all(|s| s.user_id.as_deref() == Some(MIRIAM_ID)));
    assert!(sim.requests().iter().any(|r| r.kind == "batch_item"
        && r.path.contains("/auditLogs/signIns")
        && (r.path.contains(MIRIAM_ID) || r.query.contains(MIRIAM_ID))));

    let rules = report.inbox_rules.data().unwrap();
    let dot = rules.iter().find(|r| r.name == ".").unwrap();
    assert!(dot.forwards && dot.deletes && dot.recently_changed && !dot.system);
    let rss = rules.iter().find(|r| r.name == "RSS").unwrap();
    assert_eq!(rss.moves_to_folder.as_deref(), Some("RSS Feeds"));
    assert!(
        rules
            .iter()
            .find(|r| r.name == "Junk E-Mail Rule")
            .unwrap()
            .system
    );
    assert!(
        rules
            .iter()
            .find(|r| r.name.starts_with("Delegate Rule"))
            .unwrap()
            .system
    );

    let fwd = report.mailbox_forwarding.data().unwrap();
    assert_eq!(
        fwd.forwarding_smtp_address.as_deref(),
        Some("smtp:collect@mailbox-relay.example")
    );
    let methods = report.mfa_methods.data().unwrap();
    assert_eq!(methods.len(), 3);
    assert_eq!(methods.iter().filter(|m| m.recently_added).count(), 1);
    assert!(report.new_users.data().unwrap().is_empty());
    assert_eq!(report.new_applications.data().unwrap().len(), 1);
    assert_eq!(report.consent_grants.data().unwrap().len(), 1);
    assert_eq!(report.devices.data().unwrap().len(), 1);
    // Mailbox phones: the long-known iPhone, and an Android that first synced in the window.
    let phones = report.mobile_devices.data().unwrap();
    assert_eq!(phones.len(), 2);
    let new: Vec<_> = phones.iter().filter(|d| d.recently_added).collect();
    assert_eq!(new.len(), 1);
    assert_eq!(new[0].device_model.as_deref(), Some("SM-A515F"));
    assert!(report
        .indicators
        .iter()
        .any(|i| i.kind == "newMobileDevice" && i.summary.contains("Android 11")));
    assert_eq!(report.sent_messages.data().unwrap().len(), 2, "window only");
    assert_eq!(
        report.directory_audits.data().unwrap().len(),
        2,
        "this user's only"
    );
    assert_eq!(report.inbox_rule_changes.data().unwrap().len(), 2);
    assert_eq!(report.mailbox_permission_changes.data().unwrap().len(), 1);
    assert!(matches!(report.app_passwords, Source::Unavailable { .. }));
    assert_eq!(report.unified_audit_log_enabled.data(), Some(&false));
    assert_eq!(report.window.start, "2026-11-21T00:00:00Z");
}

#[tokio::test]
async fn graph_reads_travel_in_one_batch() {
    let sim = Sim::start().await.unwrap();
    let b = bec(&sim, ALPHA);
    sim.clear_requests();
    let report = b.research(MIRIAM, &as_of()).await.unwrap();
    let graph_calls: Vec<_> = sim
        .requests()
        .into_iter()
        .filter(|r| r.kind == "graph" || r.kind == "batch")
        .collect();
    // The user lookup, then one $batch carrying every other Graph read.
    assert_eq!(graph_calls.len(), 2, "{graph_calls:?}");
    assert_eq!(graph_calls.iter().filter(|r| r.kind == "batch").count(), 1);
    assert_eq!(graph_calls[1].batch_size, Some(7));
    assert_eq!(report.graph_round_trips, 2);
}

#[tokio::test]
async fn users_created_in_the_window_are_found_tenant_wide() {
    let sim = Sim::start().await.unwrap();
    let b = bec(&sim, ALPHA);
    // Created now, so visible in a window ending now (the default).
    b.security()
        .graph()
        .post(
            "users",
            &serde_json::json!({"displayName": "Backup Admin", "accountEnabled": true,
                "userPrincipalName": "backup.admin@alphadental.com", "mailNickname": "backup.admin"}),
        )
        .await
        .unwrap();
    let report = b
        .research(MIRIAM, &ResearchOptions::default())
        .await
        .unwrap();
    let new_users = report.new_users.data().unwrap();
    assert_eq!(new_users.len(), 1, "{new_users:?}");
    assert_eq!(
        new_users[0]["userPrincipalName"],
        "backup.admin@alphadental.com"
    );
    assert!(report
        .indicators
        .iter()
        .any(|i| i.kind == "newUser" && i.summary.contains("backup.admin@alphadental.com")));
}

#[tokio::test]
async fn the_clean_user_shows_nothing_alarming() {
    let sim = Sim::start().await.unwrap();
    let report = bec(&sim, CHARLIE).research(NESTOR, &as_of()).await.unwrap();
    assert!(
        report.failed_sources.is_empty(),
        "{:?}",
        report.failed_sources
    );
    assert!(!report.is_alarming(), "{:#?}", report.indicators);
    assert_eq!(report.sign_ins.data().unwrap().len(), 2);
    assert!(report
        .mailbox_forwarding
        .data()
        .is_some_and(|f| !f.forwards()));
    assert!(report.inbox_rules.data().unwrap().is_empty());
    assert!(report.mobile_devices.data().unwrap().is_empty());
    assert!(report.to_markdown().contains("Nothing suspicious"));
}

#[tokio::test]
async fn a_failing_source_is_reported_and_the_rest_is_there() {
    let sim = Sim::start().await.unwrap();
    sim.faults().add_rule(
        FaultRule::outage(403)
            .with_path("/auditLogs/signIns")
            .with_scope(FaultScope::BatchItem),
    );
    let report = bec(&sim, ALPHA).research(MIRIAM, &as_of()).await.unwrap();
    assert_eq!(report.failed_sources, vec!["signIns".to_string()]);
    match &report.sign_ins {
        Source::Failed { http_status, error } => {
            assert_eq!(*http_status, Some(403));
            assert!(!error.is_empty());
        }
        other => panic!("{other:?}"),
    }
    assert!(report.indicators.iter().all(|i| i.source != "signIns"));
    assert_eq!(report.mfa_methods.data().unwrap().len(), 3);
    assert!(report.inbox_rules.data().is_some());
    assert!(report.mailbox_forwarding.data().unwrap().forwards());
    let md = report.to_markdown();
    assert!(md.contains("Could not read: signIns"), "{md}");
    let json = serde_json::to_value(&report).unwrap();
    assert_eq!(json["signIns"]["status"], "failed");
    assert_eq!(json["mfaMethods"]["status"], "ok");
}

#[tokio::test]
async fn research_refuses_bad_options_before_sending() {
    let sim = Sim::start().await.unwrap();
    let b = bec(&sim, ALPHA);
    let before = sim.requests().len();
    for options in [
        ResearchOptions {
            days: 0,
            as_of: None,
        },
        ResearchOptions {
            days: 7,
            as_of: Some("last tuesday".into()),
        },
    ] {
        match b.research(MIRIAM, &options).await {
            Err(ActionError::InvalidInput { .. }) => {}
            other => panic!("{other:?}"),
        }
    }
    assert_eq!(sim.requests().len(), before);
    assert!(matches!(
        b.research("ghost@alphadental.com", &as_of()).await,
        Err(ActionError::UserNotFound { .. })
    ));
}

#[tokio::test]
async fn the_report_renders_suspicious_items_first_with_stable_field_names() {
    let sim = Sim::start().await.unwrap();
    let report = bec(&sim, ALPHA).research(MIRIAM, &as_of()).await.unwrap();
    let md = report.to_markdown();
    let findings = md.find("## Suspicious findings").unwrap();
    let sign_ins = md.find("## Sign-ins").unwrap();
    let high = md.find("**HIGH**").unwrap();
    assert!(findings < high && high < sign_ins, "{md}");
    assert!(md.contains("collect@mailbox-relay.example"));
    assert!(md.contains("## Mobile devices (mailbox)") && md.contains("SM-A515F"));
    let json = serde_json::to_value(&report).unwrap();
    for key in [
        "tenant",
        "user",
        "window",
        "indicators",
        "signIns",
        "inboxRules",
        "mailboxForwarding",
        "mfaMethods",
        "newUsers",
        "passwordChanges",
        "newApplications",
        "consentGrants",
        "appPasswords",
        "devices",
        "mobileDevices",
        "sentMessages",
        "directoryAudits",
        "inboxRuleChanges",
        "mailboxPermissionChanges",
        "unifiedAuditLogEnabled",
    ] {
        assert!(json.get(key).is_some(), "{key}");
    }
    assert_eq!(json["appPasswords"]["status"], "unavailable");
    let back: cipp_actions::bec::BecReport = serde_json::from_value(json).unwrap();
    assert_eq!(back, report);
}

#[tokio::test]
async fn a_dry_run_lists_the_steps_and_writes_nothing() {
    let sim = Sim::start().await.unwrap();
    let b = bec(&sim, ALPHA);
    sim.clear_requests();
    let options = RemediationOptions::default().skip(RemediationStep::RemoveMfaMethods);
    let plan = b.plan(MIRIAM, &options).await.unwrap();
    assert!(plan.dry_run);
    let names: Vec<&str> = plan.steps.iter().map(|s| s.step.as_str()).collect();
    assert_eq!(
        names,
        [
            "resetPassword",
            "disableSignIn",
            "revokeSessions",
            "removeMfaMethods",
            "disableInboxRules",
            "removeForwarding",
            "disableOneDriveSharing"
        ]
    );
    assert_eq!(plan.steps[3].state, StepState::Skipped);
    assert!(plan
        .steps
        .iter()
        .enumerate()
        .all(|(i, s)| i == 3 || s.state == StepState::Planned));
    let writes: Vec<_> = sim
        .requests()
        .into_iter()
        .filter(|r| r.kind != "login" && r.method != "GET")
        .collect();
    assert!(writes.is_empty(), "{writes:?}");
    assert!(plan.to_markdown().contains("dry run"));
}

#[tokio::test]
async fn remediation_refuses_to_run_without_confirmation() {
    let sim = Sim::start().await.unwrap();
    let b = bec(&sim, ALPHA);
    let before = sim.requests().len();
    match b.remediate(MIRIAM, &RemediationOptions::default()).await {
        Err(ActionError::NotConfirmed { action }) => assert!(action.contains("remediation")),
        other => panic!("{other:?}"),
    }
    assert_eq!(sim.requests().len(), before, "nothing sent");
}

#[tokio::test]
async fn remediation_runs_every_step_and_research_afterwards_is_quiet() {
    let sim = Sim::start().await.unwrap();
    let b = bec(&sim, ALPHA);
    let done = b
        .remediate(MIRIAM, &RemediationOptions::confirmed())
        .await
        .unwrap();
    assert!(!done.dry_run);
    let states: Vec<StepState> = done.steps.iter().map(|s| s.state).collect();
    assert_eq!(
        states,
        [
            StepState::Success,
            StepState::Success,
            StepState::Success,
            StepState::Success,
            StepState::Success,
            StepState::Success,
            StepState::Success
        ],
        "{:#?}",
        done.steps
    );
    assert_eq!(done.failures().count(), 0);
    let user = b.security().resolve_user(MIRIAM).await.unwrap();
    assert_eq!(user.account_enabled, Some(false));
    let onedrive = sim
        .sharepoint_site(
            ALPHA,
            "https://alpha-my.sharepoint.com/personal/miriam_vance_alphadental_com",
        )
        .unwrap()
        .unwrap();
    assert_eq!(onedrive["SharingCapability"], 0, "OneDrive sharing is off");
    let after = b.research(MIRIAM, &as_of()).await.unwrap();
    assert!(!after.mailbox_forwarding.data().unwrap().forwards());
    assert_eq!(after.mfa_methods.data().unwrap().len(), 1);
    assert!(after
        .inbox_rules
        .data()
        .unwrap()
        .iter()
        .filter(|r| !r.system)
        .all(|r| !r.enabled));
    let kinds: Vec<&str> = after.indicators.iter().map(|i| i.kind.as_str()).collect();
    assert!(!kinds.contains(&"forwardingInboxRule") && !kinds.contains(&"mailboxForwarding"));
}

#[tokio::test]
async fn a_failed_step_is_reported_and_the_rest_still_run() {
    let sim = Sim::start().await.unwrap();
    let b = bec(&sim, ALPHA);
    // Every PATCH of the user fails: the password reset and the sign-in block.
    sim.faults()
        .add_rule(FaultRule::outage(403).with_method("PATCH"));
    let done = b
        .remediate(
            MIRIAM,
            &RemediationOptions::confirmed().skip(RemediationStep::DisableInboxRules),
        )
        .await
        .unwrap();
    let by_name = |n: &str| done.steps.iter().find(|s| s.step == n).unwrap();
    assert_eq!(by_name("resetPassword").state, StepState::Error);
    assert!(
        by_name("resetPassword").result_text.contains("403")
            || by_name("resetPassword").result_text.contains("Forbidden")
    );
    assert_eq!(by_name("disableSignIn").state, StepState::Error);
    assert_eq!(by_name("revokeSessions").state, StepState::Success);
    assert_eq!(by_name("removeMfaMethods").state, StepState::Success);
    assert_eq!(by_name("disableInboxRules").state, StepState::Skipped);
    assert_eq!(by_name("removeForwarding").state, StepState::Success);
    assert_eq!(done.failures().count(), 2);
    let patches = sim
        .requests()
        .iter()
        .filter(|r| r.method == "PATCH")
        .count();
    assert_eq!(patches, 2, "each refused write sent once");
}

#[test]
fn steps_parse_from_their_names_and_refuse_others() {
    assert_eq!(
        "reset-password".parse::<RemediationStep>().unwrap(),
        RemediationStep::ResetPassword
    );
    assert_eq!(
        "disableSignIn".parse::<RemediationStep>().unwrap(),
        RemediationStep::DisableAccount
    );
    assert_eq!(
        "remove_forwarding".parse::<RemediationStep>().unwrap(),
        RemediationStep::RemoveForwarding
    );
    match "format-disk".parse::<RemediationStep>() {
        Err(ActionError::InvalidInput { field, message }) => {
            assert_eq!(field, "step");
            assert!(message.contains("resetPassword"));
        }
        other => panic!("{other:?}"),
    }
}
