//! The pipeline over real HTTP against wiremock: tokens, retries, errors, secrecy.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use cipp_core::{
    Credentials, Endpoints, Error, Grant, Method, Pipeline, RetryPolicy, Service, ServiceRequest,
};
use wiremock::matchers::{body_string_contains, header, method, path, path_regex};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

const SECRET: &str = "s3cr+t/with=chars~";
const REFRESH: &str = "1.AXEA+refresh/token==";

fn jwt(tid: &str, n: usize) -> String {
    use base64::Engine;
    let enc = |s: String| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(s);
    format!(
        "{}.{}.sig{n}",
        enc(r#"{"typ":"JWT","alg":"none"}"#.into()),
        enc(format!(
            r#"{{"tid":"{tid}","aud":"https://graph.microsoft.com","n":{n}}}"#
        ))
    )
}

/// Issues a distinct token per request, carrying the tenant from the URL path as `tid`.
struct TokenIssuer {
    count: Mutex<usize>,
}

impl Respond for TokenIssuer {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        let mut n = self.count.lock().unwrap();
        *n += 1;
        let tenant = req
            .url
            .path()
            .split('/')
            .nth(1)
            .unwrap_or_default()
            .to_string();
        let tid = match tenant.as_str() {
            "alpha.onmicrosoft.com" => "11111111-1111-1111-1111-111111111111".to_string(),
            "bravo.onmicrosoft.com" => "22222222-2222-2222-2222-222222222222".to_string(),
            other => other.to_string(),
        };
        ResponseTemplate::new(200).set_body_json(serde_json::json!({
            "token_type": "Bearer",
            "expires_in": 3599,
            "access_token": jwt(&tid, *n),
            "refresh_token": format!("rotated-{n}"),
        }))
    }
}

fn pipeline_for(server: &MockServer, secret: &str) -> Pipeline {
    let creds = Credentials::builder("app-id")
        .client_secret(secret)
        .refresh_token(REFRESH)
        .partner_tenant("partner.onmicrosoft.com")
        .build()
        .unwrap();
    let endpoints = Endpoints::default()
        .with_override(Service::Login, &server.uri())
        .unwrap()
        .with_override(Service::Graph, &format!("{}/graph", server.uri()))
        .unwrap();
    Pipeline::builder(creds)
        .endpoints(endpoints)
        .retry(
            RetryPolicy::default()
                .with_base_delay(Duration::from_millis(5))
                .with_max_retries(6),
        )
        .build()
        .unwrap()
}

async fn server_with_tokens() -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path_regex(r"^/[^/]+/oauth2/v2.0/token$"))
        .and(body_string_contains(
            "client_secret=s3cr%2Bt%2Fwith%3Dchars%7E",
        ))
        .respond_with(TokenIssuer {
            count: Mutex::new(0),
        })
        .mount(&server)
        .await;
    server
}

fn get(p: &Pipeline, tenant: &str, rel: &str) -> ServiceRequest {
    let url = p.endpoints().join(Service::Graph, rel);
    ServiceRequest::new(Service::Graph, tenant, Method::GET, url)
}

fn token_requests(reqs: &[Request]) -> usize {
    reqs.iter()
        .filter(|r| r.url.path().ends_with("/oauth2/v2.0/token"))
        .count()
}

#[tokio::test]
async fn hundred_concurrent_calls_cause_one_token_request() {
    let server = server_with_tokens().await;
    Mock::given(method("GET"))
        .and(path("/graph/v1.0/organization"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({"value": []})))
        .mount(&server)
        .await;
    let p = pipeline_for(&server, SECRET);
    let calls = (0..100).map(|_| {
        let p = p.clone();
        tokio::spawn(async move {
            p.send(get(&p, "alpha.onmicrosoft.com", "v1.0/organization"))
                .await
        })
    });
    for c in futures::future::join_all(calls).await {
        c.unwrap().unwrap();
    }
    let reqs = server.received_requests().await.unwrap();
    assert_eq!(token_requests(&reqs), 1);
    // The overridden base moved the requests, but the scope asked for is still real Graph.
    let token_req = reqs
        .iter()
        .find(|r| r.url.path().ends_with("/token"))
        .unwrap();
    let body = String::from_utf8_lossy(&token_req.body);
    assert!(
        body.contains("scope=https%3A%2F%2Fgraph.microsoft.com%2F.default"),
        "{body}"
    );
    assert!(body.contains("grant_type=refresh_token"), "{body}");
    // The rotated refresh token is kept for the next grant.
    assert_eq!(
        p.credentials()
            .refresh_token()
            .map(|t| cipp_core::ExposeSecret::expose_secret(&t).to_string()),
        Some("rotated-1".to_string())
    );
}

