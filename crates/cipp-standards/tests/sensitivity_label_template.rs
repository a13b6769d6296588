//! `SensitivityLabelTemplate` as CIPP's standards templates configure it, over real HTTP
//! against the simulator's Security & Compliance endpoint: the label and its label policy are
//! missing (drifted), a remediate run creates both and a fresh read confirms it, a second
//! report is compliant; a changed template sets the label's tooltip and adds a location and a
//! label to the policy in place, creating nothing twice; a sublabel finds its parent by name;
//! a template without a tooltip, and one whose parent the tenant lacks, are errors of their
//! result with nothing written.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;
use std::sync::Arc;
use support::result_by_key as result;

use cipp_sim::Sim;
use cipp_standards::{Mode, StandardsRunner, StandardsTemplate, State, Step, Target};
use cipp_templates::{Template, TemplateKind, TemplateLibrary};
use serde_json::{json, Value};

const TENANT: &str = "alphadental.com";
const CONFIDENTIAL: &str = "label-confidential";
const SUB: &str = "label-confidential-finance";
const NO_TOOLTIP: &str = "label-no-tooltip";
const ORPHAN: &str = "label-orphan";

/// The templates; with `changed` the confidential label has a new tooltip and its policy
/// also covers SharePoint and publishes the existing `General` label.
fn library(changed: bool) -> TemplateLibrary {
    let mut library = TemplateLibrary::new();
    let policy = if changed {
        json!({"Name": "Alpha labels", "Comment": "Published to everyone",
            "Labels": ["Confidential", "General"],
            "ExchangeLocation": "All", "SharePointLocation": [{"Name": "All"}]})
    } else {
        json!({"Name": "Alpha labels", "Comment": "Published to everyone",
            "ExchangeLocation": "All", "AdvancedSettings": {"requiredowngradejustification": "true"}})
    };
    for (guid, body) in [
        (
            CONFIDENTIAL,
            json!({"Name": "Confidential", "DisplayName": "Confidential",
                "Tooltip": if changed { "Internal data: do not share outside Alpha" } else { "Internal data" },
                "Comment": "Alpha's internal data", "ContentType": "File, Email",
                "Priority": 7, "Guid": "11111111-2222-3333-4444-555555555555",
                "ApplyWaterMarkingEnabled": true, "ApplyWaterMarkingText": "CONFIDENTIAL",
                "EncryptionEnabled": false, "PolicyParams": policy}),
        ),
        (
            SUB,
            json!({"Name": "Confidential Finance", "Tooltip": "Finance data",
                "ParentId": "99999999-0000-0000-0000-000000000000",
                "ParentLabelDisplayName": "General"}),
        ),
        (
            NO_TOOLTIP,
            json!({"Name": "Untipped", "DisplayName": "Untipped",
                "PolicyParams": {"ExchangeLocation": "All"}}),
        ),
        (
            ORPHAN,
            json!({"Name": "Orphan", "Tooltip": "Has no parent here",
                "ParentId": "99999999-0000-0000-0000-000000000000",
                "ParentLabelDisplayName": "Highly Confidential"}),
        ),
    ] {
        let mut t =
            Template::from_json(&body.to_string(), Some(TemplateKind::SensitivityLabel)).unwrap();
        t.guid = Some(guid.to_string());
        library.push(t);
    }
    library
}

fn objects(sim: &Sim, noun: &str) -> Vec<Value> {
    sim.exchange_objects(TENANT, noun, true).unwrap()
}

fn named(sim: &Sim, noun: &str, name: &str) -> Vec<Value> {
    objects(sim, noun)
        .into_iter()
        .filter(|r| r["Name"] == name)
        .collect()
}

fn runner(sim: &Sim, library: TemplateLibrary) -> StandardsRunner {
    StandardsRunner::builder(cipp_testkit::pipeline(sim).unwrap())
        .template_library(Arc::new(library))
        .build()
}

