//! What the integration tests share: where the project's shared data lives.
#![allow(dead_code)]

use std::path::PathBuf;

/// `rel` under the project's `shared` folder (beside the repository).
pub fn shared(rel: &str) -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared")).join(rel)
}

/// CIPP's own definition files (`Config/BaselineStandards`).
pub fn cipp_definitions_dir() -> PathBuf {
    shared("cipp-data/BaselineStandards")
}

/// The first tenant's result of `standard` (by name).
pub fn result_of<'a>(
    report: &'a cipp_standards::RunReport,
    standard: &str,
) -> &'a cipp_standards::StandardResult {
    report.tenants[0]
        .results
        .iter()
        .find(|r| r.standard == standard)
        .unwrap_or_else(|| panic!("no {standard}: {:?}", report.tenants[0].results))
}

/// The first tenant's result whose instance key is `key` (a template id).
pub fn result_by_key<'a>(
    report: &'a cipp_standards::RunReport,
    key: &str,
) -> &'a cipp_standards::StandardResult {
    report.tenants[0]
        .results
        .iter()
        .find(|r| r.key == key)
        .unwrap_or_else(|| panic!("no {key}: {:?}", report.tenants[0].results))
}

/// A standards template for `tenant` that remediates the list template standard `standard`,
/// its settings field `field` naming the templates `picks`, as CIPP's UI stores it.
pub fn list_template(
    tenant: &str,
    standard: &str,
    field: &str,
    picks: &[&str],
) -> cipp_standards::StandardsTemplate {
    let picks: Vec<serde_json::Value> = picks
        .iter()
        .map(|g| serde_json::json!({"label": g, "value": g}))
        .collect();
    cipp_standards::StandardsTemplate::from_value(
        &serde_json::json!({
            "GUID": "tpl", "tenantFilter": [{"value": tenant}],
            "standards": {
                standard: {"action": [{"label": "Remediate", "value": "Remediate"}], field: picks}
            }
        }),
        "template.json",
    )
    .unwrap_or_else(|e| panic!("{e}"))
}
