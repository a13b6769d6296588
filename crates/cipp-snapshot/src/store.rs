//! `Store`: snapshots kept in an embedded SQLite database (WAL, versioned schema), latest and
//! history per tenant; standards runs and their results (see `results.rs`). Later parts of the
//! engine (alert state, scheduled tasks) add their tables through the same migrations.

use std::path::{Path, PathBuf};
use std::sync::{Mutex, PoisonError};

use rusqlite::{params, Connection, OptionalExtension};
use serde::{Deserialize, Serialize};

use crate::error::SnapshotError;
use crate::snapshot::{Snapshot, Status};

/// Schema migrations, in order; `PRAGMA user_version` records how many ran.
const MIGRATIONS: &[&str] = &[
    "CREATE TABLE snapshots (
        id INTEGER PRIMARY KEY,
        tenant TEXT NOT NULL COLLATE NOCASE,
        collected_at INTEGER NOT NULL,
        complete INTEGER NOT NULL,
        failed INTEGER NOT NULL,
        not_licensed INTEGER NOT NULL,
        body TEXT NOT NULL
    );
    CREATE INDEX snapshots_by_tenant ON snapshots (tenant, collected_at DESC, id DESC);",
    "CREATE TABLE standard_runs (
        id INTEGER PRIMARY KEY,
        started_at INTEGER NOT NULL,
        finished_at INTEGER,
        mode TEXT NOT NULL,
        summary TEXT
    );
    CREATE TABLE standard_results (
        run_id INTEGER NOT NULL REFERENCES standard_runs (id) ON DELETE CASCADE,
        tenant TEXT NOT NULL COLLATE NOCASE,
        standard TEXT NOT NULL COLLATE NOCASE,
        state TEXT NOT NULL,
        recorded_at INTEGER NOT NULL,
        body TEXT NOT NULL,
        PRIMARY KEY (run_id, tenant, standard)
    );
    CREATE INDEX standard_results_by_tenant ON standard_results (tenant, standard, run_id DESC);",
    // Alerts (see alerts.rs): what was delivered, snoozes, and the state history rules keep.
    crate::alerts::MIGRATION,
    // Scheduled tasks (see tasks.rs): task rows, and one leased run per (task, slot).
    crate::tasks::MIGRATION,
    // Audit-log alert claims (see audit.rs).
    crate::audit::MIGRATION,
];

/// One stored snapshot, without its data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct SnapshotInfo {
    /// Store id.
    pub id: i64,
    /// The tenant.
    pub tenant: String,
    /// When it was collected (Unix seconds).
    pub collected_at: u64,
    /// Cache types read completely.
    pub complete: u32,
    /// Cache types whose read failed.
    pub failed: u32,
    /// Cache types the tenant is not licensed for.
    pub not_licensed: u32,
}

/// The embedded store. Safe to share between threads (one connection behind a lock; every
/// write is one transaction, so a crash loses nothing that was committed).
///
/// ```no_run
/// # fn run(snap: cipp_snapshot::Snapshot) -> Result<(), cipp_snapshot::SnapshotError> {
/// let store = cipp_snapshot::Store::open("cipp.db")?;
/// store.save(&snap)?;
/// let latest = store.latest(&snap.tenant)?;
/// # let _ = latest; Ok(()) }
/// ```
#[derive(Debug)]
pub struct Store {
    conn: Mutex<Connection>,
    path: PathBuf,
}

impl Store {
    /// Open (creating and migrating) the database at `path`.
    pub fn open(path: impl AsRef<Path>) -> Result<Store, SnapshotError> {
        let path = path.as_ref().to_path_buf();
        let conn = Connection::open(&path).map_err(|e| err(&path, e))?;
        Self::init(conn, path)
    }

    /// A store that lives in memory (tests, one-off runs).
    pub fn in_memory() -> Result<Store, SnapshotError> {
        let path = PathBuf::from(":memory:");
        let conn = Connection::open_in_memory().map_err(|e| err(&path, e))?;
        Self::init(conn, path)
    }

