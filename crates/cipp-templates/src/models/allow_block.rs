//! Tenant Allow/Block List templates: entries of one list that every tenant should hold.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// A Tenant Allow/Block List template (`*.TenantAllowBlockListTemplate.json`), as CIPP stores
/// it: `entries` (text split on commas and semicolons), the list (`listType`: `Sender`, `Url`,
/// `FileHash` or `IP`), allow or block (`listMethod`), `notes`, and how long entries live
/// (`NoExpiration`, or `RemoveAfter` 45 days after the last use). A deploy adds the entries
/// the tenant lacks and never removes any.
///
/// ```
/// use cipp_templates::TenantAllowBlockListTemplate;
/// let t: TenantAllowBlockListTemplate = serde_json::from_str(r#"{"templateName": "Vendors",
///     "entries": "a.example; b.example, ", "listType": "Sender", "listMethod": "Allow"}"#)?;
/// assert_eq!(t.entry_list(), ["a.example", "b.example"]);
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct TenantAllowBlockListTemplate {
    /// The template's name.
    #[serde(rename = "templateName", default)]
    pub template_name: String,
    /// The entries, separated by commas or semicolons.
    #[serde(default)]
    pub entries: String,
    /// `Sender`, `Url`, `FileHash` or `IP`.
    #[serde(rename = "listType", default)]
    pub list_type: String,
    /// `Allow` or `Block`.
    #[serde(rename = "listMethod", default)]
    pub list_method: String,
    /// Notes stored with each entry.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notes: Option<String>,
    /// Entries never expire.
    #[serde(rename = "NoExpiration", default)]
    pub no_expiration: bool,
    /// Entries are removed 45 days after they last matched.
    #[serde(rename = "RemoveAfter", default)]
    pub remove_after: bool,
    /// Whatever else the file holds.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl TenantAllowBlockListTemplate {
    /// The entries, trimmed, blanks and duplicates (any case) dropped, order kept.
    pub fn entry_list(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for e in self.entries.split([',', ';']).map(str::trim) {
            if !e.is_empty() && !out.iter().any(|o| o.eq_ignore_ascii_case(e)) {
                out.push(e.to_string());
            }
        }
        out
    }
}
