//! `cipp schedule`: scheduled tasks kept in a store: add (from task JSON), list, remove,
//! history, and the runners: `run-due` (once), `run-now` (one task), `serve` (a loop until
//! Ctrl-C). Runners sharing a store never run a task's slot twice.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use cipp::scheduler::{RunOutcome, Scheduler, SchedulerBuilder, Task, TaskInfo, TenantList};
use cipp::Error;
use cipp_alerts::time;
use clap::{Args, Subcommand};
use serde_json::{json, Value};

use crate::output;

/// `cipp schedule ...`
#[derive(Debug, Subcommand)]
pub enum ScheduleCommand {
    /// Add a task from JSON (see docs/scheduler.md for the shape).
    Add {
        #[command(flatten)]
        store: StoreArg,
        /// A task JSON file (`-` for standard input).
        #[arg(long, conflicts_with = "task")]
        file: Option<PathBuf>,
        /// The task JSON, inline.
        #[arg(long)]
        task: Option<String>,
        /// First run (RFC 3339 or Unix seconds), overriding the JSON's.
        #[arg(long)]
        first_run: Option<String>,
        /// Recurrence (`1d`, `4h`, `15m`, a number of days, a cron expression), overriding
        /// the JSON's.
        #[arg(long)]
        recurrence: Option<String>,
    },
    /// The tasks, by next run.
    List {
        #[command(flatten)]
        store: StoreArg,
        /// Include hidden tasks (alerts, system tasks).
        #[arg(long)]
        hidden: bool,
    },
    /// Delete a task and its history.
    Remove {
        #[command(flatten)]
        store: StoreArg,
        /// The task id.
        id: String,
        /// Confirm the deletion.
        #[arg(long)]
        yes: bool,
    },
    /// A task's runs, newest first.
    History {
        #[command(flatten)]
        store: StoreArg,
        /// The task id.
        id: String,
        /// At most this many.
        #[arg(long, default_value_t = 20)]
        limit: usize,
    },
    /// Run every due task once, then exit.
    RunDue(RunArgs),
    /// Run one task now.
    RunNow {
        #[command(flatten)]
        run: RunArgs,
        /// The task id.
        id: String,
    },
    /// Run due tasks every tick until Ctrl-C.
    Serve {
        #[command(flatten)]
        run: RunArgs,
        /// Seconds between looks for due tasks.
        #[arg(long, default_value_t = 60)]
        tick: u64,
    },
}

/// The store option every subcommand takes.
#[derive(Debug, Args)]
pub struct StoreArg {
    /// The SQLite store holding the tasks.
    #[arg(long, env = "CIPP_STORE")]
    store: PathBuf,
}

/// What runners need.
#[derive(Debug, Args)]
pub struct RunArgs {
    #[command(flatten)]
    store: StoreArg,
    /// Resolve "all tenants" to these (comma-separated domains) instead of the managed-tenant
    /// directory.
    #[arg(long, value_delimiter = ',')]
    tenants: Vec<String>,
    /// This runner's name in leases and history.
    #[arg(long)]
    runner_id: Option<String>,
    /// Tenants in flight at once.
    #[arg(long, default_value_t = 8)]
    concurrency: usize,
}

fn sched_error(e: cipp::scheduler::SchedulerError) -> Error {
    e.into()
}

fn open_store(path: &Path) -> Result<Arc<cipp_snapshot::Store>, Error> {
    cipp_snapshot::Store::open(path)
        .map(Arc::new)
        .map_err(|e| Error::invalid_input("--store", e.to_string()))
}

/// A scheduler for the bookkeeping commands: no credentials needed.
fn offline(store: &StoreArg) -> Result<Scheduler, Error> {
    Scheduler::builder()
        .store(open_store(&store.store)?)
        .build()
        .map_err(sched_error)
}

fn runner(args: &RunArgs, tick: Duration) -> Result<Scheduler, Error> {
    let cipp = crate::commands::cipp_from_env()?;
    let mut b: SchedulerBuilder = cipp
        .scheduler()
        .store(open_store(&args.store.store)?)
        .concurrency(args.concurrency)
        .tick(tick);
    if !args.tenants.is_empty() {
        b = b.tenants(TenantList::new(args.tenants.clone()));
    }
    if let Some(id) = &args.runner_id {
        b = b.runner_id(id.clone());
    }
    b.build().map_err(sched_error)
}

fn parse_time(text: &str) -> Result<i64, Error> {
    text.trim()
        .parse::<i64>()
        .ok()
        .or_else(|| time::parse(text))
        .ok_or_else(|| {
            Error::invalid_input(
                "--first-run",
                format!("'{text}' is not RFC 3339 or Unix seconds"),
            )
        })
}

fn read_task(file: Option<&Path>, inline: Option<&str>) -> Result<Task, Error> {
    let text = match (file, inline) {
        (_, Some(t)) => t.to_string(),
        (Some(p), None) if p == Path::new("-") => std::io::read_to_string(std::io::stdin())
            .map_err(|e| Error::invalid_input("--file", e.to_string()))?,
        (Some(p), None) => std::fs::read_to_string(p)
            .map_err(|e| Error::invalid_input("--file", format!("{}: {e}", p.display())))?,
        (None, None) => {
            return Err(Error::invalid_input(
                "--file",
                "give the task as --file FILE or --task JSON",
            ))
        }
    };
    Task::from_json(&text).map_err(sched_error)
}

