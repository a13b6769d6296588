//! The Exchange template kinds (connectors, Tenant Allow/Block List entries, Safe Links,
//! mail contacts) through `TemplateClient` against the simulator, over HTTP: a missing
//! object compares `Missing` (or lacking entries as differences), deploys `Created`, then
//! compares `Equal` and redeploys `Unchanged`; files are recognised by name and content; a
//! template that cannot be deployed is a typed error naming the field, and writes nothing.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use cipp_sim::Sim;
use cipp_templates::{
    ConnectorDirection, DeployOptions, DeployOutcome, Template, TemplateBody, TemplateClient,
    TemplateError, TemplateKind,
};
use serde_json::json;

const TENANT: &str = "alphadental.com";

#[test]
fn kinds_are_known_by_file_name_content_and_short_name() {
    for (file, kind) in [
        (
            "1.ExConnectorTemplate.json",
            TemplateKind::ExchangeConnector,
        ),
        (
            "2.TenantAllowBlockListTemplate.json",
            TemplateKind::TenantAllowBlockList,
        ),
        ("3.SafeLinksTemplate.json", TemplateKind::SafeLinks),
        ("4.ContactTemplate.json", TemplateKind::Contact),
    ] {
        assert_eq!(TemplateKind::from_file_name(file), Some(kind));
        assert!(file.ends_with(kind.file_suffix()));
        assert_eq!(kind.short_name().parse::<TemplateKind>(), Ok(kind));
    }
    let sniffed = |v: serde_json::Value| TemplateKind::sniff(&v);
    assert_eq!(
        sniffed(json!({"name": "x", "direction": "Outbound"})),
        Some(TemplateKind::ExchangeConnector)
    );
    assert_eq!(
        sniffed(json!({"templateName": "x", "listType": "Url"})),
        Some(TemplateKind::TenantAllowBlockList)
    );
    assert_eq!(
        sniffed(json!({"PolicyName": "x", "TrackClicks": true})),
        Some(TemplateKind::SafeLinks)
    );
    assert_eq!(
        sniffed(json!({"displayName": "x", "email": "a@b.example"})),
        Some(TemplateKind::Contact)
    );
    assert_eq!(
        sniffed(json!({"name": "a rule", "SentToScope": "NotInOrganization"})),
        Some(TemplateKind::TransportRule)
    );
    // What is read is written back whole.
    let text =
        r#"{"name":"To filter","direction":"Outbound","SmartHosts":["f.example"],"Future":1}"#;
    let t = Template::from_json(text, None).unwrap();
    let TemplateBody::ExchangeConnector(c) = &t.body else {
        panic!("{t:?}")
    };
    assert_eq!(c.direction, Some(ConnectorDirection::Outbound));
    assert_eq!(
        t.to_json(),
        serde_json::from_str::<serde_json::Value>(text).unwrap()
    );
}

#[tokio::test]
async fn each_exchange_kind_deploys_once_and_then_matches() {
    let sim = Sim::start().await.unwrap();
    let client = TemplateClient::new(cipp_testkit::pipeline(&sim).unwrap(), TENANT);
    let options = DeployOptions::new();
    let templates = [
        json!({"name": "From copier", "direction": "Inbound", "ConnectorType": "OnPremises",
            "SenderIPAddresses": ["198.51.100.20"], "SenderDomains": ["*"]}),
        json!({"templateName": "Blocked senders", "entries": "spam@bad.example;bad.example",
            "listType": "Sender", "listMethod": "Block", "NoExpiration": true}),
        json!({"PolicyName": "Front desk links", "EnableSafeLinksForEmail": true,
            "TrackClicks": true, "RecipientDomainIs": ["alphadental.com"], "State": "Disabled"}),
        json!({"displayName": "Insurance Desk", "email": "claims@insurer.example",
            "companyName": "Insurer plc", "mailTip": "Claims only"}),
    ];
    for body in templates {
        let t = Template::from_json(&body.to_string(), None).unwrap();
        let kind = t.kind();
        let before = client.compare(&t, &options).await.unwrap();
        assert!(!before.is_equal(), "{kind}: {before:?}");
        let first = client.deploy(&t, &options).await.unwrap();
        assert!(
            matches!(
                first,
                DeployOutcome::Created { .. } | DeployOutcome::Updated { .. }
            ),
            "{kind}: {first:?}"
        );
        client.refresh();
        let after = client.compare(&t, &options).await.unwrap();
        assert!(after.is_equal(), "{kind}: {after:?}");
        let again = client.deploy(&t, &options).await.unwrap();
        assert!(
            matches!(again, DeployOutcome::Unchanged { .. }),
            "{kind}: {again:?}"
        );
    }
    let rule = &sim
        .exchange_objects(TENANT, "SafeLinksRule", false)
        .unwrap()[0];
    assert_eq!(rule["State"], "Disabled", "the template's rule state");
}

#[tokio::test]
async fn templates_that_cannot_deploy_are_typed_errors_naming_the_field() {
    let sim = Sim::start().await.unwrap();
    let client = TemplateClient::new(cipp_testkit::pipeline(&sim).unwrap(), TENANT);
    let options = DeployOptions::new();
    for (body, field) in [
        (
            json!({"name": "Nowhere", "direction": "Sideways"}),
            "direction",
        ),
        (
            json!({"templateName": "Odd", "entries": "x.example", "listType": "Domain", "listMethod": "Allow"}),
            "listType",
        ),
        (
            json!({"templateName": "Empty", "entries": " ; ", "listType": "Url", "listMethod": "Block"}),
            "entries",
        ),
        (
            json!({"displayName": "No address", "email": "claims desk"}),
            "email",
        ),
    ] {
        let t = Template::from_json(&body.to_string(), None).unwrap();
        let e = client.deploy(&t, &options).await.unwrap_err();
        assert!(
            matches!(&e, TemplateError::Invalid { path, .. } if path == field),
            "{body}: {e}"
        );
    }
    for noun in [
        "InboundConnector",
        "TenantAllowBlockListItems",
        "MailContact",
    ] {
        assert!(sim
            .exchange_objects(TENANT, noun, false)
            .unwrap()
            .is_empty());
    }
}
