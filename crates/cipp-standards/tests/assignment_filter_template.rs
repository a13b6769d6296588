//! AssignmentFilterTemplate as CIPP's standards templates configure it: one settings object
//! naming stored assignment filter templates. A filter the tenant lacks is drifted in report
//! mode and created by a remediate run; a filter of the same name with another rule gets a
//! `PATCH` of the rule alone; both are confirmed by a fresh read and compliant afterwards, and
//! a second remediate run writes nothing.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;
use std::sync::Arc;
use support::result_by_key as result;

use cipp_sim::Sim;
use cipp_standards::{Mode, StandardsRunner, StandardsTemplate, State, Step, Target};
use cipp_templates::{Template, TemplateKind, TemplateLibrary};
use serde_json::{json, Value};

const DELL: &str = "5b0a7d0e-1f1c-4a8e-9a43-0e9f2d6c1a01";
const KIOSKS: &str = "5b0a7d0e-1f1c-4a8e-9a43-0e9f2d6c1a02";
const TENANT: &str = "alphadental.com";
const FILTERS: &str = "deviceManagement/assignmentFilters";

fn library() -> TemplateLibrary {
    let mut library = TemplateLibrary::default();
    for (guid, body) in [
        (
            DELL,
            json!({"displayName": "Dell laptops", "description": "Dell hardware",
                   "platform": "windows10AndLater", "rule": "(device.manufacturer -eq \"Dell\")",
                   "assignmentFilterManagementType": "devices"}),
        ),
        (
            KIOSKS,
            json!({"displayName": "Reception kiosks", "platform": "windows10AndLater",
                   "rule": "(device.deviceName -startsWith \"KIOSK\")"}),
        ),
    ] {
        let mut t =
            Template::from_json(&body.to_string(), Some(TemplateKind::AssignmentFilter)).unwrap();
        t.guid = Some(guid.to_string());
        library.push(t);
    }
    library
}

fn template() -> StandardsTemplate {
    StandardsTemplate::from_value(
        &json!({
            "GUID": "tpl", "tenantFilter": [{"value": "AllTenants"}],
            "standards": {
                "AssignmentFilterTemplate": {
                    "action": [{"label": "Remediate", "value": "Remediate"}],
                    "assignmentFilterTemplate": [
                        {"label": "Dell laptops", "value": DELL},
                        {"label": "Reception kiosks", "value": KIOSKS}
                    ]
                }
            }
        }),
        "template.json",
    )
    .unwrap()
}

fn filter_writes(sim: &Sim) -> Vec<String> {
    sim.requests()
        .into_iter()
        .filter(|r| r.method != "GET" && r.path.contains("assignmentFilters"))
        .map(|r| format!("{} {}", r.method, r.path))
        .collect()
}

#[tokio::test]
async fn assignment_filter_templates_create_update_and_confirm() {
    let sim = Sim::start().await.unwrap();
    let pipeline = cipp_testkit::pipeline(&sim).unwrap();
    let graph = cipp_graph::GraphClient::new(pipeline.clone(), TENANT).beta();
    // The kiosk filter exists under the template's name, with an older rule.
    let existing = graph
        .post(
            FILTERS,
            &json!({"displayName": "Reception kiosks", "description": "",
                    "platform": "windows10AndLater", "rule": "(device.deviceName -startsWith \"FRONT\")",
                    "assignmentFilterManagementType": "devices"}),
        )
        .await
        .unwrap();
    sim.clear_requests();
    let runner = StandardsRunner::builder(pipeline)
        .template_library(Arc::new(library()))
        .build();
    let alpha = [Target::from_domain(TENANT)];

    let before = runner.run(&[template()], &alpha, Mode::Report).await;
    for key in [DELL, KIOSKS] {
        let r = result(&before, key);
        assert_eq!(r.state, State::Drifted, "{r:?}");
        assert!(matches!(r.planned[0], Step::Template { .. }), "{r:?}");
    }
    assert!(filter_writes(&sim).is_empty());

    let fixed = runner.run(&[template()], &alpha, Mode::Remediate).await;
    for key in [DELL, KIOSKS] {
        let r = result(&fixed, key);
        assert_eq!(r.state, State::Remediated, "{r:?}");
        assert!(r.remediation.as_ref().unwrap().confirmed, "{r:?}");
    }
    let id = existing["id"].as_str().unwrap();
    let mut writes = filter_writes(&sim);
    writes.sort();
    assert_eq!(
        writes,
        [
            format!("PATCH /graph/beta/{FILTERS}/{id}"),
            format!("POST /graph/beta/{FILTERS}"),
        ]
    );
    let filters: Vec<Value> = graph.list_json(FILTERS).collect_all().await.unwrap();
    assert_eq!(filters.len(), 2, "{filters:?}");
    let kiosk = filters.iter().find(|f| f["id"] == id).unwrap();
    assert_eq!(kiosk["rule"], "(device.deviceName -startsWith \"KIOSK\")");
    let dell = filters
        .iter()
        .find(|f| f["displayName"] == "Dell laptops")
        .unwrap();
    assert_eq!(dell["platform"], "windows10AndLater");

    let after = runner.run(&[template()], &alpha, Mode::Remediate).await;
    for key in [DELL, KIOSKS] {
        assert_eq!(result(&after, key).state, State::Compliant);
    }
    assert_eq!(after.tenants[0].writes, 0);
}
