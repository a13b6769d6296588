//! Code standards through the runner, over real HTTP against the simulator: report and alert
//! runs never write; destructive standards write only when allowed, and then only to the
//! objects the evaluation found; results are stored and confirmed like declarative ones.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;
use std::sync::Arc;
use support::result_of as result;

use cipp_sim::Sim;
use cipp_snapshot::{Collector, Store};
use cipp_standards::code::parse_timestamp;
use cipp_standards::{Mode, RunReport, StandardsRunner, StandardsTemplate, State, Step, Target};
use serde_json::{json, Value};

const TENANT: &str = "alphadental.com";

fn as_of() -> u64 {
    parse_timestamp("2026-11-01T00:00:00Z").unwrap() as u64
}

fn template(standards: Value) -> Vec<StandardsTemplate> {
    let t = json!({
        "GUID": "code", "templateName": "Code standards",
        "tenantFilter": [{"value": TENANT}],
        "standards": standards,
    });
    vec![StandardsTemplate::from_json(&t.to_string(), "code.json").unwrap()]
}

fn destructive_template() -> Vec<StandardsTemplate> {
    template(json!({
        "DisableInactiveUsers": {"action": ["Remediate", "warn"], "days": 90},
        "DisableGuests": {"action": ["Remediate"], "days": {"label": "90", "value": 90}},
        "StaleEntraDevices": {"action": ["Remediate"], "deviceAgeThreshold": "90"},
    }))
}

fn writes(sim: &Sim) -> Vec<String> {
    sim.requests()
        .into_iter()
        .filter(|r| matches!(r.method.as_str(), "PATCH" | "PUT" | "POST" | "DELETE"))
        .filter(|r| !r.path.contains("$batch") && !r.path.contains("token"))
        .map(|r| format!("{} {}", r.method, r.path))
        .collect()
}

/// Enabled accounts by id, as Graph has them now.
async fn enabled_users(collector: &Collector) -> Vec<String> {
    let snapshot = collector.collect(TENANT, &["Users"]).await.unwrap();
    snapshot
        .rows("Users")
        .unwrap()
        .iter()
        .filter(|u| u["accountEnabled"] == true)
        .map(|u| u["id"].as_str().unwrap().to_string())
        .collect()
}

fn planned_ids(report: &RunReport, standard: &str) -> Vec<String> {
    result(report, standard)
        .planned
        .iter()
        .map(|s| match s {
            Step::Graph { uri, body, .. } => {
                assert_eq!(body, &json!({"accountEnabled": false}));
                uri.rsplit('/').next().unwrap().to_string()
            }
            other => panic!("unexpected step {other:?}"),
        })
        .collect()
}

#[tokio::test]
async fn destructive_standards_write_only_when_allowed_and_only_what_they_found() {
    let sim = Sim::start().await.unwrap();
    let pipeline = cipp_testkit::pipeline(&sim).unwrap();
    let collector = Collector::new(pipeline.clone());
    let targets = [Target::from_domain(TENANT)];
    let runner = |allow: bool| {
        StandardsRunner::builder(pipeline.clone())
            .as_of(as_of())
            .allow_destructive(allow)
            .build()
    };
    let before = enabled_users(&collector).await;

    // Report and alert runs: drifted, the plan shown, nothing written.
    for mode in [Mode::Report, Mode::Alert] {
        let report = runner(true)
            .run(&destructive_template(), &targets, mode)
            .await;
        for s in ["DisableInactiveUsers", "DisableGuests", "StaleEntraDevices"] {
            assert_eq!(result(&report, s).state, State::Drifted, "{s} {mode:?}");
            assert!(!result(&report, s).planned.is_empty());
        }
        assert_eq!(
            result(&report, "DisableInactiveUsers").alerted,
            mode == Mode::Alert
        );
        assert_eq!(report.tenants[0].writes, 0);
    }
    assert!(writes(&sim).is_empty(), "{:?}", writes(&sim));

    // Remediate without permission: refused, nothing written.
    let report = runner(false)
        .run(&destructive_template(), &targets, Mode::Remediate)
        .await;
    let refused = result(&report, "DisableInactiveUsers");
    assert_eq!(refused.state, State::RemediationFailed);
    assert!(refused
        .error
        .as_deref()
        .unwrap()
        .contains("allow_destructive"));
    assert!(writes(&sim).is_empty(), "{:?}", writes(&sim));

    // Allowed: exactly the objects found are disabled, confirmed by a fresh read.
    let report = runner(true)
        .run(&destructive_template(), &targets, Mode::Remediate)
        .await;
    let mut disabled = planned_ids(&report, "DisableInactiveUsers");
    disabled.extend(planned_ids(&report, "DisableGuests"));
    for s in ["DisableInactiveUsers", "DisableGuests", "StaleEntraDevices"] {
        assert_eq!(result(&report, s).state, State::Remediated, "{s}");
        assert!(result(&report, s).remediation.as_ref().unwrap().confirmed);
    }
    let after = enabled_users(&collector).await;
    let mut gone: Vec<String> = before
        .iter()
        .filter(|u| !after.contains(u))
        .cloned()
        .collect();
    gone.sort();
    disabled.sort();
    assert_eq!(gone, disabled, "only the users found were disabled");
    assert!(after.len() + disabled.len() == before.len() && !after.is_empty());
    let device_writes: Vec<String> = writes(&sim)
        .into_iter()
        .filter(|w| w.contains("/devices/"))
        .collect();
    assert_eq!(device_writes.len(), 1, "{device_writes:?}");
    assert!(device_writes[0].contains("a1e7c0de-0000-4000-8000-00000000d001"));

    // And the next report finds them compliant.
    let report = runner(true)
        .run(&destructive_template(), &targets, Mode::Report)
        .await;
    for s in ["DisableInactiveUsers", "DisableGuests", "StaleEntraDevices"] {
        assert_eq!(result(&report, s).state, State::Compliant, "{s}");
    }
}

