//! PhishProtection on the simulator: the branding CSS is read and written as text, the rest
//! of the sheet survives, the broken rule goes, and a second run writes nothing.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use cipp_graph::GraphClient;
use cipp_sim::Sim;
use cipp_snapshot::{Collector, LICENCE_TYPE};
use cipp_standards::code;
use cipp_standards::{apply, Outcome, Target};
use serde_json::json;

const TENANT: &str = "alphadental.com";
const TENANT_ID: &str = "1f3c7e2a-8b14-4a6e-9d21-6c0f5e8a9b11";

#[tokio::test]
async fn the_rule_is_added_and_the_rest_of_the_sheet_kept() {
    let sim = Sim::start().await.unwrap();
    let pipeline = cipp_testkit::pipeline(&sim).unwrap();
    let collector = Collector::new(pipeline.clone());
    let standard = code::find("PhishProtection").unwrap();
    let ctx = Target::managed(TENANT_ID, TENANT, None, None, std::iter::empty::<String>()).context;
    let settings = json!({"CIPPUrl": "cipp.alphadental.com"})
        .as_object()
        .cloned()
        .unwrap();
    let types = ["BrandingCustomCss", LICENCE_TYPE];

    let before = collector.collect(TENANT, &types).await.unwrap();
    let first = code::assess(standard, &code::Input::new(&settings, &before, &ctx)).unwrap();
    assert!(
        matches!(first.outcome, Outcome::Drifted { .. }),
        "{first:?}"
    );
    let errors: Vec<_> = apply(&pipeline, TENANT, &first.steps)
        .await
        .into_iter()
        .filter_map(|o| o.error)
        .collect();
    assert!(errors.is_empty(), "{errors:?}");

    let graph = GraphClient::new(pipeline.clone(), TENANT).beta();
    let css = graph
        .get(&format!(
            "organization/{TENANT_ID}/branding/localizations/0/customCSS"
        ))
        .await
        .unwrap();
    let css = css.as_str().unwrap();
    assert!(
        css.contains(".ext-footer {\n    background-color: #0a6ebd;\n}"),
        "{css}"
    );
    assert!(!css.contains("&URL=)"), "the broken rule is gone: {css}");
    assert_eq!(
        css.matches("Tenantid=alphadental.com&URL=https://cipp.alphadental.com);")
            .count(),
        1,
        "{css}"
    );

    let after = collector.collect(TENANT, &types).await.unwrap();
    let second = code::assess(standard, &code::Input::new(&settings, &after, &ctx)).unwrap();
    assert!(
        matches!(second.outcome, Outcome::Compliant { .. }),
        "{second:?}"
    );
    assert!(second.steps.is_empty());
}
