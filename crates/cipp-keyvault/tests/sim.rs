//! The Key Vault client end to end over HTTP against cipp-sim.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;
use std::time::Duration;

use cipp_core::secret_store::{names, SecretStore};
use cipp_core::{
    Credentials, Endpoints, ExposeSecret, Grant, Pipeline, RetryPolicy, SecretString, Service,
};
use cipp_keyvault::{
    KeyVaultClient, KeyVaultError, KeyVaultSecretStore, ManagedIdentity, SetSecretOptions,
};
use cipp_sim::{FaultRule, Sim};
use futures::TryStreamExt;

const VAULT: &str = "cipp-kv";

fn endpoints(sim: &Sim) -> Endpoints {
    let mut ep = Endpoints::default();
    for (name, url) in sim.endpoints() {
        ep = ep
            .with_override(name.parse::<Service>().unwrap(), &url)
            .unwrap();
    }
    ep
}

fn pipeline(sim: &Sim, refresh_token: bool) -> Pipeline {
    let c = sim.credentials();
    let mut b = Credentials::builder(&c.application_id)
        .client_secret(&c.application_secret)
        .partner_tenant(&c.partner_tenant_id);
    if refresh_token {
        b = b.refresh_token(&c.refresh_token);
    }
    Pipeline::builder(b.build().unwrap())
        .endpoints(endpoints(sim))
        .retry(
            RetryPolicy::default()
                .with_base_delay(Duration::from_millis(5))
                .with_max_retries(3),
        )
        .build()
        .unwrap()
}

fn client(sim: &Sim) -> KeyVaultClient {
    KeyVaultClient::builder(VAULT)
        .pipeline(pipeline(sim, true))
        .recover_polling(Duration::from_millis(10), 20)
        .build()
        .unwrap()
}

fn secret(v: &str) -> SecretString {
    SecretString::from(v.to_string())
}

fn count(sim: &Sim, method: &str, path_contains: &str) -> usize {
    sim.requests()
        .iter()
        .filter(|r| r.method == method && r.path.contains(path_contains))
        .count()
}

#[tokio::test]
async fn set_get_versions_and_paged_list() {
    let sim = Sim::start().await.unwrap();
    let kv = client(&sim);
    let first = kv.set_secret("RefreshToken", secret("rt-1")).await.unwrap();
    let second = kv
        .set_secret_with(
            "refreshtoken",
            secret("rt-2"),
            SetSecretOptions::default()
                .content_type("text/plain")
                .tag("by", "cipp"),
        )
        .await
        .unwrap();
    assert_ne!(first.version(), second.version());
    assert_eq!(second.name(), Some("RefreshToken"));

    let latest = kv.get_secret("RefreshToken").await.unwrap();
    assert_eq!(latest.value.as_ref().unwrap().expose_secret(), "rt-2");
    assert_eq!(
        latest.properties.content_type.as_deref(),
        Some("text/plain")
    );
    assert_eq!(latest.properties.tags.as_ref().unwrap()["by"], "cipp");
    let old = kv
        .get_secret_version("RefreshToken", first.version().unwrap())
        .await
        .unwrap();
    assert_eq!(old.value.unwrap().expose_secret(), "rt-1");
    assert!(!format!("{latest:?}").contains("rt-2"));

    let versions: Vec<_> = kv
        .list_secret_versions("RefreshToken")
        .try_collect()
        .await
        .unwrap();
    assert_eq!(versions.len(), 2);

    for name in ["ApplicationID", "ApplicationSecret", "TenantID", "HIBP"] {
        kv.set_secret(name, secret("x")).await.unwrap();
    }
    sim.clear_requests();
    let all = kv.list_all().await.unwrap();
    let mut names: Vec<&str> = all.iter().map(|p| p.name().unwrap()).collect();
    names.sort_unstable();
    assert_eq!(
        names,
        [
            "ApplicationID",
            "ApplicationSecret",
            "HIBP",
            "RefreshToken",
            "TenantID"
        ]
    );
    // Five secrets, two per page: three pages, following nextLink.
    assert_eq!(count(&sim, "GET", "/keyvault/cipp-kv/secrets"), 3);
    // Every request carried an app-only vault token of the partner tenant.
    let partner = sim.credentials().partner_tenant_id;
    assert!(sim
        .requests()
        .iter()
        .filter(|r| r.kind == "keyvault")
        .all(|r| {
            r.token_aud.as_deref() == Some("https://vault.azure.net")
                && r.token_tid.as_deref() == Some(partner.as_str())
        }));

    // A page size asked for is honoured.
    let kv5 = KeyVaultClient::builder(VAULT)
        .pipeline(pipeline(&sim, false))
        .page_size(5)
        .build()
        .unwrap();
    let mut pages = kv5.secret_pages();
    assert_eq!(pages.try_next().await.unwrap().unwrap().len(), 5);
    assert!(pages.try_next().await.unwrap().is_none());
}

