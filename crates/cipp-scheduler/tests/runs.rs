//! Leases, restarts, runners sharing a store, failures and their notification, and the
//! allow/deny lists, with a fake clock and custom commands.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use cipp_alerts::WebhookNotifier;
use cipp_scheduler::{
    handler_fn, Command, CommandPolicy, Destination, FakeClock, Recurrence, Scheduler,
    SchedulerError, Task, TaskState, TenantList, TenantSelector,
};
use cipp_snapshot::Store;
use serde_json::{json, Value};
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, ResponseTemplate};

const H: i64 = 3_600;

fn temp_db() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("cipp-sched-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join("store.db")
}

fn custom(name: &str) -> Command {
    Command::Custom {
        name: name.into(),
        parameters: json!({"n": 1}),
    }
}

type Calls = Arc<Mutex<Vec<(String, String, i64)>>>;

fn counting(store: Arc<Store>, clock: &FakeClock, runner: &str, calls: &Calls) -> Scheduler {
    let seen = calls.clone();
    let runner_name = runner.to_string();
    Scheduler::builder()
        .store(store)
        .clock(clock.clone())
        .runner_id(runner)
        .concurrency(4)
        .tenants(TenantList::new(["a.com", "b.com", "c.com"]))
        .command(
            "Count",
            handler_fn(move |call| {
                let seen = seen.clone();
                let me = runner_name.clone();
                async move {
                    // Give the other runner a chance to interleave.
                    tokio::task::yield_now().await;
                    seen.lock()
                        .unwrap()
                        .push((call.task_id, call.tenant, call.slot));
                    Ok(json!({"runner": me}))
                }
            }),
        )
        .build()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_runners_on_one_store_file_never_run_a_slot_twice() {
    let db = temp_db();
    let clock = FakeClock::at(100 * H);
    let calls: Calls = Arc::default();
    // Two `Store` values on the same file: two connections, as two processes would have.
    let one = counting(Arc::new(Store::open(&db).unwrap()), &clock, "one", &calls);
    let two = counting(Arc::new(Store::open(&db).unwrap()), &clock, "two", &calls);
    let mut ids = Vec::new();
    for i in 0..6 {
        ids.push(
            one.add(
                Task::new(format!("t{i}"), custom("Count"), TenantSelector::all())
                    .first_run(100 * H)
                    .recurrence(Recurrence::parse("1h").unwrap()),
            )
            .unwrap(),
        );
    }
    let rounds = 15;
    let mut ran_by = [0usize; 2];
    for _ in 0..rounds {
        let now = clock.now();
        let (a, b) = tokio::join!(
            tokio::spawn({
                let s = one.clone();
                async move { s.run_due(now).await }
            }),
            tokio::spawn({
                let s = two.clone();
                async move { s.run_due(now).await }
            })
        );
        let (a, b) = (a.unwrap().unwrap(), b.unwrap().unwrap());
        ran_by[0] += a.len();
        ran_by[1] += b.len();
        assert_eq!(
            a.len() + b.len(),
            ids.len(),
            "every due task ran once this round"
        );
        clock.advance(H);
    }
    let calls = calls.lock().unwrap();
    let unique: BTreeSet<_> = calls.iter().cloned().collect();
    assert_eq!(
        unique.len(),
        calls.len(),
        "a (task, tenant, slot) ran twice"
    );
    assert_eq!(calls.len(), ids.len() * 3 * rounds);
    for id in &ids {
        let h = one.history(id, 100).unwrap();
        assert_eq!(h.len(), rounds);
        assert!(h.iter().all(|r| r.state == "completed" && r.attempts == 1));
    }
    eprintln!("runs per runner: {ran_by:?}");
    std::fs::remove_dir_all(db.parent().unwrap()).unwrap();
}

/// A run longer than its running lease keeps the slot: the heartbeat renews the lease every
/// third of it, so a second runner looking in after the first lease ran out leaves it alone.
/// Tokio's clock is paused (sleeps end at once, in order) and the work moves the scheduler's
/// fake clock on as it goes.
#[tokio::test(start_paused = true)]
async fn a_long_run_renews_its_lease_and_keeps_its_slot() {
    let db = temp_db();
    let start = 20 * H;
    let clock = FakeClock::at(start);
    let calls: Calls = Arc::default();
    let other = counting(Arc::new(Store::open(&db).unwrap()), &clock, "other", &calls);
    let other_saw: Arc<Mutex<Option<usize>>> = Arc::default();
    let long = Scheduler::builder()
        .store(Arc::new(Store::open(&db).unwrap()))
        .clock(clock.clone())
        .runner_id("long")
        .lease(Duration::from_secs(60), Duration::from_secs(3))
        .tenants(TenantList::new(["a.com"]))
        .command(
            "Count",
            handler_fn({
                let (clock, other, other_saw) = (clock.clone(), other.clone(), other_saw.clone());
                move |_| {
                    let (clock, other, other_saw) =
                        (clock.clone(), other.clone(), other_saw.clone());
                    async move {
                        for second in 1..=5 {
                            tokio::time::sleep(Duration::from_secs(1)).await;
                            clock.advance(1);
                            if second == 4 {
                                // One second past the first lease's end.
                                let ran = other
                                    .run_due(clock.now())
                                    .await
                                    .map_err(|e| e.to_string())?;
                                *other_saw.lock().unwrap() = Some(ran.len());
                            }
                        }
                        Ok(json!("done"))
                    }
                }
            }),
        )
        .build()
        .unwrap();
    let id = long
        .add(
            Task::new("long", custom("Count"), TenantSelector::tenant("a.com"))
                .first_run(start)
                .recurrence(Recurrence::parse("1d").unwrap()),
        )
        .unwrap();
    let ran = long.run_due(start).await.unwrap();
    assert_eq!(
        *other_saw.lock().unwrap(),
        Some(0),
        "the other runner took the slot"
    );
    assert!(calls.lock().unwrap().is_empty());
    assert_eq!(ran.len(), 1);
    assert!(!ran[0].lease_lost);
    let h = long.history(&id, 10).unwrap();
    assert_eq!(
        (
            h.len(),
            h[0].runner.as_str(),
            h[0].attempts,
            h[0].state.as_str()
        ),
        (1, "long", 1, "completed")
    );
    std::fs::remove_dir_all(db.parent().unwrap()).unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_crashed_runners_slot_is_taken_over_after_its_lease_and_not_before() {
    let db = temp_db();
    let clock = FakeClock::at(10 * H);
    let (entered_tx, mut entered_rx) = tokio::sync::mpsc::unbounded_channel::<()>();
    let crashing = Scheduler::builder()
        .store(Arc::new(Store::open(&db).unwrap()))
        .clock(clock.clone())
        .runner_id("crashing")
        .lease(Duration::from_secs(60), Duration::from_secs(600))
        .tenants(TenantList::new(["a.com"]))
        .command(
            "Work",
            handler_fn(move |_| {
                let entered = entered_tx.clone();
                async move {
                    let _ = entered.send(());
                    // Never finishes: the runner dies in the middle of the run.
                    std::future::pending::<()>().await;
                    Ok(Value::Null)
                }
            }),
        )
        .build()
        .unwrap();
    let id = crashing
        .add(
            Task::new("work", custom("Work"), TenantSelector::tenant("a.com"))
                .first_run(10 * H)
                .recurrence(Recurrence::parse("1d").unwrap()),
        )
        .unwrap();
    let run = tokio::spawn({
        let s = crashing.clone();
        async move { s.run_due(10 * H).await }
    });
    entered_rx.recv().await.unwrap();
    run.abort();
    assert!(run.await.unwrap_err().is_cancelled());
    drop(crashing);
    assert_eq!(
        Store::open(&db).unwrap().task(&id).unwrap().unwrap().state,
        "Running"
    );

    // A restarted runner on the same file.
    let calls: Calls = Arc::default();
    let seen = calls.clone();
    let restarted = Scheduler::builder()
        .store(Arc::new(Store::open(&db).unwrap()))
        .clock(clock.clone())
        .runner_id("restarted")
        .lease(Duration::from_secs(60), Duration::from_secs(600))
        .tenants(TenantList::new(["a.com"]))
        .command(
            "Work",
            handler_fn(move |call| {
                let seen = seen.clone();
                async move {
                    seen.lock()
                        .unwrap()
                        .push((call.task_id, call.tenant, call.slot));
                    Ok(json!("done"))
                }
            }),
        )
        .build()
        .unwrap();
    // Within the running lease: left alone, and run-now refuses.
    clock.set(10 * H + 599);
    assert!(restarted.run_due(clock.now()).await.unwrap().is_empty());
    assert!(matches!(
        restarted.run_now(&id).await.unwrap_err(),
        SchedulerError::Busy { ref runner, .. } if runner == "crashing"
    ));
    assert!(calls.lock().unwrap().is_empty());
    // After it: taken over, the same slot, a second attempt.
    clock.set(10 * H + 600);
    let ran = restarted.run_due(clock.now()).await.unwrap();
    assert_eq!(ran.len(), 1);
    assert_eq!((ran[0].slot, ran[0].state), (10 * H, TaskState::Planned));
    assert_eq!(
        calls.lock().unwrap().as_slice(),
        &[(id.clone(), "a.com".to_string(), 10 * H)]
    );
    let h = restarted.history(&id, 10).unwrap();
    assert_eq!(h.len(), 1);
    assert_eq!(
        (h[0].runner.as_str(), h[0].attempts, h[0].state.as_str()),
        ("restarted", 2, "completed")
    );
    // Late by less than an interval: the cadence holds.
    assert_eq!(restarted.get(&id).unwrap().next_run, 34 * H);
    std::fs::remove_dir_all(db.parent().unwrap()).unwrap();
}

#[tokio::test]
async fn failures_are_recorded_and_notified() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&server)
        .await;
    let clock = FakeClock::at(50 * H);
    let failures = WebhookNotifier::new("oncall", &format!("{}/oncall", server.uri())).unwrap();
    let s = Scheduler::builder()
        .clock(clock.clone())
        .tenants(TenantList::new(["a.com", "b.com"]))
        .failure_notifier(Arc::new(failures))
        .command(
            "Flaky",
            handler_fn(|call| async move {
                if call.tenant == "b.com" {
                    Err("mailbox not found".to_string())
                } else {
                    Ok(json!({"fine": true}))
                }
            }),
        )
        .command(
            "Broken",
            handler_fn(|_| async move { Err("service unavailable".to_string()) }),
        )
        .build()
        .unwrap();
    let hook = Destination::Webhook {
        name: "results".into(),
        url: format!("{}/results", server.uri()),
        format: None,
    };
    let partial = s
        .add(
            Task::new("partial", custom("Flaky"), TenantSelector::all())
                .first_run(50 * H)
                .destination(hook.clone()),
        )
        .unwrap();
    let broken = s
        .add(
            Task::new("broken", custom("Broken"), TenantSelector::all())
                .first_run(50 * H)
                .recurrence(Recurrence::parse("4h").unwrap()),
        )
        .unwrap();
    let ran = s.run_due(50 * H).await.unwrap();
    assert_eq!(ran.len(), 2);

    // Some tenants failed: the one-off completes (CIPP fails a task only when every tenant
    // failed), with the failure in its results.
    let p = s.get(&partial).unwrap();
    assert_eq!(p.state, TaskState::Completed);
    assert_eq!(
        p.last_result,
        Some(json!(
            "Multi-tenant task completed: 1 successful, 1 failed (Total: 2 tenants)"
        ))
    );
    let h = s.history(&partial, 5).unwrap();
    let results = h[0].results.as_ref().unwrap();
    let b = results
        .tenants
        .iter()
        .find(|t| t.tenant == "b.com")
        .unwrap();
    assert_eq!(b.error.as_deref(), Some("mailbox not found"));
    let mut sent: Vec<String> = results
        .notifications
        .iter()
        .map(|n| format!("{}:{}", n.destination, n.ok))
        .collect();
    sent.sort();
    assert_eq!(sent, ["oncall:true", "results:true"]);

    // Every tenant failed: a recurring task goes to Failed - Planned and runs again.
    let b = s.get(&broken).unwrap();
    assert_eq!((b.state, b.next_run), (TaskState::FailedPlanned, 54 * H));
    assert_eq!(s.history(&broken, 5).unwrap()[0].state, "failed");

    let received = server.received_requests().await.unwrap();
    let to = |p: &str| {
        received
            .iter()
            .filter(|r| r.url.path() == p)
            .map(|r| r.body_json::<Value>().unwrap())
            .collect::<Vec<_>>()
    };
    // The task's destination got its run; the failure notifier got both failing runs.
    assert_eq!(to("/results").len(), 1);
    let oncall = to("/oncall");
    assert_eq!(oncall.len(), 2);
    let text = serde_json::to_string(&oncall).unwrap();
    assert!(text.contains("mailbox not found"), "{text}");
    assert!(text.contains("service unavailable"), "{text}");
    assert!(text.contains("Failed - Planned"), "{text}");
}

