//! Fault injection: throttling, outages, latency and expired tokens, switchable at runtime.

use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::state::State;

/// Where a fault rule applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FaultScope {
    /// Whole HTTP requests and batch items alike.
    #[default]
    Any,
    /// Only whole HTTP requests (a `$batch` POST counts as one).
    Request,
    /// Only items inside a `$batch`.
    BatchItem,
}

/// A rule that makes matching requests fail.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct FaultRule {
    /// Only this tenant (GUID or any of its domains).
    pub tenant: Option<String>,
    /// Only paths containing this text (`/graph/v1.0/users`; batch items as
    /// `/graph/{version}/{item url}`).
    pub path_contains: Option<String>,
    /// Only this method.
    pub method: Option<String>,
    /// Status to answer: 429, 503, 504 or 500.
    pub status: u16,
    /// `Retry-After` seconds to send.
    pub retry_after: Option<u64>,
    /// How many times the rule fires (absent: until removed).
    pub times: Option<u32>,
    /// Requests, batch items, or both.
    pub scope: FaultScope,
}

impl FaultRule {
    /// Throttle (429 with `Retry-After`) requests whose path contains `path`, `times` times.
    pub fn throttle(path: &str, retry_after_secs: u64, times: u32) -> Self {
        FaultRule {
            path_contains: Some(path.to_string()),
            status: 429,
            retry_after: Some(retry_after_secs),
            times: Some(times),
            ..Default::default()
        }
    }
}

/// A fault that fired.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Fired {
    pub status: u16,
    pub retry_after: Option<u64>,
}

#[derive(Debug, Default)]
pub(crate) struct Faults {
    pub rules: Vec<(u64, FaultRule)>,
    pub next_id: u64,
    pub latency: Duration,
}

impl Faults {
    /// The first rule matching this request, consuming one of its `times`.
    pub fn fire(
        &mut self,
        is_item: bool,
        tenant: Option<&str>,
        tenant_matches: impl Fn(&str, &str) -> bool,
        method: &str,
        path: &str,
    ) -> Option<Fired> {
        let idx = self.rules.iter().position(|(_, r)| {
            let scope_ok = match r.scope {
                FaultScope::Any => true,
                FaultScope::Request => !is_item,
                FaultScope::BatchItem => is_item,
            };
            scope_ok
                && r.times != Some(0)
                && r.method
                    .as_deref()
                    .is_none_or(|m| m.eq_ignore_ascii_case(method))
                && r.path_contains.as_deref().is_none_or(|p| path.contains(p))
                && r.tenant
                    .as_deref()
                    .is_none_or(|t| tenant.is_some_and(|have| tenant_matches(t, have)))
        })?;
        let rule = &mut self.rules[idx].1;
        if let Some(n) = rule.times.as_mut() {
            *n -= 1;
        }
        Some(Fired {
            status: rule.status,
            retry_after: rule.retry_after,
        })
    }
}

/// Runtime control over the simulator's faults. Cheap to clone.
#[derive(Debug, Clone)]
pub struct FaultControl {
    pub(crate) state: Arc<State>,
}

impl FaultControl {
    /// Add a rule; returns its id.
    pub fn add_rule(&self, rule: FaultRule) -> u64 {
        let mut f = self.state.faults.lock().unwrap_or_else(|e| e.into_inner());
        f.next_id += 1;
        let id = f.next_id;
        f.rules.push((id, rule));
        id
    }

    /// Remove a rule by id.
    pub fn remove_rule(&self, id: u64) {
        let mut f = self.state.faults.lock().unwrap_or_else(|e| e.into_inner());
        f.rules.retain(|(i, _)| *i != id);
    }

    /// The rules in force, with their ids.
    pub fn rules(&self) -> Vec<(u64, FaultRule)> {
        let f = self.state.faults.lock().unwrap_or_else(|e| e.into_inner());
        f.rules.clone()
    }

    /// Remove every rule and the latency.
    pub fn clear(&self) {
        let mut f = self.state.faults.lock().unwrap_or_else(|e| e.into_inner());
        f.rules.clear();
        f.latency = Duration::ZERO;
    }

    /// Add `latency` to every login and Graph request.
    pub fn set_latency(&self, latency: Duration) {
        let mut f = self.state.faults.lock().unwrap_or_else(|e| e.into_inner());
        f.latency = latency;
    }

    /// Reject every access token issued so far.
    pub fn expire_tokens(&self) {
        self.state.tokens.expire_all();
    }

    /// Lifetime of tokens issued from now on.
    pub fn set_token_lifetime(&self, lifetime: Duration) {
        self.state.tokens.set_lifetime(lifetime);
    }

    /// Make a refresh token invalid (AADSTS700082 from now on).
    pub fn revoke_refresh_token(&self, token: &str) {
        self.state.revoke_refresh_token(token);
    }
}
