//! The request log, counters and the rest of the control API.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use cipp_sim::{RequestRecord, Sim, SimCredentials, SimStats, SimTenant};
use common::*;
use reqwest::Method;
use serde_json::json;

#[tokio::test]
async fn every_request_is_logged_with_its_tenant_and_token() {
    let sim = Sim::start().await.unwrap();
    let c = client();
    let alpha = tenant_id(&sim, ALPHA);
    reqwest::get(format!(
        "{}/{ALPHA}/v2.0/.well-known/openid-configuration",
        sim.login_url()
    ))
    .await
    .unwrap();
    let tok = c.token(&sim, ALPHA).await;
    c.get(&sim, &tok, "v1.0/users?$top=3&$select=id").await;
    c.get(&sim, &tok, "v1.0/users/nobody").await;
    c.batch(
        &sim,
        &tok,
        &json!({"requests": [{"id": "1", "method": "GET", "url": "/domains"}]}),
    )
    .await;
    c.control(&sim, Method::GET, "stats", None).await;
    let log = sim.requests();
    let kinds: Vec<&str> = log.iter().map(|r| r.kind.as_str()).collect();
    assert_eq!(
        kinds,
        vec!["openid", "login", "graph", "graph", "batch_item", "batch"],
        "control calls are not logged"
    );
    assert!(log.windows(2).all(|w| w[0].seq < w[1].seq));
    let openid = &log[0];
    assert_eq!((openid.method.as_str(), openid.status), ("GET", 200));
    assert_eq!(openid.tenant.as_deref(), Some(alpha.as_str()));
    let login = &log[1];
    assert_eq!(login.path, format!("/login/{ALPHA}/oauth2/v2.0/token"));
    assert_eq!(login.tenant.as_deref(), Some(alpha.as_str()));
    let graph = &log[2];
    assert_eq!(graph.path, "/graph/v1.0/users");
    assert_eq!(graph.query, "$top=3&$select=id");
    assert_eq!(graph.token_tid.as_deref(), Some(alpha.as_str()));
    assert_eq!(
        graph.token_aud.as_deref(),
        Some("https://graph.microsoft.com")
    );
    assert_eq!(log[3].status, 404);
    assert_eq!(log[5].batch_size, Some(1));
    let stats = sim.stats();
    assert_eq!(
        stats,
        SimStats {
            http_requests: 5,
            token_requests: 1,
            graph_requests: 2,
            batch_requests: 1,
            batch_items: 1,
            by_status: [("200".to_string(), 4), ("404".to_string(), 1)]
                .into_iter()
                .collect(),
        }
    );
    // The same over HTTP.
    let http_stats = c.control(&sim, Method::GET, "stats", None).await;
    assert_eq!(
        serde_json::from_value::<SimStats>(http_stats.body).unwrap(),
        stats
    );
    let records = c.control(&sim, Method::GET, "requests", None).await;
    let records: Vec<RequestRecord> = serde_json::from_value(records.body).unwrap();
    assert_eq!(records, log);
    let graph_only = c
        .control(&sim, Method::GET, "requests?kind=graph&limit=1", None)
        .await;
    assert_eq!(graph_only.body.as_array().unwrap().len(), 1);
    assert_eq!(graph_only.body[0]["path"], "/graph/v1.0/users");
    let since = c
        .control(
            &sim,
            Method::GET,
            &format!("requests?since={}", log[4].seq),
            None,
        )
        .await;
    assert_eq!(since.body.as_array().unwrap().len(), 1);
    assert_eq!(
        c.control(&sim, Method::DELETE, "requests", None)
            .await
            .status,
        204
    );
    assert!(sim.requests().is_empty());
    assert_eq!(sim.stats(), SimStats::default());
    c.get(&sim, &tok, "v1.0/domains").await;
    assert_eq!(
        sim.requests()[0].seq,
        log[5].seq + 1,
        "sequence numbers keep growing"
    );
    sim.clear_requests();
    assert_eq!(sim.stats().http_requests, 0);
}

