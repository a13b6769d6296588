//! The simulator's own rules, over HTTP with a plain client.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::net::SocketAddr;

use cipp_sim::{FaultRule, FaultScope, Sim, SimError};
use serde_json::{json, Value};

/// Post a token request with the seeded app; `grant` is `refresh_token` or `client_credentials`.
async fn token_response(sim: &Sim, tenant: &str, grant: &str, scope: &str) -> Value {
    let c = sim.credentials();
    let mut form = vec![
        ("client_id", c.application_id.as_str()),
        ("client_secret", c.application_secret.as_str()),
        ("grant_type", grant),
        ("scope", scope),
    ];
    if grant == "refresh_token" {
        form.push(("refresh_token", c.refresh_token.as_str()));
    }
    reqwest::Client::new()
        .post(format!("{}/{tenant}/oauth2/v2.0/token", sim.login_url()))
        .form(&form)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

const GRAPH: &str = "https://graph.microsoft.com/.default";

async fn token(sim: &Sim, tenant: &str) -> String {
    let resp = token_response(sim, tenant, "refresh_token", GRAPH).await;
    resp["access_token"].as_str().unwrap().to_string()
}

async fn batch(sim: &Sim, tok: &str, body: Value) -> (u16, Value) {
    let r = reqwest::Client::new()
        .post(format!("{}/v1.0/$batch", sim.graph_url()))
        .bearer_auth(tok)
        .json(&body)
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.json().await.unwrap())
}

#[tokio::test]
async fn a_plus_sent_unencoded_is_a_wrong_secret() {
    let sim = Sim::start().await.unwrap();
    let c = sim.credentials();
    assert!(c.application_secret.contains('+'));
    // Hand-built form that forgets to encode '+': the server reads a space.
    let body = format!(
        "client_id={}&client_secret={}&grant_type=client_credentials&scope=https%3A%2F%2Fgraph.microsoft.com%2F.default",
        c.application_id, c.application_secret
    );
    let r = reqwest::Client::new()
        .post(format!(
            "{}/{}/oauth2/v2.0/token",
            sim.login_url(),
            c.partner_tenant_id
        ))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 401);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["error_codes"][0], 7000215);
    assert!(v["error_description"]
        .as_str()
        .unwrap()
        .starts_with("AADSTS7000215:"));
}

#[tokio::test]
async fn openid_metadata_names_the_tenant_guid() {
    let sim = Sim::start().await.unwrap();
    let alpha = &sim.tenants()[0];
    let v: Value = reqwest::get(format!(
        "{}/{}/v2.0/.well-known/openid-configuration",
        sim.login_url(),
        alpha.default_domain
    ))
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    assert_eq!(
        v["issuer"],
        format!("https://login.microsoftonline.com/{}/v2.0", alpha.id)
    );
    let r = reqwest::get(format!(
        "{}/nowhere.example/v2.0/.well-known/openid-configuration",
        sim.login_url()
    ))
    .await
    .unwrap();
    assert_eq!(r.status().as_u16(), 400);
}

#[tokio::test]
async fn batch_rules_match_graph() {
    let sim = Sim::start().await.unwrap();
    let tok = token(&sim, "alpha.onmicrosoft.com").await;
    let many: Vec<Value> = (0..21)
        .map(|i| json!({"id": i.to_string(), "method": "GET", "url": "/organization"}))
        .collect();
    assert_eq!(batch(&sim, &tok, json!({"requests": many})).await.0, 400);
    let dup = json!({"requests": [{"id": "a", "method": "GET", "url": "/users"}, {"id": "a", "method": "GET", "url": "/groups"}]});
    assert_eq!(batch(&sim, &tok, dup).await.0, 400);
    let abs = json!({"requests": [{"id": "a", "method": "GET", "url": "https://graph.microsoft.com/v1.0/users"}]});
    assert_eq!(batch(&sim, &tok, abs).await.0, 400);
    let dep = json!({"requests": [
        {"id": "b", "method": "GET", "url": "/organization", "dependsOn": ["a"]},
        {"id": "a", "method": "GET", "url": "/users/nobody"}
    ]});
    let (status, v) = batch(&sim, &tok, dep).await;
    assert_eq!(status, 200);
    let by_id = |id: &str| {
        v["responses"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["id"] == id)
            .unwrap()
            .clone()
    };
    assert_eq!(by_id("a")["status"], 404);
    assert_eq!(by_id("b")["status"], 424);
}

#[tokio::test]
async fn batch_item_faults_carry_retry_after_and_fire_n_times() {
    let sim = Sim::start().await.unwrap();
    let tok = token(&sim, "alpha.onmicrosoft.com").await;
    sim.faults().add_rule(FaultRule {
        path_contains: Some("/domains".into()),
        status: 429,
        retry_after: Some(7),
        times: Some(1),
        scope: FaultScope::BatchItem,
        ..Default::default()
    });
    let body = json!({"requests": [{"id": "d", "method": "GET", "url": "/domains"}]});
    let (_, v) = batch(&sim, &tok, body.clone()).await;
    assert_eq!(v["responses"][0]["status"], 429);
    assert_eq!(v["responses"][0]["headers"]["Retry-After"], "7");
    let (_, v) = batch(&sim, &tok, body).await;
    assert_eq!(v["responses"][0]["status"], 200);
    // Request-scoped GETs were never affected.
    let r = reqwest::Client::new()
        .get(format!("{}/v1.0/domains", sim.graph_url()))
        .bearer_auth(&tok)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
}

