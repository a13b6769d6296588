//! ReusableSettingsTemplate as CIPP's standards templates configure it: stored reusable
//! policy setting templates, each its own result. A setting the tenant lacks is drifted in
//! report mode and created by a remediate run; a setting of the same name whose instance
//! differs is replaced (`PUT`); both are confirmed by a fresh read and compliant afterwards.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;
use std::sync::Arc;
use support::result_by_key as result;

use cipp_sim::Sim;
use cipp_standards::{Mode, StandardsRunner, StandardsTemplate, State, Target};
use cipp_templates::{Template, TemplateKind, TemplateLibrary};
use serde_json::{json, Value};

const USB: &str = "7c2e1d4f-2a3b-4c5d-8e6f-0a1b2c3d4e01";
const FIREWALL: &str = "7c2e1d4f-2a3b-4c5d-8e6f-0a1b2c3d4e02";
const TENANT: &str = "alphadental.com";
const SETTINGS: &str = "deviceManagement/reusablePolicySettings";
const USB_DEFINITION: &str =
    "device_vendor_msft_defender_configuration_devicecontrol_policygroups_{groupid}_groupdata";

fn usb_instance(vendor: &str) -> Value {
    json!({
        "@odata.type": "#microsoft.graph.deviceManagementConfigurationGroupSettingCollectionInstance",
        "settingDefinitionId": USB_DEFINITION,
        "groupSettingCollectionValue": [{"children": [{
            "@odata.type": "#microsoft.graph.deviceManagementConfigurationSimpleSettingInstance",
            "settingDefinitionId": "device_vendor_msft_defender_configuration_devicecontrol_policygroups_{groupid}_groupdata_descriptoridlist_vendorid",
            "simpleSettingValue": {"@odata.type": "#microsoft.graph.deviceManagementConfigurationStringSettingValue", "value": vendor}
        }]}]
    })
}

fn library() -> TemplateLibrary {
    let mut library = TemplateLibrary::default();
    let firewall = json!({
        "displayName": "Surgery imaging servers",
        "settingDefinitionId": "vendor_msft_firewall_mdmstore_dynamickeywords_addresses_{id}",
        "settingInstance": {
            "@odata.type": "#microsoft.graph.deviceManagementConfigurationGroupSettingCollectionInstance",
            "settingDefinitionId": "vendor_msft_firewall_mdmstore_dynamickeywords_addresses_{id}",
            "groupSettingCollectionValue": [{"children": []}]
        }
    });
    let usb = json!({"displayName": "Approved USB devices", "settingDefinitionId": USB_DEFINITION,
                     "settingInstance": usb_instance("0781")});
    for (guid, name, raw) in [
        (USB, "Approved USB devices", usb),
        (FIREWALL, "Surgery imaging servers", firewall),
    ] {
        let body = json!({"DisplayName": name, "Description": "Alpha Dental baseline",
                          "RawJSON": raw.to_string(), "GUID": guid});
        let t =
            Template::from_json(&body.to_string(), Some(TemplateKind::ReusableSetting)).unwrap();
        library.push(t);
    }
    library
}

fn template() -> StandardsTemplate {
    StandardsTemplate::from_value(
        &json!({
            "GUID": "tpl", "tenantFilter": [{"value": "AllTenants"}],
            "standards": {
                "ReusableSettingsTemplate": {
                    "action": [{"label": "Remediate", "value": "Remediate"}],
                    "TemplateList": [
                        {"label": "Approved USB devices", "value": USB},
                        {"label": "Surgery imaging servers", "value": FIREWALL}
                    ]
                }
            }
        }),
        "template.json",
    )
    .unwrap()
}

fn setting_writes(sim: &Sim) -> Vec<String> {
    let mut w: Vec<String> = sim
        .requests()
        .into_iter()
        .filter(|r| r.method != "GET" && r.path.contains("reusablePolicySettings"))
        .map(|r| format!("{} {}", r.method, r.path))
        .collect();
    w.sort();
    w
}

#[tokio::test]
async fn reusable_setting_templates_create_replace_and_confirm() {
    let sim = Sim::start().await.unwrap();
    let pipeline = cipp_testkit::pipeline(&sim).unwrap();
    let graph = cipp_graph::GraphClient::new(pipeline.clone(), TENANT).beta();
    // The USB list exists under the template's name, with another vendor.
    let existing = graph
        .post(
            SETTINGS,
            &json!({"displayName": "Approved USB devices", "description": "Alpha Dental baseline",
                    "settingDefinitionId": USB_DEFINITION, "settingInstance": usb_instance("046d")}),
        )
        .await
        .unwrap();
    sim.clear_requests();
    let runner = StandardsRunner::builder(pipeline)
        .template_library(Arc::new(library()))
        .build();
    let alpha = [Target::from_domain(TENANT)];

    let before = runner.run(&[template()], &alpha, Mode::Report).await;
    for key in [USB, FIREWALL] {
        assert_eq!(result(&before, key).state, State::Drifted, "{key}");
    }
    assert!(setting_writes(&sim).is_empty());

    let fixed = runner.run(&[template()], &alpha, Mode::Remediate).await;
    for key in [USB, FIREWALL] {
        let r = result(&fixed, key);
        assert_eq!(r.state, State::Remediated, "{r:?}");
        assert!(r.remediation.as_ref().unwrap().confirmed, "{r:?}");
    }
    let id = existing["id"].as_str().unwrap();
    assert_eq!(
        setting_writes(&sim),
        [
            format!("POST /graph/beta/{SETTINGS}"),
            format!("PUT /graph/beta/{SETTINGS}/{id}"),
        ]
    );
    let live: Vec<Value> = graph.list_json(SETTINGS).collect_all().await.unwrap();
    assert_eq!(live.len(), 2, "{live:?}");
    let usb = live.iter().find(|s| s["id"] == id).unwrap();
    assert_eq!(usb["settingInstance"], usb_instance("0781"));

    sim.clear_requests();
    let after = runner.run(&[template()], &alpha, Mode::Remediate).await;
    for key in [USB, FIREWALL] {
        assert_eq!(result(&after, key).state, State::Compliant, "{key}");
    }
    assert!(setting_writes(&sim).is_empty());
}
