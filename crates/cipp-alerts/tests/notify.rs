//! Notifiers against wiremock: auth headers, digest shapes, retries, and secrets kept out of
//! Debug output and errors.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use cipp_alerts::{
    AlertError, Digest, Finding, Notifier, RetryOptions, WebhookAuth, WebhookFormat,
    WebhookNotifier,
};
use cipp_core::secret_store::SecretStore;
use cipp_core::{EnvSecretStore, SecretString};
use serde_json::{json, Value};
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

const TOKEN: &str = "s3cr3t-T0KEN-value";

async fn secrets() -> Arc<dyn SecretStore> {
    let s = EnvSecretStore::with_lookup(|_| None);
    s.set("HookToken", SecretString::from(TOKEN.to_string()))
        .await
        .unwrap();
    s.set(
        "HookHeaders",
        SecretString::from(format!(
            r#"{{"X-Tenant-Key": "{TOKEN}", "X-Source": "cipp"}}"#
        )),
    )
    .await
    .unwrap();
    Arc::new(s)
}

fn digest() -> Digest {
    let f = |rule: &str, tenant: &str, upn: &str| {
        Finding::new(
            rule,
            tenant,
            json!({"Message": format!("{upn} is inactive"), "UserPrincipalName": upn, "Tenant": tenant}),
            &[],
        )
    };
    Digest::new(
        vec![
            f("InactiveUsers", "alphadental.com", "a@alpha"),
            f("InactiveUsers", "alphadental.com", "b@alpha"),
            f("MFAAlertUsers", "bravologistics.com", "c@bravo"),
        ],
        1_793_491_200,
    )
}

fn fast() -> RetryOptions {
    RetryOptions::default()
        .attempts(3)
        .delays(Duration::from_millis(10), Duration::from_secs(2))
}

async fn body_of(server: &MockServer) -> Vec<Value> {
    server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .map(|r: &Request| serde_json::from_slice(&r.body).unwrap())
        .collect()
}

#[tokio::test]
async fn bearer_webhook_gets_one_json_digest() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/ingest"))
        .and(header("authorization", format!("Bearer {TOKEN}").as_str()))
        .and(header("content-type", "application/json"))
        .respond_with(ResponseTemplate::new(202))
        .expect(1)
        .mount(&server)
        .await;
    let hook = WebhookNotifier::new("siem", &format!("{}/ingest", server.uri()))
        .unwrap()
        .auth(
            WebhookAuth::Bearer {
                secret: "HookToken".into(),
            },
            secrets().await,
        )
        .retry(fast());
    let sent = hook.send(&digest()).await.unwrap();
    assert_eq!((sent.attempts, sent.status), (1, Some(202)));
    let body = &body_of(&server).await[0];
    assert_eq!(body["schemaVersion"], "1.0");
    assert_eq!(body["alertCount"], 3);
    assert_eq!(
        body["tenants"],
        json!(["alphadental.com", "bravologistics.com"])
    );
    assert_eq!(body["payload"][0]["rule"], "InactiveUsers");
    assert_eq!(
        body["payload"][0]["contentHash"].as_str().unwrap().len(),
        44
    );
    assert_eq!(body["payload"][2]["data"]["UserPrincipalName"], "c@bravo");
}

#[tokio::test]
async fn basic_api_key_and_custom_headers() {
    let server = MockServer::start().await;
    use base64::Engine as _;
    let basic = format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("cipp:{TOKEN}"))
    );
    Mock::given(path("/basic"))
        .and(header("authorization", basic.as_str()))
        .respond_with(ResponseTemplate::new(200))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(path("/key"))
        .and(header("x-api-key", TOKEN))
        .respond_with(ResponseTemplate::new(200))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(path("/custom"))
        .and(header("x-tenant-key", TOKEN))
        .and(header("x-source", "cipp"))
        .respond_with(ResponseTemplate::new(200))
        .expect(1)
        .mount(&server)
        .await;
    let s = secrets().await;
    let hooks = [
        (
            "basic",
            WebhookAuth::Basic {
                username: "cipp".into(),
                secret: "HookToken".into(),
            },
        ),
        (
            "key",
            WebhookAuth::ApiKey {
                header: "X-Api-Key".into(),
                secret: "HookToken".into(),
            },
        ),
        (
            "custom",
            WebhookAuth::CustomHeaders {
                secret: "HookHeaders".into(),
            },
        ),
    ];
    for (p, auth) in hooks {
        let hook = WebhookNotifier::new(p, &format!("{}/{p}", server.uri()))
            .unwrap()
            .auth(auth, s.clone())
            .retry(fast());
        hook.send(&digest())
            .await
            .unwrap_or_else(|e| panic!("{p}: {e}"));
    }
}

#[tokio::test]
async fn retries_429_honouring_retry_after_then_succeeds() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(429).insert_header("Retry-After", "1"))
        .up_to_n_times(1)
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200))
        .expect(1)
        .mount(&server)
        .await;
    let hook = WebhookNotifier::new("h", &server.uri())
        .unwrap()
        .retry(fast());
    let start = Instant::now();
    let sent = hook.send(&digest()).await.unwrap();
    assert_eq!(sent.attempts, 2);
    assert!(
        start.elapsed() >= Duration::from_millis(950),
        "waited {:?}",
        start.elapsed()
    );
}

