//! Fan-out cache types (one read per object of a parent type) against the simulator.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use cipp_sim::{FaultRule, FaultScope, Sim};
use cipp_snapshot::{Collector, Registry, Snapshot, Status, PARENT_KEY_FIELD};
use serde_json::{json, Value};

const TENANT: &str = "alphadental.com";

fn collector(sim: &Sim) -> Collector {
    Collector::new(cipp_testkit::pipeline(sim).unwrap())
}

/// The shipped registry plus `extra` cache types.
fn registry_with(extra: Value) -> Registry {
    let mut all = serde_json::to_value(Registry::builtin().types()).unwrap();
    all.as_array_mut()
        .unwrap()
        .extend(extra.as_array().unwrap().iter().cloned());
    Registry::from_json(&all.to_string()).unwrap()
}

/// Service round trips the simulator saw (token requests and batch items aside).
fn service_calls(sim: &Sim) -> u64 {
    sim.requests()
        .iter()
        .filter(|r| !matches!(r.kind.as_str(), "login" | "other" | "batch_item"))
        .count() as u64
}

fn keys(snap: &Snapshot, cache_type: &str) -> Vec<String> {
    let mut k: Vec<String> = snap
        .rows(cache_type)
        .unwrap()
        .iter()
        .map(|r| r[PARENT_KEY_FIELD].as_str().unwrap().to_string())
        .collect();
    k.sort();
    k
}

#[tokio::test]
async fn per_mailbox_and_per_user_reads_carry_their_parent_key() {
    let sim = Sim::start().await.unwrap();
    sim.clear_requests();
    let wanted = [
        "MailboxMessageConfiguration",
        "MailboxJunkEmailConfiguration",
        "CalendarPermissions",
        "PerUserMfaRequirements",
    ];
    let snap = collector(&sim).collect(TENANT, &wanted).await.unwrap();
    for name in wanted {
        let t = snap.get(name).unwrap();
        assert_eq!(t.status, Status::Complete, "{name}: {:?}", t.error);
    }
    // The parents were read for the fan-out only.
    assert!(snap.get("Mailboxes").is_none() && snap.get("Users").is_none());

    let mailboxes = sim.exchange_objects(TENANT, "Mailbox", false).unwrap();
    let upn = |m: &Value| m["UserPrincipalName"].as_str().unwrap().to_string();
    let mut all: Vec<String> = mailboxes.iter().map(upn).collect();
    all.sort();
    let mut users_and_shared: Vec<String> = mailboxes
        .iter()
        .filter(|m| {
            ["UserMailbox", "SharedMailbox"].contains(&m["RecipientTypeDetails"].as_str().unwrap())
        })
        .map(upn)
        .collect();
    users_and_shared.sort();
    assert!(
        users_and_shared.len() < all.len(),
        "the seed has a room mailbox"
    );
    // One configuration per selected mailbox, keyed by its UPN.
    assert_eq!(keys(&snap, "MailboxJunkEmailConfiguration"), all);
    assert_eq!(keys(&snap, "MailboxMessageConfiguration"), users_and_shared);
    let junk = snap.get("MailboxJunkEmailConfiguration").unwrap();
    assert_eq!(junk.requests, Some(all.len() as u64));
    let elif = junk
        .rows
        .iter()
        .find(|r| r[PARENT_KEY_FIELD] == "elif.ortiz@alphadental.com")
        .unwrap();
    assert_eq!(
        elif["TrustedRecipientsAndDomains"],
        json!(["supplier.example", "lab.example"])
    );
    // Calendar: a Default and an Anonymous entry per mailbox.
    let calendars = snap.rows("CalendarPermissions").unwrap();
    assert_eq!(calendars.len(), 2 * all.len());
    let vance = calendars
        .iter()
        .find(|r| r[PARENT_KEY_FIELD] == "miriam.vance@alphadental.com" && r["User"] == "Default")
        .unwrap();
    assert_eq!(vance["AccessRights"], json!(["Reviewer"]));

    // Per user: enabled members only (no guests, no disabled accounts), keyed by id.
    let mfa = snap.rows("PerUserMfaRequirements").unwrap();
    assert!(mfa.len() >= 10);
    assert!(mfa.iter().all(|r| r["perUserMfaState"] == "disabled"));
    let users = collector(&sim).collect(TENANT, &["Users"]).await.unwrap();
    let members: Vec<&Value> = users
        .rows("Users")
        .unwrap()
        .iter()
        .filter(|u| u["userType"] == "Member" && u["accountEnabled"] == true)
        .collect();
    assert_eq!(mfa.len(), members.len());
    assert!(users.rows("Users").unwrap().len() > members.len());

    // Round trips: counted as the simulator saw them, and far fewer than the reads.
    let reads: u64 = wanted
        .iter()
        .map(|n| snap.get(n).unwrap().requests.unwrap())
        .sum();
    sim.clear_requests();
    let again = collector(&sim).collect(TENANT, &wanted).await.unwrap();
    assert_eq!(
        again.round_trips,
        service_calls(&sim),
        "{:#?}",
        sim.requests()
    );
    assert!(
        again.round_trips * 5 < reads,
        "{} round trips for {reads} reads",
        again.round_trips
    );
}

