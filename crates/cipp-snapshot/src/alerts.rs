//! Alert bookkeeping in the [`Store`]: which findings were delivered (so a finding is sent
//! once until its content hash changes or its re-send interval passes), snoozes keyed as CIPP
//! keys them (rule, then `<tenant>-<hash>`), and the state alerts that compare runs keep.
//!
//! Deciding what to send and claiming it is one transaction per tenant: two runs in one
//! process (or two processes on one database file) cannot both claim a finding. A claim that
//! is never settled (a crash mid-delivery) expires after the claim lifetime given.

use rusqlite::{params, OptionalExtension, TransactionBehavior};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::error::SnapshotError;
use crate::store::Store;

pub(crate) const MIGRATION: &str = "CREATE TABLE alert_deliveries (
        tenant TEXT NOT NULL COLLATE NOCASE,
        rule TEXT NOT NULL COLLATE NOCASE,
        hash TEXT NOT NULL,
        state TEXT NOT NULL,
        claimed_at INTEGER NOT NULL,
        delivered_at INTEGER,
        PRIMARY KEY (tenant, rule, hash)
    );
    CREATE TABLE alert_snoozes (
        rule TEXT NOT NULL COLLATE NOCASE,
        row_key TEXT NOT NULL,
        tenant TEXT NOT NULL COLLATE NOCASE,
        hash TEXT NOT NULL,
        snooze_until INTEGER NOT NULL,
        snoozed_by TEXT NOT NULL,
        snoozed_at INTEGER NOT NULL,
        preview TEXT NOT NULL,
        reason TEXT NOT NULL,
        PRIMARY KEY (rule, row_key)
    );
    CREATE TABLE alert_state (
        tenant TEXT NOT NULL COLLATE NOCASE,
        rule TEXT NOT NULL COLLATE NOCASE,
        state TEXT NOT NULL,
        updated_at INTEGER NOT NULL,
        PRIMARY KEY (tenant, rule)
    );";

/// Snoozes that ended more than this long ago are deleted (CIPP: 30 days).
const SNOOZE_KEEP_SECS: i64 = 30 * 86_400;

/// One finding to decide on.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct AlertKey {
    /// The rule.
    pub rule: String,
    /// The finding's content hash.
    pub hash: String,
    /// Send again this many seconds after the last delivery; `None`: never while unchanged.
    pub resend_after: Option<u64>,
}

impl AlertKey {
    /// A key.
    pub fn new(
        rule: impl Into<String>,
        hash: impl Into<String>,
        resend_after: Option<u64>,
    ) -> Self {
        AlertKey {
            rule: rule.into(),
            hash: hash.into(),
            resend_after,
        }
    }
}

/// What the store decided for one finding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "disposition")]
#[non_exhaustive]
pub enum AlertDisposition {
    /// Never delivered: claimed, send it.
    New,
    /// Delivered before and the re-send interval has passed: claimed, send it.
    Resend,
    /// Delivered at `at` (Unix seconds); not due again.
    Delivered {
        /// When.
        at: u64,
    },
    /// Snoozed until `until` (Unix seconds; `None`: forever).
    Snoozed {
        /// Until when.
        until: Option<u64>,
    },
    /// Another run holds a claim on it.
    InFlight,
}

impl AlertDisposition {
    /// Whether this run claimed it and should send it.
    pub fn is_due(self) -> bool {
        matches!(self, AlertDisposition::New | AlertDisposition::Resend)
    }
}

/// One snooze.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct AlertSnooze {
    /// The rule.
    pub rule: String,
    /// The tenant.
    pub tenant: String,
    /// The finding's content hash.
    pub hash: String,
    /// Until when (Unix seconds); `None`: forever.
    pub until: Option<u64>,
    /// Who snoozed it.
    pub snoozed_by: String,
    /// When (Unix seconds).
    pub snoozed_at: u64,
    /// The start of the finding, for people.
    pub preview: String,
    /// Why.
    pub reason: String,
}

impl AlertSnooze {
    /// A snooze of `hash` of `rule` in `tenant` until `until` (`None`: forever).
    pub fn new(
        rule: impl Into<String>,
        tenant: impl Into<String>,
        hash: impl Into<String>,
        until: Option<u64>,
        snoozed_at: u64,
    ) -> Self {
        AlertSnooze {
            rule: rule.into(),
            tenant: tenant.into(),
            hash: hash.into(),
            until,
            snoozed_by: String::new(),
            snoozed_at,
            preview: String::new(),
            reason: String::new(),
        }
    }

    /// Who, why, and what it looked like.
    pub fn with_details(
        mut self,
        snoozed_by: impl Into<String>,
        reason: impl Into<String>,
        preview: impl Into<String>,
    ) -> Self {
        self.snoozed_by = snoozed_by.into();
        self.reason = reason.into();
        self.preview = preview.into();
        self
    }
}

