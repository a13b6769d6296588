//! Drifted -> remediated -> compliant, on the simulator, for our own definitions of the
//! declarative classic standards CIPP ships no definition for (`catalogue/`). The same loop as
//! `remediate.rs`: default settings; where the seed already matches them, other allowed
//! settings; then plan, apply, collect again and evaluate.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeSet;

use cipp_sim::Sim;
use cipp_snapshot::Collector;
use cipp_standards::{apply, evaluate, plan, CompareOptions, Definition, Outcome, TenantContext};
use serde_json::{json, Map, Value};

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
async fn classic_catalogue_remediates_and_confirms() {
    let defs = Definition::load_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/catalogue")).unwrap();
    let sim = Sim::start().await.unwrap();
    let pipeline = cipp_testkit::pipeline(&sim).unwrap();
    let collector = Collector::new(pipeline.clone());
    let tenant = "alphadental.com";
    // Default enrollment configurations are named after the tenant id (`%tenantid%`).
    let mut ctx = TenantContext::for_domain(tenant);
    ctx.tenant_id = sim
        .tenants()
        .into_iter()
        .find(|t| t.domains.iter().any(|d| d == tenant))
        .map(|t| t.id);
    let types: Vec<String> = defs
        .iter()
        .filter_map(|d| d.read.as_ref().map(|r| r.cache_type.clone()))
        .chain(["SubscribedSkus".to_string()])
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let names: Vec<&str> = types.iter().map(String::as_str).collect();

    let mut remediated = Vec::new();
    let mut failed = Vec::new();
    for def in &defs {
        let before = collector.collect(tenant, &names).await.unwrap();
        let mut settings = Map::new();
        let mut e = evaluate(def, &settings, &before, &ctx, CompareOptions::default()).unwrap();
        if e.is_compliant() {
            if let Some(other) = alternative(def) {
                settings = other;
                e = evaluate(def, &settings, &before, &ctx, CompareOptions::default()).unwrap();
            }
        }
        if !matches!(e.outcome, Outcome::Drifted { .. }) {
            failed.push(format!("{}: never drifted: {:?}", def.name, e.outcome));
            continue;
        }
        let steps = plan(def, &settings, &ctx).unwrap().unwrap();
        let outcomes = apply(&pipeline, tenant, &steps).await;
        let errors: Vec<String> = outcomes.iter().filter_map(|o| o.error.clone()).collect();
        let after = collector.collect(tenant, &names).await.unwrap();
        let e = evaluate(def, &settings, &after, &ctx, CompareOptions::default()).unwrap();
        if e.is_compliant() {
            remediated.push(def.name.clone());
        } else {
            failed.push(format!("{}: {errors:?} {:?}", def.name, e.outcome));
        }
    }
    assert!(failed.is_empty(), "{failed:#?}");
    assert_eq!(remediated.len(), defs.len(), "{remediated:?}");
}
