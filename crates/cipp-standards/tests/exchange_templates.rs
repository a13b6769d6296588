//! The Exchange template standards (`ExchangeConnectorTemplate`, `TenantAllowBlockListTemplate`)
//! through the runner, over real HTTP against the simulator: templates missing from the tenant
//! are drifted and a report writes nothing; remediation creates connectors by name and
//! direction and adds only the list entries the tenant lacks; a connector someone changed is
//! set back parameter by parameter; entries the template does not name are never removed; a
//! broken template (an unknown list type) is judged on its own, without data, naming the
//! problem, and nothing is written for it.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;

use cipp_sim::Sim;
use cipp_standards::{Mode, RunReport, StandardsRunner, StandardsTemplate, State, Step, Target};
use cipp_templates::{Template, TemplateKind, TemplateLibrary};
use serde_json::{json, Value};

const TENANT: &str = "alphadental.com";
const SCANNER: &str = "conn-scanner";
const SMARTHOST: &str = "conn-smarthost";
const VENDORS: &str = "tabl-vendors";
const BAD_URLS: &str = "tabl-bad-urls";
const BROKEN: &str = "tabl-broken";

fn library() -> TemplateLibrary {
    let mut library = TemplateLibrary::new();
    for (guid, kind, body) in [
        (
            SCANNER,
            TemplateKind::ExchangeConnector,
            json!({"name": "From office scanner", "cippconnectortype": "Inbound",
                "ConnectorType": "OnPremises", "SenderDomains": ["*"],
                "SenderIPAddresses": ["203.0.113.10"], "RequireTls": false, "Enabled": true,
                "comment": "Scanner at reception"}),
        ),
        (
            SMARTHOST,
            TemplateKind::ExchangeConnector,
            json!({"name": "To filtering service", "direction": "Outbound",
                "ConnectorType": "Partner", "RecipientDomains": ["*"],
                "SmartHosts": ["filter.mailguard.example"], "UseMXRecord": false,
                "TlsSettings": "EncryptionOnly", "Enabled": true}),
        ),
        (
            VENDORS,
            TemplateKind::TenantAllowBlockList,
            json!({"templateName": "Dental vendors", "entries": "orders@dentalsupplies.example; lab.example",
                "listType": "Sender", "listMethod": "Allow", "notes": "Vendors", "NoExpiration": true}),
        ),
        (
            BAD_URLS,
            TemplateKind::TenantAllowBlockList,
            json!({"templateName": "Known phishing links", "entries": "bad.example/login, worse.example",
                "listType": "Url", "listMethod": "Block", "RemoveAfter": true}),
        ),
        (
            BROKEN,
            TemplateKind::TenantAllowBlockList,
            json!({"templateName": "Typo", "entries": "x.example", "listType": "Domain",
                "listMethod": "Allow"}),
        ),
    ] {
        let mut t = Template::from_json(&body.to_string(), Some(kind)).unwrap();
        t.guid = Some(guid.to_string());
        library.push(t);
    }
    library
}

