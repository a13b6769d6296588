//! The Exchange and Defender code standards through the runner, over real HTTP against the
//! simulator: report and alert runs write nothing; remediation changes exactly the objects the
//! evaluation found (and creates only the policy and rule of the standard, leaving others);
//! the next report finds the tenant compliant.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;
use std::collections::BTreeMap;
use support::result_of as result;

use cipp_sim::Sim;
use cipp_snapshot::Collector;
use cipp_standards::{
    apply, Mode, RunReport, StandardsRunner, StandardsTemplate, State, Step, Target,
};
use serde_json::{json, Value};

const TENANT: &str = "alphadental.com";

fn template(standards: Value) -> Vec<StandardsTemplate> {
    let t = json!({
        "GUID": "exo", "templateName": "Exchange code standards",
        "tenantFilter": [{"value": TENANT}],
        "standards": standards,
    });
    vec![StandardsTemplate::from_json(&t.to_string(), "exo.json").unwrap()]
}

fn exchange_template() -> Vec<StandardsTemplate> {
    template(json!({
        "EnableOnlineArchiving": {"action": ["Remediate"]},
        "SendReceiveLimitTenant": {"action": ["Remediate"], "SendLimit": 35, "ReceiveLimit": 36},
        "MailboxRecipientLimits": {"action": ["Remediate"], "RecipientLimit": 500},
        "EnableExchangeCloudManagement": {"action": ["Remediate"], "state": {"label": "Cloud", "value": true}},
        "DisableExchangeOnlinePowerShell": {"action": ["Remediate"]},
        "RotateDKIM": {"action": ["Remediate", "warn"]},
        "DisableSharedMailbox": {"action": ["Remediate"]},
        "DisableResourceMailbox": {"action": ["Remediate"]},
        "SafeLinksPolicy": {"action": ["Remediate"], "name": "CIPP Default SafeLinks Policy",
            "AllowClickThrough": false, "DisableUrlRewrite": false, "EnableOrganizationBranding": true},
        "SafeAttachmentPolicy": {"action": ["Remediate"], "SafeAttachmentAction": {"label": "Block", "value": "Block"},
            "QuarantineTag": {"label": "Admin only", "value": "AdminOnlyAccessPolicy"}, "Redirect": false},
        "AntiPhishPolicy": {"action": ["Remediate"], "PhishThresholdLevel": 2,
            "AuthenticationFailAction": {"label": "Quarantine", "value": "Quarantine"}},
        "UserSubmissions": {"action": ["Remediate"], "state": {"label": "Enable", "value": "enable"},
            "email": "secops@alphadental.com"},
        "GlobalQuarantineNotifications": {"action": ["Remediate"],
            "NotificationInterval": {"label": "Every 4 hours", "value": "04:00:00"}},
        "PhishSimSpoofIntelligence": {"action": ["Remediate"], "RemoveExtraDomains": true,
            "AllowedDomains": [{"label": "phishsim.example", "value": "phishsim.example"}]},
        "DisableOutlookAddins": {"action": ["Remediate"]},
        "OMEBranding": {"action": ["Remediate"], "BackgroundColor": "#0a6ebd",
            "PortalText": "Alpha Dental secure mail", "SocialIdSignIn": {"label": "No", "value": false}},
        "SpamFilterPolicy": {"action": ["Remediate"], "BulkThreshold": 5,
            "SpamAction": {"label": "Quarantine", "value": "Quarantine"},
            "MarkAsSpamWebBugsInHtml": true},
        "MalwareFilterPolicy": {"action": ["Remediate"], "FileTypeAction": {"label": "Reject", "value": "Reject"},
            "OptionalFileTypes": "one, *.pub", "EnableInternalSenderAdminNotifications": true,
            "InternalSenderAdminAddress": "secops@alphadental.com"},
    }))
}

const STANDARDS: [&str; 18] = [
    "DisableOutlookAddins",
    "OMEBranding",
    "PhishSimSpoofIntelligence",
    "SpamFilterPolicy",
    "MalwareFilterPolicy",
    "EnableOnlineArchiving",
    "SendReceiveLimitTenant",
    "MailboxRecipientLimits",
    "EnableExchangeCloudManagement",
    "DisableExchangeOnlinePowerShell",
    "RotateDKIM",
    "DisableSharedMailbox",
    "DisableResourceMailbox",
    "SafeLinksPolicy",
    "SafeAttachmentPolicy",
    "AntiPhishPolicy",
    "UserSubmissions",
    "GlobalQuarantineNotifications",
];