#[tokio::test]
async fn code_standards_are_stored_with_drift_since_the_last_run() {
    let sim = Sim::start().await.unwrap();
    let pipeline = cipp_testkit::pipeline(&sim).unwrap();
    let store = Arc::new(Store::in_memory().unwrap());
    let runner = StandardsRunner::builder(pipeline)
        .store(store)
        .as_of(as_of())
        .build();
    let templates = template(json!({
        "PasswordExpireDisabled": {"action": ["Remediate"]},
        "ActivityBasedTimeout": {"action": ["Remediate"], "timeout": {"label": "3 hours", "value": "03:00:00"}},
        "NudgeMFA": {"action": ["Report"], "state": "enabled", "snoozeDurationInDays": 2},
    }));
    let targets = [Target::from_domain(TENANT)];
    let first = runner.run(&templates, &targets, Mode::Report).await;
    assert_eq!(
        result(&first, "PasswordExpireDisabled").state,
        State::Drifted
    );
    assert_eq!(result(&first, "PasswordExpireDisabled").planned.len(), 2);
    assert_eq!(
        result(&first, "ActivityBasedTimeout").label.as_deref(),
        Some("Sign out idle web sessions")
    );
    let second = runner.run(&templates, &targets, Mode::Remediate).await;
    assert_eq!(
        result(&second, "PasswordExpireDisabled").state,
        State::Remediated
    );
    assert_eq!(
        result(&second, "ActivityBasedTimeout").state,
        State::Remediated
    );
    // Report only in the template: the remediate run leaves it drifted.
    assert_eq!(result(&second, "NudgeMFA").state, State::Drifted);
    let since = result(&second, "PasswordExpireDisabled")
        .since_last
        .as_ref()
        .unwrap();
    assert_eq!(since.state, State::Drifted);
    assert!(since.changed);
    let third = runner.run(&templates, &targets, Mode::Report).await;
    assert_eq!(
        result(&third, "ActivityBasedTimeout").state,
        State::Compliant
    );
    assert!(
        !result(&third, "ActivityBasedTimeout")
            .since_last
            .as_ref()
            .unwrap()
            .changed
    );
}

#[tokio::test]
async fn bad_settings_are_typed_errors_and_nothing_is_written() {
    let sim = Sim::start().await.unwrap();
    let pipeline = cipp_testkit::pipeline(&sim).unwrap();
    let runner = StandardsRunner::builder(pipeline).as_of(as_of()).build();
    let templates = template(json!({
        "DisableGuests": {"action": ["Remediate"], "days": "soon"},
        "CustomBannedPasswordList": {"action": ["Remediate"], "BannedWords": "abc, fine-word"},
        "NudgeMFA": {"action": ["Remediate"], "excludeGroups": "No Such Group"},
    }));
    let report = runner
        .run(&templates, &[Target::from_domain(TENANT)], Mode::Remediate)
        .await;
    for (s, needle) in [
        ("DisableGuests", "days"),
        ("CustomBannedPasswordList", "abc"),
        ("NudgeMFA", "No Such Group"),
    ] {
        let r = result(&report, s);
        assert_eq!(r.state, State::Error, "{s}");
        assert!(
            r.error.as_deref().unwrap().contains(needle),
            "{s}: {:?}",
            r.error
        );
    }
    assert!(writes(&sim).is_empty());
}

