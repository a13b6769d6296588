//! Entra sign-in: token grants, their errors, OpenID metadata, device code.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use cipp_sim::{FaultRule, Sim};
use common::*;
use reqwest::Method;
use serde_json::{json, Value};

fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

#[tokio::test]
async fn delegated_tokens_have_the_real_shape_and_rotate() {
    let sim = Sim::start().await.unwrap();
    let c = client();
    let creds = sim.credentials();
    let a = c
        .delegated(&sim, &creds.partner_tenant_id, GRAPH_SCOPE)
        .await;
    assert_eq!(a.status, 200, "{:?}", a.body);
    let keys: Vec<&str> = a
        .body
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    for k in [
        "token_type",
        "scope",
        "expires_in",
        "ext_expires_in",
        "access_token",
        "refresh_token",
    ] {
        assert!(keys.contains(&k), "{k} in {keys:?}");
    }
    assert_eq!(a.body["token_type"], "Bearer");
    assert_eq!(a.body["expires_in"], 3599);
    assert_eq!(a.body["scope"], GRAPH_SCOPE);
    let rotated = a.body["refresh_token"].as_str().unwrap().to_string();
    assert_ne!(rotated, creds.refresh_token);
    let t = claims(a.body["access_token"].as_str().unwrap());
    assert_eq!(t["aud"], "https://graph.microsoft.com");
    assert_eq!(t["tid"], creds.partner_tenant_id.as_str());
    assert_eq!(
        t["iss"],
        format!("https://sts.windows.net/{}/", creds.partner_tenant_id)
    );
    assert_eq!(t["upn"], "cipp@northwindmsp.com");
    assert_eq!(t["idtyp"], "user");
    assert_eq!(t["amr"], json!(["pwd", "mfa"]));
    assert_eq!(t["appid"], creds.application_id.as_str());
    assert!(t["scp"]
        .as_str()
        .unwrap()
        .contains("Directory.AccessAsUser.All"));
    assert!(t["exp"].as_i64().unwrap() - t["iat"].as_i64().unwrap() == 3599);
    for claim in ["oid", "uti", "name", "nbf"] {
        assert!(!t[claim].is_null(), "{claim}");
    }
    // The rotated token works, and so does the old one (Entra does not invalidate them).
    let again = c
        .token_form(
            &sim,
            ALPHA,
            &[
                ("client_id", &creds.application_id),
                ("client_secret", &creds.application_secret),
                ("grant_type", "refresh_token"),
                ("refresh_token", &rotated),
                ("scope", GRAPH_SCOPE),
            ],
        )
        .await;
    assert_eq!(again.status, 200);
    let t2 = claims(again.body["access_token"].as_str().unwrap());
    assert_eq!(
        t2["tid"],
        tenant_id(&sim, ALPHA).as_str(),
        "minted in the customer (GDAP)"
    );
    assert_ne!(t2["uti"], t["uti"]);
    assert_eq!(
        t2["idp"],
        format!("https://sts.windows.net/{}/", creds.partner_tenant_id)
    );
    assert_eq!(
        c.delegated(&sim, "bravologistics.com", GRAPH_SCOPE)
            .await
            .status,
        200
    );
}

#[tokio::test]
async fn app_only_tokens_carry_roles_and_no_refresh_token() {
    let sim = Sim::start().await.unwrap();
    let a = client().app_only(&sim, BRAVO, GRAPH_SCOPE).await;
    assert_eq!(a.status, 200, "{:?}", a.body);
    assert!(a.body.get("refresh_token").is_none());
    let t = claims(a.body["access_token"].as_str().unwrap());
    assert_eq!(t["idtyp"], "app");
    assert!(t["roles"]
        .as_array()
        .unwrap()
        .iter()
        .any(|r| r == "Directory.ReadWrite.All"));
    assert!(t.get("scp").is_none() && t.get("upn").is_none());
    assert_eq!(t["tid"], tenant_id(&sim, BRAVO).as_str());
}