/// CIPP's snooze row key: `<tenant>-<hash>` with `\ / # ?` and control characters replaced by
/// `_` (the tenant in lower case, as tenants compare without case).
pub fn snooze_key(tenant: &str, hash: &str) -> String {
    format!("{}-{hash}", tenant.to_lowercase())
        .chars()
        .map(|c| {
            if matches!(c, '\\' | '/' | '#' | '?') || c.is_control() {
                '_'
            } else {
                c
            }
        })
        .collect()
}

fn secs(v: i64) -> u64 {
    v.max(0) as u64
}

impl Store {
    /// Decide, in one transaction, which of a tenant's findings are due and claim them:
    /// snoozed ones are skipped, delivered ones wait for their re-send interval, and ones
    /// another run claimed less than `claim_ttl` seconds ago are left to it. Answers one
    /// disposition per key, in order. Settle the claims with [`Store::settle_alerts`].
    pub fn claim_alerts(
        &self,
        tenant: &str,
        now: u64,
        keys: &[AlertKey],
        claim_ttl: u64,
    ) -> Result<Vec<AlertDisposition>, SnapshotError> {
        let mut conn = self.conn();
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(|e| self.err(e))?;
        let now_i = now as i64;
        tx.execute(
            "DELETE FROM alert_snoozes WHERE snooze_until >= 0 AND snooze_until < ?1",
            params![now_i - SNOOZE_KEEP_SECS],
        )
        .map_err(|e| self.err(e))?;
        let mut out = Vec::with_capacity(keys.len());
        for k in keys {
            let snooze: Option<i64> = tx
                .query_row(
                    "SELECT snooze_until FROM alert_snoozes WHERE rule = ?1 AND row_key = ?2",
                    params![k.rule, snooze_key(tenant, &k.hash)],
                    |r| r.get(0),
                )
                .optional()
                .map_err(|e| self.err(e))?;
            match snooze {
                Some(-1) => {
                    out.push(AlertDisposition::Snoozed { until: None });
                    continue;
                }
                Some(u) if u > now_i => {
                    out.push(AlertDisposition::Snoozed {
                        until: Some(secs(u)),
                    });
                    continue;
                }
                _ => {}
            }
            let row: Option<(String, i64, Option<i64>)> = tx
                .query_row(
                    "SELECT state, claimed_at, delivered_at FROM alert_deliveries
                     WHERE tenant = ?1 AND rule = ?2 AND hash = ?3",
                    params![tenant, k.rule, k.hash],
                    |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
                )
                .optional()
                .map_err(|e| self.err(e))?;
            let disposition = match row {
                None => AlertDisposition::New,
                Some((state, claimed, _))
                    if state == "claimed" && now_i - claimed < claim_ttl as i64 =>
                {
                    AlertDisposition::InFlight
                }
                Some((_, _, None)) => AlertDisposition::New,
                Some((_, _, Some(at))) => match k.resend_after {
                    Some(after) if now_i - at >= after as i64 => AlertDisposition::Resend,
                    _ => AlertDisposition::Delivered { at: secs(at) },
                },
            };
            if disposition.is_due() {
                tx.execute(
                    "INSERT INTO alert_deliveries (tenant, rule, hash, state, claimed_at)
                     VALUES (?1, ?2, ?3, 'claimed', ?4)
                     ON CONFLICT (tenant, rule, hash) DO UPDATE SET state = 'claimed', claimed_at = ?4",
                    params![tenant, k.rule, k.hash, now_i],
                )
                .map_err(|e| self.err(e))?;
            }
            out.push(disposition);
        }
        tx.commit().map_err(|e| self.err(e))?;
        Ok(out)
    }

    /// Settle a tenant's claims in one transaction: `delivered` (rule, hash) pairs are
    /// recorded as delivered at `now`; `failed` ones are released (a finding never delivered
    /// is forgotten, so the next run sends it again; one delivered before keeps its last
    /// delivery time).
    pub fn settle_alerts(
        &self,
        tenant: &str,
        now: u64,
        delivered: &[(&str, &str)],
        failed: &[(&str, &str)],
    ) -> Result<(), SnapshotError> {
        let mut conn = self.conn();
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(|e| self.err(e))?;
        for (rule, hash) in delivered {
            tx.execute(
                "UPDATE alert_deliveries SET state = 'delivered', delivered_at = ?4
                 WHERE tenant = ?1 AND rule = ?2 AND hash = ?3",
                params![tenant, rule, hash, now as i64],
            )
            .map_err(|e| self.err(e))?;
        }
        for (rule, hash) in failed {
            tx.execute(
                "DELETE FROM alert_deliveries
                 WHERE tenant = ?1 AND rule = ?2 AND hash = ?3 AND delivered_at IS NULL",
                params![tenant, rule, hash],
            )
            .map_err(|e| self.err(e))?;
            tx.execute(
                "UPDATE alert_deliveries SET state = 'delivered'
                 WHERE tenant = ?1 AND rule = ?2 AND hash = ?3",
                params![tenant, rule, hash],
            )
            .map_err(|e| self.err(e))?;
        }
        tx.commit().map_err(|e| self.err(e))
    }

