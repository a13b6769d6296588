//! Graph query options, `ConsistencyLevel` rules and paging.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::HashSet;

use cipp_sim::Sim;
use common::*;
use reqwest::Method;
use serde_json::{json, Value};

fn names(a: &Answer) -> Vec<String> {
    a.items()
        .iter()
        .map(|u| u["displayName"].as_str().unwrap_or_default().to_string())
        .collect()
}

#[tokio::test]
async fn select_projects_top_level_fields_and_keeps_id() {
    let sim = Sim::start().await.unwrap();
    let c = client();
    let tok = c.token(&sim, ALPHA).await;
    let a = c
        .get(&sim, &tok, "v1.0/users?$select=displayName,mail")
        .await;
    for u in a.items() {
        let mut keys: Vec<&str> = u.as_object().unwrap().keys().map(String::as_str).collect();
        keys.sort();
        assert_eq!(keys, vec!["displayName", "id", "mail"]);
    }
    let e = c
        .get(&sim, &tok, "v1.0/organization?$select=displayName")
        .await;
    assert_eq!(e.items()[0].as_object().unwrap().len(), 2);
    let one = c
        .get(
            &sim,
            &tok,
            &format!(
                "v1.0/users/{}?$select=userPrincipalName",
                a.items()[0]["id"].as_str().unwrap()
            ),
        )
        .await;
    assert!(one.body.get("displayName").is_none());
    assert!(one.body["userPrincipalName"].is_string());
}

#[tokio::test]
async fn filters_match_like_graph() {
    let sim = Sim::start().await.unwrap();
    let c = client();
    let tok = c.token(&sim, ALPHA).await;
    let count = |path: String| {
        let (c, sim, tok) = (&c, &sim, &tok);
        async move {
            let a = c.get_eventual(sim, tok, &path).await;
            assert_eq!(a.status, 200, "{path}: {:?}", a.body);
            a.items().len()
        }
    };
    let all = count("v1.0/users?$top=999".into()).await;
    assert_eq!(
        count("v1.0/users?$filter=displayName eq 'MIRIAM GU'".into()).await,
        1
    );
    assert_eq!(
        count("v1.0/users?$filter=startswith(displayName,'miriam')".into()).await,
        6
    );
    let enabled = count("v1.0/users?$filter=accountEnabled eq true&$top=999".into()).await;
    let disabled = count("v1.0/users?$filter=accountEnabled eq false&$top=999".into()).await;
    assert_eq!(enabled + disabled, all);
    assert!(disabled > 0);
    assert_eq!(
        count("v1.0/users?$filter=not(accountEnabled eq true)&$top=999".into()).await,
        disabled
    );
    assert_eq!(
        count("v1.0/users?$filter=accountEnabled ne true&$top=999".into()).await,
        disabled
    );
    assert_eq!(
        count("v1.0/users?$filter=userType eq 'Guest'".into()).await,
        1
    );
    assert_eq!(
        count("v1.0/users?$filter=(userType eq 'Guest' or startswith(displayName,'Sofia')) and accountEnabled eq true&$top=999".into()).await,
        count("v1.0/users?$filter=userType eq 'Guest' and accountEnabled eq true".into()).await
            + count("v1.0/users?$filter=startswith(displayName,'Sofia') and accountEnabled eq true".into()).await
    );
    assert!(
        count("v1.0/users?$filter=endswith(mail,'@alphadental.com')&$count=true&$top=999".into())
            .await
            > 10
    );
    let e3 = count("v1.0/users?$filter=assignedLicenses/any(x:x/skuId eq 05e9a617-0261-4cee-bb44-138d3ef5d965)&$top=999".into()).await;
    let skus = c
        .get(
            &sim,
            &tok,
            "v1.0/subscribedSkus?$filter=skuPartNumber eq 'SPE_E3'",
        )
        .await;
    assert_eq!(
        skus.items()[0]["consumedUnits"].as_u64().unwrap() as usize,
        e3
    );
    assert_eq!(
        count("v1.0/users?$filter=mail eq null".into()).await,
        1,
        "the admin has no mail"
    );
    assert_eq!(
        count("v1.0/domains?$filter=isDefault eq true".into()).await,
        1
    );
    // Quotes inside strings are doubled.
    let made = c
        .send(&sim, Method::POST, &tok, "v1.0/users", Some(&json!({"displayName": "Aoife O'Brien", "userPrincipalName": "aoife@alphadental.com"})), &[])
        .await;
    assert_eq!(made.status, 201);
    assert_eq!(
        count("v1.0/users?$filter=displayName eq 'Aoife O''Brien'".into()).await,
        1
    );
    // Property paths, on the partner's GDAP relationships.
    let partner = c.token(&sim, &sim.credentials().partner_tenant_id).await;
    let alpha = tenant_id(&sim, ALPHA);
    let rels = c
        .get(&sim, &partner, &format!("v1.0/tenantRelationships/delegatedAdminRelationships?$filter=customer/tenantId eq '{alpha}'"))
        .await;
    assert_eq!(rels.items().len(), 2, "active and terminated");
    let mlt = c
        .get(&sim, &partner, "v1.0/tenantRelationships/delegatedAdminRelationships?$filter=startswith(displayName,'MLT_')")
        .await;
    assert_eq!(mlt.items().len(), 1);
}

