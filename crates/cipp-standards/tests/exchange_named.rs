//! The Exchange standards that keep named objects (quarantine policies, the retention tag,
//! the phishing-simulation override, the colleague-impersonation rules, a mail contact) through
//! the runner, over real HTTP against the simulator: a report writes nothing; remediation
//! creates or sets only the objects of the standard, keeps what others made, and the next
//! report is compliant; bad settings are typed errors that write nothing.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use cipp_sim::Sim;
use cipp_standards::{
    Mode, RunReport, StandardResult, StandardsRunner, StandardsTemplate, State, Target,
};
use serde_json::{json, Value};

const TENANT: &str = "alphadental.com";

fn template(standards: Value) -> Vec<StandardsTemplate> {
    let t = json!({
        "GUID": "exo-named", "templateName": "Named Exchange objects",
        "tenantFilter": [{"value": TENANT}],
        "standards": standards,
    });
    vec![StandardsTemplate::from_json(&t.to_string(), "exo-named.json").unwrap()]
}

fn results<'a>(report: &'a RunReport, standard: &str) -> Vec<&'a StandardResult> {
    report.tenants[0]
        .results
        .iter()
        .filter(|r| r.standard == standard)
        .collect()
}

fn result<'a>(report: &'a RunReport, standard: &str) -> &'a StandardResult {
    results(report, standard)
        .first()
        .copied()
        .unwrap_or_else(|| panic!("no {standard}"))
}

fn rows(sim: &Sim, noun: &str) -> Vec<Value> {
    sim.exchange_objects(TENANT, noun, false).unwrap()
}

const NOUNS: [&str; 8] = [
    "QuarantinePolicy",
    "GlobalQuarantinePolicy",
    "RetentionPolicyTag",
    "RetentionPolicy",
    "PhishSimOverridePolicy",
    "ExoPhishSimOverrideRule",
    "TenantAllowBlockListItems",
    "TransportRule",
];

fn state(sim: &Sim) -> Vec<Vec<Value>> {
    NOUNS.iter().map(|n| rows(sim, n)).collect()
}

fn quarantine_instances() -> Value {
    json!([
        {"action": ["Remediate"], "displayName": {"label": "Alpha Quarantine", "value": "Alpha Quarantine"},
         "ReleaseAction": {"label": "Request release", "value": "PermissionToRequestRelease"},
         "PermissionToPreview": true, "PermissionToDelete": true, "ESNEnabled": true},
        {"action": ["Remediate"], "displayName": "Alpha Strict",
         "ReleaseAction": {"label": "None", "value": "None"}, "PermissionToPreview": true,
         "ESNEnabled": false, "IncludeMessagesFromBlockedSenderAddress": true},
    ])
}

fn hygiene_template() -> Vec<StandardsTemplate> {
    template(json!({
        "GlobalQuarantineSettings": {"action": ["Remediate"], "SenderName": "Alpha Dental IT",
            "CustomSubject": "Mail held for you", "CustomDisclaimer": "Ask IT first.",
            "FromAddress": "quarantine@alphadental.com", "OrganizationBrandingEnabled": true},
        "QuarantineTemplate": quarantine_instances(),
        "RetentionPolicyTag": {"action": ["Remediate"], "AgeLimitForRetention": "45"},
        "PhishingSimulations": {"action": ["Remediate"],
            "Domains": [{"label": "phishvendor.example", "value": "phishvendor.example"}],
            "SenderIpRanges": "203.0.113.0/24, 198.51.100.7",
            "PhishingSimUrls": "training.phishvendor.example"},
    }))
}

