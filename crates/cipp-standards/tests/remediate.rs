//! Drifted -> remediated -> compliant on the simulator, for every declarative standard: of our
//! own catalogue, and of CIPP's definition files. One driver serves any catalogue, so a new
//! catalogue file is covered the moment it is added.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::fmt;

use cipp_sim::Sim;
use cipp_snapshot::{Collector, Registry, LICENCE_TYPE};
use cipp_standards::code::{self, Standard};
use cipp_standards::{
    apply, evaluate, plan_for, Catalogue, CompareOptions, Definition, Outcome, Target,
};
use serde_json::{json, Map, Value};

const TENANT: &str = "alphadental.com";
const TENANT_ID: &str = "1f3c7e2a-8b14-4a6e-9d21-6c0f5e8a9b11";

/// Values a person must type in for the standard to mean anything (their default is empty).
const FILLED_IN: &[(&str, &str, &str)] = &[
    (
        "OutBoundSpamAlert",
        "OutboundSpamContact",
        "secops@alphadental.com",
    ),
    // Optional contacts: only the ones given are compared and written.
    ("MailContacts", "GeneralContact", "privacy@alphadental.com"),
    ("MailContacts", "SecurityContact", "secops@alphadental.com"),
    ("MailContacts", "TechContact", "it@alphadental.com"),
    ("intuneBrandingProfile", "displayName", "Alpha Dental IT"),
    // Optional branding texts: only those given are compared and written.
    ("Branding", "signInPageText", "Alpha Dental staff only"),
    ("Branding", "usernameHintText", "name@alphadental.com"),
    (
        "intuneBrandingProfile",
        "contactITEmailAddress",
        "helpdesk@alphadental.com",
    ),
];

/// Standards that may end elsewhere than remediated, and why. Everything else that is
/// declarative and reads a cache type the collector serves must reach compliant.
const EXCEPTIONS: &[(&str, &str)] = &[
    // No settings, and the seed already has FIDO2 on: there is no drift to make.
    ("EnableFIDO2", "compliant already, nothing to vary"),
    // The seeded tenant has no plan with Customer Lockbox: not applicable, rightly.
    (
        "EnableCustomerLockbox",
        "the seed has no Customer Lockbox licence",
    ),
];

/// How one standard ended.
#[derive(Debug)]
enum Verdict {
    /// Drifted, remediated, and confirmed compliant by a fresh collection.
    Remediated { alternative: bool },
    /// Not counted: the engine does not remediate it from data (template, custom, manual).
    NotDeclarative(String),
    /// Not counted: no collector serves its cache type.
    NotServed(String),
    /// Compliant with the defaults, and no other settings exist to make drift.
    AlreadyCompliant,
    /// Anything else: no data, never drifted, or still drifted after remediation.
    Failed(String),
}

impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Verdict::Remediated { alternative: false } => write!(f, "remediated (defaults)"),
            Verdict::Remediated { alternative: true } => write!(f, "remediated (other settings)"),
            Verdict::NotDeclarative(why) => write!(f, "not counted: {why}"),
            Verdict::NotServed(t) => write!(f, "not counted: cache type {t} is not collected"),
            Verdict::AlreadyCompliant => write!(f, "compliant already"),
            Verdict::Failed(why) => write!(f, "not compliant: {why}"),
        }
    }
}

/// Settings for a run: the defaults, a filled-in value where a person must give one, and the
/// first option where a picker has no default.
fn base_settings(def: &Definition) -> Map<String, Value> {
    let mut s = Map::new();
    for (name, var) in &def.variables {
        let filled = FILLED_IN
            .iter()
            .find(|(std, v, _)| *std == def.name && v == name)
            .map(|(_, _, value)| json!(value));
        let value = filled
            .or_else(|| var.default.clone().filter(|d| !d.is_null()))
            .or_else(|| var.options.first().and_then(|o| o.get("value").cloned()));
        if let Some(v) = value {
            s.insert(name.clone(), v);
        }
    }
    s
}

/// Other allowed settings: each switch flipped, each number plus one, each picker on another
/// option (text stays). `None` when nothing could change.
fn alternative(def: &Definition, base: &Map<String, Value>) -> Option<Map<String, Value>> {
    let mut out = base.clone();
    let mut changed = false;
    for (name, value) in base {
        let var = &def.variables[name];
        let other = match var.kind.as_str() {
            "switch" => value.as_bool().map(|b| json!(!b)),
            "number" => value.as_i64().map(|n| json!(n + 1)),
            _ => var
                .options
                .iter()
                .filter_map(|o| o.get("value"))
                .find(|v| *v != value)
                .cloned(),
        };
        if let Some(other) = other {
            out.insert(name.clone(), other);
            changed = true;
        }
    }
    changed.then_some(out)
}