    fn init(mut conn: Connection, path: PathBuf) -> Result<Store, SnapshotError> {
        let e = |x: rusqlite::Error| err(&path, x);
        // In-memory databases answer "memory"; both are fine.
        let _mode: String = conn
            .query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))
            .map_err(e)?;
        conn.pragma_update(None, "synchronous", "NORMAL")
            .map_err(e)?;
        conn.busy_timeout(std::time::Duration::from_secs(10))
            .map_err(e)?;
        let version: i64 = conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .map_err(e)?;
        let known = MIGRATIONS.len() as i64;
        if version > known {
            return Err(SnapshotError::Store {
                path: path.display().to_string(),
                message: format!(
                    "the database has schema version {version}, newer than this library's {known}"
                ),
            });
        }
        for (i, sql) in MIGRATIONS.iter().enumerate().skip(version as usize) {
            let tx = conn.transaction().map_err(e)?;
            tx.execute_batch(sql).map_err(e)?;
            tx.pragma_update(None, "user_version", i as i64 + 1)
                .map_err(e)?;
            tx.commit().map_err(e)?;
        }
        Ok(Store {
            conn: Mutex::new(conn),
            path,
        })
    }

    pub(crate) fn conn(&self) -> std::sync::MutexGuard<'_, Connection> {
        self.conn.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub(crate) fn err(&self, e: impl std::fmt::Display) -> SnapshotError {
        err(&self.path, e)
    }

    /// Keep a snapshot; returns its id.
    pub fn save(&self, snapshot: &Snapshot) -> Result<i64, SnapshotError> {
        let body = serde_json::to_string(snapshot).map_err(|e| self.err(e))?;
        let count = |s: Status| snapshot.types.values().filter(|t| t.status == s).count() as i64;
        let conn = self.conn();
        conn.execute(
            "INSERT INTO snapshots (tenant, collected_at, complete, failed, not_licensed, body)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![
                snapshot.tenant,
                snapshot.collected_at as i64,
                count(Status::Complete),
                count(Status::Failed),
                count(Status::NotLicensed),
                body
            ],
        )
        .map_err(|e| self.err(e))?;
        Ok(conn.last_insert_rowid())
    }

    /// The newest snapshot of a tenant (name compared without case).
    pub fn latest(&self, tenant: &str) -> Result<Option<Snapshot>, SnapshotError> {
        let body: Option<String> = self
            .conn()
            .query_row(
                "SELECT body FROM snapshots WHERE tenant = ?1 ORDER BY collected_at DESC, id DESC LIMIT 1",
                params![tenant],
                |r| r.get(0),
            )
            .optional()
            .map_err(|e| self.err(e))?;
        body.map(|b| self.decode(&b)).transpose()
    }

    /// A snapshot by id.
    pub fn snapshot(&self, id: i64) -> Result<Option<Snapshot>, SnapshotError> {
        let body: Option<String> = self
            .conn()
            .query_row(
                "SELECT body FROM snapshots WHERE id = ?1",
                params![id],
                |r| r.get(0),
            )
            .optional()
            .map_err(|e| self.err(e))?;
        body.map(|b| self.decode(&b)).transpose()
    }

    /// The newest `limit` snapshots of a tenant, newest first, without their data.
    pub fn history(&self, tenant: &str, limit: usize) -> Result<Vec<SnapshotInfo>, SnapshotError> {
        let conn = self.conn();
        let mut stmt = conn
            .prepare(
                "SELECT id, tenant, collected_at, complete, failed, not_licensed FROM snapshots
                 WHERE tenant = ?1 ORDER BY collected_at DESC, id DESC LIMIT ?2",
            )
            .map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map(params![tenant, limit as i64], |r| {
                Ok(SnapshotInfo {
                    id: r.get(0)?,
                    tenant: r.get(1)?,
                    collected_at: r.get::<_, i64>(2)?.max(0) as u64,
                    complete: r.get(3)?,
                    failed: r.get(4)?,
                    not_licensed: r.get(5)?,
                })
            })
            .map_err(|e| self.err(e))?;
        rows.collect::<Result<Vec<_>, _>>().map_err(|e| self.err(e))
    }

    /// Delete all but the newest `keep` snapshots of a tenant; returns how many went.
    pub fn prune(&self, tenant: &str, keep: usize) -> Result<usize, SnapshotError> {
        self.conn()
            .execute(
                "DELETE FROM snapshots WHERE tenant = ?1 AND id NOT IN (
                    SELECT id FROM snapshots WHERE tenant = ?1
                    ORDER BY collected_at DESC, id DESC LIMIT ?2)",
                params![tenant, keep as i64],
            )
            .map_err(|e| self.err(e))
    }

    fn decode(&self, body: &str) -> Result<Snapshot, SnapshotError> {
        serde_json::from_str(body)
            .map_err(|e| self.err(format!("a stored snapshot does not decode: {e}")))
    }
}