#[tokio::test]
async fn tokens_are_checked_for_audience_and_expiry() {
    let sim = Sim::start().await.unwrap();
    let exo = token_response(
        &sim,
        "alpha.onmicrosoft.com",
        "client_credentials",
        "https://outlook.office365.com/.default",
    )
    .await;
    let get = |tok: String| {
        let url = format!("{}/v1.0/organization", sim.graph_url());
        async move {
            reqwest::Client::new()
                .get(url)
                .bearer_auth(tok)
                .send()
                .await
                .unwrap()
        }
    };
    let r = get(exo["access_token"].as_str().unwrap().to_string()).await;
    assert_eq!(r.status().as_u16(), 401);
    let tok = token(&sim, "alpha.onmicrosoft.com").await;
    assert_eq!(get(tok.clone()).await.status().as_u16(), 200);
    sim.faults().expire_tokens();
    let r = get(tok).await;
    assert_eq!(r.status().as_u16(), 401);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["error"]["code"], "InvalidAuthenticationToken");
}

#[tokio::test]
async fn a_tenant_missing_from_the_seed_is_aadsts90002() {
    let seed = cipp_sim::Seed::demo();
    let mut json = serde_json::to_value(&seed).unwrap();
    json["customers"].as_array_mut().unwrap().truncate(1);
    let sim = Sim::builder()
        .seed_json(&json.to_string())
        .start()
        .await
        .unwrap();
    let v = token_response(&sim, "bravo.onmicrosoft.com", "refresh_token", GRAPH).await;
    assert_eq!(v["error_codes"][0], 90002);
}

#[tokio::test]
async fn revoked_refresh_tokens_get_700082() {
    let sim = Sim::start().await.unwrap();
    let c = sim.credentials();
    sim.faults().revoke_refresh_token(&c.refresh_token);
    let v = token_response(&sim, &c.partner_tenant_id, "refresh_token", GRAPH).await;
    assert_eq!(v["error"], "invalid_grant");
    assert_eq!(v["error_codes"][0], 700082);
}

#[tokio::test]
async fn control_api_drives_faults_latency_and_counters() {
    let sim = Sim::start().await.unwrap();
    let http = reqwest::Client::new();
    let base = sim.base_url();
    let r = http
        .post(format!("{base}/_sim/faults"))
        .json(&json!({"path_contains": "/users", "status": 503, "times": 1}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 201);
    let tok = token(&sim, "alpha.onmicrosoft.com").await;
    let r = http
        .get(format!("{}/v1.0/users", sim.graph_url()))
        .bearer_auth(&tok)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 503);
    let stats: Value = http
        .get(format!("{base}/_sim/stats"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(stats["token_requests"], 1);
    assert_eq!(stats["by_status"]["503"], 1);
    http.put(format!("{base}/_sim/latency"))
        .json(&json!({"ms": 30}))
        .send()
        .await
        .unwrap();
    let t = std::time::Instant::now();
    http.get(format!("{}/v1.0/organization", sim.graph_url()))
        .bearer_auth(&tok)
        .send()
        .await
        .unwrap();
    assert!(t.elapsed() >= std::time::Duration::from_millis(30));
    let r = http
        .post(format!("{base}/_sim/faults"))
        .json(&json!({"status": "nope"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 400);
    let creds: Value = http
        .get(format!("{base}/_sim/credentials"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(creds["application_id"], sim.credentials().application_id);
}

#[tokio::test]
async fn bad_queries_are_400_not_panics() {
    let sim = Sim::start().await.unwrap();
    let tok = token(&sim, "alpha.onmicrosoft.com").await;
    for q in [
        "$filter=displayName%20eq",
        "$filter=weird(x)",
        "$top=5000",
        "$top=abc",
        "$skiptoken=zz",
    ] {
        let r = reqwest::Client::new()
            .get(format!("{}/v1.0/users?{q}", sim.graph_url()))
            .bearer_auth(&tok)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 400, "{q}");
        let v: Value = r.json().await.unwrap();
        assert!(v["error"]["message"].is_string(), "{q}");
    }
}

#[tokio::test]
async fn only_loopback_addresses_are_served() {
    let addr: SocketAddr = "0.0.0.0:0".parse().unwrap();
    let err = Sim::builder().bind(addr).start().await.unwrap_err();
    assert!(matches!(err, SimError::Bind { .. }), "{err}");
    let err = Sim::builder().seed_json("{").start().await.unwrap_err();
    assert!(matches!(err, SimError::Seed(_)));
}
