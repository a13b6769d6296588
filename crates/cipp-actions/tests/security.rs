//! The account-security primitives against cipp-sim, over real HTTP: each one's effect is
//! read back from the simulator afterwards.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use cipp_actions::security::{AccountSecurity, MethodSelection, ResetPasswordOptions, UserRef};
use cipp_actions::{ActionError, StepState};
use cipp_exchange::ExchangeClient;
use cipp_graph::GraphClient;
use cipp_sim::{FaultRule, Sim};
use serde_json::Value;

const ALPHA: &str = "alpha.onmicrosoft.com";
const BRAVO: &str = "bravo.onmicrosoft.com";
const MIRIAM: &str = "miriam.vance@alphadental.com";
/// Directory-synced in the seed.
const PRADEEP: &str = "pradeep.lauer@bravologistics.com";

fn security(sim: &Sim, tenant: &str) -> AccountSecurity {
    let pipeline = cipp_testkit::pipeline(sim).unwrap();
    AccountSecurity::new(
        GraphClient::new(pipeline.clone(), tenant),
        ExchangeClient::new(pipeline, tenant),
    )
}

async fn user_json(s: &AccountSecurity, user: &UserRef) -> Value {
    s.graph().get(&format!("users/{}", user.id)).await.unwrap()
}

#[tokio::test]
async fn resolve_user_reports_unknown_and_empty_names() {
    let sim = Sim::start().await.unwrap();
    let s = security(&sim, ALPHA);
    let u = s.resolve_user(MIRIAM).await.unwrap();
    assert_eq!(u.id, "f2d320aa-b6b3-5060-9fa8-b036edf455ef");
    assert!(!u.is_synced());
    let by_id = s.resolve_user(&u.id).await.unwrap();
    assert_eq!(by_id.user_principal_name, MIRIAM);
    match s.resolve_user("nobody@alphadental.com").await {
        Err(ActionError::UserNotFound { tenant, user }) => {
            assert_eq!(tenant, ALPHA);
            assert_eq!(user, "nobody@alphadental.com");
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        s.resolve_user("  ").await,
        Err(ActionError::InvalidInput { .. })
    ));
}