#[tokio::test]
async fn a_label_and_its_policy_deploy_confirm_and_update_in_place() {
    let sim = Sim::start().await.unwrap();
    let targets = [Target::from_domain(TENANT)];
    let first = runner(&sim, library(false));

    let report = first
        .run(&[standards(&[CONFIDENTIAL, SUB])], &targets, Mode::Report)
        .await;
    for key in [CONFIDENTIAL, SUB] {
        let r = result(&report, key);
        assert_eq!(r.state, State::Drifted, "{key}: {r:?}");
        match &r.planned[..] {
            [Step::Template { template_kind, .. }] => assert_eq!(template_kind, "SensitivityLabel"),
            other => panic!("{other:?}"),
        }
    }
    assert_eq!(objects(&sim, "Label").len(), 1, "a report run wrote");

    let report = first
        .run(
            &[standards(&[CONFIDENTIAL, SUB])],
            &targets,
            Mode::Remediate,
        )
        .await;
    for key in [CONFIDENTIAL, SUB] {
        let r = result(&report, key);
        assert_eq!(r.state, State::Remediated, "{key}: {r:?}");
        assert!(r.remediation.as_ref().unwrap().confirmed, "{key}: {r:?}");
    }
    let label = &named(&sim, "Label", "Confidential")[0];
    assert_eq!(label["Tooltip"], "Internal data");
    assert_eq!(label["ContentType"], "File, Email");
    // Settings the service folds into LabelActions went out with the creation.
    let actions = label["LabelActions"].to_string();
    assert!(actions.contains("CONFIDENTIAL"), "{label}");
    // The tenant-relative priority and the source tenant's GUID were not sent.
    assert_ne!(label["Priority"], 7, "{label}");
    assert_ne!(label["Guid"], "11111111-2222-3333-4444-555555555555");
    // The sublabel sits under this tenant's General label, found by name.
    let general = &named(&sim, "Label", "General")[0];
    let sub = &named(&sim, "Label", "Confidential Finance")[0];
    assert_eq!(sub["ParentId"], general["Guid"], "{sub}");
    assert_eq!(sub["DisplayName"], "Confidential Finance");
    let policies = objects(&sim, "LabelPolicy");
    assert_eq!(policies.len(), 1);
    assert_eq!(policies[0]["Name"], "Alpha labels");
    assert_eq!(policies[0]["Labels"], json!(["Confidential"]));
    assert_eq!(policies[0]["ExchangeLocation"], json!(["All"]));
    // Nothing of this reached Exchange Online.
    assert!(sim
        .exchange_objects(TENANT, "LabelPolicy", false)
        .unwrap_or_default()
        .is_empty());

    let report = first
        .run(&[standards(&[CONFIDENTIAL, SUB])], &targets, Mode::Report)
        .await;
    for key in [CONFIDENTIAL, SUB] {
        assert_eq!(result(&report, key).state, State::Compliant, "{key}");
    }

    // The template changes: a new tooltip, and the policy also covers SharePoint and
    // publishes General. The label is set, the policy gets what it lacks added.
    let updated = runner(&sim, library(true));
    let report = updated
        .run(&[standards(&[CONFIDENTIAL])], &targets, Mode::Report)
        .await;
    let r = result(&report, CONFIDENTIAL);
    assert_eq!(r.state, State::Drifted, "{r:?}");
    let why = format!("{r:?}");
    assert!(
        why.contains("Tooltip") && why.contains("SharePointLocation"),
        "{why}"
    );
    let report = updated
        .run(&[standards(&[CONFIDENTIAL])], &targets, Mode::Remediate)
        .await;
    let r = result(&report, CONFIDENTIAL);
    assert_eq!(r.state, State::Remediated, "{r:?}");
    assert!(r.remediation.as_ref().unwrap().confirmed, "{r:?}");
    assert_eq!(named(&sim, "Label", "Confidential").len(), 1);
    assert_eq!(
        named(&sim, "Label", "Confidential")[0]["Tooltip"],
        "Internal data: do not share outside Alpha"
    );
    let policies = objects(&sim, "LabelPolicy");
    assert_eq!(policies.len(), 1);
    assert_eq!(policies[0]["Labels"], json!(["Confidential", "General"]));
    assert_eq!(policies[0]["ExchangeLocation"], json!(["All"]));
    assert_eq!(policies[0]["SharePointLocation"], json!(["All"]));
    let report = updated
        .run(&[standards(&[CONFIDENTIAL])], &targets, Mode::Report)
        .await;
    assert_eq!(result(&report, CONFIDENTIAL).state, State::Compliant);
}

#[tokio::test]
async fn a_label_without_a_tooltip_or_a_parent_is_an_error_and_nothing_is_written() {
    let sim = Sim::start().await.unwrap();
    let targets = [Target::from_domain(TENANT)];
    let runner = runner(&sim, library(false));
    let report = runner
        .run(
            &[standards(&[NO_TOOLTIP, ORPHAN])],
            &targets,
            Mode::Remediate,
        )
        .await;
    let r = result(&report, NO_TOOLTIP);
    assert_ne!(r.state, State::Remediated, "{r:?}");
    let why = format!("{r:?}");
    assert!(why.contains("Tooltip") && why.contains("Untipped"), "{why}");
    let r = result(&report, ORPHAN);
    assert_ne!(r.state, State::Remediated, "{r:?}");
    let why = format!("{r:?}");
    assert!(
        why.contains("Highly Confidential") && why.contains("ParentId"),
        "{why}"
    );
    assert_eq!(
        objects(&sim, "Label").len(),
        1,
        "only the seeded General label"
    );
    assert!(objects(&sim, "LabelPolicy").is_empty());
}

#[test]
fn a_template_without_a_name_is_refused_where_it_is_read() {
    let err = Template::from_json(
        r#"{"Tooltip": "no name", "PolicyParams": {"ExchangeLocation": "All"}}"#,
        Some(TemplateKind::SensitivityLabel),
    )
    .unwrap_err();
    let text = err.to_string();
    assert!(text.contains("Name") && text.contains("no name"), "{text}");
}

fn standards(picks: &[&str]) -> StandardsTemplate {
    support::list_template(
        TENANT,
        "SensitivityLabelTemplate",
        "sensitivityLabelTemplate",
        picks,
    )
}