#[tokio::test]
async fn bad_filters_are_400_with_a_reason() {
    let sim = Sim::start().await.unwrap();
    let c = client();
    let tok = c.token(&sim, ALPHA).await;
    for (q, needle) in [
        ("$filter=displayName eq", "ended"),
        ("$filter=substringof('a',displayName)", "substringof"),
        ("$filter=displayName eq 'x", "not closed"),
        ("$filter=displayName like 'x'", "like"),
        ("$top=1000", "Invalid page size specified"),
        ("$top=abc", "Invalid page size specified"),
        ("$skiptoken=zz", "skiptoken"),
        ("$orderby=displayName sideways", "sort direction"),
        ("$count=maybe", "$count"),
        ("$frobnicate=1", "$frobnicate"),
    ] {
        let a = c.get_eventual(&sim, &tok, &format!("v1.0/users?{q}")).await;
        assert_eq!(a.status, 400, "{q}: {:?}", a.body);
        assert!(a.message().contains(needle), "{q}: {}", a.message());
        assert!(
            a.code().contains("Request") || a.code() == "BadRequest",
            "{q}: {}",
            a.code()
        );
    }
    let big = c.get(&sim, &tok, "v1.0/users?$top=1000").await;
    assert_eq!(big.code(), "Request_BadRequest");
}

#[tokio::test]
async fn consistency_level_is_enforced() {
    let sim = Sim::start().await.unwrap();
    let c = client();
    let tok = c.token(&sim, ALPHA).await;
    for q in [
        "users?$count=true",
        "users?$filter=accountEnabled ne true",
        "users?$filter=endswith(mail,'.com')",
        "users?$filter=not(accountEnabled eq true)",
        "users?$search=\"displayName:miriam\"",
        "users/$count",
        "groups/$count",
    ] {
        let without = c.get(&sim, &tok, &format!("v1.0/{q}")).await;
        assert_eq!(without.status, 400, "{q}");
        assert!(
            without.code().starts_with("Request_"),
            "{q}: {}",
            without.code()
        );
        let with = c.get_eventual(&sim, &tok, &format!("v1.0/{q}")).await;
        assert_eq!(with.status, 200, "{q}: {:?}", with.body);
    }
    // Not a directory collection: $count=true needs no header.
    assert_eq!(
        c.get(&sim, &tok, "v1.0/subscribedSkus?$count=true")
            .await
            .status,
        200
    );
}

#[tokio::test]
async fn count_orderby_and_search() {
    let sim = Sim::start().await.unwrap();
    let c = client();
    let tok = c.token(&sim, ALPHA).await;
    let all = c
        .get_eventual(&sim, &tok, "v1.0/users?$count=true&$top=2")
        .await;
    let total = all.body["@odata.count"].as_u64().unwrap();
    assert_eq!(all.items().len(), 2);
    assert!(total > 2);
    let text = c.get_eventual(&sim, &tok, "v1.0/users/$count").await;
    assert_eq!(text.header("content-type"), Some("text/plain"));
    assert_eq!(text.body, Value::from(total));
    let enabled = c
        .get_eventual(
            &sim,
            &tok,
            "v1.0/users/$count?$filter=accountEnabled eq true",
        )
        .await;
    assert!(enabled.body.as_u64().unwrap() < total);
    let filtered = c
        .get_eventual(
            &sim,
            &tok,
            "v1.0/users?$count=true&$filter=startswith(displayName,'s')&$top=1",
        )
        .await;
    assert_eq!(filtered.items().len(), 1);
    assert!(filtered.body["@odata.count"].as_u64().unwrap() > 1);
    assert!(filtered.body["@odata.nextLink"].is_string());
    let asc = names(
        &c.get(&sim, &tok, "v1.0/users?$orderby=displayName&$top=999")
            .await,
    );
    let mut sorted = asc.clone();
    sorted.sort_by_key(|n| n.to_lowercase());
    assert_eq!(asc, sorted);
    let desc = names(
        &c.get(&sim, &tok, "v1.0/users?$orderby=displayName desc&$top=999")
            .await,
    );
    assert_eq!(desc, sorted.iter().rev().cloned().collect::<Vec<_>>());
    let found = c
        .get_eventual(&sim, &tok, "v1.0/users?$search=\"displayName:henri\"")
        .await;
    assert!(!found.items().is_empty());
    assert!(names(&found)
        .iter()
        .all(|n| n.to_lowercase().contains("henri")));
    let either = c
        .get_eventual(
            &sim,
            &tok,
            "v1.0/users?$search=\"displayName:henri\" OR \"displayName:sofia\"",
        )
        .await;
    assert!(either.items().len() > found.items().len());
}

