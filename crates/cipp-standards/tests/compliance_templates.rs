//! The Security & Compliance template standards (`DlpCompliancePolicyTemplate`,
//! `RetentionCompliancePolicyTemplate`) as CIPP's standards templates configure them, over real
//! HTTP against the simulator: the policy and its rules are missing (drifted), a remediate run
//! creates them on the compliance endpoint and a fresh read confirms it; a changed template
//! updates the policy in place (a new location added, a rule set) without creating anything
//! twice; a rule name another policy owns is an error of that result, with nothing written.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;
use std::sync::Arc;
use support::result_by_key as result;

use cipp_sim::Sim;
use cipp_standards::{Mode, StandardsRunner, StandardsTemplate, State, Step, Target};
use cipp_templates::{Template, TemplateKind, TemplateLibrary};
use serde_json::{json, Value};

const TENANT: &str = "alphadental.com";
const DLP: &str = "dlp-patient-data";
const RETENTION: &str = "retention-mail-7y";
const CLASH: &str = "dlp-clash";

/// The templates; the DLP one also covers SharePoint with `sharepoint`, and its rule blocks
/// access with `block`.
fn library(sharepoint: bool, block: bool) -> TemplateLibrary {
    let mut library = TemplateLibrary::new();
    for (guid, kind, body) in [
        (
            DLP,
            TemplateKind::DlpCompliancePolicy,
            json!({"Name": "Alpha patient data", "Comment": "Patient records stay inside",
                "Mode": "Enable", "Workload": "Exchange, SharePoint", "Enabled": true,
                "ExchangeLocation": "All", "Priority": null,
                "SharePointLocation": if sharepoint { json!(["All"]) } else { json!([]) },
                "RuleParams": {"ContentContainsSensitiveInformation": [{"Name": "U.S. Social Security Number (SSN)"}],
                    "BlockAccess": block, "NotifyUser": ["LastModifier"]}}),
        ),
        (
            RETENTION,
            TemplateKind::RetentionCompliancePolicy,
            json!({"Name": "Keep mail seven years", "ExchangeLocation": "All",
                "RuleParams": [{"Name": "Seven years then delete", "RetentionDuration": 2555,
                    "RetentionComplianceAction": "KeepAndDelete"}]}),
        ),
        (
            CLASH,
            TemplateKind::DlpCompliancePolicy,
            json!({"Name": "Second policy", "ExchangeLocation": "All",
                "RuleParams": {"Name": "Alpha patient data Rule", "BlockAccess": true}}),
        ),
    ] {
        let mut t = Template::from_json(&body.to_string(), Some(kind)).unwrap();
        t.guid = Some(guid.to_string());
        library.push(t);
    }
    library
}

fn standards(dlp: &[&str]) -> StandardsTemplate {
    let picks: Vec<Value> = dlp
        .iter()
        .map(|g| json!({"label": g, "value": g}))
        .collect();
    StandardsTemplate::from_value(
        &json!({
            "GUID": "tpl", "tenantFilter": [{"value": TENANT}],
            "standards": {
                "DlpCompliancePolicyTemplate": {"action": [{"label": "Remediate", "value": "Remediate"}],
                    "dlpCompliancePolicyTemplate": picks},
                "RetentionCompliancePolicyTemplate": {"action": ["Remediate"],
                    "retentionCompliancePolicyTemplate": [{"label": "mail", "value": RETENTION}]}
            }
        }),
        "template.json",
    )
    .unwrap()
}

fn objects(sim: &Sim, noun: &str) -> Vec<Value> {
    sim.exchange_objects(TENANT, noun, true).unwrap()
}

fn runner(sim: &Sim, library: TemplateLibrary) -> StandardsRunner {
    StandardsRunner::builder(cipp_testkit::pipeline(sim).unwrap())
        .template_library(Arc::new(library))
        .build()
}

