//! `ColleagueImpersonationAlert`: outside mail that borrows a colleague's name gets a warning.

use serde_json::{json, Map, Value};

use super::exchange_common::EXCHANGE_PLANS;
use super::util::{exchange, list, single, text};
use super::{Assessment, Input, Standard};
use crate::error::StandardsError;

/// Five transport rules, one per range of first letters (`(A-E) Colleague Impersonation
/// Alert` ... `(U-Z) ...`), prepend the `disclaimerHtml` warning to mail from outside the
/// organisation whose `From` header matches the display name of a colleague: the enabled
/// user and shared mailboxes, less those whose name contains one of `excludedMailboxes`.
/// Mail from the tenant's own domains (not `*.onmicrosoft.com`) and from
/// `additionalExemptSenders` is exempt; exemptions someone added to a rule are kept.
///
/// The names are split by first letter because a transport rule's patterns are limited in
/// size, which is why this is code, as is the list itself (read from the mailboxes, each name
/// escaped as a .NET regular expression, as Exchange matches it). A rule is judged by its
/// name list alone, as CIPP judges it; only missing rules and rules with an outdated list are
/// written, and no other transport rule is read or changed. Without `disclaimerHtml` the text
/// of an existing rule of this standard is used.
#[derive(Debug, Clone, Copy, Default)]
pub struct ColleagueImpersonationAlert;

const MAILBOXES: &str = "Mailboxes";
const DOMAINS: &str = "ExoAcceptedDomains";
const RULES: &str = "ExoTransportRules";
const SUFFIX: &str = "Colleague Impersonation Alert";

/// The letter ranges, each its own rule.
const RANGES: [(&str, char, char); 5] = [
    ("A-E", 'a', 'e'),
    ("F-J", 'f', 'j'),
    ("K-O", 'k', 'o'),
    ("P-T", 'p', 't'),
    ("U-Z", 'u', 'z'),
];

/// `text` escaped as .NET's `Regex.Escape` does: `\*+?|{[()^$.#` and white space get a
/// backslash (space as `\ `, tab as `\t`...), so patterns read back exactly as CIPP writes them.
fn regex_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '\\' | '*' | '+' | '?' | '|' | '{' | '[' | '(' | ')' | '^' | '$' | '.' | '#' | ' ' => {
                out.push('\\');
                out.push(c);
            }
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\u{c}' => out.push_str("\\f"),
            other => out.push(other),
        }
    }
    out
}

/// Text values of a list property.
fn values(v: &Value) -> Vec<String> {
    match v {
        Value::Array(a) => a
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_string)
            .collect(),
        Value::String(s) if !s.trim().is_empty() => vec![s.clone()],
        _ => Vec::new(),
    }
}

/// Add `items` to `out`, skipping blanks and values already there (any case).
fn add_unique(out: &mut Vec<String>, items: impl IntoIterator<Item = String>) {
    for item in items {
        let t = item.trim().to_string();
        if !t.is_empty() && !out.iter().any(|o| o.eq_ignore_ascii_case(&t)) {
            out.push(t);
        }
    }
}

/// A list lower-cased and sorted, for comparing as CIPP does (sorted, any case).
fn sorted_lower(items: &[String]) -> Vec<String> {
    let mut out: Vec<String> = items.iter().map(|s| s.to_lowercase()).collect();
    out.sort();
    out
}