#[tokio::test]
async fn one_failed_object_fails_the_type_and_names_the_object() {
    let sim = Sim::start().await.unwrap();
    // Exchange: the tenant's admin account has no mailbox.
    let registry = registry_with(json!([
        {"name": "AutoReplies", "fan_out": {"parent": "Users", "key": "userPrincipalName",
            "only": {"userType": "Member"},
            "exchange": {"cmdlet": "Get-MailboxAutoReplyConfiguration",
                         "parameters": {"Identity": "{userPrincipalName}"}}}}
    ]));
    let snap = collector(&sim)
        .with_registry(registry)
        .collect(TENANT, &["AutoReplies"])
        .await
        .unwrap();
    let t = snap.get("AutoReplies").unwrap();
    assert_eq!(t.status, Status::Failed);
    let why = t.error.as_deref().unwrap();
    assert!(why.contains("admin@alpha.onmicrosoft.com"), "{why}");
    assert!(why.starts_with("1 of "), "{why}");
    assert!(snap.rows("AutoReplies").is_none(), "never silently partial");

    // Graph: one user's read fails inside the batch.
    let users = collector(&sim).collect(TENANT, &["Users"]).await.unwrap();
    let victim = users.rows("Users").unwrap()[3]["id"]
        .as_str()
        .unwrap()
        .to_string();
    sim.faults().add_rule(
        FaultRule::outage(500)
            .with_path(&format!("users/{victim}/authentication/requirements"))
            .with_scope(FaultScope::BatchItem),
    );
    let snap = collector(&sim)
        .collect(TENANT, &["PerUserMfaRequirements"])
        .await
        .unwrap();
    let t = snap.get("PerUserMfaRequirements").unwrap();
    assert_eq!(t.status, Status::Failed);
    assert!(t.error.as_deref().unwrap().contains(&victim), "{t:?}");
}

#[tokio::test]
async fn empty_and_failed_parents() {
    let sim = Sim::start().await.unwrap();
    let registry = registry_with(json!([
        {"name": "NobodysRequirements", "fan_out": {"parent": "Users", "key": "id",
            "only": {"userType": "NoSuchKind"},
            "graph": {"path": "users/{id}/authentication/requirements"}}},
        {"name": "Broken", "graph": {"path": "noSuchCollection"}},
        {"name": "BrokenChildren", "fan_out": {"parent": "Broken", "key": "id",
            "graph": {"path": "users/{id}/authentication/requirements"}}}
    ]));
    sim.clear_requests();
    let snap = collector(&sim)
        .with_registry(registry)
        .collect(TENANT, &["NobodysRequirements", "BrokenChildren"])
        .await
        .unwrap();
    let empty = snap.get("NobodysRequirements").unwrap();
    assert_eq!(empty.status, Status::Complete);
    assert!(empty.rows.is_empty());
    assert_eq!(empty.requests, Some(0));
    let broken = snap.get("BrokenChildren").unwrap();
    assert_eq!(broken.status, Status::Failed);
    assert!(
        broken
            .error
            .as_deref()
            .unwrap()
            .contains("its parent Broken"),
        "{broken:?}"
    );
    // Only the parents' batch went out: nothing per object.
    assert_eq!(snap.round_trips, 1);
    assert_eq!(service_calls(&sim), 1);
}

/// A figure, not a timing: Exchange round trips for one per-mailbox type as the tenant grows
/// (the parent read, then ten mailboxes per `$batch`).
#[tokio::test]
async fn round_trips_grow_by_one_per_ten_mailboxes() {
    let sim = Sim::start().await.unwrap();
    let mut figures = Vec::new();
    for added in [0usize, 40, 200] {
        sim.generate_mailboxes(TENANT, added).unwrap();
        let mailboxes = sim
            .exchange_objects(TENANT, "Mailbox", false)
            .unwrap()
            .len() as u64;
        sim.clear_requests();
        let snap = collector(&sim)
            .collect(TENANT, &["MailboxJunkEmailConfiguration"])
            .await
            .unwrap();
        let t = snap.get("MailboxJunkEmailConfiguration").unwrap();
        assert_eq!(t.status, Status::Complete, "{:?}", t.error);
        assert_eq!(t.rows.len() as u64, mailboxes);
        assert_eq!(snap.round_trips, service_calls(&sim));
        let exchange_batches = sim
            .requests()
            .iter()
            .filter(|r| r.kind == "exchange" && r.path.ends_with("$batch"))
            .count() as u64;
        // One batch for the parent, then ceil(mailboxes / 10).
        assert_eq!(
            exchange_batches,
            1 + mailboxes.div_ceil(10),
            "{mailboxes} mailboxes"
        );
        figures.push(format!(
            "{mailboxes} mailboxes: {} reads in {} round trips ({exchange_batches} Exchange batches)",
            t.requests.unwrap(),
            snap.round_trips
        ));
    }
    println!("fan-out round trips:\n  {}", figures.join("\n  "));
}
