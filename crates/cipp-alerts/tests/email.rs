//! Mail through Graph `sendMail`: signed in against the simulator, Graph answered by wiremock.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use cipp_alerts::{Digest, EmailNotifier, Finding, Notifier};
use cipp_core::Service;
use cipp_sim::Sim;
use serde_json::{json, Value};
use wiremock::matchers::{header_exists, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

#[tokio::test]
async fn one_html_mail_per_digest_retried_when_throttled() {
    let sim = Sim::start().await.unwrap();
    let graph = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1.0/me/sendMail"))
        .respond_with(ResponseTemplate::new(429).insert_header("Retry-After", "1"))
        .up_to_n_times(1)
        .mount(&graph)
        .await;
    Mock::given(method("POST"))
        .and(path("/v1.0/me/sendMail"))
        .and(header_exists("authorization"))
        .respond_with(ResponseTemplate::new(202))
        .mount(&graph)
        .await;
    let endpoints = cipp_testkit::endpoints(&sim)
        .unwrap()
        .with_override(Service::Graph, &graph.uri())
        .unwrap();
    let pipeline = cipp_testkit::pipeline_builder(&sim)
        .unwrap()
        .endpoints(endpoints)
        .build()
        .unwrap();
    let partner = sim.credentials().partner_tenant_id;
    let mail = EmailNotifier::new(
        "it-mail",
        cipp_graph::GraphClient::new(pipeline, partner),
        ["it@msp.example; soc@msp.example"],
    )
    .unwrap();
    let digest = Digest::new(
        vec![Finding::new(
            "AppSecretExpiry",
            "alphadental.com",
            json!({"Message": "Secret <x> of Payroll expires", "AppName": "Payroll & Co"}),
            &[],
        )],
        0,
    );
    mail.send(&digest).await.unwrap();
    let sent: Vec<Value> = graph
        .received_requests()
        .await
        .unwrap()
        .iter()
        .map(|r| serde_json::from_slice(&r.body).unwrap())
        .collect();
    assert_eq!(sent.len(), 2, "throttled once, then sent");
    let m = &sent[1]["message"];
    assert_eq!(m["subject"], "CIPP alerts: 1 finding in 1 tenant");
    assert_eq!(m["toRecipients"].as_array().unwrap().len(), 2);
    assert_eq!(m["body"]["contentType"], "HTML");
    let html = m["body"]["content"].as_str().unwrap();
    assert!(
        html.contains("Secret &lt;x&gt; of Payroll expires") && html.contains("Payroll &amp; Co"),
        "{html}"
    );
    assert!(EmailNotifier::new(
        "x",
        cipp_graph::GraphClient::new(cipp_testkit::pipeline(&sim).unwrap(), "t"),
        ["not-an-address"]
    )
    .is_err());
}
