//! `UserSubmissions`: where the Report button in Outlook sends what users report.

use serde_json::{json, Map, Value};

use super::exchange_common::{set_of, EXCHANGE_PLANS};
use super::util::{exchange, single, text};
use super::{Assessment, Input, Standard};
use crate::error::StandardsError;
use crate::plan::Step;

/// The tenant's report submission policy (`DefaultReportSubmissionPolicy`) and rule
/// (`DefaultReportSubmissionRule`). `state` `enable` (the default): users' reports of junk,
/// not-junk and phishing go to Microsoft and, when `email` is given, to that mailbox too (the
/// rule then sends them there and is on); without `email` the rule is off. `disable`: reports
/// go nowhere and the rule is off. The policy is created when missing (unless disabling),
/// the rule when an address needs it.
#[derive(Debug, Clone, Copy, Default)]
pub struct UserSubmissions;

const POLICY: &str = "DefaultReportSubmissionPolicy";
const RULE: &str = "DefaultReportSubmissionRule";
const FLAGS: [&str; 3] = [
    "ReportJunkToCustomizedAddress",
    "ReportNotJunkToCustomizedAddress",
    "ReportPhishToCustomizedAddress",
];
const LISTS: [&str; 3] = [
    "ReportJunkAddresses",
    "ReportNotJunkAddresses",
    "ReportPhishAddresses",
];

impl Standard for UserSubmissions {
    fn name(&self) -> &'static str {
        "UserSubmissions"
    }
    fn label(&self) -> &'static str {
        "Where users' reported mail goes"
    }
    fn category(&self) -> &'static str {
        "Exchange Standards"
    }
    fn description(&self) -> &'static str {
        "Sends the junk and phishing that users report with Outlook's Report button to \
         Microsoft and, optionally, to a mailbox of yours, or turns reporting off."
    }
    fn cache_types(&self) -> &'static [&'static str] {
        &["ExoReportSubmissionPolicy", "ExoReportSubmissionRule"]
    }
    fn required_capabilities(&self) -> &'static [&'static str] {
        EXCHANGE_PLANS
    }
    fn settings(&self) -> &'static [(&'static str, &'static str)] {
        &[("state", "enable")]
    }

    fn assess(&self, input: &Input<'_>) -> Result<Assessment, StandardsError> {
        let bad = |setting: &str, message: String| StandardsError::Setting {
            standard: self.name().into(),
            setting: setting.into(),
            message,
        };
        let state = text(input.settings, "state").unwrap_or_else(|| "enable".into());
        let enable = match state.to_ascii_lowercase().as_str() {
            "enable" => true,
            "disable" => false,
            _ => {
                return Err(bad(
                    "state",
                    format!("'{state}' is neither enable nor disable"),
                ))
            }
        };
        let email = text(input.settings, "email").filter(|_| enable);
        if let Some(e) = &email {
            if !e.contains('@') {
                return Err(bad("email", format!("'{e}' is not a mail address")));
            }
        }
        let policy = input.rows("ExoReportSubmissionPolicy").first();
        let rule = input.rows("ExoReportSubmissionRule").first();
        if !enable && policy.is_none() {
            return Ok(single(
                json!({"policy": null}),
                json!({"policy": null}),
                vec![],
            ));
        }
        let rule_on = rule.is_some_and(|r| {
            r["State"]
                .as_str()
                .is_some_and(|s| s.eq_ignore_ascii_case("Enabled"))
        });
        let addresses: Vec<String> = email.iter().map(|e| e.to_ascii_lowercase()).collect();
        let mut want = Map::new();
        want.insert("EnableReportToMicrosoft".into(), json!(enable));
        for f in FLAGS {
            want.insert(f.into(), json!(email.is_some()));
        }
        for l in LISTS {
            want.insert(l.into(), json!(addresses));
        }
        let mut have = Map::new();
        for k in want.keys() {
            let v = policy.map(|p| p[k].clone()).unwrap_or(Value::Null);
            let v = if k.ends_with("Addresses") {
                json!(set_of(&v))
            } else {
                v
            };
            have.insert(k.clone(), v);
        }
        let current = json!({
            "policy": {"exists": policy.is_some(), "settings": have},
            "rule": {"enabled": rule_on,
                     "SentTo": if email.is_some() { json!(rule.map(|r| set_of(&r["SentTo"])).unwrap_or_default()) } else { Value::Null }},
        });
        let expected = json!({
            "policy": {"exists": true, "settings": want},
            "rule": {"enabled": email.is_some(),
                     "SentTo": if email.is_some() { json!(addresses) } else { Value::Null }},
        });
        let mut steps: Vec<Step> = Vec::new();
        if current["policy"] != expected["policy"] {
            let mut params = Map::new();
            params.insert("EnableReportToMicrosoft".into(), json!(enable));
            for f in FLAGS {
                params.insert(f.into(), json!(email.is_some()));
            }
            let list: Vec<&String> = email.iter().collect();
            for l in LISTS {
                params.insert(l.into(), json!(list));
            }
            let cmdlet = if policy.is_some() {
                params.insert("Identity".into(), json!(POLICY));
                "Set-ReportSubmissionPolicy"
            } else {
                "New-ReportSubmissionPolicy"
            };
            steps.push(exchange(cmdlet, Value::Object(params)));
        }
        match (&email, rule) {
            (Some(e), None) => steps.push(exchange(
                "New-ReportSubmissionRule",
                json!({"Name": RULE, "ReportSubmissionPolicy": POLICY, "SentTo": [e]}),
            )),
            (Some(e), Some(r)) => {
                let id = r["Identity"].as_str().unwrap_or(RULE);
                if current["rule"]["SentTo"] != expected["rule"]["SentTo"] {
                    steps.push(exchange(
                        "Set-ReportSubmissionRule",
                        json!({"Identity": id, "SentTo": [e]}),
                    ));
                }
                if !rule_on {
                    steps.push(exchange(
                        "Enable-ReportSubmissionRule",
                        json!({"Identity": id}),
                    ));
                }
            }
            (None, Some(r)) if rule_on => steps.push(exchange(
                "Disable-ReportSubmissionRule",
                json!({"Identity": r["Identity"].as_str().unwrap_or(RULE)}),
            )),
            (None, _) => {}
        }
        Ok(single(current, expected, steps))
    }
}