/// A snapshot of `types` (name -> status, rows) for pure judgements.
fn snapshot(types: Value) -> cipp_snapshot::Snapshot {
    serde_json::from_value(json!({
        "tenant": TENANT, "collected_at": 0, "round_trips": 0, "types": types
    }))
    .unwrap()
}

#[test]
fn a_missing_licence_or_a_failed_read_decides_before_the_standard() {
    use cipp_standards::code::{self, Input};
    use cipp_standards::{Outcome, TenantContext};
    let guests = code::find("DisableGuests").unwrap();
    let settings = serde_json::Map::new();
    let ctx = TenantContext::default();
    let unlicensed = snapshot(json!({
        "SubscribedSkus": {"status": "complete", "collected_at": 0, "rows": [
            {"skuPartNumber": "EXCHANGESTANDARD", "servicePlans": [{"servicePlanName": "EXCHANGE_S_STANDARD"}]}
        ]},
        "UserSignInActivity": {"status": "complete", "collected_at": 0, "rows": []}
    }));
    let a = code::assess(guests, &Input::new(&settings, &unlicensed, &ctx)).unwrap();
    assert!(
        matches!(a.outcome, Outcome::NotApplicable { .. }),
        "{:?}",
        a.outcome
    );
    assert!(a.steps.is_empty());
    let failed = snapshot(json!({
        "SubscribedSkus": {"status": "complete", "collected_at": 0, "rows": [
            {"skuPartNumber": "SPE_E3", "servicePlans": [{"servicePlanName": "AAD_PREMIUM"}]}
        ]},
        "UserSignInActivity": {"status": "failed", "collected_at": 0, "error": "HTTP 403"}
    }));
    // Accounts without any sign-in activity: the data to judge is missing, nobody is disabled.
    let blind = snapshot(json!({
        "SubscribedSkus": {"status": "complete", "collected_at": 0, "rows": [
            {"skuPartNumber": "SPE_E3", "servicePlans": [{"servicePlanName": "AAD_PREMIUM"}]}
        ]},
        "UserSignInActivity": {"status": "complete", "collected_at": 0, "rows": [
            {"id": "u1", "userType": "Member", "accountEnabled": true, "createdDateTime": "2020-01-01T00:00:00Z"},
            {"id": "g1", "userType": "Guest", "accountEnabled": true, "createdDateTime": "2020-01-01T00:00:00Z"}
        ]}
    }));
    for name in ["DisableGuests", "DisableInactiveUsers"] {
        let s = code::find(name).unwrap();
        let a = code::assess(s, &Input::new(&settings, &blind, &ctx)).unwrap();
        assert!(
            matches!(a.outcome, Outcome::NoData { .. }),
            "{name}: {:?}",
            a.outcome
        );
        assert!(a.steps.is_empty());
    }
    let a = code::assess(guests, &Input::new(&settings, &failed, &ctx)).unwrap();
    match a.outcome {
        Outcome::NoData { cache_type, reason } => {
            assert_eq!(cache_type, "UserSignInActivity");
            assert!(reason.contains("403"));
        }
        other => panic!("{other:?}"),
    }
}

/// Graph paths of the writes sent so far that contain `needle`.
fn writes_to(sim: &Sim, needle: &str) -> Vec<String> {
    writes(sim)
        .into_iter()
        .filter(|w| w.contains(needle))
        .collect()
}