#[tokio::test]
async fn domain_and_guid_share_one_token_once_known() {
    let server = server_with_tokens().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({})))
        .mount(&server)
        .await;
    let p = pipeline_for(&server, SECRET);
    p.send(get(&p, "alpha.onmicrosoft.com", "v1.0/organization"))
        .await
        .unwrap();
    p.send(get(
        &p,
        "11111111-1111-1111-1111-111111111111",
        "v1.0/organization",
    ))
    .await
    .unwrap();
    p.send(get(&p, "ALPHA.onmicrosoft.com", "v1.0/organization"))
        .await
        .unwrap();
    let reqs = server.received_requests().await.unwrap();
    assert_eq!(token_requests(&reqs), 1);
}

#[tokio::test]
async fn a_token_for_tenant_a_is_never_sent_for_tenant_b() {
    let server = server_with_tokens().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({})))
        .mount(&server)
        .await;
    let p = pipeline_for(&server, SECRET);
    let mut calls = Vec::new();
    for i in 0..40 {
        let tenant = if i % 2 == 0 {
            "alpha.onmicrosoft.com"
        } else {
            "bravo.onmicrosoft.com"
        };
        let p = p.clone();
        calls.push(tokio::spawn(async move {
            p.send(get(&p, tenant, &format!("v1.0/organization?t={tenant}")))
                .await
        }));
    }
    for c in futures::future::join_all(calls).await {
        c.unwrap().unwrap();
    }
    let reqs = server.received_requests().await.unwrap();
    assert_eq!(token_requests(&reqs), 2);
    for r in reqs.iter().filter(|r| r.url.path().starts_with("/graph")) {
        let auth = r.headers.get("authorization").unwrap().to_str().unwrap();
        let claims = cipp_core::TokenClaims::decode(auth.trim_start_matches("Bearer ")).unwrap();
        let asked = r.url.query().unwrap();
        let expected = if asked.contains("alpha") {
            "11111111-1111-1111-1111-111111111111"
        } else {
            "22222222-2222-2222-2222-222222222222"
        };
        assert_eq!(claims.tid.as_deref(), Some(expected), "for {asked}");
    }
}

#[tokio::test]
async fn wrong_secret_is_an_auth_error_with_the_aadsts_code() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path_regex(r"/oauth2/v2.0/token$"))
        .respond_with(ResponseTemplate::new(401).set_body_json(serde_json::json!({
            "error": "invalid_client",
            "error_description": "AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the request is the client secret value.\r\nTrace ID: t\r\nCorrelation ID: c\r\nTimestamp: 2026-01-01 00:00:00Z",
            "error_codes": [7000215],
            "correlation_id": "c"
        })))
        .mount(&server)
        .await;
    let p = pipeline_for(&server, "wrong+secret");
    let err = p
        .send(get(&p, "alpha.onmicrosoft.com", "v1.0/users"))
        .await
        .unwrap_err();
    match &err {
        Error::Auth(a) => {
            assert_eq!(a.code.as_deref(), Some("AADSTS7000215"));
            assert_eq!(a.error, "invalid_client");
            assert_eq!(a.tenant, "alpha.onmicrosoft.com");
        }
        other => panic!("expected an auth error, got {other:?}"),
    }
    let text = err.to_string();
    assert!(
        !text.contains("wrong+secret") && !text.contains("Trace ID"),
        "{text}"
    );
    assert_eq!(err.code(), Some("AADSTS7000215"));
}

/// Answers 429 with Retry-After `n` times, then 200.
struct Throttle {
    left: Mutex<u32>,
    retry_after: &'static str,
    status: u16,
}

impl Respond for Throttle {
    fn respond(&self, _: &Request) -> ResponseTemplate {
        let mut left = self.left.lock().unwrap();
        if *left > 0 {
            *left -= 1;
            ResponseTemplate::new(self.status)
                .insert_header("Retry-After", self.retry_after)
                .set_body_json(serde_json::json!({"error": {"code": "TooManyRequests", "message": "Too many requests"}}))
        } else {
            ResponseTemplate::new(200).set_body_json(serde_json::json!({"ok": true}))
        }
    }
}

