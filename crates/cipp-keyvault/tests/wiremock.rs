//! Behaviour the simulator cannot provoke, over HTTP against wiremock.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use cipp_core::{Credentials, Endpoints, Pipeline, Service};
use cipp_keyvault::{KeyVaultClient, KeyVaultError};
use futures::StreamExt;
use wiremock::matchers::{method, path, path_regex};
use wiremock::{Mock, MockServer, ResponseTemplate};

async fn setup(server: &MockServer) -> KeyVaultClient {
    Mock::given(method("POST"))
        .and(path_regex(r"/oauth2/v2.0/token$"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({
            "access_token": "opaque", "expires_in": 3599, "token_type": "Bearer"
        })))
        .mount(server)
        .await;
    let creds = Credentials::builder("app")
        .client_secret("s")
        .partner_tenant("partner.example")
        .build()
        .unwrap();
    let ep = Endpoints::default()
        .with_override(Service::Login, &server.uri())
        .unwrap()
        .with_override(Service::KeyVault, &format!("{}/kv", server.uri()))
        .unwrap();
    let p = Pipeline::builder(creds).endpoints(ep).build().unwrap();
    KeyVaultClient::new(p, "cipp-kv").unwrap()
}

#[tokio::test]
async fn a_next_link_to_another_host_is_not_followed() {
    let server = MockServer::start().await;
    let kv = setup(&server).await;
    Mock::given(method("GET"))
        .and(path("/kv/cipp-kv/secrets"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({
            "value": [{"id": "https://cipp-kv.vault.azure.net/secrets/A"}],
            "nextLink": "https://evil.example.com/secrets?api-version=7.4&$skiptoken=x"
        })))
        .expect(1)
        .mount(&server)
        .await;
    let items: Vec<_> = kv.list_secrets().collect().await;
    assert_eq!(items.len(), 2);
    assert_eq!(items[0].as_ref().unwrap().name(), Some("A"));
    match &items[1] {
        Err(KeyVaultError::ForeignNextLink { host, .. }) => assert_eq!(host, "evil.example.com"),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn a_409_that_is_not_about_deletion_is_returned_without_recovering() {
    let server = MockServer::start().await;
    let kv = setup(&server).await;
    Mock::given(method("PUT"))
        .and(path("/kv/cipp-kv/secrets/A"))
        .respond_with(ResponseTemplate::new(409).set_body_json(serde_json::json!({
            "error": {"code": "Conflict", "message": "There was a conflict with another operation."}
        })))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(500))
        .expect(0)
        .mount(&server)
        .await;
    let err = kv
        .set_secret("A", secrecy::SecretString::from("v".to_string()))
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(409));
}

#[tokio::test]
async fn a_garbled_answer_is_a_decode_error_naming_the_operation() {
    let server = MockServer::start().await;
    let kv = setup(&server).await;
    Mock::given(method("GET"))
        .and(path("/kv/cipp-kv/secrets/A"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({
            "value": "v", "attributes": {"enabled": "yes"}
        })))
        .mount(&server)
        .await;
    let err = kv.get_secret("A").await.unwrap_err();
    assert!(
        matches!(err, KeyVaultError::Api(cipp_core::Error::Decode { .. })),
        "{err:?}"
    );
    // Flattened models (unknown fields kept) lose serde's path, so the operation, the vault
    // and serde's own words are what is left to say where.
    let text = err.to_string();
    assert!(
        text.contains("GET secret in vault cipp-kv") && text.contains("boolean"),
        "{text}"
    );
}
