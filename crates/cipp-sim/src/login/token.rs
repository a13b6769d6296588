//! The token endpoint: `refresh_token` (delegated, GDAP), `client_credentials` (app-only) and
//! device-code redemption, for v2 (`/oauth2/v2.0/token`, `scope`) and classic v1
//! (`/oauth2/token`, `resource`); plus the access tokens it issues.

use serde_json::{json, Map, Value};

use super::aadsts::{error, Aadsts};
use super::assertion::{self, ASSERTION_TYPE};
use super::refresh::RefreshProblem;
use super::{device, Form};
use crate::clock::{aad_timestamp, unix_now};
use crate::directory::Relation;
use crate::reply::Reply;
use crate::server::Incoming;
use crate::state::State;

/// The grant types the endpoint accepts.
const REFRESH_TOKEN: &str = "refresh_token";
const CLIENT_CREDENTIALS: &str = "client_credentials";
pub(crate) const DEVICE_CODE: &str = "urn:ietf:params:oauth:grant-type:device_code";

/// The audience of a token for Graph.
pub(crate) const GRAPH_AUDIENCE: &str = "https://graph.microsoft.com";

/// OpenID Connect scopes that name no resource.
const OIDC_SCOPES: [&str; 4] = ["openid", "profile", "offline_access", "email"];

/// Delegated scopes (`scp`) and application roles (`roles`) granted per audience.
const GRANTED: &[(&str, &str, &[&str])] = &[
    (
        GRAPH_AUDIENCE,
        "AuditLog.Read.All DelegatedAdminRelationship.ReadWrite.All Directory.AccessAsUser.All Directory.ReadWrite.All Domain.ReadWrite.All Group.ReadWrite.All Organization.ReadWrite.All Policy.ReadWrite.AuthenticationMethod Policy.ReadWrite.ConditionalAccess RoleManagement.ReadWrite.Directory User.ReadWrite.All",
        &[
            "Directory.ReadWrite.All",
            "Domain.ReadWrite.All",
            "Group.ReadWrite.All",
            "Organization.Read.All",
            "Policy.Read.All",
            "User.ReadWrite.All",
        ],
    ),
    (
        "https://outlook.office365.com",
        "Exchange.Manage",
        &["Exchange.ManageAsApp"],
    ),
    (
        "https://ps.compliance.protection.outlook.com",
        "Exchange.Manage",
        &["Exchange.ManageAsApp"],
    ),
    (
        "https://api.partnercenter.microsoft.com",
        "user_impersonation",
        &[],
    ),
];

/// Which token endpoint was called.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Flavor {
    /// `/oauth2/v2.0/token`: `scope`, numeric `expires_in`.
    V2,
    /// Classic `/oauth2/token`: `resource`, string `expires_in` and `expires_on`.
    V1,
}

/// The audience a v2 scope list asks for: the resource of the first scope that names one
/// (`https://graph.microsoft.com/.default` -> `https://graph.microsoft.com`,
/// `48ac35b8-.../.default` -> `48ac35b8-...`); bare permissions mean Graph.
pub(crate) fn audience(scope: &str) -> String {
    scope
        .split_whitespace()
        .filter(|s| !OIDC_SCOPES.iter().any(|o| s.eq_ignore_ascii_case(o)))
        .find_map(|s| s.rsplit_once('/').map(|(resource, _)| resource))
        .map(|r| r.trim_end_matches('/').to_string())
        .unwrap_or_else(|| GRAPH_AUDIENCE.to_string())
}

/// The scopes of a request without the OpenID Connect ones (what a token response echoes).
pub(crate) fn resource_scopes(scope: &str) -> String {
    scope
        .split_whitespace()
        .filter(|s| !OIDC_SCOPES.iter().any(|o| s.eq_ignore_ascii_case(o)))
        .collect::<Vec<_>>()
        .join(" ")
}

