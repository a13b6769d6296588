//! Talking to the Entra ID token endpoint.

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use http::header::{HeaderValue, CONTENT_TYPE};
use http::Method;
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use tracing::Instrument;

use crate::certificate::CLIENT_ASSERTION_TYPE;
use crate::cloud::{Endpoints, Service};
use crate::credentials::{ClientAuth, Credentials, Grant};
use crate::error::{AuthError, Error};
use crate::http::retry::{is_retryable_status, parse_retry_after, RetryPolicy};
use crate::http::transport::{HttpRequest, HttpResponse, Transport};
use crate::jwt::TokenClaims;

/// A bearer token. `Debug` never shows it.
#[derive(Clone)]
pub struct AccessToken {
    secret: SecretString,
    /// When the token stops being valid (local clock).
    pub expires_at: Instant,
    /// Wall-clock expiry, for display.
    pub expires_on: SystemTime,
    /// The tenant GUID from the token's `tid` claim, when the token is a JWT.
    pub tenant_id: Option<String>,
}

impl std::fmt::Debug for AccessToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AccessToken")
            .field("token", &"[REDACTED]")
            .field("expires_on", &self.expires_on)
            .field("tenant_id", &self.tenant_id)
            .finish()
    }
}

impl AccessToken {
    /// Build from the raw token and its lifetime.
    pub fn new(token: String, lifetime: Duration) -> Self {
        let tenant_id = TokenClaims::decode(&token).and_then(|c| c.tid);
        AccessToken {
            secret: SecretString::from(token),
            expires_at: Instant::now() + lifetime,
            expires_on: SystemTime::now() + lifetime,
            tenant_id,
        }
    }

    /// The token text, for an `Authorization` header.
    pub fn secret(&self) -> &str {
        self.secret.expose_secret()
    }

    /// `true` when fewer than `margin` remain before expiry.
    pub fn expires_within(&self, margin: Duration) -> bool {
        Instant::now() + margin >= self.expires_at
    }

    /// `Bearer ...` header value, marked sensitive so HTTP debug output hides it.
    pub fn header_value(&self) -> Result<HeaderValue, Error> {
        let mut v = HeaderValue::from_str(&format!("Bearer {}", self.secret()))
            .map_err(|_| Error::invalid_input("access token", "contains invalid characters"))?;
        v.set_sensitive(true);
        Ok(v)
    }
}

/// What the token endpoint answered on success.
#[derive(Debug)]
pub struct TokenGrant {
    /// The access token.
    pub access_token: AccessToken,
    /// A rotated refresh token, if one came back.
    pub refresh_token: Option<SecretString>,
}

#[derive(Deserialize)]
struct TokenBody {
    access_token: String,
    #[serde(default)]
    refresh_token: Option<String>,
    #[serde(default)]
    expires_in: Option<serde_json::Value>,
    #[serde(default)]
    expires_on: Option<serde_json::Value>,
}

fn number(v: &serde_json::Value) -> Option<u64> {
    v.as_u64().or_else(|| v.as_str()?.trim().parse().ok())
}

/// Parse a successful token response (`expires_in` may be a number or a string).
pub(crate) fn parse_token_body(body: &[u8], tenant: &str) -> Result<TokenGrant, Error> {
    let parsed: TokenBody = crate::error::decode_json(body, "token response", tenant)?;
    let lifetime = parsed
        .expires_in
        .as_ref()
        .and_then(number)
        .or_else(|| {
            let on = parsed.expires_on.as_ref().and_then(number)?;
            let now = SystemTime::now().duration_since(UNIX_EPOCH).ok()?.as_secs();
            Some(on.saturating_sub(now))
        })
        .unwrap_or(3599);
    Ok(TokenGrant {
        access_token: AccessToken::new(parsed.access_token, Duration::from_secs(lifetime)),
        refresh_token: parsed
            .refresh_token
            .filter(|t| !t.is_empty())
            .map(SecretString::from),
    })
}

/// Turn an Entra error answer into an [`AuthError`].
pub(crate) fn parse_login_error(tenant: &str, resp: &HttpResponse) -> AuthError {
    #[derive(Deserialize, Default)]
    struct LoginError {
        #[serde(default)]
        error: String,
        #[serde(default)]
        error_description: String,
        #[serde(default)]
        error_codes: Vec<u64>,
        #[serde(default)]
        correlation_id: Option<String>,
    }
    let body: LoginError = serde_json::from_slice(&resp.body).unwrap_or_default();
    let description = body
        .error_description
        .lines()
        .next()
        .unwrap_or_default()
        .trim()
        .to_string();
    let code = body
        .error_codes
        .first()
        .map(|c| format!("AADSTS{c}"))
        .or_else(|| {
            let start = description.find("AADSTS")?;
            let digits: String = description[start + 6..]
                .chars()
                .take_while(char::is_ascii_digit)
                .collect();
            (!digits.is_empty()).then(|| format!("AADSTS{digits}"))
        });
    AuthError {
        tenant: tenant.to_string(),
        error: if body.error.is_empty() {
            format!("HTTP {}", resp.status)
        } else {
            body.error
        },
        code,
        description,
        status: Some(resp.status),
        correlation_id: body.correlation_id,
    }
}

/// Form fields of a token request. Values are encoded with `+` as `%2B` (secrets contain it).
pub(crate) fn encode_form(fields: &[(&str, &str)]) -> String {
    let mut ser = url::form_urlencoded::Serializer::new(String::new());
    for (k, v) in fields {
        ser.append_pair(k, v);
    }
    ser.finish()
}