/// Nouns the standards above write to, as the simulator holds them.
const NOUNS: [&str; 22] = [
    "RoleAssignmentPolicy",
    "ManagementRoleAssignment",
    "OMEConfiguration",
    "TenantAllowBlockListSpoofItems",
    "HostedContentFilterPolicy",
    "HostedContentFilterRule",
    "MalwareFilterPolicy",
    "MalwareFilterRule",
    "Mailbox",
    "MailboxPlan",
    "User",
    "DkimSigningConfig",
    "SafeLinksPolicy",
    "SafeLinksRule",
    "SafeAttachmentPolicy",
    "SafeAttachmentRule",
    "AntiPhishPolicy",
    "AntiPhishRule",
    "ReportSubmissionPolicy",
    "ReportSubmissionRule",
    "QuarantinePolicy",
    "GlobalQuarantinePolicy",
];

fn exchange_state(sim: &Sim) -> BTreeMap<&'static str, Vec<Value>> {
    NOUNS
        .iter()
        .map(|n| (*n, sim.exchange_objects(TENANT, n, false).unwrap()))
        .collect()
}

fn writes(sim: &Sim) -> Vec<String> {
    sim.requests()
        .into_iter()
        .filter(|r| matches!(r.method.as_str(), "PATCH" | "PUT" | "DELETE"))
        .map(|r| format!("{} {}", r.method, r.path))
        .collect()
}

/// The `Identity` of each planned cmdlet named `cmdlet`.
fn planned_identities(report: &RunReport, standard: &str, cmdlet: &str) -> Vec<String> {
    let mut out: Vec<String> = result(report, standard)
        .planned
        .iter()
        .filter_map(|s| match s {
            Step::Exchange {
                cmdlet: c,
                parameters,
                ..
            } if c == cmdlet => parameters["Identity"].as_str().map(str::to_string),
            _ => None,
        })
        .collect();
    out.sort();
    out
}

/// Values of `key` of the rows of `noun` that differ between two states, by `id_key`.
fn changed(
    before: &BTreeMap<&str, Vec<Value>>,
    after: &BTreeMap<&str, Vec<Value>>,
    noun: &str,
    id_key: &str,
    key: &str,
) -> Vec<String> {
    let mut out: Vec<String> = after[noun]
        .iter()
        .filter(|a| {
            let id = &a[id_key];
            let b = before[noun].iter().find(|b| &b[id_key] == id);
            b.is_none_or(|b| b[key] != a[key])
        })
        .map(|a| a[id_key].as_str().unwrap_or_default().to_string())
        .collect();
    out.sort();
    out
}

async fn enabled_accounts(collector: &Collector) -> Vec<String> {
    let snapshot = collector.collect(TENANT, &["Users"]).await.unwrap();
    let mut out: Vec<String> = snapshot
        .rows("Users")
        .unwrap()
        .iter()
        .filter(|u| u["accountEnabled"] == true)
        .map(|u| u["id"].as_str().unwrap().to_string())
        .collect();
    out.sort();
    out
}

