//! Drifted -> remediated -> compliant, for CIPP's declarative standards, on the simulator.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeSet;

use cipp_sim::Sim;
use cipp_snapshot::Collector;
use cipp_standards::{apply, evaluate, plan, CompareOptions, Definition, Outcome, TenantContext};
use serde_json::{json, Map, Value};

fn definitions_dir() -> String {
    concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/cipp-data/BaselineStandards"
    )
    .to_string()
}

/// Settings that make the standard want something the seeded tenant does not have, so each
/// run starts drifted (defaults where they already differ).
fn settings_for(def: &Definition) -> Map<String, Value> {
    let mut s = Map::new();
    match def.name.as_str() {
        "sharingCapability" => {
            s.insert("sharingCapability".into(), json!(1));
        }
        // The alert needs somewhere to go; its default is no one.
        "OutBoundSpamAlert" => {
            s.insert(
                "OutboundSpamContact".into(),
                json!("secops@alphadental.com"),
            );
        }
        _ => {}
    }
    s
}

/// Settings that differ from the defaults: a flipped switch, another option, another number.
fn alternative(def: &Definition) -> Option<Map<String, Value>> {
    let mut out = Map::new();
    for (name, var) in &def.variables {
        let default = var.default.clone()?;
        let other = match var.kind.as_str() {
            "switch" => json!(!default.as_bool()?),
            "number" => json!(default.as_i64()? + 1),
            _ => var
                .options
                .iter()
                .filter_map(|o| o.get("value").cloned())
                .find(|v| *v != default)?,
        };
        out.insert(name.clone(), other);
    }
    (!out.is_empty()).then_some(out)
}

#[tokio::test]
async fn declarative_standards_remediate_and_confirm() {
    let defs = Definition::load_dir(definitions_dir()).unwrap();
    let sim = Sim::start().await.unwrap();
    let pipeline = cipp_testkit::pipeline(&sim).unwrap();
    let collector = Collector::new(pipeline.clone());
    let tenant = "alphadental.com";
    let ctx = TenantContext::for_domain(tenant);
    let types: Vec<String> = defs
        .iter()
        .filter_map(|d| d.read.as_ref().map(|r| r.cache_type.clone()))
        .filter(|t| !matches!(t.as_str(), "ActivityBasedTimeoutPolicy" | "IntunePolicies"))
        .chain(["SubscribedSkus".to_string()])
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let names: Vec<&str> = types.iter().map(String::as_str).collect();

    let mut remediated = Vec::new();
    let mut failed = Vec::new();
    let mut already = Vec::new();
    for def in &defs {
        let mut settings = settings_for(def);
        let before = collector.collect(tenant, &names).await.unwrap();
        let mut e = evaluate(def, &settings, &before, &ctx, CompareOptions::default()).unwrap();
        if e.is_compliant() {
            // The seed already matches the defaults: ask for another allowed value instead.
            match alternative(def) {
                Some(other) => {
                    settings = other;
                    e = evaluate(def, &settings, &before, &ctx, CompareOptions::default()).unwrap();
                }
                None => {
                    already.push(def.name.clone());
                    continue;
                }
            }
        }
        if !matches!(e.outcome, Outcome::Drifted { .. }) {
            continue;
        }
        let Some(steps) = plan(def, &settings, &ctx).unwrap() else {
            continue;
        };
        let outcomes = apply(&pipeline, tenant, &steps).await;
        let errors: Vec<String> = outcomes.iter().filter_map(|o| o.error.clone()).collect();
        let after = collector.collect(tenant, &names).await.unwrap();
        let e = evaluate(def, &settings, &after, &ctx, CompareOptions::default()).unwrap();
        if e.is_compliant() {
            remediated.push(def.name.clone());
        } else {
            failed.push(format!("{}: {:?} {:?}", def.name, errors, e.outcome));
        }
    }
    assert!(failed.is_empty(), "{failed:#?}");
    // Every declarative standard with an executor starts drifted (with its defaults, or with
    // other allowed settings where the seed already matches the defaults), is remediated and is
    // confirmed compliant by a fresh collection. EnableFIDO2 has no settings and the seed
    // already has FIDO2 on.
    assert_eq!(remediated.len(), 71, "{remediated:?}");
    assert_eq!(already, ["EnableFIDO2"]);
}
