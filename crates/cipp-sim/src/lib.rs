//! # cipp-sim
//!
//! An offline, stateful, multi-tenant simulator of Entra ID sign-in, Microsoft Graph (with
//! GDAP) and Partner Center for
//! testing partner (MSP) automation, served over HTTP on a loopback port. It depends on no
//! other cipp-rs crate: clients talk to it over HTTP exactly as they would to Microsoft.
//!
//! ```no_run
//! # async fn run() -> Result<(), cipp_sim::SimError> {
//! use cipp_sim::{FaultRule, Sim};
//! let sim = Sim::start().await?;
//! println!("login at {}, graph at {}", sim.login_url(), sim.graph_url());
//! let creds = sim.credentials(); // the seeded SAM app and partner refresh token
//! sim.faults().add_rule(FaultRule::throttle("/users", 2, 3));
//! // ... point a client at sim.login_url() / sim.graph_url() ...
//! assert!(sim.stats().http_requests > 0);
//! # Ok(()) }
//! ```
//!
//! ## Routing
//!
//! One port; path prefixes stand in for hosts:
//!
//! | Prefix | Stands for |
//! |---|---|
//! | `{base}/login/...` | `https://login.microsoftonline.com/...` |
//! | `{base}/graph/...` | `https://graph.microsoft.com/...` |
//! | `{base}/partnercenter/...` | `https://api.partnercenter.microsoft.com/...` |
//! | `{base}/keyvault/{vault}/...` | `https://{vault}.vault.azure.net/...` |
//! | `{base}/msi/token` | the App Service managed identity endpoint (`IDENTITY_ENDPOINT`) |
//! | `{base}/_sim/...` | the control API (not logged, no latency) |
//!
//! Absolute URLs the simulator emits (`@odata.nextLink`, `token_endpoint`, `Location`) are
//! built from the request's `Host` header; the OpenID `issuer` keeps its real form
//! `https://login.microsoftonline.com/{guid}/v2.0`.
//!
//! ## Login
//!
//! * `GET /login/{tenant}/v2.0/.well-known/openid-configuration`: `{tenant}` is a GUID or any
//!   domain of a known tenant (unknown: 400 AADSTS90002).
//! * `POST /login/{tenant}/oauth2/v2.0/token` (and classic `/oauth2/token` with `resource`),
//!   form-encoded (a `+` sent unencoded is a space, so the secret no longer matches):
//!   `refresh_token` (delegated: partner tenant or a customer with an active GDAP relationship
//!   in the partner's Graph data; each success rotates the refresh token, old ones stay
//!   valid), `client_credentials` (app-only, `roles` instead of `scp`), the device-code grant.
//!   The client authenticates with `client_secret` or a certificate `client_assertion`
//!   (checked for structure, not signature); a refresh token alone is accepted too (the SAM
//!   app is a fallback public client). Errors carry Entra's shape and codes: 700016,
//!   7000215, 700027, 9002313, 700082 (revoked), 90002, 50020, 70003, 900144, 70016, 70020.
//! * `POST /login/{tenant}/oauth2/v2.0/devicecode`: the first poll of the code answers
//!   `authorization_pending`, the next succeeds for the partner's service account.
//! * Access tokens are JWT-shaped and HMAC-signed with a per-simulator random key. The audience
//!   is the scope's resource (`https://graph.microsoft.com/.default` ->
//!   `https://graph.microsoft.com`, `{guid}/.default` -> `{guid}`).
//!
//! ## Graph
//!
//! `GET|POST|PATCH|PUT|DELETE /graph/{v1.0|beta}/{path}` on the token tenant's JSON tree
//! (both versions share it). The token must be ours, unexpired, for
//! `https://graph.microsoft.com`, and issued after the last [`FaultControl::expire_tokens`].
//! Object keys are path segments; arrays are collections whose items are addressed by `id`
//! (or `userPrincipalName`), ignoring case. GET answers collections (`value`, paging) or
//! entities; POST to a collection creates (201, `Location`); PATCH merges (204); PUT replaces
//! or creates (204/201); DELETE removes an item (204); `/$ref` adds or removes references;
//! `/$count` answers `text/plain`; `/delta` answers delta rounds.
//!
//! Collections honour `$select`, `$filter` (`eq ne gt ge lt le in and or not`, `startswith`,
//! `endswith`, `contains`, `any`/`all` lambdas, paths with `/`), `$search`, `$orderby`,
//! `$top` (default 100, at most 999), `$skip`, `$count=true`, with opaque `$skiptoken`
//! paging. As in Graph, `$search`, `/$count`, and on directory objects `$count=true` and
//! advanced filters (`ne`, `not`, `endswith`, `null`) need `ConsistencyLevel: eventual`.
//! `$batch` takes up to 20 requests with unique ids, relative urls and `dependsOn` (424 when
//! a dependency failed); each item runs through the same code as a direct request.
//!
//! Computed parts: `/me` is the signed-in user of a delegated token; `memberOf` and
//! `transitiveMemberOf` of users and groups are read from the groups' and directory roles'
//! `members`; navigation collections an item lacks (`appRoleAssignments`, `members`, ...) read
//! empty and are created by the first POST.
//!
//! Policy collections every tenant has read empty when the seed leaves them out and are
//! created by the first POST: `identity/conditionalAccess/{policies,namedLocations}`,
//! `deviceManagement/{configurationPolicies,deviceConfigurations,deviceCompliancePolicies,
//! groupPolicyConfigurations,windows*UpdateProfiles,windowsQualityUpdatePolicies}` and
//! `deviceAppManagement/{ios,android,windows}ManagedAppProtections`, `mobileAppConfigurations`.
//! `POST groupPolicyConfigurations/{id}/updateDefinitionValues` (`{added, updated,
//! deletedIds}`) maintains the policy's `definitionValues`, listed with `definition` and each
//! presentation value's `presentation` as `{"id"}`.
//!
//! ### GDAP
//!
//! `tenantRelationships/delegatedAdminRelationships` follows Graph's state machine: POST
//! creates a relationship in `created` (display name unique, duration `P1D`..`P730D`, at least
//! one role, `autoExtendDuration` `PT0S` or `P180D` and never `P180D` with Global
//! Administrator); `requests {"action":"lockForApproval"}` makes it `approvalPending`; the
//! customer's approval ([`Sim::approve_relationship`], `POST /_sim/gdap/approve`) makes it
//! `active`; `requests {"action":"terminate"}` ends it. Every change needs `If-Match` with the
//! current `@odata.etag` (412 otherwise) and gives a new one. PATCH on an active relationship
//! may only remove roles or change auto-extend. `accessAssignments` need an active
//! relationship, an existing partner security group and roles the relationship holds; they
//! answer `pending` and read `active`; DELETE leaves them `deleted`.
//! `findTenantInformationByTenantId(tenantId='...')` answers for every known tenant.
//!
//! ## Partner Center
//!
//! Partner tenant tokens for `https://api.partnercenter.microsoft.com` only. `GET
//! /v1/customers?size=N` pages with `links.next` and an `MS-ContinuationToken` header;
//! `GET /v1/customers/{id}`; `GET|POST /v1/customers/{id}/applicationconsents` (a second
//! consent of the same application answers 409 `Permission entry already exists.`) and
//! `DELETE .../applicationconsents/{appId}`. A consent adds the application's service
//! principal and an `AllPrincipals` delegated grant to the customer's Graph. Errors have
//! Partner Center's shape `{code, description, data, source}`.
//!
//! ## Key Vault
//!
//! `/keyvault/{vault}/secrets[/{name}[/{version}|/versions]]` and
//! `/keyvault/{vault}/deletedsecrets[/{name}[/recover]]` (API 7.4, any vault name, created
//! empty on first use). Tokens for `https://vault.azure.net` of the partner tenant: app-only
//! from the login endpoint, or from the managed identity endpoint `GET /msi/token?resource=...
//! &api-version=2019-08-01` with `X-IDENTITY-HEADER` ([`Sim::identity_header`]). DELETE soft
//! deletes; PUT on a soft-deleted name answers Key Vault's 409 `Conflict`
//! (`ObjectIsDeletedButRecoverable`); a recovered secret reads 404 twice before it is back.
//! Lists page two items at a time (`maxresults` up to 25) with `nextLink`.
//!
//! ## Seed
//!
//! The built-in seed ([`DEFAULT_SEED`], `seed/default.json`) holds the partner
//! *Northwind MSP* (`northwindmsp.onmicrosoft.com`, default `northwindmsp.com`, service
//! account `cipp@northwindmsp.com`), its customers *Alpha Dental* (`alpha.onmicrosoft.com`,
//! `alphadental.com`), *Bravo Logistics* (`bravo.onmicrosoft.com`, `bravologistics.com`) and
//! *Charlie Legal* (`charlie.onmicrosoft.com` only), and *Echo Hospitality*, a tenant that
//! is not a customer. Replace it with [`SimBuilder::seed_file`]. A seed file looks like:
//!
//! ```json
//! {
//!   "application": {
//!     "application_id": "<guid>",
//!     "application_secret": "secret",
//!     "refresh_token": "partner refresh token"
//!   },
//!   "partner": {
//!     "id": "<guid>", "displayName": "Northwind MSP",
//!     "domains": ["northwindmsp.com", "northwindmsp.onmicrosoft.com"],
//!     "service_account": "cipp@northwindmsp.com",
//!     "graph": {
//!       "users": [{"id": "...", "userPrincipalName": "..."}],
//!       "tenantRelationships": {"delegatedAdminRelationships": [{"status": "active", "customer": {"tenantId": "<guid>"}}]}
//!     }
//!   },
//!   "customers": [{"id": "<guid>", "displayName": "...", "domains": ["..."], "graph": {}}],
//!   "others": []
//! }
//! ```
//!
//! * `domains`: the default domain first (or name it in `default_domain`); the initial
//!   domain is the `*.onmicrosoft.com` one.
//! * `graph`: the tenant's Graph tree, e.g. `users`, `groups` (with `members` as `{"id"}`
//!   references), `domains`, `organization`, `subscribedSkus`, `directoryRoles`,
//!   `identity.conditionalAccess.policies`, `policies.authenticationMethodsPolicy`.
//! * GDAP: if the partner tree has `tenantRelationships.delegatedAdminRelationships`,
//!   delegated tokens for a customer need an `active` relationship for it there (so
//!   terminating one through Graph locks the partner out); without that list every customer
//!   is reachable.
//! * `others`: tenants known to Entra that are not customers (AADSTS50020 for tokens until
//!   they approve a relationship).
//!
//! ## Faults
//!
//! [`FaultControl`] (also over HTTP) adds latency, fault rules ([`FaultRule`]: tenant, path,
//! method, status, `Retry-After`, how many times, requests and/or batch items), expires every
//! issued access token, changes the token lifetime and revokes refresh tokens. A faulted
//! write is not applied.
//!
//! ## Control API
//!
//! `GET /_sim` lists it: `GET|DELETE /_sim/requests`, `GET /_sim/stats`,
//! `GET|POST|DELETE /_sim/faults`, `DELETE /_sim/faults/{id}`, `GET|PUT /_sim/latency`
//! (`{"ms":50}`), `POST /_sim/expire-tokens`, `GET|PUT /_sim/token-lifetime`
//! (`{"seconds":N}`), `POST /_sim/revoke-refresh-token` (`{"refresh_token":"..."}`),
//! `GET /_sim/tenants`, `GET /_sim/partner`, `GET /_sim/credentials`,
//! `POST /_sim/users/generate` (`{"tenant":"...","count":N}`),
//! `POST /_sim/gdap/approve` (`{"relationship":"<id>","customer":"<guid or domain>"}`).
//!
//! ## Request log
//!
//! Every login and Graph request (and every `$batch` item) is recorded as a
//! [`RequestRecord`]; the newest 200,000 are kept and all are counted in [`SimStats`].

mod builder;
mod clock;
mod control;
mod directory;
mod error;
mod exchange;
mod exchange_security;
mod faults;
mod graph;
mod keyvault;
mod log;
mod login;
mod partner_center;
mod query;
mod reply;
mod seed;
mod seed_overlay;
mod server;
mod sharepoint;
mod sim;
mod state;
mod teams;
mod tokens;

pub use builder::SimBuilder;
pub use directory::SimTenant;
pub use error::SimError;
pub use faults::{FaultControl, FaultRule, FaultScope};
pub use log::{RequestRecord, SimStats};
pub use seed::{generated_user, Seed, SeedApplication, SeedTenant, DEFAULT_SEED};
pub use seed_overlay::{ALERTS_SEED, BEC_SEED};
pub use sim::{Sim, SimCredentials};
