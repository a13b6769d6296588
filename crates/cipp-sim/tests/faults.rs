//! Fault rules, latency and token expiry, through the Rust handle and the control API.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::{Duration, Instant};

use cipp_sim::{FaultRule, FaultScope, Sim};
use common::*;
use reqwest::Method;
use serde_json::json;

#[tokio::test]
async fn rules_fire_the_given_number_of_times() {
    let sim = Sim::start().await.unwrap();
    let c = client();
    let tok = c.token(&sim, ALPHA).await;
    let id = sim
        .faults()
        .add_rule(FaultRule::throttle("/graph/v1.0/users", 2, 3));
    for _ in 0..3 {
        let a = c.get(&sim, &tok, "v1.0/users").await;
        assert_eq!(a.status, 429);
        assert_eq!(a.header("retry-after"), Some("2"));
        assert_eq!(a.code(), "TooManyRequests");
        assert!(a.body["error"]["innerError"]["request-id"].is_string());
    }
    assert_eq!(c.get(&sim, &tok, "v1.0/users").await.status, 200);
    assert_eq!(
        c.get(&sim, &tok, "beta/users").await.status,
        200,
        "path must match"
    );
    let rules = sim.faults().rules();
    assert_eq!(
        rules,
        vec![(
            id,
            FaultRule {
                times: Some(0),
                ..FaultRule::throttle("/graph/v1.0/users", 2, 3)
            }
        )]
    );
    assert_eq!(sim.requests().iter().filter(|r| r.status == 429).count(), 3);
}

#[tokio::test]
async fn rules_narrow_by_tenant_and_method_and_writes_are_not_applied() {
    let sim = Sim::start().await.unwrap();
    let c = client();
    let alpha = c.token(&sim, ALPHA).await;
    let bravo = c.token(&sim, BRAVO).await;
    sim.faults().add_rule(
        FaultRule::outage(503)
            .with_tenant("alphadental.com")
            .with_method("post")
            .with_path("/groups"),
    );
    let group = json!({"displayName": "Retry me"});
    let a = c
        .send(&sim, Method::POST, &alpha, "v1.0/groups", Some(&group), &[])
        .await;
    assert_eq!((a.status, a.code()), (503, "ServiceUnavailable"));
    assert_eq!(
        c.get(&sim, &alpha, "v1.0/groups").await.status,
        200,
        "GET is not faulted"
    );
    let b = c
        .send(&sim, Method::POST, &bravo, "v1.0/groups", Some(&group), &[])
        .await;
    assert_eq!(b.status, 201, "other tenant");
    let listed = c
        .get(
            &sim,
            &alpha,
            "v1.0/groups?$filter=displayName eq 'Retry me'",
        )
        .await;
    assert!(
        listed.items().is_empty(),
        "the faulted write was not applied"
    );
    sim.faults().clear();
    let a = c
        .send(&sim, Method::POST, &alpha, "v1.0/groups", Some(&group), &[])
        .await;
    assert_eq!(a.status, 201);
    for (status, code) in [(504, "GatewayTimeout"), (500, "InternalServerError")] {
        let id = sim
            .faults()
            .add_rule(FaultRule::outage(status).with_path("/organization"));
        let a = c.get(&sim, &alpha, "v1.0/organization").await;
        assert_eq!((a.status, a.code()), (status, code));
        assert!(sim.faults().remove_rule(id));
    }
    assert!(!sim.faults().remove_rule(999));
    assert_eq!(c.get(&sim, &alpha, "v1.0/organization").await.status, 200);
}

#[tokio::test]
async fn request_scoped_rules_hit_the_batch_envelope() {
    let sim = Sim::start().await.unwrap();
    let c = client();
    let tok = c.token(&sim, ALPHA).await;
    sim.faults()
        .add_rule(FaultRule::throttle("$batch", 1, 1).with_scope(FaultScope::Request));
    let body = json!({"requests": [{"id": "1", "method": "GET", "url": "/organization"}]});
    let a = c.batch(&sim, &tok, &body).await;
    assert_eq!(a.status, 429);
    assert_eq!(sim.stats().batch_items, 0);
    assert_eq!(c.batch(&sim, &tok, &body).await.status, 200);
}

