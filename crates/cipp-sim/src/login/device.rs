//! Device-code sign-in. The simulator plays the user: the first poll of a code answers
//! `authorization_pending`, the next one succeeds with delegated tokens for the partner's
//! service account in the partner tenant.

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde_json::json;

use super::aadsts::{error, Aadsts};
use super::token::{audience, issue, resource_scopes, wants_id_token, ClientAuth, Flavor, Issue};
use super::Form;
use crate::clock::unix_now;
use crate::reply::Reply;
use crate::server::Incoming;
use crate::state::State;

/// Seconds a device code stays valid.
const EXPIRES_IN: i64 = 900;

/// Letters of a user code (no look-alikes such as 0/O and 1/I).
const USER_CODE_ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789";

#[derive(Debug)]
struct Pending {
    polls: u32,
    expires_at: i64,
    scope: String,
}

/// Codes handed out and not yet redeemed.
#[derive(Debug)]
pub(crate) struct DeviceCodes {
    pending: Mutex<HashMap<String, Pending>>,
    /// Polling interval announced, in seconds.
    interval: u64,
}

impl DeviceCodes {
    pub fn new(interval: u64) -> Self {
        DeviceCodes {
            pending: Mutex::new(HashMap::new()),
            interval,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Pending>> {
        self.pending.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

fn user_code() -> String {
    let bytes: [u8; 8] = rand::random();
    let letters: Vec<char> = bytes
        .iter()
        .map(|b| char::from(USER_CODE_ALPHABET[usize::from(*b) % USER_CODE_ALPHABET.len()]))
        .collect();
    format!(
        "{}-{}",
        letters[..4].iter().collect::<String>(),
        letters[4..].iter().collect::<String>()
    )
}

/// `POST /login/{tenant}/oauth2/v2.0/devicecode`.
pub(crate) fn start(state: &State, inc: &Incoming, tenant: &str) -> (Reply, Option<String>) {
    let form = Form::parse(&inc.body);
    let home = matches!(
        tenant.to_ascii_lowercase().as_str(),
        "organizations" | "common"
    );
    let guid = state.directory.resolve(tenant).map(str::to_string);
    if guid.is_none() && !home {
        return (error(Aadsts::TenantNotFound, &[tenant]), None);
    }
    let Some(client_id) = form.get("client_id") else {
        return (error(Aadsts::MissingParameter, &["client_id"]), guid);
    };
    if client_id != state.app.application_id {
        return (error(Aadsts::AppNotFound, &[client_id, tenant]), guid);
    }
    let Some(scope) = form.get("scope").filter(|s| !s.trim().is_empty()) else {
        return (error(Aadsts::MissingParameter, &["scope"]), guid);
    };
    let random: [u8; 32] = rand::random();
    let device_code = format!("DAQABAAEAAA{}", URL_SAFE_NO_PAD.encode(random));
    let code = user_code();
    let verification_uri = "https://microsoft.com/devicelogin";
    state.login.devices.lock().insert(
        device_code.clone(),
        Pending {
            polls: 0,
            expires_at: unix_now() + EXPIRES_IN,
            scope: scope.to_string(),
        },
    );
    let reply = Reply::json(
        200,
        json!({
            "user_code": code,
            "device_code": device_code,
            "verification_uri": verification_uri,
            "expires_in": EXPIRES_IN,
            "interval": state.login.devices.interval,
            "message": format!("To sign in, use a web browser to open the page {verification_uri} and enter the code {code} to authenticate. (cipp-sim signs in by itself: just keep polling.)"),
        }),
    );
    (reply, guid)
}

/// Redeem a device code at the token endpoint (any tenant segment, usually `organizations`).
pub(crate) fn redeem(state: &State, form: &Form) -> (Reply, Option<String>) {
    let partner = state.directory.partner.id.clone();
    let Some(code) = form.get("device_code") else {
        return (error(Aadsts::MissingParameter, &["device_code"]), None);
    };
    let client_id = form.get("client_id").unwrap_or_default();
    if client_id != state.app.application_id {
        return (
            error(Aadsts::AppNotFound, &[client_id, "organizations"]),
            None,
        );
    }
    let scope = {
        let mut pending = state.login.devices.lock();
        let Some(p) = pending.get_mut(code) else {
            return (error(Aadsts::DeviceCodeUnknown, &[]), None);
        };
        if p.expires_at <= unix_now() {
            pending.remove(code);
            return (error(Aadsts::DeviceCodeExpired, &[]), None);
        }
        if p.polls == 0 {
            p.polls += 1;
            return (error(Aadsts::AuthorizationPending, &[]), None);
        }
        let started = pending.remove(code).map(|p| p.scope).unwrap_or_default();
        form.get("scope")
            .filter(|s| !s.trim().is_empty())
            .map(str::to_string)
            .unwrap_or(started)
    };
    let reply = issue(
        state,
        &Issue {
            tenant: &partner,
            audience: audience(&scope),
            scope: resource_scopes(&scope),
            delegated: true,
            auth: ClientAuth::None,
            flavor: Flavor::V2,
            id_token: wants_id_token(&scope),
            bound: None,
        },
    );
    (reply, Some(partner))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_codes_look_like_entra_ones() {
        let c = user_code();
        assert_eq!(c.len(), 9);
        assert_eq!(&c[4..5], "-");
        assert!(c
            .chars()
            .all(|ch| ch == '-' || USER_CODE_ALPHABET.contains(&(ch as u8))));
    }
}
