//! `cipp alerts audit` end to end against a simulator started by the test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use cipp_sim::Sim;
use serde_json::json;

mod common;
use common::{json_ok, run_args};

#[tokio::test(flavor = "multi_thread")]
async fn audit_rules_process_each_record_once_per_store() {
    let sim = Sim::start().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let rules = dir.path().join("rules.json");
    std::fs::write(
        &rules,
        json!([{"RowKey": "fwd", "Tenants": [{"value": "AllTenants"}],
            "Conditions": [
                {"Property": {"label": "Operation"}, "Operator": {"label": "Equals to", "value": "eq"}, "Input": {"value": "New-InboxRule"}},
                {"Property": {"label": "ForwardTo"}, "Operator": {"label": "Like", "value": "like"}, "Input": {"value": "*@*"}}],
            "Actions": [{"value": "generateWebhook"}]}])
        .to_string(),
    )
    .unwrap();
    let store = dir.path().join("cipp.db");
    let args = |tenant: &str| -> Vec<String> {
        [
            "--json",
            "alerts",
            "audit",
            "--rules",
            rules.to_str().unwrap(),
            "--tenant",
            tenant,
            "--hours",
            "24",
            "--as-of",
            "2026-11-01T00:00:00Z",
            "--store",
            store.to_str().unwrap(),
        ]
        .map(String::from)
        .to_vec()
    };
    let first = json_ok(&run_args(&sim, args("alphadental.com")).await);
    let alpha = &first["tenants"][0];
    assert_eq!(alpha["events"].as_array().unwrap().len(), 1, "{first}");
    assert_eq!(
        alpha["events"][0]["record_id"],
        "a1a0d170-0000-4000-8000-000000000001"
    );
    let again = json_ok(&run_args(&sim, args("alphadental.com")).await);
    assert_eq!(again["tenants"][0]["already_processed"], 1, "{again}");
    assert!(again["tenants"][0]["events"].as_array().unwrap().is_empty());

    // A bad rule is refused before anything is searched, naming the condition and field.
    std::fs::write(
        &rules,
        json!([{"RowKey": "bad", "Tenants": "AllTenants", "Conditions": [
            {"Property": {"label": "Operation"}, "Operator": {"value": "startswith"}, "Input": {"value": "New"}}]}])
        .to_string(),
    )
    .unwrap();
    let out = run_args(&sim, args("alphadental.com")).await;
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("condition 0") && err.contains("Operator.value"),
        "{err}"
    );
}
