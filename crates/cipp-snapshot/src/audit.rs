//! Audit-log alert bookkeeping in the [`Store`]: each unified audit log record a rule matched
//! is claimed by its id before any action runs, so it is processed exactly once, even by two
//! runners sharing one database (CIPP inserts `AuditLogs/<tenant>/<record id>` without
//! overwrite for the same guarantee). The claim then records what was done.

use rusqlite::{params, OptionalExtension};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::error::SnapshotError;
use crate::store::Store;

/// Migration 5 (after the scheduled tasks' migration 4): one row per processed record.
pub(crate) const MIGRATION: &str = "CREATE TABLE audit_log_events (
        tenant TEXT NOT NULL COLLATE NOCASE,
        record_id TEXT NOT NULL COLLATE NOCASE,
        rules TEXT NOT NULL,
        claimed_at INTEGER NOT NULL,
        settled_at INTEGER,
        outcome TEXT,
        PRIMARY KEY (tenant, record_id)
    );
    CREATE INDEX audit_log_events_by_time ON audit_log_events (tenant, claimed_at DESC);";

/// A processed (or in-progress) audit record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct AuditEventClaim {
    /// The tenant.
    pub tenant: String,
    /// The audit record's id.
    pub record_id: String,
    /// The rules that matched it (names or ids, comma separated).
    pub rules: String,
    /// When it was claimed (Unix seconds).
    pub claimed_at: u64,
    /// When its actions finished; `None` while they run (or if the process died).
    pub settled_at: Option<u64>,
    /// What was done, as the runner reported it.
    pub outcome: Option<Value>,
}

impl Store {
    /// Claim audit record `record_id` of `tenant` for processing. `true`: this caller owns it
    /// and must run its actions; `false`: it was claimed before (by this or another runner)
    /// and must be left alone. Claims never lapse: an action that may have run is not run
    /// again.
    pub fn claim_audit_event(
        &self,
        tenant: &str,
        record_id: &str,
        rules: &str,
        now: u64,
    ) -> Result<bool, SnapshotError> {
        let conn = self.conn();
        let n = conn
            .execute(
                "INSERT INTO audit_log_events (tenant, record_id, rules, claimed_at)
                 VALUES (?1, ?2, ?3, ?4) ON CONFLICT (tenant, record_id) DO NOTHING",
                params![tenant, record_id, rules, now as i64],
            )
            .map_err(|e| self.err(e))?;
        Ok(n == 1)
    }

    /// Record what was done for a claimed record.
    pub fn settle_audit_event(
        &self,
        tenant: &str,
        record_id: &str,
        outcome: &Value,
        now: u64,
    ) -> Result<(), SnapshotError> {
        let conn = self.conn();
        conn.execute(
            "UPDATE audit_log_events SET settled_at = ?3, outcome = ?4
             WHERE tenant = ?1 AND record_id = ?2",
            params![tenant, record_id, now as i64, outcome.to_string()],
        )
        .map_err(|e| self.err(e))?;
        Ok(())
    }

    /// The claim of one record, if any.
    pub fn audit_event(
        &self,
        tenant: &str,
        record_id: &str,
    ) -> Result<Option<AuditEventClaim>, SnapshotError> {
        let conn = self.conn();
        conn.query_row(
            "SELECT tenant, record_id, rules, claimed_at, settled_at, outcome
             FROM audit_log_events WHERE tenant = ?1 AND record_id = ?2",
            params![tenant, record_id],
            |r| {
                Ok(AuditEventClaim {
                    tenant: r.get(0)?,
                    record_id: r.get(1)?,
                    rules: r.get(2)?,
                    claimed_at: r.get::<_, i64>(3)?.max(0) as u64,
                    settled_at: r.get::<_, Option<i64>>(4)?.map(|x| x.max(0) as u64),
                    outcome: r
                        .get::<_, Option<String>>(5)?
                        .and_then(|t| serde_json::from_str(&t).ok()),
                })
            },
        )
        .optional()
        .map_err(|e| self.err(e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_record_is_claimed_once() {
        let s = Store::in_memory().unwrap();
        assert!(s.claim_audit_event("t", "rec-1", "r1", 10).unwrap());
        assert!(!s.claim_audit_event("T", "REC-1", "r2", 11).unwrap());
        assert!(s.claim_audit_event("t", "rec-2", "r1", 11).unwrap());
        assert!(s.claim_audit_event("other", "rec-1", "r1", 11).unwrap());
        let c = s.audit_event("t", "rec-1").unwrap().unwrap();
        assert_eq!((c.rules.as_str(), c.settled_at), ("r1", None));
        s.settle_audit_event("t", "rec-1", &json!({"sent": true}), 12)
            .unwrap();
        let c = s.audit_event("t", "rec-1").unwrap().unwrap();
        assert_eq!(c.settled_at, Some(12));
        assert_eq!(c.outcome, Some(json!({"sent": true})));
        assert!(s.audit_event("t", "nope").unwrap().is_none());
    }
}