async fn mount_throttle(
    server: &MockServer,
    verb: &str,
    at: &str,
    times: u32,
    retry_after: &'static str,
    status: u16,
) {
    Mock::given(method(verb))
        .and(path(at))
        .respond_with(Throttle {
            left: Mutex::new(times),
            retry_after,
            status,
        })
        .mount(server)
        .await;
}

fn hits(reqs: &[Request], at: &str) -> usize {
    reqs.iter().filter(|r| r.url.path() == at).count()
}

#[tokio::test]
async fn a_429_storm_is_survived_and_retry_after_honoured() {
    let server = server_with_tokens().await;
    mount_throttle(&server, "GET", "/graph/v1.0/users", 3, "1", 429).await;
    let p = pipeline_for(&server, SECRET);
    let started = Instant::now();
    let resp = p
        .send(get(&p, "alpha.onmicrosoft.com", "v1.0/users"))
        .await
        .unwrap();
    assert_eq!(resp.status, 200);
    // Three waits of at least the one second the service asked for.
    assert!(
        started.elapsed() >= Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
    let reqs = server.received_requests().await.unwrap();
    assert_eq!(hits(&reqs, "/graph/v1.0/users"), 4);
}

#[tokio::test]
async fn throttling_past_the_budget_is_a_throttled_error() {
    let server = server_with_tokens().await;
    mount_throttle(&server, "GET", "/graph/v1.0/users", 100, "0", 429).await;
    let p = pipeline_for(&server, SECRET);
    let err = p
        .send(get(&p, "alpha.onmicrosoft.com", "v1.0/users"))
        .await
        .unwrap_err();
    assert!(err.is_throttled(), "{err:?}");
    assert_eq!(err.tenant(), Some("alpha.onmicrosoft.com"));
    let reqs = server.received_requests().await.unwrap();
    // First attempt plus the six retries of the policy.
    assert_eq!(hits(&reqs, "/graph/v1.0/users"), 7);
}

#[tokio::test]
async fn writes_are_resent_after_429_but_never_after_504() {
    let server = server_with_tokens().await;
    mount_throttle(&server, "POST", "/graph/v1.0/groups", 1, "0", 429).await;
    mount_throttle(&server, "POST", "/graph/v1.0/users", 1, "0", 504).await;
    let p = pipeline_for(&server, SECRET);
    let post = |rel: &str| {
        let url = p.endpoints().join(Service::Graph, rel);
        ServiceRequest::new(Service::Graph, "alpha.onmicrosoft.com", Method::POST, url)
            .json(&serde_json::json!({"displayName": "x"}))
    };
    p.send(post("v1.0/groups")).await.unwrap();
    let err = p.send(post("v1.0/users")).await.unwrap_err();
    assert_eq!(err.status(), Some(504));
    let reqs = server.received_requests().await.unwrap();
    assert_eq!(hits(&reqs, "/graph/v1.0/groups"), 2);
    assert_eq!(hits(&reqs, "/graph/v1.0/users"), 1);
}

/// 401 for the first token, 200 afterwards.
struct RejectFirstToken;

impl Respond for RejectFirstToken {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        let auth = req.headers.get("authorization").unwrap().to_str().unwrap();
        if auth.ends_with("sig1") {
            ResponseTemplate::new(401).set_body_json(serde_json::json!({"error": {"code": "InvalidAuthenticationToken", "message": "Lifetime validation failed, the token is expired."}}))
        } else {
            ResponseTemplate::new(200).set_body_json(serde_json::json!({}))
        }
    }
}

#[tokio::test]
async fn a_401_drops_the_token_and_retries_once() {
    let server = server_with_tokens().await;
    Mock::given(method("GET"))
        .and(path("/graph/v1.0/me"))
        .respond_with(RejectFirstToken)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/graph/v1.0/always401"))
        .respond_with(ResponseTemplate::new(401).set_body_json(
            serde_json::json!({"error": {"code": "InvalidAuthenticationToken", "message": "nope"}}),
        ))
        .mount(&server)
        .await;
    let p = pipeline_for(&server, SECRET);
    p.send(get(&p, "alpha.onmicrosoft.com", "v1.0/me"))
        .await
        .unwrap();
    let err = p
        .send(get(&p, "alpha.onmicrosoft.com", "v1.0/always401"))
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(401));
    let reqs = server.received_requests().await.unwrap();
    assert_eq!(token_requests(&reqs), 3, "one per 401, no loop");
    assert_eq!(hits(&reqs, "/graph/v1.0/always401"), 2);
}

