//! `cipp template deploy|compare|capture` end to end against a simulator started by the test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::process::Output;

use cipp_sim::Sim;
use serde_json::{json, Value};

mod common;
use common::run;

fn stdout_json(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|_| {
        panic!(
            "not JSON\nstdout: {}\nstderr: {}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

#[tokio::test(flavor = "multi_thread")]
async fn deploy_refuses_then_creates_then_leaves_alone_and_capture_travels() {
    let sim = Sim::start().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let file = dir
        .path()
        .join("6f1c1111-2222-4333-8444-555566667777.CATemplate.json");
    std::fs::write(
        &file,
        json!({
            "displayName": "CLI test: zeta MFA",
            "state": "enabled",
            "conditions": {"users": {"includeGroups": ["Project Zeta"]},
                "applications": {"includeApplications": ["All"]}, "clientAppTypes": ["all"]},
            "grantControls": {"operator": "OR", "builtInControls": ["mfa"]}
        })
        .to_string(),
    )
    .unwrap();
    let f = file.to_str().unwrap();
    let charlie = "charlie.onmicrosoft.com";

    // The group does not exist: the template fails, nothing is created, exit code 2.
    let out = run(
        &sim,
        &[
            "template", "deploy", "--file", f, "--tenant", charlie, "--json",
        ],
    )
    .await;
    assert_eq!(
        out.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let rows = stdout_json(&out);
    assert_eq!(rows[0]["result"], "failed");
    assert!(rows[0]["error"].as_str().unwrap().contains("Project Zeta"));

    let args = [
        "template",
        "deploy",
        "--file",
        f,
        "--tenant",
        charlie,
        "--create-groups",
        "--state",
        "report-only",
        "--json",
    ];
    let out = run(&sim, &args).await;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let rows = stdout_json(&out);
    assert_eq!(rows[0]["result"], "created");
    assert_eq!(rows[0]["guid"], "6f1c1111-2222-4333-8444-555566667777");
    let id = rows[0]["id"].as_str().unwrap().to_string();

    sim.clear_requests();
    let rows = stdout_json(&run(&sim, &args).await);
    assert_eq!(rows[0]["result"], "unchanged");
    assert!(sim
        .requests()
        .iter()
        .filter(|r| r.kind == "graph" || r.kind == "batch_item")
        .all(|r| r.method == "GET"));

    // Capture it into a folder and deploy the capture to another tenant.
    let captures = tempfile::tempdir().unwrap();
    let out = run(
        &sim,
        &[
            "template",
            "capture",
            "--tenant",
            charlie,
            "--kind",
            "ca",
            "--id",
            &id,
            "--out",
            captures.path().to_str().unwrap(),
            "--json",
        ],
    )
    .await;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let written = stdout_json(&out)["written"].as_str().unwrap().to_string();
    assert!(written.ends_with(".CATemplate.json"), "{written}");
    let text = std::fs::read_to_string(&written).unwrap();
    assert!(
        text.contains("Project Zeta") && !text.contains(&id),
        "{text}"
    );

    let bravo = "bravo.onmicrosoft.com";
    let deploy_dir = [
        "template",
        "deploy",
        "--dir",
        captures.path().to_str().unwrap(),
        "--tenant",
        bravo,
        "--create-groups",
        "--json",
    ];
    let rows = stdout_json(&run(&sim, &deploy_dir).await);
    assert_eq!(rows[0]["result"], "created", "{rows}");
    let rows = stdout_json(
        &run(
            &sim,
            &[
                "template",
                "compare",
                "--dir",
                captures.path().to_str().unwrap(),
                "--tenant",
                bravo,
                "--json",
            ],
        )
        .await,
    );
    assert_eq!(rows[0]["result"], "equal", "{rows}");
    let rows = stdout_json(
        &run(
            &sim,
            &[
                "template", "compare", "--file", f, "--tenant", bravo, "--json",
            ],
        )
        .await,
    );
    // Same name, deployed report-only from the capture: only the state differs.
    assert_eq!(rows[0]["result"], "different", "{rows}");
    assert_eq!(rows[0]["differences"][0]["path"], "state");
    assert_eq!(rows[0]["differences"].as_array().unwrap().len(), 1);

    let bad = run(
        &sim,
        &[
            "template", "deploy", "--file", f, "--tenant", bravo, "--state", "sideways",
        ],
    )
    .await;
    assert_eq!(bad.status.code(), Some(2));
}

#[tokio::test(flavor = "multi_thread")]
async fn deploy_can_assign_intune_policies() {
    let sim = Sim::start().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let file = dir
        .path()
        .join("7a2c1111-2222-4333-8444-555566667777.IntuneTemplate.json");
    std::fs::write(
        &file,
        json!({"Displayname": "CLI test: assigned", "Description": "", "Type": "deviceCompliancePolicies",
            "RAWJson": json!({"@odata.type": "#microsoft.graph.windows10CompliancePolicy",
                "displayName": "x", "passwordRequired": true}).to_string()})
        .to_string(),
    )
    .unwrap();
    let f = file.to_str().unwrap();
    let args = [
        "template",
        "deploy",
        "--file",
        f,
        "--tenant",
        "alphadental.com",
        "--assign-all-users",
        "--assign-group",
        "SG-Finance",
        "--json",
    ];
    let first = stdout_json(&run(&sim, &args).await);
    assert_eq!(first[0]["result"], "created");
    assert_eq!(first[0]["assignment"], "assigned");
    let again = stdout_json(&run(&sim, &args).await);
    assert_eq!(again[0]["result"], "unchanged");
    assert_eq!(again[0]["assignment"], "unchanged");
}

#[tokio::test(flavor = "multi_thread")]
async fn compliance_policies_deploy_and_capture_by_name() {
    let sim = Sim::start().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let file = dir
        .path()
        .join("8b3d1111-2222-4333-8444-555566667777.RetentionCompliancePolicyTemplate.json");
    std::fs::write(
        &file,
        json!({"Name": "CLI test: keep invoices", "Comment": "Six years",
            "ExchangeLocation": ["finance@alphadental.com"],
            "RuleParams": {"Name": "Keep invoices", "RetentionDuration": 2190,
                "RetentionComplianceAction": "Keep"}})
        .to_string(),
    )
    .unwrap();
    let alpha = "alphadental.com";
    let rows = stdout_json(
        &run(
            &sim,
            &[
                "template",
                "deploy",
                "--file",
                file.to_str().unwrap(),
                "--tenant",
                alpha,
                "--json",
            ],
        )
        .await,
    );
    assert_eq!(rows[0]["result"], "created", "{rows}");
    assert_eq!(rows[0]["kind"], "retention", "{rows}");

    let captures = tempfile::tempdir().unwrap();
    let capture = |kind: &'static str| {
        [
            "template",
            "capture",
            "--tenant",
            alpha,
            "--kind",
            kind,
            "--id",
            "CLI test: keep invoices",
            "--out",
            captures.path().to_str().unwrap(),
            "--json",
        ]
        .map(str::to_string)
    };
    let args = capture("retention");
    let out = run(&sim, &args.iter().map(String::as_str).collect::<Vec<_>>()).await;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let written = stdout_json(&out)["written"].as_str().unwrap().to_string();
    assert!(
        written.ends_with(".RetentionCompliancePolicyTemplate.json"),
        "{written}"
    );
    let captured: Value =
        serde_json::from_str(&std::fs::read_to_string(&written).unwrap()).unwrap();
    assert_eq!(captured["Name"], "CLI test: keep invoices", "{captured}");
    assert!(captured.to_string().contains("Keep invoices"), "{captured}");

    // A kind the library knows but cannot capture, and one it does not know: both refused
    // with the reason, nothing written.
    let args = capture("connector");
    let out = run(&sim, &args.iter().map(String::as_str).collect::<Vec<_>>()).await;
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not supported"));
    let args = capture("sideways");
    let out = run(&sim, &args.iter().map(String::as_str).collect::<Vec<_>>()).await;
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("assignmentfilter"));
    assert_eq!(std::fs::read_dir(captures.path()).unwrap().count(), 1);
}
