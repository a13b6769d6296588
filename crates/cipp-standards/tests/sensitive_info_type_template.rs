//! `SensitiveInfoTypeTemplate` as CIPP's standards templates configure it, over real HTTP
//! against the simulator's Security & Compliance endpoint: a custom type is missing (drifted),
//! a remediate run uploads its rule package and a fresh read confirms it, a second report is
//! compliant; a changed pattern and confidence replace the package in place, the type keeping
//! its id; a template given as a whole rule package deploys too; a template with neither a
//! pattern nor a package, and one named as a built-in type, are errors of their result with
//! nothing written.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;
use std::sync::Arc;
use support::result_by_key as result;

use base64::Engine;
use cipp_sim::Sim;
use cipp_standards::{Mode, StandardsRunner, StandardsTemplate, State, Step, Target};
use cipp_templates::{Template, TemplateKind, TemplateLibrary};
use serde_json::{json, Value};

const TENANT: &str = "alphadental.com";
const PATIENT: &str = "sit-patient-number";
const PACKAGED: &str = "sit-staff-number";
const EMPTY: &str = "sit-no-pattern";
const BUILTIN: &str = "sit-builtin";

const STAFF_PACKAGE: &str = r#"<?xml version="1.0" encoding="utf-8"?>
<RulePackage xmlns="http://schemas.microsoft.com/office/2011/mce">
  <RulePack id="5b0e3f1a-7c2d-4e8f-9a61-0d3c2b1e4f5a">
    <Version major="1" minor="0" build="0" revision="0"/>
    <Publisher id="8d2f1c3b-4a5e-4b6c-9d7e-1f2a3b4c5d6e"/>
    <Details defaultLangCode="en-us">
      <LocalizedDetails langcode="en-us">
        <PublisherName>Alpha Dental</PublisherName>
        <Name>Alpha staff</Name>
        <Description>Staff identifiers</Description>
      </LocalizedDetails>
    </Details>
  </RulePack>
  <Rules>
    <Entity id="2e6f0a9b-3c4d-4e5f-8a7b-9c0d1e2f3a4b" patternsProximity="150" recommendedConfidence="75">
      <Pattern confidenceLevel="75">
        <IdMatch idRef="StaffRegex"/>
        <Match idRef="StaffWords"/>
      </Pattern>
    </Entity>
    <Regex id="StaffRegex">\bAD-S\d{5}\b</Regex>
    <Keyword id="StaffWords">
      <Group matchStyle="word"><Term>staff</Term><Term>employee</Term></Group>
    </Keyword>
    <LocalizedStrings>
      <Resource idRef="2e6f0a9b-3c4d-4e5f-8a7b-9c0d1e2f3a4b">
        <Name default="true" langcode="en-us">Alpha staff number</Name>
        <Description default="true" langcode="en-us">Alpha Dental staff numbers</Description>
      </Resource>
    </LocalizedStrings>
  </Rules>
</RulePackage>
"#;

/// The templates; with `changed` the patient number pattern is stricter and its confidence
/// higher.
fn library(changed: bool) -> TemplateLibrary {
    let mut library = TemplateLibrary::new();
    let packaged = base64::engine::general_purpose::STANDARD.encode(
        STAFF_PACKAGE
            .encode_utf16()
            .flat_map(u16::to_le_bytes)
            .collect::<Vec<u8>>(),
    );
    for (guid, body) in [
        (
            PATIENT,
            json!({"Name": "Alpha patient number", "Description": "Patient record numbers",
                "Pattern": if changed { r"\bAP-\d{8}\b" } else { r"\bAP-\d{6}\b" },
                "Confidence": if changed { 85 } else { 75 }, "Locale": "en-US"}),
        ),
        (
            PACKAGED,
            json!({"Name": "Alpha staff number", "FileDataBase64": packaged}),
        ),
        (
            EMPTY,
            json!({"Name": "Alpha nothing", "Description": "no pattern"}),
        ),
        (
            BUILTIN,
            json!({"Name": "Credit Card Number", "Pattern": r"\d{16}"}),
        ),
    ] {
        let mut t =
            Template::from_json(&body.to_string(), Some(TemplateKind::SensitiveInfoType)).unwrap();
        t.guid = Some(guid.to_string());
        library.push(t);
    }
    library
}

fn objects(sim: &Sim, noun: &str) -> Vec<Value> {
    sim.exchange_objects(TENANT, noun, true).unwrap()
}

fn sit(sim: &Sim, name: &str) -> Option<Value> {
    objects(sim, "DlpSensitiveInformationType")
        .into_iter()
        .find(|r| r["Name"] == name)
}

fn runner(sim: &Sim, library: TemplateLibrary) -> StandardsRunner {
    StandardsRunner::builder(cipp_testkit::pipeline(sim).unwrap())
        .template_library(Arc::new(library))
        .build()
}

