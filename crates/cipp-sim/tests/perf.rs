//! Listing a large tenant stays cheap: pages are cut by offset and written straight from the
//! store. Debug builds list 10,000 users (correctness only); release builds list 100,000 and
//! check the time (`cargo test -p cipp-sim --release --test perf -- --nocapture`).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::HashSet;
use std::time::{Duration, Instant};

use cipp_sim::Sim;
use common::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_large_tenant_pages_quickly() {
    let users = if cfg!(debug_assertions) {
        20_000
    } else {
        100_000
    };
    let t = Instant::now();
    let sim = Sim::builder()
        .generated_users(ALPHA, users)
        .start()
        .await
        .unwrap();
    let generated = t.elapsed();
    let c = client();
    let tok = c.token(&sim, ALPHA).await;
    let t = Instant::now();
    let mut next = format!("{}/v1.0/users?$top=999", sim.graph_url());
    let mut ids = HashSet::new();
    let mut pages = 0;
    loop {
        let body = c
            .http
            .get(&next)
            .bearer_auth(&tok)
            .send()
            .await
            .unwrap()
            .bytes()
            .await
            .unwrap();
        pages += 1;
        let v: serde_json::Value = serde_json::from_slice(&body).unwrap();
        for u in v["value"].as_array().unwrap() {
            ids.insert(u["id"].as_str().unwrap().to_string());
        }
        match v["@odata.nextLink"].as_str() {
            Some(n) => next = n.to_string(),
            None => break,
        }
    }
    let listed = t.elapsed();
    println!("{users} users: generated in {generated:?}, listed in {pages} pages in {listed:?} (client parsing included)");
    assert!(ids.len() >= users);
    assert_eq!(pages, ids.len().div_ceil(999));
    if !cfg!(debug_assertions) {
        assert!(generated < Duration::from_secs(2), "{generated:?}");
        assert!(listed < Duration::from_secs(3), "{listed:?}");
    }
}
