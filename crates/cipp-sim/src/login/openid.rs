//! OpenID Connect discovery: `GET /login/{tenant}/v2.0/.well-known/openid-configuration`.
//!
//! `issuer` keeps the real form (`https://login.microsoftonline.com/{guid}/v2.0`) so clients
//! can read the tenant GUID from it; the endpoints point at the simulator.

use serde_json::json;

use super::aadsts::{error, Aadsts};
use crate::reply::Reply;
use crate::server::Incoming;
use crate::state::State;

/// Tenant segments that name no tenant.
const MULTI_TENANT: [&str; 3] = ["organizations", "common", "consumers"];

pub(crate) fn serve(state: &State, inc: &Incoming, tenant: &str) -> (Reply, Option<String>) {
    let guid = state.directory.resolve(tenant).map(str::to_string);
    let (issuer_tenant, path_tenant) = match &guid {
        Some(g) => (g.clone(), g.clone()),
        None if MULTI_TENANT.contains(&tenant.to_ascii_lowercase().as_str()) => {
            ("{tenantid}".to_string(), tenant.to_ascii_lowercase())
        }
        None => return (error(Aadsts::MetadataTenantNotFound, &[tenant]), None),
    };
    let base = format!("http://{}/login/{path_tenant}", inc.host);
    let reply = Reply::json(
        200,
        json!({
            "token_endpoint": format!("{base}/oauth2/v2.0/token"),
            "token_endpoint_auth_methods_supported": ["client_secret_post", "private_key_jwt", "client_secret_basic"],
            "jwks_uri": format!("{base}/discovery/v2.0/keys"),
            "response_modes_supported": ["query", "fragment", "form_post"],
            "subject_types_supported": ["pairwise"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "response_types_supported": ["code", "id_token", "code id_token", "id_token token"],
            "scopes_supported": ["openid", "profile", "email", "offline_access"],
            "issuer": format!("https://login.microsoftonline.com/{issuer_tenant}/v2.0"),
            "request_uri_parameter_supported": false,
            "userinfo_endpoint": "https://graph.microsoft.com/oidc/userinfo",
            "authorization_endpoint": format!("{base}/oauth2/v2.0/authorize"),
            "device_authorization_endpoint": format!("{base}/oauth2/v2.0/devicecode"),
            "http_logout_supported": true,
            "frontchannel_logout_supported": true,
            "end_session_endpoint": format!("{base}/oauth2/v2.0/logout"),
            "claims_supported": ["sub", "iss", "aud", "exp", "iat", "auth_time", "acr", "nonce", "preferred_username", "name", "tid", "ver", "at_hash", "c_hash", "email"],
            "kerberos_endpoint": format!("{base}/kerberos"),
            "tenant_region_scope": "NA",
            "cloud_instance_name": "microsoftonline.com",
            "cloud_graph_host_name": "graph.windows.net",
            "msgraph_host": "graph.microsoft.com",
            "rbac_url": "https://pas.windows.net"
        }),
    );
    (reply, guid)
}