#[tokio::test]
async fn service_errors_keep_code_message_request_id_and_tenant() {
    let server = server_with_tokens().await;
    Mock::given(method("GET"))
        .and(path("/graph/v1.0/users/nobody"))
        .respond_with(
            ResponseTemplate::new(404)
                .insert_header("request-id", "req-123")
                .set_body_json(serde_json::json!({"error": {"code": "Request_ResourceNotFound", "message": "Resource 'nobody' does not exist."}})),
        )
        .mount(&server)
        .await;
    let p = pipeline_for(&server, SECRET);
    let err = p
        .send(get(&p, "alpha.onmicrosoft.com", "v1.0/users/nobody"))
        .await
        .unwrap_err();
    assert!(err.is_not_found());
    let Error::Service(e) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(e.code.as_deref(), Some("Request_ResourceNotFound"));
    assert_eq!(e.request_id.as_deref(), Some("req-123"));
    assert!(err.to_string().contains("alpha.onmicrosoft.com"));
}

#[tokio::test]
async fn app_only_uses_client_credentials() {
    let server = server_with_tokens().await;
    Mock::given(method("GET"))
        .and(header("authorization", "Bearer never"))
        .respond_with(ResponseTemplate::new(500))
        .mount(&server)
        .await;
    let p = pipeline_for(&server, SECRET);
    p.token("alpha.onmicrosoft.com", Service::Graph, Grant::AppOnly)
        .await
        .unwrap();
    let reqs = server.received_requests().await.unwrap();
    let body = String::from_utf8_lossy(&reqs[0].body).to_string();
    assert!(body.contains("grant_type=client_credentials"), "{body}");
    assert!(!body.contains("refresh_token"), "{body}");
}

/// A `Write` that appends to a shared buffer, for capturing logs.
#[derive(Clone, Default)]
struct LogBuffer(Arc<Mutex<Vec<u8>>>);

impl Write for LogBuffer {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn no_secret_reaches_logs_errors_or_debug_output() {
    let logs = LogBuffer::default();
    let writer = logs.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let server = server_with_tokens().await;
    mount_throttle(&server, "GET", "/graph/v1.0/users", 1, "0", 429).await;
    Mock::given(method("GET"))
        .and(path("/graph/v1.0/fail"))
        .respond_with(ResponseTemplate::new(403).set_body_json(serde_json::json!({"error": {"code": "Authorization_RequestDenied", "message": "Insufficient privileges"}})))
        .mount(&server)
        .await;
    let p = pipeline_for(&server, SECRET);
    p.send(get(&p, "alpha.onmicrosoft.com", "v1.0/users"))
        .await
        .unwrap();
    let err = p
        .send(get(&p, "alpha.onmicrosoft.com", "v1.0/fail"))
        .await
        .unwrap_err();
    let token = p
        .token("alpha.onmicrosoft.com", Service::Graph, Grant::Delegated)
        .await
        .unwrap();

    let mut seen = String::from_utf8(logs.0.lock().unwrap().clone()).unwrap();
    assert!(seen.contains("cipp.http"), "spans were logged: {seen}");
    seen.push_str(&err.to_string());
    seen.push_str(&format!("{err:?}{p:?}{token:?}{:?}", p.credentials()));
    for secret in [SECRET, "s3cr%2Bt", REFRESH, "rotated-1", token.secret()] {
        assert!(!seen.contains(secret), "'{secret}' leaked into: {seen}");
    }
}

#[tokio::test]
async fn domains_resolve_to_guids_once_through_openid_metadata() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/alpha.onmicrosoft.com/v2.0/.well-known/openid-configuration"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({
            "issuer": "https://login.microsoftonline.com/6babcaad-604b-40ac-a9d7-9fd97c0b779f/v2.0",
            "token_endpoint": "https://login.microsoftonline.com/6babcaad-604b-40ac-a9d7-9fd97c0b779f/oauth2/v2.0/token"
        })))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(
            "/nowhere.example/v2.0/.well-known/openid-configuration",
        ))
        .respond_with(ResponseTemplate::new(400).set_body_json(serde_json::json!({
            "error": "invalid_tenant",
            "error_description": "AADSTS90002: Tenant 'nowhere.example' not found.",
            "error_codes": [90002]
        })))
        .mount(&server)
        .await;
    let p = pipeline_for(&server, SECRET);
    for _ in 0..3 {
        assert_eq!(
            p.resolve_tenant("alpha.onmicrosoft.com").await.unwrap(),
            "6babcaad-604b-40ac-a9d7-9fd97c0b779f"
        );
    }
    let err = p.resolve_tenant("nowhere.example").await.unwrap_err();
    assert_eq!(err.code(), Some("AADSTS90002"));
    assert!(err.to_string().contains("nowhere.example"));
    let err = p.resolve_tenant("bad/../name").await.unwrap_err();
    assert!(matches!(err, Error::InvalidInput { .. }));
}

