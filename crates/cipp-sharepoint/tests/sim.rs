//! SharePoint admin against the simulator, over HTTP.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use cipp_core::Pipeline;
use cipp_sharepoint::{SharePointClient, SharePointError};
use cipp_sim::Sim;
use serde_json::{json, Map};

fn pipeline(sim: &Sim) -> Pipeline {
    cipp_testkit::pipeline(sim).unwrap()
}

#[tokio::test]
async fn name_discovery_settings_and_quota() {
    let sim = Sim::start().await.unwrap();
    let spo = SharePointClient::new(pipeline(&sim), "alphadental.com");
    assert_eq!(spo.name().await.unwrap(), "alpha");
    assert!(spo
        .admin_url()
        .await
        .unwrap()
        .ends_with("/sharepoint/alpha-admin"));

    let settings = spo.tenant_settings().await.unwrap();
    assert_eq!(settings.sharing_capability(), Some(2));
    assert_eq!(settings.properties["ShowEveryoneClaim"], true);

    let mut change = Map::new();
    change.insert("SharingCapability".into(), json!(1));
    change.insert("ShowEveryoneClaim".into(), json!(false));
    spo.set_tenant_settings(&change).await.unwrap();
    let now = sim.sharepoint_settings("alphadental.com").unwrap();
    assert_eq!(now["SharingCapability"], 1);
    assert_eq!(now["ShowEveryoneClaim"], false);
    assert_eq!(
        now["LegacyAuthProtocolsEnabled"], true,
        "untouched settings stay"
    );

    let quota = spo.storage_quota().await.unwrap();
    assert!(quota.used_percent().unwrap() > 0.0);

    // One name lookup for all of it; admin calls carry the admin host's token.
    let reqs = sim.requests();
    assert_eq!(
        reqs.iter()
            .filter(|r| r.path.ends_with("sites/root"))
            .count(),
        1
    );
    let admin: Vec<_> = reqs.iter().filter(|r| r.kind == "sharepoint").collect();
    assert_eq!(admin.len(), 3);
    assert!(admin
        .iter()
        .all(|r| r.token_aud.as_deref() == Some("https://alpha-admin.sharepoint.com")));
}

#[tokio::test]
async fn csom_failures_inside_http_200_are_errors() {
    let sim = Sim::start().await.unwrap();
    let spo = SharePointClient::new(pipeline(&sim), "bravo.onmicrosoft.com");
    let mut change = Map::new();
    change.insert("NoSuchSetting".into(), json!(true));
    let err = spo.set_tenant_settings(&change).await.unwrap_err();
    match &err {
        SharePointError::Csom {
            message,
            type_name,
            tenant,
            ..
        } => {
            assert!(message.contains("NoSuchSetting"), "{message}");
            assert!(type_name.ends_with("InvalidClientQueryException"));
            assert_eq!(tenant, "bravo.onmicrosoft.com");
        }
        other => panic!("expected a CSOM error, got {other:?}"),
    }
    let mut wrong = Map::new();
    wrong.insert("SharingCapability".into(), json!("lots"));
    assert!(matches!(
        spo.set_tenant_settings(&wrong).await,
        Err(SharePointError::Csom { .. })
    ));
    assert_eq!(
        sim.sharepoint_settings("bravo.onmicrosoft.com").unwrap()["SharingCapability"],
        2
    );
    // Bad input is refused before anything is sent.
    let before = sim.requests().len();
    let mut float = Map::new();
    float.insert("SharingCapability".into(), json!(1.5));
    assert!(matches!(
        spo.set_tenant_settings(&float).await,
        Err(SharePointError::InvalidInput { .. })
    ));
    assert!(matches!(
        spo.rest_get("../../etc").await,
        Err(SharePointError::InvalidInput { .. })
    ));
    assert_eq!(sim.requests().len(), before);
    assert!(SharePointClient::new(pipeline(&sim), "x")
        .with_name("a/b")
        .is_err());
}

const ELIF_ONEDRIVE: &str = "https://alpha-my.sharepoint.com/personal/elif_ortiz_alphadental_com";

