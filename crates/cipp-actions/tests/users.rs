//! User management end to end against the simulator over HTTP: each action, then a fresh
//! read that shows its effect; bad input refused before anything is sent.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use cipp_actions::users::{
    AliasChange, AutoReplyState, ClearableField, Forwarding, LicenceCatalogue, LicenceChange,
    MailboxKind, MailboxRight, NewUser, OutOfOffice, TapOptions, UserActions, UserEdit,
};
use cipp_actions::ActionError;
use cipp_core::ExposeSecret;
use cipp_sim::Sim;
use serde_json::{json, Value};

const ALPHA: &str = "alphadental.com";
const MIRIAM: &str = "miriam.gu@alphadental.com";
const SOFIA: &str = "sofia.wilke@alphadental.com";
const HOLLOWAY: &str = "sofia.holloway@alphadental.com";
const ELIF: &str = "elif.ortiz@alphadental.com";
const E3: &str = "05e9a617-0261-4cee-bb44-138d3ef5d965";
const EXCHANGE_STANDARD: &str = "4b9405b0-7788-4568-add1-99614e613b69";

async fn setup() -> (Sim, UserActions) {
    let sim = Sim::start().await.unwrap();
    let actions = UserActions::new(cipp_testkit::pipeline(&sim).unwrap(), ALPHA);
    (sim, actions)
}

fn field_of(e: &ActionError) -> String {
    match e {
        ActionError::InvalidInput { field, .. } => field.clone(),
        other => panic!("expected invalid input, got {other}"),
    }
}

fn skus(user: &cipp_graph::models::User) -> Vec<String> {
    user.assigned_licenses
        .clone()
        .unwrap_or_default()
        .into_iter()
        .filter_map(|l| l.sku_id)
        .collect()
}

#[tokio::test]
async fn create_generates_a_password_once_and_assigns_licences() {
    let (sim, users) = setup().await;
    let created = users
        .create(NewUser {
            display_name: "Ada Lovelace".into(),
            username: "ada".into(),
            domain: "AlphaDental.com".into(),
            usage_location: Some("gb".into()),
            licences: vec!["SPE_E3".into()],
            ..NewUser::default()
        })
        .await
        .unwrap();
    let password = created.password.clone().expect("a generated password");
    let p = password.expose_secret();
    assert_eq!(p.len(), 16);
    assert!(p.chars().any(|c| c.is_ascii_uppercase()) && p.chars().any(|c| c.is_ascii_digit()));
    // Never in Debug output, never echoed back in the user.
    assert!(!format!("{created:?}").contains(p));
    assert!(created.user.extra.get("passwordProfile").is_none());
    let read = users.get("ada@alphadental.com").await.unwrap();
    assert_eq!(read.display_name.as_deref(), Some("Ada Lovelace"));
    assert_eq!(read.usage_location.as_deref(), Some("GB"));
    assert_eq!(skus(&read), vec![E3]);
    // What reached the simulator: the password went in the create body only.
    let posts: Vec<_> = sim
        .requests()
        .into_iter()
        .filter(|r| r.method == "POST")
        .collect();
    assert!(posts.iter().any(|r| r.path.ends_with("/users")));

    // Same UPN again: Graph refuses, the error says which user and tenant.
    let again = users
        .create(NewUser {
            display_name: "Ada again".into(),
            username: "ada".into(),
            domain: ALPHA.into(),
            ..NewUser::default()
        })
        .await
        .unwrap_err();
    assert_eq!(again.status(), Some(400));
    assert!(again.to_string().contains("ada@alphadental.com"), "{again}");
}

#[tokio::test]
async fn create_refuses_bad_input_before_sending() {
    let (sim, users) = setup().await;
    sim.clear_requests();
    let base = NewUser {
        display_name: "X".into(),
        username: "x".into(),
        domain: ALPHA.into(),
        ..NewUser::default()
    };
    let cases: Vec<(NewUser, &str)> = vec![
        (
            NewUser {
                display_name: " ".into(),
                ..base.clone()
            },
            "display_name",
        ),
        (
            NewUser {
                username: "a b".into(),
                ..base.clone()
            },
            "username",
        ),
        (
            NewUser {
                usage_location: Some("USA".into()),
                ..base.clone()
            },
            "usage_location",
        ),
        (
            NewUser {
                licences: vec!["SPE_E3".into()],
                ..base.clone()
            },
            "usage_location",
        ),
    ];
    for (new, field) in cases {
        let e = users.create(new).await.unwrap_err();
        assert_eq!(field_of(&e), field);
    }
    assert!(sim.requests().is_empty(), "nothing was sent");
    let e = users
        .create(NewUser {
            domain: "contoso.com".into(),
            ..base
        })
        .await
        .unwrap_err();
    assert_eq!(field_of(&e), "domain");
    assert!(e.to_string().contains("alpha.onmicrosoft.com"), "{e}");
}

