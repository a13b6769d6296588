//! Scheduled tasks in the [`Store`]: the task rows (what to run, where, when next, in which
//! of CIPP's states) and one run row per (task, slot), where the slot is the scheduled time
//! the run is for.
//!
//! Claiming a slot is one `IMMEDIATE` transaction that inserts the run row under a
//! `UNIQUE (task_id, slot)` constraint, so two runners on one database file (in one process
//! or in two) can never both run the same slot. A claim is a lease: a runner that crashes
//! leaves a run whose lease runs out (CIPP's orphan rule: a claim still pending after one
//! hour, or running after four), and the next runner to look takes the slot over. A runner
//! whose lease was taken over cannot record its (late) result.
//!
//! The scheduler crate owns the shape of the JSON columns (command, tenant filter,
//! destinations, results); the store keeps them as text.

use rusqlite::{params, OptionalExtension, Row, TransactionBehavior};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::error::SnapshotError;
use crate::store::Store;

pub(crate) const MIGRATION: &str = "CREATE TABLE scheduled_tasks (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        command TEXT NOT NULL,
        parameters TEXT NOT NULL,
        tenant_filter TEXT NOT NULL,
        first_run INTEGER NOT NULL,
        next_run INTEGER NOT NULL,
        recurrence TEXT NOT NULL,
        state TEXT NOT NULL,
        destinations TEXT NOT NULL,
        hidden INTEGER NOT NULL,
        last_result TEXT,
        executed_at INTEGER,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL
    );
    CREATE INDEX scheduled_tasks_due ON scheduled_tasks (next_run, state);
    CREATE TABLE task_runs (
        id INTEGER PRIMARY KEY,
        task_id TEXT NOT NULL,
        slot INTEGER NOT NULL,
        runner TEXT NOT NULL,
        lease_until INTEGER NOT NULL,
        attempts INTEGER NOT NULL,
        claimed_at INTEGER NOT NULL,
        started_at INTEGER,
        finished_at INTEGER,
        state TEXT NOT NULL,
        results TEXT NOT NULL,
        UNIQUE (task_id, slot)
    );
    CREATE INDEX task_runs_by_task ON task_runs (task_id, slot DESC);";

/// Task states that a due task can be in (CIPP's names).
const CLAIMABLE: &str = "'Planned', 'Failed - Planned', 'Pending', 'Running', 'Processing'";

/// One stored scheduled task.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct StoredTask {
    /// Its id.
    pub id: String,
    /// Display name.
    pub name: String,
    /// The command's name (for lists and allow/deny checks).
    pub command: String,
    /// The command with its parameters (JSON owned by the scheduler).
    pub parameters: Value,
    /// Which tenants it runs for (JSON owned by the scheduler).
    pub tenant_filter: Value,
    /// The first run (Unix seconds).
    pub first_run: i64,
    /// The next run, i.e. the slot the next claim is for (Unix seconds).
    pub next_run: i64,
    /// The recurrence as written (`''` one-off, `1d`, a cron expression).
    pub recurrence: String,
    /// CIPP's task state (`Planned`, `Pending`, `Running`, `Completed`, `Failed`,
    /// `Failed - Planned`).
    pub state: String,
    /// Where results go after a run (JSON owned by the scheduler).
    pub destinations: Value,
    /// Hidden from default lists (alerts, system tasks).
    pub hidden: bool,
    /// The last run's aggregate result.
    pub last_result: Option<Value>,
    /// When it was last claimed (Unix seconds).
    pub executed_at: Option<i64>,
    /// Created (Unix seconds).
    pub created_at: i64,
    /// Last changed (Unix seconds).
    pub updated_at: i64,
}

impl StoredTask {
    /// A new task row in state `Planned`, first run `first_run`.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        id: impl Into<String>,
        name: impl Into<String>,
        command: impl Into<String>,
        parameters: Value,
        tenant_filter: Value,
        first_run: i64,
        recurrence: impl Into<String>,
        destinations: Value,
        now: i64,
    ) -> Self {
        StoredTask {
            id: id.into(),
            name: name.into(),
            command: command.into(),
            parameters,
            tenant_filter,
            first_run,
            next_run: first_run,
            recurrence: recurrence.into(),
            state: "Planned".into(),
            destinations,
            hidden: false,
            last_result: None,
            executed_at: None,
            created_at: now,
            updated_at: now,
        }
    }
}