#[tokio::test]
async fn exchange_standards_report_without_writing_and_remediate_only_what_they_found() {
    let sim = Sim::start().await.unwrap();
    let pipeline = cipp_testkit::pipeline(&sim).unwrap();
    let collector = Collector::new(pipeline.clone());
    let targets = [Target::from_domain(TENANT)];
    let runner = StandardsRunner::builder(pipeline.clone())
        .allow_destructive(true)
        .build();
    let before = exchange_state(&sim);
    let accounts_before = enabled_accounts(&collector).await;

    // Report and alert: every standard drifted with a plan, nothing written anywhere.
    for mode in [Mode::Report, Mode::Alert] {
        let report = runner.run(&exchange_template(), &targets, mode).await;
        for s in STANDARDS {
            let r = result(&report, s);
            assert_eq!(r.state, State::Drifted, "{s} {mode:?}: {:?}", r.error);
            assert!(!r.planned.is_empty(), "{s}");
        }
        assert_eq!(report.tenants[0].writes, 0);
    }
    assert_eq!(
        exchange_state(&sim),
        before,
        "report and alert changed Exchange"
    );
    assert!(writes(&sim).is_empty(), "{:?}", writes(&sim));

    // Remediate: every standard confirmed by a fresh read.
    let report = runner
        .run(&exchange_template(), &targets, Mode::Remediate)
        .await;
    for s in STANDARDS {
        let r = result(&report, s);
        assert_eq!(r.state, State::Remediated, "{s}: {:?}", r.error);
        assert!(r.remediation.as_ref().unwrap().confirmed, "{s}");
    }
    let after = exchange_state(&sim);

    // Per-object standards changed exactly the objects they planned for.
    let archived = changed(
        &before,
        &after,
        "Mailbox",
        "UserPrincipalName",
        "ArchiveGuid",
    );
    assert_eq!(
        archived,
        planned_identities(&report, "EnableOnlineArchiving", "Enable-Mailbox")
    );
    assert!(!archived.contains(&"info@alphadental.com".to_string()));
    assert_eq!(
        changed(
            &before,
            &after,
            "Mailbox",
            "UserPrincipalName",
            "RecipientLimits"
        ),
        ["sofia.wilke@alphadental.com"]
    );
    assert_eq!(
        changed(
            &before,
            &after,
            "Mailbox",
            "UserPrincipalName",
            "IsExchangeCloudManaged"
        ),
        ["henrietta.lind@alphadental.com"]
    );
    let shell_off = changed(&before, &after, "User", "Guid", "RemotePowerShellEnabled");
    assert_eq!(
        shell_off,
        planned_identities(&report, "DisableExchangeOnlinePowerShell", "Set-User")
    );
    // Global administrators keep the shell.
    let admin = after["User"]
        .iter()
        .find(|u| u["UserPrincipalName"] == "miriam.gu@alphadental.com")
        .unwrap();
    assert_eq!(admin["RemotePowerShellEnabled"], true);
    assert_eq!(
        changed(&before, &after, "MailboxPlan", "Guid", "MaxSendSize"),
        planned_identities(&report, "SendReceiveLimitTenant", "Set-MailboxPlan")
    );
    assert_eq!(
        changed(
            &before,
            &after,
            "DkimSigningConfig",
            "Identity",
            "Selector1KeySize"
        ),
        planned_identities(&report, "RotateDKIM", "Rotate-DkimSigningConfig")
    );

    // Only the shared and the room mailbox's accounts were disabled.
    let accounts_after = enabled_accounts(&collector).await;
    let mut disabled: Vec<String> = accounts_before
        .iter()
        .filter(|u| !accounts_after.contains(u))
        .cloned()
        .collect();
    disabled.sort();
    assert_eq!(
        disabled,
        [
            "961dfc2e-1837-5fa7-a89f-31b56d92cc8b",
            "a1e7c0de-0000-4000-8000-00000000e001"
        ]
    );

    // Policies: ours were created with their rules; the built-in ones were left alone.
    for (noun, ours) in [
        ("SafeLinksPolicy", "CIPP Default SafeLinks Policy"),
        (
            "SafeAttachmentPolicy",
            "CIPP Default Safe Attachment Policy",
        ),
        ("AntiPhishPolicy", "CIPP Default Anti-Phishing Policy"),
        ("MalwareFilterPolicy", "CIPP Default Malware Policy"),
    ] {
        let added: Vec<&Value> = after[noun]
            .iter()
            .filter(|p| !before[noun].contains(p))
            .collect();
        assert_eq!(added.len(), 1, "{noun}: {added:?}");
        assert_eq!(added[0]["Name"], ours);
        for old in &before[noun] {
            assert!(after[noun].contains(old), "{noun}: {old} changed");
        }
        let rule_noun = noun.replace("Policy", "Rule");
        let rules = &after[rule_noun.as_str()];
        assert_eq!(rules.len(), 1, "{rule_noun}");
        assert_eq!(rules[0][noun], ours);
        assert_eq!(rules[0]["Priority"], 0);
        assert_eq!(
            rules[0]["RecipientDomainIs"],
            json!(["alpha.onmicrosoft.com", "alphadental.com"])
        );
    }
    let anti_phish = after["AntiPhishPolicy"]
        .iter()
        .find(|p| p["Name"] == "CIPP Default Anti-Phishing Policy")
        .unwrap();
    // The tenant has Defender for Office 365: impersonation protection is part of the policy.
    assert_eq!(anti_phish["EnableTargetedUserProtection"], true);
    assert_eq!(anti_phish["PhishThresholdLevel"], 2);
    let malware = after["MalwareFilterPolicy"]
        .iter()
        .find(|p| p["Name"] == "CIPP Default Malware Policy")
        .unwrap();
    let types = malware["FileTypes"].as_array().unwrap();
    assert!(types.contains(&json!("pub")) && types.contains(&json!("exe")));
    assert_eq!(malware["FileTypeAction"], "Reject");
    // The former vendor's allowance went; the new domain is allowed for both kinds of spoofing.
    let mut spoof: Vec<String> = after["TenantAllowBlockListSpoofItems"]
        .iter()
        .map(|i| {
            format!(
                "{} {}",
                i["SendingInfrastructure"].as_str().unwrap(),
                i["SpoofType"].as_str().unwrap()
            )
        })
        .collect();
    spoof.sort();
    assert_eq!(
        spoof,
        ["phishsim.example External", "phishsim.example Internal"]
    );

    // Add-ins: exactly the three add-in roles left the default policy, nothing else.
    let removed: Vec<&Value> = before["ManagementRoleAssignment"]
        .iter()
        .filter(|a| !after["ManagementRoleAssignment"].contains(a))
        .collect();
    let mut removed_roles: Vec<&str> = removed
        .iter()
        .map(|a| a["Role"].as_str().unwrap())
        .collect();
    removed_roles.sort();
    assert_eq!(
        removed_roles,
        [
            "My Custom Apps",
            "My Marketplace Apps",
            "My ReadWriteMailbox Apps"
        ]
    );
    assert_eq!(
        after["ManagementRoleAssignment"].len() + 3,
        before["ManagementRoleAssignment"].len()
    );
    let roles = after["RoleAssignmentPolicy"][0]["AssignedRoles"]
        .as_array()
        .unwrap();
    assert!(roles.contains(&json!("MyBaseOptions")) && !roles.contains(&json!("My Custom Apps")));

    // Branding: the given fields set, the others left as they were.
    let ome = &after["OMEConfiguration"][0];
    assert_eq!(ome["BackgroundColor"], "#0a6ebd");
    assert_eq!(ome["SocialIdSignIn"], false);
    assert_eq!(
        ome["OTPEnabled"],
        before["OMEConfiguration"][0]["OTPEnabled"]
    );
    assert_eq!(ome["EmailText"], before["OMEConfiguration"][0]["EmailText"]);

    // With the default name the built-in anti-spam policy is the one set, and it takes no rule.
    assert_eq!(after["HostedContentFilterPolicy"].len(), 1);
    let spam = &after["HostedContentFilterPolicy"][0];
    assert_eq!(spam["Name"], "Default");
    assert_eq!(spam["BulkThreshold"], 5);
    assert_eq!(spam["SpamAction"], "Quarantine");
    assert_eq!(spam["MarkAsSpamWebBugsInHtml"], "On");
    assert_eq!(spam["QuarantineRetentionPeriod"], 30);
    assert!(after["HostedContentFilterRule"].is_empty());
    assert_eq!(
        after["ReportSubmissionRule"][0]["SentTo"],
        json!(["secops@alphadental.com"])
    );
    assert_eq!(
        after["GlobalQuarantinePolicy"][0]["EndUserSpamNotificationFrequency"],
        "PT4H"
    );
    // The quarantine tags were not touched.
    assert_eq!(after["QuarantinePolicy"], before["QuarantinePolicy"]);

    // And the next report finds every standard compliant.
    let report = runner
        .run(&exchange_template(), &targets, Mode::Report)
        .await;
    for s in STANDARDS {
        assert_eq!(result(&report, s).state, State::Compliant, "{s}");
    }
}

