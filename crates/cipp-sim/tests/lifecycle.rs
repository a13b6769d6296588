//! Starting, configuring and stopping simulators; seeds.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::net::SocketAddr;

use cipp_sim::{Seed, Sim, SimError};
use common::*;
use serde_json::json;

#[tokio::test]
async fn only_loopback_addresses_are_served() {
    for addr in ["0.0.0.0:0", "192.0.2.1:0", "[::]:0"] {
        let addr: SocketAddr = addr.parse().unwrap();
        let err = Sim::builder().bind(addr).start().await.unwrap_err();
        assert!(
            matches!(err, SimError::NotLoopback(a) if a == addr),
            "{err}"
        );
        assert!(err.to_string().contains("loopback"));
    }
    let sim = Sim::builder()
        .bind("127.0.0.2:0".parse().unwrap())
        .start()
        .await;
    // 127.0.0.0/8 is loopback; some sandboxes only configure 127.0.0.1.
    if let Ok(sim) = sim {
        assert!(sim.addr().ip().is_loopback());
    }
}

#[tokio::test]
async fn urls_and_addresses_agree() {
    let sim = Sim::start().await.unwrap();
    let base = sim.base_url();
    assert_eq!(base, format!("http://{}", sim.addr()));
    assert_eq!(sim.login_url(), format!("{base}/login"));
    assert_eq!(sim.graph_url(), format!("{base}/graph"));
    assert!(sim.addr().ip().is_loopback());
    assert_ne!(sim.addr().port(), 0);
    // A second simulator is independent: its own port, store and signing key.
    let other = Sim::start().await.unwrap();
    assert_ne!(other.addr(), sim.addr());
    let c = client();
    let tok = c.token(&sim, ALPHA).await;
    assert_eq!(c.get(&other, &tok, "v1.0/organization").await.status, 401);
}

#[tokio::test]
async fn shutdown_stops_serving() {
    let sim = Sim::start().await.unwrap();
    let url = format!("{}/_sim/stats", sim.base_url());
    assert!(reqwest::get(&url).await.is_ok());
    sim.shutdown().await;
    let fresh = reqwest::Client::builder()
        .pool_max_idle_per_host(0)
        .build()
        .unwrap();
    assert!(fresh.get(&url).send().await.is_err());
}

#[tokio::test]
async fn seeds_are_checked_and_replaceable() {
    let err = Sim::builder().seed_json("{").start().await.unwrap_err();
    assert!(matches!(err, SimError::Seed(_)), "{err}");
    let err = Sim::builder()
        .seed_file("/nonexistent/seed.json")
        .start()
        .await
        .unwrap_err();
    assert!(matches!(err, SimError::SeedFile { .. }), "{err}");
    let err = Sim::builder()
        .generated_users("nowhere.example", 5)
        .start()
        .await
        .unwrap_err();
    assert!(matches!(err, SimError::UnknownTenant(_)), "{err}");
    // A small seed of our own, without GDAP relationships: every customer is reachable.
    let seed = json!({
        "application": {"application_id": "11111111-2222-3333-4444-555555555555", "application_secret": "s+cret", "refresh_token": "rt+1"},
        "partner": {"id": "aaaaaaaa-0000-4000-8000-000000000001", "displayName": "Tiny MSP", "domains": ["tiny.onmicrosoft.com"],
                    "graph": {"organization": [{"id": "aaaaaaaa-0000-4000-8000-000000000001", "displayName": "Tiny MSP"}]}},
        "customers": [{"id": "aaaaaaaa-0000-4000-8000-000000000002", "displayName": "Solo", "domains": ["solo.example", "solo.onmicrosoft.com"],
                       "graph": {"users": [{"id": "u1", "displayName": "Only User"}]}}]
    });
    let dir = std::env::temp_dir().join(format!("cipp-sim-seed-{}.json", std::process::id()));
    std::fs::write(&dir, seed.to_string()).unwrap();
    let sim = Sim::builder().seed_file(&dir).start().await.unwrap();
    std::fs::remove_file(&dir).ok();
    assert_eq!(sim.partner().display_name, "Tiny MSP");
    assert_eq!(
        sim.credentials().partner_tenant_id,
        "aaaaaaaa-0000-4000-8000-000000000001"
    );
    let solo = &sim.tenants()[0];
    assert_eq!(
        (solo.default_domain.as_str(), solo.initial_domain.as_str()),
        ("solo.example", "solo.onmicrosoft.com")
    );
    let c = client();
    let tok = c.token(&sim, "solo.example").await;
    let users = c.get(&sim, &tok, "v1.0/users").await;
    assert_eq!(users.items()[0]["displayName"], "Only User");
    assert_eq!(
        c.delegated(&sim, "cipp.example", GRAPH_SCOPE)
            .await
            .aadsts(),
        90002
    );
    // Seeds round-trip through serde.
    let demo = Seed::demo();
    let again = Seed::from_json(&serde_json::to_string(&demo).unwrap()).unwrap();
    assert_eq!(again, demo);
    assert!(Sim::builder().seed(again).start().await.is_ok());
}

#[tokio::test]
async fn generated_users_are_deterministic() {
    let a = Sim::builder()
        .generated_users(BRAVO, 500)
        .start()
        .await
        .unwrap();
    let b = Sim::builder()
        .generated_users("bravologistics.com", 300)
        .generated_users(BRAVO, 200)
        .start()
        .await
        .unwrap();
    let c = client();
    let (ua, ub) = (list(&c, &a).await, list(&c, &b).await);
    assert_eq!(ua.len(), 518);
    assert_eq!(ua, ub);
    assert!(ua
        .iter()
        .any(|u| u["userPrincipalName"] == "ada.abbott.000000@bravologistics.com"));
}

async fn list(c: &Client, sim: &Sim) -> Vec<serde_json::Value> {
    let tok = c.token(sim, BRAVO).await;
    let first = c
        .get(
            sim,
            &tok,
            "v1.0/users?$top=999&$select=id,userPrincipalName,displayName",
        )
        .await;
    all_pages(c, &tok, first).await.0
}