fn err(path: &Path, e: impl std::fmt::Display) -> SnapshotError {
    SnapshotError::Store {
        path: path.display().to_string(),
        message: e.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::snapshot::TypeSnapshot;
    use std::collections::BTreeMap;

    fn snap(tenant: &str, at: u64, failed: bool) -> Snapshot {
        let mut types = BTreeMap::new();
        types.insert(
            "Organization".to_string(),
            if failed {
                TypeSnapshot::failed("boom", at)
            } else {
                TypeSnapshot::complete(vec![serde_json::json!({"id": "o"})], at)
            },
        );
        Snapshot {
            tenant: tenant.into(),
            collected_at: at,
            round_trips: 1,
            types,
        }
    }

    #[test]
    fn latest_history_and_prune() {
        let store = Store::in_memory().unwrap();
        assert!(store.latest("alpha").unwrap().is_none());
        store.save(&snap("alpha", 10, false)).unwrap();
        let second = store.save(&snap("Alpha", 20, true)).unwrap();
        store.save(&snap("bravo", 30, false)).unwrap();
        let latest = store.latest("ALPHA").unwrap().unwrap();
        assert_eq!(latest.collected_at, 20);
        assert_eq!(store.snapshot(second).unwrap().unwrap(), latest);
        let h = store.history("alpha", 10).unwrap();
        assert_eq!(h.len(), 2);
        assert_eq!((h[0].failed, h[1].complete), (1, 1));
        assert_eq!(store.prune("alpha", 1).unwrap(), 1);
        assert_eq!(store.history("alpha", 10).unwrap().len(), 1);
        assert_eq!(store.history("bravo", 10).unwrap().len(), 1);
    }

    #[test]
    fn a_file_store_survives_reopening_and_refuses_newer_schemas() {
        let dir = std::env::temp_dir().join(format!("cipp-store-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("store.db");
        {
            let store = Store::open(&path).unwrap();
            store.save(&snap("alpha", 5, false)).unwrap();
        }
        let store = Store::open(&path).unwrap();
        assert_eq!(store.latest("alpha").unwrap().unwrap().collected_at, 5);
        drop(store);
        let conn = Connection::open(&path).unwrap();
        conn.pragma_update(None, "user_version", 99).unwrap();
        drop(conn);
        let e = Store::open(&path).unwrap_err();
        assert!(e.to_string().contains("newer"), "{e}");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn concurrent_writers_in_one_process() {
        let store = std::sync::Arc::new(Store::in_memory().unwrap());
        let handles: Vec<_> = (0..8)
            .map(|i| {
                let s = store.clone();
                std::thread::spawn(move || {
                    for j in 0..25 {
                        s.save(&snap(&format!("t{i}"), j, false)).unwrap();
                    }
                })
            })
            .collect();
        for h in handles {
            h.join().unwrap();
        }
        for i in 0..8 {
            assert_eq!(store.history(&format!("t{i}"), 100).unwrap().len(), 25);
        }
    }
}