/// Drive one standard on the simulated tenant: evaluate (drifted, with other settings if the
/// defaults already hold), plan, apply, re-collect, evaluate again.
async fn drive(def: &Definition, collector: &Collector, pipeline: &cipp_core::Pipeline) -> Verdict {
    match try_drive(def, collector, pipeline).await {
        Ok(v) | Err(v) => v,
    }
}

/// [`drive`], with every early end as an `Err` so `?` can stop it.
async fn try_drive(
    def: &Definition,
    collector: &Collector,
    pipeline: &cipp_core::Pipeline,
) -> Result<Verdict, Verdict> {
    if let Some(why) = def.unsupported_reason() {
        return Err(Verdict::NotDeclarative(why.into()));
    }
    if !def.is_declarative() {
        return Err(Verdict::NotDeclarative(format!(
            "executor {:?}",
            def.executor()
        )));
    }
    let cache_type = def
        .read
        .as_ref()
        .map(|r| r.cache_type.as_str())
        .unwrap_or_default();
    if Registry::builtin().get(cache_type).is_none() {
        return Err(Verdict::NotServed(cache_type.into()));
    }
    // The tenant id too: Intune's default enrollment configurations are named after it.
    let ctx = Target::managed(TENANT_ID, TENANT, None, None, std::iter::empty::<String>()).context;
    let types = [cache_type, LICENCE_TYPE];
    let failed = |what: &str, e: &dyn fmt::Debug| Verdict::Failed(format!("{what}: {e:?}"));
    let judge = |settings: &Map<String, Value>, snapshot| {
        evaluate(def, settings, snapshot, &ctx, CompareOptions::default())
            .map(|e| e.outcome)
            .map_err(|e| failed("evaluation", &e))
    };
    let before = collector.collect(TENANT, &types).await.unwrap();
    let mut settings = base_settings(def);
    let mut alternative_used = false;
    let mut outcome = judge(&settings, &before)?;
    if matches!(outcome, Outcome::Compliant { .. }) {
        settings = alternative(def, &settings).ok_or(Verdict::AlreadyCompliant)?;
        alternative_used = true;
        outcome = judge(&settings, &before)?;
    }
    if !matches!(outcome, Outcome::Drifted { .. }) {
        return Err(failed("before remediation", &outcome));
    }
    let steps = match plan_for(def, &settings, &before, &ctx) {
        Ok(Some(steps)) => steps,
        other => return Err(failed("no plan", &other)),
    };
    let errors: Vec<String> = apply(pipeline, TENANT, &steps)
        .await
        .into_iter()
        .filter_map(|o| o.error)
        .collect();
    let after = collector.collect(TENANT, &types).await.unwrap();
    match judge(&settings, &after)? {
        Outcome::Compliant { .. } => Ok(Verdict::Remediated {
            alternative: alternative_used,
        }),
        other => Err(failed("after remediation", &(other, errors))),
    }
}

/// Run every standard of `catalogue` on a fresh simulator, print the table of outcomes, and
/// check that every counted standard reached compliant (bar [`EXCEPTIONS`]). Returns how many
/// were remediated.
async fn remediate_all(title: &str, catalogue: &Catalogue) -> usize {
    let sim = Sim::start().await.unwrap();
    let pipeline = cipp_testkit::pipeline(&sim).unwrap();
    let collector = Collector::new(pipeline.clone());
    let mut table = format!("{title}: {} standards\n", catalogue.len());
    let mut remediated = 0;
    let mut unexpected = Vec::new();
    for def in catalogue.definitions() {
        let verdict = drive(def, &collector, &pipeline).await;
        let exception = EXCEPTIONS.iter().find(|(n, _)| *n == def.name);
        table.push_str(&format!("  {:<40} {verdict}", def.name));
        if let Some((_, why)) = exception {
            table.push_str(&format!("  [allowed: {why}]"));
        }
        table.push('\n');
        match verdict {
            Verdict::Remediated { .. } => remediated += 1,
            Verdict::NotDeclarative(_) | Verdict::NotServed(_) => {}
            Verdict::AlreadyCompliant | Verdict::Failed(_) if exception.is_none() => {
                unexpected.push(def.name.clone())
            }
            Verdict::AlreadyCompliant | Verdict::Failed(_) => {}
        }
    }
    table.push_str(&format!(
        "  => {remediated} remediated and confirmed compliant\n"
    ));
    println!("{table}");
    assert!(
        unexpected.is_empty(),
        "did not reach compliant: {unexpected:?}\n{table}"
    );
    remediated
}

