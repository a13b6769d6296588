//! One Graph call, whether it came as an HTTP request or as a `$batch` item, and the single
//! function that answers it: [`execute`] (fault rules, then the store).

use std::sync::PoisonError;

use serde_json::Value;

use super::{audit_log, errors, gdap, read, write};
use crate::faults::Target;
use crate::reply::Reply;
use crate::state::State;

/// Who is calling and where: the tenant comes from the bearer token.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Ctx<'a> {
    pub state: &'a State,
    /// Tenant GUID (the token's `tid`).
    pub tenant: &'a str,
    pub host: &'a str,
    /// `v1.0` or `beta`.
    pub version: &'a str,
    pub token_aud: Option<&'a str>,
    /// The signed-in user's object id (delegated tokens), which `/me` stands for.
    pub user: Option<&'a str>,
}

impl Ctx<'_> {
    /// `http://{host}/graph/{version}`: the root of every URL the simulator emits.
    pub fn base(&self) -> String {
        format!("http://{}/graph/{}", self.host, self.version)
    }
}

/// A request to the store.
#[derive(Debug, Clone)]
pub(crate) struct GraphCall {
    /// Upper-case method.
    pub method: String,
    /// Path below the version root, without a leading `/`, still percent-encoded.
    pub path: String,
    /// Decoded query parameters.
    pub query: Vec<(String, String)>,
    /// Headers with lower-case names.
    pub headers: Vec<(String, String)>,
    pub body: Option<Value>,
    /// The path fault rules and the request log see: `/graph/v1.0/users` for a request,
    /// `/graph/v1.0/users?$top=5` for a batch item.
    pub full_path: String,
}

impl GraphCall {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// `ConsistencyLevel: eventual` was sent (needed for advanced queries).
    pub fn eventual(&self) -> bool {
        self.header("consistencylevel")
            .is_some_and(|v| v.trim().eq_ignore_ascii_case("eventual"))
    }

    /// `Prefer: odata.maxpagesize=N`.
    pub fn max_page_size(&self) -> Option<usize> {
        self.header("prefer")?
            .split(',')
            .find_map(|p| p.trim().strip_prefix("odata.maxpagesize="))
            .and_then(|n| n.trim().parse().ok())
    }

    /// The path as decoded segments.
    pub fn segments(&self) -> Vec<String> {
        self.path
            .split('/')
            .filter(|s| !s.is_empty())
            .map(|s| {
                percent_encoding::percent_decode_str(s)
                    .decode_utf8_lossy()
                    .into_owned()
            })
            .collect()
    }
}

/// Answer one call: a fault rule may answer first (then nothing is applied); otherwise the
/// tenant's store does. Direct requests and `$batch` items both come through here.
pub(crate) fn execute(ctx: &Ctx<'_>, call: &GraphCall, batch_item: bool) -> Reply {
    let target = Target {
        batch_item,
        tenant: Some(ctx.tenant),
        method: &call.method,
        path: &call.full_path,
    };
    if let Some(fired) = ctx.state.fire(&target) {
        return errors::fault(fired);
    }
    let mut segs = call.segments();
    if segs.first().is_some_and(|s| s.eq_ignore_ascii_case("me")) {
        let Some(user) = ctx.user else {
            return errors::bad_request(
                "BadRequest",
                "/me request is only valid with delegated authentication flow.",
            );
        };
        segs.splice(0..1, ["users".to_string(), user.to_string()]);
    }
    if segs.is_empty() {
        return errors::bad_request("BadRequest", "Invalid request: no resource in the path.");
    }
    if call.method == "GET" && segs.len() == 2 && segs[0] == "sites" && segs[1] == "root" {
        return root_site(ctx);
    }
    let lower: Vec<String> = segs.iter().map(|s| s.to_ascii_lowercase()).collect();
    if lower == ["admin", "sharepoint", "settings"] {
        return crate::sharepoint::graph_settings(
            ctx.state,
            ctx.tenant,
            &call.method,
            call.body.as_ref(),
        );
    }
    if let Some(reply) = ctx
        .state
        .graph
        .store(ctx.tenant)
        .and_then(|store| super::per_user_mfa::serve(ctx, store, &segs, call))
    {
        return reply;
    }
    if let Some(reply) = super::security::serve(ctx, &segs, call) {
        return reply;
    }
    let is_css = lower.len() == 6
        && lower[0] == "organization"
        && lower[2] == "branding"
        && lower[3] == "localizations"
        && lower[5] == "customcss";
    if is_css {
        if let Some(store) = ctx.state.graph.store(ctx.tenant) {
            return custom_css(store, &segs[1], &segs[4], call);
        }
    }
    let Some(store) = ctx.state.graph.store(ctx.tenant) else {
        return errors::not_found(ctx.tenant);
    };
    if audit_log::handles(&segs) {
        let mut store = store.write().unwrap_or_else(PoisonError::into_inner);
        if let Some(reply) = audit_log::serve(ctx, &mut store, &segs, call) {
            return reply;
        }
    }
    if let Some(reply) = super::user_actions::serve(ctx, store, &segs, call) {
        return reply;
    }
    if let Some(reply) = super::standards_more::serve(ctx, store, &segs, call) {
        return reply;
    }
    if let Some(reply) = super::graphstd::serve(ctx, store, &segs, call) {
        return reply;
    }
    if gdap::handles(&segs) {
        let mut store = store.write().unwrap_or_else(PoisonError::into_inner);
        if let Some(reply) = gdap::serve(ctx, &mut store, &segs, call) {
            return reply;
        }
        return read::read(ctx, &store, &segs, call);
    }
    match call.method.as_str() {
        "GET" | "HEAD" => {
            let store = store.read().unwrap_or_else(PoisonError::into_inner);
            read::read(ctx, &store, &segs, call)
        }
        "POST" | "PATCH" | "PUT" | "DELETE" => {
            let mut store = store.write().unwrap_or_else(PoisonError::into_inner);
            write::write(ctx, &mut store, &segs, call)
        }
        other => errors::method_not_allowed(other, &call.path),
    }
}