/// Post a form to the login endpoint, retrying throttling and connection failures.
pub(crate) async fn post_form(
    transport: &dyn Transport,
    retry: &RetryPolicy,
    url: &str,
    body: String,
    tenant: &str,
) -> Result<HttpResponse, Error> {
    let mut waited = Duration::ZERO;
    let mut retries = 0u32;
    loop {
        let mut req = HttpRequest::new(Method::POST, url);
        req.headers.insert(
            CONTENT_TYPE,
            HeaderValue::from_static("application/x-www-form-urlencoded"),
        );
        req.body = Some(Bytes::from(body.clone()));
        let (retry_after, failure) = match transport.send(req).await {
            Ok(resp) if is_retryable_status(resp.status) => (
                resp.header("retry-after").and_then(parse_retry_after),
                Ok(resp),
            ),
            Ok(resp) => return Ok(resp),
            // Token requests change nothing server-side, so even a timeout is safe to resend.
            Err(e) => (None, Err(e)),
        };
        if !retry.pause(&mut retries, retry_after, &mut waited).await {
            return failure.map_err(|e| e.into_error("POST token endpoint", tenant));
        }
    }
}

/// Mint a token for `tenant`/`scope` with `grant` using `credentials`.
// Crate-private; the arguments are the pipeline's parts and the request's key.
#[allow(clippy::too_many_arguments)]
pub(crate) async fn request_token(
    transport: &dyn Transport,
    endpoints: &Endpoints,
    retry: &RetryPolicy,
    credentials: &Credentials,
    tenant: &str,
    canonical: &str,
    scope: &str,
    grant: Grant,
) -> Result<TokenGrant, Error> {
    let url = endpoints.join(Service::Login, &format!("{tenant}/oauth2/v2.0/token"));
    // The assertion's audience is the real token endpoint of the cloud, not an override.
    let audience = format!(
        "{}/{tenant}/oauth2/v2.0/token",
        endpoints.cloud().base_url(Service::Login)
    );
    let refresh;
    let secret;
    let assertion;
    let mut fields: Vec<(&str, &str)> = vec![
        ("client_id", credentials.application_id()),
        ("scope", scope),
    ];
    match grant {
        Grant::Delegated => {
            refresh = credentials
                .refresh_token_for(tenant, canonical)
                .await?
                .ok_or_else(|| {
                    if credentials.is_direct_tenant(canonical)
                        || credentials.is_direct_tenant(tenant)
                    {
                        Error::invalid_input(
                            format!("direct tenant {canonical}"),
                            "no refresh token for this direct tenant (store one under its GUID)",
                        )
                    } else {
                        Error::invalid_input(
                            "CIPP_REFRESH_TOKEN",
                            "delegated access needs the partner refresh token (run `cipp auth login`)",
                        )
                    }
                })?;
            fields.push(("grant_type", "refresh_token"));
            fields.push(("refresh_token", refresh.expose_secret()));
        }
        Grant::AppOnly => fields.push(("grant_type", "client_credentials")),
    }
    match credentials.client_auth() {
        ClientAuth::Secret(s) => {
            secret = s.clone();
            fields.push(("client_secret", secret.expose_secret()));
        }
        ClientAuth::Certificate(cert) => {
            assertion = cert.assertion(credentials.application_id(), &audience)?;
            fields.push(("client_assertion_type", CLIENT_ASSERTION_TYPE));
            fields.push(("client_assertion", &assertion));
        }
        ClientAuth::None if grant == Grant::AppOnly => {
            return Err(Error::invalid_input(
                "CIPP_APPLICATION_SECRET",
                "app-only access needs a client secret or certificate",
            ))
        }
        ClientAuth::None => {}
    }
    let span = tracing::debug_span!("cipp.token", tenant, grant = grant.name(), scope);
    let resp = post_form(transport, retry, &url, encode_form(&fields), tenant)
        .instrument(span)
        .await?;
    if !resp.is_success() {
        return Err(parse_login_error(tenant, &resp).into());
    }
    parse_token_body(&resp.body, tenant)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn form_encodes_plus_and_slash() {
        let f = encode_form(&[("client_secret", "a+b/c=d e"), ("scope", "x/.default")]);
        assert_eq!(f, "client_secret=a%2Bb%2Fc%3Dd+e&scope=x%2F.default");
    }

    #[test]
    fn login_error_keeps_aadsts_code_and_first_line() {
        let resp = HttpResponse {
            status: 401,
            headers: Default::default(),
            body: Bytes::from_static(br#"{"error":"invalid_client","error_description":"AADSTS7000215: Invalid client secret provided.\r\nTrace ID: x\r\nCorrelation ID: y","error_codes":[7000215],"correlation_id":"y"}"#),
        };
        let e = parse_login_error("alpha", &resp);
        assert_eq!(e.code.as_deref(), Some("AADSTS7000215"));
        assert_eq!(
            e.description,
            "AADSTS7000215: Invalid client secret provided."
        );
        assert_eq!(e.correlation_id.as_deref(), Some("y"));
        let text = e.to_string();
        assert!(
            text.contains("alpha") && !text.contains("Trace ID"),
            "{text}"
        );
    }

    #[test]
    fn token_body_accepts_string_lifetimes() {
        let g = parse_token_body(
            br#"{"access_token":"a.b.c","expires_in":"60","refresh_token":"r"}"#,
            "t",
        )
        .unwrap();
        assert!(g.access_token.expires_within(Duration::from_secs(61)));
        assert!(!g.access_token.expires_within(Duration::from_secs(50)));
        assert!(g.refresh_token.is_some());
    }
}
