//! What the CLI tests share: the `cipp` binary run against a simulator started by the test.
#![allow(dead_code)]

use std::path::Path;
use std::process::{Command, Output};

use cipp_sim::Sim;
use serde_json::Value;

/// What the CLI needs of the simulator, owned so it can move to a blocking thread.
pub struct SimEnv {
    pub creds: cipp_sim::SimCredentials,
    pub endpoints: Vec<(&'static str, String)>,
}

impl SimEnv {
    pub fn of(sim: &Sim) -> SimEnv {
        SimEnv {
            creds: sim.credentials(),
            endpoints: sim.endpoints(),
        }
    }

    /// The `cipp` binary with only the simulator's settings in its environment and `home`
    /// as its home directory.
    pub fn command(&self, args: &[String], home: &Path) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_cipp"));
        cmd.args(args)
            .env_clear()
            .env("HOME", home)
            .env("CIPP_APPLICATION_ID", &self.creds.application_id)
            .env("CIPP_APPLICATION_SECRET", &self.creds.application_secret)
            .env("CIPP_REFRESH_TOKEN", &self.creds.refresh_token)
            .env("CIPP_TENANT_ID", &self.creds.partner_tenant_id);
        for (name, url) in &self.endpoints {
            cmd.env(format!("CIPP_{}_URL", name.to_ascii_uppercase()), url);
        }
        cmd
    }

    /// Run `cipp` with a fresh, empty home directory.
    pub fn cipp(&self, args: &[String]) -> Output {
        let home = tempfile::tempdir().unwrap();
        self.command(args, home.path()).output().unwrap()
    }
}

/// Run the blocking CLI off the runtime's threads so the in-process simulator keeps serving.
pub async fn run(sim: &Sim, args: &[&str]) -> Output {
    run_args(sim, args.iter().map(|s| s.to_string()).collect()).await
}

/// [`run`] with owned arguments.
pub async fn run_args(sim: &Sim, args: Vec<String>) -> Output {
    let env = SimEnv::of(sim);
    tokio::task::spawn_blocking(move || env.cipp(&args))
        .await
        .unwrap()
}

/// The JSON on stdout of a run that succeeded (the output is shown when it did not).
pub fn json_ok(out: &Output) -> Value {
    assert!(
        out.status.success(),
        "exit {:?}\nstdout: {}\nstderr: {}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// Owned arguments.
pub fn strings(args: &[&str]) -> Vec<String> {
    args.iter().map(|s| s.to_string()).collect()
}
