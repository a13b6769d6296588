//! cipp-graph end to end against cipp-sim over real HTTP.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashSet;
use std::time::Duration;

use cipp_core::{Credentials, Endpoints, Error, Pipeline, RetryPolicy, Service};
use cipp_graph::models::{
    AuthenticationMethodsPolicy, ConditionalAccessPolicy, Domain, PolicyState, SubscribedSku, User,
};
use cipp_graph::{BatchRequest, GraphClient};
use cipp_sim::{FaultRule, FaultScope, Sim};
use futures::TryStreamExt;
use serde_json::json;

fn pipeline(sim: &Sim, secret: Option<&str>) -> Pipeline {
    let c = sim.credentials();
    let creds = Credentials::builder(c.application_id.clone())
        .client_secret(secret.unwrap_or(&c.application_secret))
        .refresh_token(c.refresh_token.clone())
        .partner_tenant(c.partner_tenant_id.clone())
        .build()
        .unwrap();
    let endpoints = Endpoints::default()
        .with_override(Service::Login, &sim.login_url())
        .unwrap()
        .with_override(Service::Graph, &sim.graph_url())
        .unwrap();
    Pipeline::builder(creds)
        .endpoints(endpoints)
        .retry(RetryPolicy::default().with_base_delay(Duration::from_millis(10)))
        .build()
        .unwrap()
}

fn graph(sim: &Sim, tenant: &str) -> GraphClient {
    GraphClient::new(pipeline(sim, None), tenant)
}

const ALPHA: &str = "alpha.onmicrosoft.com";
const BRAVO: &str = "bravo.onmicrosoft.com";

#[tokio::test]
async fn paging_across_many_pages_returns_every_item_once() {
    let sim = Sim::builder()
        .generated_users(ALPHA, 2_345)
        .start()
        .await
        .unwrap();
    let g = graph(&sim, ALPHA);
    let total = g.users().list().total_count().await.unwrap();
    assert!(total >= 2_345, "{total}");
    sim.clear_requests();
    let users: Vec<User> = g
        .users()
        .list()
        .select(["id", "userPrincipalName"])
        .top(100)
        .stream()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(users.len() as u64, total);
    let ids: HashSet<_> = users.iter().map(|u| u.id.clone().unwrap()).collect();
    assert_eq!(ids.len(), users.len(), "no item twice");
    let pages = sim.stats().graph_requests;
    assert_eq!(pages as u64, total.div_ceil(100), "one request per page");
    // $select was honoured by the server: no displayName came back.
    assert!(users.iter().all(|u| u.display_name.is_none()));
}

#[tokio::test]
async fn tenants_see_their_own_data_with_their_own_tokens() {
    let sim = Sim::start().await.unwrap();
    let p = pipeline(&sim, None);
    let (a, b) = tokio::join!(
        GraphClient::new(p.clone(), ALPHA)
            .users()
            .list()
            .collect_all(),
        GraphClient::new(p.clone(), BRAVO)
            .users()
            .list()
            .collect_all()
    );
    let alpha_domain = sim
        .tenants()
        .into_iter()
        .find(|t| t.initial_domain == ALPHA)
        .unwrap();
    let bravo_domain = sim
        .tenants()
        .into_iter()
        .find(|t| t.initial_domain == BRAVO)
        .unwrap();
    for u in a.unwrap() {
        let upn = u.user_principal_name.unwrap();
        assert!(
            upn.ends_with(&alpha_domain.default_domain)
                || upn.ends_with(ALPHA)
                || upn.contains("#EXT#"),
            "{upn}"
        );
    }
    assert!(!b.unwrap().is_empty());
    // Every Graph request carried a token minted in the tenant it asked about.
    for r in sim.requests().iter().filter(|r| r.kind == "graph") {
        assert!(r.token_tid.is_some());
        assert!(
            r.token_tid == Some(alpha_domain.id.clone())
                || r.token_tid == Some(bravo_domain.id.clone()),
            "{r:?}"
        );
        assert_eq!(r.token_aud.as_deref(), Some("https://graph.microsoft.com"));
    }
}

