//! Offboarding end to end against the simulator: every step's effect read back, the dry run
//! equal to the plan and silent, refusal without confirmation, and a failed step that does not
//! stop the others.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use cipp_actions::offboard::{OffboardOptions, OffboardStep, Offboarding};
use cipp_actions::users::{MailboxRight, UserActions};
use cipp_actions::{ActionError, StepState};
use cipp_sim::{FaultRule, Seed, Sim};
use serde_json::{json, Value};

const ALPHA: &str = "alphadental.com";
const ALPHA_ID: &str = "1f3c7e2a-8b14-4a6e-9d21-6c0f5e8a9b11";
const ELIF: &str = "elif.ortiz@alphadental.com";
const ELIF_ID: &str = "97a8edb0-2d67-504e-a9e0-0cee4c3278b4";
const MIRIAM: &str = "miriam.gu@alphadental.com";
const SOFIA: &str = "sofia.wilke@alphadental.com";
const ELIF_ONEDRIVE: &str = "https://alpha-my.sharepoint.com/personal/elif_ortiz_alphadental_com";

/// The demo seed plus what offboarding clears away: a phone, a meeting and a Teams number of
/// Elif's (and a phone and a meeting of Miriam's that must survive).
async fn sim() -> Sim {
    let mut seed = Seed::demo();
    let overlay = json!({"tenants": {ALPHA_ID: {
        "graph": {"groups": [{"id": "6d1e2f3a-0b4c-4d5e-8f9a-1b2c3d4e5f60", "displayName": "Licensed E3", "securityEnabled": true, "mailEnabled": false, "groupTypes": [], "assignedLicenses": [{"skuId": "05e9a617-0261-4cee-bb44-138d3ef5d965", "disabledPlans": []}], "members": [{"id": ELIF_ID}]}],
        "admin": {"teams": {"telephoneNumberManagement": {"numberAssignments": [
            {"id": "n1", "telephoneNumber": "+15550100", "numberType": "callingPlan", "assignmentTargetId": ELIF_ID, "assignmentCategory": "primary", "assignmentStatus": "userAssigned"},
            {"id": "n2", "telephoneNumber": "+15550101", "numberType": "callingPlan", "assignmentTargetId": "679dbcb7-0baf-5d36-afa6-e18a61f26eae", "assignmentCategory": "primary", "assignmentStatus": "userAssigned"}
        ]}}}},
        "exchange": {
            "MobileDevice": [
                {"Identity": "elif.ortiz\\ExchangeActiveSyncDevices\\iPhone§1", "FriendlyName": "Elif's iPhone", "DeviceModel": "iPhone15,2", "DeviceId": "A1"},
                {"Identity": "miriam.gu\\ExchangeActiveSyncDevices\\Pixel§1", "FriendlyName": "Pixel", "DeviceModel": "Pixel 8", "DeviceId": "B1"}
            ],
            "CalendarEvent": [
                {"Identity": "e1", "Organizer": ELIF, "Subject": "Weekly sync"},
                {"Identity": "e2", "Organizer": MIRIAM, "Subject": "Budget"}
            ]
        }
    }}});
    seed.apply_overlay(&overlay.to_string()).unwrap();
    Sim::builder().seed(seed).start().await.unwrap()
}

fn everything() -> OffboardOptions {
    OffboardOptions {
        revoke_sessions: true,
        reset_password: true,
        disable_sign_in: true,
        hide_from_gal: true,
        remove_groups: true,
        remove_rules: true,
        remove_mobile_devices: true,
        remove_calendar_invites: true,
        out_of_office: Some(
            "Elif has left Alpha Dental; please write to office@alphadental.com.".into(),
        ),
        forward_to: Some(MIRIAM.into()),
        keep_copy: true,
        mailbox_access_automap: vec![SOFIA.into()],
        onedrive_access: vec![SOFIA.into()],
        remove_permissions: true,
        remove_calendar_permissions: true,
        disable_onedrive_sharing: true,
        convert_to_shared: true,
        remove_mfa_devices: true,
        remove_teams_phone_did: true,
        remove_licences: true,
        clear_immutable_id: true,
        delete_user: true,
        confirm: true,
        ..OffboardOptions::default()
    }
}

