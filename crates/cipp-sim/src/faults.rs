//! Fault injection, switchable at run time: failing requests (throttling, outages), latency,
//! expired access tokens, a shorter token lifetime and revoked refresh tokens.

use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::directory::Directory;
use crate::state::State;

/// Which requests a [`FaultRule`] applies to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FaultScope {
    /// Whole HTTP requests and `$batch` items alike.
    #[default]
    Any,
    /// Only whole HTTP requests (a `$batch` POST counts as one).
    Request,
    /// Only the items inside a `$batch`.
    BatchItem,
}

/// A rule that makes matching requests fail. Every condition that is set must match; the
/// first matching rule fires. A faulted write is not applied, so clients may retry it.
///
/// ```
/// use cipp_sim::{FaultRule, FaultScope};
/// // Throttle the next three user listings, telling clients to wait 2 seconds.
/// let rule = FaultRule::throttle("/graph/v1.0/users", 2, 3);
/// assert_eq!(rule.status, 429);
/// // Make every batch item for one tenant fail with 503 until the rule is removed.
/// let outage = FaultRule::outage(503)
///     .with_tenant("bravo.onmicrosoft.com")
///     .with_scope(FaultScope::BatchItem);
/// assert_eq!(outage.times, None);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct FaultRule {
    /// Only requests for this tenant (GUID or any of its domains).
    pub tenant: Option<String>,
    /// Only requests whose full path contains this text (`/graph/v1.0/users`). A `$batch`
    /// item's path is `/graph/{version}/` followed by its `url` (query included).
    pub path_contains: Option<String>,
    /// Only this HTTP method.
    pub method: Option<String>,
    /// Status to answer: 429, 503, 504 or 500 (other 4xx/5xx codes work too).
    pub status: u16,
    /// `Retry-After` seconds to send.
    pub retry_after: Option<u64>,
    /// How many more times the rule fires (absent: until removed).
    pub times: Option<u32>,
    /// Whole requests, batch items, or both.
    pub scope: FaultScope,
}

impl FaultRule {
    /// Answer 429 `TooManyRequests` with `Retry-After: retry_after_secs` to requests whose
    /// path contains `path`, `times` times.
    pub fn throttle(path: &str, retry_after_secs: u64, times: u32) -> Self {
        FaultRule {
            path_contains: Some(path.to_string()),
            status: 429,
            retry_after: Some(retry_after_secs),
            times: Some(times),
            ..FaultRule::default()
        }
    }

    /// Answer `status` (e.g. 503) to every request until the rule is removed; narrow it with
    /// the `with_*` methods.
    pub fn outage(status: u16) -> Self {
        FaultRule {
            status,
            ..FaultRule::default()
        }
    }

    /// Only requests for this tenant (GUID or domain).
    pub fn with_tenant(mut self, tenant: &str) -> Self {
        self.tenant = Some(tenant.to_string());
        self
    }

    /// Only requests whose path contains `path`.
    pub fn with_path(mut self, path: &str) -> Self {
        self.path_contains = Some(path.to_string());
        self
    }

    /// Only this method.
    pub fn with_method(mut self, method: &str) -> Self {
        self.method = Some(method.to_string());
        self
    }

    /// Fire `times` times, then stop.
    pub fn with_times(mut self, times: u32) -> Self {
        self.times = Some(times);
        self
    }

    /// Send `Retry-After: secs`.
    pub fn with_retry_after(mut self, secs: u64) -> Self {
        self.retry_after = Some(secs);
        self
    }

    /// Apply to requests, batch items or both.
    pub fn with_scope(mut self, scope: FaultScope) -> Self {
        self.scope = scope;
        self
    }

    fn matches(&self, target: &Target<'_>, directory: &Directory) -> bool {
        let scope_ok = match self.scope {
            FaultScope::Any => true,
            FaultScope::Request => !target.batch_item,
            FaultScope::BatchItem => target.batch_item,
        };
        let tenant_ok = self.tenant.as_deref().is_none_or(|want| {
            target.tenant.is_some_and(|have| {
                directory.resolve(want) == Some(have) || want.eq_ignore_ascii_case(have)
            })
        });
        scope_ok
            && tenant_ok
            && self.times != Some(0)
            && self
                .method
                .as_deref()
                .is_none_or(|m| m.eq_ignore_ascii_case(target.method))
            && self
                .path_contains
                .as_deref()
                .is_none_or(|p| target.path.contains(p))
    }
}

/// Service code and message of a simulated failure, by status.
pub(crate) const FAULT_ANSWERS: &[(u16, &str, &str)] = &[
    (429, "TooManyRequests", "Too many requests"),
    (
        503,
        "ServiceUnavailable",
        "The service is temporarily unavailable. Please retry later.",
    ),
    (504, "GatewayTimeout", "The gateway timed out."),
    (
        500,
        "InternalServerError",
        "An internal server error occurred.",
    ),
];

/// The code and message answered for a fault status.
pub(crate) fn fault_answer(status: u16) -> (&'static str, &'static str) {
    FAULT_ANSWERS
        .iter()
        .find(|(s, _, _)| *s == status)
        .map(|(_, code, message)| (*code, *message))
        .unwrap_or(("SimulatedFailure", "A simulated failure."))
}

/// The request a fault rule is tested against.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Target<'a> {
    pub batch_item: bool,
    /// Tenant GUID, when known.
    pub tenant: Option<&'a str>,
    pub method: &'a str,
    pub path: &'a str,
}

