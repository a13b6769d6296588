//! The list-shaped template standards (TransportRuleTemplate, GroupTemplate) as CIPP's standards
//! templates configure them: one settings object naming several templates. Each template is its
//! own result: missing (drifted) in report mode, deployed by a remediate run (transport rules
//! through Exchange; security groups through Graph, distribution lists through Exchange) and
//! confirmed, then compliant; a template of the wrong kind is an error of that result alone.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::sync::Arc;

use cipp_sim::Sim;
use cipp_standards::{Mode, RunReport, StandardsRunner, StandardsTemplate, State, Step, Target};
use cipp_templates::{Template, TemplateKind, TemplateLibrary};
use serde_json::json;

const READ_RECEIPTS: &str = "4ec40975-c530-44d1-be9e-12f90cac6e95";
const AUTO_FORWARD: &str = "adf9f6d1-36fb-438b-a82b-71f3af402b6c";
const SECURITY_GROUP: &str = "grp-security";
const DISTRIBUTION_LIST: &str = "grp-distribution";

fn library() -> TemplateLibrary {
    let mut library = TemplateLibrary::load(support::shared("cipp-data/templates")).unwrap();
    for (guid, body) in [
        (
            SECURITY_GROUP,
            r#"{"displayName": "Standards Helpdesk", "description": "Helpdesk staff", "groupType": "generic", "username": "standardshelpdesk"}"#,
        ),
        (
            DISTRIBUTION_LIST,
            r#"{"displayName": "Standards Reception", "groupType": "distribution", "username": "reception@%tenantfilter%"}"#,
        ),
    ] {
        let mut t = Template::from_json(body, Some(TemplateKind::Group)).unwrap();
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
                "TransportRuleTemplate": {
                    "action": [{"label": "Remediate", "value": "Remediate"}],
                    "transportRuleTemplate": [
                        {"label": "Block sending read receipt responses", "value": READ_RECEIPTS},
                        {"label": "Block External Auto-forwarding", "value": AUTO_FORWARD}
                    ]
                },
                "GroupTemplate": {
                    "action": [{"label": "Remediate", "value": "Remediate"}],
                    "groupTemplate": [
                        {"label": "Standards Helpdesk", "value": SECURITY_GROUP},
                        {"label": "Standards Reception", "value": DISTRIBUTION_LIST},
                        {"label": "A transport rule by mistake", "value": READ_RECEIPTS}
                    ]
                }
            }
        }),
        "template.json",
    )
    .unwrap()
}

fn result<'a>(
    report: &'a RunReport,
    standard: &str,
    key: &str,
) -> &'a cipp_standards::StandardResult {
    report.tenants[0]
        .results
        .iter()
        .find(|r| r.standard == standard && r.key == key)
        .unwrap_or_else(|| panic!("no {standard} {key}: {:?}", report.tenants[0].results))
}

const DEPLOYED: [(&str, &str); 4] = [
    ("TransportRuleTemplate", READ_RECEIPTS),
    ("TransportRuleTemplate", AUTO_FORWARD),
    ("GroupTemplate", SECURITY_GROUP),
    ("GroupTemplate", DISTRIBUTION_LIST),
];

#[tokio::test]
async fn transport_rule_and_group_templates_deploy_and_confirm() {
    let sim = Sim::start().await.unwrap();
    let runner = StandardsRunner::builder(cipp_testkit::pipeline(&sim).unwrap())
        .template_library(Arc::new(library()))
        .build();
    let alpha = [Target::from_domain("alphadental.com")];

    let before = runner.run(&[template()], &alpha, Mode::Report).await;
    for (standard, key) in DEPLOYED {
        let r = result(&before, standard, key);
        assert_eq!(r.state, State::Drifted, "{r:?}");
        assert!(matches!(r.planned[0], Step::Template { .. }), "{r:?}");
    }
    let Step::Template {
        name,
        template_kind,
        ..
    } = &result(&before, "TransportRuleTemplate", AUTO_FORWARD).planned[0]
    else {
        unreachable!()
    };
    assert_eq!(name, "Block External Auto-forwarding");
    assert_eq!(template_kind, "TransportRule");
    let wrong = result(&before, "GroupTemplate", READ_RECEIPTS);
    assert_eq!(wrong.state, State::Error);
    assert!(
        wrong.error.as_deref().unwrap().contains("TransportRule"),
        "{wrong:?}"
    );
    assert_eq!(before.tenants[0].writes, 0);

    let fixed = runner.run(&[template()], &alpha, Mode::Remediate).await;
    for (standard, key) in DEPLOYED {
        let r = result(&fixed, standard, key);
        assert_eq!(r.state, State::Remediated, "{r:?}");
        assert!(r.remediation.as_ref().unwrap().confirmed, "{r:?}");
    }
    let rules = sim
        .exchange_objects("alphadental.com", "TransportRule", false)
        .unwrap();
    for name in [
        "Block sending read receipt responses",
        "Block External Auto-forwarding",
    ] {
        assert!(
            rules.iter().any(|r| r["Identity"] == name),
            "{name} not in {rules:?}"
        );
    }
    let groups =
        cipp_graph::GraphClient::new(cipp_testkit::pipeline(&sim).unwrap(), "alphadental.com")
            .list_json("groups")
            .collect_all()
            .await
            .unwrap();
    for name in ["Standards Helpdesk", "Standards Reception"] {
        assert!(groups.iter().any(|g| g["displayName"] == name), "{name}");
    }

    let after = runner.run(&[template()], &alpha, Mode::Report).await;
    for (standard, key) in DEPLOYED {
        let r = result(&after, standard, key);
        assert_eq!(r.state, State::Compliant, "{r:?}");
    }
    // A second remediate run has nothing to write for the deployed templates.
    sim.clear_requests();
    let again = runner.run(&[template()], &alpha, Mode::Remediate).await;
    for (standard, key) in DEPLOYED {
        assert_eq!(result(&again, standard, key).state, State::Compliant);
    }
    assert_eq!(again.tenants[0].writes, 0);
}