#[tokio::test]
async fn edit_sets_fields_leaves_empty_ones_and_clears_listed_ones() {
    let (_sim, users) = setup().await;
    let sent = users
        .edit(
            MIRIAM,
            UserEdit {
                job_title: Some("Head of Operations".into()),
                department: Some("".into()),
                other_mails: Some(vec!["m@example.com, mg@example.org".into()]),
                clear: vec![ClearableField::BusinessPhones, ClearableField::Surname],
                ..UserEdit::default()
            },
        )
        .await
        .unwrap();
    assert!(!sent.contains(&"department".to_string()));
    let raw = users.graph().get(&format!("users/{MIRIAM}")).await.unwrap();
    assert_eq!(raw["jobTitle"], "Head of Operations");
    assert_eq!(raw["department"], "Operations", "empty means leave alone");
    assert_eq!(
        raw["otherMails"],
        json!(["m@example.com", "mg@example.org"])
    );
    assert_eq!(raw["businessPhones"], json!([]));
    assert_eq!(raw["surname"], Value::Null);

    let nothing = users.edit(MIRIAM, UserEdit::default()).await.unwrap();
    assert!(nothing.is_empty());
    let both = UserEdit {
        city: Some("Oslo".into()),
        clear: vec![ClearableField::City],
        ..UserEdit::default()
    };
    assert_eq!(
        field_of(&users.edit(MIRIAM, both).await.unwrap_err()),
        "clear[city]"
    );
    let bad_mail = UserEdit {
        other_mails: Some(vec!["ok@example.com".into(), "nope".into()]),
        ..UserEdit::default()
    };
    assert_eq!(
        field_of(&users.edit(MIRIAM, bad_mail).await.unwrap_err()),
        "other_mails[1]"
    );
    // A guest's UPN holds '#', which must not end the URL path.
    let guest = users
        .get("consultant_partner.example#EXT#@alpha.onmicrosoft.com")
        .await
        .unwrap();
    assert_eq!(guest.user_type.as_deref(), Some("Guest"));
    let missing = users
        .edit(
            "ghost@alphadental.com",
            UserEdit {
                city: Some("Oslo".into()),
                ..UserEdit::default()
            },
        )
        .await
        .unwrap_err();
    assert!(
        matches!(missing, ActionError::UserNotFound { .. }),
        "{missing}"
    );
}

#[tokio::test]
async fn upn_and_manager_changes_show_on_the_next_read() {
    let (_sim, users) = setup().await;
    let upn = users
        .change_upn(SOFIA, "sofia.w", "alpha.onmicrosoft.com")
        .await
        .unwrap();
    assert_eq!(upn, "sofia.w@alpha.onmicrosoft.com");
    let read = users.get(&upn).await.unwrap();
    assert_eq!(read.extra["mailNickname"], "sofia.w");
    let e = users
        .change_upn(&upn, "sofia", "nowhere.example")
        .await
        .unwrap_err();
    assert_eq!(field_of(&e), "domain");

    assert!(users.manager(ELIF).await.unwrap().is_none());
    users.set_manager(ELIF, Some(MIRIAM)).await.unwrap();
    let manager = users.manager(ELIF).await.unwrap().unwrap();
    assert_eq!(manager.user_principal_name.as_deref(), Some(MIRIAM));
    assert_eq!(
        field_of(&users.set_manager(ELIF, Some(ELIF)).await.unwrap_err()),
        "manager"
    );
    users.set_manager(ELIF, None).await.unwrap();
    assert!(users.manager(ELIF).await.unwrap().is_none());
    // Removing a manager that is not there is the wanted state already.
    users.set_manager(ELIF, None).await.unwrap();
}

