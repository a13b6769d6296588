//! The Teams ConfigAPI against the simulator, over HTTP.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use cipp_core::Pipeline;
use cipp_sim::Sim;
use cipp_teams::{TeamsClient, TeamsError};
use serde_json::{json, Map};

fn pipeline(sim: &Sim) -> Pipeline {
    cipp_testkit::pipeline(sim).unwrap()
}

#[tokio::test]
async fn policies_list_get_and_read_modify_write() {
    let sim = Sim::start().await.unwrap();
    let teams = TeamsClient::new(pipeline(&sim), "alphadental.com");
    let d = teams.discovery().await.unwrap();
    assert_eq!(d.initial_domain.as_deref(), Some("alpha.onmicrosoft.com"));
    assert_eq!(d.forest.as_deref(), Some("NOAM-2A-S7"));

    let all = teams.list("Get-CsTeamsMeetingPolicy").await.unwrap();
    assert_eq!(all.len(), 2);
    let global = teams.get("TeamsMeetingPolicy", None).await.unwrap();
    assert_eq!(global["AllowAnonymousUsersToJoinMeeting"], true);

    let mut change = Map::new();
    change.insert("allowanonymoususerstojoinmeeting".into(), json!(false));
    let out = teams
        .set("Set-CsTeamsMeetingPolicy", None, &change)
        .await
        .unwrap();
    assert!(out.changed);
    assert_eq!(out.object["AllowAnonymousUsersToJoinMeeting"], false);
    let stored = sim
        .teams_configurations("alphadental.com", "TeamsMeetingPolicy")
        .unwrap();
    let g = stored.iter().find(|p| p["Identity"] == "Global").unwrap();
    assert_eq!(g["AllowAnonymousUsersToJoinMeeting"], false);
    assert_eq!(g["AllowCloudRecording"], true, "untouched properties stay");

    // Already so: nothing is written.
    sim.clear_requests();
    let again = teams
        .set("TeamsMeetingPolicy", Some("Global"), &change)
        .await
        .unwrap();
    assert!(!again.changed);
    assert!(sim.requests().iter().all(|r| r.method == "GET"));

    // A property the policy does not have is refused before any write.
    let mut bad = Map::new();
    bad.insert("AllowEverything".into(), json!(true));
    assert!(matches!(
        teams.set("TeamsMeetingPolicy", None, &bad).await,
        Err(TeamsError::InvalidInput { .. })
    ));
    assert!(sim.requests().iter().all(|r| r.method == "GET"));

    teams
        .delete("TeamsMeetingPolicy", "Tag:RestrictedAnonymousAccess")
        .await
        .unwrap();
    assert_eq!(teams.list("TeamsMeetingPolicy").await.unwrap().len(), 1);
    assert!(teams.delete("TeamsMeetingPolicy", "Global").await.is_err());
    let missing = teams
        .get("TeamsMeetingPolicy", Some("Tag:Nope"))
        .await
        .unwrap_err();
    assert!(
        matches!(missing, TeamsError::Api(ref e) if e.status() == Some(404)),
        "{missing}"
    );

    let reqs = sim.requests();
    assert!(reqs
        .iter()
        .filter(|r| r.kind == "teams")
        .all(|r| r.token_aud.as_deref() == Some("48ac35b8-9aa8-4d74-927d-1f4a14a0b239")));
}

#[tokio::test]
async fn federation_settings_are_routed_to_the_admin_service() {
    let sim = Sim::start().await.unwrap();
    let teams = TeamsClient::new(pipeline(&sim), "bravologistics.com");
    let fed = teams
        .get("Get-CsTenantFederationConfiguration", None)
        .await
        .unwrap();
    assert_eq!(fed["AllowTeamsConsumer"], true);
    let mut change = Map::new();
    change.insert("AllowTeamsConsumer".into(), json!(false));
    change.insert("AllowPublicUsers".into(), json!(false));
    assert!(
        teams
            .set("Set-CsTenantFederationConfiguration", None, &change)
            .await
            .unwrap()
            .changed
    );
    let stored = sim
        .teams_configurations("bravologistics.com", "TenantFederationSettings")
        .unwrap();
    assert_eq!(stored[0]["AllowTeamsConsumer"], false);
    assert_eq!(stored[0]["AllowPublicUsers"], false);
}

#[tokio::test]
async fn resource_accounts_come_from_the_platform_service_joined_to_entra() {
    let sim = Sim::start().await.unwrap();
    let teams = TeamsClient::new(pipeline(&sim), "alphadental.com");
    let accounts = teams.application_instances().await.unwrap();
    assert_eq!(accounts.len(), 3, "{accounts:?}");
    let main = accounts
        .iter()
        .find(|a| a["userPrincipalName"] == "aa-mainline@alphadental.com")
        .unwrap();
    assert_eq!(main["objectId"], "a7d3c1e0-5b2f-4e8a-9c41-0f6e2d8b7a01");
    assert_eq!(
        main["applicationId"],
        "ce933385-9390-45d1-9512-c8d228074e07"
    );
    // Another tenant has none.
    let other = TeamsClient::new(pipeline(&sim), "bravologistics.com");
    assert!(other.application_instances().await.unwrap().is_empty());
}