#[tokio::test]
async fn hygiene_standards_report_without_writing_then_remediate_only_their_objects() {
    let sim = Sim::start().await.unwrap();
    let pipeline = cipp_testkit::pipeline(&sim).unwrap();
    let runner = StandardsRunner::builder(pipeline).build();
    let targets = [Target::from_domain(TENANT)];
    let templates = hygiene_template();
    let before = state(&sim);

    let report = runner.run(&templates, &targets, Mode::Report).await;
    for s in [
        "GlobalQuarantineSettings",
        "RetentionPolicyTag",
        "PhishingSimulations",
    ] {
        assert_eq!(
            result(&report, s).state,
            State::Drifted,
            "{s}: {:?}",
            result(&report, s).error
        );
    }
    let quarantine = results(&report, "QuarantineTemplate");
    assert_eq!(quarantine.len(), 2);
    assert!(quarantine.iter().all(|r| r.state == State::Drifted));
    assert_eq!(state(&sim), before);

    let report = runner.run(&templates, &targets, Mode::Remediate).await;
    for r in &report.tenants[0].results {
        assert_eq!(r.state, State::Remediated, "{}: {:?}", r.standard, r.error);
    }

    // Quarantine: both policies made with their permissions; the built-in ones untouched.
    let policies = rows(&sim, "QuarantinePolicy");
    for built_in in &before[0] {
        assert!(policies.contains(built_in), "{built_in} changed");
    }
    let alpha = policies
        .iter()
        .find(|p| p["Name"] == "Alpha Quarantine")
        .unwrap();
    // Request release (8), preview (2), delete (1).
    assert_eq!(alpha["EndUserQuarantinePermissionsValue"], 11);
    assert_eq!(alpha["ESNEnabled"], true);
    let strict = policies
        .iter()
        .find(|p| p["Name"] == "Alpha Strict")
        .unwrap();
    assert_eq!(strict["EndUserQuarantinePermissionsValue"], 2);
    assert_eq!(strict["IncludeMessagesFromBlockedSenderAddress"], true);

    // The global notice: one text per language, our sender address and branding.
    let global = &rows(&sim, "GlobalQuarantinePolicy")[0];
    assert_eq!(
        global["MultiLanguageSenderName"],
        json!(["Alpha Dental IT"])
    );
    assert_eq!(
        global["EndUserSpamNotificationCustomFromAddress"],
        "quarantine@alphadental.com"
    );
    assert_eq!(global["OrganizationBrandingEnabled"], true);

    // Retention: the tag made and linked, the links already there kept.
    let tag = rows(&sim, "RetentionPolicyTag")
        .into_iter()
        .find(|t| t["Name"] == "CIPP Deleted Items")
        .unwrap();
    assert_eq!(tag["AgeLimitForRetention"], "45.00:00:00");
    assert_eq!(tag["RetentionAction"], "PermanentlyDelete");
    let links = rows(&sim, "RetentionPolicy")[0]["RetentionPolicyTagLinks"].clone();
    let old_links = before[3][0]["RetentionPolicyTagLinks"].as_array().unwrap();
    for old in old_links {
        assert!(
            links.as_array().unwrap().contains(old),
            "{old} was unlinked"
        );
    }
    assert!(links
        .as_array()
        .unwrap()
        .contains(&json!("CIPP Deleted Items")));

    // Phishing simulations: policy, rule and the allowed URL.
    let rule = &rows(&sim, "ExoPhishSimOverrideRule")[0];
    assert_eq!(rule["Domains"], json!(["phishvendor.example"]));
    assert_eq!(
        rule["SenderIpRanges"],
        json!(["203.0.113.0/24", "198.51.100.7"])
    );
    let urls = rows(&sim, "TenantAllowBlockListItems");
    assert_eq!(urls.len(), 1);
    assert_eq!(urls[0]["ListSubType"], "AdvancedDelivery");
    assert_eq!(urls[0]["Action"], "Allow");

    let report = runner.run(&templates, &targets, Mode::Report).await;
    for r in &report.tenants[0].results {
        assert_eq!(r.state, State::Compliant, "{}: {:?}", r.standard, r.error);
    }
}

