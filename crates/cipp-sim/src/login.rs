//! Entra ID: OpenID metadata, the token endpoint (refresh token, client credentials, device
//! code) and device-code sign-in.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde_json::{json, Value};

use crate::reply::Reply;
use crate::state::State;
use crate::tokens::now;

const ASSERTION_TYPE: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

fn form(body: &[u8]) -> Vec<(String, String)> {
    url::form_urlencoded::parse(body).into_owned().collect()
}

fn field<'a>(form: &'a [(String, String)], k: &str) -> Option<&'a str> {
    form.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str())
}

/// `GET /login/{tenant}/v2.0/.well-known/openid-configuration`.
pub(crate) fn openid(state: &State, tenant: &str, host: &str) -> (Reply, Option<String>) {
    let Some(guid) = state.resolve(tenant) else {
        return (
            Reply::login_error(400, "invalid_tenant", 90002, &format!("Tenant '{tenant}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud.")),
            None,
        );
    };
    let base = format!("http://{host}/login/{guid}");
    let reply = Reply::json(
        200,
        json!({
            "issuer": format!("https://login.microsoftonline.com/{guid}/v2.0"),
            "token_endpoint": format!("{base}/oauth2/v2.0/token"),
            "authorization_endpoint": format!("{base}/oauth2/v2.0/authorize"),
            "device_authorization_endpoint": format!("{base}/oauth2/v2.0/devicecode"),
            "token_endpoint_auth_methods_supported": ["client_secret_post", "private_key_jwt", "client_secret_basic"],
            "tenant_region_scope": "NA",
            "cloud_instance_name": "microsoftonline.com"
        }),
    );
    (reply, Some(guid))
}

/// Check a client assertion's shape: three base64url parts, PS256 with `x5t#S256`, the right
/// issuer and an audience at a token endpoint. The signature is not verified: the simulator
/// holds no certificate, and the SDK's own tests verify signatures.
fn assertion_ok(assertion: &str, client_id: &str) -> bool {
    let parts: Vec<&str> = assertion.split('.').collect();
    if parts.len() != 3 || parts.iter().any(|p| p.contains(['+', '/', '='])) {
        return false;
    }
    let decode = |p: &str| -> Option<Value> {
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(p).ok()?).ok()
    };
    let (Some(h), Some(c)) = (decode(parts[0]), decode(parts[1])) else {
        return false;
    };
    h["alg"] == "PS256"
        && h["x5t#S256"].is_string()
        && c["iss"] == client_id
        && c["sub"] == client_id
        && c["aud"]
            .as_str()
            .is_some_and(|a| a.ends_with("/oauth2/v2.0/token"))
        && c["exp"].as_i64().is_some_and(|e| e > now())
}

fn audience(scope: &str) -> String {
    let first = scope
        .split_whitespace()
        .find(|s| s.contains('/') || s.contains('.'))
        .unwrap_or(scope);
    match first.rsplit_once('/') {
        Some((resource, _)) => resource.to_string(),
        None => first.to_string(),
    }
}

fn token_reply(state: &State, guid: &str, scope: &str, delegated: bool) -> Reply {
    let tenant = state.tenant(guid);
    let mut claims = json!({
        "aud": audience(scope),
        "iss": format!("https://sts.windows.net/{guid}/"),
        "tid": guid,
        "appid": state.application.application_id,
        "idtyp": if delegated { "user" } else { "app" },
        "oid": uuid::Uuid::new_v5(&uuid::Uuid::NAMESPACE_URL, format!("{guid}/{delegated}").as_bytes()).to_string(),
    });
    if delegated {
        claims["upn"] = json!(state.service_account);
        claims["name"] = json!("CIPP Service Account");
        claims["scp"] = json!("Directory.AccessAsUser.All User.ReadWrite.All Group.ReadWrite.All Policy.ReadWrite.ConditionalAccess");
        claims["amr"] = json!(["pwd", "mfa"]);
        if let Some(t) = tenant {
            claims["tenant_display_name"] = json!(t.display_name);
        }
    } else {
        claims["roles"] = json!([
            "Directory.Read.All",
            "User.ReadWrite.All",
            "Policy.Read.All"
        ]);
    }
    let lifetime = state.tokens.lifetime();
    let mut body = json!({
        "token_type": "Bearer",
        "scope": scope,
        "expires_in": lifetime,
        "ext_expires_in": lifetime,
        "access_token": state.tokens.issue(claims),
    });
    if delegated {
        body["refresh_token"] = json!(state.new_refresh_token());
        if scope.contains("openid") {
            body["id_token"] = json!(state
                .tokens
                .issue(json!({"tid": guid, "preferred_username": state.service_account})));
        }
    }
    Reply::json(200, body)
}