#[tokio::test]
async fn licences_by_part_number_id_and_catalogue_name() {
    let (sim, users) = setup().await;
    let csv = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/cipp-data/ConversionTable.csv"
    ))
    .unwrap();
    let catalogue = LicenceCatalogue::from_csv(&csv).unwrap();
    assert!(catalogue.len() > 100);
    let exo_name = catalogue
        .by_id(EXCHANGE_STANDARD)
        .unwrap()
        .display_name
        .clone();
    let seats = |sku: &'static str| {
        let users = users.clone();
        async move {
            let v = users.graph().get("subscribedSkus").await.unwrap();
            v["value"]
                .as_array()
                .unwrap()
                .iter()
                .find(|s| s["skuId"] == sku)
                .map(|s| s["consumedUnits"].as_i64().unwrap())
                .unwrap()
        }
    };
    assert_eq!(
        seats(EXCHANGE_STANDARD).await,
        10,
        "the seed uses every seat"
    );
    // Adding a full subscription fails with Graph's answer.
    let full = users
        .set_licences(MIRIAM, &LicenceChange::add(["EXCHANGESTANDARD"]), None)
        .await
        .unwrap_err();
    assert!(full.to_string().contains("available licenses"), "{full}");

    // Sofia holds Exchange Online; swap it for E3 by part number, removing by id.
    let after = users
        .set_licences(
            SOFIA,
            &LicenceChange {
                add: vec!["spe_e3".into()],
                remove: vec![EXCHANGE_STANDARD.into()],
            },
            None,
        )
        .await
        .unwrap();
    assert_eq!(after, vec![E3]);
    assert_eq!(skus(&users.get(SOFIA).await.unwrap()), vec![E3]);
    assert_eq!(seats(EXCHANGE_STANDARD).await, 9);
    assert_eq!(seats(E3).await, 11);
    // Still over-subscribed (9 used of 5 bought): Exchange Online cannot go to anyone else.
    assert!(users
        .set_licences(
            MIRIAM,
            &LicenceChange::add([exo_name.as_str()]),
            Some(&catalogue)
        )
        .await
        .is_err());
    // A product's friendly name resolves through the catalogue.
    let e3_name = catalogue.by_id(E3).unwrap().display_name.clone();
    users
        .set_licences(
            HOLLOWAY,
            &LicenceChange::add([e3_name.as_str()]),
            Some(&catalogue),
        )
        .await
        .unwrap();
    assert_eq!(skus(&users.get(HOLLOWAY).await.unwrap()), vec![E3]);
    assert_eq!(seats(E3).await, 12);

    sim.clear_requests();
    let e = users
        .set_licences(
            MIRIAM,
            &LicenceChange::add(["SPE_E3", "Not A Sku"]),
            Some(&catalogue),
        )
        .await
        .unwrap_err();
    assert_eq!(field_of(&e), "licences.add[1]");
    assert!(e.to_string().contains("EXCHANGESTANDARD"), "{e}");
    assert!(
        sim.requests().iter().all(|r| r.method == "GET"),
        "only the SKU list was read"
    );
    let e = users
        .set_licences(
            MIRIAM,
            &LicenceChange {
                add: vec!["SPE_E3".into()],
                remove: vec![E3.into()],
            },
            None,
        )
        .await
        .unwrap_err();
    assert_eq!(field_of(&e), "licences");

    let removed = users.remove_all_licences(MIRIAM).await.unwrap();
    assert_eq!(removed, vec![E3]);
    assert!(skus(&users.get(MIRIAM).await.unwrap()).is_empty());
}