#[tokio::test]
async fn changed_quarantine_and_phish_sim_settings_are_set_in_place() {
    let sim = Sim::start().await.unwrap();
    let pipeline = cipp_testkit::pipeline(&sim).unwrap();
    let runner = StandardsRunner::builder(pipeline).build();
    let targets = [Target::from_domain(TENANT)];
    let report = runner
        .run(&hygiene_template(), &targets, Mode::Remediate)
        .await;
    assert!(report.tenants[0]
        .results
        .iter()
        .all(|r| r.state == State::Remediated));
    let guid = rows(&sim, "QuarantinePolicy")
        .into_iter()
        .find(|p| p["Name"] == "Alpha Quarantine")
        .unwrap()["Guid"]
        .clone();

    // One instance changes its release action; the vendor gains a domain and loses a range.
    let templates = template(json!({
        "QuarantineTemplate": [{"action": ["Remediate"], "displayName": "Alpha Quarantine",
            "ReleaseAction": "PermissionToRelease", "PermissionToPreview": true,
            "PermissionToDelete": true, "ESNEnabled": true}],
        "PhishingSimulations": {"action": ["Remediate"], "RemoveExtraUrls": true,
            "Domains": "phishvendor.example, mail.phishvendor.example",
            "SenderIpRanges": "203.0.113.0/24", "PhishingSimUrls": "landing.phishvendor.example"},
        "RetentionPolicyTag": {"action": ["Remediate"], "AgeLimitForRetention": 60},
    }));
    let report = runner.run(&templates, &targets, Mode::Remediate).await;
    for r in &report.tenants[0].results {
        assert_eq!(r.state, State::Remediated, "{}: {:?}", r.standard, r.error);
    }
    let cmdlets = |standard: &str| -> Vec<String> {
        result(&report, standard)
            .planned
            .iter()
            .filter_map(|s| match s {
                cipp_standards::Step::Exchange { cmdlet, .. } => Some(cmdlet.clone()),
                _ => None,
            })
            .collect()
    };
    assert_eq!(cmdlets("QuarantineTemplate"), ["Set-QuarantinePolicy"]);
    assert_eq!(cmdlets("RetentionPolicyTag"), ["Set-RetentionPolicyTag"]);
    assert_eq!(
        cmdlets("PhishingSimulations"),
        [
            "Set-ExoPhishSimOverrideRule",
            "Remove-TenantAllowBlockListItems",
            "New-TenantAllowBlockListItems"
        ]
    );
    let policies = rows(&sim, "QuarantinePolicy");
    let alpha = policies
        .iter()
        .find(|p| p["Name"] == "Alpha Quarantine")
        .unwrap();
    assert_eq!(alpha["Guid"], guid, "set in place, not made again");
    assert_eq!(alpha["EndUserQuarantinePermissionsValue"], 7);
    // The other instance of the first template was not part of this one: untouched.
    let strict = policies
        .iter()
        .find(|p| p["Name"] == "Alpha Strict")
        .unwrap();
    assert_eq!(strict["EndUserQuarantinePermissionsValue"], 2);
    let rule = &rows(&sim, "ExoPhishSimOverrideRule")[0];
    assert_eq!(
        rule["Domains"],
        json!(["phishvendor.example", "mail.phishvendor.example"])
    );
    assert_eq!(rule["SenderIpRanges"], json!(["203.0.113.0/24"]));
    let urls: Vec<Value> = rows(&sim, "TenantAllowBlockListItems")
        .into_iter()
        .map(|u| u["Value"].clone())
        .collect();
    assert_eq!(urls, [json!("landing.phishvendor.example")]);
}

#[tokio::test]
async fn bad_hygiene_settings_are_typed_errors_and_nothing_is_written() {
    let sim = Sim::start().await.unwrap();
    let pipeline = cipp_testkit::pipeline(&sim).unwrap();
    let runner = StandardsRunner::builder(pipeline).build();
    let before = state(&sim);
    let templates = template(json!({
        "GlobalQuarantineSettings": {"action": ["Remediate"], "SenderName": "IT",
            "FromAddress": "the IT team"},
        "QuarantineTemplate": [{"action": ["Remediate"], "displayName": "DefaultFullAccessPolicy",
            "ReleaseAction": "PermissionToRelease"},
            {"action": ["Remediate"], "displayName": "Alpha Odd", "ReleaseAction": "Shred"}],
        "RetentionPolicyTag": {"action": ["Remediate"], "AgeLimitForRetention": "a month"},
        "PhishingSimulations": {"action": ["Remediate"], "Domains": "phishvendor.example"},
    }));
    let report = runner
        .run(&templates, &[Target::from_domain(TENANT)], Mode::Remediate)
        .await;
    for (s, needle) in [
        ("GlobalQuarantineSettings", "the IT team"),
        ("RetentionPolicyTag", "AgeLimitForRetention"),
        ("PhishingSimulations", "SenderIpRanges"),
    ] {
        let r = result(&report, s);
        assert_eq!(r.state, State::Error, "{s}");
        assert!(
            r.error.as_deref().unwrap().contains(needle),
            "{s}: {:?}",
            r.error
        );
    }
    let quarantine = results(&report, "QuarantineTemplate");
    let errors: Vec<&str> = quarantine
        .iter()
        .filter_map(|r| r.error.as_deref())
        .collect();
    assert_eq!(errors.len(), 2, "{errors:?}");
    assert!(errors.iter().any(|e| e.contains("built-in")), "{errors:?}");
    assert!(errors.iter().any(|e| e.contains("Shred")), "{errors:?}");
    assert_eq!(state(&sim), before);
}

