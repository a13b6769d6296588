//! `$batch`: Graph's rules, dependsOn, per-item faults, counting.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::{Duration, Instant};

use cipp_sim::{FaultRule, FaultScope, Sim};
use common::*;
use serde_json::{json, Value};

fn by_id<'a>(a: &'a Answer, id: &str) -> &'a Value {
    a.body["responses"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == id)
        .unwrap_or_else(|| panic!("no response {id} in {:?}", a.body))
}

#[tokio::test]
async fn batches_that_break_graph_rules_are_refused_whole() {
    let sim = Sim::start().await.unwrap();
    let c = client();
    let tok = c.token(&sim, ALPHA).await;
    let many: Vec<Value> = (0..21)
        .map(|i| json!({"id": i.to_string(), "method": "GET", "url": "/organization"}))
        .collect();
    let a = c.batch(&sim, &tok, &json!({"requests": many})).await;
    assert_eq!(a.status, 400);
    assert!(
        a.message().contains("exceeded limit of 20"),
        "{}",
        a.message()
    );
    let twenty: Vec<Value> = (0..20)
        .map(|i| json!({"id": i.to_string(), "method": "GET", "url": "organization"}))
        .collect();
    assert_eq!(
        c.batch(&sim, &tok, &json!({"requests": twenty}))
            .await
            .status,
        200
    );
    for (body, needle) in [
        (
            json!({"requests": [{"id": "a", "method": "GET", "url": "/users"}, {"id": "a", "method": "GET", "url": "/groups"}]}),
            "unique",
        ),
        (
            json!({"requests": [{"id": "a", "method": "GET", "url": "https://graph.microsoft.com/v1.0/users"}]}),
            "absolute",
        ),
        (
            json!({"requests": [{"id": "a", "url": "/users"}]}),
            "method",
        ),
        (json!({"requests": [{"id": "a", "method": "GET"}]}), "url"),
        (
            json!({"requests": [{"method": "GET", "url": "/users"}]}),
            "id",
        ),
        (
            json!({"requests": [{"id": "a", "method": "GET", "url": "/users", "dependsOn": ["zz"]}]}),
            "zz",
        ),
        (
            json!({"requests": [{"id": "a", "method": "GET", "url": "/users", "dependsOn": ["b"]}, {"id": "b", "method": "GET", "url": "/users", "dependsOn": ["a"]}]}),
            "cycle",
        ),
        (json!({"nope": []}), "requests"),
    ] {
        let a = c.batch(&sim, &tok, &body).await;
        assert_eq!(a.status, 400, "{body}");
        assert!(a.message().contains(needle), "{body}: {}", a.message());
    }
    assert_eq!(sim.stats().batch_items, 20, "refused batches ran nothing");
}

