//! Audit-log rules end to end: the unified audit log searched over HTTP in the simulator
//! (create, poll, page), rules evaluated, each matched record claimed once in the store,
//! delivered to a local webhook receiver, and user actions handed to the caller's handler.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::{Arc, Mutex};
use std::time::Duration;

use cipp_alerts::audit::{
    ActionError, AuditActionHandler, AuditEvent, AuditRule, AuditRunner, AuditSearchOptions,
};
use cipp_alerts::{time, AlertError, RetryOptions, WebhookNotifier};
use cipp_sim::Sim;
use cipp_snapshot::Store;
use serde_json::{json, Value};
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, ResponseTemplate};

mod common;
use common::{ALPHA, BRAVO, CHARLIE};

const FORWARDING: &str = "a1a0d170-0000-4000-8000-000000000001";

fn window() -> (i64, i64) {
    (
        time::parse("2026-10-31T00:00:00Z").unwrap(),
        time::parse("2026-11-01T00:00:00Z").unwrap(),
    )
}

/// CIPP's sample: a new inbox rule that forwards mail.
fn forwarding_rule(actions: Value) -> AuditRule {
    AuditRule::from_value(
        &json!({
            "RowKey": "forwarding-rules",
            "Tenants": [{"value": "AllTenants", "label": "All tenants"}],
            "excludedTenants": [{"value": CHARLIE}],
            "type": {"value": "Audit.Exchange"},
            "Conditions": [
                {"Property": {"label": "Operation", "value": "String"}, "Operator": {"label": "Equals to", "value": "eq"}, "Input": {"value": "New-InboxRule"}},
                {"Property": {"label": "ForwardTo", "value": "String"}, "Operator": {"label": "Like", "value": "like"}, "Input": {"value": "*@*"}}],
            "Actions": actions,
            "AlertComment": "Check whether %username% meant to forward to %ForwardTo%",
        }),
        0,
    )
    .unwrap()
}

fn quick() -> AuditSearchOptions {
    AuditSearchOptions::default().poll_interval(Duration::ZERO)
}

async fn receiver() -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&server)
        .await;
    server
}

fn hook(server: &MockServer) -> Arc<WebhookNotifier> {
    Arc::new(
        WebhookNotifier::new("soc", &server.uri())
            .unwrap()
            .retry(RetryOptions::default().attempts(1)),
    )
}

async fn bodies(server: &MockServer) -> Vec<Value> {
    server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .map(|r| serde_json::from_slice(&r.body).unwrap())
        .collect()
}

fn tenants() -> Vec<String> {
    [ALPHA, BRAVO, CHARLIE].map(String::from).to_vec()
}

#[tokio::test]
async fn matched_records_are_delivered_once_and_a_second_run_sends_nothing() {
    let sim = Sim::start().await.unwrap();
    let server = receiver().await;
    let store = Arc::new(Store::in_memory().unwrap());
    let runner = AuditRunner::builder(cipp_testkit::pipeline(&sim).unwrap(), store.clone())
        .rules(vec![forwarding_rule(json!([{"value": "generateWebhook"}]))])
        .webhook(hook(&server))
        .search_options(quick())
        .build()
        .unwrap();
    let (start, end) = window();
    let first = runner.run(&tenants(), start, end).await;
    let alpha = &first.tenants[0];
    assert_eq!(alpha.error, None);
    // Five records in the window: one forwards, one is sign-in plumbing CIPP drops.
    assert_eq!(
        (alpha.records, alpha.ignored, alpha.matched),
        (5, 1, 1),
        "{}",
        first.to_json()
    );
    assert_eq!(alpha.events.len(), 1);
    let event = &alpha.events[0];
    assert_eq!(event.record_id, FORWARDING);
    assert_eq!(event.user.as_deref(), Some("miriam.gu@alphadental.com"));
    assert_eq!(
        event.clause,
        "Operation is Equals to 'New-InboxRule' and ForwardTo is Like '*@*'"
    );
    assert!(
        event.title.contains("New forwarding or redirect rule"),
        "{}",
        event.title
    );
    let bravo = &first.tenants[1];
    assert_eq!(
        (bravo.records, bravo.matched),
        (1, 0),
        "Bravo's rule does not forward"
    );
    let charlie = &first.tenants[2];
    assert_eq!(charlie.rules, 0, "Charlie is excluded: not even searched");
    assert_eq!(first.deliveries.len(), 1);
    assert!(first.deliveries[0].ok, "{:?}", first.deliveries);

    let got = bodies(&server).await;
    assert_eq!(got.len(), 1, "one digest per destination");
    assert_eq!(got[0]["alertCount"], 1);
    let text = got[0].to_string();
    assert!(
        text.contains(FORWARDING) && text.contains("billing-desk@contoso-payments.example"),
        "{text}"
    );
    assert!(text.contains("Check whether miriam.gu@alphadental.com meant to forward to billing-desk@contoso-payments.example"), "{text}");
    let claim = store.audit_event(ALPHA, FORWARDING).unwrap().unwrap();
    assert!(claim.settled_at.is_some());
    assert_eq!(claim.outcome.unwrap()["deliveries"][0]["ok"], true);

    // The same window again: the record was processed, nothing is sent.
    let second = runner.run(&tenants(), start, end).await;
    assert_eq!(second.processed(), 0);
    assert_eq!(second.tenants[0].already_processed, 1);
    assert!(second.deliveries.is_empty());
    assert_eq!(bodies(&server).await.len(), 1);

    // A wider window finds the older forwarding rule (Set-InboxRule does not match `eq`).
    let wide = runner.run(&tenants(), start - 3 * 86_400, end).await;
    assert_eq!((wide.tenants[0].records, wide.processed()), (6, 0));
}

