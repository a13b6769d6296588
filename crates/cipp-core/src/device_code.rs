//! Device-code sign-in: how an MSP engineer obtains the partner refresh token at a terminal.

use std::time::Duration;

use bytes::Bytes;
use http::header::{HeaderValue, CONTENT_TYPE};
use http::Method;
use serde::Deserialize;

use crate::cloud::{Endpoints, Service};
use crate::error::Error;
use crate::http::retry::RetryPolicy;
use crate::http::transport::{HttpRequest, Transport};
use crate::login::{encode_form, parse_login_error, parse_token_body, post_form, TokenGrant};

/// The code the user types at the verification page.
#[derive(Debug, Clone, Deserialize)]
#[non_exhaustive]
pub struct DeviceCodePrompt {
    /// Code to enter.
    pub user_code: String,
    /// Where to enter it.
    pub verification_uri: String,
    /// Seconds until the code expires.
    pub expires_in: u64,
    /// Seconds between polls.
    #[serde(default = "default_interval")]
    pub interval: u64,
    /// Entra's instruction text.
    #[serde(default)]
    pub message: String,
    #[serde(skip_serializing)]
    device_code: String,
}

fn default_interval() -> u64 {
    5
}

/// A device-code sign-in in progress.
#[derive(Debug)]
pub struct DeviceCodeLogin<'a> {
    transport: &'a dyn Transport,
    endpoints: &'a Endpoints,
    client_id: String,
    scope: String,
}

impl<'a> DeviceCodeLogin<'a> {
    /// Prepare a sign-in for `client_id` asking for `scope` (plus `offline_access openid profile`).
    pub fn new(
        transport: &'a dyn Transport,
        endpoints: &'a Endpoints,
        client_id: impl Into<String>,
        scope: Option<&str>,
    ) -> Self {
        let base = scope
            .map(str::to_string)
            .or_else(|| endpoints.scope(Service::Graph))
            .unwrap_or_default();
        DeviceCodeLogin {
            transport,
            endpoints,
            client_id: client_id.into(),
            scope: format!("{base} offline_access profile openid"),
        }
    }

    /// Ask Entra for a user code in `tenant` (`organizations` when `None`).
    pub async fn start(&self, tenant: Option<&str>) -> Result<DeviceCodePrompt, Error> {
        let tenant = tenant.unwrap_or("organizations");
        crate::tenant::validate_tenant(tenant)?;
        let url = self
            .endpoints
            .join(Service::Login, &format!("{tenant}/oauth2/v2.0/devicecode"));
        let mut req = HttpRequest::new(Method::POST, url);
        req.headers.insert(
            CONTENT_TYPE,
            HeaderValue::from_static("application/x-www-form-urlencoded"),
        );
        req.body = Some(Bytes::from(encode_form(&[
            ("client_id", &self.client_id),
            ("scope", &self.scope),
        ])));
        let resp = self
            .transport
            .send(req)
            .await
            .map_err(|e| e.into_error("POST devicecode", tenant))?;
        if !resp.is_success() {
            return Err(parse_login_error(tenant, &resp).into());
        }
        crate::error::decode_json(&resp.body, "POST devicecode", tenant)
    }

    /// Poll until the user finishes, the code expires, or they decline.
    pub async fn wait(&self, prompt: &DeviceCodePrompt) -> Result<TokenGrant, Error> {
        let url = self
            .endpoints
            .join(Service::Login, "organizations/oauth2/v2.0/token");
        let mut interval = Duration::from_secs(prompt.interval.max(1));
        let deadline = tokio::time::Instant::now() + Duration::from_secs(prompt.expires_in);
        let retry = RetryPolicy::default().with_max_retries(3);
        loop {
            let body = encode_form(&[
                ("client_id", &self.client_id),
                ("scope", &self.scope),
                ("grant_type", "urn:ietf:params:oauth:grant-type:device_code"),
                ("device_code", &prompt.device_code),
            ]);
            let resp = post_form(self.transport, &retry, &url, body, "organizations").await?;
            if resp.is_success() {
                return parse_token_body(&resp.body, "organizations");
            }
            let err = parse_login_error("organizations", &resp);
            match err.error.as_str() {
                "authorization_pending" => {}
                // RFC 8628: back off by 5 seconds on slow_down.
                "slow_down" => interval += Duration::from_secs(5),
                _ => return Err(err.into()),
            }
            if tokio::time::Instant::now() + interval > deadline {
                return Err(Error::invalid_input(
                    "device code",
                    "the code expired before sign-in finished; run the login again",
                ));
            }
            tokio::time::sleep(interval).await;
        }
    }
}