#[tokio::test]
async fn autopilot_profile_is_created_then_assigned_and_bad_names_write_nothing() {
    let sim = Sim::start().await.unwrap();
    let pipeline = cipp_testkit::pipeline(&sim).unwrap();
    let collector = Collector::new(pipeline.clone());
    let runner = StandardsRunner::builder(pipeline).as_of(as_of()).build();
    let targets = [Target::from_domain(TENANT)];

    // A hyphen: Intune would answer a bare 500; the standard refuses before sending.
    let bad = template(json!({"AutopilotProfile": {"action": ["Remediate"],
        "DisplayName": "Alpha-Dental"}}));
    let report = runner.run(&bad, &targets, Mode::Remediate).await;
    let r = result(&report, "AutopilotProfile");
    assert_eq!(r.state, State::Error);
    assert!(r.error.as_deref().unwrap().contains("Alpha-Dental"));
    assert!(writes(&sim).is_empty(), "{:?}", writes(&sim));

    let templates = template(json!({"AutopilotProfile": {"action": ["Remediate"],
        "DisplayName": "Alpha Dental Autopilot", "DeviceNameTemplate": "AD%SERIAL%",
        "SelfDeployingMode": true, "AllowWhiteGlove": true, "HideTerms": true,
        "AssignToAllDevices": true}}));
    // First run: the profile is created; Intune names it only in its answer, so the
    // assignment waits for the next run and this one cannot confirm.
    let first = runner.run(&templates, &targets, Mode::Remediate).await;
    assert_eq!(result(&first, "AutopilotProfile").state, State::Unconfirmed);
    assert_eq!(
        writes_to(&sim, "windowsAutopilotDeploymentProfiles").len(),
        1
    );
    // Second run: the profile is right, only the assignment is sent.
    let second = runner.run(&templates, &targets, Mode::Remediate).await;
    let r = result(&second, "AutopilotProfile");
    assert_eq!(r.state, State::Remediated, "{:?}", r.error);
    assert_eq!(r.planned.len(), 1);
    let sent = writes_to(&sim, "windowsAutopilotDeploymentProfiles");
    assert_eq!(sent.len(), 2, "{sent:?}");
    assert!(sent[1].starts_with("POST") && sent[1].ends_with("/assignments"));

    let snapshot = collector
        .collect(TENANT, &["AutopilotDeploymentProfiles"])
        .await
        .unwrap();
    let profiles = snapshot.rows("AutopilotDeploymentProfiles").unwrap();
    assert_eq!(profiles.len(), 1);
    let p = &profiles[0];
    // Self-deploying: shared devices, no pre-provisioning, no user type.
    assert_eq!(p["outOfBoxExperienceSetting"]["deviceUsageType"], "shared");
    assert_eq!(p["preprovisioningAllowed"], false);
    assert!(p["outOfBoxExperienceSetting"].get("userType").is_none());
    assert_eq!(
        p["assignments"][0]["target"]["@odata.type"],
        "#microsoft.graph.allDevicesAssignmentTarget"
    );
    let third = runner.run(&templates, &targets, Mode::Report).await;
    assert_eq!(result(&third, "AutopilotProfile").state, State::Compliant);
}

#[tokio::test]
async fn legacy_report_addins_are_deleted_only_when_allowed_and_only_those() {
    let sim = Sim::start().await.unwrap();
    let pipeline = cipp_testkit::pipeline(&sim).unwrap();
    let collector = Collector::new(pipeline.clone());
    let targets = [Target::from_domain(TENANT)];
    let templates = template(json!({"LegacyEmailReportAddins": {"action": ["Remediate"]}}));
    let app_names = |snapshot: &cipp_snapshot::Snapshot| -> Vec<String> {
        let mut names: Vec<String> = snapshot
            .rows("Apps")
            .unwrap()
            .iter()
            .map(|a| a["displayName"].as_str().unwrap().to_string())
            .collect();
        names.sort();
        names
    };
    let before = app_names(&collector.collect(TENANT, &["Apps"]).await.unwrap());
    assert!(before.iter().any(|n| n == "Report Message"), "{before:?}");

    let refused = StandardsRunner::builder(pipeline.clone())
        .as_of(as_of())
        .build()
        .run(&templates, &targets, Mode::Remediate)
        .await;
    let r = result(&refused, "LegacyEmailReportAddins");
    assert_eq!(r.state, State::RemediationFailed);
    assert_eq!(r.planned.len(), 2);
    assert!(writes(&sim).is_empty(), "{:?}", writes(&sim));

    let allowed = StandardsRunner::builder(pipeline)
        .as_of(as_of())
        .allow_destructive(true)
        .build()
        .run(&templates, &targets, Mode::Remediate)
        .await;
    assert_eq!(
        result(&allowed, "LegacyEmailReportAddins").state,
        State::Remediated
    );
    let deleted = writes_to(&sim, "/applications/");
    assert_eq!(deleted.len(), 2, "{deleted:?}");
    assert!(deleted.iter().all(|w| w.starts_with("DELETE")));
    let after = app_names(&collector.collect(TENANT, &["Apps"]).await.unwrap());
    let gone: Vec<&String> = before.iter().filter(|n| !after.contains(n)).collect();
    assert_eq!(gone, ["Report Message", "Report Phishing"]);
    // An unrelated add-in's registration stays.
    assert!(after.iter().any(|n| n == "Alpha Dental Scheduling Add-in"));
}