#[tokio::test]
async fn a_plus_in_the_secret_must_be_sent_as_2b() {
    let sim = Sim::start().await.unwrap();
    let creds = sim.credentials();
    assert!(creds.application_secret.contains(['+', '/', '=']));
    assert!(creds.refresh_token.contains('+'));
    let send = |secret: String| {
        let body = format!(
            "client_id={}&client_secret={secret}&grant_type=client_credentials&scope=https%3A%2F%2Fgraph.microsoft.com%2F.default",
            creds.application_id
        );
        let url = format!(
            "{}/{}/oauth2/v2.0/token",
            sim.login_url(),
            creds.partner_tenant_id
        );
        async move {
            reqwest::Client::new()
                .post(url)
                .header("content-type", "application/x-www-form-urlencoded")
                .body(body)
                .send()
                .await
                .unwrap()
        }
    };
    // A hand-made form that forgets to encode '+': the server reads a space.
    let r = send(creds.application_secret.clone()).await;
    assert_eq!(r.status().as_u16(), 401);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["error"], "invalid_client");
    assert_eq!(v["error_codes"], json!([7000215]));
    let d = v["error_description"].as_str().unwrap();
    assert!(
        d.starts_with("AADSTS7000215: Invalid client secret provided."),
        "{d}"
    );
    assert!(
        d.contains("\r\nTrace ID: ")
            && d.contains("\r\nCorrelation ID: ")
            && d.contains("\r\nTimestamp: "),
        "{d}"
    );
    for k in ["timestamp", "trace_id", "correlation_id", "error_uri"] {
        assert!(v[k].is_string(), "{k}");
    }
    // Encoded properly it works.
    let encoded: String =
        url::form_urlencoded::byte_serialize(creds.application_secret.as_bytes()).collect();
    assert!(encoded.contains("%2B"));
    assert_eq!(send(encoded).await.status().as_u16(), 200);
}

#[tokio::test]
async fn login_errors_have_entra_codes() {
    let sim = Sim::start().await.unwrap();
    let c = client();
    let creds = sim.credentials();
    let p = creds.partner_tenant_id.as_str();
    let base = |grant: &'static str| {
        vec![
            ("client_id", creds.application_id.clone()),
            ("client_secret", creds.application_secret.clone()),
            ("grant_type", grant.to_string()),
            ("refresh_token", creds.refresh_token.clone()),
            ("scope", GRAPH_SCOPE.to_string()),
        ]
    };
    let with = |mut f: Vec<(&'static str, String)>, k: &'static str, v: Option<&str>| {
        f.retain(|(n, _)| *n != k);
        if let Some(v) = v {
            f.push((k, v.to_string()));
        }
        f
    };
    type Case<'a> = (&'a str, Vec<(&'a str, String)>, u16, &'a str, u64);
    let cases: Vec<Case> = vec![
        (
            "wrong client id",
            with(
                base("refresh_token"),
                "client_id",
                Some("00000000-1111-2222-3333-444444444444"),
            ),
            400,
            "unauthorized_client",
            700016,
        ),
        (
            "wrong secret",
            with(base("refresh_token"), "client_secret", Some("nope")),
            401,
            "invalid_client",
            7000215,
        ),
        (
            "garbled refresh token",
            with(base("refresh_token"), "refresh_token", Some("0.garbage")),
            400,
            "invalid_grant",
            9002313,
        ),
        (
            "unsupported grant",
            base("password"),
            400,
            "unsupported_grant_type",
            70003,
        ),
        (
            "no scope",
            with(base("refresh_token"), "scope", None),
            400,
            "invalid_request",
            900144,
        ),
        (
            "no secret for app-only",
            with(base("client_credentials"), "client_secret", None),
            401,
            "invalid_client",
            7000218,
        ),
    ];
    for (what, form, status, error, code) in cases {
        let fields: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let a = c.token_form(&sim, p, &fields).await;
        assert_eq!(a.status, status, "{what}: {:?}", a.body);
        assert_eq!(a.body["error"], error, "{what}");
        assert_eq!(a.aadsts(), code, "{what}");
        let d = a.body["error_description"].as_str().unwrap();
        assert!(d.starts_with(&format!("AADSTS{code}: ")), "{what}: {d}");
    }
    let unknown = c.delegated(&sim, "nowhere.example", GRAPH_SCOPE).await;
    assert_eq!((unknown.status, unknown.aadsts()), (400, 90002));
    assert_eq!(unknown.body["error"], "invalid_request");
    // Echo Hospitality exists but is not a customer (its GDAP invitation is pending).
    let echo = c.delegated(&sim, ECHO, GRAPH_SCOPE).await;
    assert_eq!(
        (echo.status, echo.aadsts()),
        (400, 50020),
        "{:?}",
        echo.body
    );
    assert_eq!(echo.body["error"], "invalid_grant");
    let echo_app = c.app_only(&sim, ECHO, GRAPH_SCOPE).await;
    assert_eq!(echo_app.aadsts(), 700016);
    // A public-client redemption (refresh token, no secret) is accepted.
    let public = c
        .token_form(
            &sim,
            ALPHA,
            &[
                ("client_id", &creds.application_id),
                ("grant_type", "refresh_token"),
                ("refresh_token", &creds.refresh_token),
                ("scope", GRAPH_SCOPE),
            ],
        )
        .await;
    assert_eq!(public.status, 200);
    // The client's correlation id comes back.
    let r = reqwest::Client::new()
        .post(format!("{}/{p}/oauth2/v2.0/token", sim.login_url()))
        .header("client-request-id", "my-corr-id")
        .form(&[("grant_type", "password")])
        .send()
        .await
        .unwrap();
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["correlation_id"], "my-corr-id");
}