/// `POST /login/{tenant}/oauth2/v2.0/token`.
pub(crate) fn token(state: &State, tenant: &str, body: &[u8]) -> (Reply, Option<String>) {
    let f = form(body);
    let grant = field(&f, "grant_type").unwrap_or_default();
    let client_id = field(&f, "client_id").unwrap_or_default();
    let scope = field(&f, "scope").unwrap_or_default();

    if grant == "urn:ietf:params:oauth:grant-type:device_code" {
        return device_poll(state, field(&f, "device_code").unwrap_or_default(), scope);
    }
    let Some(guid) = state.resolve(tenant) else {
        return (
            Reply::login_error(
                400,
                "invalid_request",
                90002,
                &format!("Tenant '{tenant}' not found."),
            ),
            None,
        );
    };
    if client_id != state.application.application_id {
        return (Reply::login_error(400, "unauthorized_client", 700016, &format!("Application with identifier '{client_id}' was not found in the directory '{tenant}'.")), Some(guid));
    }
    let authenticated = match (field(&f, "client_secret"), field(&f, "client_assertion")) {
        (Some(secret), _) => secret == state.application.application_secret,
        (None, Some(a)) => {
            field(&f, "client_assertion_type") == Some(ASSERTION_TYPE) && assertion_ok(a, client_id)
        }
        (None, None) => grant == "refresh_token",
    };
    if !authenticated {
        let reply = if field(&f, "client_assertion").is_some() {
            Reply::login_error(
                401,
                "invalid_client",
                700027,
                "Client assertion failed signature validation.",
            )
        } else {
            Reply::login_error(401, "invalid_client", 7000215, "Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app.")
        };
        return (reply, Some(guid));
    }
    if scope.is_empty() {
        return (
            Reply::login_error(
                400,
                "invalid_request",
                900144,
                "The request body must contain the following parameter: 'scope'.",
            ),
            Some(guid),
        );
    }
    let reply = match grant {
        "refresh_token" => {
            let rt = field(&f, "refresh_token").unwrap_or_default();
            match state.check_refresh_token(rt) {
                Err(700082) => Reply::login_error(400, "invalid_grant", 700082, "The refresh token has expired due to inactivity. The token was issued on 2026-01-01T00:00:00Z and was inactive for 90.00:00:00."),
                Err(code) => Reply::login_error(400, "invalid_grant", code, "Invalid request. The refresh token is malformed or not valid."),
                Ok(()) if guid != state.partner.id && !state.is_customer(&guid) => Reply::login_error(400, "invalid_grant", 50020, &format!("User account '{}' from identity provider 'https://sts.windows.net/{}/' does not exist in tenant '{}' and cannot access the application.", state.service_account, state.partner.id, tenant)),
                Ok(()) => token_reply(state, &guid, scope, true),
            }
        }
        "client_credentials" => {
            if guid != state.partner.id && !state.is_customer(&guid) {
                Reply::login_error(400, "invalid_client", 700016, &format!("Application with identifier '{client_id}' was not found in the directory '{tenant}'. This can happen if the application has not been installed by the administrator of the tenant."))
            } else {
                token_reply(state, &guid, scope, false)
            }
        }
        other => Reply::login_error(
            400,
            "unsupported_grant_type",
            70003,
            &format!("The app requested an unsupported grant type '{other}'."),
        ),
    };
    (reply, Some(guid))
}

/// `POST /login/{tenant}/oauth2/v2.0/devicecode`.
pub(crate) fn device_code(
    state: &State,
    tenant: &str,
    body: &[u8],
    host: &str,
) -> (Reply, Option<String>) {
    let f = form(body);
    if field(&f, "client_id") != Some(state.application.application_id.as_str()) {
        return (
            Reply::login_error(
                400,
                "unauthorized_client",
                700016,
                "Application was not found in the directory.",
            ),
            None,
        );
    }
    let code = format!("DAQABAAEAAA{}", uuid::Uuid::new_v4().simple());
    let user_code: String = uuid::Uuid::new_v4().simple().to_string()[..8].to_ascii_uppercase();
    state
        .device_codes
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .insert(code.clone(), 0);
    let reply = Reply::json(
        200,
        json!({
            "user_code": user_code,
            "device_code": code,
            "verification_uri": format!("http://{host}/login/device"),
            "expires_in": 900,
            "interval": state.device_interval,
            "message": format!("To sign in, open http://{host}/login/device and enter the code {user_code} to authenticate. (cipp-sim approves it automatically.)"),
        }),
    );
    (reply, state.resolve(tenant))
}

fn device_poll(state: &State, code: &str, scope: &str) -> (Reply, Option<String>) {
    let mut codes = state.device_codes.lock().unwrap_or_else(|e| e.into_inner());
    match codes.get_mut(code) {
        None => (Reply::login_error(400, "expired_token", 70020, "The provided value for the input parameter 'device_code' is not valid or has expired."), None),
        Some(polls) if *polls == 0 => {
            *polls += 1;
            (Reply::login_error(400, "authorization_pending", 70016, "OAuth 2.0 device flow error. Authorization is pending. Continue polling."), None)
        }
        Some(_) => {
            codes.remove(code);
            drop(codes);
            let partner = state.partner.id.clone();
            (token_reply(state, &partner, scope, true), Some(partner))
        }
    }
}
