//! Safe Links templates: a Safe Links policy and the rule that applies it.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Value};

/// Template keys that become `New-/Set-SafeLinksPolicy` parameters.
pub const POLICY_PARAMETERS: [&str; 13] = [
    "EnableSafeLinksForEmail",
    "EnableSafeLinksForTeams",
    "EnableSafeLinksForOffice",
    "TrackClicks",
    "AllowClickThrough",
    "ScanUrls",
    "EnableForInternalSenders",
    "DeliverMessageAfterScan",
    "DisableUrlRewrite",
    "AdminDisplayName",
    "CustomNotificationText",
    "EnableOrganizationBranding",
    "DoNotRewriteUrls",
];

/// Template keys that become `New-/Set-SafeLinksRule` parameters (lists of recipients).
pub const RULE_LIST_PARAMETERS: [&str; 6] = [
    "SentTo",
    "SentToMemberOf",
    "RecipientDomainIs",
    "ExceptIfSentTo",
    "ExceptIfSentToMemberOf",
    "ExceptIfRecipientDomainIs",
];

/// A Safe Links template (`*.SafeLinksTemplate.json`), as CIPP stores it: the policy's name
/// (`PolicyName`, else `Name`), the rule's (`RuleName`, else `{policy}_Rule`), the policy
/// switches and texts, the rule's recipients (lists of text or `{value}` pickers),
/// `Priority`, a description for the rule's comments, and the rule's `State`
/// (`Enabled`/`Disabled`). Keys in any letter case; everything is kept.
///
/// ```
/// use cipp_templates::SafeLinksTemplate;
/// let t: SafeLinksTemplate = serde_json::from_str(r#"{"PolicyName": "Staff links",
///     "TrackClicks": true, "RecipientDomainIs": [{"label": "a", "value": "a.example"}],
///     "State": "Enabled"}"#)?;
/// assert_eq!(t.rule_name(), "Staff links_Rule");
/// assert_eq!(t.rule_parameters()["RecipientDomainIs"], serde_json::json!(["a.example"]));
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
#[non_exhaustive]
pub struct SafeLinksTemplate {
    /// The policy's name.
    pub policy_name: String,
    /// Every key as the file has it, nulls dropped.
    pub fields: Map<String, Value>,
}

/// A list of text from a template value: text, `{value}`/`{userPrincipalName}`/`{id}`
/// pickers, or a list of those.
fn texts(v: &Value) -> Vec<String> {
    let one = |x: &Value| -> Option<String> {
        match x {
            Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_string()),
            Value::Object(o) => ["value", "userPrincipalName", "id"]
                .iter()
                .find_map(|k| o.get(*k).and_then(Value::as_str))
                .map(str::to_string),
            _ => None,
        }
    };
    match v {
        Value::Array(a) => a.iter().filter_map(one).collect(),
        other => one(other).into_iter().collect(),
    }
}

impl SafeLinksTemplate {
    /// A template from the file's keys.
    pub fn from_fields(fields: Map<String, Value>) -> Self {
        let fields: Map<String, Value> = fields.into_iter().filter(|(_, v)| !v.is_null()).collect();
        let mut t = SafeLinksTemplate {
            policy_name: String::new(),
            fields,
        };
        t.policy_name = t
            .text("PolicyName")
            .or_else(|| t.text("Name"))
            .unwrap_or_default();
        t
    }

    /// The value of `key`, any case.
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.fields
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| v)
    }

    fn text(&self, key: &str) -> Option<String> {
        self.get(key)
            .and_then(Value::as_str)
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
    }

    /// The rule's name: `RuleName`, else `{policy}_Rule`.
    pub fn rule_name(&self) -> String {
        self.text("RuleName")
            .unwrap_or_else(|| format!("{}_Rule", self.policy_name))
    }

    /// The policy parameters the template sets.
    pub fn policy_parameters(&self) -> Map<String, Value> {
        let mut out = Map::new();
        for key in POLICY_PARAMETERS {
            let Some(v) = self.get(key) else { continue };
            if key == "DoNotRewriteUrls" {
                let urls = texts(v);
                if !urls.is_empty() {
                    out.insert(key.into(), Value::from(urls));
                }
            } else {
                out.insert(key.into(), v.clone());
            }
        }
        out
    }

    /// The rule parameters the template sets (not its name, policy or state).
    pub fn rule_parameters(&self) -> Map<String, Value> {
        let mut out = Map::new();
        if let Some(p) = self.get("Priority") {
            out.insert("Priority".into(), p.clone());
        }
        if let Some(c) = self
            .text("TemplateDescription")
            .or_else(|| self.text("Description"))
        {
            out.insert("Comments".into(), Value::from(c));
        }
        for key in RULE_LIST_PARAMETERS {
            let list = self.get(key).map(texts).unwrap_or_default();
            if !list.is_empty() {
                out.insert(key.into(), Value::from(list));
            }
        }
        out
    }

    /// Whether the rule should be on (`Some(true)`), off, or left as it is (`None`).
    pub fn rule_enabled(&self) -> Option<bool> {
        match self.get("State")? {
            Value::Bool(b) => Some(*b),
            Value::String(s) if s.eq_ignore_ascii_case("enabled") => Some(true),
            Value::String(s) if s.eq_ignore_ascii_case("disabled") => Some(false),
            _ => None,
        }
    }
}

impl Serialize for SafeLinksTemplate {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.fields.serialize(s)
    }
}

impl<'de> Deserialize<'de> for SafeLinksTemplate {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(SafeLinksTemplate::from_fields(Map::deserialize(d)?))
    }
}