#[tokio::test]
async fn site_properties_sharing_and_site_admins() {
    use cipp_sharepoint::SharingCapability;
    let sim = Sim::start().await.unwrap();
    let spo = SharePointClient::new(pipeline(&sim), "alphadental.com");

    let site = spo.site_properties(ELIF_ONEDRIVE).await.unwrap();
    assert_eq!(site.url, ELIF_ONEDRIVE);
    assert_eq!(site.template.as_deref(), Some("SPSPERS#10"));
    assert_eq!(
        site.sharing(),
        Some(SharingCapability::ExternalUserAndGuestSharing)
    );
    assert!(site.owner.unwrap().ends_with("elif.ortiz@alphadental.com"));

    spo.set_site_sharing(ELIF_ONEDRIVE, SharingCapability::Disabled)
        .await
        .unwrap();
    assert_eq!(
        spo.site_properties(ELIF_ONEDRIVE).await.unwrap().sharing(),
        Some(SharingCapability::Disabled)
    );
    let seen = sim
        .sharepoint_site("alphadental.com", ELIF_ONEDRIVE)
        .unwrap()
        .unwrap();
    assert_eq!(seen["SharingCapability"], 0);

    // A site may not share more widely than the tenant allows.
    let mut tenant = Map::new();
    tenant.insert("SharingCapability".into(), json!(3));
    spo.set_tenant_settings(&tenant).await.unwrap();
    let e = spo
        .set_site_sharing(
            ELIF_ONEDRIVE,
            SharingCapability::ExternalUserAndGuestSharing,
        )
        .await
        .unwrap_err();
    assert!(matches!(e, SharePointError::Csom { .. }), "{e}");

    // Site collection administrators: added once however often it is asked, removed again.
    for _ in 0..2 {
        spo.set_site_admin(ELIF_ONEDRIVE, "miriam.gu@alphadental.com", true)
            .await
            .unwrap();
    }
    let admins = |sim: &Sim| {
        sim.sharepoint_site("alphadental.com", ELIF_ONEDRIVE)
            .unwrap()
            .unwrap()["admins"]
            .clone()
    };
    assert_eq!(
        admins(&sim),
        json!(["elif.ortiz@alphadental.com", "miriam.gu@alphadental.com"])
    );
    spo.set_site_admin(
        ELIF_ONEDRIVE,
        "i:0#.f|membership|miriam.gu@alphadental.com",
        false,
    )
    .await
    .unwrap();
    assert_eq!(admins(&sim), json!(["elif.ortiz@alphadental.com"]));
    // The owner stays: SharePoint refuses to remove the primary administrator.
    assert!(matches!(
        spo.set_site_admin(ELIF_ONEDRIVE, "elif.ortiz@alphadental.com", false)
            .await,
        Err(SharePointError::Csom { .. })
    ));
    assert_eq!(admins(&sim), json!(["elif.ortiz@alphadental.com"]));

    // Unknown people and sites fail as SharePoint fails them, inside HTTP 200.
    let e = spo
        .set_site_admin(ELIF_ONEDRIVE, "ghost@alphadental.com", true)
        .await
        .unwrap_err();
    assert!(e.to_string().contains("ghost"), "{e}");
    match spo
        .site_properties("https://alpha-my.sharepoint.com/personal/nobody")
        .await
        .unwrap_err()
    {
        SharePointError::Csom { type_name, .. } => {
            assert!(type_name.ends_with("SpoNoSiteException"), "{type_name}")
        }
        other => panic!("{other:?}"),
    }
    // A URL that is not https:// is refused before sending.
    let before = sim.requests().len();
    assert!(matches!(
        spo.set_site_admin("alpha-my/personal/x", "a@b.c", true)
            .await,
        Err(SharePointError::InvalidInput { .. })
    ));
    assert_eq!(sim.requests().len(), before);
}

#[tokio::test]
async fn tenant_methods_change_state_and_check_their_limits() {
    let sim = Sim::start().await.unwrap();
    let spo = SharePointClient::new(pipeline(&sim), "alphadental.com");
    let before = spo.tenant_settings().await.unwrap();
    assert_eq!(before.properties["MajorVersionLimit"], 500);
    spo.call_tenant_method(
        "SetFileVersionPolicy",
        &[json!(false), json!(50), json!(365)],
    )
    .await
    .unwrap();
    let now = sim.sharepoint_settings("alphadental.com").unwrap();
    assert_eq!(now["EnableAutoExpirationVersionTrim"], false);
    assert_eq!(now["MajorVersionLimit"], 50);
    assert_eq!(now["ExpireVersionsAfterDays"], 365);
    assert_eq!(now["SharingCapability"], 2, "untouched settings stay");

    // Out of SharePoint's range: refused inside an HTTP 200, nothing changed.
    let err = spo
        .call_tenant_method(
            "SetFileVersionPolicy",
            &[json!(false), json!(50), json!(10)],
        )
        .await
        .unwrap_err();
    assert!(matches!(err, SharePointError::Csom { .. }), "{err:?}");
    let err = spo
        .call_tenant_method("NoSuchMethod", &[json!(true)])
        .await
        .unwrap_err();
    assert!(err.to_string().contains("NoSuchMethod"), "{err}");
    spo.call_tenant_method("SetFileVersionPolicy", &[json!(true), json!(-1), json!(-1)])
        .await
        .unwrap();
    let now = sim.sharepoint_settings("alphadental.com").unwrap();
    assert_eq!(now["EnableAutoExpirationVersionTrim"], true);
}