/// A rule that fired.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Fired {
    pub status: u16,
    pub retry_after: Option<u64>,
}

/// The rules in force and the latency.
#[derive(Debug, Default)]
pub(crate) struct Faults {
    rules: Vec<(u64, FaultRule)>,
    next_id: u64,
    pub latency: Duration,
}

impl Faults {
    pub fn with_latency(latency: Duration) -> Self {
        Faults {
            latency,
            ..Faults::default()
        }
    }

    /// The first rule matching `target`, consuming one of its `times`.
    pub fn fire(&mut self, target: &Target<'_>, directory: &Directory) -> Option<Fired> {
        let (_, rule) = self
            .rules
            .iter_mut()
            .find(|(_, r)| r.matches(target, directory))?;
        if let Some(n) = rule.times.as_mut() {
            *n = n.saturating_sub(1);
        }
        Some(Fired {
            status: rule.status,
            retry_after: rule.retry_after,
        })
    }

    pub fn add(&mut self, rule: FaultRule) -> u64 {
        self.next_id += 1;
        self.rules.push((self.next_id, rule));
        self.next_id
    }

    pub fn remove(&mut self, id: u64) -> bool {
        let before = self.rules.len();
        self.rules.retain(|(i, _)| *i != id);
        self.rules.len() != before
    }

    pub fn rules(&self) -> &[(u64, FaultRule)] {
        &self.rules
    }

    pub fn clear_rules(&mut self) {
        self.rules.clear();
    }
}

/// Run-time control over the simulator's faults. Cheap to clone; every clone drives the same
/// simulator.
///
/// ```no_run
/// # async fn run() -> Result<(), cipp_sim::SimError> {
/// use std::time::Duration;
/// let sim = cipp_sim::Sim::start().await?;
/// let faults = sim.faults();
/// let id = faults.add_rule(cipp_sim::FaultRule::throttle("/users", 1, 2));
/// faults.set_latency(Duration::from_millis(20));
/// faults.expire_tokens(); // clients must fetch new access tokens
/// faults.remove_rule(id);
/// faults.clear();
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct FaultControl {
    pub(crate) state: Arc<State>,
}

impl FaultControl {
    /// Add a rule; returns its id.
    pub fn add_rule(&self, rule: FaultRule) -> u64 {
        self.state.faults().add(rule)
    }

    /// Remove a rule by id; `false` if there was none.
    pub fn remove_rule(&self, id: u64) -> bool {
        self.state.faults().remove(id)
    }

    /// The rules in force, with their ids (`times` counts down as they fire).
    pub fn rules(&self) -> Vec<(u64, FaultRule)> {
        self.state.faults().rules().to_vec()
    }

    /// Remove every rule and the latency.
    pub fn clear(&self) {
        let mut f = self.state.faults();
        f.clear_rules();
        f.latency = Duration::ZERO;
    }

    /// Add `latency` before answering every login and Graph request (a `$batch` counts once).
    pub fn set_latency(&self, latency: Duration) {
        self.state.faults().latency = latency;
    }

    /// The latency in force.
    pub fn latency(&self) -> Duration {
        self.state.faults().latency
    }

    /// Reject every access token issued so far (Graph answers 401 `InvalidAuthenticationToken`,
    /// "Lifetime validation failed, the token is expired."); tokens issued later are fine.
    pub fn expire_tokens(&self) {
        self.state.tokens.expire_all();
    }

    /// Lifetime of access tokens issued from now on (at least one second).
    pub fn set_token_lifetime(&self, lifetime: Duration) {
        self.state.tokens.set_lifetime(lifetime);
    }

    /// Lifetime of access tokens issued from now on.
    pub fn token_lifetime(&self) -> Duration {
        Duration::from_secs(self.state.tokens.lifetime_secs())
    }

    /// Make a refresh token unusable: redeeming it answers AADSTS700082 from now on.
    pub fn revoke_refresh_token(&self, token: &str) {
        self.state.login.refresh.revoke(token);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::seed::Seed;

    #[test]
    fn rules_match_and_count_down() {
        let dir = Directory::new(&Seed::demo());
        let alpha = dir.resolve("alpha.onmicrosoft.com").unwrap().to_string();
        let mut f = Faults::default();
        f.add(
            FaultRule::throttle("/users", 3, 2)
                .with_tenant("alphadental.com")
                .with_scope(FaultScope::Request),
        );
        let t = Target {
            batch_item: false,
            tenant: Some(&alpha),
            method: "GET",
            path: "/graph/v1.0/users",
        };
        let item = Target {
            batch_item: true,
            ..t
        };
        let other = Target {
            tenant: Some("00000000-0000-0000-0000-000000000000"),
            ..t
        };
        assert!(f.fire(&item, &dir).is_none(), "scope");
        assert!(f.fire(&other, &dir).is_none(), "tenant");
        assert_eq!(
            f.fire(&t, &dir),
            Some(Fired {
                status: 429,
                retry_after: Some(3)
            })
        );
        assert!(f.fire(&t, &dir).is_some());
        assert!(f.fire(&t, &dir).is_none(), "spent");
        assert_eq!(f.rules()[0].1.times, Some(0));
        assert_eq!(fault_answer(503).0, "ServiceUnavailable");
    }
}