    /// Snooze a finding (replacing an earlier snooze of it).
    pub fn snooze_alert(&self, s: &AlertSnooze) -> Result<(), SnapshotError> {
        self.conn()
            .execute(
                "INSERT OR REPLACE INTO alert_snoozes
                 (rule, row_key, tenant, hash, snooze_until, snoozed_by, snoozed_at, preview, reason)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                params![
                    s.rule,
                    snooze_key(&s.tenant, &s.hash),
                    s.tenant,
                    s.hash,
                    s.until.map_or(-1, |u| u as i64),
                    s.snoozed_by,
                    s.snoozed_at as i64,
                    s.preview,
                    s.reason
                ],
            )
            .map_err(|e| self.err(e))?;
        Ok(())
    }

    /// Lift a snooze; `false` when there was none.
    pub fn unsnooze_alert(
        &self,
        rule: &str,
        tenant: &str,
        hash: &str,
    ) -> Result<bool, SnapshotError> {
        let n = self
            .conn()
            .execute(
                "DELETE FROM alert_snoozes WHERE rule = ?1 AND row_key = ?2",
                params![rule, snooze_key(tenant, hash)],
            )
            .map_err(|e| self.err(e))?;
        Ok(n > 0)
    }

    /// The snoozes active at `now` (of one tenant, or all), by rule then tenant.
    pub fn alert_snoozes(
        &self,
        tenant: Option<&str>,
        now: u64,
    ) -> Result<Vec<AlertSnooze>, SnapshotError> {
        let conn = self.conn();
        let mut stmt = conn
            .prepare(
                "SELECT rule, tenant, hash, snooze_until, snoozed_by, snoozed_at, preview, reason
                 FROM alert_snoozes
                 WHERE (snooze_until = -1 OR snooze_until > ?1) AND (?2 IS NULL OR tenant = ?2)
                 ORDER BY rule, tenant, hash",
            )
            .map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map(params![now as i64, tenant], |r| {
                let until: i64 = r.get(3)?;
                Ok(AlertSnooze {
                    rule: r.get(0)?,
                    tenant: r.get(1)?,
                    hash: r.get(2)?,
                    until: (until >= 0).then_some(secs(until)),
                    snoozed_by: r.get(4)?,
                    snoozed_at: secs(r.get(5)?),
                    preview: r.get(6)?,
                    reason: r.get(7)?,
                })
            })
            .map_err(|e| self.err(e))?;
        rows.collect::<Result<Vec<_>, _>>().map_err(|e| self.err(e))
    }

    /// The state a history alert kept for a tenant.
    pub fn alert_state(&self, tenant: &str, rule: &str) -> Result<Option<Value>, SnapshotError> {
        let text: Option<String> = self
            .conn()
            .query_row(
                "SELECT state FROM alert_state WHERE tenant = ?1 AND rule = ?2",
                params![tenant, rule],
                |r| r.get(0),
            )
            .optional()
            .map_err(|e| self.err(e))?;
        text.map(|t| {
            serde_json::from_str(&t)
                .map_err(|e| self.err(format!("stored alert state of {rule} in {tenant}: {e}")))
        })
        .transpose()
    }