/// `GET /sites/root`: the tenant's root site, named after its SharePoint name.
fn root_site(ctx: &Ctx<'_>) -> Reply {
    let Some(t) = ctx.state.directory.all().find(|t| t.id == ctx.tenant) else {
        return errors::not_found(ctx.tenant);
    };
    let name = crate::sharepoint::sharepoint_name(&t.initial_domain);
    let host = format!("{name}.sharepoint.com");
    let site = uuid::Uuid::new_v5(&uuid::Uuid::NAMESPACE_DNS, host.as_bytes());
    let web = uuid::Uuid::new_v5(&site, b"root-web");
    Reply::json(
        200,
        serde_json::json!({
            "id": format!("{host},{site},{web}"),
            "name": "",
            "displayName": "Communication site",
            "webUrl": format!("https://{host}"),
            "root": {},
            "siteCollection": {"hostname": host},
        }),
    )
}

/// `GET|PUT organization/{id}/branding/localizations/{id}/customCSS`: a stream property
/// stored as text on the localization (`text/css` both ways); 404 when the localization does
/// not exist, an empty answer when it has no CSS yet.
fn custom_css(
    store: &std::sync::RwLock<super::store::TenantStore>,
    org: &str,
    localization: &str,
    call: &GraphCall,
) -> Reply {
    let mut store = store.write().unwrap_or_else(PoisonError::into_inner);
    let slot = store.root["organization"]
        .as_array_mut()
        .and_then(|orgs| {
            orgs.iter_mut().find(|o| {
                o["id"]
                    .as_str()
                    .is_some_and(|i| i.eq_ignore_ascii_case(org))
            })
        })
        .and_then(|o| o["branding"]["localizations"].as_array_mut())
        .and_then(|ls| {
            ls.iter_mut().find(|l| {
                l["id"]
                    .as_str()
                    .is_some_and(|i| i.eq_ignore_ascii_case(localization))
            })
        });
    let Some(Value::Object(loc)) = slot else {
        return errors::not_found(localization);
    };
    match (call.method.as_str(), &call.body) {
        ("GET", _) => match loc.get("customCSS").and_then(Value::as_str) {
            Some(css) if !css.is_empty() => {
                let mut r = Reply::text(200, css.to_string());
                r.set_header("Content-Type", "text/css");
                r
            }
            _ => Reply::empty(204),
        },
        ("PUT", Some(Value::String(css))) => {
            loc.insert("customCSS".into(), Value::String(css.clone()));
            Reply::empty(204)
        }
        ("PUT", _) => errors::bad_request(
            "BadRequest",
            "customCSS takes a text/css body (in cipp-sim).",
        ),
        (method, _) => errors::method_not_allowed(method, "customCSS"),
    }
}
