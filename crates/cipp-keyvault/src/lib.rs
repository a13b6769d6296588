//! # cipp-keyvault
//!
//! Azure Key Vault secrets for cipp-rs: where CIPP keeps the SAM app's credentials, the
//! partner refresh token and each direct tenant's refresh token.
//!
//! ```no_run
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! use cipp_core::{Pipeline, Settings};
//! use cipp_keyvault::KeyVaultClient;
//! use futures::TryStreamExt;
//! use secrecy::{ExposeSecret, SecretString};
//!
//! let settings = Settings::from_env()?;
//! let pipeline = Pipeline::builder(settings.credentials()?)
//!     .endpoints(settings.endpoints()?)
//!     .build()?;
//! // App-only tokens of the SAM app in the partner tenant; or `.managed_identity(...)`.
//! let kv = KeyVaultClient::builder("cipp-kv").pipeline(pipeline).build()?;
//!
//! kv.set_secret("HIBP", SecretString::from("api-key".to_string())).await?;
//! let hibp = kv.get_secret("HIBP").await?;
//! println!("HIBP key version {:?}", hibp.version()); // the value never prints by accident
//! assert_eq!(hibp.value.as_ref().map(|v| v.expose_secret()), Some("api-key"));
//!
//! let mut secrets = kv.list_secrets();
//! while let Some(p) = secrets.try_next().await? {
//!     println!("{}", p.name().unwrap_or("?"));
//! }
//! kv.delete_secret("HIBP").await?;
//! kv.recover_deleted_secret("HIBP").await?;
//! # Ok(()) }
//! ```
//!
//! With the `SecretStore` of cipp-core, the token pipeline reads the refresh token from the
//! vault and writes rotated ones back: see [`KeyVaultSecretStore`].

pub mod client;
pub mod error;
pub mod identity;
pub mod models;
pub mod store;
mod vault_name;

pub use client::{KeyVaultClient, KeyVaultClientBuilder, API_VERSION};
pub use error::{KeyVaultError, Result};
pub use identity::ManagedIdentity;
pub use models::{DeletedSecret, Secret, SecretAttributes, SecretProperties, SetSecretOptions};
pub use store::KeyVaultSecretStore;
pub use vault_name::{vault_name_from, vault_name_from_env};
