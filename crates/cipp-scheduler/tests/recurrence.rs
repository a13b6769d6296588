//! Recurrence forms, cron, errors that name the field, and CIPP's next-time rule driven
//! through the scheduler with a fake clock.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::{Arc, Mutex};

use cipp_scheduler::{
    handler_fn, Command, FakeClock, Recurrence, Scheduler, SchedulerError, Task, TaskState,
    TenantList, TenantSelector,
};
use serde_json::Value;

const H: i64 = 3_600;
const D: i64 = 86_400;

#[test]
fn cipp_forms_parse() {
    assert_eq!(Recurrence::parse("").unwrap(), Recurrence::Once);
    assert_eq!(Recurrence::parse("0").unwrap(), Recurrence::Once);
    assert_eq!(
        Recurrence::parse("15m").unwrap(),
        Recurrence::Every { secs: 900 }
    );
    assert_eq!(
        Recurrence::parse("4h").unwrap(),
        Recurrence::Every { secs: 4 * H }
    );
    assert_eq!(
        Recurrence::parse("7d").unwrap(),
        Recurrence::Every { secs: 7 * D }
    );
    assert_eq!(
        Recurrence::parse("30").unwrap(),
        Recurrence::Every { secs: 30 * D }
    );
    assert_eq!(
        Recurrence::parse(" 1D ").unwrap(),
        Recurrence::Every { secs: D }
    );
    // Round trip through text, as stored.
    for t in ["15m", "4h", "7d", "*/5 * * * *", "0 0 3 * * *"] {
        assert_eq!(Recurrence::parse(t).unwrap().to_string(), t);
    }
    assert_eq!(Recurrence::parse("30").unwrap().to_string(), "30d");
    // CIPP writes a bare number of days as a JSON number too.
    let r: Recurrence = serde_json::from_value(serde_json::json!(2)).unwrap();
    assert_eq!(r, Recurrence::Every { secs: 2 * D });
}

#[test]
fn bad_recurrences_and_cron_fields_are_named() {
    for bad in ["1w", "h", "-1d", "1.5h", "abc"] {
        match Recurrence::parse(bad).unwrap_err() {
            SchedulerError::Recurrence { text, .. } => assert_eq!(text, bad),
            other => panic!("{bad}: {other}"),
        }
    }
    let cases = [
        ("61 * * * *", "minute", "61"),
        ("* 24 * * *", "hour", "24"),
        ("* * 0 * *", "day of month", "0"),
        ("* * * 13 *", "month", "13"),
        ("* * * FOO *", "month", "FOO"),
        ("* * * * 8", "day of week", "8"),
        ("* * * * MON-", "day of week", "MON-"),
        ("*/0 * * * *", "minute", "*/0"),
        ("5-1 * * * *", "minute", "5-1"),
        ("60 * * * * *", "second", "60"),
        ("* * *", "fields", "* * *"),
    ];
    for (expr, field, text) in cases {
        let e = Recurrence::parse(expr).unwrap_err();
        match &e {
            SchedulerError::Cron {
                field: f, text: t, ..
            } => {
                assert_eq!((*f, t.as_str()), (field, text), "{expr}: {e}");
                assert!(e.to_string().contains(field), "{e}");
            }
            other => panic!("{expr}: {other}"),
        }
    }
    // Through a task's JSON, the error names the path.
    let e = Task::from_json(
        r#"{"name": "x", "command": {"type": "custom", "name": "n"}, "tenants": {"all": true}, "recurrence": "0 25 * * *"}"#,
    )
    .unwrap_err();
    assert!(e.to_string().contains("recurrence"), "{e}");
    assert!(e.to_string().contains("hour"), "{e}");
}

#[test]
fn the_next_time_does_not_catch_up() {
    let hourly = Recurrence::parse("1h").unwrap();
    // On time or a little late: the next slot keeps the cadence.
    assert_eq!(hourly.next(10 * H, 10 * H + 5), Some(11 * H));
    assert_eq!(hourly.next(10 * H, 11 * H - 1), Some(11 * H));
    // More than one interval late: restart from now.
    assert_eq!(hourly.next(10 * H, 13 * H + 7), Some(14 * H + 7));
    assert_eq!(Recurrence::Once.next(0, 5), None);
    let cron = Recurrence::parse("0 3 * * *").unwrap();
    // Three days late: the next 03:00 after now, not the missed ones.
    assert_eq!(cron.next(3 * H, 3 * D + 5 * H), Some(4 * D + 3 * H));
}

type Calls = Arc<Mutex<Vec<(String, i64)>>>;

