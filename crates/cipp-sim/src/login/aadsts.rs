//! Entra (AADSTS) errors: one table row per error the simulator answers, with the status,
//! OAuth `error`, AADSTS number and message text Entra uses.

use serde_json::{json, Value};

use crate::clock::{aad_timestamp, unix_now};
use crate::faults::Fired;
use crate::reply::{Body, Reply};

/// The errors the login service can answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Aadsts {
    /// OpenID metadata for an unknown tenant.
    MetadataTenantNotFound,
    TenantNotFound,
    AppNotFound,
    BadSecret,
    NoClientCredential,
    BadAssertion,
    BadRefreshToken,
    RefreshTokenExpired,
    NotInTenant,
    UnsupportedGrant,
    MissingParameter,
    AuthorizationPending,
    DeviceCodeUnknown,
    DeviceCodeExpired,
    Throttled,
    Transient,
    EndpointNotFound,
}

struct Entry {
    kind: Aadsts,
    status: u16,
    error: &'static str,
    code: u32,
    /// Message; each `{}` is replaced by the next argument.
    text: &'static str,
}

const TABLE: &[Entry] = &[
    Entry {
        kind: Aadsts::MetadataTenantNotFound,
        status: 400,
        error: "invalid_tenant",
        code: 90002,
        text: "Tenant '{}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud. Check with your subscription administrator, this may happen if there are no active subscriptions for the tenant.",
    },
    Entry {
        kind: Aadsts::TenantNotFound,
        status: 400,
        error: "invalid_request",
        code: 90002,
        text: "Tenant '{}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud. Check with your subscription administrator, this may happen if there are no active subscriptions for the tenant.",
    },
    Entry {
        kind: Aadsts::AppNotFound,
        status: 400,
        error: "unauthorized_client",
        code: 700016,
        text: "Application with identifier '{}' was not found in the directory '{}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.",
    },
    Entry {
        kind: Aadsts::BadSecret,
        status: 401,
        error: "invalid_client",
        code: 7000215,
        text: "Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '{}'.",
    },
    Entry {
        kind: Aadsts::NoClientCredential,
        status: 401,
        error: "invalid_client",
        code: 7000218,
        text: "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.",
    },
    Entry {
        kind: Aadsts::BadAssertion,
        status: 401,
        error: "invalid_client",
        code: 700027,
        text: "Client assertion failed signature validation. ({})",
    },
    Entry {
        kind: Aadsts::BadRefreshToken,
        status: 400,
        error: "invalid_grant",
        code: 9002313,
        text: "Invalid request. Request is malformed or invalid.",
    },
    Entry {
        kind: Aadsts::RefreshTokenExpired,
        status: 400,
        error: "invalid_grant",
        code: 700082,
        text: "The refresh token has expired due to inactivity. The token was issued on {} and was inactive for 90.00:00:00.",
    },
    Entry {
        kind: Aadsts::NotInTenant,
        status: 400,
        error: "invalid_grant",
        code: 50020,
        text: "User account '{}' from identity provider 'https://sts.windows.net/{}/' does not exist in tenant '{}' and cannot access the application '{}'({}) in that tenant. The account needs to be added as an external user in the tenant first. Sign out and sign in again with a different Azure Active Directory user account.",
    },
    Entry {
        kind: Aadsts::UnsupportedGrant,
        status: 400,
        error: "unsupported_grant_type",
        code: 70003,
        text: "The app requested an unsupported grant type '{}'.",
    },
    Entry {
        kind: Aadsts::MissingParameter,
        status: 400,
        error: "invalid_request",
        code: 900144,
        text: "The request body must contain the following parameter: '{}'.",
    },
    Entry {
        kind: Aadsts::AuthorizationPending,
        status: 400,
        error: "authorization_pending",
        code: 70016,
        text: "OAuth 2.0 device flow error. Authorization is pending. Continue polling.",
    },
    Entry {
        kind: Aadsts::DeviceCodeUnknown,
        status: 400,
        error: "expired_token",
        code: 70020,
        text: "The provided value for the input parameter 'device_code' is not valid or has already been redeemed.",
    },
    Entry {
        kind: Aadsts::DeviceCodeExpired,
        status: 400,
        error: "expired_token",
        code: 70019,
        text: "Verification code expired.",
    },
    Entry {
        kind: Aadsts::Throttled,
        status: 429,
        error: "temporarily_unavailable",
        code: 90055,
        text: "TenantThrottlingError - There are too many incoming requests. This exception is thrown for blocked tenants.",
    },
    Entry {
        kind: Aadsts::Transient,
        status: 503,
        error: "temporarily_unavailable",
        code: 90033,
        text: "A transient error has occurred. Please try again.",
    },
    Entry {
        kind: Aadsts::EndpointNotFound,
        status: 404,
        error: "invalid_request",
        code: 900561,
        text: "The endpoint '{}' does not exist or does not accept {} requests.",
    },
];