#[tokio::test]
async fn latency_is_added_and_removed_at_run_time() {
    let sim = Sim::builder()
        .latency(Duration::from_millis(80))
        .start()
        .await
        .unwrap();
    let c = client();
    let t = Instant::now();
    let tok = c.token(&sim, ALPHA).await;
    assert!(t.elapsed() >= Duration::from_millis(80), "login too");
    sim.faults().set_latency(Duration::ZERO);
    let t = Instant::now();
    c.get(&sim, &tok, "v1.0/organization").await;
    assert!(t.elapsed() < Duration::from_millis(80));
    let r = c
        .control(&sim, Method::PUT, "latency", Some(&json!({"ms": 60})))
        .await;
    assert_eq!(r.status, 204);
    assert_eq!(
        c.control(&sim, Method::GET, "latency", None).await.body["ms"],
        60
    );
    let t = Instant::now();
    c.get(&sim, &tok, "v1.0/organization").await;
    assert!(t.elapsed() >= Duration::from_millis(60));
    // The control API itself never waits.
    let t = Instant::now();
    c.control(&sim, Method::GET, "stats", None).await;
    assert!(t.elapsed() < Duration::from_millis(60));
    assert_eq!(sim.faults().latency(), Duration::from_millis(60));
}

#[tokio::test]
async fn faults_over_http() {
    let sim = Sim::start().await.unwrap();
    let c = client();
    let tok = c.token(&sim, ALPHA).await;
    let added = c
        .control(&sim, Method::POST, "faults", Some(&json!({"path_contains": "/domains", "status": 429, "retry_after": 3, "times": 1, "scope": "request"})))
        .await;
    assert_eq!(added.status, 201);
    let id = added.body["id"].as_u64().unwrap();
    let listed = c.control(&sim, Method::GET, "faults", None).await;
    assert_eq!(listed.body[0]["id"], id);
    assert_eq!(listed.body[0]["scope"], "request");
    let a = c.get(&sim, &tok, "v1.0/domains").await;
    assert_eq!((a.status, a.header("retry-after")), (429, Some("3")));
    assert_eq!(
        c.control(&sim, Method::DELETE, &format!("faults/{id}"), None)
            .await
            .status,
        204
    );
    assert_eq!(
        c.control(&sim, Method::DELETE, &format!("faults/{id}"), None)
            .await
            .status,
        404
    );
    for bad in [
        json!({"status": "nope"}),
        json!({"path_contains": "/x"}),
        json!({"status": 200}),
    ] {
        let r = c.control(&sim, Method::POST, "faults", Some(&bad)).await;
        assert_eq!(r.status, 400, "{bad}");
    }
    c.control(&sim, Method::POST, "faults", Some(&json!({"status": 503})))
        .await;
    assert_eq!(c.get(&sim, &tok, "v1.0/domains").await.status, 503);
    assert_eq!(
        c.control(&sim, Method::DELETE, "faults", None).await.status,
        204
    );
    assert_eq!(c.get(&sim, &tok, "v1.0/domains").await.status, 200);
    assert_eq!(
        c.control(&sim, Method::POST, "expire-tokens", None)
            .await
            .status,
        204
    );
    assert_eq!(c.get(&sim, &tok, "v1.0/domains").await.status, 401);
    let creds = sim.credentials();
    let r = c
        .control(
            &sim,
            Method::POST,
            "revoke-refresh-token",
            Some(&json!({"refresh_token": creds.refresh_token})),
        )
        .await;
    assert_eq!(r.status, 204);
    assert_eq!(c.delegated(&sim, ALPHA, GRAPH_SCOPE).await.aadsts(), 700082);
}