#[tokio::test]
async fn temporary_access_pass_is_issued_once_with_options() {
    let (_sim, users) = setup().await;
    let tap = users
        .create_tap(
            ELIF,
            &TapOptions {
                lifetime_minutes: Some(120),
                usable_once: true,
                start: Some("1893456000".into()),
            },
        )
        .await
        .unwrap();
    assert_eq!(tap.lifetime_minutes, Some(120));
    assert!(tap.is_usable_once);
    assert_eq!(tap.start_date_time.as_deref(), Some("2030-01-01T00:00:00Z"));
    assert!(tap.pass.expose_secret().len() >= 8);
    assert!(!format!("{tap:?}").contains(tap.pass.expose_secret()));
    let listed = users
        .graph()
        .get(&format!(
            "users/{ELIF}/authentication/temporaryAccessPassMethods"
        ))
        .await
        .unwrap();
    let methods = listed["value"].as_array().unwrap();
    assert_eq!(methods.len(), 1);
    assert_eq!(methods[0]["id"], tap.method_id.as_str());
    assert_eq!(methods[0]["lifetimeInMinutes"], 120);
    // Graph hands the pass code out once, at creation; a listing never carries it.
    assert!(methods[0].get("temporaryAccessPass").is_none());

    let too_long = TapOptions {
        lifetime_minutes: Some(5),
        ..TapOptions::default()
    };
    assert_eq!(
        field_of(&users.create_tap(ELIF, &too_long).await.unwrap_err()),
        "lifetime_minutes"
    );
    let bad_start = TapOptions {
        start: Some("next tuesday".into()),
        ..TapOptions::default()
    };
    assert_eq!(
        field_of(&users.create_tap(ELIF, &bad_start).await.unwrap_err()),
        "start"
    );
}

#[tokio::test]
async fn delete_needs_confirmation_then_restore_brings_the_user_back() {
    let (sim, users) = setup().await;
    sim.clear_requests();
    let refused = users.delete(ELIF, false).await.unwrap_err();
    assert!(matches!(refused, ActionError::NotConfirmed { .. }));
    assert!(sim.requests().is_empty());

    let id = users.get(ELIF).await.unwrap().id.unwrap();
    users.delete(ELIF, true).await.unwrap();
    assert!(matches!(
        users.get(ELIF).await.unwrap_err(),
        ActionError::UserNotFound { .. }
    ));
    let deleted = users.deleted_users().await.unwrap();
    let entry = deleted
        .iter()
        .find(|d| d.id == id)
        .expect("in the recycle bin");
    assert_eq!(entry.user_principal_name.as_deref(), Some(ELIF));
    assert!(entry.deleted_date_time.is_some());

    let restored = users.restore(&id).await.unwrap();
    assert_eq!(restored.user_principal_name.as_deref(), Some(ELIF));
    assert!(users.get(ELIF).await.is_ok());
    assert!(users
        .deleted_users()
        .await
        .unwrap()
        .iter()
        .all(|d| d.id != id));
    let again = users.restore(&id).await.unwrap_err();
    assert!(matches!(again, ActionError::UserNotFound { .. }), "{again}");
    assert_eq!(field_of(&users.restore(ELIF).await.unwrap_err()), "id");

    users.delete(ELIF, true).await.unwrap();
    assert!(matches!(
        users.purge_deleted(&id, false).await.unwrap_err(),
        ActionError::NotConfirmed { .. }
    ));
    users.purge_deleted(&id, true).await.unwrap();
    assert!(users
        .deleted_users()
        .await
        .unwrap()
        .iter()
        .all(|d| d.id != id));
}

