//! Mail contact templates: an external contact with its address-book details.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// A mail contact template (`*.ContactTemplate.json`), as CIPP stores it. Contacts are
/// matched by `displayName`. Details left blank are not compared or written.
///
/// ```
/// use cipp_templates::ContactTemplate;
/// let t: ContactTemplate = serde_json::from_str(r#"{"displayName": "Lab orders",
///     "email": "orders@lab.example", "companyName": "Dental Lab", "hidefromGAL": false}"#)?;
/// assert_eq!(t.contact_details()["Company"], "Dental Lab");
/// assert!(!t.contact_details().contains_key("City"));
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ContactTemplate {
    /// The name users see (and the contact is found by).
    #[serde(default)]
    pub display_name: String,
    /// The external address.
    #[serde(default)]
    pub email: String,
    /// Given name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_name: Option<String>,
    /// Surname.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_name: Option<String>,
    /// MailTip shown to senders.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mail_tip: Option<String>,
    /// Hidden from the global address list.
    #[serde(rename = "hidefromGAL", default)]
    pub hide_from_gal: bool,
    /// Company.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub company_name: Option<String>,
    /// Job title.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub job_title: Option<String>,
    /// Office phone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub business_phone: Option<String>,
    /// Mobile phone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mobile_phone: Option<String>,
    /// Web page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub website: Option<String>,
    /// Street.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub street_address: Option<String>,
    /// City.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub city: Option<String>,
    /// State or province.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
    /// Postal code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub postal_code: Option<String>,
    /// Country or region.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    /// Whatever else the file holds.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl ContactTemplate {
    /// The `Set-Contact` parameters the template fills (blank ones left out).
    pub fn contact_details(&self) -> Map<String, Value> {
        let pairs = [
            ("FirstName", &self.first_name),
            ("LastName", &self.last_name),
            ("Company", &self.company_name),
            ("Title", &self.job_title),
            ("Phone", &self.business_phone),
            ("MobilePhone", &self.mobile_phone),
            ("WebPage", &self.website),
            ("StreetAddress", &self.street_address),
            ("City", &self.city),
            ("StateOrProvince", &self.state),
            ("PostalCode", &self.postal_code),
            ("CountryOrRegion", &self.country),
        ];
        pairs
            .into_iter()
            .filter_map(|(k, v)| {
                v.as_deref()
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .map(|s| (k.to_string(), Value::from(s)))
            })
            .collect()
    }
}