#[tokio::test]
async fn missing_secrets_are_typed_and_name_vault_and_secret() {
    let sim = Sim::start().await.unwrap();
    let kv = client(&sim);
    let err = kv.get_secret("Nope").await.unwrap_err();
    assert!(err.is_not_found(), "{err:?}");
    let text = err.to_string();
    assert!(text.contains("Nope") && text.contains(VAULT), "{text}");
    // The core error keeps the 404 for front ends.
    let core: cipp_core::Error = err.into();
    assert!(core.is_not_found());

    let err = kv.get_secret("bad/name").await.unwrap_err();
    assert!(matches!(err, KeyVaultError::InvalidInput { .. }), "{err:?}");
    let err = kv.get_secret_version("a", "../x").await.unwrap_err();
    assert!(matches!(err, KeyVaultError::InvalidInput { .. }), "{err:?}");
    assert!(KeyVaultClient::builder("x")
        .pipeline(pipeline(&sim, false))
        .build()
        .is_err());
    assert!(
        KeyVaultClient::builder("cipp-kv").build().is_err(),
        "no credentials"
    );
    // Nothing invalid reached the vault.
    assert_eq!(count(&sim, "GET", "bad"), 0);
}

#[tokio::test]
async fn delete_get_deleted_and_recover() {
    let sim = Sim::start().await.unwrap();
    let kv = client(&sim);
    kv.set_secret("HIBP", secret("key-1")).await.unwrap();
    let deleted = kv.delete_secret("HIBP").await.unwrap();
    assert!(deleted
        .recovery_id
        .unwrap()
        .ends_with("/deletedsecrets/HIBP"));
    assert!(kv.get_secret("HIBP").await.unwrap_err().is_not_found());
    let d = kv.get_deleted_secret("hibp").await.unwrap();
    assert_eq!(d.properties.name(), Some("HIBP"));
    assert!(d.deleted_date.is_some());
    assert!(kv.delete_secret("HIBP").await.unwrap_err().is_not_found());

    let listed: Vec<_> = kv.list_deleted_secrets().try_collect().await.unwrap();
    assert_eq!(listed.len(), 1);

    kv.recover_deleted_secret("HIBP").await.unwrap();
    let err = kv.get_deleted_secret("HIBP").await.unwrap_err();
    assert!(
        matches!(err, KeyVaultError::NotFound { deleted: true, .. }),
        "{err:?}"
    );
    // The simulator, like Key Vault, needs a moment after a recovery.
    assert!(kv.get_secret("HIBP").await.unwrap_err().is_not_found());
    assert!(kv.get_secret("HIBP").await.unwrap_err().is_not_found());
    let back = kv.get_secret("HIBP").await.unwrap();
    assert_eq!(back.value.unwrap().expose_secret(), "key-1");

    // Purged, the name is free again: setting it makes a fresh secret with one version.
    kv.delete_secret("HIBP").await.unwrap();
    kv.purge_deleted_secret("HIBP").await.unwrap();
    assert!(kv
        .purge_deleted_secret("HIBP")
        .await
        .unwrap_err()
        .is_not_found());
    kv.set_secret("HIBP", secret("fresh")).await.unwrap();
    let versions: Vec<_> = kv.list_secret_versions("HIBP").try_collect().await.unwrap();
    assert_eq!(versions.len(), 1);
}