#[tokio::test]
async fn aliases_through_exchange() {
    let (_sim, users) = setup().await;
    let list = users
        .edit_aliases(
            MIRIAM,
            &AliasChange {
                add: vec!["mgu@alphadental.com".into(), "MGU@alphadental.com".into()],
                ..AliasChange::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(
        list,
        vec!["SMTP:miriam.gu@alphadental.com", "smtp:mgu@alphadental.com"]
    );
    users
        .edit_aliases(
            MIRIAM,
            &AliasChange {
                make_primary: Some("mgu@alphadental.com".into()),
                ..AliasChange::default()
            },
        )
        .await
        .unwrap();
    let mailbox = users.mailbox(MIRIAM).await.unwrap();
    assert_eq!(mailbox["PrimarySmtpAddress"], "mgu@alphadental.com");
    assert_eq!(
        mailbox["EmailAddresses"],
        json!(["smtp:miriam.gu@alphadental.com", "SMTP:mgu@alphadental.com"])
    );
    users
        .edit_aliases(
            MIRIAM,
            &AliasChange {
                remove: vec!["miriam.gu@alphadental.com".into()],
                ..AliasChange::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(
        users.mailbox(MIRIAM).await.unwrap()["EmailAddresses"],
        json!(["SMTP:mgu@alphadental.com"])
    );

    // Another mailbox's address: Exchange refuses, the error is Exchange's.
    let taken = users
        .edit_aliases(
            SOFIA,
            &AliasChange {
                add: vec!["mgu@alphadental.com".into()],
                ..AliasChange::default()
            },
        )
        .await
        .unwrap_err();
    assert!(matches!(taken, ActionError::Exchange { .. }), "{taken}");
    let e = users
        .edit_aliases(
            SOFIA,
            &AliasChange {
                make_primary: Some("new@alphadental.com".into()),
                ..AliasChange::default()
            },
        )
        .await
        .unwrap_err();
    assert_eq!(field_of(&e), "make_primary");
    let e = users
        .edit_aliases(
            SOFIA,
            &AliasChange {
                add: vec!["not an address".into()],
                ..AliasChange::default()
            },
        )
        .await
        .unwrap_err();
    assert_eq!(field_of(&e), "add[0]");
}

#[tokio::test]
async fn mailbox_conversion_out_of_office_rights_and_forwarding() {
    let (_sim, users) = setup().await;
    users
        .convert_mailbox(SOFIA, MailboxKind::Shared)
        .await
        .unwrap();
    assert_eq!(
        users.mailbox(SOFIA).await.unwrap()["RecipientTypeDetails"],
        "SharedMailbox"
    );
    users
        .convert_mailbox(SOFIA, MailboxKind::Regular)
        .await
        .unwrap();
    assert_eq!(
        users.mailbox(SOFIA).await.unwrap()["RecipientTypeDetails"],
        "UserMailbox"
    );

    users
        .set_out_of_office(
            SOFIA,
            &OutOfOffice {
                state: AutoReplyState::Scheduled {
                    start: "2026-12-20T00:00:00Z".into(),
                    end: "2027-01-04T00:00:00Z".into(),
                },
                internal_message: Some("Away until January.".into()),
                ..OutOfOffice::default()
            },
        )
        .await
        .unwrap();
    let ooo = users.out_of_office(SOFIA).await.unwrap();
    assert_eq!(ooo.auto_reply_state.as_deref(), Some("Scheduled"));
    assert_eq!(ooo.external_message.as_deref(), Some("Away until January."));
    assert_eq!(ooo.end_time.as_deref(), Some("2027-01-04T00:00:00Z"));
    let backwards = OutOfOffice {
        state: AutoReplyState::Scheduled {
            start: "2027-01-04T00:00:00Z".into(),
            end: "2026-12-20T00:00:00Z".into(),
        },
        internal_message: Some("x".into()),
        ..OutOfOffice::default()
    };
    assert_eq!(
        field_of(
            &users
                .set_out_of_office(SOFIA, &backwards)
                .await
                .unwrap_err()
        ),
        "state.end"
    );
    let silent = OutOfOffice {
        state: AutoReplyState::Enabled,
        ..OutOfOffice::default()
    };
    assert_eq!(
        field_of(&users.set_out_of_office(SOFIA, &silent).await.unwrap_err()),
        "internal_message"
    );

    users
        .grant_mailbox_right(SOFIA, MIRIAM, MailboxRight::FullAccess { automap: false })
        .await
        .unwrap();
    users
        .grant_mailbox_right(SOFIA, MIRIAM, MailboxRight::SendAs)
        .await
        .unwrap();
    users
        .grant_mailbox_right(SOFIA, ELIF, MailboxRight::SendOnBehalf)
        .await
        .unwrap();
    let perms = users.mailbox_permissions(SOFIA).await.unwrap();
    assert_eq!(perms.len(), 1);
    assert_eq!(perms[0]["User"], MIRIAM);
    assert_eq!(perms[0]["AutoMapping"], false);
    let send_as = users
        .exchange()
        .invoke("Get-RecipientPermission", json!({"Identity": SOFIA}))
        .await
        .unwrap();
    assert_eq!(send_as[0]["Trustee"], MIRIAM);
    let mailbox = users.mailbox(SOFIA).await.unwrap();
    assert_eq!(mailbox["GrantSendOnBehalfTo"], json!([ELIF]));
    users
        .revoke_mailbox_right(SOFIA, MIRIAM, MailboxRight::FullAccess { automap: true })
        .await
        .unwrap();
    users
        .revoke_mailbox_right(SOFIA, MIRIAM, MailboxRight::SendAs)
        .await
        .unwrap();
    users
        .revoke_mailbox_right(SOFIA, ELIF, MailboxRight::SendOnBehalf)
        .await
        .unwrap();
    assert!(users.mailbox_permissions(SOFIA).await.unwrap().is_empty());
    assert_eq!(
        users.mailbox(SOFIA).await.unwrap()["GrantSendOnBehalfTo"],
        json!([])
    );
    assert_eq!(
        field_of(
            &users
                .grant_mailbox_right(SOFIA, SOFIA, MailboxRight::SendAs)
                .await
                .unwrap_err()
        ),
        "delegate"
    );

    users
        .set_forwarding(
            SOFIA,
            &Forwarding::Internal {
                to: MIRIAM.into(),
                keep_copy: true,
            },
        )
        .await
        .unwrap();
    let m = users.mailbox(SOFIA).await.unwrap();
    assert_eq!(
        (
            m["ForwardingAddress"].clone(),
            m["DeliverToMailboxAndForward"].clone()
        ),
        (json!(MIRIAM), json!(true))
    );
    users
        .set_forwarding(
            SOFIA,
            &Forwarding::External {
                address: "sofia@example.net".into(),
                keep_copy: false,
            },
        )
        .await
        .unwrap();
    let m = users.mailbox(SOFIA).await.unwrap();
    assert_eq!(m["ForwardingSmtpAddress"], "smtp:sofia@example.net");
    assert_eq!(m["ForwardingAddress"], Value::Null);
    users
        .set_forwarding(SOFIA, &Forwarding::Disabled)
        .await
        .unwrap();
    let m = users.mailbox(SOFIA).await.unwrap();
    assert_eq!(
        (
            m["ForwardingSmtpAddress"].clone(),
            m["ForwardingAddress"].clone()
        ),
        (Value::Null, Value::Null)
    );
    let e = users
        .set_forwarding(
            SOFIA,
            &Forwarding::External {
                address: "nope".into(),
                keep_copy: false,
            },
        )
        .await
        .unwrap_err();
    assert_eq!(field_of(&e), "forwarding.address");
}

#[tokio::test]
async fn sign_in_password_sessions_and_mfa_go_through_the_shared_primitives() {
    let (_sim, users) = setup().await;
    let blocked = users.block_sign_in(ELIF).await.unwrap();
    assert_eq!(blocked.state, cipp_actions::StepState::Success);
    assert_eq!(users.get(ELIF).await.unwrap().account_enabled, Some(false));
    users.unblock_sign_in(ELIF).await.unwrap();
    assert_eq!(users.get(ELIF).await.unwrap().account_enabled, Some(true));

    let reset = users
        .reset_password(
            ELIF,
            &cipp_actions::security::ResetPasswordOptions {
                reveal_password: true,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let password = reset.password.expect("revealed once");
    assert!(password.expose().len() >= 12);
    assert!(!format!("{:?}", reset.outcome).contains(password.expose()));
    let raw = users.graph().get(&format!("users/{ELIF}")).await.unwrap();
    assert_eq!(
        raw["passwordProfile"]["forceChangePasswordNextSignIn"],
        true
    );

    users.revoke_sessions(ELIF).await.unwrap();
    let raw = users.graph().get(&format!("users/{ELIF}")).await.unwrap();
    assert!(raw["signInSessionsValidFromDateTime"].is_string());

    // A pass is an MFA method too; removing all methods takes it away.
    users
        .create_tap(ELIF, &TapOptions::default())
        .await
        .unwrap();
    users
        .remove_mfa_methods(ELIF, &cipp_actions::security::MethodSelection::All)
        .await
        .unwrap();
    let left = users
        .graph()
        .get(&format!(
            "users/{ELIF}/authentication/temporaryAccessPassMethods"
        ))
        .await
        .unwrap();
    assert_eq!(left["value"], json!([]));
    assert!(matches!(
        users
            .block_sign_in("ghost@alphadental.com")
            .await
            .unwrap_err(),
        ActionError::UserNotFound { .. }
    ));
}

const ALL_STAFF: &str = "08af8022-0eab-5c8b-9b0e-b11730c24d7e";
const SG_FINANCE: &str = "2fcaceb5-18fb-5af2-aa18-53169f6cd1ae";
const SALES: &str = "d537286d-7872-5c21-828e-129b6270d477";

/// Whether `user` is a direct member of `group`, read from the user's `memberOf`.
async fn in_group(users: &UserActions, user: &str, group: &str) -> bool {
    let id = users.get(user).await.unwrap().id.unwrap();
    let v = users
        .graph()
        .get(&format!("users/{id}/memberOf"))
        .await
        .unwrap();
    v["value"]
        .as_array()
        .unwrap()
        .iter()
        .any(|g| g["id"] == group)
}

fn states(outcomes: &[cipp_actions::StepOutcome]) -> Vec<(String, cipp_actions::StepState)> {
    outcomes
        .iter()
        .map(|o| {
            (
                o.detail["group"].as_str().unwrap_or_default().to_string(),
                o.state,
            )
        })
        .collect()
}

#[tokio::test]
async fn group_membership_is_edited_through_graph_or_exchange_per_group() {
    use cipp_actions::users::GroupMembershipEdit;
    use cipp_actions::StepState::{Error, Info, Success};
    let (sim, users) = setup().await;
    // Sofia is in All Staff only. Join a security group by name, the distribution list by
    // mail address, All Staff again (nothing to do) and a group that does not exist.
    let out = users
        .edit_groups(
            SOFIA,
            &GroupMembershipEdit {
                add_to: vec![
                    "sg-finance".into(),
                    "sales@alphadental.com".into(),
                    ALL_STAFF.into(),
                    "Nope".into(),
                ],
                ..GroupMembershipEdit::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(
        states(&out),
        [
            ("SG-Finance".to_string(), Success),
            ("Sales Team".to_string(), Success),
            ("All Staff".to_string(), Info),
            ("Nope".to_string(), Error),
        ]
    );
    assert_eq!(out[0].detail["via"], "graph");
    assert_eq!(out[1].detail["via"], "exchange");
    assert!(out[3].result_text.contains("no group 'Nope'"));
    assert!(in_group(&users, SOFIA, SG_FINANCE).await);
    assert!(in_group(&users, SOFIA, SALES).await);
    // The list went through Exchange: Graph itself refuses to change it.
    let cmdlets: Vec<String> = sim
        .requests()
        .iter()
        .filter(|r| r.kind == "exchange" && r.method == "POST")
        .map(|r| r.path.clone())
        .collect();
    assert!(!cmdlets.is_empty());
    let refused = users
        .graph()
        .post(
            &format!("groups/{SALES}/members/$ref"),
            &json!({"@odata.id": "https://graph.microsoft.com/v1.0/directoryObjects/x"}),
        )
        .await
        .unwrap_err();
    assert_eq!(refused.status(), Some(400));

    // Leave both again; leaving twice is nothing to do.
    for expected in [Success, Info] {
        let out = users
            .edit_groups(
                SOFIA,
                &GroupMembershipEdit {
                    remove_from: vec!["SG-Finance".into(), SALES.into()],
                    ..GroupMembershipEdit::default()
                },
            )
            .await
            .unwrap();
        assert!(out.iter().all(|o| o.state == expected), "{out:#?}");
    }
    assert!(!in_group(&users, SOFIA, SALES).await);

    // Copy Elif's groups (All Staff, Sales Team) to Miriam (All Staff, SG-Finance).
    let out = users
        .edit_groups(
            MIRIAM,
            &GroupMembershipEdit {
                copy_from: Some(ELIF.into()),
                ..GroupMembershipEdit::default()
            },
        )
        .await
        .unwrap();
    let mut got = states(&out);
    got.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(
        got,
        [
            ("All Staff".to_string(), Info),
            ("Sales Team".to_string(), Success)
        ]
    );
    assert!(out.iter().all(|o| o.detail["copiedFrom"] == ELIF));
    assert!(in_group(&users, MIRIAM, SALES).await);
    assert!(in_group(&users, MIRIAM, SG_FINANCE).await);

    // Bad input is refused before anything is sent.
    let before = sim.requests().len();
    for (edit, field) in [
        (GroupMembershipEdit::default(), "groups"),
        (
            GroupMembershipEdit {
                add_to: vec!["A".into()],
                remove_from: vec!["a".into()],
                ..GroupMembershipEdit::default()
            },
            "remove_from[0]",
        ),
        (
            GroupMembershipEdit {
                add_to: vec![" ".into()],
                ..GroupMembershipEdit::default()
            },
            "add_to[0]",
        ),
    ] {
        assert_eq!(
            field_of(&users.edit_groups(SOFIA, &edit).await.unwrap_err()),
            field
        );
    }
    assert_eq!(sim.requests().len(), before);
}