fn state_of(report: &cipp_actions::offboard::OffboardReport, step: OffboardStep) -> StepState {
    report
        .steps
        .iter()
        .find(|s| s.step == step.name())
        .unwrap_or_else(|| panic!("{} not in the report", step.name()))
        .state
}

#[tokio::test]
async fn every_step_runs_in_order_and_its_effect_is_visible() {
    let sim = sim().await;
    let pipeline = cipp_testkit::pipeline(&sim).unwrap();
    let users = UserActions::new(pipeline.clone(), ALPHA);
    let offboarding = Offboarding::new(pipeline, ALPHA);
    // Rights Elif holds elsewhere, and an inbox rule of hers.
    users
        .grant_mailbox_right(MIRIAM, ELIF, MailboxRight::FullAccess { automap: true })
        .await
        .unwrap();
    users
        .grant_mailbox_right(MIRIAM, ELIF, MailboxRight::SendAs)
        .await
        .unwrap();
    for (who, rights) in [(ELIF, "Editor"), (SOFIA, "Reviewer")] {
        users
            .exchange()
            .invoke(
                "Add-MailboxFolderPermission",
                json!({"Identity": format!("{MIRIAM}:\\Calendar"), "User": who, "AccessRights": [rights]}),
            )
            .await
            .unwrap();
    }
    users
        .exchange()
        .invoke(
            "New-InboxRule",
            json!({"Mailbox": ELIF, "Name": "Move invoices", "MoveToFolder": "Invoices"}),
        )
        .await
        .unwrap();

    let options = everything();
    let plan = offboarding.plan(ELIF, &options).unwrap();
    let report = offboarding.run(ELIF, &options).await.unwrap();
    let names: Vec<&str> = report.steps.iter().map(|s| s.step.as_str()).collect();
    let planned: Vec<&str> = plan.steps.iter().map(|s| s.step.as_str()).collect();
    assert_eq!(names, planned, "the run follows the plan");
    assert_eq!(
        names,
        [
            "RevokeSessions",
            "ResetPass",
            "DisableSignIn",
            "HideFromGAL",
            "RemoveGroups",
            "RemoveRules",
            "RemoveMobile",
            "removeCalendarInvites",
            "OOO",
            "forward",
            "OnedriveAccess",
            "DisableOneDriveSharing",
            "AccessAutomap",
            "removePermissions",
            "removeCalendarPermissions",
            "ConvertToShared",
            "RemoveMFADevices",
            "RemoveTeamsPhoneDID",
            "RemoveLicenses",
            "ClearImmutableId",
            "DeleteUser"
        ]
    );
    for s in &report.steps {
        assert!(!s.failed(), "{}: {}", s.step, s.result_text);
    }
    // Steps the simulator cannot serve say so instead of pretending.
    assert_eq!(
        state_of(&report, OffboardStep::RemoveCalendarPermissions),
        StepState::Success
    );
    // Both OneDrive steps ran: Sofia administers Elif's OneDrive, which shares no more.
    assert_eq!(
        state_of(&report, OffboardStep::DisableOneDriveSharing),
        StepState::Success
    );
    assert_eq!(
        state_of(&report, OffboardStep::OneDriveAccess),
        StepState::Success
    );
    let onedrive = sim.sharepoint_site(ALPHA, ELIF_ONEDRIVE).unwrap().unwrap();
    assert_eq!(onedrive["SharingCapability"], 0);
    assert_eq!(onedrive["admins"], json!([ELIF, SOFIA]));
    assert_eq!(
        state_of(&report, OffboardStep::ClearImmutableId),
        StepState::Info
    );
    assert_eq!(
        state_of(&report, OffboardStep::RemoveGroups),
        StepState::Success
    );
    // The licence group is left by the licence step, not the group step.
    let detail = |step: &str| {
        report
            .steps
            .iter()
            .find(|s| s.step == step)
            .unwrap()
            .detail
            .clone()
    };
    assert_eq!(
        detail("RemoveGroups")["kept"],
        json!(["Licensed E3 (assigns licences)"])
    );
    assert_eq!(
        detail("RemoveLicenses")["groupsLeft"],
        json!(["Licensed E3"])
    );
    // Nothing in the report leaks a password.
    let text = serde_json::to_string(&report).unwrap();
    assert!(!text.to_lowercase().contains("\"password\""), "{text}");

    // The user is in the recycle bin, without licences, blocked.
    assert!(matches!(
        users.get(ELIF).await.unwrap_err(),
        ActionError::UserNotFound { .. }
    ));
    assert!(users
        .deleted_users()
        .await
        .unwrap()
        .iter()
        .any(|d| d.id == ELIF_ID));
    let bin = users
        .graph()
        .get(&format!("directory/deletedItems/{ELIF_ID}"))
        .await
        .unwrap();
    assert_eq!(bin["accountEnabled"], false);
    assert_eq!(bin["assignedLicenses"], json!([]));
    // No group holds Elif any more (All Staff through Graph, Sales Team through Exchange).
    let groups = users
        .graph()
        .get("groups?$select=displayName,members&$expand=members")
        .await;
    let groups = match groups {
        Ok(v) => v,
        Err(_) => users.graph().get("groups").await.unwrap(),
    };
    for g in groups["value"].as_array().unwrap() {
        let members = users
            .graph()
            .get(&format!("groups/{}/members", g["id"].as_str().unwrap()))
            .await
            .unwrap();
        assert!(
            members["value"]
                .as_array()
                .unwrap()
                .iter()
                .all(|m| m["id"] != ELIF_ID),
            "still in {}",
            g["displayName"]
        );
    }
    // The mailbox: shared, hidden, forwarding to Miriam with a copy, replying, Sofia in it.
    let mailbox = users.mailbox(ELIF).await.unwrap();
    assert_eq!(mailbox["RecipientTypeDetails"], "SharedMailbox");
    assert_eq!(mailbox["HiddenFromAddressListsEnabled"], true);
    assert_eq!(mailbox["ForwardingAddress"], MIRIAM);
    assert_eq!(mailbox["DeliverToMailboxAndForward"], true);
    let ooo = users.out_of_office(ELIF).await.unwrap();
    assert_eq!(ooo.auto_reply_state.as_deref(), Some("Enabled"));
    assert_eq!(ooo.internal_message, ooo.external_message);
    let perms = users.mailbox_permissions(ELIF).await.unwrap();
    assert_eq!(perms.len(), 1);
    assert_eq!(
        (perms[0]["User"].clone(), perms[0]["AutoMapping"].clone()),
        (json!(SOFIA), json!(true))
    );
    // Elif's rights on Miriam's mailbox are gone, found by asking mailbox by mailbox, since
    // Exchange refuses a tenant-wide Get-MailboxPermission.
    assert!(users.mailbox_permissions(MIRIAM).await.unwrap().is_empty());
    let removed = detail("removePermissions")["removed"].clone();
    assert_eq!(removed[0], format!("FullAccess on {MIRIAM}"));
    // Send As rows name the mailbox by its identity (the alias), as Exchange does.
    assert!(removed[1]
        .as_str()
        .unwrap()
        .starts_with("SendAs on miriam.gu"));
    assert_eq!(removed.as_array().unwrap().len(), 2);
    assert!(
        detail("removePermissions")["mailboxesChecked"]
            .as_u64()
            .unwrap()
            >= 2
    );
    let e = users
        .exchange()
        .invoke("Get-MailboxPermission", json!({"User": SOFIA}))
        .await
        .unwrap_err();
    assert!(e.to_string().contains("Identity"), "{e}");
    let send_as = users
        .exchange()
        .invoke("Get-RecipientPermission", json!({"Identity": MIRIAM}))
        .await
        .unwrap();
    assert!(send_as.is_empty());
    // Elif's calendar right on Miriam's mailbox is gone, Sofia's stays.
    let calendar = users
        .exchange()
        .invoke(
            "Get-MailboxFolderPermission",
            json!({"Identity": format!("{MIRIAM}:\\Calendar")}),
        )
        .await
        .unwrap();
    // Every calendar also lists its Default and Anonymous entries: those are never removed.
    let mut named: Vec<&str> = calendar
        .iter()
        .map(|r| r["User"].as_str().unwrap_or_default())
        .collect();
    named.sort();
    assert_eq!(named, ["Anonymous", "Default", SOFIA], "{calendar:?}");
    // Rules, phones, meetings: Elif's gone, Miriam's kept.
    let rules = users
        .exchange()
        .invoke("Get-InboxRule", json!({"Mailbox": ELIF}))
        .await
        .unwrap();
    assert!(rules.is_empty());
    let phones = users
        .exchange()
        .invoke("Get-MobileDevice", json!({}))
        .await
        .unwrap();
    assert_eq!(phones.len(), 1);
    assert_eq!(phones[0]["FriendlyName"], "Pixel");
    let events = sim
        .exchange_objects(ALPHA_ID, "CalendarEvent", false)
        .unwrap();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0]["Organizer"], MIRIAM);
    // Elif's Teams number is released, Miriam's is not.
    let numbers = users
        .graph()
        .get("admin/teams/telephoneNumberManagement/numberAssignments")
        .await
        .unwrap();
    let numbers = numbers["value"].as_array().unwrap();
    assert_eq!(numbers[0]["assignmentTargetId"], Value::Null);
    assert_eq!(
        numbers[1]["assignmentTargetId"],
        "679dbcb7-0baf-5d36-afa6-e18a61f26eae"
    );
}

