//! Entra ID (`{base}/login/...`, standing in for `https://login.microsoftonline.com`):
//! OpenID metadata, the token endpoint and device-code sign-in.

mod aadsts;
mod assertion;
mod device;
mod openid;
mod refresh;
mod token;

use std::sync::Arc;

use crate::faults::Target;
use crate::reply::Reply;
use crate::server::{Draft, Incoming, Outcome};
use crate::state::{Settings, State};

pub(crate) use refresh::RefreshTokens;
pub(crate) use token::GRAPH_AUDIENCE;

/// What the login service remembers between requests.
#[derive(Debug)]
pub(crate) struct LoginState {
    pub refresh: RefreshTokens,
    /// The direct tenant (GUID) and its own refresh token, when the seed has a non-customer.
    pub direct: Option<(String, String)>,
    devices: device::DeviceCodes,
}

impl LoginState {
    pub fn new(seed_refresh_token: &str, settings: &Settings) -> Self {
        LoginState {
            refresh: RefreshTokens::new(seed_refresh_token),
            direct: None,
            devices: device::DeviceCodes::new(settings.device_code_interval.as_secs()),
        }
    }
}

/// A form-urlencoded body, decoded the way Entra does (`+` is a space).
#[derive(Debug)]
pub(crate) struct Form(Vec<(String, String)>);

impl Form {
    pub fn parse(body: &[u8]) -> Form {
        Form(url::form_urlencoded::parse(body).into_owned().collect())
    }

    /// The first value of a field.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

type Handler = fn(&State, &Incoming, &str) -> (Reply, Option<String>);

/// One login endpoint: method, path after the tenant segment, log kind, handler.
struct Route {
    method: &'static str,
    tail: &'static str,
    kind: &'static str,
    handler: Handler,
}

const ROUTES: [Route; 4] = [
    Route {
        method: "GET",
        tail: "v2.0/.well-known/openid-configuration",
        kind: "openid",
        handler: openid::serve,
    },
    Route {
        method: "POST",
        tail: "oauth2/v2.0/token",
        kind: "login",
        handler: token::v2,
    },
    Route {
        method: "POST",
        tail: "oauth2/token",
        kind: "login",
        handler: token::v1,
    },
    Route {
        method: "POST",
        tail: "oauth2/v2.0/devicecode",
        kind: "devicecode",
        handler: device::start,
    },
];

/// Serve `/login/{tenant}/{tail}`.
pub(crate) fn serve(state: &Arc<State>, inc: &Incoming, rest: &str) -> Outcome {
    let (tenant, tail) = rest.split_once('/').unwrap_or((rest, ""));
    let tail = tail.trim_end_matches('/');
    let route = ROUTES.iter().find(|r| r.tail.eq_ignore_ascii_case(tail));
    let resolved = state.directory.resolve(tenant).map(str::to_string);
    let target = Target {
        batch_item: false,
        tenant: resolved.as_deref(),
        method: &inc.method,
        path: &inc.path,
    };
    let (mut reply, tenant_guid) = match (state.fire(&target), route) {
        (Some(fired), _) => (aadsts::fault(fired), resolved),
        (None, Some(r)) if r.method == inc.method => (r.handler)(state, inc, tenant),
        (None, _) => (
            aadsts::error(aadsts::Aadsts::EndpointNotFound, &[&inc.path, &inc.method]),
            resolved,
        ),
    };
    let correlation = inc
        .header("client-request-id")
        .map(str::to_string)
        .unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
    aadsts::stamp(&mut reply, &correlation);
    reply.set_header("x-ms-request-id", uuid::Uuid::new_v4().to_string());
    reply.set_header("client-request-id", correlation);
    reply.set_header("Cache-Control", "no-store, no-cache");
    let mut draft = Draft::new(route.map_or("login", |r| r.kind));
    draft.tenant = tenant_guid;
    Outcome {
        reply,
        record: Some(draft),
    }
}
