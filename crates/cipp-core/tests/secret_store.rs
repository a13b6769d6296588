//! The secret store wired into the token pipeline, over real HTTP against wiremock: the
//! refresh token loaded from the store, rotated tokens written back (rate-limited), and
//! direct tenants using their own refresh token.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::{Arc, Mutex};
use std::time::Duration;

use cipp_core::secret_store::{names, FileSecretStore, SecretStore};
use cipp_core::{Credentials, Endpoints, ExposeSecret, Grant, Pipeline, SecretString, Service};
use wiremock::matchers::{body_string_contains, method, path_regex};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

const DIRECT: &str = "7d0b0000-0000-4000-8000-00000000d1ec";

/// Answers every token request with a new access token and a new refresh token, and keeps
/// the refresh tokens it was sent.
#[derive(Clone, Default)]
struct Issuer {
    seen: Arc<Mutex<Vec<String>>>,
}

impl Respond for Issuer {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        let form: Vec<(String, String)> = url::form_urlencoded::parse(&req.body)
            .into_owned()
            .collect();
        let rt = form
            .iter()
            .find(|(k, _)| k == "refresh_token")
            .map(|(_, v)| v.clone())
            .unwrap_or_default();
        let mut seen = self.seen.lock().unwrap();
        seen.push(rt.clone());
        let n = seen.len();
        ResponseTemplate::new(200).set_body_json(serde_json::json!({
            "token_type": "Bearer",
            "expires_in": 3599,
            "access_token": format!("opaque-access-{n}"),
            "refresh_token": format!("{rt}-r{n}"),
        }))
    }
}

async fn setup(store: Arc<dyn SecretStore>, interval: Duration) -> (MockServer, Pipeline, Issuer) {
    let server = MockServer::start().await;
    let issuer = Issuer::default();
    Mock::given(method("POST"))
        .and(path_regex(r"/oauth2/v2.0/token$"))
        .and(body_string_contains("grant_type=refresh_token"))
        .respond_with(issuer.clone())
        .mount(&server)
        .await;
    let creds = Credentials::builder("app-id")
        .client_secret("secret+value")
        .partner_tenant("partner.onmicrosoft.com")
        .secret_store(store)
        .persist_interval(interval)
        .direct_tenant(DIRECT)
        .build()
        .unwrap();
    let endpoints = Endpoints::default()
        .with_override(Service::Login, &server.uri())
        .unwrap();
    let pipeline = Pipeline::builder(creds)
        .endpoints(endpoints)
        .build()
        .unwrap();
    (server, pipeline, issuer)
}

fn secret(v: &str) -> SecretString {
    SecretString::from(v.to_string())
}

fn temp_store() -> (Arc<FileSecretStore>, std::path::PathBuf) {
    let dir = std::env::temp_dir().join(format!("cipp-core-store-{}", uuid::Uuid::new_v4()));
    (Arc::new(FileSecretStore::new(dir.join("s.json"))), dir)
}

#[tokio::test]
async fn refresh_token_comes_from_the_store_and_rotations_go_back_once_per_interval() {
    let (store, dir) = temp_store();
    store
        .set(names::REFRESH_TOKEN, secret("rt0"))
        .await
        .unwrap();
    let (_server, pipeline, issuer) = setup(store.clone(), Duration::from_secs(600)).await;

    pipeline
        .token("alpha.onmicrosoft.com", Service::Graph, Grant::Delegated)
        .await
        .unwrap();
    assert_eq!(issuer.seen.lock().unwrap()[0], "rt0");
    // The rotated token was written back.
    let stored = store.get("refreshtoken").await.unwrap().unwrap();
    assert_eq!(stored.expose_secret(), "rt0-r1");

    // A second rotation within the interval is used in memory but not written again.
    pipeline
        .token("bravo.onmicrosoft.com", Service::Graph, Grant::Delegated)
        .await
        .unwrap();
    assert_eq!(issuer.seen.lock().unwrap()[1], "rt0-r1");
    let stored = store.get(names::REFRESH_TOKEN).await.unwrap().unwrap();
    assert_eq!(stored.expose_secret(), "rt0-r1");
    assert_eq!(
        pipeline
            .credentials()
            .refresh_token()
            .unwrap()
            .expose_secret(),
        "rt0-r1-r2"
    );
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test]
async fn zero_interval_persists_every_rotation() {
    let (store, dir) = temp_store();
    store.set(names::REFRESH_TOKEN, secret("a")).await.unwrap();
    let (_server, pipeline, _issuer) = setup(store.clone(), Duration::ZERO).await;
    for t in ["one.example", "two.example"] {
        pipeline
            .token(t, Service::Graph, Grant::Delegated)
            .await
            .unwrap();
    }
    let stored = store.get(names::REFRESH_TOKEN).await.unwrap().unwrap();
    assert_eq!(stored.expose_secret(), "a-r1-r2");
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test]
async fn direct_tenant_uses_its_own_refresh_token_named_by_guid() {
    let (store, dir) = temp_store();
    store
        .set(names::REFRESH_TOKEN, secret("partner-rt"))
        .await
        .unwrap();
    store.set(DIRECT, secret("direct-rt")).await.unwrap();
    let (_server, pipeline, issuer) = setup(store.clone(), Duration::from_secs(600)).await;

    pipeline
        .token(DIRECT, Service::Graph, Grant::Delegated)
        .await
        .unwrap();
    pipeline
        .token("alpha.onmicrosoft.com", Service::Graph, Grant::Delegated)
        .await
        .unwrap();
    let seen = issuer.seen.lock().unwrap().clone();
    assert_eq!(
        seen,
        vec!["direct-rt".to_string(), "partner-rt".to_string()]
    );
    // Each rotation went to its own secret.
    assert_eq!(
        store.get(DIRECT).await.unwrap().unwrap().expose_secret(),
        "direct-rt-r1"
    );
    assert_eq!(
        store
            .get(names::REFRESH_TOKEN)
            .await
            .unwrap()
            .unwrap()
            .expose_secret(),
        "partner-rt-r2"
    );
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test]
async fn missing_direct_token_is_a_typed_error_naming_the_tenant() {
    let (store, dir) = temp_store();
    store
        .set(names::REFRESH_TOKEN, secret("partner-rt"))
        .await
        .unwrap();
    let (_server, pipeline, issuer) = setup(store, Duration::from_secs(600)).await;
    let err = pipeline
        .token(DIRECT, Service::Graph, Grant::Delegated)
        .await
        .unwrap_err()
        .to_string();
    assert!(
        err.contains(DIRECT) && err.contains("direct tenant"),
        "{err}"
    );
    assert!(issuer.seen.lock().unwrap().is_empty(), "nothing was sent");
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn a_direct_tenant_must_be_a_guid() {
    let err = Credentials::builder("app")
        .client_secret("s")
        .partner_tenant("p")
        .direct_tenant("contoso.com")
        .build()
        .unwrap_err()
        .to_string();
    assert!(err.contains("contoso.com"), "{err}");
}