#[tokio::test]
async fn revoked_refresh_tokens_answer_700082() {
    let sim = Sim::start().await.unwrap();
    let c = client();
    let creds = sim.credentials();
    sim.faults().revoke_refresh_token(&creds.refresh_token);
    let a = c.delegated(&sim, ALPHA, GRAPH_SCOPE).await;
    assert_eq!((a.status, a.aadsts()), (400, 700082));
    assert_eq!(a.body["error"], "invalid_grant");
    assert!(a.body["error_description"]
        .as_str()
        .unwrap()
        .contains("expired due to inactivity"));
}

#[tokio::test]
async fn terminating_a_gdap_relationship_locks_the_partner_out() {
    let sim = Sim::start().await.unwrap();
    let c = client();
    let partner = c.token(&sim, &sim.credentials().partner_tenant_id).await;
    let alpha = tenant_id(&sim, ALPHA);
    let rels = c
        .get(&sim, &partner, &format!("v1.0/tenantRelationships/delegatedAdminRelationships?$filter=customer/tenantId eq '{alpha}' and status eq 'active'"))
        .await;
    let active = rels.items();
    assert_eq!(active.len(), 1, "{:?}", rels.body);
    let id = active[0]["id"].as_str().unwrap();
    assert_eq!(c.delegated(&sim, ALPHA, GRAPH_SCOPE).await.status, 200);
    let p = c
        .send(
            &sim,
            Method::POST,
            &partner,
            &format!("beta/tenantRelationships/delegatedAdminRelationships/{id}/requests"),
            Some(&json!({"action": "terminate"})),
            &[],
        )
        .await;
    assert_eq!(p.status, 201, "{:?}", p.body);
    let denied = c.delegated(&sim, ALPHA, GRAPH_SCOPE).await;
    assert_eq!(denied.aadsts(), 50020);
    assert_eq!(c.delegated(&sim, BRAVO, GRAPH_SCOPE).await.status, 200);
}

fn assertion(app: &str, alg: &str, exp: i64) -> String {
    let h = json!({"alg": alg, "typ": "JWT", "x5t#S256": "q3bx2QEQYQ8Y0xw6vPCV4mVKzgkz9ZmJdGkbZJ9wYoY"});
    let c = json!({"iss": app, "sub": app, "aud": "https://login.microsoftonline.com/x/oauth2/v2.0/token", "jti": "1", "nbf": now(), "exp": exp});
    format!(
        "{}.{}.c2lnbmF0dXJl",
        URL_SAFE_NO_PAD.encode(h.to_string()),
        URL_SAFE_NO_PAD.encode(c.to_string())
    )
}

#[tokio::test]
async fn certificate_assertions_are_checked_for_structure() {
    let sim = Sim::start().await.unwrap();
    let c = client();
    let creds = sim.credentials();
    let app = creds.application_id.as_str();
    const TYPE: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
    let good = assertion(app, "PS256", now() + 120);
    let app_only = c
        .token_form(
            &sim,
            ALPHA,
            &[
                ("client_id", app),
                ("client_assertion_type", TYPE),
                ("client_assertion", &good),
                ("grant_type", "client_credentials"),
                ("scope", GRAPH_SCOPE),
            ],
        )
        .await;
    assert_eq!(app_only.status, 200, "{:?}", app_only.body);
    assert_eq!(
        claims(app_only.body["access_token"].as_str().unwrap())["appidacr"],
        "2"
    );
    let delegated = c
        .token_form(
            &sim,
            ALPHA,
            &[
                ("client_id", app),
                ("client_assertion_type", TYPE),
                ("client_assertion", &good),
                ("grant_type", "refresh_token"),
                ("refresh_token", &creds.refresh_token),
                ("scope", GRAPH_SCOPE),
            ],
        )
        .await;
    assert_eq!(delegated.status, 200, "{:?}", delegated.body);
    for bad in [
        assertion(app, "RS256", now() + 120),
        assertion(app, "PS256", now() - 10),
        assertion("someone-else", "PS256", now() + 120),
        "not.a-jwt".to_string(),
    ] {
        let a = c
            .token_form(
                &sim,
                ALPHA,
                &[
                    ("client_id", app),
                    ("client_assertion_type", TYPE),
                    ("client_assertion", &bad),
                    ("grant_type", "client_credentials"),
                    ("scope", GRAPH_SCOPE),
                ],
            )
            .await;
        assert_eq!((a.status, a.aadsts()), (401, 700027), "{bad}: {:?}", a.body);
    }
}