fn scheduler(clock: &FakeClock) -> (Scheduler, Calls) {
    let calls: Calls = Arc::default();
    let seen = calls.clone();
    let s = Scheduler::builder()
        .clock(clock.clone())
        .tenants(TenantList::new(["alpha.com"]))
        .command(
            "Tick",
            handler_fn(move |call| {
                let seen = seen.clone();
                async move {
                    seen.lock().unwrap().push((call.tenant, call.slot));
                    Ok(Value::Null)
                }
            }),
        )
        .build()
        .unwrap();
    (s, calls)
}

fn tick_task(recurrence: &str, first: i64) -> Task {
    Task::new(
        format!("every '{recurrence}'"),
        Command::Custom {
            name: "Tick".into(),
            parameters: Value::Null,
        },
        TenantSelector::tenant("alpha.com"),
    )
    .first_run(first)
    .recurrence(Recurrence::parse(recurrence).unwrap())
}

#[tokio::test]
async fn each_form_drives_the_next_run() {
    let start = 1_000 * D; // a midnight
    let clock = FakeClock::at(start);
    let (s, _) = scheduler(&clock);
    let cases = [
        ("15m", start + 900),
        ("2h", start + 2 * H),
        ("3d", start + 3 * D),
        ("2", start + 2 * D),
        ("30 4 * * *", start + 4 * H + 1_800),
    ];
    let ids: Vec<String> = cases
        .iter()
        .map(|(r, _)| s.add(tick_task(r, start)).unwrap())
        .collect();
    let ran = s.run_due(start).await.unwrap();
    assert_eq!(ran.len(), cases.len());
    for (id, (r, next)) in ids.iter().zip(cases) {
        let t = s.get(id).unwrap();
        assert_eq!((t.state, t.next_run), (TaskState::Planned, next), "{r}");
    }
    // Nothing is due again until the earliest next run.
    assert!(s.run_due(start + 899).await.unwrap().is_empty());
    assert_eq!(s.run_due(start + 900).await.unwrap().len(), 1);
}

#[tokio::test]
async fn a_task_late_by_more_than_an_interval_runs_once_and_restarts_from_now() {
    let clock = FakeClock::at(0);
    let (s, calls) = scheduler(&clock);
    let id = s.add(tick_task("1h", 10 * H)).unwrap();
    // The runner was down for five hours: one run, not five.
    clock.set(15 * H + 60);
    let ran = s.run_due(clock.now()).await.unwrap();
    assert_eq!(ran.len(), 1);
    assert_eq!(ran[0].slot, 10 * H);
    assert_eq!(s.get(&id).unwrap().next_run, 16 * H + 60);
    assert!(s.run_due(clock.now()).await.unwrap().is_empty());
    assert_eq!(calls.lock().unwrap().len(), 1);
    // A little late keeps the cadence.
    clock.set(16 * H + 600);
    s.run_due(clock.now()).await.unwrap();
    assert_eq!(s.get(&id).unwrap().next_run, 17 * H + 60);
}

#[tokio::test]
async fn a_one_off_completes_and_never_runs_again() {
    let clock = FakeClock::at(5_000);
    let (s, calls) = scheduler(&clock);
    let id = s.add(tick_task("", 6_000)).unwrap();
    assert!(s.run_due(5_999).await.unwrap().is_empty());
    let ran = s.run_due(6_000).await.unwrap();
    assert_eq!(ran[0].state, TaskState::Completed);
    assert_eq!(ran[0].next_run, None);
    assert_eq!(
        ran[0].results.summary, "Completed in alpha.com",
        "{:?}",
        ran[0].results
    );
    assert!(s.run_due(1_000_000).await.unwrap().is_empty());
    let t = s.get(&id).unwrap();
    assert_eq!(t.state, TaskState::Completed);
    // What list/get show round-trips through JSON (the CLI's and the bindings' shape).
    let v = serde_json::to_value(&t).unwrap();
    assert_eq!(v["state"], "Completed");
    assert_eq!(v["command"]["type"], "custom");
    let back: cipp_scheduler::TaskInfo = serde_json::from_value(v).unwrap();
    assert_eq!(back, t);
    assert_eq!(
        calls.lock().unwrap().as_slice(),
        &[("alpha.com".to_string(), 6_000)]
    );
    let h = s.history(&id, 10).unwrap();
    assert_eq!(h.len(), 1);
    assert_eq!(h[0].state, "completed");
    // Run now re-runs it once, in a new slot.
    clock.set(7_000);
    let again = s.run_now(&id).await.unwrap();
    assert_eq!((again.slot, again.state), (7_000, TaskState::Completed));
    assert_eq!(s.history(&id, 10).unwrap().len(), 2);
}