#[tokio::test]
async fn secure_score_controls_change_state_once_and_conflicts_are_errors() {
    let sim = Sim::start().await.unwrap();
    let pipeline = cipp_testkit::pipeline(&sim).unwrap();
    let runner = StandardsRunner::builder(pipeline).as_of(as_of()).build();
    let targets = [Target::from_domain(TENANT)];
    let conflict = template(json!({"SecureScoreRemediation": {"action": ["Remediate"],
        "Ignored": "AdminMFAV2", "Reviewed": ["AdminMFAV2"]}}));
    let report = runner.run(&conflict, &targets, Mode::Remediate).await;
    let r = result(&report, "SecureScoreRemediation");
    assert_eq!(r.state, State::Error);
    assert!(r.error.as_deref().unwrap().contains("AdminMFAV2"));
    assert!(writes(&sim).is_empty());

    let templates = template(json!({"SecureScoreRemediation": {"action": ["Remediate"],
        "ThirdParty": [{"label": "MFA for admins", "value": "AdminMFAV2"}],
        "Default": "MFARegistrationV2, NoSuchControl"}}));
    let first = runner.run(&templates, &targets, Mode::Remediate).await;
    assert_eq!(
        result(&first, "SecureScoreRemediation").state,
        State::Remediated
    );
    // MFARegistrationV2 is at its default already; NoSuchControl is reported, not written.
    assert_eq!(
        writes(&sim),
        ["PATCH /graph/beta/security/secureScoreControlProfiles/AdminMFAV2"]
    );
    let second = runner.run(&templates, &targets, Mode::Remediate).await;
    let r = result(&second, "SecureScoreRemediation");
    assert_eq!(r.state, State::Compliant);
    assert!(format!("{:?}", r.outcome).contains("NoSuchControl"));
    assert_eq!(writes(&sim).len(), 1);
}

#[tokio::test]
async fn profile_photos_are_turned_off_and_on_in_both_services() {
    let sim = Sim::start().await.unwrap();
    let pipeline = cipp_testkit::pipeline(&sim).unwrap();
    let runner = StandardsRunner::builder(pipeline).as_of(as_of()).build();
    let targets = [Target::from_domain(TENANT)];
    let photos = |state: &str| {
        template(json!({"ProfilePhotos": {"action": ["Remediate"],
            "state": {"label": state, "value": state}}}))
    };
    let off = runner
        .run(&photos("disabled"), &targets, Mode::Remediate)
        .await;
    assert_eq!(result(&off, "ProfilePhotos").state, State::Remediated);
    let on = runner
        .run(&photos("enabled"), &targets, Mode::Remediate)
        .await;
    let r = result(&on, "ProfilePhotos");
    assert_eq!(r.state, State::Remediated, "{:?}", r.error);
    // Enabling puts Graph's setting back to Microsoft's default by deleting it.
    let graph_writes = writes_to(&sim, "photoUpdateSettings");
    assert_eq!(graph_writes.len(), 2, "{graph_writes:?}");
    assert!(graph_writes[0].starts_with("PATCH") && graph_writes[1].starts_with("DELETE"));
    let again = runner.run(&photos("enabled"), &targets, Mode::Report).await;
    assert_eq!(result(&again, "ProfilePhotos").state, State::Compliant);
    let bad = runner
        .run(&photos("sometimes"), &targets, Mode::Report)
        .await;
    assert_eq!(result(&bad, "ProfilePhotos").state, State::Error);
}