/// One run of a task: the claim of a slot and, once finished, its results.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct TaskRun {
    /// Store id.
    pub id: i64,
    /// The task.
    pub task_id: String,
    /// The scheduled time this run is for (Unix seconds).
    pub slot: i64,
    /// The runner holding (or that held) the lease.
    pub runner: String,
    /// When the lease runs out (Unix seconds).
    pub lease_until: i64,
    /// Claims of this slot (more than one: a crashed runner's slot was taken over).
    pub attempts: u32,
    /// When it was last claimed.
    pub claimed_at: i64,
    /// When it started running.
    pub started_at: Option<i64>,
    /// When it finished.
    pub finished_at: Option<i64>,
    /// `pending`, `running`, `completed` or `failed`.
    pub state: String,
    /// Per-tenant results and the aggregate (JSON owned by the scheduler).
    pub results: Value,
}

/// How long a claim lasts before another runner may take the slot over (CIPP: a task
/// pending for more than an hour, or running for more than four, is orphaned).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct TaskLease {
    /// Seconds a claimed, not yet started run is held.
    pub pending_secs: i64,
    /// Seconds a running run is held.
    pub running_secs: i64,
}

impl Default for TaskLease {
    fn default() -> Self {
        TaskLease {
            pending_secs: 3_600,
            running_secs: 4 * 3_600,
        }
    }
}

impl TaskLease {
    /// A lease of `pending_secs` before start and `running_secs` after.
    pub fn new(pending_secs: i64, running_secs: i64) -> Self {
        TaskLease {
            pending_secs,
            running_secs,
        }
    }
}

/// What a claim found.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum TaskClaim {
    /// The slot is this runner's: run it, then [`Store::finish_task_run`].
    Claimed(TaskRun),
    /// Another runner holds the slot until `lease_until`.
    Busy {
        /// The holder.
        runner: String,
        /// Until when (Unix seconds).
        lease_until: i64,
    },
    /// The slot already ran.
    Done,
    /// The task is not due (its next run is later, or it is completed or failed).
    NotDue,
    /// No such task.
    Missing,
}

/// How a run ended, and what the task becomes.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct TaskRunEnd {
    /// `completed` or `failed`.
    pub run_state: String,
    /// The run's results.
    pub results: Value,
    /// The task's next state (`Planned`, `Completed`, `Failed`, `Failed - Planned`).
    pub task_state: String,
    /// The task's next run (Unix seconds).
    pub next_run: i64,
    /// The aggregate result kept on the task row.
    pub last_result: Value,
}

impl TaskRunEnd {
    /// An end.
    pub fn new(
        run_state: impl Into<String>,
        results: Value,
        task_state: impl Into<String>,
        next_run: i64,
        last_result: Value,
    ) -> Self {
        TaskRunEnd {
            run_state: run_state.into(),
            results,
            task_state: task_state.into(),
            next_run,
            last_result,
        }
    }
}

const TASK_COLUMNS: &str = "id, name, command, parameters, tenant_filter, first_run, next_run,
    recurrence, state, destinations, hidden, last_result, executed_at, created_at, updated_at";

const RUN_COLUMNS: &str =
    "id, task_id, slot, runner, lease_until, attempts, claimed_at, started_at, finished_at, state, results";

fn json_col(r: &Row<'_>, i: usize) -> rusqlite::Result<Value> {
    let text: String = r.get(i)?;
    serde_json::from_str(&text).map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(i, rusqlite::types::Type::Text, Box::new(e))
    })
}