impl Standard for ColleagueImpersonationAlert {
    fn name(&self) -> &'static str {
        "ColleagueImpersonationAlert"
    }
    fn label(&self) -> &'static str {
        "Warn on outside mail using a colleague's name"
    }
    fn category(&self) -> &'static str {
        "Exchange Standards"
    }
    fn description(&self) -> &'static str {
        "Keeps transport rules that put a warning on mail from outside the organisation whose \
         sender name is the name of someone in it, the usual disguise of CEO fraud."
    }
    fn cache_types(&self) -> &'static [&'static str] {
        &[MAILBOXES, DOMAINS, RULES]
    }
    fn required_capabilities(&self) -> &'static [&'static str] {
        EXCHANGE_PLANS
    }
    fn settings(&self) -> &'static [(&'static str, &'static str)] {
        &[
            ("disclaimerHtml", ""),
            ("excludedMailboxes", ""),
            ("additionalExemptSenders", ""),
        ]
    }

    fn assess(&self, input: &Input<'_>) -> Result<Assessment, StandardsError> {
        let s = input.settings;
        let excluded: Vec<String> = list(s, "excludedMailboxes")
            .into_iter()
            .map(|k| k.to_lowercase())
            .collect();
        let rules = input.rows(RULES);
        let html = match text(s, "disclaimerHtml") {
            Some(h) => h,
            None => rules
                .iter()
                .filter(|r| r["Name"].as_str().is_some_and(|n| n.contains(SUFFIX)))
                .find_map(|r| {
                    r["ApplyHtmlDisclaimerText"]
                        .as_str()
                        .filter(|t| !t.trim().is_empty())
                })
                .map(str::to_string)
                .ok_or_else(|| StandardsError::Setting {
                    standard: self.name().into(),
                    setting: "disclaimerHtml".into(),
                    message: "is required: no rule of this standard holds a warning text to keep"
                        .into(),
                })?,
        };
        let names: Vec<String> = input
            .rows(MAILBOXES)
            .iter()
            .filter(|m| {
                m["RecipientTypeDetails"]
                    .as_str()
                    .is_some_and(|k| k == "UserMailbox" || k == "SharedMailbox")
            })
            .filter(|m| m["AccountDisabled"].as_bool() != Some(true))
            .filter_map(|m| m["DisplayName"].as_str())
            .map(str::trim)
            .filter(|n| !n.is_empty())
            .filter(|n| {
                let lower = n.to_lowercase();
                !excluded.iter().any(|k| lower.contains(k.as_str()))
            })
            .map(str::to_string)
            .collect();
        let own_domains: Vec<String> = input
            .rows(DOMAINS)
            .iter()
            .filter_map(|d| d["DomainName"].as_str())
            .filter(|d| {
                let d = d.to_ascii_lowercase();
                !d.ends_with(".onmicrosoft.com") && !d.ends_with(".exclaimer.cloud")
            })
            .map(str::to_string)
            .collect();
        let exempt_senders = list(s, "additionalExemptSenders");

        let mut current = Map::new();
        let mut expected = Map::new();
        let mut steps = Vec::new();
        for (range, first, last) in RANGES {
            let rule_name = format!("({range}) {SUFFIX}");
            let mut patterns: Vec<String> = names
                .iter()
                .filter(|n| {
                    n.chars()
                        .next()
                        .map(|c| c.to_ascii_lowercase())
                        .is_some_and(|c| (first..=last).contains(&c))
                })
                .map(|n| regex_escape(n))
                .collect();
            if patterns.is_empty() {
                // A rule never matches its own range label: it stays, ready for the next name.
                patterns.push(regex_escape(&format!("({range})")));
            }
            let existing = rules
                .iter()
                .find(|r| r["Name"].as_str() == Some(&rule_name));
            let up_to_date = existing.is_some_and(|r| {
                sorted_lower(&values(&r["HeaderMatchesPatterns"])) == sorted_lower(&patterns)
            });
            current.insert(rule_name.clone(), json!(up_to_date));
            expected.insert(rule_name.clone(), json!(true));
            if up_to_date {
                continue;
            }
            let mut senders = Vec::new();
            add_unique(&mut senders, exempt_senders.iter().cloned());
            add_unique(
                &mut senders,
                existing
                    .map(|r| values(&r["ExceptIfFromAddressContainsWords"]))
                    .unwrap_or_default(),
            );
            let mut domains = Vec::new();
            add_unique(&mut domains, own_domains.iter().cloned());
            add_unique(
                &mut domains,
                existing
                    .map(|r| values(&r["ExceptIfSenderDomainIs"]))
                    .unwrap_or_default(),
            );
            let mut params = json!({
                "FromScope": "NotInOrganization",
                "ApplyHtmlDisclaimerLocation": "Prepend",
                "ApplyHtmlDisclaimerFallbackAction": "Wrap",
                "ApplyHtmlDisclaimerText": html,
                "ExceptIfSenderDomainIs": domains,
                "HeaderMatchesMessageHeader": "From",
                "HeaderMatchesPatterns": patterns,
                "Comments": format!("CIPP managed rule ({range}) - Letters {range}"),
            });
            if !senders.is_empty() {
                params["ExceptIfFromAddressContainsWords"] = json!(senders);
            }
            if existing.is_some() {
                params["Identity"] = json!(rule_name);
                steps.push(exchange("Set-TransportRule", params));
            } else {
                params["Name"] = json!(rule_name);
                steps.push(exchange("New-TransportRule", params));
            }
        }
        Ok(single(
            Value::Object(current),
            Value::Object(expected),
            steps,
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_escaped_like_dotnet_regex_escape() {
        assert_eq!(regex_escape("Adele Vance"), "Adele\\ Vance");
        assert_eq!(regex_escape("(A-E)"), "\\(A-E\\)");
        assert_eq!(regex_escape("J. O'Neil [IT]"), "J\\.\\ O'Neil\\ \\[IT]");
        let mut l = vec!["a.com".to_string()];
        add_unique(
            &mut l,
            ["A.com".to_string(), " b.com ".to_string(), String::new()],
        );
        assert_eq!(l, ["a.com", "b.com"]);
    }
}