#[tokio::test]
async fn setting_a_soft_deleted_name_recovers_then_sets() {
    let sim = Sim::start().await.unwrap();
    let kv = client(&sim);
    kv.set_secret("RefreshToken", secret("old")).await.unwrap();
    kv.delete_secret("RefreshToken").await.unwrap();
    sim.clear_requests();

    let set = kv.set_secret("RefreshToken", secret("new")).await.unwrap();
    assert_eq!(set.name(), Some("RefreshToken"));
    let got = kv.get_secret("RefreshToken").await.unwrap();
    assert_eq!(got.value.unwrap().expose_secret(), "new");
    let versions: Vec<_> = kv
        .list_secret_versions("RefreshToken")
        .try_collect()
        .await
        .unwrap();
    assert_eq!(versions.len(), 2, "the recovered version and the new one");

    let log: Vec<(String, u16)> = sim
        .requests()
        .iter()
        .filter(|r| r.kind == "keyvault")
        .map(|r| (r.method.clone(), r.status))
        .collect();
    // PUT 409, POST recover, reads until readable, PUT 200.
    assert_eq!(log[0], ("PUT".to_string(), 409));
    assert_eq!(log[1], ("POST".to_string(), 200));
    assert!(log.contains(&("GET".to_string(), 404)));
    assert_eq!(
        log.iter().filter(|(m, s)| m == "PUT" && *s == 200).count(),
        1
    );
}

#[tokio::test]
async fn recovery_that_never_becomes_readable_is_bounded() {
    let sim = Sim::start().await.unwrap();
    let kv = KeyVaultClient::builder(VAULT)
        .pipeline(pipeline(&sim, false))
        .recover_polling(Duration::from_millis(5), 2)
        .build()
        .unwrap();
    kv.set_secret("Slow", secret("v")).await.unwrap();
    kv.delete_secret("Slow").await.unwrap();
    // The simulator answers 404 twice after a recovery; two checks are not enough.
    let err = kv.set_secret("Slow", secret("v2")).await.unwrap_err();
    assert!(
        matches!(err, KeyVaultError::RecoverTimeout { attempts: 2, .. }),
        "{err:?}"
    );
    assert!(!format!("{err:?} {err}").contains("v2"));
}

#[tokio::test]
async fn writes_are_not_resent_after_a_server_error_but_reads_ride_out_throttling() {
    let sim = Sim::start().await.unwrap();
    let kv = client(&sim);
    kv.set_secret("A", secret("value-a")).await.unwrap();
    sim.faults().add_rule(
        FaultRule::outage(500)
            .with_path("/keyvault/")
            .with_method("PUT")
            .with_times(1),
    );
    sim.clear_requests();
    let err = kv.set_secret("A", secret("value-b")).await.unwrap_err();
    assert_eq!(err.status(), Some(500));
    assert_eq!(
        count(&sim, "PUT", "/secrets/A"),
        1,
        "a write is never resent blindly"
    );
    let shown = format!("{err:?} {err}");
    assert!(
        !shown.contains("value-b") && !shown.contains("value-a"),
        "{shown}"
    );

    sim.faults()
        .add_rule(FaultRule::throttle("/keyvault/", 0, 2).with_method("GET"));
    let got = kv.get_secret("A").await.unwrap();
    assert_eq!(got.value.unwrap().expose_secret(), "value-a");
}