/// Whether the scopes ask for an `id_token`.
pub(crate) fn wants_id_token(scope: &str) -> bool {
    scope
        .split_whitespace()
        .any(|s| s.eq_ignore_ascii_case("openid"))
}

/// How the client proved who it is (the `appidacr` claim).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ClientAuth {
    /// No credential (public client).
    None,
    Secret,
    Certificate,
}

impl ClientAuth {
    fn appidacr(self) -> &'static str {
        match self {
            ClientAuth::None => "0",
            ClientAuth::Secret => "1",
            ClientAuth::Certificate => "2",
        }
    }
}

/// What to put in a token.
#[derive(Debug, Clone)]
pub(crate) struct Issue<'a> {
    pub tenant: &'a str,
    pub audience: String,
    /// Scope text echoed in a v2 answer (delegated only).
    pub scope: String,
    pub delegated: bool,
    pub auth: ClientAuth,
    pub flavor: Flavor,
    /// Add an `id_token` (the scope asked for `openid`).
    pub id_token: bool,
    /// The rotated refresh token signs in to this tenant only (a direct tenant's token).
    pub bound: Option<String>,
}

fn granted(audience: &str) -> (&'static str, &'static [&'static str]) {
    GRANTED
        .iter()
        .find(|(aud, _, _)| aud.eq_ignore_ascii_case(audience))
        .map(|(_, scp, roles)| (*scp, *roles))
        .unwrap_or(("user_impersonation", &[]))
}

/// Issue an access token (and for delegated grants a rotated refresh token) and answer the
/// token response.
pub(crate) fn issue(state: &State, req: &Issue<'_>) -> Reply {
    let dir = &state.directory;
    let app_id = &state.app.application_id;
    let (scp, roles) = granted(&req.audience);
    let mut claims = Map::new();
    let mut put = |k: &str, v: Value| {
        claims.insert(k.to_string(), v);
    };
    put("aud", json!(req.audience));
    put(
        "iss",
        json!(format!("https://sts.windows.net/{}/", req.tenant)),
    );
    put("tid", json!(req.tenant));
    put("appid", json!(app_id));
    put("appidacr", json!(req.auth.appidacr()));
    put("ver", json!("1.0"));
    if req.delegated {
        put("idtyp", json!("user"));
        put("oid", json!(dir.service_account_oid));
        put("sub", json!(dir.service_account_oid));
        put("upn", json!(dir.service_account));
        put("unique_name", json!(dir.service_account));
        put("name", json!("CIPP Service Account"));
        put("given_name", json!("CIPP"));
        put("family_name", json!("Service Account"));
        put("scp", json!(scp));
        put("amr", json!(["pwd", "mfa"]));
        if req.tenant != dir.partner.id {
            // A GDAP sign-in: the user comes from the partner's directory.
            put(
                "idp",
                json!(format!("https://sts.windows.net/{}/", dir.partner.id)),
            );
        }
    } else {
        let sp = uuid::Uuid::new_v5(
            &uuid::Uuid::NAMESPACE_OID,
            format!("{}/{app_id}", req.tenant).as_bytes(),
        )
        .to_string();
        put("idtyp", json!("app"));
        put("oid", json!(sp));
        put("sub", json!(sp));
        put("roles", json!(roles));
    }
    let (access_token, lifetime) = state.tokens.issue(claims);
    let mut body = Map::new();
    body.insert("token_type".into(), json!("Bearer"));
    match req.flavor {
        Flavor::V2 => {
            if req.delegated {
                body.insert("scope".into(), json!(req.scope));
            }
            body.insert("expires_in".into(), json!(lifetime));
            body.insert("ext_expires_in".into(), json!(lifetime));
        }
        Flavor::V1 => {
            let now = unix_now();
            body.insert("expires_in".into(), json!(lifetime.to_string()));
            body.insert("ext_expires_in".into(), json!(lifetime.to_string()));
            body.insert(
                "expires_on".into(),
                json!((now + i64::try_from(lifetime).unwrap_or(0)).to_string()),
            );
            body.insert("not_before".into(), json!(now.to_string()));
            body.insert("resource".into(), json!(req.audience));
        }
    }
    body.insert("access_token".into(), json!(access_token));
    if req.delegated {
        let rotated = match &req.bound {
            Some(t) => state.login.refresh.mint_bound(t),
            None => state.login.refresh.mint(),
        };
        body.insert("refresh_token".into(), json!(rotated));
        if req.id_token {
            let mut id = Map::new();
            id.insert("aud".into(), json!(app_id));
            id.insert(
                "iss".into(),
                json!(format!(
                    "https://login.microsoftonline.com/{}/v2.0",
                    req.tenant
                )),
            );
            id.insert("tid".into(), json!(req.tenant));
            id.insert("oid".into(), json!(dir.service_account_oid));
            id.insert("preferred_username".into(), json!(dir.service_account));
            id.insert("name".into(), json!("CIPP Service Account"));
            body.insert("id_token".into(), json!(state.tokens.issue(id).0));
        }
    }
    Reply::json(200, Value::Object(body))
}

/// `POST /login/{tenant}/oauth2/v2.0/token`.
pub(crate) fn v2(state: &State, inc: &Incoming, tenant: &str) -> (Reply, Option<String>) {
    grant(state, inc, tenant, Flavor::V2)
}

/// `POST /login/{tenant}/oauth2/token` (classic v1, `resource` instead of `scope`).
pub(crate) fn v1(state: &State, inc: &Incoming, tenant: &str) -> (Reply, Option<String>) {
    grant(state, inc, tenant, Flavor::V1)
}

/// Check how the client authenticated: the secret, a certificate assertion, or (for a
/// refresh token) nothing, as the SAM app is a fallback public client.
fn client_auth(
    form: &Form,
    grant: &str,
    client_id: &str,
    secret: &str,
) -> Result<ClientAuth, Reply> {
    if let Some(sent) = form.get("client_secret") {
        return if sent == secret {
            Ok(ClientAuth::Secret)
        } else {
            Err(error(Aadsts::BadSecret, &[client_id]))
        };
    }
    if let Some(assertion) = form.get("client_assertion") {
        if form.get("client_assertion_type") != Some(ASSERTION_TYPE) {
            return Err(error(
                Aadsts::BadAssertion,
                &["client_assertion_type must be urn:ietf:params:oauth:client-assertion-type:jwt-bearer"],
            ));
        }
        return assertion::check(assertion, client_id)
            .map(|()| ClientAuth::Certificate)
            .map_err(|why| error(Aadsts::BadAssertion, &[&why]));
    }
    if grant == REFRESH_TOKEN {
        Ok(ClientAuth::None)
    } else {
        Err(error(Aadsts::NoClientCredential, &[]))
    }
}

fn grant(state: &State, inc: &Incoming, tenant: &str, flavor: Flavor) -> (Reply, Option<String>) {
    let form = Form::parse(&inc.body);
    let resolved = state.directory.resolve(tenant).map(str::to_string);
    let fail = |r: Reply| (r, resolved.clone());
    let Some(grant) = form.get("grant_type") else {
        return fail(error(Aadsts::MissingParameter, &["grant_type"]));
    };
    if grant == DEVICE_CODE {
        return device::redeem(state, &form);
    }
    if grant != REFRESH_TOKEN && grant != CLIENT_CREDENTIALS {
        return fail(error(Aadsts::UnsupportedGrant, &[grant]));
    }
    let home = matches!(
        tenant.to_ascii_lowercase().as_str(),
        "organizations" | "common"
    );
    let guid = match (&resolved, home && grant == REFRESH_TOKEN) {
        (_, true) => state.directory.partner.id.clone(),
        (Some(g), false) => g.clone(),
        (None, false) => return fail(error(Aadsts::TenantNotFound, &[tenant])),
    };
    let answer = |r: Reply| (r, Some(guid.clone()));
    let Some(client_id) = form.get("client_id") else {
        return answer(error(Aadsts::MissingParameter, &["client_id"]));
    };
    if client_id != state.app.application_id {
        return answer(error(Aadsts::AppNotFound, &[client_id, tenant]));
    }
    let auth = match client_auth(&form, grant, client_id, &state.app.application_secret) {
        Ok(a) => a,
        Err(r) => return answer(r),
    };
    let (audience, scope) = match flavor {
        Flavor::V2 => match form.get("scope").filter(|s| !s.trim().is_empty()) {
            Some(s) => (audience(s), s.to_string()),
            None => return answer(error(Aadsts::MissingParameter, &["scope"])),
        },
        Flavor::V1 => match form.get("resource").filter(|s| !s.trim().is_empty()) {
            Some(r) => (r.trim_end_matches('/').to_string(), String::new()),
            None => return answer(error(Aadsts::MissingParameter, &["resource"])),
        },
    };
    let relation = state.directory.relation(&guid);
    let delegated = grant == REFRESH_TOKEN;
    let mut bound = None;
    if delegated {
        let Some(rt) = form.get("refresh_token") else {
            return answer(error(Aadsts::MissingParameter, &["refresh_token"]));
        };
        match state.login.refresh.check(rt) {
            Err(RefreshProblem::Unknown) => return answer(error(Aadsts::BadRefreshToken, &[])),
            Err(RefreshProblem::Revoked { issued_at }) => {
                return answer(error(
                    Aadsts::RefreshTokenExpired,
                    &[&aad_timestamp(issued_at)],
                ))
            }
            Ok(()) => {}
        }
        bound = state.login.refresh.bound_tenant(rt);
        let allowed = match (&bound, relation) {
            // A direct tenant's own token opens that tenant and no other.
            (Some(t), _) => *t == guid,
            (None, Some(Relation::Partner)) => true,
            // A tenant outside the seed's customers becomes reachable once it approves a
            // relationship; a customer stops being reachable when its relationships end.
            (None, Some(Relation::Customer | Relation::Other)) => {
                state.graph.gdap_allows(&state.directory.partner.id, &guid)
            }
            (None, None) => false,
        };
        if !allowed {
            let dir = &state.directory;
            return answer(error(
                Aadsts::NotInTenant,
                &[
                    &dir.service_account,
                    &dir.partner.id,
                    &guid,
                    client_id,
                    "CIPP-SAM",
                ],
            ));
        }
    } else if !matches!(relation, Some(Relation::Partner | Relation::Customer)) {
        return answer(error(Aadsts::AppNotFound, &[client_id, tenant]));
    }
    let reply = issue(
        state,
        &Issue {
            tenant: &guid,
            audience,
            scope: resource_scopes(&scope),
            delegated,
            auth,
            flavor,
            id_token: wants_id_token(&scope),
            bound,
        },
    );
    answer(reply)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_map_to_audiences() {
        assert_eq!(
            audience("https://graph.microsoft.com/.default"),
            GRAPH_AUDIENCE
        );
        assert_eq!(
            audience("offline_access https://outlook.office365.com/.default openid"),
            "https://outlook.office365.com"
        );
        assert_eq!(
            audience("48ac35b8-9aa8-4d74-927d-1f4a14a0b239/.default"),
            "48ac35b8-9aa8-4d74-927d-1f4a14a0b239"
        );
        assert_eq!(
            audience("https://graph.microsoft.com/User.Read"),
            GRAPH_AUDIENCE
        );
        assert_eq!(
            audience("https://graph.microsoft.com//.default"),
            GRAPH_AUDIENCE
        );
        assert_eq!(audience("User.Read offline_access"), GRAPH_AUDIENCE);
        assert_eq!(audience("api://abc/.default"), "api://abc");
    }
}
