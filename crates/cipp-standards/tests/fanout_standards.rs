//! The standards that read one object at a time (per mailbox, per user) through the runner,
//! over real HTTP against the simulator: report and alert write nothing; remediation writes
//! exactly the mailboxes and users that differ, and the confirming read finds them fixed;
//! bad settings are typed errors.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;
use cipp_sim::Sim;
use cipp_snapshot::{Collector, PARENT_KEY_FIELD};
use cipp_standards::code::{self, Input};
use cipp_standards::{
    Mode, RunReport, StandardsError, StandardsRunner, StandardsTemplate, State, Step, Target,
    TenantContext,
};
use serde_json::{json, Value};
use support::result_of as result;

const TENANT: &str = "alphadental.com";

fn template() -> Vec<StandardsTemplate> {
    let t = json!({
        "GUID": "fanout", "templateName": "Per-object standards",
        "tenantFilter": [{"value": TENANT}],
        "standards": {
            "SetDefaultMailboxFont": {"action": ["Remediate"],
                "DefaultFontName": {"label": "Aptos", "value": "Aptos"},
                "DefaultFontSize": 3, "DefaultFontColor": "#000000"},
            "SafeSendersDisable": {"action": ["Remediate"]},
            "calDefault": {"action": ["Remediate"],
                "permissionLevel": {"label": "Availability Only", "value": "AvailabilityOnly"}},
            "PerUserMFA": {"action": ["Remediate"]},
        },
    });
    vec![StandardsTemplate::from_json(&t.to_string(), "fanout.json").unwrap()]
}

/// What each planned step touches: an Exchange `Identity` or a Graph path.
fn planned(report: &RunReport, standard: &str) -> Vec<String> {
    let mut out: Vec<String> = result(report, standard)
        .planned
        .iter()
        .filter_map(|s| match s {
            Step::Exchange { parameters, .. } => {
                parameters["Identity"].as_str().map(str::to_string)
            }
            Step::Graph { uri, .. } => Some(uri.clone()),
            _ => None,
        })
        .collect();
    out.sort();
    out
}

fn writes(sim: &Sim) -> usize {
    sim.requests()
        .iter()
        .filter(|r| matches!(r.method.as_str(), "PATCH" | "PUT" | "DELETE"))
        .count()
        + sim
            .requests()
            .iter()
            .filter(|r| r.kind == "batch_item" && r.method != "GET")
            .count()
}

/// The per-mailbox objects and per-user MFA states the standards write.
async fn state(sim: &Sim, collector: &Collector) -> Vec<Value> {
    let mut out: Vec<Value> = [
        "MailboxMessageConfiguration",
        "MailboxJunkEmailConfiguration",
        "MailboxFolderPermission",
    ]
    .iter()
    .map(|n| Value::Array(sim.exchange_objects(TENANT, n, false).unwrap()))
    .collect();
    let mfa = collector
        .collect(TENANT, &["PerUserMfaRequirements"])
        .await
        .unwrap();
    out.push(Value::Array(
        mfa.rows("PerUserMfaRequirements").unwrap().to_vec(),
    ));
    out
}