#[tokio::test]
async fn custom_types_deploy_confirm_and_update_in_place() {
    let sim = Sim::start().await.unwrap();
    let targets = [Target::from_domain(TENANT)];
    let first = runner(&sim, library(false));
    let picks = [PATIENT, PACKAGED];

    let report = first
        .run(&[standards(&picks)], &targets, Mode::Report)
        .await;
    for key in picks {
        let r = result(&report, key);
        assert_eq!(r.state, State::Drifted, "{key}: {r:?}");
        match &r.planned[..] {
            [Step::Template { template_kind, .. }] => {
                assert_eq!(template_kind, "SensitiveInfoType")
            }
            other => panic!("{other:?}"),
        }
    }
    assert!(objects(&sim, "DlpSensitiveInformationTypeRulePackage").is_empty());

    let report = first
        .run(&[standards(&picks)], &targets, Mode::Remediate)
        .await;
    for key in picks {
        let r = result(&report, key);
        assert_eq!(r.state, State::Remediated, "{key}: {r:?}");
        assert!(r.remediation.as_ref().unwrap().confirmed, "{key}: {r:?}");
    }
    let patient = sit(&sim, "Alpha patient number").unwrap();
    assert_eq!(patient["Publisher"], "CIPP");
    assert_eq!(patient["Description"], "Patient record numbers");
    assert_eq!(patient["RecommendedConfidence"], 75);
    let staff = sit(&sim, "Alpha staff number").unwrap();
    assert_eq!(staff["RulePackId"], "5b0e3f1a-7c2d-4e8f-9a61-0d3c2b1e4f5a");
    assert_eq!(
        objects(&sim, "DlpSensitiveInformationTypeRulePackage").len(),
        2
    );

    let report = first
        .run(&[standards(&picks)], &targets, Mode::Report)
        .await;
    for key in picks {
        assert_eq!(result(&report, key).state, State::Compliant, "{key}");
    }

    // The pattern and confidence change: the package is replaced, the type keeps its ids.
    let updated = runner(&sim, library(true));
    let report = updated
        .run(&[standards(&[PATIENT])], &targets, Mode::Report)
        .await;
    let r = result(&report, PATIENT);
    assert_eq!(r.state, State::Drifted, "{r:?}");
    let why = format!("{r:?}");
    assert!(
        why.contains("patterns") && why.contains("confidence"),
        "{why}"
    );
    let report = updated
        .run(&[standards(&[PATIENT])], &targets, Mode::Remediate)
        .await;
    let r = result(&report, PATIENT);
    assert_eq!(r.state, State::Remediated, "{r:?}");
    assert!(r.remediation.as_ref().unwrap().confirmed, "{r:?}");
    let after = sit(&sim, "Alpha patient number").unwrap();
    assert_eq!(after["Id"], patient["Id"]);
    assert_eq!(after["RulePackId"], patient["RulePackId"]);
    assert_eq!(after["RecommendedConfidence"], 85);
    let packages = objects(&sim, "DlpSensitiveInformationTypeRulePackage");
    assert_eq!(packages.len(), 2);
    assert!(packages.iter().any(|p| p["ClassificationRuleCollectionXml"]
        .as_str()
        .unwrap()
        .contains(r"\bAP-\d{8}\b")));
    let report = updated
        .run(&[standards(&[PATIENT])], &targets, Mode::Report)
        .await;
    assert_eq!(result(&report, PATIENT).state, State::Compliant);
}

#[tokio::test]
async fn a_template_without_a_pattern_or_named_as_a_built_in_is_an_error() {
    let sim = Sim::start().await.unwrap();
    let targets = [Target::from_domain(TENANT)];
    let runner = runner(&sim, library(false));
    let before = objects(&sim, "DlpSensitiveInformationType").len();
    let report = runner
        .run(&[standards(&[EMPTY, BUILTIN])], &targets, Mode::Remediate)
        .await;
    let r = result(&report, EMPTY);
    assert_ne!(r.state, State::Remediated, "{r:?}");
    let why = format!("{r:?}");
    assert!(
        why.contains("Pattern") && why.contains("Alpha nothing"),
        "{why}"
    );
    let r = result(&report, BUILTIN);
    assert_ne!(r.state, State::Remediated, "{r:?}");
    let why = format!("{r:?}");
    assert!(why.contains("built-in"), "{why}");
    assert!(objects(&sim, "DlpSensitiveInformationTypeRulePackage").is_empty());
    assert_eq!(objects(&sim, "DlpSensitiveInformationType").len(), before);
}

#[test]
fn a_template_without_a_name_is_refused_where_it_is_read() {
    let err = Template::from_json(
        r#"{"Pattern": "\\d+", "Description": "no name"}"#,
        Some(TemplateKind::SensitiveInfoType),
    )
    .unwrap_err();
    let text = err.to_string();
    assert!(text.contains("Name") && text.contains("no name"), "{text}");
}

fn standards(picks: &[&str]) -> StandardsTemplate {
    support::list_template(
        TENANT,
        "SensitiveInfoTypeTemplate",
        "sensitiveInfoTypeTemplate",
        picks,
    )
}