#[tokio::test]
async fn the_control_api_describes_the_simulator() {
    let sim = Sim::start().await.unwrap();
    let c = client();
    let index = c.control(&sim, Method::GET, "", None).await;
    assert_eq!(index.status, 200);
    assert!(index
        .body
        .as_array()
        .unwrap()
        .iter()
        .any(|e| e["path"] == "/_sim/faults/{id}"));
    let root = reqwest::get(format!("{}/_sim", sim.base_url()))
        .await
        .unwrap();
    assert_eq!(root.status().as_u16(), 200);
    assert_eq!(
        c.control(&sim, Method::GET, "nothing", None).await.status,
        404
    );
    assert_eq!(
        c.control(&sim, Method::PATCH, "stats", None).await.status,
        405
    );
    let creds: SimCredentials =
        serde_json::from_value(c.control(&sim, Method::GET, "credentials", None).await.body)
            .unwrap();
    assert_eq!(creds, sim.credentials());
    let tenants: Vec<SimTenant> =
        serde_json::from_value(c.control(&sim, Method::GET, "tenants", None).await.body).unwrap();
    assert_eq!(tenants, sim.tenants());
    let names: Vec<&str> = tenants.iter().map(|t| t.display_name.as_str()).collect();
    assert_eq!(
        names,
        vec!["Alpha Dental", "Bravo Logistics", "Charlie Legal"]
    );
    let charlie = &tenants[2];
    assert_eq!(charlie.default_domain, "charlie.onmicrosoft.com");
    assert_eq!(charlie.initial_domain, "charlie.onmicrosoft.com");
    assert_eq!(tenants[0].default_domain, "alphadental.com");
    assert_eq!(tenants[0].initial_domain, "alpha.onmicrosoft.com");
    let partner: SimTenant =
        serde_json::from_value(c.control(&sim, Method::GET, "partner", None).await.body).unwrap();
    assert_eq!(partner, sim.partner());
    assert_eq!(partner.display_name, "Northwind MSP");
    assert_eq!(partner.default_domain, "northwindmsp.com");
    assert_eq!(partner.initial_domain, "northwindmsp.onmicrosoft.com");
    assert_eq!(partner.id, creds.partner_tenant_id);
    // Nothing else is served.
    let r = reqwest::get(format!("{}/elsewhere", sim.base_url()))
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 404);
}

#[tokio::test]
async fn users_are_generated_through_the_handle_and_over_http() {
    let sim = Sim::start().await.unwrap();
    let c = client();
    let tok = c.token(&sim, CHARLIE).await;
    let count = || async {
        c.get_eventual(&sim, &tok, "v1.0/users/$count")
            .await
            .body
            .as_u64()
            .unwrap()
    };
    let before = count().await;
    sim.generate_users("charlie.onmicrosoft.com", 250).unwrap();
    assert_eq!(count().await, before + 250);
    let r = c
        .control(
            &sim,
            Method::POST,
            "users/generate",
            Some(&json!({"tenant": tenant_id(&sim, CHARLIE), "count": 50})),
        )
        .await;
    assert_eq!(r.status, 204);
    assert_eq!(count().await, before + 300);
    let users = c
        .get(
            &sim,
            &tok,
            "v1.0/users?$filter=startswith(userPrincipalName,'ada.')&$top=999",
        )
        .await;
    assert!(users.items().iter().all(|u| u["userPrincipalName"]
        .as_str()
        .unwrap()
        .ends_with("@charlie.onmicrosoft.com")));
    assert!(sim.generate_users("nowhere.example", 1).is_err());
    let r = c
        .control(
            &sim,
            Method::POST,
            "users/generate",
            Some(&json!({"tenant": "nowhere.example", "count": 1})),
        )
        .await;
    assert_eq!(r.status, 404);
    let r = c
        .control(
            &sim,
            Method::POST,
            "users/generate",
            Some(&json!({"count": 1})),
        )
        .await;
    assert_eq!(r.status, 400);
}