#[tokio::test]
async fn certificate_credentials_send_a_signed_assertion_not_a_secret() {
    use rsa::pkcs8::{EncodePrivateKey, LineEnding};
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path_regex(r"/oauth2/v2.0/token$"))
        .and(body_string_contains("client_assertion_type=urn%3Aietf%3Aparams%3Aoauth%3Aclient-assertion-type%3Ajwt-bearer"))
        .respond_with(TokenIssuer {
            count: Mutex::new(0),
        })
        .mount(&server)
        .await;
    let key = rsa::RsaPrivateKey::new(&mut rand::thread_rng(), 2048).unwrap();
    let key_pem = key.to_pkcs8_pem(LineEnding::LF).unwrap();
    let cert_pem = "-----BEGIN CERTIFICATE-----\nAAECAwQ=\n-----END CERTIFICATE-----\n";
    let cert = cipp_core::ClientCertificate::from_pem(cert_pem, &key_pem).unwrap();
    let creds = Credentials::builder("app-id")
        .certificate(cert)
        .refresh_token(REFRESH)
        .partner_tenant("partner.onmicrosoft.com")
        .build()
        .unwrap();
    let endpoints = Endpoints::default()
        .with_override(Service::Login, &server.uri())
        .unwrap();
    let p = Pipeline::builder(creds)
        .endpoints(endpoints)
        .build()
        .unwrap();
    for grant in [Grant::Delegated, Grant::AppOnly] {
        p.token("alpha.onmicrosoft.com", Service::Graph, grant)
            .await
            .unwrap();
    }
    let reqs = server.received_requests().await.unwrap();
    assert_eq!(reqs.len(), 2);
    for r in &reqs {
        let form: Vec<(String, String)> =
            url::form_urlencoded::parse(&r.body).into_owned().collect();
        let get = |k: &str| form.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
        assert!(get("client_secret").is_none());
        let assertion = get("client_assertion").unwrap();
        let claims: serde_json::Value = {
            use base64::Engine;
            let part = assertion.split('.').nth(1).unwrap();
            serde_json::from_slice(
                &base64::engine::general_purpose::URL_SAFE_NO_PAD
                    .decode(part)
                    .unwrap(),
            )
            .unwrap()
        };
        // The audience is the real token endpoint even though the request went to the override.
        assert_eq!(
            claims["aud"],
            "https://login.microsoftonline.com/alpha.onmicrosoft.com/oauth2/v2.0/token"
        );
        assert_eq!(claims["iss"], "app-id");
    }
}

#[tokio::test]
async fn one_client_request_id_across_retries_and_the_throttle_priority_header() {
    let server = server_with_tokens().await;
    mount_throttle(&server, "GET", "/graph/v1.0/users", 2, "0", 429).await;
    let p = pipeline_for(&server, SECRET);
    p.send(
        get(&p, "alpha.onmicrosoft.com", "v1.0/users").priority(cipp_core::ThrottlePriority::High),
    )
    .await
    .unwrap();
    p.send(get(&p, "alpha.onmicrosoft.com", "v1.0/users"))
        .await
        .unwrap();
    let reqs = server.received_requests().await.unwrap();
    let users: Vec<&Request> = reqs
        .iter()
        .filter(|r| r.url.path() == "/graph/v1.0/users")
        .collect();
    assert_eq!(users.len(), 4);
    let id = |r: &Request| {
        r.headers
            .get("client-request-id")
            .unwrap()
            .to_str()
            .unwrap()
            .to_string()
    };
    assert_eq!(id(users[0]), id(users[1]));
    assert_eq!(id(users[1]), id(users[2]));
    assert_ne!(id(users[2]), id(users[3]), "a new call gets a new id");
    assert!(users[..3]
        .iter()
        .all(|r| r.headers.get("x-ms-throttle-priority").unwrap() == "high"));
    assert!(users[3].headers.get("x-ms-throttle-priority").is_none());
}
