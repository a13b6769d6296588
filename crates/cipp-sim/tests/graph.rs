//! Graph: token validation, the JSON store (create, read, update, replace, delete,
//! references), tenant isolation and error shapes.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use cipp_sim::Sim;
use common::*;
use reqwest::Method;
use serde_json::{json, Value};

#[tokio::test]
async fn bearer_tokens_are_validated_like_graph() {
    let sim = Sim::start().await.unwrap();
    let c = client();
    let org = format!("{}/v1.0/organization", sim.graph_url());
    let r = c.http.get(&org).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 401);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["error"]["code"], "InvalidAuthenticationToken");
    assert_eq!(v["error"]["message"], "Access token is empty.");
    let forged = c
        .get(
            &sim,
            "eyJ0eXAiOiJKV1QifQ.eyJ0aWQiOiJ4In0.c2ln",
            "v1.0/organization",
        )
        .await;
    assert_eq!(
        (forged.status, forged.code()),
        (401, "InvalidAuthenticationToken")
    );
    let exo = c
        .app_only(&sim, ALPHA, "https://outlook.office365.com/.default")
        .await;
    let exo = exo.body["access_token"].as_str().unwrap();
    let wrong_aud = c.get(&sim, exo, "v1.0/organization").await;
    assert_eq!(wrong_aud.status, 401);
    assert_eq!(wrong_aud.message(), "Invalid audience.");
    let tok = c.token(&sim, ALPHA).await;
    assert_eq!(c.get(&sim, &tok, "v1.0/organization").await.status, 200);
    sim.faults().expire_tokens();
    let expired = c.get(&sim, &tok, "v1.0/organization").await;
    assert_eq!(expired.status, 401);
    assert_eq!(expired.code(), "InvalidAuthenticationToken");
    assert_eq!(
        expired.message(),
        "Lifetime validation failed, the token is expired."
    );
    let fresh = c.token(&sim, ALPHA).await;
    assert_eq!(c.get(&sim, &fresh, "v1.0/organization").await.status, 200);
    // The log knows whose token the expired request carried.
    let rec = sim
        .requests()
        .into_iter()
        .rfind(|r| r.status == 401 && r.kind == "graph")
        .unwrap();
    assert_eq!(rec.token_tid, Some(tenant_id(&sim, ALPHA)));
}

#[tokio::test]
async fn every_answer_carries_request_ids() {
    let sim = Sim::start().await.unwrap();
    let c = client();
    let tok = c.token(&sim, ALPHA).await;
    let ok = c
        .send(
            &sim,
            Method::GET,
            &tok,
            "v1.0/domains",
            None,
            &[("client-request-id", "abc-123")],
        )
        .await;
    assert!(ok.header("request-id").is_some());
    assert_eq!(ok.header("client-request-id"), Some("abc-123"));
    assert!(ok
        .header("content-type")
        .unwrap()
        .starts_with("application/json"));
    let missing = c
        .send(
            &sim,
            Method::GET,
            &tok,
            "v1.0/users/00000000-0000-0000-0000-000000000000",
            None,
            &[("client-request-id", "abc-456")],
        )
        .await;
    assert_eq!(missing.status, 404);
    assert_eq!(missing.code(), "Request_ResourceNotFound");
    assert_eq!(
        missing.message(),
        "Resource '00000000-0000-0000-0000-000000000000' does not exist or one of its queried reference-property objects are not present."
    );
    let inner = &missing.body["error"]["innerError"];
    assert_eq!(inner["client-request-id"], "abc-456");
    assert_eq!(inner["request-id"].as_str(), missing.header("request-id"));
    assert!(inner["date"].as_str().unwrap().contains('T'));
}