#[tokio::test]
async fn copilot_settings_are_written_with_the_admins_token_only() {
    let sim = Sim::start().await.unwrap();
    let pipeline = cipp_testkit::pipeline(&sim).unwrap();
    let runner = StandardsRunner::builder(pipeline.clone())
        .as_of(as_of())
        .build();
    let targets = [Target::from_domain(TENANT)];
    let templates = template(json!({"CopilotSettings": {"action": ["Report"],
        "imageGeneration": "0", "copilotChatPinning": "donotconfigure"}}));
    let report = runner.run(&templates, &targets, Mode::Report).await;
    let r = result(&report, "CopilotSettings");
    assert_eq!(r.state, State::Drifted);
    assert_eq!(r.planned.len(), 1);
    let Step::Graph { delegated, .. } = &r.planned[0] else {
        panic!("{:?}", r.planned)
    };
    assert!(*delegated);
    // The same write with the app's token is refused, as Graph refuses it.
    let mut app_only = r.planned.clone();
    if let Step::Graph { delegated, .. } = &mut app_only[0] {
        *delegated = false;
    }
    let refused = cipp_standards::apply(&pipeline, TENANT, &app_only).await;
    assert!(
        refused[0].error.as_deref().unwrap().contains("403"),
        "{refused:?}"
    );
    let sent = cipp_standards::apply(&pipeline, TENANT, &r.planned).await;
    assert!(sent[0].error.is_none(), "{sent:?}");
    let after = runner.run(&templates, &targets, Mode::Report).await;
    assert_eq!(result(&after, "CopilotSettings").state, State::Compliant);
    let bad = template(json!({"CopilotSettings": {"action": ["Report"], "allowWebSearch": "3"}}));
    let report = runner.run(&bad, &targets, Mode::Report).await;
    let r = result(&report, "CopilotSettings");
    assert_eq!(r.state, State::Error);
    assert!(r.error.as_deref().unwrap().contains("allowWebSearch"));
}

#[tokio::test]
async fn device_prep_policy_is_created_replaced_in_place_and_assigned() {
    let sim = Sim::start().await.unwrap();
    let pipeline = cipp_testkit::pipeline(&sim).unwrap();
    let collector = Collector::new(pipeline.clone());
    let runner = StandardsRunner::builder(pipeline).as_of(as_of()).build();
    let targets = [Target::from_domain(TENANT)];
    let prep = |extra: Value| {
        let mut settings = json!({"action": ["Remediate"], "ProfileName": "Alpha Dental prep",
            "DeviceGroupName": "CA-Exclude"});
        settings
            .as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        template(json!({ "DevicePrepProfile": settings }))
    };
    let policies = || async {
        collector
            .collect(TENANT, &["IntuneConfigurationPolicies"])
            .await
            .unwrap()
            .rows("IntuneConfigurationPolicies")
            .unwrap()
            .to_vec()
    };

    let missing_group = runner
        .run(
            &prep(json!({"DeviceGroupName": "No Such Group"})),
            &targets,
            Mode::Remediate,
        )
        .await;
    let r = result(&missing_group, "DevicePrepProfile");
    assert_eq!(r.state, State::Error);
    assert!(r.error.as_deref().unwrap().contains("No Such Group"));
    assert!(writes(&sim).is_empty());

    let created = runner
        .run(&prep(json!({})), &targets, Mode::Remediate)
        .await;
    assert_eq!(
        result(&created, "DevicePrepProfile").state,
        State::Remediated
    );
    let first = policies().await;
    let prep_policies: Vec<&Value> = first
        .iter()
        .filter(|p| p["name"] == "Alpha Dental prep")
        .collect();
    assert_eq!(prep_policies.len(), 1);
    let id = prep_policies[0]["id"].as_str().unwrap().to_string();

    // Other settings and an assignment: the policy is replaced in place, then assigned.
    let changed = prep(json!({"AllowSkip": true, "AssignTo": "AllDevicesAndUsers"}));
    let report = runner.run(&changed, &targets, Mode::Remediate).await;
    let r = result(&report, "DevicePrepProfile");
    assert_eq!(r.state, State::Remediated, "{:?}", r.error);
    let sent = writes_to(&sim, "configurationPolicies");
    assert_eq!(
        sent,
        [
            "POST /graph/beta/deviceManagement/configurationPolicies".to_string(),
            format!("PUT /graph/beta/deviceManagement/configurationPolicies/{id}"),
            format!("POST /graph/beta/deviceManagement/configurationPolicies/{id}/assign"),
        ]
    );
    let after = policies().await;
    let policy = after.iter().find(|p| p["id"] == id.as_str()).unwrap();
    assert_eq!(policy["assignments"].as_array().unwrap().len(), 2);
    let again = runner.run(&changed, &targets, Mode::Report).await;
    assert_eq!(result(&again, "DevicePrepProfile").state, State::Compliant);
}
