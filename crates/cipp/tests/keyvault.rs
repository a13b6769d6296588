//! Key Vault and the secret store through the facade, against the simulator.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;

use cipp::core::secret_store::{names, FileSecretStore, SecretStore};
use cipp::core::{ExposeSecret, SecretString};
use cipp::{Cipp, Service};
use cipp_sim::Sim;

fn builder(sim: &Sim) -> cipp::CippBuilder {
    let c = sim.credentials();
    let mut b = Cipp::builder()
        .application_id(c.application_id)
        .application_secret(c.application_secret)
        .tenant_id(c.partner_tenant_id);
    for (name, url) in sim.endpoints() {
        b = b.endpoint(name.parse::<Service>().unwrap(), url);
    }
    b
}

#[tokio::test]
async fn key_vault_round_trip_through_the_facade() {
    let sim = Sim::start().await.unwrap();
    let cipp = builder(&sim).build().unwrap();
    let kv = cipp.key_vault("cipp-kv").unwrap();
    kv.set_secret("HIBP", SecretString::from("k".to_string()))
        .await
        .unwrap();
    let s: cipp::keyvault::Secret = kv.get_secret("HIBP").await.unwrap();
    assert_eq!(s.value.unwrap().expose_secret(), "k");
    let err = cipp.key_vault("no").unwrap_err().to_string();
    assert!(err.contains("vault"), "{err}");
}

#[tokio::test]
async fn refresh_token_from_a_file_store_is_used_and_rotated_back() {
    let sim = Sim::start().await.unwrap();
    let dir = std::env::temp_dir().join(format!("cipp-facade-{}", std::process::id()));
    let store = Arc::new(FileSecretStore::new(dir.join("secrets.json")));
    let rt = sim.credentials().refresh_token;
    store
        .set(names::REFRESH_TOKEN, SecretString::from(rt.clone()))
        .await
        .unwrap();
    let cipp = builder(&sim).secret_store(store.clone()).build().unwrap();
    let org = cipp
        .tenant("alpha.onmicrosoft.com")
        .graph()
        .get("organization")
        .await;
    assert!(org.is_ok(), "{org:?}");
    let stored = store.get(names::REFRESH_TOKEN).await.unwrap().unwrap();
    assert_ne!(
        stored.expose_secret(),
        rt,
        "the rotated token was persisted"
    );
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test]
async fn cipp_starts_from_key_vault_through_the_managed_identity() {
    use cipp::keyvault::{KeyVaultClient, KeyVaultSecretStore, ManagedIdentity};
    let sim = Sim::start().await.unwrap();
    let mut endpoints = cipp::core::Endpoints::default();
    for (name, url) in sim.endpoints() {
        endpoints = endpoints
            .with_override(name.parse::<Service>().unwrap(), &url)
            .unwrap();
    }
    let vault = KeyVaultClient::builder("cipp-kv")
        .endpoints(endpoints)
        .managed_identity(
            ManagedIdentity::new(sim.identity_endpoint(), sim.identity_header()).unwrap(),
        )
        .build()
        .unwrap();
    let store = Arc::new(KeyVaultSecretStore::new(vault));
    let c = sim.credentials();
    for (name, value) in [
        ("applicationid", c.application_id.clone()), // CIPP's setup writes lowercase names
        ("ApplicationSecret", c.application_secret.clone()),
        ("TenantID", c.partner_tenant_id.clone()),
        ("RefreshToken", c.refresh_token.clone()),
    ] {
        store.set(name, SecretString::from(value)).await.unwrap();
    }
    let mut b = Cipp::builder();
    for (name, url) in sim.endpoints() {
        b = b.endpoint(name.parse::<Service>().unwrap(), url);
    }
    let cipp = b
        .fill_from_store(store.as_ref())
        .await
        .unwrap()
        .secret_store(store.clone())
        .build()
        .unwrap();
    let tenants = cipp.tenants().await.unwrap();
    assert_eq!(tenants.len(), sim.tenants().len());
    // The rotated refresh token went back to the vault.
    let stored = store.get(names::REFRESH_TOKEN).await.unwrap().unwrap();
    assert_ne!(stored.expose_secret(), c.refresh_token);
}

#[tokio::test]
async fn a_direct_tenant_is_reached_with_its_own_refresh_token_from_the_store() {
    let sim = Sim::start().await.unwrap();
    let (echo, echo_rt) = sim.direct_tenant().unwrap();
    let dir = std::env::temp_dir().join(format!("cipp-direct-{}", std::process::id()));
    let store = Arc::new(FileSecretStore::new(dir.join("secrets.json")));
    store
        .set(
            names::REFRESH_TOKEN,
            SecretString::from(sim.credentials().refresh_token),
        )
        .await
        .unwrap();
    store
        .set(&echo, SecretString::from(echo_rt.clone()))
        .await
        .unwrap();

    // Through GDAP the partner cannot reach Echo...
    let gdap_only = builder(&sim).secret_store(store.clone()).build().unwrap();
    let err = gdap_only
        .tenant(echo.clone())
        .graph()
        .get("organization")
        .await
        .unwrap_err();
    assert!(matches!(err, cipp::Error::Auth(_)), "{err:?}");

    // ...but as a direct tenant, with the token stored under its GUID, it can.
    let cipp = builder(&sim)
        .secret_store(store.clone())
        .direct_tenant(echo.clone())
        .build()
        .unwrap();
    let org = cipp.tenant(echo.clone()).graph().get("organization").await;
    assert!(org.is_ok(), "{org:?}");
    // The direct tenant's rotated token went back under its GUID; the partner's is untouched
    // by it, and the partner's token still reaches the GDAP customers.
    let stored = store.get(&echo).await.unwrap().unwrap();
    assert_ne!(stored.expose_secret(), echo_rt);
    let alpha = cipp
        .tenant("alpha.onmicrosoft.com")
        .graph()
        .get("organization")
        .await;
    assert!(alpha.is_ok(), "{alpha:?}");
    // A direct token opens its own tenant only.
    let c = sim.credentials();
    let mut misuse = Cipp::builder()
        .application_id(c.application_id)
        .application_secret(c.application_secret)
        .tenant_id(c.partner_tenant_id)
        .refresh_token(echo_rt);
    for (name, url) in sim.endpoints() {
        misuse = misuse.endpoint(name.parse::<Service>().unwrap(), url);
    }
    let err = misuse
        .build()
        .unwrap()
        .tenant("alpha.onmicrosoft.com")
        .graph()
        .get("organization")
        .await
        .unwrap_err();
    assert!(matches!(err, cipp::Error::Auth(_)), "{err:?}");
    let _ = std::fs::remove_dir_all(dir);
}
