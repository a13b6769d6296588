//! Sensitivity label templates against the simulator, over HTTP, through Security &
//! Compliance: deploy, redeploy without writing, compare a drifted label, capture it and
//! deploy the captured template to another tenant.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use cipp_sim::Sim;
use cipp_templates::{
    Comparison, DeployOptions, DeployOutcome, Template, TemplateBody, TemplateClient, TemplateKind,
};
use serde_json::json;

const ALPHA: &str = "alphadental.com";
const BRAVO: &str = "bravologistics.com";

fn label(tooltip: &str) -> Template {
    Template::from_json(
        &json!({"Name": "Restricted", "Tooltip": tooltip, "Comment": "Board papers",
            "ApplyContentMarkingHeaderEnabled": true, "ApplyContentMarkingHeaderText": "RESTRICTED",
            "PolicyParams": {"ExchangeLocation": "All"}})
        .to_string(),
        Some(TemplateKind::SensitivityLabel),
    )
    .unwrap()
}

/// Cmdlets other than `Get-` the simulator ran on Security & Compliance.
fn compliance_writes(sim: &Sim) -> usize {
    sim.requests()
        .iter()
        .filter(|r| r.kind == "compliance" && r.method == "POST")
        .count()
}

#[tokio::test]
async fn labels_deploy_once_compare_and_travel() {
    let sim = Sim::start().await.unwrap();
    let pipeline = cipp_testkit::pipeline(&sim).unwrap();
    let options = DeployOptions::new();
    let template = label("Board only");
    assert_eq!(template.display_name(), "Restricted");
    let file = template.file_name();
    assert_eq!(
        file.split_once('.').unwrap().1,
        "SensitivityLabelTemplate.json"
    );
    assert_eq!(
        TemplateKind::from_file_name(&file),
        Some(TemplateKind::SensitivityLabel)
    );
    assert_eq!(
        "label".parse::<TemplateKind>(),
        Ok(TemplateKind::SensitivityLabel)
    );

    let alpha = TemplateClient::new(pipeline.clone(), ALPHA);
    assert_eq!(
        alpha.compare(&template, &options).await.unwrap(),
        Comparison::Missing
    );
    let created = alpha.deploy(&template, &options).await.unwrap();
    assert!(
        matches!(created, DeployOutcome::Created { .. }),
        "{created:?}"
    );
    let policies = sim.exchange_objects(ALPHA, "LabelPolicy", true).unwrap();
    assert_eq!(policies[0]["Name"], "Restricted Policy");
    assert_eq!(policies[0]["Labels"], json!(["Restricted"]));

    // A second deploy only reads (every cmdlet is a POST: two reads, no write).
    let fresh = TemplateClient::new(pipeline.clone(), ALPHA);
    let before = compliance_writes(&sim);
    let again = fresh.deploy(&template, &options).await.unwrap();
    assert!(
        matches!(again, DeployOutcome::Unchanged { .. }),
        "{again:?}"
    );
    let calls = compliance_writes(&sim) - before;
    assert_eq!(calls, 2, "only Get-Label and Get-LabelPolicy");

    // A changed tooltip is a difference, and only it is set.
    let drifted = label("Board members only");
    let fresh = TemplateClient::new(pipeline.clone(), ALPHA);
    let cmp = fresh.compare(&drifted, &options).await.unwrap();
    let paths: Vec<&str> = cmp.differences().iter().map(|d| d.path.as_str()).collect();
    assert_eq!(paths, ["Tooltip"], "{cmp:?}");
    match fresh.deploy(&drifted, &options).await.unwrap() {
        DeployOutcome::Updated { changed, .. } => assert_eq!(changed, ["Tooltip"]),
        other => panic!("{other:?}"),
    }

    // Captured by name, it deploys to another tenant and matches there.
    let captured = fresh
        .capture(TemplateKind::SensitivityLabel, "Restricted")
        .await
        .unwrap();
    let TemplateBody::SensitivityLabel(body) = &captured.body else {
        panic!("{captured:?}")
    };
    assert_eq!(body.name, "Restricted");
    assert_eq!(body.parameters["Tooltip"], "Board members only");
    assert!(!body.parameters.contains_key("Guid"));
    let text = captured.to_json().to_string();
    let back = Template::from_json(&text, Some(TemplateKind::SensitivityLabel)).unwrap();
    let bravo = TemplateClient::new(pipeline.clone(), BRAVO);
    assert!(matches!(
        bravo.deploy(&back, &options).await.unwrap(),
        DeployOutcome::Created { .. }
    ));
    assert!(matches!(
        TemplateClient::new(pipeline, BRAVO)
            .compare(&back, &options)
            .await
            .unwrap(),
        Comparison::Equal { .. }
    ));
    assert!(fresh
        .capture(TemplateKind::SensitivityLabel, "Nope")
        .await
        .unwrap_err()
        .to_string()
        .contains("Nope"));
}

#[test]
fn sensitive_info_type_templates_are_named_by_file_and_short_name() {
    let t = Template::from_json(
        r#"{"Name": "Alpha id", "Pattern": "\\d{6}", "Unknown": {"kept": true}}"#,
        Some(TemplateKind::SensitiveInfoType),
    )
    .unwrap();
    let file = t.file_name();
    assert_eq!(
        TemplateKind::from_file_name(&file),
        Some(TemplateKind::SensitiveInfoType)
    );
    assert_eq!(
        "sit".parse::<TemplateKind>(),
        Ok(TemplateKind::SensitiveInfoType)
    );
    assert_eq!(t.to_json()["Unknown"]["kept"], true);
    let TemplateBody::SensitiveInfoType(body) = &t.body else {
        panic!("{t:?}")
    };
    assert_eq!(body.confidence(), 85);
    assert_eq!(body.patterns_proximity(), 300);
}