#[tokio::test]
async fn dry_run_equals_the_plan_and_sends_nothing() {
    let sim = sim().await;
    let offboarding = Offboarding::new(cipp_testkit::pipeline(&sim).unwrap(), ALPHA);
    let options = OffboardOptions {
        confirm: false,
        ..everything()
    };
    sim.clear_requests();
    let plan = offboarding.plan(ELIF, &options).unwrap();
    let dry = offboarding.dry_run(ELIF, &options).unwrap();
    assert!(dry.dry_run);
    assert_eq!(dry.steps.len(), plan.steps.len());
    for (d, p) in dry.steps.iter().zip(&plan.steps) {
        assert_eq!(d.step, p.step);
        assert_eq!(d.state, StepState::Planned);
        assert_eq!(d.result_text, p.description);
    }
    let destructive: Vec<&str> = plan
        .steps
        .iter()
        .filter(|s| s.destructive)
        .map(|s| s.step.as_str())
        .collect();
    assert_eq!(
        destructive,
        ["ConvertToShared", "RemoveLicenses", "DeleteUser"]
    );
    assert!(sim.requests().is_empty(), "a dry run sends nothing");
}

#[tokio::test]
async fn destructive_steps_need_confirmation_and_no_steps_is_an_error() {
    let sim = sim().await;
    let offboarding = Offboarding::new(cipp_testkit::pipeline(&sim).unwrap(), ALPHA);
    sim.clear_requests();
    let e = offboarding
        .run(
            ELIF,
            &OffboardOptions {
                delete_user: true,
                hide_from_gal: true,
                ..OffboardOptions::default()
            },
        )
        .await
        .unwrap_err();
    match e {
        ActionError::NotConfirmed { action } => assert!(action.contains("DeleteUser"), "{action}"),
        other => panic!("{other}"),
    }
    let e = offboarding
        .run(ELIF, &OffboardOptions::default())
        .await
        .unwrap_err();
    assert!(
        matches!(&e, ActionError::InvalidInput { field, .. } if field == "options"),
        "{e}"
    );
    let e = offboarding
        .run(
            ELIF,
            &OffboardOptions {
                out_of_office: Some("  ".into()),
                ..OffboardOptions::default()
            },
        )
        .await
        .unwrap_err();
    assert!(
        matches!(&e, ActionError::InvalidInput { field, .. } if field == "out_of_office"),
        "{e}"
    );
    let e = offboarding
        .run(
            ELIF,
            &OffboardOptions {
                forward_to: Some(ELIF.into()),
                ..OffboardOptions::default()
            },
        )
        .await
        .unwrap_err();
    assert!(
        matches!(&e, ActionError::InvalidInput { field, .. } if field == "forward_to[0]"),
        "{e}"
    );
    assert!(sim.requests().is_empty(), "refusals send nothing");
    // An unknown user stops the run before any step.
    let e = offboarding
        .run(
            "ghost@alphadental.com",
            &OffboardOptions {
                hide_from_gal: true,
                ..OffboardOptions::default()
            },
        )
        .await
        .unwrap_err();
    assert!(matches!(e, ActionError::UserNotFound { .. }), "{e}");
    // Non-destructive steps need no confirmation.
    let report = offboarding
        .run(
            ELIF,
            &OffboardOptions {
                hide_from_gal: true,
                ..OffboardOptions::default()
            },
        )
        .await
        .unwrap();
    assert!(report.succeeded());
}

