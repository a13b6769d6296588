//! `DeployMailContact`: one external contact in the address book, by address.

use serde_json::{json, Value};

use super::exchange_common::EXCHANGE_PLANS;
use super::global_quarantine_settings::looks_like_address;
use super::util::{exchange, single, text};
use super::{Assessment, Input, Standard};
use crate::error::StandardsError;

/// A mail contact for `ExternalEmailAddress` exists with `DisplayName`, `FirstName` and
/// `LastName`. Missing, it is created (`New-MailContact`); with other names, its contact
/// details are set (`Set-Contact` of that contact only). Exchange keeps the address on the
/// mail contact and the names on the contact behind it, two reads joined by the contact's
/// `Guid`, which is why this is code. Other contacts are never changed.
#[derive(Debug, Clone, Copy, Default)]
pub struct DeployMailContact;

const MAIL_CONTACTS: &str = "ExoMailContacts";
const CONTACTS: &str = "ExoContacts";

/// The address of a mail contact (`SMTP:` dropped), lower case.
fn address_of(row: &Value) -> Option<String> {
    let raw = row["ExternalEmailAddress"]
        .as_str()
        .or(row["PrimarySmtpAddress"].as_str())?;
    let bare = raw
        .split_once(':')
        .filter(|(p, _)| p.eq_ignore_ascii_case("smtp"))
        .map_or(raw, |(_, a)| a);
    Some(bare.trim().to_ascii_lowercase())
}

impl Standard for DeployMailContact {
    fn name(&self) -> &'static str {
        "DeployMailContact"
    }
    fn label(&self) -> &'static str {
        "Mail contact in the address book"
    }
    fn category(&self) -> &'static str {
        "Exchange Standards"
    }
    fn description(&self) -> &'static str {
        "Keeps an external mail contact (an outside address with a name) in the tenant's \
         address book, so users find a supplier, partner or support desk by name."
    }
    fn cache_types(&self) -> &'static [&'static str] {
        &[MAIL_CONTACTS, CONTACTS]
    }
    fn required_capabilities(&self) -> &'static [&'static str] {
        EXCHANGE_PLANS
    }
    fn settings(&self) -> &'static [(&'static str, &'static str)] {
        &[
            ("ExternalEmailAddress", ""),
            ("DisplayName", ""),
            ("FirstName", ""),
            ("LastName", ""),
        ]
    }

    fn assess(&self, input: &Input<'_>) -> Result<Assessment, StandardsError> {
        let s = input.settings;
        let bad = |setting: &str, message: String| StandardsError::Setting {
            standard: self.name().into(),
            setting: setting.into(),
            message,
        };
        let display = text(s, "DisplayName")
            .ok_or_else(|| bad("DisplayName", "is required: the name users see".into()))?;
        let address = text(s, "ExternalEmailAddress").unwrap_or_default();
        if !looks_like_address(&address) {
            return Err(bad(
                "ExternalEmailAddress",
                format!("'{address}' is not a mail address"),
            ));
        }
        let first = text(s, "FirstName").unwrap_or_default();
        let last = text(s, "LastName").unwrap_or_default();
        let wanted = address.to_ascii_lowercase();
        let mail_contact = input
            .rows(MAIL_CONTACTS)
            .iter()
            .find(|c| address_of(c).as_deref() == Some(wanted.as_str()));
        let guid = mail_contact.and_then(|c| c["Guid"].as_str());
        let contact = guid.and_then(|g| {
            input.rows(CONTACTS).iter().find(|c| {
                c["Guid"]
                    .as_str()
                    .is_some_and(|x| x.eq_ignore_ascii_case(g))
            })
        });
        let name_of = |key: &str| {
            contact
                .and_then(|c| c[key].as_str())
                .unwrap_or_default()
                .to_string()
        };
        let current = json!({
            "ExternalEmailAddress": mail_contact.and_then(address_of),
            "DisplayName": contact.or(mail_contact).and_then(|c| c["DisplayName"].as_str()),
            "FirstName": name_of("FirstName"),
            "LastName": name_of("LastName"),
        });
        let expected = json!({
            "ExternalEmailAddress": wanted,
            "DisplayName": display,
            "FirstName": first,
            "LastName": last,
        });
        let step = match guid {
            None => exchange(
                "New-MailContact",
                json!({"Name": display, "DisplayName": display, "ExternalEmailAddress": address,
                       "FirstName": first, "LastName": last}),
            ),
            Some(g) => exchange(
                "Set-Contact",
                json!({"Identity": g, "DisplayName": display, "FirstName": first,
                       "LastName": last}),
            ),
        };
        Ok(single(current, expected, vec![step]))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_read_without_prefix_or_case() {
        assert_eq!(
            address_of(&json!({"ExternalEmailAddress": "SMTP:Help@Vendor.example"})).as_deref(),
            Some("help@vendor.example")
        );
        assert_eq!(
            address_of(&json!({"PrimarySmtpAddress": "a@b.example"})).as_deref(),
            Some("a@b.example")
        );
        assert_eq!(address_of(&json!({})), None);
    }
}
