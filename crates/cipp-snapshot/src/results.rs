//! Standards runs and their per-tenant results in the [`Store`]: one row per run, one row per
//! (run, tenant, standard instance). The engine that produces them (cipp-standards) owns the
//! shape of `body`; the store keeps it as JSON and answers "what was the last result of each
//! standard in this tenant" (drift since the last run) and "how did this standard change".

use rusqlite::{params, OptionalExtension};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::error::SnapshotError;
use crate::store::Store;

/// One stored standards run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct StoredRun {
    /// Store id.
    pub id: i64,
    /// When it started (Unix seconds).
    pub started_at: u64,
    /// When it finished; `None` while running or when it never finished.
    pub finished_at: Option<u64>,
    /// `report`, `alert` or `remediate`.
    pub mode: String,
    /// The engine's summary, when finished.
    pub summary: Option<Value>,
}

/// One stored result: a standard instance in a tenant at one run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct StoredResult {
    /// The run.
    pub run_id: i64,
    /// The tenant.
    pub tenant: String,
    /// The standard instance (`Name|key`).
    pub standard: String,
    /// Its state (`compliant`, `drifted`...).
    pub state: String,
    /// When it was recorded (Unix seconds).
    pub recorded_at: u64,
    /// The engine's full result.
    pub body: Value,
}

impl StoredResult {
    /// A result to store.
    pub fn new(
        run_id: i64,
        tenant: impl Into<String>,
        standard: impl Into<String>,
        state: impl Into<String>,
        recorded_at: u64,
        body: Value,
    ) -> Self {
        StoredResult {
            run_id,
            tenant: tenant.into(),
            standard: standard.into(),
            state: state.into(),
            recorded_at,
            body,
        }
    }
}

fn secs(v: i64) -> u64 {
    v.max(0) as u64
}

impl Store {
    /// Record the start of a standards run; returns its id.
    pub fn begin_run(&self, started_at: u64, mode: &str) -> Result<i64, SnapshotError> {
        let conn = self.conn();
        conn.execute(
            "INSERT INTO standard_runs (started_at, mode) VALUES (?1, ?2)",
            params![started_at as i64, mode],
        )
        .map_err(|e| self.err(e))?;
        Ok(conn.last_insert_rowid())
    }

    /// Record the end of a run and its summary.
    pub fn finish_run(
        &self,
        run_id: i64,
        finished_at: u64,
        summary: &Value,
    ) -> Result<(), SnapshotError> {
        let changed = self
            .conn()
            .execute(
                "UPDATE standard_runs SET finished_at = ?2, summary = ?3 WHERE id = ?1",
                params![run_id, finished_at as i64, summary.to_string()],
            )
            .map_err(|e| self.err(e))?;
        if changed == 0 {
            return Err(self.err(format!("no standards run {run_id}")));
        }
        Ok(())
    }

    /// A run by id.
    pub fn run(&self, run_id: i64) -> Result<Option<StoredRun>, SnapshotError> {
        self.conn()
            .query_row(
                "SELECT id, started_at, finished_at, mode, summary FROM standard_runs WHERE id = ?1",
                params![run_id],
                |r| {
                    Ok((
                        r.get::<_, i64>(0)?,
                        r.get::<_, i64>(1)?,
                        r.get::<_, Option<i64>>(2)?,
                        r.get::<_, String>(3)?,
                        r.get::<_, Option<String>>(4)?,
                    ))
                },
            )
            .optional()
            .map_err(|e| self.err(e))?
            .map(|(id, started, finished, mode, summary)| {
                let summary = summary
                    .map(|s| serde_json::from_str(&s))
                    .transpose()
                    .map_err(|e| self.err(format!("run {id}: the summary does not decode: {e}")))?;
                Ok(StoredRun {
                    id,
                    started_at: secs(started),
                    finished_at: finished.map(secs),
                    mode,
                    summary,
                })
            })
            .transpose()
    }

    /// Keep one tenant's results of a run, all or nothing (one transaction).
    pub fn save_results(&self, results: &[StoredResult]) -> Result<(), SnapshotError> {
        let mut conn = self.conn();
        let tx = conn.transaction().map_err(|e| self.err(e))?;
        {
            let mut stmt = tx
                .prepare(
                    "INSERT OR REPLACE INTO standard_results
                     (run_id, tenant, standard, state, recorded_at, body)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                )
                .map_err(|e| self.err(e))?;
            for r in results {
                stmt.execute(params![
                    r.run_id,
                    r.tenant,
                    r.standard,
                    r.state,
                    r.recorded_at as i64,
                    r.body.to_string()
                ])
                .map_err(|e| self.err(e))?;
            }
        }
        tx.commit().map_err(|e| self.err(e))
    }