#[tokio::test]
async fn reset_password_of_a_cloud_user_forces_a_change_and_hides_the_password() {
    let sim = Sim::start().await.unwrap();
    let s = security(&sim, ALPHA);
    let u = s.resolve_user(MIRIAM).await.unwrap();

    let quiet = s
        .reset_password(&u, &ResetPasswordOptions::default())
        .await
        .unwrap();
    assert_eq!(quiet.outcome.state, StepState::Success);
    assert!(quiet.password.is_none(), "not asked for, not returned");
    let stored = user_json(&s, &u).await;
    let first = stored["passwordProfile"]["password"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(
        stored["passwordProfile"]["forceChangePasswordNextSignIn"],
        true
    );
    assert!(!serde_json::to_string(&quiet.outcome)
        .unwrap()
        .contains(&first));

    let options = ResetPasswordOptions {
        reveal_password: true,
        ..Default::default()
    };
    let shown = s.reset_password(&u, &options).await.unwrap();
    let password = shown.password.clone().unwrap();
    let stored = user_json(&s, &u).await;
    assert_eq!(stored["passwordProfile"]["password"], password.expose());
    assert_ne!(password.expose(), first, "a new password each time");
    let printed = format!("{shown:?} {}", shown.outcome.result_text);
    assert!(!printed.contains(password.expose()), "{printed}");
}

#[tokio::test]
async fn reset_password_of_a_synced_user_goes_through_writeback() {
    let sim = Sim::start().await.unwrap();
    let s = security(&sim, BRAVO);
    let u = s.resolve_user(PRADEEP).await.unwrap();
    assert!(u.is_synced());
    let reset = s
        .reset_password(&u, &ResetPasswordOptions::default())
        .await
        .unwrap();
    assert_eq!(reset.outcome.state, StepState::Success);
    assert!(reset.outcome.result_text.contains("accepted"));
    assert_eq!(reset.outcome.detail["mode"], "writeback");
    let writeback = sim
        .requests()
        .into_iter()
        .filter(|r| r.method == "POST" && r.path.ends_with("/resetPassword"))
        .count();
    assert_eq!(writeback, 1);
    let stored = user_json(&s, &u).await;
    assert!(stored.get("passwordProfile").is_none(), "no cloud PATCH");
    assert!(stored["lastPasswordChangeDateTime"].is_string());
}

#[tokio::test]
async fn sign_in_is_blocked_and_unblocked_with_a_warning_for_synced_users() {
    let sim = Sim::start().await.unwrap();
    let s = security(&sim, ALPHA);
    let u = s.resolve_user(MIRIAM).await.unwrap();
    let blocked = s.block_sign_in(&u).await.unwrap();
    assert_eq!(blocked.state, StepState::Success);
    assert_eq!(user_json(&s, &u).await["accountEnabled"], false);
    s.unblock_sign_in(&u).await.unwrap();
    assert_eq!(user_json(&s, &u).await["accountEnabled"], true);

    let b = security(&sim, BRAVO);
    let synced = b.resolve_user(PRADEEP).await.unwrap();
    let warned = b.block_sign_in(&synced).await.unwrap();
    assert_eq!(warned.state, StepState::Warning);
    assert!(warned.result_text.contains("on-premises"));
    assert_eq!(user_json(&b, &synced).await["accountEnabled"], false);
}

#[tokio::test]
async fn revoke_sessions_invalidates_refresh_tokens() {
    let sim = Sim::start().await.unwrap();
    let s = security(&sim, ALPHA);
    let u = s.resolve_user(MIRIAM).await.unwrap();
    assert!(user_json(&s, &u)
        .await
        .get("signInSessionsValidFromDateTime")
        .is_none());
    let out = s.revoke_sessions(&u).await.unwrap();
    assert_eq!(out.state, StepState::Success);
    assert!(user_json(&s, &u).await["signInSessionsValidFromDateTime"].is_string());
    assert!(sim.requests().iter().any(|r| r
        .path
        .ends_with("/beta/users/f2d320aa-b6b3-5060-9fa8-b036edf455ef/invalidateAllRefreshTokens")));
}

#[tokio::test]
async fn mfa_methods_are_removed_one_by_id_or_all_but_the_password() {
    let sim = Sim::start().await.unwrap();
    let s = security(&sim, ALPHA);
    let u = s.resolve_user(MIRIAM).await.unwrap();
    let methods = s.mfa_methods(&u).await.unwrap();
    assert_eq!(methods.len(), 3, "{methods:?}");
    let authenticator = methods
        .iter()
        .find(|m| m.kind() == "microsoftAuthenticatorAuthenticationMethod")
        .unwrap()
        .id
        .clone();

    let one = s
        .remove_mfa_methods(&u, &MethodSelection::One(authenticator.clone()))
        .await
        .unwrap();
    assert_eq!(one.state, StepState::Success, "{one:?}");
    let left = s.mfa_methods(&u).await.unwrap();
    assert_eq!(left.len(), 2);
    assert!(left.iter().all(|m| m.id != authenticator));
    assert!(sim.requests().iter().any(|r| r.method == "DELETE"
        && r.path
            .contains("/authentication/microsoftAuthenticatorMethods/")));

    // The password method and unknown ids are refused before anything is sent.
    let password = left.iter().find(|m| m.is_password()).unwrap().id.clone();
    for bad in [password, "no-such-method".to_string()] {
        match s.remove_mfa_methods(&u, &MethodSelection::One(bad)).await {
            Err(ActionError::InvalidInput { field, .. }) => assert_eq!(field, "method id"),
            other => panic!("{other:?}"),
        }
    }

    let all = s
        .remove_mfa_methods(&u, &MethodSelection::All)
        .await
        .unwrap();
    assert_eq!(all.state, StepState::Success);
    assert_eq!(all.detail["removed"].as_array().unwrap().len(), 1);
    let left = s.mfa_methods(&u).await.unwrap();
    assert_eq!(left.len(), 1);
    assert!(left[0].is_password());
    let again = s
        .remove_mfa_methods(&u, &MethodSelection::All)
        .await
        .unwrap();
    assert_eq!(again.state, StepState::Info);
}

#[tokio::test]
async fn a_failed_method_delete_is_reported_in_the_outcome() {
    let sim = Sim::start().await.unwrap();
    let s = security(&sim, ALPHA);
    let u = s.resolve_user(MIRIAM).await.unwrap();
    sim.faults().add_rule(
        FaultRule::outage(403)
            .with_method("DELETE")
            .with_path("/phoneMethods/"),
    );
    let out = s
        .remove_mfa_methods(&u, &MethodSelection::All)
        .await
        .unwrap();
    assert_eq!(out.state, StepState::Error);
    assert_eq!(out.detail["removed"].as_array().unwrap().len(), 1);
    assert_eq!(out.detail["failed"][0]["type"], "phoneAuthenticationMethod");
    assert_eq!(s.mfa_methods(&u).await.unwrap().len(), 2);
}

#[tokio::test]
async fn inbox_rules_are_disabled_except_exchanges_own() {
    let sim = Sim::start().await.unwrap();
    let s = security(&sim, ALPHA);
    let u = s.resolve_user(MIRIAM).await.unwrap();
    let out = s.disable_inbox_rules(&u).await.unwrap();
    assert_eq!(out.state, StepState::Success, "{out:?}");
    assert_eq!(out.detail["disabled"], serde_json::json!([".", "RSS"]));
    assert_eq!(
        out.detail["ignored"],
        serde_json::json!(["Delegate Rule - 1402"])
    );
    let rules = s.exchange().inbox_rules(MIRIAM).await.unwrap();
    let enabled = |name: &str| {
        rules
            .iter()
            .find(|r| r.name.as_deref() == Some(name))
            .unwrap()
            .enabled
    };
    assert_eq!(enabled("."), Some(false));
    assert_eq!(enabled("RSS"), Some(false));
    assert_eq!(enabled("Junk E-Mail Rule"), Some(true));
    assert_eq!(enabled("Delegate Rule - 1402"), Some(true));
    let again = s.disable_inbox_rules(&u).await.unwrap();
    assert_eq!(again.state, StepState::Info);
    assert_eq!(again.detail["alreadyDisabled"], 2);
}

#[tokio::test]
async fn mailbox_forwarding_is_removed() {
    let sim = Sim::start().await.unwrap();
    let s = security(&sim, ALPHA);
    let u = s.resolve_user(MIRIAM).await.unwrap();
    assert!(s.exchange().mailbox(MIRIAM).await.unwrap().forwards());
    let out = s.remove_mailbox_forwarding(&u).await.unwrap();
    assert_eq!(out.state, StepState::Success);
    assert_eq!(
        out.detail["forwardingSmtpAddress"],
        "smtp:collect@mailbox-relay.example"
    );
    let mailbox = s.exchange().mailbox(MIRIAM).await.unwrap();
    assert!(!mailbox.forwards());
    assert_eq!(mailbox.deliver_to_mailbox_and_forward, Some(false));
    let again = s.remove_mailbox_forwarding(&u).await.unwrap();
    assert_eq!(again.state, StepState::Info);
}

const MIRIAM_ONEDRIVE: &str =
    "https://alpha-my.sharepoint.com/personal/miriam_vance_alphadental_com";
/// Holds no licence in the seed, so has no OneDrive.
const UNLICENSED: &str = "miriam.berg@alphadental.com";

fn site(sim: &Sim) -> Value {
    sim.sharepoint_site(ALPHA, MIRIAM_ONEDRIVE)
        .unwrap()
        .unwrap()
}

fn csom_calls(sim: &Sim) -> usize {
    sim.requests()
        .iter()
        .filter(|r| r.kind == "sharepoint")
        .count()
}

#[tokio::test]
async fn onedrive_sharing_is_turned_off_once() {
    let sim = Sim::start().await.unwrap();
    let s = security(&sim, ALPHA);
    let u = s.resolve_user(MIRIAM).await.unwrap();
    assert_eq!(
        s.onedrive(&u).await.unwrap().unwrap().site_url,
        MIRIAM_ONEDRIVE
    );
    assert_eq!(site(&sim)["SharingCapability"], 2);
    let out = s.disable_onedrive_sharing(&u).await.unwrap();
    assert_eq!(out.state, StepState::Success, "{}", out.result_text);
    assert_eq!(out.detail["previousSharingCapability"], 2);
    assert_eq!(site(&sim)["SharingCapability"], 0);
    // Again: read, found off, nothing written.
    let before = csom_calls(&sim);
    let again = s.disable_onedrive_sharing(&u).await.unwrap();
    assert_eq!(again.state, StepState::Info, "{}", again.result_text);
    assert_eq!(csom_calls(&sim) - before, 1, "one read, no write");
    assert_eq!(site(&sim)["SharingCapability"], 0);
    // A user without a OneDrive: said plainly, nothing sent to SharePoint.
    let none = s.resolve_user(UNLICENSED).await.unwrap();
    assert!(s.onedrive(&none).await.unwrap().is_none());
    let before = csom_calls(&sim);
    let out = s.disable_onedrive_sharing(&none).await.unwrap();
    assert_eq!(out.state, StepState::Info);
    assert!(
        out.result_text.contains("no OneDrive"),
        "{}",
        out.result_text
    );
    assert_eq!(csom_calls(&sim), before);
}

#[tokio::test]
async fn onedrive_access_is_granted_idempotently_and_revoked() {
    let sim = Sim::start().await.unwrap();
    let s = security(&sim, ALPHA);
    let u = s.resolve_user(MIRIAM).await.unwrap();
    let people = vec![
        "sofia.wilke@alphadental.com".to_string(),
        "elif.ortiz@alphadental.com".to_string(),
    ];
    for _ in 0..2 {
        let out = s.grant_onedrive_access(&u, &people).await.unwrap();
        assert_eq!(out.state, StepState::Success, "{}", out.result_text);
        assert_eq!(out.detail["siteUrl"], MIRIAM_ONEDRIVE);
        assert_eq!(
            site(&sim)["admins"],
            serde_json::json!([
                MIRIAM,
                "sofia.wilke@alphadental.com",
                "elif.ortiz@alphadental.com"
            ])
        );
    }
    let out = s.revoke_onedrive_access(&u, &people[1..]).await.unwrap();
    assert_eq!(out.state, StepState::Success);
    assert_eq!(
        site(&sim)["admins"],
        serde_json::json!([MIRIAM, "sofia.wilke@alphadental.com"])
    );
    // One unknown person fails alone; the other is still given access.
    let out = s
        .grant_onedrive_access(
            &u,
            &[
                "ghost@alphadental.com".into(),
                "elif.ortiz@alphadental.com".into(),
            ],
        )
        .await
        .unwrap();
    assert_eq!(out.state, StepState::Error);
    assert_eq!(out.detail["failed"][0]["user"], "ghost@alphadental.com");
    assert_eq!(
        out.detail["changed"],
        serde_json::json!(["elif.ortiz@alphadental.com"])
    );
    // Without a OneDrive there is nothing to give: a warning, not a pretend success.
    let none = s.resolve_user(UNLICENSED).await.unwrap();
    let out = s.grant_onedrive_access(&none, &people).await.unwrap();
    assert_eq!(out.state, StepState::Warning);
    assert!(out.result_text.contains("no OneDrive"));
    assert!(matches!(
        s.grant_onedrive_access(&u, &[]).await,
        Err(ActionError::InvalidInput { .. })
    ));
}

#[tokio::test]
async fn a_refused_write_is_a_typed_error_naming_the_user_and_tenant() {
    let sim = Sim::start().await.unwrap();
    let s = security(&sim, ALPHA);
    let u = s.resolve_user(MIRIAM).await.unwrap();
    sim.faults()
        .add_rule(FaultRule::outage(403).with_method("PATCH").with_times(1));
    let err = s
        .reset_password(&u, &ResetPasswordOptions::default())
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(403));
    let text = err.to_string();
    assert!(text.contains(MIRIAM) && text.contains(ALPHA), "{text}");
    let patches = sim
        .requests()
        .iter()
        .filter(|r| r.method == "PATCH")
        .count();
    assert_eq!(patches, 1, "a refused write is not resent");
}