#[tokio::test]
async fn two_runners_on_one_database_process_a_record_once() {
    let sim = Sim::start().await.unwrap();
    let server = receiver().await;
    let path = std::env::temp_dir().join(format!(
        "cipp-audit-{}-{}.db",
        std::process::id(),
        time::now()
    ));
    let make = || {
        AuditRunner::builder(
            cipp_testkit::pipeline(&sim).unwrap(),
            Arc::new(Store::open(&path).unwrap()),
        )
        .rules(vec![forwarding_rule(json!([{"value": "generateWebhook"}]))])
        .webhook(hook(&server))
        .search_options(quick())
        .build()
        .unwrap()
    };
    let (a, b) = (make(), make());
    let (start, end) = window();
    let ts = tenants();
    let (ra, rb) = tokio::join!(a.run(&ts, start, end), b.run(&ts, start, end));
    assert_eq!(
        ra.processed() + rb.processed(),
        1,
        "{}\n{}",
        ra.to_json(),
        rb.to_json()
    );
    assert_eq!(
        ra.tenants[0].already_processed + rb.tenants[0].already_processed,
        1
    );
    assert_eq!(bodies(&server).await.len(), 1);
    let _ = std::fs::remove_file(&path);
}

#[derive(Debug, Default)]
struct Recorder {
    calls: Mutex<Vec<(String, String, String, String)>>,
}

#[async_trait::async_trait]
impl AuditActionHandler for Recorder {
    async fn disable_user(
        &self,
        tenant: &str,
        user: &str,
        event: &AuditEvent,
    ) -> Result<String, ActionError> {
        self.calls.lock().unwrap().push((
            "disable".into(),
            tenant.into(),
            user.into(),
            event.record.id.clone(),
        ));
        Ok(format!("disabled {user}"))
    }

    async fn remediate_compromised(
        &self,
        tenant: &str,
        user: &str,
        event: &AuditEvent,
    ) -> Result<String, ActionError> {
        self.calls.lock().unwrap().push((
            "remediate".into(),
            tenant.into(),
            user.into(),
            event.record.id.clone(),
        ));
        Err("the password reset was refused".into())
    }
}