#[tokio::test]
async fn allow_and_deny_lists_hold_at_creation_and_at_run() {
    let db = temp_db();
    let clock = FakeClock::at(1_000);
    let calls: Calls = Arc::default();
    let open = counting(Arc::new(Store::open(&db).unwrap()), &clock, "open", &calls);
    let strict = Scheduler::builder()
        .store(Arc::new(Store::open(&db).unwrap()))
        .clock(clock.clone())
        .tenants(TenantList::new(["a.com"]))
        .policy(
            CommandPolicy::default()
                .allow(["custom:*", "collect"])
                .deny(["Count", "exchange:Remove-*"]),
        )
        .command("Count", handler_fn(|_| async move { Ok(Value::Null) }))
        .command("Other", handler_fn(|_| async move { Ok(json!("other")) }))
        .build()
        .unwrap();
    // Refused at creation, naming the command and the list.
    let e = strict
        .add(Task::new("c", custom("Count"), TenantSelector::all()))
        .unwrap_err();
    assert!(
        matches!(&e, SchedulerError::NotAllowed { command, reason } if command == "custom:Count" && reason.contains("denied")),
        "{e}"
    );
    let graph = Command::Graph {
        method: "GET".into(),
        path: "users".into(),
        body: None,
        beta: false,
        confirm: false,
    };
    let e = strict
        .add(Task::new("g", graph, TenantSelector::all()))
        .unwrap_err();
    assert!(e.to_string().contains("allow list"), "{e}");
    let rm = Command::Exchange {
        cmdlet: "Remove-Mailbox".into(),
        parameters: json!({"Identity": "x"}),
        confirm: true,
    };
    assert!(strict
        .add(Task::new("r", rm, TenantSelector::all()))
        .is_err());
    // Allowed ones go in.
    let ok = strict
        .add(Task::new("o", custom("Other"), TenantSelector::all()).first_run(1_000))
        .unwrap();
    // A task another runner (with open lists) added is refused when this one runs it.
    let sneaky = open
        .add(Task::new("sneaky", custom("Count"), TenantSelector::all()).first_run(1_000))
        .unwrap();
    let ran = strict.run_due(1_000).await.unwrap();
    assert_eq!(ran.len(), 2);
    let s = strict.get(&sneaky).unwrap();
    assert_eq!(s.state, TaskState::Failed);
    let h = strict.history(&sneaky, 1).unwrap();
    let err = h[0].results.as_ref().unwrap().error.clone().unwrap();
    assert!(err.contains("not allowed"), "{err}");
    assert!(calls.lock().unwrap().is_empty());
    assert_eq!(strict.get(&ok).unwrap().state, TaskState::Completed);
    std::fs::remove_dir_all(db.parent().unwrap()).unwrap();
}