fn task_row(r: &Row<'_>) -> rusqlite::Result<StoredTask> {
    Ok(StoredTask {
        id: r.get(0)?,
        name: r.get(1)?,
        command: r.get(2)?,
        parameters: json_col(r, 3)?,
        tenant_filter: json_col(r, 4)?,
        first_run: r.get(5)?,
        next_run: r.get(6)?,
        recurrence: r.get(7)?,
        state: r.get(8)?,
        destinations: json_col(r, 9)?,
        hidden: r.get::<_, i64>(10)? != 0,
        last_result: match r.get::<_, Option<String>>(11)? {
            Some(_) => Some(json_col(r, 11)?),
            None => None,
        },
        executed_at: r.get(12)?,
        created_at: r.get(13)?,
        updated_at: r.get(14)?,
    })
}

fn run_row(r: &Row<'_>) -> rusqlite::Result<TaskRun> {
    Ok(TaskRun {
        id: r.get(0)?,
        task_id: r.get(1)?,
        slot: r.get(2)?,
        runner: r.get(3)?,
        lease_until: r.get(4)?,
        attempts: r.get(5)?,
        claimed_at: r.get(6)?,
        started_at: r.get(7)?,
        finished_at: r.get(8)?,
        state: r.get(9)?,
        results: json_col(r, 10)?,
    })
}