#[tokio::test]
async fn per_object_standards_report_then_remediate_only_what_differs() {
    let sim = Sim::start().await.unwrap();
    let pipeline = cipp_testkit::pipeline(&sim).unwrap();
    let collector = Collector::new(pipeline.clone());
    let targets = [Target::from_domain(TENANT)];
    let runner = StandardsRunner::builder(pipeline.clone()).build();

    // One user already enforced (a write before the run): they are not written again.
    let users = collector.collect(TENANT, &["Users"]).await.unwrap();
    let first = users
        .rows("Users")
        .unwrap()
        .iter()
        .find(|u| u["userType"] == "Member" && u["accountEnabled"] == true)
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let graph = cipp_graph::GraphClient::new(pipeline.clone(), TENANT).beta();
    graph
        .patch(
            &format!("/users/{first}/authentication/requirements"),
            &json!({"perUserMfaState": "enforced"}),
        )
        .await
        .unwrap();

    // The simulator makes a mailbox's configuration on its first read: read once, then compare.
    runner.run(&template(), &targets, Mode::Report).await;
    let before = state(&sim, &collector).await;
    sim.clear_requests();
    for mode in [Mode::Report, Mode::Alert] {
        let report = runner.run(&template(), &targets, mode).await;
        for s in [
            "SetDefaultMailboxFont",
            "SafeSendersDisable",
            "calDefault",
            "PerUserMFA",
        ] {
            let r = result(&report, s);
            assert_eq!(r.state, State::Drifted, "{s} {mode:?}: {:?}", r.error);
        }
        assert_eq!(report.tenants[0].writes, 0);
    }
    assert_eq!(writes(&sim), 0, "report and alert wrote");
    assert_eq!(state(&sim, &collector).await, before);

    let report = runner.run(&template(), &targets, Mode::Report).await;
    // Exactly the seeded exceptions, nothing else.
    assert_eq!(
        planned(&report, "SetDefaultMailboxFont"),
        ["miriam.gu@alphadental.com", "sofia.wilke@alphadental.com"]
    );
    assert_eq!(
        planned(&report, "SafeSendersDisable"),
        [
            "elif.ortiz@alphadental.com",
            "henrietta.lind@alphadental.com"
        ]
    );
    assert_eq!(
        planned(&report, "calDefault"),
        [
            "miriam.vance@alphadental.com:\\Calendar",
            "sofia.mueller@alphadental.com:\\Calendar"
        ]
    );
    let mfa = planned(&report, "PerUserMFA");
    assert!(mfa.len() >= 10);
    assert!(
        !mfa.iter().any(|p| p.contains(&first)),
        "{first} is enforced already"
    );

    let report = runner.run(&template(), &targets, Mode::Remediate).await;
    for s in [
        "SetDefaultMailboxFont",
        "SafeSendersDisable",
        "calDefault",
        "PerUserMFA",
    ] {
        let r = result(&report, s);
        assert_eq!(r.state, State::Remediated, "{s}: {:?}", r.error);
        assert!(r.remediation.as_ref().unwrap().confirmed, "{s}");
    }
    // The simulator holds the change; the other mailboxes kept theirs.
    let junk = sim
        .exchange_objects(TENANT, "MailboxJunkEmailConfiguration", false)
        .unwrap();
    let elif = junk.iter().find(|c| c["Identity"] == "elif.ortiz").unwrap();
    assert_eq!(elif["TrustedRecipientsAndDomains"], json!([]));
    assert_eq!(
        elif["TrustedSendersAndDomains"],
        json!(["newsletter.example"])
    );

    let report = runner.run(&template(), &targets, Mode::Report).await;
    for s in [
        "SetDefaultMailboxFont",
        "SafeSendersDisable",
        "calDefault",
        "PerUserMFA",
    ] {
        assert_eq!(result(&report, s).state, State::Compliant, "{s}");
    }
}

#[tokio::test]
async fn bad_settings_are_typed_errors() {
    let sim = Sim::start().await.unwrap();
    let collector = Collector::new(cipp_testkit::pipeline(&sim).unwrap());
    let snapshot = collector
        .collect(
            TENANT,
            &["MailboxMessageConfiguration", "CalendarPermissions"],
        )
        .await
        .unwrap();
    assert!(snapshot.rows("CalendarPermissions").unwrap()[0][PARENT_KEY_FIELD].is_string());
    let tenant = TenantContext::default();
    let cases: [(&str, Value, &str); 6] = [
        (
            "SetDefaultMailboxFont",
            json!({"DefaultFontColor": "#000000"}),
            "DefaultFontName",
        ),
        (
            "SetDefaultMailboxFont",
            json!({"DefaultFontName": "Aptos", "DefaultFontSize": 9, "DefaultFontColor": "#000000"}),
            "DefaultFontSize",
        ),
        (
            "SetDefaultMailboxFont",
            json!({"DefaultFontName": "Aptos", "DefaultFontColor": "#000"}),
            "DefaultFontColor",
        ),
        ("calDefault", json!({}), "permissionLevel"),
        (
            "calDefault",
            json!({"permissionLevel": "Select a value"}),
            "permissionLevel",
        ),
        (
            "calDefault",
            json!({"permissionLevel": "Superuser"}),
            "permissionLevel",
        ),
    ];
    for (name, settings, wrong) in cases {
        let standard = code::find(name).unwrap();
        let settings = settings.as_object().cloned().unwrap();
        let input = Input::new(&settings, &snapshot, &tenant);
        match standard.assess(&input) {
            Err(StandardsError::Setting { setting, .. }) => assert_eq!(setting, wrong, "{name}"),
            other => panic!("{name} {settings:?}: {other:?}"),
        }
    }
}
