//! `cipp bec research|remediate` end to end against a simulator started by the test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::process::Output;

use cipp_sim::Sim;
use serde_json::Value;

mod common;
use common::run;

const ALPHA: &str = "alpha.onmicrosoft.com";
const MIRIAM: &str = "miriam.vance@alphadental.com";

fn text(out: &Output) -> String {
    format!(
        "stdout: {}\nstderr: {}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn research_prints_json_and_markdown() {
    let sim = Sim::start().await.unwrap();
    let base = [
        "bec",
        "research",
        "--tenant",
        ALPHA,
        "--user",
        MIRIAM,
        "--as-of",
        "2026-11-28T00:00:00Z",
    ];
    let out = run(&sim, &[&["--json"], &base[..]].concat()).await;
    assert!(out.status.success(), "{}", text(&out));
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["user"]["userPrincipalName"], MIRIAM);
    let kinds: Vec<&str> = report["indicators"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|i| i["kind"].as_str())
        .collect();
    assert!(kinds.contains(&"mailboxForwarding"), "{kinds:?}");

    let out = run(&sim, &[&base[..], &["--days", "3", "--markdown"]].concat()).await;
    assert!(out.status.success(), "{}", text(&out));
    let md = String::from_utf8_lossy(&out.stdout);
    assert!(md.starts_with("# Compromised-account research"), "{md}");
    assert!(md.contains("(3 days)"));

    let out = run(&sim, &[&base[..], &["--days", "90"]].concat()).await;
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
}

#[tokio::test(flavor = "multi_thread")]
async fn remediate_needs_yes_lists_with_dry_run_and_runs_with_yes() {
    let sim = Sim::start().await.unwrap();
    let base = ["bec", "remediate", "--tenant", ALPHA, "--user", MIRIAM];

    let refused = run(&sim, &base).await;
    assert_eq!(refused.status.code(), Some(2), "{}", text(&refused));
    assert!(String::from_utf8_lossy(&refused.stderr).contains("--yes"));

    let out = run(
        &sim,
        &[
            &["--json"],
            &base[..],
            &["--dry-run", "--skip", "remove-mfa"],
        ]
        .concat(),
    )
    .await;
    assert!(out.status.success(), "{}", text(&out));
    let plan: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(plan["dryRun"], true);
    assert_eq!(plan["steps"][3]["state"], "skipped");
    let writes = sim
        .requests()
        .iter()
        .filter(|r| r.kind != "login" && r.method != "GET")
        .count();
    assert_eq!(writes, 0, "a dry run and a refusal write nothing");

    let bad = run(
        &sim,
        &[&base[..], &["--yes", "--skip", "nonsense"]].concat(),
    )
    .await;
    assert_eq!(bad.status.code(), Some(2), "{}", text(&bad));

    let out = run(&sim, &[&["--json"], &base[..], &["--yes"]].concat()).await;
    assert!(out.status.success(), "{}", text(&out));
    let done: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(done["dryRun"], false);
    assert_eq!(done["steps"][0]["step"], "resetPassword");
    assert_eq!(done["steps"][0]["state"], "success");
    assert_eq!(done["steps"][5]["state"], "success");
}