#[tokio::test]
async fn managed_identity_tokens_are_fetched_once_and_used() {
    let sim = Sim::start().await.unwrap();
    let mi = ManagedIdentity::from_lookup(|k| match k {
        "IDENTITY_ENDPOINT" => Some(sim.identity_endpoint()),
        "IDENTITY_HEADER" => Some(sim.identity_header()),
        _ => None,
    })
    .unwrap();
    assert!(!format!("{mi:?}").contains(&sim.identity_header()));
    let kv = KeyVaultClient::builder(VAULT)
        .endpoints(endpoints(&sim))
        .managed_identity(mi)
        .build()
        .unwrap();
    kv.set_secret("ApplicationID", secret("app")).await.unwrap();
    assert_eq!(
        kv.get_secret("ApplicationID")
            .await
            .unwrap()
            .value
            .unwrap()
            .expose_secret(),
        "app"
    );
    kv.list_all().await.unwrap();
    assert_eq!(count(&sim, "GET", "/msi/token"), 1, "cached");
    assert_eq!(count(&sim, "POST", "/login/"), 0, "no Entra token needed");
    let msi = sim
        .requests()
        .into_iter()
        .find(|r| r.path.starts_with("/msi/"))
        .unwrap();
    assert!(
        msi.query.contains("resource=https%3A%2F%2Fvault.azure.net"),
        "{}",
        msi.query
    );
    assert!(msi.query.contains("api-version=2019-08-01"));

    // A wrong header is a typed error that does not echo the header.
    let bad = KeyVaultClient::builder(VAULT)
        .endpoints(endpoints(&sim))
        .managed_identity(
            ManagedIdentity::new(sim.identity_endpoint(), "wrong-header-xyz").unwrap(),
        )
        .build()
        .unwrap();
    let err = bad.get_secret("ApplicationID").await.unwrap_err();
    assert!(
        matches!(
            err,
            KeyVaultError::ManagedIdentity {
                status: Some(400),
                ..
            }
        ),
        "{err:?}"
    );
    assert!(!format!("{err:?}").contains("wrong-header-xyz"));
    assert!(ManagedIdentity::from_lookup(|_| None).is_err());
}

#[tokio::test]
async fn graph_tokens_are_refused_by_the_vault() {
    let sim = Sim::start().await.unwrap();
    let p = pipeline(&sim, true);
    let graph_token = p.token("", Service::Graph, Grant::AppOnly).await.unwrap();
    let url = format!("{}/{VAULT}/secrets?api-version=7.4", sim.key_vault_url());
    let resp = reqwest::Client::new()
        .get(url)
        .bearer_auth(graph_token.secret())
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 401);
}

#[tokio::test]
async fn the_vault_as_the_token_pipelines_secret_store() {
    let sim = Sim::start().await.unwrap();
    let store = Arc::new(KeyVaultSecretStore::new(client(&sim)));
    assert!(store.get(names::REFRESH_TOKEN).await.unwrap().is_none());
    store
        .set(
            names::REFRESH_TOKEN,
            secret(&sim.credentials().refresh_token),
        )
        .await
        .unwrap();

    // A pipeline with no refresh token of its own reads it from the vault...
    let c = sim.credentials();
    let creds = Credentials::builder(&c.application_id)
        .client_secret(&c.application_secret)
        .partner_tenant(&c.partner_tenant_id)
        .secret_store(store.clone())
        .build()
        .unwrap();
    let p = Pipeline::builder(creds)
        .endpoints(endpoints(&sim))
        .build()
        .unwrap();
    p.token("alpha.onmicrosoft.com", Service::Graph, Grant::Delegated)
        .await
        .unwrap();
    // ... and writes the rotated one back as a new version.
    let stored = store.get(names::REFRESH_TOKEN).await.unwrap().unwrap();
    assert_ne!(stored.expose_secret(), c.refresh_token);
    assert_eq!(
        stored.expose_secret(),
        p.credentials().refresh_token().unwrap().expose_secret()
    );
    let versions: Vec<_> = store
        .client()
        .list_secret_versions(names::REFRESH_TOKEN)
        .try_collect()
        .await
        .unwrap();
    assert_eq!(versions.len(), 2);
    assert!(store.delete(names::REFRESH_TOKEN).await.unwrap());
    assert!(!store.delete(names::REFRESH_TOKEN).await.unwrap());
}
