//! `SetDefaultMailboxFont`: the Outlook on the web compose font of every user and shared
//! mailbox.

use serde_json::{json, Value};

use super::util::{exchange, per_object, setting, text, Finding};
use super::{Assessment, Input, Standard};
use crate::error::StandardsError;

/// The Exchange service plans this standard needs (any one).
pub(super) const EXCHANGE_PLANS: &[&str] = &[
    "EXCHANGE_S_STANDARD",
    "EXCHANGE_S_ENTERPRISE",
    "EXCHANGE_S_STANDARD_GOV",
    "EXCHANGE_S_ENTERPRISE_GOV",
    "EXCHANGE_LITE",
];

/// Each user and shared mailbox whose default font name, size (Exchange's 1-7 scale) or
/// colour (`#rrggbb`) differs gets one `Set-MailboxMessageConfiguration` with all three. Read
/// one mailbox at a time (the `MailboxMessageConfiguration` fan-out type).
#[derive(Debug, Clone, Copy, Default)]
pub struct SetDefaultMailboxFont;

impl SetDefaultMailboxFont {
    fn bad(&self, setting: &str, message: String) -> StandardsError {
        StandardsError::Setting {
            standard: self.name().into(),
            setting: setting.into(),
            message,
        }
    }
}

/// A font size as Exchange stores it (a number, or numeric text).
fn size_of(v: &Value) -> Option<i64> {
    v.as_i64()
        .or_else(|| v.as_str().and_then(|s| s.trim().parse().ok()))
}

impl Standard for SetDefaultMailboxFont {
    fn name(&self) -> &'static str {
        "SetDefaultMailboxFont"
    }
    fn label(&self) -> &'static str {
        "Default mailbox font, size and colour"
    }
    fn category(&self) -> &'static str {
        "Exchange Standards"
    }
    fn description(&self) -> &'static str {
        "Sets the font, size (1-7, 3 being 12pt) and colour new messages start with in Outlook \
         on the web and the new Outlook, for every user and shared mailbox that differs."
    }
    fn cache_types(&self) -> &'static [&'static str] {
        &["MailboxMessageConfiguration"]
    }
    fn required_capabilities(&self) -> &'static [&'static str] {
        EXCHANGE_PLANS
    }
    fn settings(&self) -> &'static [(&'static str, &'static str)] {
        &[
            ("DefaultFontName", ""),
            ("DefaultFontSize", "3"),
            ("DefaultFontColor", ""),
        ]
    }

    fn assess(&self, input: &Input<'_>) -> Result<Assessment, StandardsError> {
        let name = text(input.settings, "DefaultFontName")
            .ok_or_else(|| self.bad("DefaultFontName", "is required".into()))?;
        let size = match setting(input.settings, "DefaultFontSize") {
            None => 3,
            Some(v) => size_of(v).filter(|n| (1..=7).contains(n)).ok_or_else(|| {
                self.bad(
                    "DefaultFontSize",
                    format!("{v} is not a whole number from 1 to 7 (Exchange's size scale)"),
                )
            })?,
        };
        let color = text(input.settings, "DefaultFontColor")
            .ok_or_else(|| self.bad("DefaultFontColor", "is required".into()))?;
        // Exchange keeps six digits: a shorter form would never read back equal.
        let hex = color.strip_prefix('#').unwrap_or("");
        if hex.len() != 6 || !hex.chars().all(|c| c.is_ascii_hexdigit()) {
            return Err(self.bad(
                "DefaultFontColor",
                format!("'{color}' is not a colour in the #rrggbb form"),
            ));
        }
        let same_text =
            |v: &Value, want: &str| v.as_str().is_some_and(|s| s.eq_ignore_ascii_case(want));
        let findings = input
            .rows("MailboxMessageConfiguration")
            .iter()
            .filter(|c| {
                !same_text(&c["DefaultFontName"], &name)
                    || size_of(&c["DefaultFontSize"]) != Some(size)
                    || !same_text(&c["DefaultFontColor"], &color)
            })
            .filter_map(|c| {
                let mailbox = c[cipp_snapshot::PARENT_KEY_FIELD].as_str()?;
                Some(Finding {
                    object: mailbox.to_string(),
                    current: json!({"DefaultFontName": c["DefaultFontName"],
                        "DefaultFontSize": c["DefaultFontSize"],
                        "DefaultFontColor": c["DefaultFontColor"]}),
                    expected: json!({"DefaultFontName": name, "DefaultFontSize": size,
                        "DefaultFontColor": color}),
                    step: exchange(
                        "Set-MailboxMessageConfiguration",
                        json!({"Identity": mailbox, "DefaultFontName": name,
                            "DefaultFontSize": size, "DefaultFontColor": color}),
                    ),
                })
            })
            .collect();
        Ok(per_object(
            json!({"DefaultFontName": name, "DefaultFontSize": size, "DefaultFontColor": color}),
            findings,
        ))
    }
}
