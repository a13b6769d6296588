//! `cipp alerts` end to end against a simulator started by the test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::process::Command;

use cipp_sim::Sim;

mod common;
use common::{json_ok, run};

#[test]
fn list_shows_the_catalogue_with_parameters() {
    let out = Command::new(env!("CARGO_BIN_EXE_cipp"))
        .args(["alerts", "list", "--json"])
        .env_clear()
        .output()
        .unwrap();
    let v = json_ok(&out);
    let rules = v.as_array().unwrap();
    assert!(rules.len() >= 29);
    let inactive = rules.iter().find(|r| r["name"] == "InactiveUsers").unwrap();
    assert_eq!(inactive["params"][0]["name"], "DaysSinceLastLogin");
    assert_eq!(inactive["params"][0]["default"], "90");
    let out = Command::new(env!("CARGO_BIN_EXE_cipp"))
        .args(["alerts", "list"])
        .env_clear()
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("AppSecretExpiry"));
}

#[tokio::test(flavor = "multi_thread")]
async fn run_one_tenant_then_all_with_a_store() {
    let sim = Sim::start().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("alerts.json");
    std::fs::write(
        &config,
        r#"{"rules": {"AppSecretExpiry": {}, "InactiveUsers": {"params": {"DaysSinceLastLogin": 90}}, "NoCAConfig": {}}}"#,
    )
    .unwrap();
    let store = dir.path().join("cipp.db");
    let (cfg, db) = (config.to_str().unwrap(), store.to_str().unwrap());
    let as_of = "2026-11-01T00:00:00Z";
    let v = json_ok(
        &run(
            &sim,
            &[
                "--json",
                "alerts",
                "run",
                "--config",
                cfg,
                "--tenant",
                "alphadental.com",
                "--as-of",
                as_of,
            ],
        )
        .await,
    );
    let alpha = &v["tenants"][0];
    assert_eq!(alpha["tenant"], "alphadental.com");
    assert_eq!(v["summary"]["findings"], 2, "{v:#}");
    let out = run(
        &sim,
        &[
            "alerts", "run", "--config", cfg, "--all", "--store", db, "--as-of", as_of,
        ],
    )
    .await;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let md = String::from_utf8_lossy(&out.stdout);
    assert!(
        md.contains("## charlie.onmicrosoft.com") && md.contains("Conditional Access"),
        "{md}"
    );
    // Bad input is refused with the rule and parameter named.
    std::fs::write(
        &config,
        r#"{"rules": {"InactiveUsers": {"params": {"DaysSinceLastLogin": "soon"}}}}"#,
    )
    .unwrap();
    let out = run(&sim, &["alerts", "run", "--config", cfg, "--all"]).await;
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("InactiveUsers") && err.contains("DaysSinceLastLogin"),
        "{err}"
    );
    let out = run(&sim, &["alerts", "run"]).await;
    assert_eq!(out.status.code(), Some(2));
}

#[tokio::test(flavor = "multi_thread")]
async fn snooze_a_finding_from_a_report_and_feed_alignment() {
    let sim = Sim::start().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("alerts.json");
    std::fs::write(
        &config,
        r#"{"rules": {"InactiveUsers": {}, "LowTenantAlignment": {"params": 90}}}"#,
    )
    .unwrap();
    let scores = dir.path().join("scores.json");
    std::fs::write(
        &scores,
        r#"{"tenants": [{"tenant": "alphadental.com", "summary": {"alignment": 70}}]}"#,
    )
    .unwrap();
    let db = dir.path().join("cipp.db");
    let (cfg, db, sc) = (
        config.to_str().unwrap(),
        db.to_str().unwrap(),
        scores.to_str().unwrap(),
    );
    let args = [
        "--json",
        "alerts",
        "run",
        "--config",
        cfg,
        "--tenant",
        "alphadental.com",
        "--store",
        db,
        "--as-of",
        "2026-11-01T00:00:00Z",
        "--alignment",
        sc,
    ];
    let v = json_ok(&run(&sim, &args).await);
    let rules = v["tenants"][0]["rules"].as_array().unwrap();
    let low = rules
        .iter()
        .find(|r| r["rule"] == "LowTenantAlignment")
        .unwrap();
    assert_eq!(low["findings"][0]["data"]["AlignmentScore"], 70.0);
    let inactive = rules.iter().find(|r| r["rule"] == "InactiveUsers").unwrap();
    let hash = inactive["findings"][0]["hash"]
        .as_str()
        .unwrap()
        .to_string();
    let out = run(
        &sim,
        &[
            "alerts",
            "snooze",
            "--store",
            db,
            "--rule",
            "inactiveusers",
            "--tenant",
            "alphadental.com",
            "--hash",
            &hash,
            "--days",
            "-1",
            "--reason",
            "on leave",
        ],
    )
    .await;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let listed = json_ok(&run(&sim, &["--json", "alerts", "snoozes", "--store", db]).await);
    assert_eq!(listed[0]["until"], "forever");
    assert_eq!(listed[0]["reason"], "on leave");
    // A day later the daily re-send skips the snoozed finding.
    let mut later = args.to_vec();
    later[10] = "2026-11-02T01:00:00Z";
    let v = json_ok(&run(&sim, &later).await);
    assert_eq!(v["summary"]["snoozed"], 1, "{v:#}");
    let out = run(
        &sim,
        &[
            "alerts",
            "snooze",
            "--store",
            db,
            "--rule",
            "InactiveUsers",
            "--tenant",
            "x",
            "--hash",
            "h",
            "--days",
            "3",
        ],
    )
    .await;
    assert_eq!(out.status.code(), Some(2));
}