fn row(t: &TaskInfo) -> Value {
    json!({
        "id": t.id,
        "name": t.task.name,
        "command": t.task.command.qualified_name(),
        "state": t.state.as_str(),
        "next_run": time::format(t.next_run),
        "recurrence": t.task.recurrence.to_string(),
        "last_result": t.last_result.clone().unwrap_or(Value::Null),
    })
}

fn print_outcomes(outcomes: &[RunOutcome], json_out: bool) {
    if json_out {
        output::print_json(&serde_json::to_value(outcomes).unwrap_or_default());
        return;
    }
    if outcomes.is_empty() {
        println!("nothing due");
    }
    for o in outcomes {
        println!(
            "{} ({}): {} -> {}{}",
            o.name,
            o.task_id,
            o.results.summary,
            o.state,
            o.next_run
                .map(|n| format!(", next {}", time::format(n)))
                .unwrap_or_default()
        );
        for t in o.results.tenants.iter().filter(|t| !t.ok) {
            println!("  {}: {}", t.tenant, t.error.as_deref().unwrap_or("failed"));
        }
    }
}

/// Run a subcommand.
pub async fn run(command: ScheduleCommand, json_out: bool) -> Result<(), Error> {
    match command {
        ScheduleCommand::Add {
            store,
            file,
            task,
            first_run,
            recurrence,
        } => {
            let mut t = read_task(file.as_deref(), task.as_deref())?;
            if let Some(f) = first_run {
                t.first_run = Some(parse_time(&f)?);
            }
            if let Some(r) = recurrence {
                t.recurrence = cipp::scheduler::Recurrence::parse(&r).map_err(sched_error)?;
            }
            let s = offline(&store)?;
            let id = s.add(t).map_err(sched_error)?;
            let info = s.get(&id).map_err(sched_error)?;
            if json_out {
                output::print_json(&serde_json::to_value(&info).unwrap_or_default());
            } else {
                println!(
                    "added {id}: {} ({}), first run {}",
                    info.task.name,
                    info.task.command.qualified_name(),
                    time::format(info.next_run)
                );
            }
            Ok(())
        }
        ScheduleCommand::List { store, hidden } => {
            let tasks: Vec<TaskInfo> = offline(&store)?
                .list()
                .map_err(sched_error)?
                .into_iter()
                .filter(|t| hidden || !t.task.hidden)
                .collect();
            if json_out {
                output::print_json(&serde_json::to_value(&tasks).unwrap_or_default());
            } else {
                let rows: Vec<Value> = tasks.iter().map(row).collect();
                let columns: Vec<String> = [
                    "id",
                    "name",
                    "command",
                    "state",
                    "next_run",
                    "recurrence",
                    "last_result",
                ]
                .map(String::from)
                .to_vec();
                print!("{}", output::table(&rows, &columns));
            }
            Ok(())
        }
        ScheduleCommand::Remove { store, id, yes } => {
            if !yes {
                return Err(Error::invalid_input(
                    "--yes",
                    format!("removing task {id} deletes it and its history; add --yes to confirm"),
                ));
            }
            offline(&store)?.remove(&id).map_err(sched_error)?;
            if json_out {
                output::print_json(&json!({"removed": id}));
            } else {
                println!("removed {id}");
            }
            Ok(())
        }
        ScheduleCommand::History { store, id, limit } => {
            let runs = offline(&store)?.history(&id, limit).map_err(sched_error)?;
            if json_out {
                output::print_json(&serde_json::to_value(&runs).unwrap_or_default());
            } else {
                let rows: Vec<Value> = runs
                    .iter()
                    .map(|r| {
                        json!({
                            "slot": time::format(r.slot),
                            "state": r.state,
                            "runner": r.runner,
                            "attempts": r.attempts,
                            "summary": r.results.as_ref().map(|x| x.summary.clone()),
                        })
                    })
                    .collect();
                let columns: Vec<String> = ["slot", "state", "runner", "attempts", "summary"]
                    .map(String::from)
                    .to_vec();
                print!("{}", output::table(&rows, &columns));
            }
            Ok(())
        }
        ScheduleCommand::RunDue(args) => {
            let s = runner(&args, Duration::from_secs(60))?;
            let outcomes = s.run_due(s.now()).await.map_err(sched_error)?;
            print_outcomes(&outcomes, json_out);
            Ok(())
        }
        ScheduleCommand::RunNow { run, id } => {
            let s = runner(&run, Duration::from_secs(60))?;
            let outcome = s.run_now(&id).await.map_err(sched_error)?;
            print_outcomes(std::slice::from_ref(&outcome), json_out);
            Ok(())
        }
        ScheduleCommand::Serve { run, tick } => {
            let s = runner(&run, Duration::from_secs(tick.max(1)))?;
            eprintln!(
                "serving as {} (every {tick} s); Ctrl-C stops",
                s.runner_id()
            );
            s.serve(async {
                let _ = tokio::signal::ctrl_c().await;
            })
            .await;
            Ok(())
        }
    }
}