#[tokio::test]
async fn gives_up_on_503_after_the_budget_and_never_leaks_secrets() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(503))
        .expect(3)
        .mount(&server)
        .await;
    let url = format!("{}/services/T000/B000/{TOKEN}", server.uri());
    let hook = WebhookNotifier::new("slack-ops", &url)
        .unwrap()
        .auth(
            WebhookAuth::Bearer {
                secret: "HookToken".into(),
            },
            secrets().await,
        )
        .retry(fast());
    let err = hook.send(&digest()).await.unwrap_err();
    assert!(
        matches!(
            err,
            AlertError::Delivery {
                status: Some(503),
                ..
            }
        ),
        "{err:?}"
    );
    let text = format!("{err} {err:?} {hook:?}");
    assert!(
        text.contains("after 3 attempts") && text.contains("slack-ops"),
        "{text}"
    );
    assert!(!text.contains(TOKEN), "a secret leaked: {text}");
    assert!(!text.contains("/services/"), "the URL path leaked: {text}");
}

#[tokio::test]
async fn client_errors_are_not_retried_and_unreachable_hosts_are_reported() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(401))
        .expect(1)
        .mount(&server)
        .await;
    let hook = WebhookNotifier::new("h", &server.uri())
        .unwrap()
        .retry(fast());
    let e = hook.send(&digest()).await.unwrap_err().to_string();
    assert!(e.contains("401") && e.contains("not retried"), "{e}");
    // Nothing listens on port 9 of localhost.
    let dead = WebhookNotifier::new("dead", &format!("http://127.0.0.1:9/{TOKEN}"))
        .unwrap()
        .retry(fast());
    let e = dead.send(&digest()).await.unwrap_err().to_string();
    assert!(
        e.contains("could not be reached") && !e.contains(TOKEN),
        "{e}"
    );
}

#[tokio::test]
async fn a_missing_secret_is_named_not_sent() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200))
        .expect(0)
        .mount(&server)
        .await;
    let hook = WebhookNotifier::new("h", &server.uri()).unwrap().auth(
        WebhookAuth::Bearer {
            secret: "NoSuchSecret".into(),
        },
        secrets().await,
    );
    let e = hook.send(&digest()).await.unwrap_err();
    assert!(
        matches!(&e, AlertError::Secret { secret, .. } if secret == "NoSuchSecret"),
        "{e:?}"
    );
}

#[tokio::test]
async fn chat_formats() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&server)
        .await;
    for f in [
        WebhookFormat::Teams,
        WebhookFormat::TeamsMessageCard,
        WebhookFormat::Slack,
        WebhookFormat::Discord,
    ] {
        WebhookNotifier::new("h", &server.uri())
            .unwrap()
            .format(f)
            .send(&digest())
            .await
            .unwrap();
    }
    let bodies = body_of(&server).await;
    let card = &bodies[0]["attachments"][0];
    assert_eq!(
        card["contentType"],
        "application/vnd.microsoft.card.adaptive"
    );
    let facts = &card["content"]["body"][3]["facts"];
    assert_eq!(facts.as_array().unwrap().len(), 2, "{card}");
    assert_eq!(bodies[1]["@type"], "MessageCard");
    assert_eq!(bodies[1]["sections"].as_array().unwrap().len(), 2);
    assert_eq!(bodies[2]["blocks"][0]["type"], "header");
    assert!(bodies[2]["blocks"][2]["text"]["text"]
        .as_str()
        .unwrap()
        .contains("• InactiveUsers: a@alpha is inactive"));
    assert_eq!(bodies[3]["embeds"].as_array().unwrap().len(), 2);
    assert!(bodies[3]["content"]
        .as_str()
        .unwrap()
        .starts_with("**CIPP alerts: 3 findings in 2 tenants"));
    assert_eq!(
        WebhookFormat::from_url("https://hooks.slack.com/services/x"),
        WebhookFormat::Slack
    );
    assert_eq!(
        WebhookFormat::from_url("https://contoso.webhook.office.com/x"),
        WebhookFormat::Teams
    );
    assert_eq!(
        WebhookFormat::from_url("https://discord.com/api/webhooks/1/x"),
        WebhookFormat::Discord
    );
    assert_eq!(
        WebhookFormat::from_url("https://siem.example/x"),
        WebhookFormat::Json
    );
}

#[tokio::test]
async fn big_digests_stay_inside_chat_limits() {
    let findings: Vec<Finding> = (0..3000)
        .map(|i| {
            Finding::new(
                "InactiveUsers",
                &format!("t{}.example", i % 60),
                json!({"Message": format!("user{i}@x has not signed in for a long while")}),
                &[],
            )
        })
        .collect();
    let d = Digest::new(findings, 0);
    let slack = WebhookFormat::Slack.render(&d);
    let blocks = slack["blocks"].as_array().unwrap();
    assert!(blocks.len() <= 50);
    assert!(blocks
        .iter()
        .all(|b| b["text"]["text"].as_str().is_none_or(|t| t.len() <= 3000)));
    let discord = WebhookFormat::Discord.render(&d);
    assert!(discord["embeds"].as_array().unwrap().len() <= 10);
    let total: usize = discord["embeds"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["description"].as_str().unwrap().len())
        .sum();
    assert!(total <= 6000, "{total}");
    assert!(
        serde_json::to_vec(&WebhookFormat::Teams.render(&d))
            .unwrap()
            .len()
            < 28_000
    );
}
