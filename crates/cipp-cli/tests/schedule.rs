//! `cipp schedule` end to end against a simulator started by the test: add, list, two
//! runner processes on one store (the task runs once), history, remove with confirmation.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::process::{Command, Output};

use cipp_sim::Sim;
use serde_json::{json, Value};

struct SimEnv {
    creds: cipp_sim::SimCredentials,
    endpoints: Vec<(&'static str, String)>,
}

impl SimEnv {
    fn of(sim: &Sim) -> SimEnv {
        SimEnv {
            creds: sim.credentials(),
            endpoints: sim.endpoints(),
        }
    }

    fn command(&self, args: &[String]) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_cipp"));
        cmd.args(args)
            .env_clear()
            .env("HOME", std::env::temp_dir())
            .env("CIPP_APPLICATION_ID", &self.creds.application_id)
            .env("CIPP_APPLICATION_SECRET", &self.creds.application_secret)
            .env("CIPP_REFRESH_TOKEN", &self.creds.refresh_token)
            .env("CIPP_TENANT_ID", &self.creds.partner_tenant_id);
        for (name, url) in &self.endpoints {
            cmd.env(format!("CIPP_{}_URL", name.to_ascii_uppercase()), url);
        }
        cmd
    }
}

fn strings(args: &[&str]) -> Vec<String> {
    args.iter().map(|s| s.to_string()).collect()
}

async fn run(sim: &Sim, args: &[&str]) -> Output {
    let (env, args) = (SimEnv::of(sim), strings(args));
    tokio::task::spawn_blocking(move || env.command(&args).output().unwrap())
        .await
        .unwrap()
}

fn json_of(out: &Output) -> Value {
    assert!(
        out.status.success(),
        "exit {:?}\nstdout: {}\nstderr: {}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

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
    let added = json_of(
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

    let list = json_of(&run(&sim, &["schedule", "list", "--store", store, "--json"]).await);
    assert_eq!(list.as_array().unwrap().len(), 1);

    // Two runner processes on one store at once: the slot runs once.
    let tenants = "alphadental.com,bravologistics.com";
    let spawn = |runner: &str| {
        let args = strings(&[
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
        std::thread::spawn(move || env.command(&args).output().unwrap())
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
    let (a, b) = (json_of(&a), json_of(&b));
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

    let history = json_of(
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
    let again = json_of(
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
    let now = json_of(
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
    json_of(
        &run(
            &sim,
            &[
                "schedule", "remove", "--store", store, &id, "--yes", "--json",
            ],
        )
        .await,
    );
    let list = json_of(&run(&sim, &["schedule", "list", "--store", store, "--json"]).await);
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
    json_of(
        &run(
            &sim,
            &[
                "schedule", "add", "--store", store, "--task", &task, "--json",
            ],
        )
        .await,
    );
    let ran = json_of(&run(&sim, &["schedule", "run-due", "--store", store, "--json"]).await);
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