#[tokio::test]
async fn user_actions_go_to_the_handler_with_the_right_user() {
    let sim = Sim::start().await.unwrap();
    let server = receiver().await;
    let rules = || {
        vec![forwarding_rule(
            json!([{"value": "becremediate"}, {"value": "generateWebhook"}, {"value": "disableUser"}]),
        )]
    };
    // Asking for user actions without a handler is refused up front, naming the rule.
    let e = AuditRunner::builder(
        cipp_testkit::pipeline(&sim).unwrap(),
        Arc::new(Store::in_memory().unwrap()),
    )
    .rules(rules())
    .build()
    .unwrap_err();
    assert!(matches!(e, AlertError::AuditRule { .. }), "{e}");
    assert!(
        e.to_string().contains("forwarding-rules") && e.to_string().contains("becremediate"),
        "{e}"
    );

    let (start, end) = window();
    // Not confirmed: the handler is not called, the alert still goes out.
    let handler = Arc::new(Recorder::default());
    let unconfirmed = AuditRunner::builder(
        cipp_testkit::pipeline(&sim).unwrap(),
        Arc::new(Store::in_memory().unwrap()),
    )
    .rules(rules())
    .webhook(hook(&server))
    .action_handler(handler.clone())
    .search_options(quick())
    .build()
    .unwrap()
    .run(&[ALPHA.to_string()], start, end)
    .await;
    assert!(handler.calls.lock().unwrap().is_empty());
    let actions = &unconfirmed.tenants[0].events[0].actions;
    assert_eq!(actions.len(), 2);
    assert!(actions
        .iter()
        .all(|a| !a.ok && a.detail.contains("not confirmed")));
    assert_eq!(unconfirmed.tenants[0].events[0].delivered, Some(true));

    let confirmed = AuditRunner::builder(
        cipp_testkit::pipeline(&sim).unwrap(),
        Arc::new(Store::in_memory().unwrap()),
    )
    .rules(rules())
    .webhook(hook(&server))
    .action_handler(handler.clone())
    .confirm_user_actions(true)
    .search_options(quick())
    .build()
    .unwrap()
    .run(&[ALPHA.to_string()], start, end)
    .await;
    let calls = handler.calls.lock().unwrap().clone();
    assert_eq!(
        calls,
        [
            (
                "disable".to_string(),
                ALPHA.to_string(),
                "miriam.gu@alphadental.com".to_string(),
                FORWARDING.to_string()
            ),
            (
                "remediate".to_string(),
                ALPHA.to_string(),
                "miriam.gu@alphadental.com".to_string(),
                FORWARDING.to_string()
            ),
        ]
    );
    let actions = &confirmed.tenants[0].events[0].actions;
    assert!(actions[0].ok && actions[0].detail == "disabled miriam.gu@alphadental.com");
    assert!(
        !actions[1].ok && actions[1].detail.contains("refused"),
        "a failed action is reported"
    );
    // The digest tells what was done.
    let last = bodies(&server).await.pop().unwrap().to_string();
    assert!(
        last.contains("disabled miriam.gu@alphadental.com"),
        "{last}"
    );
}

#[tokio::test]
async fn a_search_that_cannot_run_is_reported_per_tenant() {
    let sim = Sim::start().await.unwrap();
    let runner = AuditRunner::builder(
        cipp_testkit::pipeline(&sim).unwrap(),
        Arc::new(Store::in_memory().unwrap()),
    )
    .rules(vec![forwarding_rule(json!([{"value": "generatemail"}]))])
    .search_options(quick())
    .build()
    .unwrap();
    let (start, end) = window();
    // A window that ends before it starts never reaches the service.
    let r = runner.run(&[ALPHA.to_string()], end, start).await;
    let e = r.tenants[0].error.as_deref().unwrap();
    assert!(e.contains("alphadental.com") && e.contains("starts"), "{e}");
    // A tenant the partner does not manage: the search fails, the run goes on.
    let r = runner
        .run(
            &["nosuchtenant.example".to_string(), ALPHA.to_string()],
            start,
            end,
        )
        .await;
    assert!(r.tenants[0].error.is_some());
    assert_eq!(r.tenants[1].error, None);
    assert_eq!(
        r.tenants[1].events.len(),
        1,
        "no destination for mail: processed, delivered to none"
    );
    assert_eq!(r.tenants[1].events[0].delivered, None);
}

#[tokio::test]
async fn the_simulated_search_must_be_polled_before_its_records_are_read() {
    let sim = Sim::start().await.unwrap();
    let graph = cipp_graph::GraphClient::new(cipp_testkit::pipeline(&sim).unwrap(), ALPHA).beta();
    let q = graph
        .post(
            "security/auditLog/queries",
            &json!({"displayName": "t", "filterStartDateTime": "2026-10-31T00:00:00Z",
                    "filterEndDateTime": "2026-11-01T00:00:00Z", "recordTypeFilters": ["exchangeAdmin"]}),
        )
        .await
        .unwrap();
    assert_eq!(q["status"], "notStarted");
    assert!(q.get("records").is_none(), "bookkeeping is not shown");
    let id = q["id"].as_str().unwrap();
    let early = graph
        .get(&format!("security/auditLog/queries/{id}/records"))
        .await
        .unwrap_err();
    assert!(early.to_string().contains("notStarted"), "{early}");
    let mut statuses = Vec::new();
    for _ in 0..2 {
        let s = graph
            .get(&format!("security/auditLog/queries/{id}"))
            .await
            .unwrap();
        statuses.push(s["status"].as_str().unwrap().to_string());
    }
    assert_eq!(statuses, ["running", "succeeded"]);
    let records = graph
        .list_json(format!("security/auditLog/queries/{id}/records"))
        .collect_all()
        .await
        .unwrap();
    // Only exchangeAdmin records in the window: the two inbox rules of 2026-10-31.
    assert_eq!(records.len(), 2);
    let e = graph
        .post(
            "security/auditLog/queries",
            &json!({"filterStartDateTime": "2026-11-01T00:00:00Z"}),
        )
        .await
        .unwrap_err();
    assert!(e.to_string().contains("filterEndDateTime"), "{e}");
}