    /// Keep a history alert's state for a tenant.
    pub fn set_alert_state(
        &self,
        tenant: &str,
        rule: &str,
        state: &Value,
        now: u64,
    ) -> Result<(), SnapshotError> {
        self.conn()
            .execute(
                "INSERT OR REPLACE INTO alert_state (tenant, rule, state, updated_at) VALUES (?1, ?2, ?3, ?4)",
                params![tenant, rule, state.to_string(), now as i64],
            )
            .map_err(|e| self.err(e))?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(hash: &str, resend: Option<u64>) -> AlertKey {
        AlertKey::new("InactiveUsers", hash, resend)
    }

    #[test]
    fn claim_deliver_resend_and_release() {
        let s = Store::in_memory().unwrap();
        let d = s
            .claim_alerts(
                "alpha",
                100,
                &[key("h1", Some(86_400)), key("h2", None)],
                600,
            )
            .unwrap();
        assert_eq!(d, [AlertDisposition::New, AlertDisposition::New]);
        // Claimed and not settled: another run leaves them alone.
        let d = s
            .claim_alerts("ALPHA", 150, &[key("h1", Some(86_400))], 600)
            .unwrap();
        assert_eq!(d, [AlertDisposition::InFlight]);
        s.settle_alerts(
            "alpha",
            200,
            &[("InactiveUsers", "h1")],
            &[("InactiveUsers", "h2")],
        )
        .unwrap();
        let d = s
            .claim_alerts(
                "alpha",
                300,
                &[key("h1", Some(86_400)), key("h2", None)],
                600,
            )
            .unwrap();
        assert_eq!(
            d,
            [
                AlertDisposition::Delivered { at: 200 },
                AlertDisposition::New
            ]
        );
        s.settle_alerts("alpha", 300, &[("InactiveUsers", "h2")], &[])
            .unwrap();
        // A day later h1 is due again; h2 (never re-sent) is not.
        let d = s
            .claim_alerts(
                "alpha",
                200 + 86_400,
                &[key("h1", Some(86_400)), key("h2", None)],
                600,
            )
            .unwrap();
        assert_eq!(
            d,
            [
                AlertDisposition::Resend,
                AlertDisposition::Delivered { at: 300 }
            ]
        );
        // A failed re-send keeps the earlier delivery time.
        s.settle_alerts("alpha", 200 + 86_400, &[], &[("InactiveUsers", "h1")])
            .unwrap();
        let d = s
            .claim_alerts("alpha", 201 + 86_400, &[key("h1", None)], 600)
            .unwrap();
        assert_eq!(d, [AlertDisposition::Delivered { at: 200 }]);
        // A stale claim (crash) expires.
        s.claim_alerts("alpha", 1_000_000, &[key("h3", None)], 600)
            .unwrap();
        let d = s
            .claim_alerts("alpha", 1_000_601, &[key("h3", None)], 600)
            .unwrap();
        assert_eq!(d, [AlertDisposition::New]);
        // Another tenant is independent.
        assert_eq!(
            s.claim_alerts("bravo", 300, &[key("h1", None)], 600)
                .unwrap(),
            [AlertDisposition::New]
        );
    }

    #[test]
    fn snoozes() {
        let s = Store::in_memory().unwrap();
        let day = 86_400;
        s.snooze_alert(
            &AlertSnooze::new("InactiveUsers", "Alpha", "a/b#c", Some(7 * day), 0)
                .with_details("tech", "on leave", "{...}"),
        )
        .unwrap();
        s.snooze_alert(&AlertSnooze::new(
            "InactiveUsers",
            "alpha",
            "forever",
            None,
            0,
        ))
        .unwrap();
        let d = s
            .claim_alerts(
                "alpha",
                day,
                &[key("a/b#c", None), key("forever", None), key("other", None)],
                600,
            )
            .unwrap();
        assert_eq!(
            d,
            [
                AlertDisposition::Snoozed {
                    until: Some(7 * day)
                },
                AlertDisposition::Snoozed { until: None },
                AlertDisposition::New
            ]
        );
        assert_eq!(snooze_key("Alpha", "a/b#c?d\\e\n"), "alpha-a_b_c_d_e_");
        let active = s.alert_snoozes(Some("ALPHA"), day).unwrap();
        assert_eq!(active.len(), 2);
        assert_eq!(active[0].reason, "on leave");
        // Expired: due again, and no longer listed.
        let d = s
            .claim_alerts("alpha", 8 * day, &[key("a/b#c", None)], 600)
            .unwrap();
        assert_eq!(d, [AlertDisposition::New]);
        assert_eq!(s.alert_snoozes(None, 8 * day).unwrap().len(), 1);
        assert!(s
            .unsnooze_alert("InactiveUsers", "alpha", "forever")
            .unwrap());
        assert!(!s
            .unsnooze_alert("InactiveUsers", "alpha", "forever")
            .unwrap());
    }

    #[test]
    fn state_and_concurrent_claims() {
        let s = std::sync::Arc::new(Store::in_memory().unwrap());
        assert!(s.alert_state("alpha", "NewRole").unwrap().is_none());
        s.set_alert_state("alpha", "NewRole", &serde_json::json!({"a": ["x"]}), 1)
            .unwrap();
        assert_eq!(
            s.alert_state("ALPHA", "newrole").unwrap().unwrap()["a"][0],
            "x"
        );
        let keys: Vec<AlertKey> = (0..50).map(|i| key(&format!("h{i}"), None)).collect();
        let handles: Vec<_> = (0..8)
            .map(|_| {
                let (s, keys) = (s.clone(), keys.clone());
                std::thread::spawn(move || s.claim_alerts("alpha", 10, &keys, 600).unwrap())
            })
            .collect();
        let claimed: usize = handles
            .into_iter()
            .map(|h| h.join().unwrap().iter().filter(|d| d.is_due()).count())
            .sum();
        assert_eq!(claimed, 50, "each finding claimed by exactly one run");
    }
}
