//! CIPP's own definition files: every one loads, and every declarative one evaluates over a
//! simulated tenant's snapshot.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::collections::BTreeSet;

use cipp_sim::Sim;
use cipp_snapshot::Collector;
use cipp_standards::{
    evaluate, CompareOptions, Definition, Outcome, StandardsError, TenantContext,
};
use serde_json::{json, Map};

#[test]
fn every_cipp_definition_loads() {
    let defs = Definition::load_dir(support::cipp_definitions_dir()).unwrap();
    assert_eq!(defs.len(), 79);
    let executors: BTreeSet<&str> = defs.iter().filter_map(|d| d.executor()).collect();
    assert_eq!(
        executors,
        [
            "CATemplate",
            "ExoRequest",
            "GraphRequest",
            "IntuneTemplate",
            "SPOTenant",
            "TeamsRequest"
        ]
        .into_iter()
        .collect()
    );
    // Unknown fields are kept, not lost.
    let sms = defs.iter().find(|d| d.name == "DisableSMS").unwrap();
    assert!(sms.extra.contains_key("executiveText"));
    assert_eq!(
        sms.read.as_ref().unwrap().array.as_deref(),
        Some("authenticationMethodConfigurations")
    );
}

#[test]
fn malformed_definitions_name_the_file_and_path() {
    let e = Definition::from_json(
        r#"{"name": "X", "variables": {"a": {"label": "no type"}}}"#,
        "x.json",
    )
    .unwrap_err();
    match e {
        StandardsError::Definition { file, path, .. } => {
            assert_eq!(file, "x.json");
            assert_eq!(path, "variables.a");
        }
        other => panic!("{other:?}"),
    }
    let dir = std::env::temp_dir().join(format!("cipp-defs-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("Other.json"), r#"{"name": "Mismatch"}"#).unwrap();
    let e = Definition::load_dir(&dir).unwrap_err();
    assert!(
        e.to_string().contains("Other.json") && e.to_string().contains("Mismatch"),
        "{e}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[tokio::test]
async fn declarative_definitions_evaluate_over_a_simulated_tenant() {
    let defs = Definition::load_dir(support::cipp_definitions_dir()).unwrap();
    let sim = Sim::start().await.unwrap();
    let mut types: BTreeSet<String> = defs
        .iter()
        .filter_map(|d| d.read.as_ref().map(|r| r.cache_type.clone()))
        .collect();
    // Types no collector reads (CIPP has none either) or that are template umbrellas.
    for skip in ["ActivityBasedTimeoutPolicy", "IntunePolicies"] {
        types.remove(skip);
    }
    types.insert("SubscribedSkus".into());
    let names: Vec<&str> = types.iter().map(String::as_str).collect();
    let collector = Collector::new(cipp_testkit::pipeline(&sim).unwrap());
    let snap = collector.collect("alphadental.com", &names).await.unwrap();
    assert_eq!(
        snap.failures().count(),
        0,
        "{:?}",
        snap.failures().collect::<Vec<_>>()
    );

    let tenant = TenantContext::for_domain("alphadental.com");
    let mut decided = 0;
    let mut no_data = Vec::new();
    for def in &defs {
        // The two settings without defaults (a picker the user must fill).
        let mut settings = Map::new();
        if def.name == "sharingCapability" {
            settings.insert("sharingCapability".into(), json!(1));
        }
        match evaluate(def, &settings, &snap, &tenant, CompareOptions::default()) {
            Ok(e) => match e.outcome {
                Outcome::Compliant { .. } | Outcome::Drifted { .. } => decided += 1,
                Outcome::NoData { cache_type, reason } => {
                    no_data.push(format!("{}: {cache_type} {reason}", def.name))
                }
                _ => {}
            },
            Err(StandardsError::Unresolved { standard, tokens }) => {
                panic!("{standard}: {tokens} left unfilled with defaults")
            }
            Err(e) => panic!("{}: {e}", def.name),
        }
    }
    // Every declarative standard reaches a verdict (the seed holds every authentication
    // method configuration CIPP's definitions read, QR code PIN and hardware OATH included).
    assert_eq!(decided, 72, "no data: {no_data:#?}");
    assert!(no_data.is_empty(), "{no_data:#?}");
}