#[tokio::test]
async fn a_429_storm_on_graph_is_survived() {
    let sim = Sim::start().await.unwrap();
    sim.faults().add_rule(FaultRule {
        path_contains: Some("/users".into()),
        status: 429,
        retry_after: Some(1),
        times: Some(3),
        ..FaultRule::default()
    });
    let users = graph(&sim, ALPHA)
        .users()
        .list()
        .collect_all()
        .await
        .unwrap();
    assert!(!users.is_empty());
    let throttled = sim.requests().iter().filter(|r| r.status == 429).count();
    assert_eq!(throttled, 3);
}

#[tokio::test]
async fn a_batch_of_45_is_three_round_trips() {
    let sim = Sim::start().await.unwrap();
    let g = graph(&sim, ALPHA);
    let users = g.users().list().select(["id"]).collect_all().await.unwrap();
    sim.clear_requests();
    let requests: Vec<BatchRequest> = (0..45)
        .map(|i| {
            let u = &users[i % users.len()];
            BatchRequest::get(
                format!("r{i}"),
                format!("/users/{}?$select=id,displayName", u.id.clone().unwrap()),
            )
        })
        .collect();
    let results = g.batch(requests).await.unwrap();
    assert_eq!(results.len(), 45);
    assert_eq!(results.round_trips(), 3);
    assert!(results.iter().all(|r| r.status == 200));
    assert_eq!(
        results.get("r44").unwrap().body["id"],
        json!(users[44 % users.len()].id.clone().unwrap())
    );
    let stats = sim.stats();
    assert_eq!(stats.batch_requests, 3);
    assert_eq!(stats.batch_items, 45);
}

#[tokio::test]
async fn throttled_batch_items_are_resent_alone() {
    let sim = Sim::start().await.unwrap();
    let g = graph(&sim, ALPHA);
    sim.faults().add_rule(FaultRule {
        path_contains: Some("/subscribedSkus".into()),
        status: 429,
        retry_after: Some(1),
        times: Some(1),
        scope: FaultScope::BatchItem,
        ..FaultRule::default()
    });
    sim.clear_requests();
    let mut reqs: Vec<BatchRequest> = (0..9)
        .map(|i| BatchRequest::get(format!("org{i}"), "/organization"))
        .collect();
    reqs.push(BatchRequest::get("skus", "/subscribedSkus"));
    let results = g.batch(reqs).await.unwrap();
    assert_eq!(
        results.get("skus").unwrap().status,
        200,
        "retried to success"
    );
    assert_eq!(results.round_trips(), 2);
    let sizes: Vec<usize> = sim
        .requests()
        .iter()
        .filter(|r| r.kind == "batch")
        .map(|r| r.batch_size.unwrap_or(0))
        .collect();
    assert_eq!(
        sizes,
        vec![10, 1],
        "the second round trip carried only the throttled item"
    );
}

#[tokio::test]
async fn batch_follows_next_links_and_depends_on() {
    let sim = Sim::builder()
        .generated_users(ALPHA, 250)
        .start()
        .await
        .unwrap();
    let g = graph(&sim, ALPHA);
    let total = g.users().list().total_count().await.unwrap();
    let results = g
        .batch([
            BatchRequest::get("all", "/users?$select=id&$top=100"),
            BatchRequest::post("create", "/groups", json!({"displayName": "Batch group", "mailEnabled": false, "securityEnabled": true, "mailNickname": "batchgroup"})),
            BatchRequest::get("after", "/groups?$filter=displayName eq 'Batch group'").depends_on(["create"]),
        ])
        .await
        .unwrap();
    let all = results.get("all").unwrap();
    assert_eq!(all.items().len() as u64, total);
    assert!(all.body.get("@odata.nextLink").is_none());
    assert_eq!(results.get("create").unwrap().status, 201);
    assert_eq!(results.get("after").unwrap().items().len(), 1);
}

#[tokio::test]
async fn batch_item_failures_come_back_typed_beside_successes() {
    let sim = Sim::start().await.unwrap();
    let g = graph(&sim, ALPHA);
    let results = g
        .batch([
            BatchRequest::get("ok", "/organization"),
            BatchRequest::get("missing", "/users/00000000-0000-0000-0000-000000000000"),
        ])
        .await
        .unwrap();
    assert!(results.get("ok").unwrap().is_success());
    let err = results.get("missing").unwrap().error(ALPHA).unwrap();
    assert_eq!(err.status, 404);
    assert_eq!(err.code.as_deref(), Some("Request_ResourceNotFound"));
    assert_eq!(results.failures().count(), 1);
}