#[tokio::test]
async fn the_scope_names_the_audience() {
    let sim = Sim::start().await.unwrap();
    let c = client();
    for (scope, aud) in [
        (
            "https://outlook.office365.com/.default",
            "https://outlook.office365.com",
        ),
        (
            "48ac35b8-9aa8-4d74-927d-1f4a14a0b239/.default",
            "48ac35b8-9aa8-4d74-927d-1f4a14a0b239",
        ),
        (
            "https://api.partnercenter.microsoft.com/user_impersonation offline_access",
            "https://api.partnercenter.microsoft.com",
        ),
    ] {
        let a = c.delegated(&sim, ALPHA, scope).await;
        assert_eq!(a.status, 200, "{scope}");
        assert_eq!(claims(a.body["access_token"].as_str().unwrap())["aud"], aud);
    }
}

#[tokio::test]
async fn openid_metadata_resolves_guids_and_domains() {
    let sim = Sim::start().await.unwrap();
    let alpha = &sim.tenants()[0];
    for name in [
        alpha.id.as_str(),
        alpha.default_domain.as_str(),
        "ALPHA.onmicrosoft.com",
    ] {
        let r = reqwest::get(format!(
            "{}/{name}/v2.0/.well-known/openid-configuration",
            sim.login_url()
        ))
        .await
        .unwrap();
        assert_eq!(r.status().as_u16(), 200);
        let v: Value = r.json().await.unwrap();
        let issuer = v["issuer"].as_str().unwrap();
        assert_eq!(
            issuer,
            format!("https://login.microsoftonline.com/{}/v2.0", alpha.id)
        );
        assert_eq!(issuer.split('/').nth(3), Some(alpha.id.as_str()));
        assert_eq!(
            v["token_endpoint"],
            format!("{}/{}/oauth2/v2.0/token", sim.login_url(), alpha.id)
        );
        assert!(v["device_authorization_endpoint"]
            .as_str()
            .unwrap()
            .starts_with(&sim.login_url()));
        assert!(v["authorization_endpoint"]
            .as_str()
            .unwrap()
            .starts_with(&sim.login_url()));
        assert_eq!(v["tenant_region_scope"], "NA");
    }
    // URLs follow the Host header.
    let r = reqwest::Client::new()
        .get(format!(
            "{}/{}/v2.0/.well-known/openid-configuration",
            sim.login_url(),
            alpha.id
        ))
        .header("host", "login.sim.test:9")
        .send()
        .await
        .unwrap();
    let v: Value = r.json().await.unwrap();
    assert_eq!(
        v["token_endpoint"],
        format!(
            "http://login.sim.test:9/login/{}/oauth2/v2.0/token",
            alpha.id
        )
    );
    let r = reqwest::get(format!(
        "{}/nowhere.example/v2.0/.well-known/openid-configuration",
        sim.login_url()
    ))
    .await
    .unwrap();
    assert_eq!(r.status().as_u16(), 400);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["error"], "invalid_tenant");
    assert_eq!(v["error_codes"], json!([90002]));
    assert!(v["error_description"]
        .as_str()
        .unwrap()
        .starts_with("AADSTS90002: Tenant 'nowhere.example' not found."));
}