#[tokio::test]
async fn a_failed_step_is_reported_and_the_rest_still_run() {
    let sim = sim().await;
    let pipeline = cipp_testkit::pipeline(&sim).unwrap();
    let users = UserActions::new(pipeline.clone(), ALPHA);
    let offboarding = Offboarding::new(pipeline, ALPHA);
    // The licence call is forbidden (as when the app lacks the permission).
    sim.faults().add_rule(
        FaultRule::outage(403)
            .with_path("/assignLicense")
            .with_method("POST"),
    );
    let options = OffboardOptions {
        disable_sign_in: true,
        hide_from_gal: true,
        remove_licences: true,
        delete_user: true,
        confirm: true,
        ..OffboardOptions::default()
    };
    let report = offboarding.run(ELIF, &options).await.unwrap();
    assert!(!report.succeeded());
    let failed: Vec<&str> = report.failed().map(|s| s.step.as_str()).collect();
    assert_eq!(failed, ["RemoveLicenses"]);
    let licences = report
        .steps
        .iter()
        .find(|s| s.step == "RemoveLicenses")
        .unwrap();
    assert!(
        licences.result_text.contains("403")
            || licences.result_text.to_lowercase().contains("forbidden"),
        "{}",
        licences.result_text
    );
    assert_eq!(
        state_of(&report, OffboardStep::DisableSignIn),
        StepState::Success
    );
    assert_eq!(
        state_of(&report, OffboardStep::HideFromGal),
        StepState::Success
    );
    assert_eq!(
        state_of(&report, OffboardStep::DeleteUser),
        StepState::Success
    );
    // The steps after the failure took effect; the licence is still held.
    let elif = users
        .graph()
        .get(&format!("directory/deletedItems/{ELIF_ID}"))
        .await
        .unwrap();
    assert_eq!(elif["accountEnabled"], false);
    assert_ne!(elif["assignedLicenses"], json!([]));
    assert_eq!(
        users.mailbox(ELIF).await.unwrap()["HiddenFromAddressListsEnabled"],
        true
    );
}

