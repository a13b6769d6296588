//! # cipp-core
//!
//! The ground floor of cipp-rs: who we are (credentials), what we may do (tokens per tenant,
//! scope and grant), how requests travel (a retrying, throttling-aware HTTP pipeline), where
//! they go (clouds and endpoint overrides), and what went wrong (one error type).
//!
//! ```no_run
//! # async fn run() -> Result<(), cipp_core::Error> {
//! use cipp_core::{Pipeline, Settings, Service, ServiceRequest};
//! let settings = Settings::from_env()?;
//! let pipeline = Pipeline::builder(settings.credentials()?)
//!     .endpoints(settings.endpoints()?)
//!     .build()?;
//! let url = pipeline.endpoints().join(Service::Graph, "v1.0/organization");
//! let org = pipeline
//!     .send(ServiceRequest::new(Service::Graph, "alpha.onmicrosoft.com", http::Method::GET, url))
//!     .await?;
//! # Ok(()) }
//! ```

pub mod certificate;
pub mod cloud;
pub mod credentials;
pub mod csv;
pub mod device_code;
pub mod error;
pub mod http;
pub mod jwt;
pub mod login;
mod normalize;
pub mod secret_store;
pub mod settings;
pub mod tenant;
pub mod token_cache;

pub use certificate::ClientCertificate;
pub use cloud::{Cloud, Endpoints, Service};
pub use credentials::{ClientAuth, Credentials, CredentialsBuilder, Grant};
pub use device_code::{DeviceCodeLogin, DeviceCodePrompt};
pub use error::{AuthError, Error, Result, ServiceError};
pub use http::{
    HttpResponse, Pipeline, PipelineBuilder, RetryPolicy, ServiceRequest, ThrottlePriority,
};
pub use jwt::TokenClaims;
pub use login::{AccessToken, TokenGrant};
pub use normalize::friendly_hint;
pub use secret_store::{EnvSecretStore, FileSecretStore, SecretStore};
pub use settings::Settings;
pub use tenant::{is_guid, TenantResolver};
pub use token_cache::{TokenCache, TokenKey};

/// Re-exported so callers can build requests without adding `http` themselves.
pub use ::http::Method;
pub use secrecy::{ExposeSecret, SecretString};