impl Store {
    /// Insert a task, or replace the one with the same id (its runs are kept).
    pub fn put_task(&self, task: &StoredTask) -> Result<(), SnapshotError> {
        self.conn()
            .execute(
                &format!(
                    "INSERT OR REPLACE INTO scheduled_tasks ({TASK_COLUMNS})
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)"
                ),
                params![
                    task.id,
                    task.name,
                    task.command,
                    task.parameters.to_string(),
                    task.tenant_filter.to_string(),
                    task.first_run,
                    task.next_run,
                    task.recurrence,
                    task.state,
                    task.destinations.to_string(),
                    i64::from(task.hidden),
                    task.last_result.as_ref().map(Value::to_string),
                    task.executed_at,
                    task.created_at,
                    task.updated_at,
                ],
            )
            .map_err(|e| self.err(e))?;
        Ok(())
    }

    /// A task by id.
    pub fn task(&self, id: &str) -> Result<Option<StoredTask>, SnapshotError> {
        self.conn()
            .query_row(
                &format!("SELECT {TASK_COLUMNS} FROM scheduled_tasks WHERE id = ?1"),
                params![id],
                task_row,
            )
            .optional()
            .map_err(|e| self.err(e))
    }

    /// Every task, by next run then name.
    pub fn tasks(&self) -> Result<Vec<StoredTask>, SnapshotError> {
        let conn = self.conn();
        let mut stmt = conn
            .prepare(&format!(
                "SELECT {TASK_COLUMNS} FROM scheduled_tasks ORDER BY next_run, name, id"
            ))
            .map_err(|e| self.err(e))?;
        let rows = stmt.query_map([], task_row).map_err(|e| self.err(e))?;
        rows.collect::<Result<Vec<_>, _>>().map_err(|e| self.err(e))
    }

    /// Tasks whose next run is at or before `now` in a state a claim may take (planned,
    /// or pending/running: those are taken only once their lease ran out).
    pub fn due_tasks(&self, now: i64) -> Result<Vec<StoredTask>, SnapshotError> {
        let conn = self.conn();
        let mut stmt = conn
            .prepare(&format!(
                "SELECT {TASK_COLUMNS} FROM scheduled_tasks
                 WHERE next_run <= ?1 AND state IN ({CLAIMABLE}) ORDER BY next_run, id"
            ))
            .map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map(params![now], task_row)
            .map_err(|e| self.err(e))?;
        rows.collect::<Result<Vec<_>, _>>().map_err(|e| self.err(e))
    }

    /// Delete a task and its runs; whether it existed.
    pub fn remove_task(&self, id: &str) -> Result<bool, SnapshotError> {
        let mut conn = self.conn();
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(|e| self.err(e))?;
        tx.execute("DELETE FROM task_runs WHERE task_id = ?1", params![id])
            .map_err(|e| self.err(e))?;
        let n = tx
            .execute("DELETE FROM scheduled_tasks WHERE id = ?1", params![id])
            .map_err(|e| self.err(e))?;
        tx.commit().map_err(|e| self.err(e))?;
        Ok(n > 0)
    }

    /// Make a task due at `now` (CIPP's "run now"): state `Planned`, next run `now` (or one
    /// second after the newest slot it already ran, so a slot never runs twice). Answers
    /// `Busy` while another runner holds a live lease on it, `Missing` without the task, and
    /// `NotDue` once it is planned.
    pub fn plan_task_now(&self, id: &str, now: i64) -> Result<TaskClaim, SnapshotError> {
        let mut conn = self.conn();
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(|e| self.err(e))?;
        let task: Option<(String, i64)> = tx
            .query_row(
                "SELECT state, next_run FROM scheduled_tasks WHERE id = ?1",
                params![id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()
            .map_err(|e| self.err(e))?;
        let Some((state, next_run)) = task else {
            return Ok(TaskClaim::Missing);
        };
        if matches!(state.as_str(), "Pending" | "Running" | "Processing") {
            let lease: Option<(String, i64)> = tx
                .query_row(
                    "SELECT runner, lease_until FROM task_runs WHERE task_id = ?1 AND slot = ?2",
                    params![id, next_run],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .optional()
                .map_err(|e| self.err(e))?;
            if let Some((runner, lease_until)) = lease.filter(|(_, l)| *l > now) {
                return Ok(TaskClaim::Busy {
                    runner,
                    lease_until,
                });
            }
        }
        let newest: Option<i64> = tx
            .query_row(
                "SELECT MAX(slot) FROM task_runs WHERE task_id = ?1",
                params![id],
                |r| r.get(0),
            )
            .map_err(|e| self.err(e))?;
        let slot = newest.map_or(now, |s| now.max(s + 1));
        tx.execute(
            "UPDATE scheduled_tasks SET state = 'Planned', next_run = ?2, updated_at = ?3 WHERE id = ?1",
            params![id, slot, now],
        )
        .map_err(|e| self.err(e))?;
        tx.commit().map_err(|e| self.err(e))?;
        Ok(TaskClaim::NotDue)
    }

    /// Claim the task's due slot for `runner` at `now`, in one transaction. A planned task
    /// whose next run has come is claimed; a pending or running one only once its lease ran
    /// out (the previous runner is presumed dead and the slot is taken over).
    pub fn claim_task(
        &self,
        id: &str,
        runner: &str,
        now: i64,
        lease: TaskLease,
    ) -> Result<TaskClaim, SnapshotError> {
        let mut conn = self.conn();
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(|e| self.err(e))?;
        let task: Option<(String, i64)> = tx
            .query_row(
                "SELECT state, next_run FROM scheduled_tasks WHERE id = ?1",
                params![id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()
            .map_err(|e| self.err(e))?;
        let Some((state, slot)) = task else {
            return Ok(TaskClaim::Missing);
        };
        if slot > now
            || !matches!(
                state.as_str(),
                "Planned" | "Failed - Planned" | "Pending" | "Running" | "Processing"
            )
        {
            return Ok(TaskClaim::NotDue);
        }
        let existing: Option<TaskRun> = tx
            .query_row(
                &format!("SELECT {RUN_COLUMNS} FROM task_runs WHERE task_id = ?1 AND slot = ?2"),
                params![id, slot],
                run_row,
            )
            .optional()
            .map_err(|e| self.err(e))?;
        let lease_until = now + lease.pending_secs;
        match existing {
            Some(run) if run.finished_at.is_some() => return Ok(TaskClaim::Done),
            Some(run) if run.lease_until > now => {
                return Ok(TaskClaim::Busy {
                    runner: run.runner,
                    lease_until: run.lease_until,
                })
            }
            Some(run) => {
                tx.execute(
                    "UPDATE task_runs SET runner = ?2, lease_until = ?3, attempts = attempts + 1,
                        claimed_at = ?4, started_at = NULL, state = 'pending'
                     WHERE id = ?1",
                    params![run.id, runner, lease_until, now],
                )
                .map_err(|e| self.err(e))?;
            }
            None => {
                tx.execute(
                    "INSERT INTO task_runs (task_id, slot, runner, lease_until, attempts, claimed_at, state, results)
                     VALUES (?1, ?2, ?3, ?4, 1, ?5, 'pending', 'null')",
                    params![id, slot, runner, lease_until, now],
                )
                .map_err(|e| self.err(e))?;
            }
        }
        tx.execute(
            "UPDATE scheduled_tasks SET state = 'Pending', executed_at = ?2, updated_at = ?2 WHERE id = ?1",
            params![id, now],
        )
        .map_err(|e| self.err(e))?;
        let run = tx
            .query_row(
                &format!("SELECT {RUN_COLUMNS} FROM task_runs WHERE task_id = ?1 AND slot = ?2"),
                params![id, slot],
                run_row,
            )
            .map_err(|e| self.err(e))?;
        tx.commit().map_err(|e| self.err(e))?;
        Ok(TaskClaim::Claimed(run))
    }

    /// Mark a claimed run as running and extend its lease to `now + lease.running_secs`;
    /// `false` when `runner` no longer holds it.
    pub fn start_task_run(
        &self,
        run_id: i64,
        runner: &str,
        now: i64,
        lease: TaskLease,
    ) -> Result<bool, SnapshotError> {
        let mut conn = self.conn();
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(|e| self.err(e))?;
        let n = tx
            .execute(
                "UPDATE task_runs SET state = 'running', started_at = ?3, lease_until = ?4
                 WHERE id = ?1 AND runner = ?2 AND finished_at IS NULL",
                params![run_id, runner, now, now + lease.running_secs],
            )
            .map_err(|e| self.err(e))?;
        if n > 0 {
            tx.execute(
                "UPDATE scheduled_tasks SET state = 'Running', updated_at = ?2
                 WHERE id = (SELECT task_id FROM task_runs WHERE id = ?1)",
                params![run_id, now],
            )
            .map_err(|e| self.err(e))?;
        }
        tx.commit().map_err(|e| self.err(e))?;
        Ok(n > 0)
    }

    /// Extend a run's lease to `lease_until` (a long run's heartbeat); `false` when `runner`
    /// no longer holds it.
    pub fn renew_task_run(
        &self,
        run_id: i64,
        runner: &str,
        lease_until: i64,
    ) -> Result<bool, SnapshotError> {
        let n = self
            .conn()
            .execute(
                "UPDATE task_runs SET lease_until = MAX(lease_until, ?3)
                 WHERE id = ?1 AND runner = ?2 AND finished_at IS NULL",
                params![run_id, runner, lease_until],
            )
            .map_err(|e| self.err(e))?;
        Ok(n > 0)
    }

    /// Record the end of a run and the task's next state and time, in one transaction;
    /// `false` (and nothing recorded) when `runner` no longer holds the run, because its
    /// lease ran out and another runner took the slot over.
    pub fn finish_task_run(
        &self,
        run_id: i64,
        runner: &str,
        now: i64,
        end: &TaskRunEnd,
    ) -> Result<bool, SnapshotError> {
        let mut conn = self.conn();
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(|e| self.err(e))?;
        let n = tx
            .execute(
                "UPDATE task_runs SET state = ?3, finished_at = ?4, results = ?5,
                    started_at = COALESCE(started_at, ?4)
                 WHERE id = ?1 AND runner = ?2 AND finished_at IS NULL",
                params![run_id, runner, end.run_state, now, end.results.to_string()],
            )
            .map_err(|e| self.err(e))?;
        if n > 0 {
            tx.execute(
                "UPDATE scheduled_tasks SET state = ?2, next_run = ?3, last_result = ?4, updated_at = ?5
                 WHERE id = (SELECT task_id FROM task_runs WHERE id = ?1)",
                params![
                    run_id,
                    end.task_state,
                    end.next_run,
                    end.last_result.to_string(),
                    now
                ],
            )
            .map_err(|e| self.err(e))?;
        }
        tx.commit().map_err(|e| self.err(e))?;
        Ok(n > 0)
    }

    /// A task's newest `limit` runs, newest slot first.
    pub fn task_runs(&self, task_id: &str, limit: usize) -> Result<Vec<TaskRun>, SnapshotError> {
        let conn = self.conn();
        let mut stmt = conn
            .prepare(&format!(
                "SELECT {RUN_COLUMNS} FROM task_runs WHERE task_id = ?1 ORDER BY slot DESC, id DESC LIMIT ?2"
            ))
            .map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map(params![task_id, limit as i64], run_row)
            .map_err(|e| self.err(e))?;
        rows.collect::<Result<Vec<_>, _>>().map_err(|e| self.err(e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn task(id: &str, at: i64) -> StoredTask {
        StoredTask::new(
            id,
            "t",
            "custom",
            json!({}),
            json!("AllTenants"),
            at,
            "1h",
            json!([]),
            0,
        )
    }

    fn end(next: i64) -> TaskRunEnd {
        TaskRunEnd::new("completed", json!([]), "Planned", next, json!("ok"))
    }

    #[test]
    fn a_slot_is_claimed_once_and_a_dead_lease_is_taken_over() {
        let store = Store::in_memory().unwrap();
        let lease = TaskLease::new(60, 600);
        store.put_task(&task("a", 100)).unwrap();
        assert_eq!(
            store.claim_task("a", "r1", 99, lease).unwrap(),
            TaskClaim::NotDue
        );
        let TaskClaim::Claimed(run) = store.claim_task("a", "r1", 100, lease).unwrap() else {
            panic!("not claimed")
        };
        assert!(matches!(
            store.claim_task("a", "r2", 159, lease).unwrap(),
            TaskClaim::Busy { .. }
        ));
        let TaskClaim::Claimed(again) = store.claim_task("a", "r2", 160, lease).unwrap() else {
            panic!("not taken over")
        };
        assert_eq!((again.id, again.attempts, again.slot), (run.id, 2, 100));
        // The first runner lost the slot: its result is refused.
        assert!(!store
            .finish_task_run(run.id, "r1", 170, &end(3700))
            .unwrap());
        assert!(store.start_task_run(again.id, "r2", 170, lease).unwrap());
        assert!(!store.renew_task_run(run.id, "r1", 10_000).unwrap());
        assert!(store.renew_task_run(again.id, "r2", 10_000).unwrap());
        assert!(store
            .finish_task_run(again.id, "r2", 180, &end(3700))
            .unwrap());
        let t = store.task("a").unwrap().unwrap();
        assert_eq!((t.state.as_str(), t.next_run), ("Planned", 3700));
        assert_eq!(store.task_runs("a", 10).unwrap().len(), 1);
        assert_eq!(store.due_tasks(3699).unwrap().len(), 0);
        assert_eq!(store.due_tasks(3700).unwrap().len(), 1);
        assert!(store.remove_task("a").unwrap());
        assert!(store.task_runs("a", 10).unwrap().is_empty());
        assert_eq!(
            store.claim_task("a", "r1", 5000, lease).unwrap(),
            TaskClaim::Missing
        );
    }

    #[test]
    fn run_now_moves_past_the_last_slot() {
        let store = Store::in_memory().unwrap();
        let lease = TaskLease::default();
        store.put_task(&task("b", 100)).unwrap();
        let TaskClaim::Claimed(run) = store.claim_task("b", "r", 100, lease).unwrap() else {
            panic!()
        };
        assert!(matches!(
            store.plan_task_now("b", 100).unwrap(),
            TaskClaim::Busy { .. }
        ));
        store.finish_task_run(run.id, "r", 100, &end(3700)).unwrap();
        store.plan_task_now("b", 100).unwrap();
        assert_eq!(store.task("b").unwrap().unwrap().next_run, 101);
        assert!(matches!(
            store.claim_task("b", "r", 101, lease).unwrap(),
            TaskClaim::Claimed(_)
        ));
    }
}