#[tokio::test]
async fn device_code_sign_in_pends_once_then_succeeds() {
    let sim = Sim::builder()
        .device_code_interval(Duration::ZERO)
        .start()
        .await
        .unwrap();
    let c = client();
    let creds = sim.credentials();
    let scope = format!("{GRAPH_SCOPE} offline_access profile openid");
    let start = c
        .http
        .post(format!(
            "{}/organizations/oauth2/v2.0/devicecode",
            sim.login_url()
        ))
        .form(&[
            ("client_id", creds.application_id.as_str()),
            ("scope", &scope),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(start.status().as_u16(), 200);
    let prompt: Value = start.json().await.unwrap();
    for k in ["user_code", "device_code", "verification_uri", "message"] {
        assert!(prompt[k].is_string(), "{k}");
    }
    assert_eq!(prompt["expires_in"], 900);
    assert_eq!(prompt["interval"], 0);
    let code = prompt["device_code"].as_str().unwrap();
    let form = [
        ("client_id", creds.application_id.as_str()),
        ("grant_type", "urn:ietf:params:oauth:grant-type:device_code"),
        ("device_code", code),
        ("scope", scope.as_str()),
    ];
    let poll = || c.token_form(&sim, "organizations", &form);
    let pending = poll().await;
    assert_eq!((pending.status, pending.aadsts()), (400, 70016));
    assert_eq!(pending.body["error"], "authorization_pending");
    let done = poll().await;
    assert_eq!(done.status, 200, "{:?}", done.body);
    assert!(done.body["id_token"].is_string());
    let t = claims(done.body["access_token"].as_str().unwrap());
    assert_eq!(t["tid"], creds.partner_tenant_id.as_str());
    assert_eq!(t["upn"], "cipp@northwindmsp.com");
    let again = poll().await;
    assert_eq!(
        (again.status, again.body["error"].as_str()),
        (400, Some("expired_token"))
    );
    // The refresh token from the device flow is one the simulator accepts, for customers too.
    let rt = done.body["refresh_token"].as_str().unwrap();
    let redeemed = c
        .token_form(
            &sim,
            BRAVO,
            &[
                ("client_id", &creds.application_id),
                ("client_secret", &creds.application_secret),
                ("grant_type", "refresh_token"),
                ("refresh_token", rt),
                ("scope", GRAPH_SCOPE),
            ],
        )
        .await;
    assert_eq!(redeemed.status, 200);
    let kinds: Vec<String> = sim.requests().into_iter().map(|r| r.kind).collect();
    assert_eq!(kinds[0], "devicecode");
}

#[tokio::test]
async fn token_lifetime_is_configurable_at_build_and_run_time() {
    let sim = Sim::builder()
        .token_lifetime(Duration::from_secs(120))
        .start()
        .await
        .unwrap();
    let c = client();
    assert_eq!(
        c.delegated(&sim, ALPHA, GRAPH_SCOPE).await.body["expires_in"],
        120
    );
    sim.faults().set_token_lifetime(Duration::from_secs(30));
    assert_eq!(sim.faults().token_lifetime(), Duration::from_secs(30));
    let a = c.app_only(&sim, ALPHA, GRAPH_SCOPE).await;
    assert_eq!(a.body["expires_in"], 30);
    assert_eq!(a.body["ext_expires_in"], 30);
    let r = c
        .control(
            &sim,
            Method::PUT,
            "token-lifetime",
            Some(&json!({"seconds": 45})),
        )
        .await;
    assert_eq!(r.status, 204);
    assert_eq!(
        c.delegated(&sim, ALPHA, GRAPH_SCOPE).await.body["expires_in"],
        45
    );
}

#[tokio::test]
async fn classic_v1_tokens_use_resource() {
    let sim = Sim::start().await.unwrap();
    let creds = sim.credentials();
    let r = reqwest::Client::new()
        .post(format!("{}/{ALPHA}/oauth2/token", sim.login_url()))
        .form(&[
            ("client_id", creds.application_id.as_str()),
            ("client_secret", &creds.application_secret),
            ("grant_type", "refresh_token"),
            ("refresh_token", &creds.refresh_token),
            ("resource", "https://admin.microsoft.com"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["resource"], "https://admin.microsoft.com");
    assert!(v["expires_in"].is_string() && v["expires_on"].is_string());
    assert_eq!(
        claims(v["access_token"].as_str().unwrap())["aud"],
        "https://admin.microsoft.com"
    );
}

#[tokio::test]
async fn login_faults_answer_in_entra_shape() {
    let sim = Sim::start().await.unwrap();
    let c = client();
    sim.faults().add_rule(
        FaultRule::throttle("/oauth2/v2.0/token", 4, 1).with_tenant("bravologistics.com"),
    );
    assert_eq!(
        c.delegated(&sim, ALPHA, GRAPH_SCOPE).await.status,
        200,
        "other tenant"
    );
    let a = c.delegated(&sim, BRAVO, GRAPH_SCOPE).await;
    assert_eq!(a.status, 429);
    assert_eq!(a.header("retry-after"), Some("4"));
    assert!(a.body["error_description"]
        .as_str()
        .unwrap()
        .starts_with("AADSTS"));
    assert_eq!(
        c.delegated(&sim, BRAVO, GRAPH_SCOPE).await.status,
        200,
        "fired once"
    );
}