/// Replace each `{}` of `template` with the next of `args`.
fn fill(template: &str, args: &[&str]) -> String {
    let mut out = String::with_capacity(template.len() + 64);
    let mut args = args.iter();
    let mut pieces = template.split("{}").peekable();
    while let Some(piece) = pieces.next() {
        out.push_str(piece);
        if pieces.peek().is_some() {
            out.push_str(args.next().copied().unwrap_or_default());
        }
    }
    out
}

/// An Entra error answer. Trace and correlation ids and the timestamp are added by
/// [`stamp`] when the answer leaves the login service.
pub(crate) fn error(kind: Aadsts, args: &[&str]) -> Reply {
    // Every variant has a row (a unit test checks it); the fallback keeps this total.
    let Some(e) = TABLE.iter().find(|e| e.kind == kind) else {
        return Reply::json(500, json!({"error": "server_error"}));
    };
    Reply::json(
        e.status,
        json!({
            "error": e.error,
            "error_description": format!("AADSTS{}: {}", e.code, fill(e.text, args)),
            "error_codes": [e.code],
            "error_uri": format!("https://login.microsoftonline.com/error?code={}", e.code),
        }),
    )
}

/// The answer of a fault rule firing on a login request.
pub(crate) fn fault(f: Fired) -> Reply {
    let mut reply = if f.status == 429 {
        error(Aadsts::Throttled, &[])
    } else {
        error(Aadsts::Transient, &[])
    };
    reply.status = f.status;
    match f.retry_after {
        Some(s) => reply.header("Retry-After", s.to_string()),
        None => reply,
    }
}

/// Finish an Entra error body: trace id, correlation id (the client's `client-request-id`
/// when it sent one) and timestamp, in the description as Entra writes them and as fields.
pub(crate) fn stamp(reply: &mut Reply, correlation_id: &str) {
    let Body::Json(Value::Object(body)) = &mut reply.body else {
        return;
    };
    if !body.contains_key("error_codes") {
        return;
    }
    let trace_id = uuid::Uuid::new_v4().to_string();
    let timestamp = aad_timestamp(unix_now());
    if let Some(Value::String(d)) = body.get_mut("error_description") {
        d.push_str(&format!(
            "\r\nTrace ID: {trace_id}\r\nCorrelation ID: {correlation_id}\r\nTimestamp: {timestamp}"
        ));
    }
    body.insert("timestamp".into(), json!(timestamp));
    body.insert("trace_id".into(), json!(trace_id));
    body.insert("correlation_id".into(), json!(correlation_id));
}

#[cfg(test)]
mod tests {
    use super::*;

    const ALL: [Aadsts; 17] = [
        Aadsts::MetadataTenantNotFound,
        Aadsts::TenantNotFound,
        Aadsts::AppNotFound,
        Aadsts::BadSecret,
        Aadsts::NoClientCredential,
        Aadsts::BadAssertion,
        Aadsts::BadRefreshToken,
        Aadsts::RefreshTokenExpired,
        Aadsts::NotInTenant,
        Aadsts::UnsupportedGrant,
        Aadsts::MissingParameter,
        Aadsts::AuthorizationPending,
        Aadsts::DeviceCodeUnknown,
        Aadsts::DeviceCodeExpired,
        Aadsts::Throttled,
        Aadsts::Transient,
        Aadsts::EndpointNotFound,
    ];

    #[test]
    fn every_error_has_a_row_and_a_real_shape() {
        for kind in ALL {
            assert!(TABLE.iter().any(|e| e.kind == kind), "{kind:?}");
        }
        let mut r = error(Aadsts::BadSecret, &["app-id"]);
        stamp(&mut r, "corr-1");
        assert_eq!(r.status, 401);
        let Body::Json(v) = &r.body else { panic!() };
        let d = v["error_description"].as_str().unwrap();
        assert!(
            d.starts_with("AADSTS7000215: Invalid client secret provided."),
            "{d}"
        );
        assert!(d.contains("for a secret added to app 'app-id'."), "{d}");
        assert!(
            d.contains("\r\nCorrelation ID: corr-1\r\nTimestamp: "),
            "{d}"
        );
        assert_eq!(v["error_codes"][0], 7000215);
        assert_eq!(v["correlation_id"], "corr-1");
        assert!(v["trace_id"].is_string() && v["timestamp"].is_string());
        assert_eq!(fill("a {} b {} c", &["1"]), "a 1 b  c");
    }
}
