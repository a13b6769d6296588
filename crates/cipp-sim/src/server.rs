//! The HTTP front: one port, path prefixes standing in for hosts. Each simulated service is a
//! module with a `serve` function listed in [`SERVICES`]; adding Exchange or Key Vault means
//! adding a module and a row.

use std::sync::Arc;

use axum::body::{to_bytes, Body};
use axum::extract::State as AxState;
use axum::http::{HeaderMap, Request};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;

use crate::log::RequestRecord;
use crate::reply::Reply;
use crate::state::State;
use crate::{control, exchange, graph, keyvault, login, partner_center, sharepoint, teams};

/// Largest request body accepted.
const MAX_BODY: usize = 16 * 1024 * 1024;

/// A request as the services see it.
#[derive(Debug)]
pub(crate) struct Incoming {
    /// Upper-case method.
    pub method: String,
    /// Raw (still percent-encoded) path.
    pub path: String,
    /// Raw query string without `?`.
    pub query: String,
    /// `Host` header (or the listening address).
    pub host: String,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl Incoming {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The bearer token of the `Authorization` header.
    pub fn bearer(&self) -> Option<&str> {
        self.header("authorization").and_then(|h| {
            h.get(..7)
                .filter(|s| s.eq_ignore_ascii_case("bearer "))
                .map(|_| h[7..].trim())
        })
    }

    /// Decoded query parameters.
    pub fn query_pairs(&self) -> Vec<(String, String)> {
        url::form_urlencoded::parse(self.query.as_bytes())
            .into_owned()
            .collect()
    }
}

/// What the request log should say about a request (status and path come from the request
/// and the reply).
#[derive(Debug, Clone, Default)]
pub(crate) struct Draft {
    pub kind: &'static str,
    pub tenant: Option<String>,
    pub token_aud: Option<String>,
    pub token_tid: Option<String>,
    pub batch_size: Option<usize>,
}

impl Draft {
    pub fn new(kind: &'static str) -> Self {
        Draft {
            kind,
            ..Draft::default()
        }
    }
}

/// A service's answer and how to log it (`None`: not logged, for the control API).
#[derive(Debug)]
pub(crate) struct Outcome {
    pub reply: Reply,
    pub record: Option<Draft>,
}

impl Outcome {
    /// The reply `answer` gives, logged as `kind` with what `answer` notes in the draft.
    pub fn logged(kind: &'static str, answer: impl FnOnce(&mut Draft) -> Reply) -> Self {
        let mut draft = Draft::new(kind);
        let reply = answer(&mut draft);
        Outcome {
            reply,
            record: Some(draft),
        }
    }
}

type Serve = fn(&Arc<State>, &Incoming, &str) -> Outcome;

/// A path prefix and the service behind it.
struct Service {
    /// Prefix including the trailing `/`.
    prefix: &'static str,
    /// Simulated Microsoft services get latency; the control API does not.
    simulated: bool,
    serve: Serve,
}

const SERVICES: &[Service] = &[
    Service {
        prefix: "/_sim/",
        simulated: false,
        serve: control::serve,
    },
    Service {
        prefix: "/login/",
        simulated: true,
        serve: login::serve,
    },
    Service {
        prefix: "/graph/",
        simulated: true,
        serve: graph::serve,
    },
    Service {
        prefix: "/partnercenter/",
        simulated: true,
        serve: partner_center::serve,
    },
    Service {
        prefix: "/exchange/",
        simulated: true,
        serve: exchange::serve_exchange,
    },
    Service {
        prefix: "/compliance/",
        simulated: true,
        serve: exchange::serve_compliance,
    },
    Service {
        prefix: "/teams/",
        simulated: true,
        serve: teams::serve,
    },
    Service {
        prefix: "/sharepoint/",
        simulated: true,
        serve: sharepoint::serve,
    },
    Service {
        prefix: "/keyvault/",
        simulated: true,
        serve: keyvault::serve,
    },
    Service {
        prefix: "/msi/",
        simulated: true,
        serve: keyvault::serve_msi,
    },
];

/// The axum application: every path goes through [`dispatch`].
pub(crate) fn router(state: Arc<State>) -> axum::Router {
    axum::Router::new().fallback(dispatch).with_state(state)
}

async fn dispatch(AxState(state): AxState<Arc<State>>, req: Request<Body>) -> Response {
    let (parts, body) = req.into_parts();
    let Ok(body) = to_bytes(body, MAX_BODY).await else {
        return Reply::json(
            413,
            serde_json::json!({"error": {"code": "RequestEntityTooLarge", "message": "The request body is too large."}}),
        )
        .into_response();
    };
    let host = parts
        .headers
        .get("host")
        .and_then(|h| h.to_str().ok())
        .map(str::to_string)
        .unwrap_or_else(|| state.addr.to_string());
    let inc = Incoming {
        method: parts.method.as_str().to_ascii_uppercase(),
        path: parts.uri.path().to_string(),
        query: parts.uri.query().unwrap_or_default().to_string(),
        host,
        headers: parts.headers,
        body,
    };
    let route = SERVICES.iter().find_map(|s| {
        let rest = inc
            .path
            .strip_prefix(s.prefix)
            .or_else(|| (inc.path == s.prefix.trim_end_matches('/')).then_some(""))?;
        Some((s, rest))
    });
    let outcome = match route {
        Some((service, rest)) => {
            if service.simulated {
                let latency = state.latency();
                if !latency.is_zero() {
                    tokio::time::sleep(latency).await;
                }
            }
            (service.serve)(&state, &inc, rest)
        }
        None => Outcome {
            reply: Reply::json(
                404,
                serde_json::json!({"error": {"code": "NotFound", "message": format!(
                    "cipp-sim has no service at '{}' (GET /_sim lists the control API).", inc.path
                )}}),
            ),
            record: Some(Draft::new("other")),
        },
    };
    if let Some(d) = outcome.record {
        state.record(RequestRecord {
            seq: 0,
            method: inc.method.clone(),
            path: inc.path.clone(),
            query: inc.query.clone(),
            status: outcome.reply.status,
            kind: d.kind.to_string(),
            tenant: d.tenant,
            token_aud: d.token_aud,
            token_tid: d.token_tid,
            batch_size: d.batch_size,
        });
    }
    outcome.reply.into_response()
}