#[tokio::test]
async fn delayed_licence_removal_is_handed_to_a_follow_up_that_finishes_the_job() {
    let sim = sim().await;
    let pipeline = cipp_testkit::pipeline(&sim).unwrap();
    let users = UserActions::new(pipeline.clone(), ALPHA);
    let offboarding = Offboarding::new(pipeline, ALPHA);
    let options = OffboardOptions {
        disable_sign_in: true,
        convert_to_shared: true,
        remove_licences: true,
        delete_user: true,
        licence_removal_delay_minutes: Some(5),
        confirm: true,
        ..OffboardOptions::default()
    };
    let dry = offboarding.dry_run(ELIF, &options).unwrap();
    assert!(dry.steps[2]
        .result_text
        .contains("5 minute(s) after the run"));

    let started = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    let report = offboarding.run(ELIF, &options).await.unwrap();
    let states: Vec<(&str, StepState)> = report
        .steps
        .iter()
        .map(|s| (s.step.as_str(), s.state))
        .collect();
    assert_eq!(
        states,
        [
            ("DisableSignIn", StepState::Success),
            ("ConvertToShared", StepState::Success),
            ("RemoveLicenses", StepState::Scheduled),
            ("DeleteUser", StepState::Scheduled),
        ]
    );
    assert!(report.succeeded());
    // Converted, still licensed, not deleted.
    assert_eq!(
        users.mailbox(ELIF).await.unwrap()["RecipientTypeDetails"],
        "SharedMailbox"
    );
    let elif = users.get(ELIF).await.unwrap();
    assert!(!elif.assigned_licenses.unwrap_or_default().is_empty());

    // One follow-up, for the scheduler's `offboard` command, five minutes on.
    assert_eq!(report.follow_ups.len(), 1);
    let follow = &report.follow_ups[0];
    assert_eq!(follow.command, "offboard");
    assert!((follow.not_before - started - 300).abs() <= 5, "{follow:?}");
    assert_eq!(follow.parameters["user"], ELIF_ID);
    let later = OffboardOptions::from_value(&follow.parameters["options"]).unwrap();
    assert!(later.remove_licences && later.delete_user && later.confirm);
    assert!(!later.convert_to_shared && !later.disable_sign_in);
    assert_eq!(later.licence_removal_delay_minutes, None);

    // Running it (as the scheduler would) finishes the offboarding.
    let user = follow.parameters["user"].as_str().unwrap();
    let done = offboarding.run(user, &later).await.unwrap();
    assert!(done.succeeded(), "{:#?}", done.steps);
    assert!(done.follow_ups.is_empty());
    let bin = users
        .graph()
        .get(&format!("directory/deletedItems/{ELIF_ID}"))
        .await
        .unwrap();
    assert_eq!(bin["assignedLicenses"], json!([]));

    // A delay without the licence step is a mistake worth naming.
    let e = offboarding
        .plan(
            ELIF,
            &OffboardOptions {
                hide_from_gal: true,
                licence_removal_delay_minutes: Some(5),
                ..OffboardOptions::default()
            },
        )
        .unwrap_err();
    assert!(
        matches!(&e, ActionError::InvalidInput { field, .. } if field == "licence_removal_delay_minutes"),
        "{e}"
    );
}

#[tokio::test]
async fn onedrive_steps_for_a_user_without_a_onedrive_say_so_and_fail_nothing() {
    let sim = sim().await;
    let offboarding = Offboarding::new(cipp_testkit::pipeline(&sim).unwrap(), ALPHA);
    // Holds no licence in the seed, so no OneDrive was ever provisioned.
    let report = offboarding
        .run(
            "miriam.berg@alphadental.com",
            &OffboardOptions {
                onedrive_access: vec![SOFIA.into()],
                disable_onedrive_sharing: true,
                ..OffboardOptions::default()
            },
        )
        .await
        .unwrap();
    assert!(report.succeeded());
    assert_eq!(
        state_of(&report, OffboardStep::OneDriveAccess),
        StepState::Warning
    );
    assert_eq!(
        state_of(&report, OffboardStep::DisableOneDriveSharing),
        StepState::Info
    );
    assert!(report
        .steps
        .iter()
        .all(|s| s.result_text.contains("no OneDrive")));
    assert!(
        sim.requests().iter().all(|r| r.kind != "sharepoint"),
        "nothing sent to SharePoint"
    );
}