#[tokio::test]
async fn every_catalogue_standard_remediates_on_the_simulator() {
    let remediated = remediate_all("our catalogue", Catalogue::builtin()).await;
    // A floor, so a driver that silently counts nothing cannot pass: CIPP's 73 declarative
    // definitions less EnableFIDO2 and EnableCustomerLockbox, plus our 23 for classic
    // standards CIPP has no definition of, 3 that our `mergeCurrent` extension unlocked, and
    // 4 that optional variables, `createWhenMissing` and `%current.id%` unlocked, and 2 that
    // `{tenantId}` in read paths unlocked.
    assert!(remediated >= 71 + 23 + 3 + 4 + 2, "{remediated}");
}

#[tokio::test]
async fn every_cipp_definition_remediates_on_the_simulator() {
    let cipp = Catalogue::from_dir(support::cipp_definitions_dir()).unwrap();
    assert_eq!(cipp.len(), 79);
    let remediated = remediate_all("CIPP's BaselineStandards", &cipp).await;
    assert!(remediated >= 71, "{remediated}");
}

/// The simulator's demo data is dated around this day (2026-11-01): code standards that count
/// days are judged as of it, so the test does not age.
const AS_OF: &str = "2026-11-01T00:00:00Z";

/// Settings a code standard is driven with: its defaults, and where a person must type
/// something (or a lookup is worth exercising) a value that means something in the seed.
fn code_settings(standard: &dyn Standard) -> Map<String, Value> {
    let mut s = Map::new();
    for (name, default) in standard.settings() {
        if !default.is_empty() {
            s.insert((*name).into(), json!(default));
        }
    }
    let extra = match standard.name() {
        "CustomBannedPasswordList" => json!({"BannedWords": "alphadental; toothbrush, molars"}),
        // Role and group names, looked up as ids in the tenant.
        "EnableAppConsentRequests" => json!({"ReviewerRoles": [
            {"label": "Global Administrator", "value": "Global Administrator"},
            {"label": "Exchange Administrator", "value": "29232cdf-9323-42fd-ade2-1d097af3e4de"}
        ]}),
        "NudgeMFA" => json!({"snoozeDurationInDays": 3, "excludeGroups": "CA-Exclude-BreakGlass"}),
        "UserPreferredLanguage" => {
            json!({"preferredLanguage": {"label": "en-GB", "value": "en-GB"}})
        }
        "ExcludedfileExt" => json!({"ext": "exe, *.bat,ps1"}),
        "CopilotLimitedMode" => json!({"LimitedModeEnabled": true, "GroupName": "All St*"}),
        "SmartLockout" => json!({"LockoutThreshold": 5, "LockoutDurationInSeconds": "120"}),
        "sharingDomainRestriction" => {
            json!({"Mode": {"label": "Allow", "value": "allowList"}, "Domains": "Partner.example, supplier.example"})
        }
        "MDMScope" => json!({"appliesTo": "selected", "customGroup": "CA-Exclude-BreakGlass"}),
        "AuthenticationMethods" => json!({
            "SMSEnabled": false, "VoiceEnabled": false, "EmailEnabled": false,
            "MicrosoftAuthenticatorEnabled": true, "MicrosoftAuthenticatorSoftwareOath": true,
            "MicrosoftAuthenticatorNumberMatching": {"label": "Enabled", "value": "enabled"},
            "MicrosoftAuthenticatorDisplayLocation": {"label": "Enabled", "value": "enabled"},
            "TAPEnabled": true, "TAPUsableOnce": {"label": "Only Once", "value": "true"},
            "TAPDefaultLifetime": 120, "FIDO2Enabled": true, "FIDO2Group": "CA-Exclude-BreakGlass",
        }),
        "AppManagementPolicy" => json!({
            "passwordCredentialsPasswordAddition": {"label": "Enabled", "value": "enabled"},
            "passwordCredentialsMaxLifetime": 180, "keyCredentialsMaxLifetime": "365",
        }),
        "CollaborationDomainRestriction" => {
            json!({"allowedDomains": "partner.example; Bravologistics.com"})
        }
        "TeamsFederationConfiguration" => json!({
            "AllowTeamsConsumer": false, "AllowPublicUsers": false,
            "DomainControl": {"label": "Allow specific external domains", "value": "AllowSpecificExternal"},
            "DomainList": "bravologistics.com, Partner.example",
        }),
        // Device-bound passkeys of two authenticator models only (YubiKey 5, Feitian).
        "FIDO2PasskeyProfiles" => json!({
            "PasskeyTypes": {"label": "Device-bound only", "value": "deviceBound"},
            "AttestationEnforcement": "registrationOnly", "EnforceKeyRestrictions": true,
            "EnforcementType": "allow",
            "AAGUIDs": "cb69481e-8ff7-4039-93ec-0a2729a154a8, 12ded745-4bed-47d4-abaa-e713f51d6393",
        }),
        "intuneDeviceRetirementDays" => json!({"days": 120}),
        // Two app ids: one include each for delegated and application permissions.
        "OauthConsent" => {
            json!({"AllowedApps": "d3590ed6-52b3-4102-aeff-aad2292ab01c, 00000003-0000-0ff1-ce00-000000000000"})
        }
        // An address makes the report submission rule part of the drive.
        "UserSubmissions" => json!({"state": "enable", "email": "secops@alphadental.com"}),
        "OMEBranding" => {
            json!({"BackgroundColor": "#0a6ebd", "PortalText": "Alpha Dental secure mail",
            "OTPEnabled": {"label": "Yes", "value": true}, "SocialIdSignIn": {"label": "No", "value": false}})
        }
        "PhishSimSpoofIntelligence" => json!({"AllowedDomains": [{"label": "phishsim.example",
            "value": "phishsim.example"}], "RemoveExtraDomains": true}),
        "SafeLinksPolicy" => {
            json!({"DoNotRewriteUrls": "portal.alphadental.com; *.dentalsupplies.example"})
        }
        "QuarantineRequestAlert" => json!({"NotifyUser": "secops@alphadental.com"}),
        "SharePointMassDeletionAlert" => json!({"NotifyUser": [
            {"label": "secops@alphadental.com", "value": "secops@alphadental.com"}],
            "Threshold": 25, "TimeWindow": 30}),
        "GlobalQuarantineNotifications" => {
            json!({"NotificationInterval": {"label": "4 hours", "value": "04:00:00"}})
        }
        "SetDefaultMailboxFont" => {
            json!({"DefaultFontName": {"label": "Aptos", "value": "Aptos"}, "DefaultFontColor": "#000000"})
        }
        "calDefault" => {
            json!({"permissionLevel": {"label": "Availability Only", "value": "AvailabilityOnly"}})
        }
        "GlobalQuarantineSettings" => json!({"SenderName": "Alpha Dental IT",
            "CustomSubject": "Mail held for you", "CustomDisclaimer": "Ask IT before releasing.",
            "FromAddress": "quarantine@alphadental.com", "OrganizationBrandingEnabled": true}),
        "QuarantineTemplate" => {
            json!({"displayName": {"label": "Alpha Quarantine", "value": "Alpha Quarantine"},
            "ReleaseAction": {"label": "Request release", "value": "PermissionToRequestRelease"},
            "PermissionToDelete": true, "PermissionToBlockSender": true})
        }
        "RetentionPolicyTag" => json!({"AgeLimitForRetention": 30}),
        // The seed's branding CSS has a broken copy of the rule and a footer colour to keep.
        "PhishProtection" => json!({"CIPPUrl": "https://cipp.alphadental.com"}),
        "PhishingSimulations" => json!({
            "Domains": [{"label": "phishvendor.example", "value": "phishvendor.example"}],
            "SenderIpRanges": "203.0.113.0/24",
            "PhishingSimUrls": [{"label": "training.phishvendor.example", "value": "training.phishvendor.example"}]}),
        "ColleagueImpersonationAlert" => json!({
            "disclaimerHtml": "<p style='color:red'>This sender uses a colleague's name but is outside Alpha Dental.</p>",
            "excludedMailboxes": "Info", "additionalExemptSenders": "payroll@bureau.example"}),
        "DeployMailContact" => json!({"DisplayName": "Dental Supplies Support",
            "ExternalEmailAddress": "Support@DentalSupplies.example", "FirstName": "Dental",
            "LastName": "Supplies"}),
        // Created in the run (no profile of this name yet); assignment is driven in code.rs.
        "AutopilotProfile" => json!({
            "DisplayName": "Alpha Dental Autopilot", "Description": "Front desk and surgery PCs",
            "DeviceNameTemplate": "AD%SERIAL%", "Languages": {"label": "English (UK)", "value": "en-GB"},
            "CollectHash": true, "HidePrivacy": true, "HideTerms": true, "AutoKeyboard": true,
            "NotLocalAdmin": true,
        }),
        "AutopilotStatusPage" => json!({"TimeOutInMinutes": 90,
            "ErrorMessage": "Call the Alpha Dental helpdesk on 0123"}),
        // scid_ (Defender) controls are passed over; the others change state.
        "SecureScoreRemediation" => json!({
            "Ignored": [{"label": "Self-service password reset", "value": "SelfServicePasswordReset"}],
            "ThirdParty": "BlockLegacyAuthentication", "Reviewed": "PWAgePolicyNew",
            "Default": "scid_2000",
        }),
        // The seed lets users change photos in both services.
        "ProfilePhotos" => json!({"state": {"label": "Disabled", "value": "disabled"}}),
        // Delegated writes: the simulator refuses app-only tokens on this API, as Graph does.
        "CopilotSettings" => json!({"copilotChatPinning": "0", "imageGeneration": "donotconfigure",
            "allowWebSearch": {"label": "Disabled in Microsoft 365 Copilot and Microsoft 365 Copilot Chat", "value": "1"}}),
        // Joined to an existing security group, found by the start of its name.
        "DevicePrepProfile" => json!({"ProfileName": "Alpha Dental device preparation",
            "DeploymentType": {"label": "Single user", "value": "0"}, "JoinType": "0",
            "Timeout": 90, "AllowDiagnostics": true, "DeviceGroupName": "CA-Exclude"}),
        _ => json!({}),
    };
    s.extend(extra.as_object().cloned().unwrap_or_default());
    s
}

