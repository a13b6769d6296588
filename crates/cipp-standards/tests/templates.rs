//! Template standards (ConditionalAccessTemplate, IntuneTemplate) as CIPP's standards templates
//! configure them: the policy a stored template describes is missing (drifted), deployed by a
//! remediate run and confirmed, then compliant; without a template library they are
//! unsupported, and an unknown template id is an error of that standard alone.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;
use support::result_by_key as result;

use std::sync::Arc;

use cipp_sim::Sim;
use cipp_standards::{Mode, Outcome, StandardsRunner, StandardsTemplate, State, Step, Target};
use cipp_templates::TemplateLibrary;
use serde_json::json;

const BLOCK_LEGACY: &str = "f8be7e58-2419-40a8-a739-714bf5deff90";
const SCREEN_LOCK: &str = "4d9206b0-4f96-41e6-86a5-f78cdcff5069";

fn template() -> StandardsTemplate {
    StandardsTemplate::from_value(
        &json!({
            "GUID": "tpl", "tenantFilter": [{"value": "AllTenants"}],
            "standards": {
                "ConditionalAccessTemplate": [{
                    "action": [{"label": "Remediate", "value": "Remediate"}],
                    "TemplateList": {"label": "CIPP: Block Legacy Authentication", "value": BLOCK_LEGACY},
                    "state": "enabledForReportingButNotEnforced"
                }],
                "IntuneTemplate": [
                    {"action": ["Remediate"], "TemplateList": {"label": "Screen lock", "value": SCREEN_LOCK}},
                    {"action": ["Report"], "TemplateList": {"label": "Gone", "value": "00000000-0000-0000-0000-000000000000"}}
                ]
            }
        }),
        "template.json",
    )
    .unwrap()
}

#[tokio::test]
async fn template_standards_deploy_and_confirm() {
    let sim = Sim::start().await.unwrap();
    let library = TemplateLibrary::load(support::shared("cipp-data/templates")).unwrap();
    let runner = StandardsRunner::builder(cipp_testkit::pipeline(&sim).unwrap())
        .template_library(Arc::new(library))
        .build();
    let alpha = [Target::from_domain("alphadental.com")];

    let before = runner.run(&[template()], &alpha, Mode::Report).await;
    let ca = result(&before, BLOCK_LEGACY);
    assert_eq!(ca.state, State::Drifted, "{ca:?}");
    let Step::Template { name, state, .. } = &ca.planned[0] else {
        panic!("{:?}", ca.planned)
    };
    assert_eq!(name, "CIPP: Block Legacy Authentication");
    assert_eq!(state.as_deref(), Some("enabledForReportingButNotEnforced"));
    assert_eq!(result(&before, SCREEN_LOCK).state, State::Drifted);
    let gone = result(&before, "00000000-0000-0000-0000-000000000000");
    assert_eq!(gone.state, State::Error);
    assert!(
        gone.error.as_deref().unwrap().contains("00000000"),
        "{gone:?}"
    );

    let fixed = runner.run(&[template()], &alpha, Mode::Remediate).await;
    for key in [BLOCK_LEGACY, SCREEN_LOCK] {
        let r = result(&fixed, key);
        assert_eq!(r.state, State::Remediated, "{r:?}");
        assert!(r.remediation.as_ref().unwrap().confirmed);
    }
    let policies = sim
        .requests()
        .into_iter()
        .filter(|r| r.method == "POST" && r.path.ends_with("conditionalAccess/policies"))
        .count();
    assert_eq!(policies, 1);

    let after = runner.run(&[template()], &alpha, Mode::Report).await;
    for key in [BLOCK_LEGACY, SCREEN_LOCK] {
        assert_eq!(result(&after, key).state, State::Compliant);
    }
    // The policy was created in report-only state, as the instance asked.
    let live =
        cipp_graph::GraphClient::new(cipp_testkit::pipeline(&sim).unwrap(), "alphadental.com")
            .beta()
            .get("identity/conditionalAccess/policies")
            .await
            .unwrap();
    let created = live["value"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["displayName"] == "CIPP: Block Legacy Authentication")
        .unwrap();
    assert_eq!(created["state"], "enabledForReportingButNotEnforced");
}

#[tokio::test]
async fn without_a_library_template_standards_are_unsupported() {
    let sim = Sim::start().await.unwrap();
    let runner = StandardsRunner::builder(cipp_testkit::pipeline(&sim).unwrap()).build();
    let report = runner
        .run(
            &[template()],
            &[Target::from_domain("alphadental.com")],
            Mode::Remediate,
        )
        .await;
    let ca = result(&report, BLOCK_LEGACY);
    assert_eq!(ca.state, State::Unsupported);
    assert!(
        matches!(&ca.outcome, Some(Outcome::Unsupported { reason }) if reason.contains("library"))
    );
    assert_eq!(report.tenants[0].writes, 0);
}
