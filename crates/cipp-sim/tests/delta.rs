//! Delta queries over the change log.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::HashSet;

use cipp_sim::Sim;
use common::*;
use reqwest::Method;
use serde_json::{json, Value};

/// Follow a delta round to its deltaLink; returns the items and the deltaLink.
async fn round(c: &Client, tok: &str, url: &str, page_size: usize) -> (Vec<Value>, String) {
    let mut items = Vec::new();
    let mut next = url.to_string();
    loop {
        let r = c
            .http
            .get(&next)
            .bearer_auth(tok)
            .header("Prefer", format!("odata.maxpagesize={page_size}"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 200);
        let v: Value = r.json().await.unwrap();
        assert!(v["value"].as_array().unwrap().len() <= page_size);
        items.extend(v["value"].as_array().unwrap().iter().cloned());
        if let Some(n) = v["@odata.nextLink"].as_str() {
            assert!(v.get("@odata.deltaLink").is_none());
            next = n.to_string();
            continue;
        }
        return (items, v["@odata.deltaLink"].as_str().unwrap().to_string());
    }
}

#[tokio::test]
async fn delta_rounds_report_created_changed_and_deleted_items() {
    let sim = Sim::start().await.unwrap();
    let c = client();
    let tok = c.token(&sim, ALPHA).await;
    let start = format!("{}/beta/users/delta?$select=displayName", sim.graph_url());
    let (all, link) = round(&c, &tok, &start, 7).await;
    let total = c.get_eventual(&sim, &tok, "v1.0/users/$count").await.body;
    assert_eq!(Value::from(all.len()), total);
    let ids: HashSet<&str> = all.iter().map(|u| u["id"].as_str().unwrap()).collect();
    assert_eq!(ids.len(), all.len());
    assert!(all.iter().all(|u| u.get("mail").is_none()), "$select kept");
    assert!(
        link.starts_with(&format!("{}/beta/users/delta?", sim.graph_url())),
        "{link}"
    );
    assert!(link.contains("$deltatoken=") && link.contains("$select=displayName"));

    let (none, link) = round(&c, &tok, &link, 7).await;
    assert!(none.is_empty(), "nothing changed");

    let made = c
        .send(&sim, Method::POST, &tok, "v1.0/users", Some(&json!({"displayName": "Delta New", "userPrincipalName": "delta.new@alphadental.com"})), &[])
        .await;
    let new_id = made.body["id"].as_str().unwrap().to_string();
    let victim = all[3]["id"].as_str().unwrap().to_string();
    let changed = all[4]["id"].as_str().unwrap().to_string();
    c.send(
        &sim,
        Method::PATCH,
        &tok,
        &format!("v1.0/users/{changed}"),
        Some(&json!({"displayName": "Renamed"})),
        &[],
    )
    .await;
    c.send(
        &sim,
        Method::PATCH,
        &tok,
        &format!("v1.0/users/{new_id}"),
        Some(&json!({"jobTitle": "Twice"})),
        &[],
    )
    .await;
    c.send(
        &sim,
        Method::DELETE,
        &tok,
        &format!("v1.0/users/{victim}"),
        None,
        &[],
    )
    .await;
    // Other collections and tenants do not leak in.
    c.send(
        &sim,
        Method::POST,
        &tok,
        "v1.0/groups",
        Some(&json!({"displayName": "not a user"})),
        &[],
    )
    .await;
    let bravo = c.token(&sim, BRAVO).await;
    c.send(
        &sim,
        Method::POST,
        &bravo,
        "v1.0/users",
        Some(&json!({"displayName": "Bravo new"})),
        &[],
    )
    .await;

    let (changes, link) = round(&c, &tok, &link, 2).await;
    assert_eq!(changes.len(), 3, "{changes:?}");
    let find = |id: &str| changes.iter().find(|u| u["id"] == id).unwrap();
    assert_eq!(find(&new_id)["displayName"], "Delta New");
    assert_eq!(find(&changed)["displayName"], "Renamed");
    assert_eq!(find(&victim)["@removed"], json!({"reason": "changed"}));
    let (none, _) = round(&c, &tok, &link, 2).await;
    assert!(none.is_empty());
}

#[tokio::test]
async fn latest_tokens_bad_tokens_and_nested_changes() {
    let sim = Sim::start().await.unwrap();
    let c = client();
    let tok = c.token(&sim, ALPHA).await;
    let latest = c
        .get(&sim, &tok, "beta/groups/delta?$deltaToken=latest")
        .await;
    assert_eq!(latest.status, 200);
    assert!(latest.items().is_empty());
    let link = latest.body["@odata.deltaLink"]
        .as_str()
        .unwrap()
        .to_string();
    let groups = c.get(&sim, &tok, "v1.0/groups").await;
    let gid = groups.items()[0]["id"].as_str().unwrap().to_string();
    let users = c.get(&sim, &tok, "v1.0/users?$top=30").await;
    let outsider = users.items().last().unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let r = c
        .send(&sim, Method::POST, &tok, &format!("v1.0/groups/{gid}/members/$ref"), Some(&json!({"@odata.id": format!("https://graph.microsoft.com/v1.0/directoryObjects/{outsider}")})), &[])
        .await;
    assert_eq!(r.status, 204);
    let (changes, _) = round(&c, &tok, &link, 50).await;
    assert_eq!(changes.len(), 1, "a membership change changes the group");
    assert_eq!(changes[0]["id"], gid.as_str());
    let bad = c
        .get(&sim, &tok, "v1.0/users/delta?$deltatoken=garbage")
        .await;
    assert_eq!(bad.status, 400);
    // Users generated at run time show up in the next round.
    let (_, link) = round(
        &c,
        &tok,
        &format!("{}/v1.0/users/delta", sim.graph_url()),
        999,
    )
    .await;
    sim.generate_users(ALPHA, 120).unwrap();
    let (added, _) = round(&c, &tok, &link, 50).await;
    assert_eq!(added.len(), 120);
}