fn template(with_broken: bool) -> Vec<StandardsTemplate> {
    let mut lists = vec![
        json!({"label": "Dental vendors", "value": VENDORS}),
        json!({"label": "Known phishing links", "value": BAD_URLS}),
    ];
    if with_broken {
        lists.push(json!({"label": "Typo", "value": BROKEN}));
    }
    let t = json!({
        "GUID": "exo-templates", "tenantFilter": [{"value": TENANT}],
        "standards": {
            "ExchangeConnectorTemplate": {
                "action": [{"label": "Remediate", "value": "Remediate"}],
                "exConnectorTemplate": [
                    {"label": "From office scanner", "value": SCANNER},
                    {"label": "To filtering service", "value": SMARTHOST}
                ]
            },
            "TenantAllowBlockListTemplate": {
                "action": [{"label": "Remediate", "value": "Remediate"}],
                "TenantAllowBlockListTemplate": lists
            }
        }
    });
    vec![StandardsTemplate::from_value(&t, "exo-templates.json").unwrap()]
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

fn rows(sim: &Sim, noun: &str) -> Vec<Value> {
    sim.exchange_objects(TENANT, noun, false).unwrap()
}

fn state(sim: &Sim) -> Vec<Vec<Value>> {
    [
        "InboundConnector",
        "OutboundConnector",
        "TenantAllowBlockListItems",
    ]
    .iter()
    .map(|n| rows(sim, n))
    .collect()
}

const ALL: [(&str, &str); 4] = [
    ("ExchangeConnectorTemplate", SCANNER),
    ("ExchangeConnectorTemplate", SMARTHOST),
    ("TenantAllowBlockListTemplate", VENDORS),
    ("TenantAllowBlockListTemplate", BAD_URLS),
];

#[tokio::test]
async fn connectors_and_list_entries_deploy_from_templates_and_only_add() {
    let sim = Sim::start().await.unwrap();
    let pipeline = cipp_testkit::pipeline(&sim).unwrap();
    let runner = StandardsRunner::builder(pipeline.clone())
        .template_library(Arc::new(library()))
        .build();
    let targets = [Target::from_domain(TENANT)];
    // An entry someone else added to the sender list: never removed.
    let other = Step::Exchange {
        cmdlet: "New-TenantAllowBlockListItems".into(),
        parameters: json!({"ListType": "Sender", "Entries": ["courier.example"], "Allow": true})
            .as_object()
            .cloned()
            .unwrap(),
        continue_on_error: false,
        compliance: false,
    };
    assert!(cipp_standards::apply(&pipeline, TENANT, &[other]).await[0]
        .error
        .is_none());
    let before = state(&sim);

    let report = runner.run(&template(true), &targets, Mode::Report).await;
    for (standard, key) in ALL {
        assert_eq!(
            result(&report, standard, key).state,
            State::Drifted,
            "{key}"
        );
    }
    let broken = result(&report, "TenantAllowBlockListTemplate", BROKEN);
    assert_eq!(broken.state, State::NoData, "{broken:?}");
    assert!(
        format!("{:?}", broken.outcome).contains("Domain"),
        "{broken:?}"
    );
    assert_eq!(state(&sim), before, "a report wrote");

    let report = runner
        .run(&template(false), &targets, Mode::Remediate)
        .await;
    for (standard, key) in ALL {
        let r = result(&report, standard, key);
        assert_eq!(
            r.state,
            State::Remediated,
            "{key}: {:?} {:?}",
            r.error,
            r.remediation
        );
    }
    let inbound = rows(&sim, "InboundConnector");
    assert_eq!(inbound.len(), 1);
    assert_eq!(inbound[0]["Name"], "From office scanner");
    assert_eq!(inbound[0]["SenderIPAddresses"], json!(["203.0.113.10"]));
    assert!(
        inbound[0].get("cippconnectortype").is_none(),
        "the direction was sent as a parameter"
    );
    let outbound = rows(&sim, "OutboundConnector");
    assert_eq!(outbound.len(), 1);
    assert_eq!(
        outbound[0]["SmartHosts"],
        json!(["filter.mailguard.example"])
    );
    let items = rows(&sim, "TenantAllowBlockListItems");
    let values: Vec<(&str, &str, &str)> = items
        .iter()
        .map(|i| {
            (
                i["ListType"].as_str().unwrap(),
                i["Value"].as_str().unwrap(),
                i["Action"].as_str().unwrap(),
            )
        })
        .collect();
    for expected in [
        ("Sender", "courier.example", "Allow"),
        ("Sender", "orders@dentalsupplies.example", "Allow"),
        ("Sender", "lab.example", "Allow"),
        ("Url", "bad.example/login", "Block"),
        ("Url", "worse.example", "Block"),
    ] {
        assert!(values.contains(&expected), "{expected:?} not in {values:?}");
    }
    assert_eq!(values.len(), 5);

    let report = runner.run(&template(false), &targets, Mode::Report).await;
    for (standard, key) in ALL {
        assert_eq!(
            result(&report, standard, key).state,
            State::Compliant,
            "{key}"
        );
    }

    // Someone loosens the scanner connector and removes a vendor: only those are put back.
    let pipeline2 = cipp_testkit::pipeline(&sim).unwrap();
    let drift = [
        Step::Exchange {
            cmdlet: "Set-InboundConnector".into(),
            parameters:
                json!({"Identity": "From office scanner", "SenderIPAddresses": ["0.0.0.0/0"]})
                    .as_object()
                    .cloned()
                    .unwrap(),
            continue_on_error: false,
            compliance: false,
        },
        Step::Exchange {
            cmdlet: "Remove-TenantAllowBlockListItems".into(),
            parameters: json!({"ListType": "Sender", "Entries": ["lab.example"]})
                .as_object()
                .cloned()
                .unwrap(),
            continue_on_error: false,
            compliance: false,
        },
    ];
    for o in cipp_standards::apply(&pipeline2, TENANT, &drift).await {
        assert!(o.error.is_none(), "{o:?}");
    }
    let outbound_before = rows(&sim, "OutboundConnector");
    let report = runner
        .run(&template(false), &targets, Mode::Remediate)
        .await;
    assert_eq!(
        result(&report, "ExchangeConnectorTemplate", SMARTHOST).state,
        State::Compliant
    );
    assert_eq!(rows(&sim, "OutboundConnector"), outbound_before);
    let r = result(&report, "ExchangeConnectorTemplate", SCANNER);
    assert_eq!(r.state, State::Remediated, "{:?}", r.error);
    assert_eq!(
        rows(&sim, "InboundConnector")[0]["SenderIPAddresses"],
        json!(["203.0.113.10"])
    );
    let r = result(&report, "TenantAllowBlockListTemplate", VENDORS);
    assert_eq!(r.state, State::Remediated, "{:?}", r.error);
    assert_eq!(
        result(&report, "TenantAllowBlockListTemplate", BAD_URLS).state,
        State::Compliant
    );
    let senders: Vec<Value> = rows(&sim, "TenantAllowBlockListItems")
        .into_iter()
        .filter(|i| i["ListType"] == "Sender")
        .map(|i| i["Value"].clone())
        .collect();
    assert_eq!(senders.len(), 3, "{senders:?}");
    assert!(senders.contains(&json!("lab.example")));
}

const STAFF_LINKS: &str = "sl-staff";

fn exchange_step(cmdlet: &str, parameters: Value) -> Step {
    Step::Exchange {
        cmdlet: cmdlet.into(),
        parameters: parameters.as_object().cloned().unwrap(),
        continue_on_error: false,
        compliance: false,
    }
}

#[tokio::test]
async fn a_safe_links_template_keeps_its_policy_and_rule_and_leaves_others() {
    let sim = Sim::start().await.unwrap();
    let pipeline = cipp_testkit::pipeline(&sim).unwrap();
    let mut library = TemplateLibrary::new();
    let mut t = Template::from_json(
        &json!({"TemplateName": "Staff links", "PolicyName": "Staff Safe Links",
            "EnableSafeLinksForEmail": true, "EnableSafeLinksForTeams": true, "TrackClicks": true,
            "AllowClickThrough": false, "ScanUrls": true,
            "DoNotRewriteUrls": [{"label": "portal", "value": "portal.alphadental.com"}],
            "RecipientDomainIs": [{"label": "alphadental.com", "value": "alphadental.com"}],
            "Priority": 1, "TemplateDescription": "Staff mailboxes", "State": "Enabled"})
        .to_string(),
        None,
    )
    .unwrap();
    assert_eq!(t.kind(), TemplateKind::SafeLinks);
    t.guid = Some(STAFF_LINKS.into());
    library.push(t);
    let runner = StandardsRunner::builder(pipeline.clone())
        .template_library(Arc::new(library))
        .build();
    let targets = [Target::from_domain(TENANT)];
    let other = exchange_step(
        "New-SafeLinksPolicy",
        json!({"Name": "Executives", "TrackClicks": false, "ScanUrls": true}),
    );
    assert!(cipp_standards::apply(&pipeline, TENANT, &[other]).await[0]
        .error
        .is_none());
    let others = rows(&sim, "SafeLinksPolicy");
    let standards = vec![StandardsTemplate::from_value(
        &json!({"GUID": "sl", "tenantFilter": [{"value": TENANT}], "standards": {
            "SafeLinksTemplatePolicy": {"action": [{"label": "Remediate", "value": "Remediate"}],
                "TemplateIds": [{"label": "Staff links", "value": STAFF_LINKS}]}}}),
        "sl.json",
    )
    .unwrap()];

    let report = runner.run(&standards, &targets, Mode::Report).await;
    assert_eq!(
        result(&report, "SafeLinksTemplatePolicy", STAFF_LINKS).state,
        State::Drifted
    );
    assert_eq!(rows(&sim, "SafeLinksPolicy"), others, "a report wrote");

    let report = runner.run(&standards, &targets, Mode::Remediate).await;
    let r = result(&report, "SafeLinksTemplatePolicy", STAFF_LINKS);
    assert_eq!(
        r.state,
        State::Remediated,
        "{:?} {:?}",
        r.error,
        r.remediation
    );
    let policies = rows(&sim, "SafeLinksPolicy");
    assert!(policies.contains(&others[0]), "the other policy changed");
    let staff = policies
        .iter()
        .find(|p| p["Name"] == "Staff Safe Links")
        .unwrap();
    assert_eq!(staff["DoNotRewriteUrls"], json!(["portal.alphadental.com"]));
    let rule = rows(&sim, "SafeLinksRule")
        .into_iter()
        .find(|r| r["Name"] == "Staff Safe Links_Rule")
        .unwrap();
    assert_eq!(rule["SafeLinksPolicy"], "Staff Safe Links");
    assert_eq!(rule["RecipientDomainIs"], json!(["alphadental.com"]));
    assert_eq!(rule["Priority"], 1);
    assert_eq!(rule["Comments"], "Staff mailboxes");

    // Someone turns click tracking off and the rule off: both come back, nothing else is sent.
    let drift = [
        exchange_step(
            "Set-SafeLinksPolicy",
            json!({"Identity": "Staff Safe Links", "TrackClicks": false}),
        ),
        exchange_step(
            "Disable-SafeLinksRule",
            json!({"Identity": "Staff Safe Links_Rule"}),
        ),
    ];
    for o in cipp_standards::apply(&pipeline, TENANT, &drift).await {
        assert!(o.error.is_none(), "{o:?}");
    }
    let report = runner.run(&standards, &targets, Mode::Report).await;
    let r = result(&report, "SafeLinksTemplatePolicy", STAFF_LINKS);
    assert_eq!(r.state, State::Drifted);
    let text = format!("{:?}", r.outcome);
    assert!(
        text.contains("policy.TrackClicks") && text.contains("rule.State"),
        "{text}"
    );
    let report = runner.run(&standards, &targets, Mode::Remediate).await;
    let r = result(&report, "SafeLinksTemplatePolicy", STAFF_LINKS);
    assert_eq!(r.state, State::Remediated, "{:?}", r.error);
    let staff = rows(&sim, "SafeLinksPolicy")
        .into_iter()
        .find(|p| p["Name"] == "Staff Safe Links")
        .unwrap();
    assert_eq!(staff["TrackClicks"], true);
    let rule = rows(&sim, "SafeLinksRule")
        .into_iter()
        .find(|r| r["Name"] == "Staff Safe Links_Rule")
        .unwrap();
    assert_eq!(rule["State"], "Enabled");
    let report = runner.run(&standards, &targets, Mode::Report).await;
    assert_eq!(
        result(&report, "SafeLinksTemplatePolicy", STAFF_LINKS).state,
        State::Compliant
    );
}

const LAB: &str = "ct-lab";
const COURIER: &str = "ct-courier";

#[tokio::test]
async fn contact_templates_create_contacts_and_set_only_differing_details() {
    let sim = Sim::start().await.unwrap();
    let pipeline = cipp_testkit::pipeline(&sim).unwrap();
    let mut library = TemplateLibrary::new();
    for (guid, body) in [
        (
            LAB,
            json!({"displayName": "Dental Lab Orders", "email": "orders@dentallab.example",
                "firstName": "Dental", "lastName": "Lab", "companyName": "Dental Lab Ltd",
                "businessPhone": "+44 20 7946 0000", "city": "Leeds",
                "mailTip": "Orders only, no patient data", "hidefromGAL": false}),
        ),
        (
            COURIER,
            json!({"displayName": "Courier Desk", "email": "desk@courier.example",
                "hidefromGAL": true}),
        ),
    ] {
        let mut t = Template::from_json(&body.to_string(), None).unwrap();
        assert_eq!(t.kind(), TemplateKind::Contact);
        t.guid = Some(guid.into());
        library.push(t);
    }
    let runner = StandardsRunner::builder(pipeline.clone())
        .template_library(Arc::new(library))
        .build();
    let targets = [Target::from_domain(TENANT)];
    let standards = vec![StandardsTemplate::from_value(
        &json!({"GUID": "ct", "tenantFilter": [{"value": TENANT}], "standards": {
            "DeployContactTemplates": {"action": [{"label": "Remediate", "value": "Remediate"}],
                "templateIds": [{"label": "Dental Lab Orders", "value": LAB},
                                {"label": "Courier Desk", "value": COURIER}]}}}),
        "ct.json",
    )
    .unwrap()];

    let report = runner.run(&standards, &targets, Mode::Report).await;
    for key in [LAB, COURIER] {
        assert_eq!(
            result(&report, "DeployContactTemplates", key).state,
            State::Drifted
        );
    }
    assert!(rows(&sim, "MailContact").is_empty(), "a report wrote");

    let report = runner.run(&standards, &targets, Mode::Remediate).await;
    for key in [LAB, COURIER] {
        let r = result(&report, "DeployContactTemplates", key);
        assert_eq!(
            r.state,
            State::Remediated,
            "{key}: {:?} {:?}",
            r.error,
            r.remediation
        );
    }
    let mail = rows(&sim, "MailContact");
    let lab = mail
        .iter()
        .find(|m| m["DisplayName"] == "Dental Lab Orders")
        .unwrap();
    assert_eq!(lab["MailTip"], "Orders only, no patient data");
    let courier = mail
        .iter()
        .find(|m| m["DisplayName"] == "Courier Desk")
        .unwrap();
    assert_eq!(courier["HiddenFromAddressListsEnabled"], true);
    let contacts = rows(&sim, "Contact");
    let lab_contact = contacts.iter().find(|c| c["Guid"] == lab["Guid"]).unwrap();
    assert_eq!(lab_contact["Company"], "Dental Lab Ltd");
    assert_eq!(lab_contact["City"], "Leeds");
    assert_eq!(lab_contact["FirstName"], "Dental");

    // Someone edits the lab's phone: only that detail is set back; the courier is untouched.
    let courier_before = contacts
        .iter()
        .find(|c| c["Guid"] == courier["Guid"])
        .cloned();
    let edit = Step::Exchange {
        cmdlet: "Set-Contact".into(),
        parameters: json!({"Identity": lab["Guid"], "Phone": "000"})
            .as_object()
            .cloned()
            .unwrap(),
        continue_on_error: false,
        compliance: false,
    };
    assert!(cipp_standards::apply(&pipeline, TENANT, &[edit]).await[0]
        .error
        .is_none());
    let report = runner.run(&standards, &targets, Mode::Remediate).await;
    let r = result(&report, "DeployContactTemplates", LAB);
    assert_eq!(r.state, State::Remediated, "{:?}", r.error);
    assert_eq!(
        result(&report, "DeployContactTemplates", COURIER).state,
        State::Compliant
    );
    let contacts = rows(&sim, "Contact");
    let lab_contact = contacts.iter().find(|c| c["Guid"] == lab["Guid"]).unwrap();
    assert_eq!(lab_contact["Phone"], "+44 20 7946 0000");
    assert_eq!(
        contacts
            .iter()
            .find(|c| c["Guid"] == courier["Guid"])
            .cloned(),
        courier_before
    );
    assert_eq!(rows(&sim, "MailContact").len(), 2);
}