#[tokio::test]
async fn bad_tasks_are_refused_with_the_field_named() {
    let s = Scheduler::builder()
        .command("Known", handler_fn(|_| async move { Ok(Value::Null) }))
        .build()
        .unwrap();
    let field = |e: SchedulerError| match e {
        SchedulerError::Invalid { field, .. } => field,
        other => format!("{other:?}"),
    };
    let e = s
        .add(Task::new("x", custom("Known"), TenantSelector::default()))
        .unwrap_err();
    assert_eq!(field(e), "tenants");
    let e = s
        .add(Task::new(" ", custom("Known"), TenantSelector::all()))
        .unwrap_err();
    assert_eq!(field(e), "name");
    let del = Command::Graph {
        method: "DELETE".into(),
        path: "users/x".into(),
        body: None,
        beta: false,
        confirm: false,
    };
    let e = s
        .add(Task::new("d", del, TenantSelector::all()))
        .unwrap_err();
    assert_eq!(field(e), "command.confirm");
    let e = s
        .add(Task::new(
            "t",
            Command::Standards {
                template: json!({"standards": 5}),
                mode: cipp_standards::Mode::Report,
            },
            TenantSelector::all(),
        ))
        .unwrap_err();
    assert_eq!(field(e), "command.template");
    let e = s
        .add(Task::new(
            "c",
            Command::Collect {
                types: vec!["NoSuchType".into()],
            },
            TenantSelector::all(),
        ))
        .unwrap_err();
    assert_eq!(field(e), "command.types");
    assert!(matches!(
        s.add(Task::new("u", custom("Unknown"), TenantSelector::all()))
            .unwrap_err(),
        SchedulerError::UnknownCommand(_)
    ));
    let e = Task::from_json(
        r#"{"name": "x", "command": {"type": "teleport"}, "tenants": {"all": true}}"#,
    )
    .unwrap_err();
    assert!(e.to_string().contains("command"), "{e}");
    assert!(matches!(
        s.get("nope").unwrap_err(),
        SchedulerError::NotFound(_)
    ));
    assert!(matches!(
        s.remove("nope").unwrap_err(),
        SchedulerError::NotFound(_)
    ));
}

