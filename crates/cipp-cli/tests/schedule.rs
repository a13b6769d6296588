//! `cipp schedule` end to end against a simulator started by the test: add, list, two
//! runner processes on one store (the task runs once), history, remove with confirmation.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use cipp_sim::Sim;
use serde_json::json;

mod common;
use common::{json_ok, run, SimEnv};

#[tokio::test(flavor = "multi_thread")]
async fn add_run_from_two_processes_history_and_remove() {
    let sim = Sim::start().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("cipp.db");
    let store = store.to_str().unwrap();
    let task = json!({
        "name": "Collect org",
        "command": {"type": "collect", "types": ["Organization"]},
        "tenants": {"all": true},
        "recurrence": "1d"
    })
    .to_string();
    let added = json_ok(
        &run(
            &sim,
            &[
                "schedule", "add", "--store", store, "--task", &task, "--json",
            ],
        )
        .await,
    );
    let id = added["id"].as_str().unwrap().to_string();
    assert_eq!(added["state"], "Planned");

    // A bad recurrence is refused with the field named, exit code 2.
    let bad = run(
        &sim,
        &[
            "schedule",
            "add",
            "--store",
            store,
            "--task",
            &task,
            "--recurrence",
            "0 0 32 * *",
        ],
    )
    .await;
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("day of month"));

    let list = json_ok(&run(&sim, &["schedule", "list", "--store", store, "--json"]).await);
    assert_eq!(list.as_array().unwrap().len(), 1);

    // Two runner processes on one store at once: the slot runs once.
    let tenants = "alphadental.com,bravologistics.com";
    let spawn = |runner: &str| {
        let args = common::strings(&[
            "schedule",
            "run-due",
            "--store",
            store,
            "--tenants",
            tenants,
            "--runner-id",
            runner,
            "--json",
        ]);
        let env = SimEnv::of(&sim);
        std::thread::spawn(move || env.command(&args, &std::env::temp_dir()).output().unwrap())
    };
    let (a, b) = (spawn("p1"), spawn("p2"));
    let (a, b) = (
        tokio::task::spawn_blocking(move || a.join().unwrap())
            .await
            .unwrap(),
        tokio::task::spawn_blocking(move || b.join().unwrap())
            .await
            .unwrap(),
    );
    let (a, b) = (json_ok(&a), json_ok(&b));
    let ran = a.as_array().unwrap().len() + b.as_array().unwrap().len();
    assert_eq!(ran, 1, "{a}\n{b}");
    let outcome = if a.as_array().unwrap().is_empty() {
        &b[0]
    } else {
        &a[0]
    };
    assert_eq!(outcome["state"], "Planned");
    assert_eq!(
        outcome["results"]["summary"],
        "Multi-tenant task completed: 2 successful, 0 failed (Total: 2 tenants)"
    );

    let history = json_ok(
        &run(
            &sim,
            &["schedule", "history", "--store", store, &id, "--json"],
        )
        .await,
    );
    assert_eq!(history.as_array().unwrap().len(), 1);
    assert_eq!(history[0]["state"], "completed");
    assert_eq!(
        history[0]["results"]["tenants"].as_array().unwrap().len(),
        2
    );

    // Nothing is due now; run-now runs it again.
    let again = json_ok(
        &run(
            &sim,
            &[
                "schedule",
                "run-due",
                "--store",
                store,
                "--tenants",
                tenants,
                "--json",
            ],
        )
        .await,
    );
    assert!(again.as_array().unwrap().is_empty());
    let now = json_ok(
        &run(
            &sim,
            &[
                "schedule",
                "run-now",
                "--store",
                store,
                "--tenants",
                tenants,
                &id,
                "--json",
            ],
        )
        .await,
    );
    assert_eq!(now[0]["task_id"], id);

    // Removing needs --yes.
    let refused = run(&sim, &["schedule", "remove", "--store", store, &id]).await;
    assert_eq!(refused.status.code(), Some(2));
    json_ok(
        &run(
            &sim,
            &[
                "schedule", "remove", "--store", store, &id, "--yes", "--json",
            ],
        )
        .await,
    );
    let list = json_ok(&run(&sim, &["schedule", "list", "--store", store, "--json"]).await);
    assert!(list.as_array().unwrap().is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn all_tenants_resolve_through_the_managed_tenant_directory() {
    let sim = Sim::start().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("cipp.db");
    let store = store.to_str().unwrap();
    let task = json!({
        "name": "Everyone's org",
        "command": {"type": "collect", "types": ["Organization"]},
        "tenants": {"all": true}
    })
    .to_string();
    json_ok(
        &run(
            &sim,
            &[
                "schedule", "add", "--store", store, "--task", &task, "--json",
            ],
        )
        .await,
    );
    let ran = json_ok(&run(&sim, &["schedule", "run-due", "--store", store, "--json"]).await);
    let tenants: Vec<&str> = ran[0]["results"]["tenants"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            assert_eq!(t["ok"], true, "{t}");
            t["tenant"].as_str().unwrap()
        })
        .collect();
    assert!(tenants.contains(&"alphadental.com"), "{tenants:?}");
    assert!(tenants.contains(&"bravologistics.com"), "{tenants:?}");
    assert_eq!(ran[0]["state"], "Completed");
}