#[tokio::test]
async fn paging_returns_every_item_once_with_absolute_next_links() {
    let sim = Sim::builder()
        .generated_users(ALPHA, 2_500)
        .start()
        .await
        .unwrap();
    let c = client();
    let tok = c.token(&sim, ALPHA).await;
    let total = c
        .get_eventual(&sim, &tok, "v1.0/users/$count")
        .await
        .body
        .as_u64()
        .unwrap() as usize;
    assert!(total >= 2_500);
    let first = c
        .get(
            &sim,
            &tok,
            "v1.0/users?$top=999&$select=id,userPrincipalName",
        )
        .await;
    let next = first.body["@odata.nextLink"].as_str().unwrap();
    assert!(
        next.starts_with(&format!("{}/v1.0/users?", sim.graph_url())),
        "{next}"
    );
    assert!(
        next.contains("$select=id,userPrincipalName") && next.contains("$top=999"),
        "{next}"
    );
    assert!(next.contains("$skiptoken="));
    let (items, pages) = all_pages(&c, &tok, first).await;
    assert_eq!(items.len(), total);
    assert_eq!(pages, total.div_ceil(999));
    let ids: HashSet<&str> = items.iter().map(|u| u["id"].as_str().unwrap()).collect();
    assert_eq!(ids.len(), total, "every item exactly once");
    assert!(items.iter().all(|u| u.get("displayName").is_none()));
    // Default page size is 100; a filtered listing pages too and keeps its filter.
    let default = c.get(&sim, &tok, "v1.0/users").await;
    assert_eq!(default.items().len(), 100);
    let first = c
        .get(
            &sim,
            &tok,
            "v1.0/users?$filter=accountEnabled eq false&$top=50",
        )
        .await;
    assert!(first.body["@odata.nextLink"]
        .as_str()
        .unwrap()
        .contains("$filter=accountEnabled%20eq%20false"));
    let (disabled, _) = all_pages(&c, &tok, first).await;
    assert!(disabled.iter().all(|u| u["accountEnabled"] == false));
    let disabled_count = c
        .get_eventual(
            &sim,
            &tok,
            "v1.0/users/$count?$filter=accountEnabled eq false",
        )
        .await;
    assert_eq!(Value::from(disabled.len()), disabled_count.body);
    // Links follow the Host header.
    let r = c
        .http
        .get(format!("{}/v1.0/users?$top=5", sim.graph_url()))
        .bearer_auth(&tok)
        .header("host", "graph.sim.test:8443")
        .send()
        .await
        .unwrap();
    let v: Value = r.json().await.unwrap();
    assert!(v["@odata.nextLink"]
        .as_str()
        .unwrap()
        .starts_with("http://graph.sim.test:8443/graph/v1.0/users?"));
    // $skip works as an offset.
    let skipped = c.get(&sim, &tok, "v1.0/users?$top=3&$skip=2").await;
    let plain = c.get(&sim, &tok, "v1.0/users?$top=5").await;
    assert_eq!(skipped.items()[0]["id"], plain.items()[2]["id"]);
}

#[tokio::test]
async fn the_last_page_has_no_next_link() {
    let sim = Sim::start().await.unwrap();
    let c = client();
    let tok = c.token(&sim, ALPHA).await;
    let a = c.get(&sim, &tok, "v1.0/users?$top=999").await;
    assert!(a.body.get("@odata.nextLink").is_none());
    assert!(a.body["@odata.context"]
        .as_str()
        .unwrap()
        .ends_with("/v1.0/$metadata#users"));
    let exact = a.items().len();
    let enabled = c
        .get(
            &sim,
            &tok,
            "v1.0/users?$filter=accountEnabled eq true&$top=999",
        )
        .await
        .items()
        .len();
    // Exactly one full page, on the plain, filtered and sorted paths.
    for q in [
        format!("$top={exact}"),
        format!("$top={exact}&$orderby=displayName"),
        format!("$top={enabled}&$filter=accountEnabled eq true"),
        format!("$top={enabled}&$filter=accountEnabled eq true&$orderby=displayName desc"),
    ] {
        let b = c.get(&sim, &tok, &format!("v1.0/users?{q}")).await;
        assert!(b.body.get("@odata.nextLink").is_none(), "{q}");
        let smaller = q.replacen(
            &format!("$top={}", b.items().len()),
            &format!("$top={}", b.items().len() - 1),
            1,
        );
        let b = c.get(&sim, &tok, &format!("v1.0/users?{smaller}")).await;
        assert!(b.body["@odata.nextLink"].is_string(), "{smaller}");
    }
}