fn cmdlet(name: &str, parameters: Value) -> cipp_standards::Step {
    cipp_standards::Step::Exchange {
        cmdlet: name.into(),
        parameters: parameters.as_object().cloned().unwrap(),
        continue_on_error: false,
        compliance: false,
    }
}

fn planned(report: &RunReport, standard: &str) -> Vec<(String, Value)> {
    result(report, standard)
        .planned
        .iter()
        .filter_map(|s| match s {
            cipp_standards::Step::Exchange {
                cmdlet, parameters, ..
            } => Some((cmdlet.clone(), Value::Object(parameters.clone()))),
            _ => None,
        })
        .collect()
}

#[tokio::test]
async fn colleague_rules_follow_the_mailboxes_and_keep_other_rules_and_exemptions() {
    let sim = Sim::start().await.unwrap();
    let pipeline = cipp_testkit::pipeline(&sim).unwrap();
    let runner = StandardsRunner::builder(pipeline.clone()).build();
    let targets = [Target::from_domain(TENANT)];
    // Someone else's rule, which the standard must leave alone.
    let other = cmdlet(
        "New-TransportRule",
        json!({"Name": "Block executables", "AttachmentExtensionMatchesWords": ["exe"],
               "RejectMessageReasonText": "No executables"}),
    );
    assert!(cipp_standards::apply(&pipeline, TENANT, &[other]).await[0]
        .error
        .is_none());
    let other_before = rows(&sim, "TransportRule");

    let templates = template(json!({
        "ColleagueImpersonationAlert": {"action": ["Remediate"],
            "disclaimerHtml": "<p>Outside sender using a colleague's name.</p>",
            "excludedMailboxes": [{"label": "Info", "value": "Info"}]},
    }));
    let report = runner.run(&templates, &targets, Mode::Report).await;
    assert_eq!(
        result(&report, "ColleagueImpersonationAlert").state,
        State::Drifted
    );
    assert_eq!(rows(&sim, "TransportRule"), other_before);

    let report = runner.run(&templates, &targets, Mode::Remediate).await;
    let r = result(&report, "ColleagueImpersonationAlert");
    assert_eq!(r.state, State::Remediated, "{:?}", r.error);
    let rules = rows(&sim, "TransportRule");
    assert_eq!(rules.len(), 6);
    assert!(rules.contains(&other_before[0]), "the other rule changed");
    let mailboxes = rows(&sim, "Mailbox");
    let names: Vec<String> = mailboxes
        .iter()
        .filter(|m| m["RecipientTypeDetails"] == "UserMailbox")
        .filter_map(|m| m["DisplayName"].as_str())
        .map(|n| n.replace(' ', "\\ ").replace('.', "\\."))
        .collect();
    let patterns: Vec<String> = rules
        .iter()
        .filter(|r| {
            r["Name"]
                .as_str()
                .unwrap()
                .ends_with("Colleague Impersonation Alert")
        })
        .flat_map(|r| r["HeaderMatchesPatterns"].as_array().unwrap().clone())
        .map(|p| p.as_str().unwrap().to_string())
        .collect();
    for n in &names {
        assert!(patterns.contains(n), "{n} is in no rule: {patterns:?}");
    }
    assert!(
        !patterns.iter().any(|p| p == "Info"),
        "an excluded mailbox is listed"
    );
    let a_e = rules
        .iter()
        .find(|r| r["Name"] == "(A-E) Colleague Impersonation Alert")
        .unwrap();
    assert_eq!(a_e["FromScope"], "NotInOrganization");
    assert!(a_e["ExceptIfSenderDomainIs"]
        .as_array()
        .unwrap()
        .contains(&json!("alphadental.com")));

    // One rule's list goes stale and gains an exemption by hand: only it is set, the exemption kept.
    let stale = cmdlet(
        "Set-TransportRule",
        json!({"Identity": "(A-E) Colleague Impersonation Alert",
               "HeaderMatchesPatterns": ["Someone\\ Gone"],
               "ExceptIfFromAddressContainsWords": ["ceo@assistant.example"]}),
    );
    assert!(cipp_standards::apply(&pipeline, TENANT, &[stale]).await[0]
        .error
        .is_none());
    let report = runner.run(&templates, &targets, Mode::Remediate).await;
    let r = result(&report, "ColleagueImpersonationAlert");
    assert_eq!(r.state, State::Remediated, "{:?}", r.error);
    let steps = planned(&report, "ColleagueImpersonationAlert");
    assert_eq!(steps.len(), 1, "{steps:?}");
    assert_eq!(steps[0].0, "Set-TransportRule");
    assert_eq!(
        steps[0].1["Identity"],
        "(A-E) Colleague Impersonation Alert"
    );
    let a_e = rows(&sim, "TransportRule")
        .into_iter()
        .find(|r| r["Name"] == "(A-E) Colleague Impersonation Alert")
        .unwrap();
    assert_eq!(
        a_e["ExceptIfFromAddressContainsWords"],
        json!(["ceo@assistant.example"])
    );
    let report = runner.run(&templates, &targets, Mode::Report).await;
    assert_eq!(
        result(&report, "ColleagueImpersonationAlert").state,
        State::Compliant
    );
}