/// Drive one code standard: judge (drifted), plan, apply, collect again, judge (compliant).
async fn drive_code(
    standard: &dyn Standard,
    collector: &Collector,
    pipeline: &cipp_core::Pipeline,
) -> Result<usize, String> {
    let ctx = Target::managed(TENANT_ID, TENANT, None, None, std::iter::empty::<String>()).context;
    let as_of = code::parse_timestamp(AS_OF).unwrap() as u64;
    let settings = code_settings(standard);
    let mut types: Vec<&str> = standard.cache_types().to_vec();
    types.push(LICENCE_TYPE);
    let before = collector.collect(TENANT, &types).await.unwrap();
    let input = code::Input::new(&settings, &before, &ctx).as_of(as_of);
    let first = code::assess(standard, &input).map_err(|e| e.to_string())?;
    if !matches!(first.outcome, Outcome::Drifted { .. }) || first.steps.is_empty() {
        return Err(format!("before remediation: {:?}", first.outcome));
    }
    let errors: Vec<String> = apply(pipeline, TENANT, &first.steps)
        .await
        .into_iter()
        .filter_map(|o| o.error)
        .collect();
    let after = collector.collect(TENANT, &types).await.unwrap();
    let input = code::Input::new(&settings, &after, &ctx).as_of(as_of);
    match code::assess(standard, &input).map_err(|e| e.to_string())? {
        a if matches!(a.outcome, Outcome::Compliant { .. }) => Ok(first.steps.len()),
        a => Err(format!("after remediation: {:?} {errors:?}", a.outcome)),
    }
}

#[tokio::test]
async fn every_code_standard_remediates_on_the_simulator() {
    let sim = Sim::start().await.unwrap();
    let pipeline = cipp_testkit::pipeline(&sim).unwrap();
    let collector = Collector::new(pipeline.clone());
    let mut table = format!("code standards: {}\n", code::builtin().len());
    let mut failed = Vec::new();
    for standard in code::builtin() {
        let verdict = drive_code(*standard, &collector, &pipeline).await;
        match &verdict {
            Ok(n) => table.push_str(&format!(
                "  {:<40} remediated ({n} writes)\n",
                standard.name()
            )),
            Err(e) => {
                table.push_str(&format!("  {:<40} not compliant: {e}\n", standard.name()));
                failed.push(standard.name());
            }
        }
    }
    println!("{table}");
    assert!(
        failed.is_empty(),
        "did not reach compliant: {failed:?}\n{table}"
    );
    assert!(code::builtin().len() >= 50);
}
