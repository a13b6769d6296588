//! `cipp user ...` and `cipp offboard` end to end against a simulator started by the test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::process::{Command, Output};

use cipp_sim::Sim;
use serde_json::Value;

const ALPHA: &str = "alphadental.com";
const ELIF: &str = "elif.ortiz@alphadental.com";

struct SimEnv {
    creds: cipp_sim::SimCredentials,
    endpoints: Vec<(&'static str, String)>,
}

impl SimEnv {
    fn cipp(&self, args: &[String]) -> Output {
        let home = tempfile::tempdir().unwrap();
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_cipp"));
        cmd.args(args)
            .env_clear()
            .env("HOME", home.path())
            .env("CIPP_APPLICATION_ID", &self.creds.application_id)
            .env("CIPP_APPLICATION_SECRET", &self.creds.application_secret)
            .env("CIPP_REFRESH_TOKEN", &self.creds.refresh_token)
            .env("CIPP_TENANT_ID", &self.creds.partner_tenant_id);
        for (name, url) in &self.endpoints {
            cmd.env(format!("CIPP_{}_URL", name.to_ascii_uppercase()), url);
        }
        cmd.output().unwrap()
    }
}

/// Run the blocking CLI off the runtime's threads so the in-process simulator keeps serving.
async fn run(sim: &Sim, args: &[&str]) -> Output {
    let env = SimEnv {
        creds: sim.credentials(),
        endpoints: sim.endpoints(),
    };
    let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
    tokio::task::spawn_blocking(move || env.cipp(&args))
        .await
        .unwrap()
}

fn json_ok(out: &Output) -> Value {
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
async fn user_commands_change_the_tenant() {
    let sim = Sim::start().await.unwrap();
    let v = json_ok(
        &run(
            &sim,
            &[
                "--json",
                "user",
                "edit",
                "-t",
                ALPHA,
                "-u",
                ELIF,
                "-p",
                "jobTitle=Dentist",
                "--clear",
                "city",
            ],
        )
        .await,
    );
    assert!(v["changed"]
        .as_array()
        .unwrap()
        .iter()
        .any(|c| c == "jobTitle"));
    let v = json_ok(&run(&sim, &["--json", "user", "show", "-t", ALPHA, "-u", ELIF]).await);
    assert_eq!(v["jobTitle"], "Dentist");
    let v = json_ok(&run(&sim, &["--json", "user", "block", "-t", ALPHA, "-u", ELIF]).await);
    assert_eq!(v["state"], "success");
    let v = json_ok(&run(&sim, &["--json", "user", "show", "-t", ALPHA, "-u", ELIF]).await);
    assert_eq!(v["accountEnabled"], false);
    let v = json_ok(
        &run(
            &sim,
            &[
                "--json",
                "user",
                "tap",
                "-t",
                ALPHA,
                "-u",
                ELIF,
                "--lifetime",
                "60",
            ],
        )
        .await,
    );
    assert!(v["temporaryAccessPass"]
        .as_str()
        .is_some_and(|p| p.len() >= 8));
    // Delete without --yes is refused with the input exit code.
    let out = run(&sim, &["user", "delete", "-t", ALPHA, "-u", ELIF]).await;
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("confirmation"));
    json_ok(
        &run(
            &sim,
            &["--json", "user", "delete", "-t", ALPHA, "-u", ELIF, "--yes"],
        )
        .await,
    );
    let v = json_ok(&run(&sim, &["--json", "user", "deleted", "-t", ALPHA]).await);
    assert!(v
        .as_array()
        .unwrap()
        .iter()
        .any(|d| d["userPrincipalName"] == ELIF));
}

#[tokio::test(flavor = "multi_thread")]
async fn offboard_dry_run_then_run() {
    let sim = Sim::start().await.unwrap();
    let args = [
        "--json",
        "offboard",
        "-t",
        ALPHA,
        "-u",
        ELIF,
        "--step",
        "DisableSignIn",
        "--step",
        "ConvertToShared",
        "--ooo",
        "Gone",
    ];
    let mut dry = args.to_vec();
    dry.push("--dry-run");
    let v = json_ok(&run(&sim, &dry).await);
    assert_eq!(v["dryRun"], true);
    let steps: Vec<&str> = v["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["step"].as_str().unwrap())
        .collect();
    assert_eq!(steps, ["DisableSignIn", "OOO", "ConvertToShared"]);
    // Conversion is destructive: refused without --yes.
    let out = run(&sim, &args).await;
    assert_eq!(out.status.code(), Some(2));
    let mut yes = args.to_vec();
    yes.push("--yes");
    let v = json_ok(&run(&sim, &yes).await);
    assert!(
        v["steps"]
            .as_array()
            .unwrap()
            .iter()
            .all(|s| s["state"] == "success"),
        "{v:#}"
    );
    let mailbox = sim.exchange_objects(ALPHA, "Mailbox", false).unwrap();
    let elif = mailbox
        .iter()
        .find(|m| m["UserPrincipalName"] == ELIF)
        .unwrap();
    assert_eq!(elif["RecipientTypeDetails"], "SharedMailbox");
}