#[tokio::test]
async fn duplicate_batch_ids_are_refused_before_sending() {
    let sim = Sim::start().await.unwrap();
    let g = graph(&sim, ALPHA);
    sim.clear_requests();
    let err = g
        .batch([
            BatchRequest::get("a", "/users"),
            BatchRequest::get("a", "/groups"),
        ])
        .await
        .unwrap_err();
    assert!(matches!(err, Error::InvalidInput { .. }), "{err:?}");
    assert!(err.to_string().contains("batch[1].id"), "{err}");
    assert_eq!(sim.stats().http_requests, 0);
}

#[tokio::test]
async fn wrong_secret_gives_an_auth_error_naming_the_code() {
    let sim = Sim::start().await.unwrap();
    let g = GraphClient::new(pipeline(&sim, Some("not+the+secret")), ALPHA);
    let err = g.organization().await.unwrap_err();
    match &err {
        Error::Auth(a) => assert_eq!(a.code.as_deref(), Some("AADSTS7000215")),
        other => panic!("expected auth error, got {other:?}"),
    }
    assert!(!err.to_string().contains("not+the+secret"));
}

#[tokio::test]
async fn expired_tokens_are_renewed_transparently() {
    let sim = Sim::start().await.unwrap();
    let g = graph(&sim, ALPHA);
    g.organization().await.unwrap();
    let before = sim.stats().token_requests;
    sim.faults().expire_tokens();
    g.organization().await.unwrap();
    assert_eq!(sim.stats().token_requests, before + 1);
}

#[tokio::test]
async fn crud_round_trip_and_not_found() {
    let sim = Sim::start().await.unwrap();
    let g = graph(&sim, ALPHA);
    let created = g
        .users()
        .create(
            &serde_json::from_value(json!({
                "displayName": "Test User",
                "userPrincipalName": "test.user@alphadental.com",
                "accountEnabled": true,
                "mailNickname": "test.user",
                "passwordProfile": {"password": "x", "forceChangePasswordNextSignIn": true}
            }))
            .unwrap(),
        )
        .await
        .unwrap();
    let id = created.id.clone().unwrap();
    g.users()
        .update(&id, &json!({"jobTitle": "Tester"}))
        .await
        .unwrap();
    let fetched = g.users().get(&id).await.unwrap();
    assert_eq!(fetched.job_title.as_deref(), Some("Tester"));
    let by_upn = g.users().get("test.user@alphadental.com").await.unwrap();
    assert_eq!(by_upn.id.as_deref(), Some(id.as_str()));
    g.users().delete(&id).await.unwrap();
    let err = g.users().get(&id).await.unwrap_err();
    assert!(err.is_not_found(), "{err:?}");
    assert_eq!(err.tenant(), Some(ALPHA));
}

#[tokio::test]
async fn a_throttled_write_is_applied_exactly_once() {
    let sim = Sim::start().await.unwrap();
    let g = graph(&sim, ALPHA);
    sim.faults().add_rule(FaultRule {
        path_contains: Some("/groups".into()),
        method: Some("POST".into()),
        status: 429,
        retry_after: Some(0),
        times: Some(2),
        ..FaultRule::default()
    });
    g.post("groups", &json!({"displayName": "Once", "mailEnabled": false, "securityEnabled": true, "mailNickname": "once"}))
        .await
        .unwrap();
    let found = g
        .groups()
        .list()
        .filter("displayName eq 'Once'")
        .collect_all()
        .await
        .unwrap();
    assert_eq!(found.len(), 1);
}

#[tokio::test]
async fn count_and_search_send_eventual_consistency() {
    let sim = Sim::start().await.unwrap();
    let g = graph(&sim, ALPHA);
    let page = g
        .users()
        .list()
        .count(true)
        .top(1)
        .first_page()
        .await
        .unwrap();
    assert!(page.count.unwrap() > 1);
    let text = g.get("users/$count").await;
    // Without ConsistencyLevel the simulator, like Graph, refuses $count on directory objects.
    assert!(text.is_err());
    let found = g
        .users()
        .list()
        .search("\"displayName:a\"")
        .collect_all()
        .await
        .unwrap();
    assert!(!found.is_empty());
}