#[tokio::test]
async fn a_mail_contact_is_made_once_then_only_its_names_are_set() {
    let sim = Sim::start().await.unwrap();
    let pipeline = cipp_testkit::pipeline(&sim).unwrap();
    let runner = StandardsRunner::builder(pipeline.clone()).build();
    let targets = [Target::from_domain(TENANT)];
    let neighbour = cmdlet(
        "New-MailContact",
        json!({"Name": "Lab Partner", "ExternalEmailAddress": "orders@lab.example",
               "FirstName": "Lab", "LastName": "Partner"}),
    );
    assert!(
        cipp_standards::apply(&pipeline, TENANT, &[neighbour]).await[0]
            .error
            .is_none()
    );
    let neighbour_before = rows(&sim, "Contact");
    let templates = template(json!({
        "DeployMailContact": {"action": ["Remediate"], "DisplayName": "Dental Supplies Support",
            "ExternalEmailAddress": "Support@DentalSupplies.example",
            "FirstName": "Dental", "LastName": "Supplies"},
    }));
    let report = runner.run(&templates, &targets, Mode::Remediate).await;
    let r = result(&report, "DeployMailContact");
    assert_eq!(r.state, State::Remediated, "{:?}", r.error);
    assert_eq!(
        planned(&report, "DeployMailContact")[0].0,
        "New-MailContact"
    );
    let contacts = rows(&sim, "MailContact");
    assert_eq!(contacts.len(), 2);

    // Someone renames it: the names are set back on that contact, nothing is made again.
    let ours = contacts
        .iter()
        .find(|c| c["PrimarySmtpAddress"] == "Support@DentalSupplies.example")
        .unwrap();
    let rename = cmdlet(
        "Set-Contact",
        json!({"Identity": ours["Guid"], "FirstName": "Dentl", "DisplayName": "DS"}),
    );
    assert!(cipp_standards::apply(&pipeline, TENANT, &[rename]).await[0]
        .error
        .is_none());
    let report = runner.run(&templates, &targets, Mode::Remediate).await;
    let r = result(&report, "DeployMailContact");
    assert_eq!(r.state, State::Remediated, "{:?}", r.error);
    let steps = planned(&report, "DeployMailContact");
    assert_eq!(steps.len(), 1);
    assert_eq!(steps[0].0, "Set-Contact");
    assert_eq!(steps[0].1["Identity"], ours["Guid"]);
    assert_eq!(rows(&sim, "MailContact").len(), 2);
    let contacts = rows(&sim, "Contact");
    assert!(
        contacts.contains(&neighbour_before[0]),
        "the other contact changed"
    );
    let ours = contacts.iter().find(|c| c["Guid"] == ours["Guid"]).unwrap();
    assert_eq!(ours["FirstName"], "Dental");
    assert_eq!(ours["DisplayName"], "Dental Supplies Support");
    let report = runner.run(&templates, &targets, Mode::Report).await;
    assert_eq!(result(&report, "DeployMailContact").state, State::Compliant);

    // A bad address is a typed error and writes nothing.
    let before = rows(&sim, "MailContact");
    let bad = template(json!({
        "DeployMailContact": {"action": ["Remediate"], "DisplayName": "Nobody",
            "ExternalEmailAddress": "not an address"},
        "ColleagueImpersonationAlert": {"action": ["Remediate"]},
    }));
    let report = runner.run(&bad, &targets, Mode::Remediate).await;
    let r = result(&report, "DeployMailContact");
    assert_eq!(r.state, State::Error);
    assert!(r.error.as_deref().unwrap().contains("not an address"));
    // No warning text given and none to keep from an existing rule.
    let r = result(&report, "ColleagueImpersonationAlert");
    assert_eq!(r.state, State::Error);
    assert!(r.error.as_deref().unwrap().contains("disclaimerHtml"));
    assert_eq!(rows(&sim, "MailContact"), before);
}