#[tokio::test]
async fn crud_round_trip() {
    let sim = Sim::start().await.unwrap();
    let c = client();
    let tok = c.token(&sim, ALPHA).await;
    let new_user = json!({
        "displayName": "Test User", "userPrincipalName": "test.user@alphadental.com",
        "accountEnabled": true, "mailNickname": "test.user", "department": "QA"
    });
    let created = c
        .send(&sim, Method::POST, &tok, "v1.0/users", Some(&new_user), &[])
        .await;
    assert_eq!(created.status, 201, "{:?}", created.body);
    let id = created.body["id"].as_str().unwrap().to_string();
    assert!(uuid::Uuid::parse_str(&id).is_ok());
    assert!(created.body["createdDateTime"]
        .as_str()
        .unwrap()
        .ends_with('Z'));
    assert_eq!(
        created.header("location"),
        Some(format!("{}/v1.0/users/{id}", sim.graph_url()).as_str())
    );
    let dup = c
        .send(&sim, Method::POST, &tok, "v1.0/users", Some(&new_user), &[])
        .await;
    assert_eq!(dup.status, 400, "UPNs are unique");
    // Both versions share one store; items are found by id or UPN, ignoring case.
    let by_upn = c
        .get(&sim, &tok, "beta/users/TEST.USER@alphadental.com")
        .await;
    assert_eq!(by_upn.body["id"], id.as_str());
    assert!(by_upn.body["@odata.context"]
        .as_str()
        .unwrap()
        .ends_with("/$entity"));
    let patched = c
        .send(
            &sim,
            Method::PATCH,
            &tok,
            &format!("v1.0/users/{id}"),
            Some(&json!({"jobTitle": "Tester", "id": "ignored"})),
            &[],
        )
        .await;
    assert_eq!((patched.status, &patched.body), (204, &Value::Null));
    let u = c
        .get(&sim, &tok, &format!("v1.0/users/{}", id.to_uppercase()))
        .await;
    assert_eq!(u.body["jobTitle"], "Tester");
    assert_eq!(u.body["department"], "QA", "PATCH merges");
    assert_eq!(u.body["id"], id.as_str());
    let put = c
        .send(
            &sim,
            Method::PUT,
            &tok,
            &format!("v1.0/users/{id}"),
            Some(&json!({"displayName": "Replaced"})),
            &[],
        )
        .await;
    assert_eq!(put.status, 204);
    let u = c.get(&sim, &tok, &format!("v1.0/users/{id}")).await;
    assert_eq!(u.body["displayName"], "Replaced");
    assert!(u.body.get("department").is_none(), "PUT replaces");
    assert_eq!(u.body["id"], id.as_str(), "PUT keeps the id");
    let deleted = c
        .send(
            &sim,
            Method::DELETE,
            &tok,
            &format!("v1.0/users/{id}"),
            None,
            &[],
        )
        .await;
    assert_eq!(deleted.status, 204);
    let gone = c.get(&sim, &tok, &format!("v1.0/users/{id}")).await;
    assert_eq!(
        (gone.status, gone.code()),
        (404, "Request_ResourceNotFound")
    );
    let again = c
        .send(
            &sim,
            Method::DELETE,
            &tok,
            &format!("v1.0/users/{id}"),
            None,
            &[],
        )
        .await;
    assert_eq!(again.status, 404);
    // PUT on a missing item of a collection creates it.
    let made = c
        .send(
            &sim,
            Method::PUT,
            &tok,
            "v1.0/groups/my-group-id",
            Some(&json!({"displayName": "PUT group"})),
            &[],
        )
        .await;
    assert_eq!(made.status, 201);
    assert_eq!(
        c.get(&sim, &tok, "v1.0/groups/my-group-id").await.body["displayName"],
        "PUT group"
    );
}

#[tokio::test]
async fn tenants_are_isolated_by_the_token() {
    let sim = Sim::start().await.unwrap();
    let c = client();
    let alpha = c.token(&sim, ALPHA).await;
    let bravo = c.token(&sim, "bravologistics.com").await;
    let made = c
        .send(
            &sim,
            Method::POST,
            &alpha,
            "v1.0/groups",
            Some(&json!({"displayName": "Alpha only"})),
            &[],
        )
        .await;
    let id = made.body["id"].as_str().unwrap();
    assert_eq!(
        c.get(&sim, &bravo, &format!("v1.0/groups/{id}"))
            .await
            .status,
        404
    );
    let org = c.get(&sim, &bravo, "v1.0/organization").await;
    assert_eq!(org.items()[0]["id"], tenant_id(&sim, BRAVO).as_str());
    assert_eq!(org.items()[0]["displayName"], "Bravo Logistics");
    let partner = c.token(&sim, &sim.credentials().partner_tenant_id).await;
    let porg = c.get(&sim, &partner, "v1.0/organization").await;
    assert_eq!(
        porg.items()[0]["partnerTenantType"],
        "resellerPartnerDelegatedAdmin"
    );
}