#[tokio::test]
async fn typed_models_read_the_seeded_tenant() {
    let sim = Sim::start().await.unwrap();
    let g = graph(&sim, ALPHA);
    let org = g.organization().await.unwrap();
    assert!(org.display_name.is_some());
    let domains: Vec<Domain> = g.domains().list().collect_all().await.unwrap();
    assert!(domains.iter().any(|d| d.is_initial == Some(true)));
    let skus: Vec<SubscribedSku> = g.subscribed_skus().list().collect_all().await.unwrap();
    assert!(skus.iter().all(|s| s.sku_part_number.is_some()));
    let policies: Vec<ConditionalAccessPolicy> = g
        .conditional_access_policies()
        .list()
        .collect_all()
        .await
        .unwrap();
    assert!(policies.iter().all(|p| p.state.is_some()));
    let any_report_only = sim_has_report_only(&sim).await;
    assert!(any_report_only.contains(&PolicyState::EnabledForReportingButNotEnforced));
    let amp: AuthenticationMethodsPolicy = g.authentication_methods_policy().get().await.unwrap();
    assert!(amp.method("sms").is_some());
    let groups = g.groups().list().collect_all().await.unwrap();
    assert!(!groups.is_empty());
    let roles = g.directory_roles().list().collect_all().await.unwrap();
    assert!(roles.iter().any(|r| r.role_template_id.as_deref()
        == Some(cipp_graph::models::DirectoryRole::GLOBAL_ADMINISTRATOR)));
}

async fn sim_has_report_only(sim: &Sim) -> Vec<PolicyState> {
    let p = pipeline(sim, None);
    let mut states = Vec::new();
    for t in sim.tenants() {
        let list = GraphClient::new(p.clone(), t.id.clone())
            .conditional_access_policies()
            .list()
            .collect_all()
            .await
            .unwrap();
        states.extend(list.into_iter().filter_map(|p| p.state));
    }
    states
}

#[tokio::test]
async fn update_patches_only_named_fields_and_keeps_unknown_ones() {
    let sim = Sim::start().await.unwrap();
    let g = graph(&sim, ALPHA);
    let cfg = g
        .authentication_methods_policy()
        .configurations()
        .get("Sms")
        .await
        .unwrap();
    let before = serde_json::to_value(&cfg).unwrap();
    g.authentication_methods_policy()
        .configurations()
        .update("Sms", &json!({"@odata.type": "#microsoft.graph.smsAuthenticationMethodConfiguration", "state": "disabled"}))
        .await
        .unwrap();
    let after = g
        .authentication_methods_policy()
        .configurations()
        .get("Sms")
        .await
        .unwrap();
    assert_eq!(
        after.state,
        Some(cipp_graph::models::FeatureState::Disabled)
    );
    // Everything else is as it was.
    let mut expected = before.clone();
    expected["state"] = json!("disabled");
    assert_eq!(serde_json::to_value(&after).unwrap(), expected);
}

#[tokio::test]
async fn delta_reports_changes_since_the_last_round() {
    let sim = Sim::start().await.unwrap();
    let g = graph(&sim, ALPHA);
    let first = g
        .delta("users", |q| {
            q.select(["id", "displayName"]);
        })
        .await
        .unwrap();
    assert!(!first.changed.is_empty());
    let created = g
        .post("users", &json!({"displayName": "Delta Person", "userPrincipalName": "delta@alphadental.com", "accountEnabled": true}))
        .await
        .unwrap();
    let id = created["id"].as_str().unwrap().to_string();
    let second = g.delta_resume(&first.delta_link).await.unwrap();
    assert_eq!(second.changed.len(), 1);
    assert_eq!(second.changed[0]["id"], json!(id));
    g.delete(&format!("users/{id}")).await.unwrap();
    let third = g.delta_resume(&second.delta_link).await.unwrap();
    assert_eq!(third.removed, vec![id]);
}