    /// The newest result of every standard instance of a tenant recorded by a run other than
    /// `before_run` (pass the current run to compare with the previous one), sorted by
    /// standard.
    pub fn latest_results(
        &self,
        tenant: &str,
        before_run: Option<i64>,
    ) -> Result<Vec<StoredResult>, SnapshotError> {
        self.results_where(
            "r.tenant = ?1 AND r.run_id < ?2 AND r.run_id = (
                SELECT MAX(x.run_id) FROM standard_results x
                WHERE x.tenant = r.tenant AND x.standard = r.standard AND x.run_id < ?2)
             ORDER BY r.standard",
            params![tenant, before_run.unwrap_or(i64::MAX)],
        )
    }

    /// The newest `limit` results of one standard instance in a tenant, newest first.
    pub fn result_history(
        &self,
        tenant: &str,
        standard: &str,
        limit: usize,
    ) -> Result<Vec<StoredResult>, SnapshotError> {
        self.results_where(
            "r.tenant = ?1 AND r.standard = ?2 ORDER BY r.run_id DESC LIMIT ?3",
            params![tenant, standard, limit as i64],
        )
    }

    /// Every result of a run, by tenant then standard.
    pub fn run_results(&self, run_id: i64) -> Result<Vec<StoredResult>, SnapshotError> {
        self.results_where(
            "r.run_id = ?1 ORDER BY r.tenant, r.standard",
            params![run_id],
        )
    }

    fn results_where(
        &self,
        clause: &str,
        args: impl rusqlite::Params,
    ) -> Result<Vec<StoredResult>, SnapshotError> {
        let conn = self.conn();
        let sql = format!(
            "SELECT r.run_id, r.tenant, r.standard, r.state, r.recorded_at, r.body
             FROM standard_results r WHERE {clause}"
        );
        let mut stmt = conn.prepare(&sql).map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map(args, |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, i64>(4)?,
                    r.get::<_, String>(5)?,
                ))
            })
            .map_err(|e| self.err(e))?
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| self.err(e))?;
        rows.into_iter()
            .map(|(run_id, tenant, standard, state, at, body)| {
                let body = serde_json::from_str(&body).map_err(|e| {
                    self.err(format!(
                        "result {standard} of {tenant} in run {run_id} does not decode: {e}"
                    ))
                })?;
                Ok(StoredResult {
                    run_id,
                    tenant,
                    standard,
                    state,
                    recorded_at: secs(at),
                    body,
                })
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn result(run: i64, tenant: &str, standard: &str, state: &str) -> StoredResult {
        StoredResult::new(run, tenant, standard, state, 7, json!({"state": state}))
    }

    #[test]
    fn runs_results_and_the_previous_result_of_each_standard() {
        let store = Store::in_memory().unwrap();
        let first = store.begin_run(100, "report").unwrap();
        store
            .save_results(&[
                result(first, "alpha", "DisableSMS|", "drifted"),
                result(first, "alpha", "AuditLog|", "compliant"),
                result(first, "bravo", "DisableSMS|", "compliant"),
            ])
            .unwrap();
        store
            .finish_run(first, 110, &json!({"tenants": 2}))
            .unwrap();
        let second = store.begin_run(200, "remediate").unwrap();
        store
            .save_results(&[result(second, "ALPHA", "disablesms|", "remediated")])
            .unwrap();

        let run = store.run(first).unwrap().unwrap();
        assert_eq!(
            (run.finished_at, run.summary),
            (Some(110), Some(json!({"tenants": 2})))
        );
        assert_eq!(store.run(second).unwrap().unwrap().finished_at, None);

        // Before the second run: what the first one found.
        let before: Vec<_> = store
            .latest_results("alpha", Some(second))
            .unwrap()
            .into_iter()
            .map(|r| (r.standard, r.state))
            .collect();
        assert_eq!(
            before,
            vec![
                ("AuditLog|".to_string(), "compliant".to_string()),
                ("DisableSMS|".to_string(), "drifted".to_string())
            ]
        );
        // Now: the newest per standard, whichever run it came from.
        let now: Vec<_> = store
            .latest_results("alpha", None)
            .unwrap()
            .into_iter()
            .map(|r| r.state)
            .collect();
        assert_eq!(now, vec!["compliant", "remediated"]);
        let history = store.result_history("alpha", "DisableSMS|", 10).unwrap();
        assert_eq!(history.len(), 2);
        assert_eq!(history[0].body, json!({"state": "remediated"}));
        assert_eq!(store.run_results(first).unwrap().len(), 3);
        assert!(store.finish_run(999, 1, &json!({})).is_err());
    }
}
