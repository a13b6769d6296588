//! Tenant-wide settings every tenant has from the start (Microsoft's defaults, as data) and the
//! writes standards make to them: a PATCH of one nested setting leaves its siblings alone, and
//! Graph's SharePoint settings keep the properties CSOM has no name for.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use cipp_sim::Sim;
use common::*;
use reqwest::Method;
use serde_json::json;

#[tokio::test]
async fn default_singletons_are_served_in_every_tenant() {
    let sim = Sim::start().await.unwrap();
    let c = client();
    for tenant in [ALPHA, BRAVO, CHARLIE] {
        let tok = c.token(&sim, tenant).await;
        for path in [
            "v1.0/admin/people/pronouns",
            "beta/admin/people/namePronunciation",
            "beta/admin/reportSettings",
            "beta/admin/forms/settings",
            "v1.0/policies/crossTenantAccessPolicy/default",
            "beta/policies/deviceRegistrationPolicy",
            "beta/policies/defaultAppManagementPolicy",
            "beta/policies/mobileDeviceManagementPolicies/0000000a-0000-0000-c000-000000000000",
            "beta/deviceManagement/settings",
            "beta/deviceManagement/dataProcessorServiceForWindowsFeaturesOnboarding",
        ] {
            let r = c.get(&sim, &tok, path).await;
            assert_eq!(r.status, 200, "{tenant} {path}: {:?}", r.body);
        }
        let configs = c
            .get(
                &sim,
                &tok,
                "beta/deviceManagement/deviceEnrollmentConfigurations",
            )
            .await;
        let guid = tenant_id(&sim, tenant);
        assert!(configs
            .items()
            .iter()
            .any(|x| x["id"] == format!("{guid}_DefaultPlatformRestrictions")));
    }
}

#[tokio::test]
async fn a_nested_patch_keeps_the_other_settings() {
    let sim = Sim::start().await.unwrap();
    let c = client();
    let tok = c.token(&sim, ALPHA).await;
    let path = "v1.0/policies/crossTenantAccessPolicy/default";
    let r = c
        .send(
            &sim,
            Method::PATCH,
            &tok,
            path,
            Some(&json!({"inboundTrust": {"isMfaAccepted": true}})),
            &[],
        )
        .await;
    assert_eq!(r.status, 204);
    let now = c.get(&sim, &tok, path).await.body;
    assert_eq!(
        now["inboundTrust"],
        json!({"isMfaAccepted": true, "isCompliantDeviceAccepted": false,
            "isHybridAzureADJoinedDeviceAccepted": false})
    );
    assert_eq!(
        now["b2bDirectConnectInbound"]["usersAndGroups"]["accessType"],
        "blocked"
    );

    // A setting inside an authentication method's feature settings: targets survive.
    let authenticator =
        "beta/policies/authenticationMethodsPolicy/authenticationMethodConfigurations/MicrosoftAuthenticator";
    let r = c
        .send(
            &sim,
            Method::PATCH,
            &tok,
            authenticator,
            Some(&json!({"featureSettings": {"companionAppAllowedState": {"state": "disabled"}}})),
            &[],
        )
        .await;
    assert_eq!(r.status, 204);
    let now = c.get(&sim, &tok, authenticator).await.body;
    let companion = &now["featureSettings"]["companionAppAllowedState"];
    assert_eq!(companion["state"], "disabled");
    assert_eq!(companion["includeTarget"]["id"], "all_users");
    assert_eq!(
        now["featureSettings"]["numberMatchingRequiredState"]["state"],
        "enabled"
    );
}

#[tokio::test]
async fn sharepoint_settings_keep_graph_only_properties_and_share_csom_ones() {
    let sim = Sim::start().await.unwrap();
    let c = client();
    let tok = c.token(&sim, ALPHA).await;
    let path = "beta/admin/sharepoint/settings";
    let before = c.get(&sim, &tok, path).await.body;
    assert_eq!(before["isSiteCreationEnabled"], true);
    assert!(before["tenantDefaultTimezone"].is_string());
    let r = c
        .send(
            &sim,
            Method::PATCH,
            &tok,
            path,
            Some(
                &json!({"tenantDefaultTimezone": "(UTC) Coordinated Universal Time",
                "isSiteCreationEnabled": false}),
            ),
            &[],
        )
        .await;
    assert_eq!(r.status, 204);
    let after = c.get(&sim, &tok, path).await.body;
    assert_eq!(
        after["tenantDefaultTimezone"],
        "(UTC) Coordinated Universal Time"
    );
    assert_eq!(after["isSiteCreationEnabled"], false);
    let csom = sim.sharepoint_settings(ALPHA).unwrap();
    assert_eq!(csom["SelfServiceSiteCreationDisabled"], true);
    // An unknown property is refused and nothing else in the request is applied.
    let r = c
        .send(
            &sim,
            Method::PATCH,
            &tok,
            path,
            Some(&json!({"isSiteCreationEnabled": true, "noSuchSetting": 1})),
            &[],
        )
        .await;
    assert_eq!(r.status, 400);
    assert_eq!(
        c.get(&sim, &tok, path).await.body["isSiteCreationEnabled"],
        false
    );
}

#[tokio::test]
async fn exchange_defaults_come_from_data_and_seeds_replace_them() {
    {
        let sim = Sim::start().await.unwrap();
        // Bravo keeps the defaults; Alpha's seed replaces the connection filter policy.
        let bravo = sim
            .exchange_objects(BRAVO, "HostedConnectionFilterPolicy", false)
            .unwrap();
        assert_eq!(bravo[0]["IPAllowList"], json!([]));
        let alpha = sim
            .exchange_objects(ALPHA, "HostedConnectionFilterPolicy", false)
            .unwrap();
        assert_ne!(alpha[0]["IPAllowList"], json!([]));
        for noun in ["ExternalInOutlook", "TeamsProtectionPolicy"] {
            assert_eq!(
                sim.exchange_objects(BRAVO, noun, false).unwrap().len(),
                1,
                "{noun}"
            );
        }
    }
}