#[tokio::test]
async fn nested_objects_singletons_and_scalars() {
    let sim = Sim::start().await.unwrap();
    let c = client();
    let tok = c.token(&sim, ALPHA).await;
    let amp = "v1.0/policies/authenticationMethodsPolicy";
    let policy = c.get(&sim, &tok, amp).await;
    assert_eq!(policy.body["id"], "authenticationMethodsPolicy");
    let sms = c
        .get(
            &sim,
            &tok,
            &format!("{amp}/authenticationMethodConfigurations/sms"),
        )
        .await;
    assert_eq!(
        sms.body["@odata.type"],
        "#microsoft.graph.smsAuthenticationMethodConfiguration"
    );
    assert_eq!(sms.body["state"], "enabled");
    let r = c
        .send(
            &sim,
            Method::PATCH,
            &tok,
            &format!("{amp}/authenticationMethodConfigurations/Sms"),
            Some(&json!({"state": "disabled"})),
            &[],
        )
        .await;
    assert_eq!(r.status, 204);
    let policy = c.get(&sim, &tok, amp).await;
    let sms = policy.body["authenticationMethodConfigurations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["id"] == "Sms")
        .unwrap();
    assert_eq!(sms["state"], "disabled");
    // Two PATCHes each naming one property of a complex value: both stick.
    let authz = "beta/policies/authorizationPolicy/authorizationPolicy";
    for (k, v) in [
        ("allowedToCreateApps", false),
        ("allowedToCreateSecurityGroups", false),
    ] {
        let body = json!({"defaultUserRolePermissions": {k: v}});
        let r = c
            .send(&sim, Method::PATCH, &tok, authz, Some(&body), &[])
            .await;
        assert_eq!(r.status, 204);
    }
    let p = c.get(&sim, &tok, authz).await;
    let p = if p.body["value"].is_array() {
        p.items()[0].clone()
    } else {
        p.body
    };
    let perms = &p["defaultUserRolePermissions"];
    assert_eq!(
        (
            perms["allowedToCreateApps"].clone(),
            perms["allowedToCreateSecurityGroups"].clone()
        ),
        (json!(false), json!(false)),
        "{perms}"
    );
    let ca = c
        .get(&sim, &tok, "v1.0/identity/conditionalAccess/policies")
        .await;
    assert!(ca
        .items()
        .iter()
        .any(|p| p["state"] == "enabledForReportingButNotEnforced"));
    let users = c.get(&sim, &tok, "v1.0/users?$top=1").await;
    let id = users.items()[0]["id"].as_str().unwrap();
    let name = c
        .get(&sim, &tok, &format!("v1.0/users/{id}/displayName"))
        .await;
    assert_eq!(name.body["value"], users.items()[0]["displayName"]);
    let keyed = c.get(&sim, &tok, &format!("v1.0/users('{id}')")).await;
    assert_eq!(keyed.body["id"], id);
    let bad = c.get(&sim, &tok, "v1.0/nonsense").await;
    assert_eq!((bad.status, bad.code()), (400, "BadRequest"));
    assert_eq!(
        bad.message(),
        "Resource not found for the segment 'nonsense'."
    );
    let bad_version = c.get(&sim, &tok, "v2.0/users").await;
    assert_eq!(bad_version.status, 400);
}

#[tokio::test]
async fn references_add_and_remove_members() {
    let sim = Sim::start().await.unwrap();
    let c = client();
    let tok = c.token(&sim, ALPHA).await;
    let group = c
        .send(
            &sim,
            Method::POST,
            &tok,
            "v1.0/groups",
            Some(&json!({"displayName": "Refs", "securityEnabled": true})),
            &[],
        )
        .await;
    let gid = group.body["id"].as_str().unwrap().to_string();
    let users = c.get(&sim, &tok, "v1.0/users?$top=2").await;
    let uid = users.items()[0]["id"].as_str().unwrap().to_string();
    let reference =
        json!({"@odata.id": format!("https://graph.microsoft.com/v1.0/directoryObjects/{uid}")});
    let path = format!("v1.0/groups/{gid}/members/$ref");
    let add = c
        .send(&sim, Method::POST, &tok, &path, Some(&reference), &[])
        .await;
    assert_eq!(add.status, 204, "{:?}", add.body);
    let dup = c
        .send(&sim, Method::POST, &tok, &path, Some(&reference), &[])
        .await;
    assert_eq!(dup.status, 400);
    assert!(dup.message().contains("already exist"), "{}", dup.message());
    let members = c
        .get(&sim, &tok, &format!("v1.0/groups/{gid}/members"))
        .await;
    assert_eq!(members.items().len(), 1);
    let refs = c.get(&sim, &tok, &path).await;
    assert!(refs.items()[0]["@odata.id"]
        .as_str()
        .unwrap()
        .ends_with(&uid));
    let del = c
        .send(
            &sim,
            Method::DELETE,
            &tok,
            &format!("v1.0/groups/{gid}/members/{uid}/$ref"),
            None,
            &[],
        )
        .await;
    assert_eq!(del.status, 204);
    let members = c
        .get(&sim, &tok, &format!("v1.0/groups/{gid}/members"))
        .await;
    assert!(members.items().is_empty());
}

#[tokio::test]
async fn malformed_writes_are_400_not_panics() {
    let sim = Sim::start().await.unwrap();
    let c = client();
    let tok = c.token(&sim, ALPHA).await;
    let r = c
        .http
        .post(format!("{}/v1.0/users", sim.graph_url()))
        .bearer_auth(&tok)
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 400);
    let not_object = c
        .send(
            &sim,
            Method::POST,
            &tok,
            "v1.0/users",
            Some(&json!([1, 2])),
            &[],
        )
        .await;
    assert_eq!(not_object.status, 400);
    let on_entity = c
        .send(
            &sim,
            Method::PATCH,
            &tok,
            "v1.0/users",
            Some(&json!({})),
            &[],
        )
        .await;
    assert_eq!(on_entity.status, 405);
    let delete_singleton = c
        .send(
            &sim,
            Method::DELETE,
            &tok,
            "v1.0/policies/authenticationMethodsPolicy",
            None,
            &[],
        )
        .await;
    assert_eq!(delete_singleton.status, 405);
}
