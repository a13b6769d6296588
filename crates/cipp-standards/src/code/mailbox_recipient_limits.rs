//! `MailboxRecipientLimits`: every mailbox may address the chosen number of recipients.

use serde_json::{json, Value};

use super::exchange_common::EXCHANGE_PLANS;
use super::util::{exchange, number, per_object, Finding};
use super::{Assessment, Input, Standard};
use crate::compare::Difference;
use crate::error::StandardsError;
use crate::evaluate::Outcome;

/// Mailboxes whose `RecipientLimits` differs from `RecipientLimit` (0 to 1000, default 500)
/// get one `Set-Mailbox` each. `Unlimited` means the mailbox plan's
/// `MaxRecipientsPerMessage`. A mailbox whose plan allows fewer recipients than asked cannot
/// be given the limit: it is reported (drifted) and not written.
#[derive(Debug, Clone, Copy, Default)]
pub struct MailboxRecipientLimits;

fn as_limit(v: &Value) -> Option<u64> {
    match v {
        Value::Number(n) => n.as_u64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

impl Standard for MailboxRecipientLimits {
    fn name(&self) -> &'static str {
        "MailboxRecipientLimits"
    }
    fn label(&self) -> &'static str {
        "Recipient limit of every mailbox"
    }
    fn category(&self) -> &'static str {
        "Exchange Standards"
    }
    fn description(&self) -> &'static str {
        "Sets how many recipients one message from each mailbox may have (within what the \
         mailbox plan allows), which caps the damage a hijacked mailbox can do."
    }
    fn cache_types(&self) -> &'static [&'static str] {
        &["Mailboxes", "ExoMailboxPlans"]
    }
    fn required_capabilities(&self) -> &'static [&'static str] {
        EXCHANGE_PLANS
    }
    fn settings(&self) -> &'static [(&'static str, &'static str)] {
        &[("RecipientLimit", "500")]
    }

    fn assess(&self, input: &Input<'_>) -> Result<Assessment, StandardsError> {
        let limit = number(self.name(), input.settings, "RecipientLimit", 500, 0)?;
        if limit > 1000 {
            return Err(StandardsError::Setting {
                standard: self.name().into(),
                setting: "RecipientLimit".into(),
                message: format!("{limit} is above Exchange Online's maximum of 1000"),
            });
        }
        let plans = input.rows("ExoMailboxPlans");
        let mut findings = Vec::new();
        let mut beyond_plan = Vec::new();
        for m in input.rows("Mailboxes") {
            let Some(upn) = m["UserPrincipalName"].as_str() else {
                continue;
            };
            let lower = upn.to_ascii_lowercase();
            if lower.starts_with("discoverysearchmailbox") || lower.starts_with("systemmailbox") {
                continue;
            }
            let plan = m["MailboxPlanId"].as_str().and_then(|id| {
                plans.iter().find(|p| {
                    p["Guid"]
                        .as_str()
                        .is_some_and(|g| g.eq_ignore_ascii_case(id))
                })
            });
            let plan_max = plan.and_then(|p| as_limit(&p["MaxRecipientsPerMessage"]));
            let unlimited = m["RecipientLimits"]
                .as_str()
                .is_some_and(|s| s.eq_ignore_ascii_case("unlimited"));
            let current = if unlimited {
                plan_max
            } else {
                as_limit(&m["RecipientLimits"])
            };
            if let Some(max) = plan_max.filter(|max| limit > *max) {
                beyond_plan.push(Difference {
                    property: upn.to_string(),
                    expected: json!({"RecipientLimits": limit}),
                    current: json!({"RecipientLimits": m["RecipientLimits"].clone(),
                                    "planMaximum": max}),
                });
                continue;
            }
            if current != Some(limit) {
                findings.push(Finding {
                    object: upn.to_string(),
                    current: json!({"RecipientLimits": m["RecipientLimits"].clone()}),
                    expected: json!({"RecipientLimits": limit}),
                    step: exchange(
                        "Set-Mailbox",
                        json!({"Identity": upn, "RecipientLimits": limit}),
                    ),
                });
            }
        }
        let mut assessment = per_object(json!({"RecipientLimit": limit}), findings);
        if !beyond_plan.is_empty() {
            // Mailboxes the plan holds below the limit: drifted, with nothing to write.
            let (current, expected, mut diff) = match assessment.outcome {
                Outcome::Drifted {
                    current,
                    expected,
                    diff,
                } => (current, expected, diff),
                Outcome::Compliant { current } => (current.clone(), current, Vec::new()),
                other => return Ok(Assessment::outcome(other)),
            };
            diff.extend(beyond_plan);
            assessment.outcome = Outcome::Drifted {
                current,
                expected,
                diff,
            };
        }
        Ok(assessment)
    }
}