#[tokio::test]
async fn items_run_like_direct_requests() {
    let sim = Sim::start().await.unwrap();
    let c = client();
    let tok = c.token(&sim, ALPHA).await;
    let a = c
        .batch(&sim, &tok, &json!({"requests": [
            {"id": "org", "method": "GET", "url": "/organization?$select=displayName"},
            {"id": "top", "method": "GET", "url": "users?$top=2&$select=id"},
            {"id": "count", "method": "GET", "url": "/users/$count", "headers": {"ConsistencyLevel": "eventual"}},
            {"id": "nocl", "method": "GET", "url": "/users?$count=true"},
            {"id": "missing", "method": "GET", "url": "/users/00000000-0000-0000-0000-000000000000"},
            {"id": "create", "method": "POST", "url": "/groups", "headers": {"Content-Type": "application/json"}, "body": {"displayName": "From batch"}},
            {"id": "nested", "method": "POST", "url": "/$batch", "body": {"requests": []}}
        ]}))
        .await;
    assert_eq!(a.status, 200);
    assert_eq!(a.body["responses"].as_array().unwrap().len(), 7);
    let org = by_id(&a, "org");
    assert_eq!(org["status"], 200);
    assert_eq!(org["body"]["value"][0]["displayName"], "Alpha Dental");
    assert!(org["headers"]["Content-Type"]
        .as_str()
        .unwrap()
        .starts_with("application/json"));
    let top = by_id(&a, "top");
    assert_eq!(top["body"]["value"].as_array().unwrap().len(), 2);
    let next = top["body"]["@odata.nextLink"].as_str().unwrap();
    assert!(
        next.starts_with(&format!("{}/v1.0/users?", sim.graph_url())),
        "{next}"
    );
    // A text/plain body comes back as a JSON string.
    let count: u64 = by_id(&a, "count")["body"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(count > 10);
    assert_eq!(by_id(&a, "nocl")["status"], 400);
    let missing = by_id(&a, "missing");
    assert_eq!(missing["status"], 404);
    assert_eq!(missing["body"]["error"]["code"], "Request_ResourceNotFound");
    assert!(missing["body"]["error"]["innerError"]["request-id"].is_string());
    let create = by_id(&a, "create");
    assert_eq!(create["status"], 201);
    let gid = create["body"]["id"].as_str().unwrap();
    assert!(create["headers"]["Location"]
        .as_str()
        .unwrap()
        .ends_with(gid));
    assert_eq!(by_id(&a, "nested")["status"], 400);
    assert_eq!(
        c.get(&sim, &tok, &format!("beta/groups/{gid}"))
            .await
            .status,
        200
    );
    // Deletes answer 204 with a null body.
    let d = c
        .batch(&sim, &tok, &json!({"requests": [{"id": "d", "method": "DELETE", "url": format!("/groups/{gid}")}]}))
        .await;
    let d = by_id(&d, "d");
    assert_eq!(
        (d["status"].as_u64(), &d["body"]),
        (Some(204), &Value::Null)
    );
}

#[tokio::test]
async fn depends_on_orders_items_and_fails_dependents() {
    let sim = Sim::start().await.unwrap();
    let c = client();
    let tok = c.token(&sim, ALPHA).await;
    let a = c
        .batch(&sim, &tok, &json!({"requests": [
            {"id": "after", "method": "GET", "url": "/groups?$filter=displayName eq 'Made first'", "dependsOn": ["make"]},
            {"id": "make", "method": "POST", "url": "/groups", "body": {"displayName": "Made first"}},
            {"id": "bad", "method": "GET", "url": "/users/nobody"},
            {"id": "dependent", "method": "GET", "url": "/organization", "dependsOn": ["bad"]},
            {"id": "chained", "method": "GET", "url": "/organization", "dependsOn": ["dependent"]}
        ]}))
        .await;
    assert_eq!(a.status, 200);
    assert_eq!(
        by_id(&a, "after")["body"]["value"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    assert_eq!(by_id(&a, "bad")["status"], 404);
    assert_eq!(by_id(&a, "dependent")["status"], 424);
    assert_eq!(
        by_id(&a, "dependent")["body"]["error"]["code"],
        "FailedDependency"
    );
    assert_eq!(by_id(&a, "chained")["status"], 424);
    let order: Vec<&str> = a.body["responses"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    let pos = |id: &str| order.iter().position(|x| *x == id).unwrap();
    assert!(pos("make") < pos("after"));
}

#[tokio::test]
async fn item_faults_carry_retry_after_and_are_not_applied() {
    let sim = Sim::start().await.unwrap();
    let c = client();
    let tok = c.token(&sim, ALPHA).await;
    sim.faults().add_rule(
        FaultRule::throttle("/graph/v1.0/groups", 7, 1)
            .with_method("POST")
            .with_scope(FaultScope::BatchItem),
    );
    let body = json!({"requests": [
        {"id": "w", "method": "POST", "url": "/groups", "body": {"displayName": "Throttled write"}},
        {"id": "r", "method": "GET", "url": "/domains"}
    ]});
    let a = c.batch(&sim, &tok, &body).await;
    assert_eq!(a.status, 200);
    let w = by_id(&a, "w");
    assert_eq!(w["status"], 429);
    assert_eq!(w["headers"]["Retry-After"], "7");
    assert_eq!(w["body"]["error"]["code"], "TooManyRequests");
    assert_eq!(by_id(&a, "r")["status"], 200);
    let made = c
        .get(
            &sim,
            &tok,
            "v1.0/groups?$filter=displayName eq 'Throttled write'",
        )
        .await;
    assert!(made.items().is_empty(), "a faulted write is not applied");
    let a = c.batch(&sim, &tok, &body).await;
    assert_eq!(by_id(&a, "w")["status"], 201, "the rule fired once");
    // Request-scoped rules never touch items; item rules never touch direct requests.
    sim.faults().add_rule(
        FaultRule::outage(503)
            .with_path("/domains")
            .with_scope(FaultScope::Request),
    );
    let a = c
        .batch(
            &sim,
            &tok,
            &json!({"requests": [{"id": "r", "method": "GET", "url": "/domains"}]}),
        )
        .await;
    assert_eq!(by_id(&a, "r")["status"], 200);
    assert_eq!(c.get(&sim, &tok, "v1.0/domains").await.status, 503);
}

#[tokio::test]
async fn batches_are_logged_once_with_their_items() {
    let sim = Sim::start().await.unwrap();
    let c = client();
    let tok = c.token(&sim, BRAVO).await;
    sim.clear_requests();
    sim.faults().set_latency(Duration::from_millis(150));
    let started = Instant::now();
    let a = c
        .batch(&sim, &tok, &json!({"requests": (0..10).map(|i| json!({"id": format!("i{i}"), "method": "GET", "url": format!("/users?$top={}", i + 1)})).collect::<Vec<_>>()}))
        .await;
    let took = started.elapsed();
    assert_eq!(a.status, 200);
    assert!(took >= Duration::from_millis(150), "{took:?}");
    assert!(
        took < Duration::from_millis(1_000),
        "latency counted once, not per item: {took:?}"
    );
    let s = sim.stats();
    assert_eq!(
        (
            s.http_requests,
            s.batch_requests,
            s.batch_items,
            s.graph_requests
        ),
        (1, 1, 10, 0)
    );
    let records = sim.requests();
    let batch = records.iter().find(|r| r.kind == "batch").unwrap();
    assert_eq!(batch.batch_size, Some(10));
    assert_eq!(batch.path, "/graph/v1.0/$batch");
    let items: Vec<_> = records.iter().filter(|r| r.kind == "batch_item").collect();
    assert_eq!(items.len(), 10);
    let bravo = tenant_id(&sim, BRAVO);
    for r in &items {
        assert_eq!(r.path, "/graph/v1.0/users");
        assert!(r.query.starts_with("$top="));
        assert_eq!(r.tenant.as_deref(), Some(bravo.as_str()));
        assert_eq!(r.token_aud.as_deref(), Some("https://graph.microsoft.com"));
    }
}