#[tokio::test]
async fn groups_and_exclusions_resolve_at_run_time_and_serve_stops_on_shutdown() {
    let clock = FakeClock::at(1_000);
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<String>();
    let s = Scheduler::builder()
        .clock(clock.clone())
        .tick(Duration::from_millis(5))
        .tenants(
            TenantList::new(["a.com", "b.com", "c.com"])
                .with_group("dental", ["a.com", "b.com"])
                .with_group("vip", ["b.com"]),
        )
        .command(
            "Echo",
            handler_fn(move |call| {
                let tx = tx.clone();
                async move {
                    let _ = tx.send(call.tenant.clone());
                    Ok(json!(call.tenant))
                }
            }),
        )
        .build()
        .unwrap();
    let id = s
        .add(
            Task::new(
                "grouped",
                custom("Echo"),
                TenantSelector::all()
                    .excluding(["C.COM"])
                    .excluding_groups(["vip"]),
            )
            .first_run(1_000),
        )
        .unwrap();
    let g = s
        .add(Task::new("group", custom("Echo"), TenantSelector::group("dental")).first_run(1_000))
        .unwrap();
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let serving = tokio::spawn({
        let s = s.clone();
        async move {
            s.serve(async {
                let _ = stop_rx.await;
            })
            .await
        }
    });
    let mut seen = Vec::new();
    for _ in 0..3 {
        seen.push(rx.recv().await.unwrap());
    }
    seen.sort();
    assert_eq!(seen, ["a.com", "a.com", "b.com"]);
    stop_tx.send(()).unwrap();
    serving.await.unwrap();
    assert_eq!(s.get(&id).unwrap().state, TaskState::Completed);
    assert_eq!(s.get(&g).unwrap().state, TaskState::Completed);
    assert_eq!(s.list().unwrap().len(), 2);
    s.remove(&id).unwrap();
    assert_eq!(s.list().unwrap().len(), 1);
}