#[tokio::test]
async fn a_named_spam_policy_is_created_with_its_own_rule_and_the_default_is_left() {
    let sim = Sim::start().await.unwrap();
    let pipeline = cipp_testkit::pipeline(&sim).unwrap();
    let runner = StandardsRunner::builder(pipeline).build();
    let before = sim
        .exchange_objects(TENANT, "HostedContentFilterPolicy", false)
        .unwrap();
    let templates = template(json!({
        "SpamFilterPolicy": {"action": ["Remediate"], "name": "Alpha Spam Policy",
            "EnableRegionBlockList": true, "RegionBlockList": [{"label": "Russia", "value": "ru"}],
            "AllowedSenderDomains": "dentalsupplies.example"},
    }));
    let targets = [Target::from_domain(TENANT)];
    let report = runner.run(&templates, &targets, Mode::Remediate).await;
    let r = result(&report, "SpamFilterPolicy");
    assert_eq!(r.state, State::Remediated, "{:?}", r.error);
    let policies = sim
        .exchange_objects(TENANT, "HostedContentFilterPolicy", false)
        .unwrap();
    assert!(policies.contains(&before[0]), "the default policy changed");
    let ours = policies
        .iter()
        .find(|p| p["Name"] == "Alpha Spam Policy")
        .unwrap();
    assert_eq!(ours["RegionBlockList"], json!(["RU"]));
    assert_eq!(
        ours["AllowedSenderDomains"],
        json!(["dentalsupplies.example"])
    );
    let rules = sim
        .exchange_objects(TENANT, "HostedContentFilterRule", false)
        .unwrap();
    assert_eq!(rules.len(), 1);
    assert_eq!(rules[0]["Name"], "Alpha Spam Policy");
    assert_eq!(rules[0]["HostedContentFilterPolicy"], "Alpha Spam Policy");
    assert_eq!(rules[0]["State"], "Enabled");
    let report = runner.run(&templates, &targets, Mode::Report).await;
    assert_eq!(result(&report, "SpamFilterPolicy").state, State::Compliant);

    // A rule someone switched off is drifted, and remediation only switches it back on.
    let off = Step::Exchange {
        cmdlet: "Disable-HostedContentFilterRule".into(),
        parameters: json!({"Identity": "Alpha Spam Policy"})
            .as_object()
            .cloned()
            .unwrap(),
        continue_on_error: false,
        compliance: false,
    };
    let pipeline = cipp_testkit::pipeline(&sim).unwrap();
    assert!(apply(&pipeline, TENANT, &[off]).await[0].error.is_none());
    let report = runner.run(&templates, &targets, Mode::Remediate).await;
    let r = result(&report, "SpamFilterPolicy");
    assert_eq!(r.state, State::Remediated, "{:?}", r.error);
    let cmdlets: Vec<&str> = r
        .planned
        .iter()
        .filter_map(|s| match s {
            Step::Exchange { cmdlet, .. } => Some(cmdlet.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(cmdlets, ["Enable-HostedContentFilterRule"]);
}

#[tokio::test]
async fn destructive_exchange_standards_need_permission() {
    let sim = Sim::start().await.unwrap();
    let pipeline = cipp_testkit::pipeline(&sim).unwrap();
    let runner = StandardsRunner::builder(pipeline).build();
    let before = exchange_state(&sim);
    let templates = template(json!({
        "DisableSharedMailbox": {"action": ["Remediate"]},
        "DisableResourceMailbox": {"action": ["Remediate"]},
        "DisableOutlookAddins": {"action": ["Remediate"]},
    }));
    let report = runner
        .run(&templates, &[Target::from_domain(TENANT)], Mode::Remediate)
        .await;
    for s in [
        "DisableSharedMailbox",
        "DisableResourceMailbox",
        "DisableOutlookAddins",
    ] {
        let r = result(&report, s);
        assert_eq!(r.state, State::RemediationFailed, "{s}");
        assert!(r.error.as_deref().unwrap().contains("allow_destructive"));
    }
    assert!(writes(&sim).is_empty(), "{:?}", writes(&sim));
    assert_eq!(exchange_state(&sim), before);
}

#[tokio::test]
async fn bad_exchange_settings_are_typed_errors_and_nothing_is_written() {
    let sim = Sim::start().await.unwrap();
    let pipeline = cipp_testkit::pipeline(&sim).unwrap();
    let runner = StandardsRunner::builder(pipeline).build();
    let before = exchange_state(&sim);
    let templates = template(json!({
        "SendReceiveLimitTenant": {"action": ["Remediate"], "SendLimit": 200},
        "MailboxRecipientLimits": {"action": ["Remediate"], "RecipientLimit": "many"},
        "GlobalQuarantineNotifications": {"action": ["Remediate"], "NotificationInterval": "2 days"},
        "UserSubmissions": {"action": ["Remediate"], "state": "enable", "email": "security team"},
        "SafeAttachmentPolicy": {"action": ["Remediate"], "SafeAttachmentAction": "Shred"},
        "EnableExchangeCloudManagement": {"action": ["Remediate"], "state": "maybe"},
    }));
    let report = runner
        .run(&templates, &[Target::from_domain(TENANT)], Mode::Remediate)
        .await;
    for (s, needle) in [
        ("SendReceiveLimitTenant", "SendLimit"),
        ("MailboxRecipientLimits", "RecipientLimit"),
        ("GlobalQuarantineNotifications", "2 days"),
        ("UserSubmissions", "security team"),
        ("SafeAttachmentPolicy", "Shred"),
        ("EnableExchangeCloudManagement", "state"),
    ] {
        let r = result(&report, s);
        assert_eq!(r.state, State::Error, "{s}");
        assert!(
            r.error.as_deref().unwrap().contains(needle),
            "{s}: {:?}",
            r.error
        );
    }
    assert_eq!(exchange_state(&sim), before);
}