#[tokio::test]
async fn dlp_and_retention_templates_deploy_confirm_and_update_in_place() {
    let sim = Sim::start().await.unwrap();
    let targets = [Target::from_domain(TENANT)];
    let first = runner(&sim, library(false, false));

    let report = first
        .run(&[standards(&[DLP])], &targets, Mode::Report)
        .await;
    for (key, kind) in [
        (DLP, "DlpCompliancePolicy"),
        (RETENTION, "RetentionCompliancePolicy"),
    ] {
        let r = result(&report, key);
        assert_eq!(r.state, State::Drifted, "{key}: {r:?}");
        match &r.planned[..] {
            [Step::Template { template_kind, .. }] => assert_eq!(template_kind, kind),
            other => panic!("{other:?}"),
        }
    }
    assert!(
        objects(&sim, "DlpCompliancePolicy").is_empty(),
        "a report run wrote"
    );

    let report = first
        .run(&[standards(&[DLP])], &targets, Mode::Remediate)
        .await;
    for key in [DLP, RETENTION] {
        let r = result(&report, key);
        assert_eq!(r.state, State::Remediated, "{key}: {r:?}");
        assert!(r.remediation.as_ref().unwrap().confirmed);
    }
    let policies = objects(&sim, "DlpCompliancePolicy");
    assert_eq!(policies.len(), 1);
    assert_eq!(policies[0]["Name"], "Alpha patient data");
    assert_eq!(policies[0]["ExchangeLocation"], json!(["All"]));
    // Read-only properties of the template are not sent.
    assert!(policies[0].get("Workload").is_none(), "{}", policies[0]);
    let rules = objects(&sim, "DlpComplianceRule");
    assert_eq!(rules.len(), 1);
    assert_eq!(rules[0]["Name"], "Alpha patient data Rule");
    assert_eq!(rules[0]["ParentPolicyName"], "Alpha patient data");
    assert_eq!(rules[0]["BlockAccess"], false);
    let retention_rules = objects(&sim, "RetentionComplianceRule");
    assert_eq!(retention_rules[0]["Name"], "Seven years then delete");
    assert_eq!(
        retention_rules[0]["ParentPolicyName"],
        "Keep mail seven years"
    );
    // Nothing of this reached Exchange Online.
    assert!(sim
        .exchange_objects(TENANT, "DlpCompliancePolicy", false)
        .unwrap_or_default()
        .is_empty());

    let report = first
        .run(&[standards(&[DLP])], &targets, Mode::Report)
        .await;
    for key in [DLP, RETENTION] {
        assert_eq!(result(&report, key).state, State::Compliant, "{key}");
    }

    // The template changes: one more location, and the rule now blocks. The policy is
    // updated in place (the location added, never re-sent), the rule set.
    let updated = runner(&sim, library(true, true));
    let report = updated
        .run(&[standards(&[DLP])], &targets, Mode::Remediate)
        .await;
    let r = result(&report, DLP);
    assert_eq!(r.state, State::Remediated, "{r:?}");
    assert_eq!(result(&report, RETENTION).state, State::Compliant);
    let policies = objects(&sim, "DlpCompliancePolicy");
    assert_eq!(policies.len(), 1);
    assert_eq!(policies[0]["ExchangeLocation"], json!(["All"]));
    assert_eq!(policies[0]["SharePointLocation"], json!(["All"]));
    let rules = objects(&sim, "DlpComplianceRule");
    assert_eq!(rules.len(), 1);
    assert_eq!(rules[0]["BlockAccess"], true);
}

#[tokio::test]
async fn a_rule_name_of_another_policy_is_an_error_and_nothing_is_written() {
    let sim = Sim::start().await.unwrap();
    let targets = [Target::from_domain(TENANT)];
    let runner = runner(&sim, library(false, false));
    // The first policy takes the rule name; the second template names the same rule.
    let report = runner
        .run(&[standards(&[DLP])], &targets, Mode::Remediate)
        .await;
    assert_eq!(result(&report, DLP).state, State::Remediated);
    let report = runner
        .run(&[standards(&[CLASH])], &targets, Mode::Remediate)
        .await;
    let r = result(&report, CLASH);
    assert_ne!(r.state, State::Remediated, "{r:?}");
    let why = format!("{r:?}");
    assert!(why.contains("belongs to policy"), "{why}");
    let names: Vec<Value> = objects(&sim, "DlpCompliancePolicy")
        .iter()
        .map(|p| p["Name"].clone())
        .collect();
    assert_eq!(names, [json!("Alpha patient data")]);
    assert_eq!(objects(&sim, "DlpComplianceRule").len(), 1);
}
