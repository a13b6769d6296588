//! DLP and retention policy templates against the simulator, over HTTP, through
//! Security & Compliance: deploy, redeploy without writing, compare a drifted rule, capture
//! and deploy the captured template to another tenant.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use cipp_sim::Sim;
use cipp_templates::{
    Comparison, DeployOptions, DeployOutcome, Template, TemplateBody, TemplateClient, TemplateKind,
};
use serde_json::json;

const ALPHA: &str = "alphadental.com";
const BRAVO: &str = "bravologistics.com";

fn retention() -> Template {
    Template::from_json(
        &json!({"Name": "Keep finance mail", "Comment": "Seven years",
            "ExchangeLocation": ["finance@alphadental.com"], "DistributionStatus": "Pending",
            "RuleParams": [
                {"Name": "Keep", "RetentionDuration": 2555, "RetentionComplianceAction": "Keep"},
                {"Name": "Then delete", "RetentionDuration": 3650, "RetentionComplianceAction": "Delete"}
            ]})
        .to_string(),
        Some(TemplateKind::RetentionCompliancePolicy),
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
async fn retention_policies_deploy_once_compare_and_travel() {
    let sim = Sim::start().await.unwrap();
    let pipeline = cipp_testkit::pipeline(&sim).unwrap();
    let options = DeployOptions::new();
    let template = retention();
    assert_eq!(template.kind(), TemplateKind::RetentionCompliancePolicy);
    assert_eq!(
        template.file_name().split_once('.').unwrap().1,
        "RetentionCompliancePolicyTemplate.json"
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
    let rules = sim
        .exchange_objects(ALPHA, "RetentionComplianceRule", true)
        .unwrap();
    assert_eq!(rules.len(), 2);
    assert!(rules
        .iter()
        .all(|r| r["ParentPolicyName"] == "Keep finance mail"));

    // A fresh client reads the tenant again: equal, and a redeploy sends no cmdlet.
    let fresh = TemplateClient::new(pipeline.clone(), ALPHA);
    assert!(fresh.compare(&template, &options).await.unwrap().is_equal());
    sim.clear_requests();
    let again = fresh.deploy(&template, &options).await.unwrap();
    assert!(
        matches!(again, DeployOutcome::Unchanged { .. }),
        "{again:?}"
    );
    // Two reads (policies, rules), each one POST of InvokeCommand or $batch; nothing else.
    assert!(compliance_writes(&sim) <= 2, "{:#?}", sim.requests());

    // Someone shortens a rule: compare names it; deploy sets only that rule.
    let scc = cipp_exchange::ExchangeClient::new(pipeline.clone(), ALPHA).compliance();
    scc.invoke(
        "Set-RetentionComplianceRule",
        json!({"Identity": "Keep", "RetentionDuration": 30}),
    )
    .await
    .unwrap();
    let drifted = TemplateClient::new(pipeline.clone(), ALPHA);
    let c = drifted.compare(&template, &options).await.unwrap();
    assert_eq!(
        c.differences()
            .iter()
            .map(|d| d.path.as_str())
            .collect::<Vec<_>>(),
        ["rules[Keep].RetentionDuration"]
    );
    let fixed = drifted.deploy(&template, &options).await.unwrap();
    assert!(
        matches!(&fixed, DeployOutcome::Updated { changed, .. } if changed == &["rules[Keep]"]),
        "{fixed:?}"
    );
    let rules = sim
        .exchange_objects(ALPHA, "RetentionComplianceRule", true)
        .unwrap();
    assert!(rules
        .iter()
        .any(|r| r["Name"] == "Keep" && r["RetentionDuration"] == 2555));

    // Captured from Alpha, it deploys to Bravo and compares equal there.
    let captured = TemplateClient::new(pipeline.clone(), ALPHA)
        .capture(TemplateKind::RetentionCompliancePolicy, "Keep finance mail")
        .await
        .unwrap();
    let TemplateBody::RetentionCompliancePolicy(body) = &captured.body else {
        panic!("{captured:?}")
    };
    assert_eq!(body.rules.len(), 2);
    assert!(body
        .parameters
        .keys()
        .all(|k| k != "Guid" && k != "DistributionStatus"));
    let bravo = TemplateClient::new(pipeline.clone(), BRAVO);
    bravo.deploy(&captured, &options).await.unwrap();
    let bravo = TemplateClient::new(pipeline, BRAVO);
    assert!(bravo.compare(&captured, &options).await.unwrap().is_equal());
}