#[tokio::test]
async fn the_quarantine_notice_is_written_once_per_language_the_policy_has() {
    let sim = Sim::start().await.unwrap();
    let pipeline = cipp_testkit::pipeline(&sim).unwrap();
    let runner = StandardsRunner::builder(pipeline.clone()).build();
    let targets = [Target::from_domain(TENANT)];
    let identity = rows(&sim, "GlobalQuarantinePolicy")[0]["Identity"].clone();
    let step = |texts: Value| cipp_standards::Step::Exchange {
        cmdlet: "New-QuarantinePolicy".into(),
        parameters: texts.as_object().cloned().unwrap(),
        continue_on_error: false,
        compliance: false,
    };
    // Exchange refuses per-language lists of another length than the language list.
    let uneven = step(
        json!({"Name": "DefaultGlobalTag", "QuarantinePolicyType": "GlobalQuarantinePolicy",
        "MultiLanguageSetting": ["Default", "German"], "MultiLanguageSenderName": ["IT"]}),
    );
    let outcome = &cipp_standards::apply(&pipeline, TENANT, &[uneven]).await[0];
    assert!(
        outcome
            .error
            .as_deref()
            .unwrap()
            .contains("one per language"),
        "{outcome:?}"
    );
    assert_eq!(
        rows(&sim, "GlobalQuarantinePolicy")[0]["Identity"],
        identity
    );
    // A policy in two languages, as someone set it up.
    let two = step(
        json!({"Name": "DefaultGlobalTag", "QuarantinePolicyType": "GlobalQuarantinePolicy",
        "MultiLanguageSetting": ["Default", "German"], "MultiLanguageSenderName": ["IT", "IT"]}),
    );
    assert!(cipp_standards::apply(&pipeline, TENANT, &[two]).await[0]
        .error
        .is_none());

    let templates = template(json!({
        "GlobalQuarantineSettings": {"action": ["Remediate"], "SenderName": "Alpha Dental IT",
            "CustomSubject": "Quarantine", "CustomDisclaimer": "Ask IT."},
    }));
    let report = runner.run(&templates, &targets, Mode::Remediate).await;
    let r = result(&report, "GlobalQuarantineSettings");
    assert_eq!(r.state, State::Remediated, "{:?}", r.error);
    let global = &rows(&sim, "GlobalQuarantinePolicy")[0];
    assert_eq!(
        global["Name"], "DefaultGlobalTag",
        "set in place, not made again"
    );
    assert_eq!(global["MultiLanguageSetting"], json!(["Default", "German"]));
    assert_eq!(
        global["MultiLanguageSenderName"],
        json!(["Alpha Dental IT", "Alpha Dental IT"])
    );
    assert_eq!(
        global["ESNCustomSubject"],
        json!(["Quarantine", "Quarantine"])
    );

    let long = template(json!({
        "GlobalQuarantineSettings": {"action": ["Remediate"], "SenderName": "IT",
            "CustomDisclaimer": "x".repeat(201)},
    }));
    let report = runner.run(&long, &targets, Mode::Remediate).await;
    let r = result(&report, "GlobalQuarantineSettings");
    assert_eq!(r.state, State::Error);
    assert!(
        r.error.as_deref().unwrap().contains("CustomDisclaimer"),
        "{:?}",
        r.error
    );
}
