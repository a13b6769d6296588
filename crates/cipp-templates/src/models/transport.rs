//! Transport rule templates: the parameters of `New-TransportRule`.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Value};

/// Parameters never sent when writing a rule (read-only, or refused by the cmdlets).
pub const EXCLUDED_ON_WRITE: [&str; 7] = [
    "GUID",
    "Comments",
    "HasSenderOverride",
    "ExceptIfHasSenderOverride",
    "MessageContainsDataClassifications",
    "ExceptIfMessageContainsDataClassifications",
    "UseLegacyRegex",
];

/// A transport (mail flow) rule template (`*.TransportRuleTemplate.json`): `New-TransportRule`
/// parameters by name, in any letter case. Rules are matched by `name`, ignoring case.
#[derive(Debug, Clone, Default, PartialEq)]
#[non_exhaustive]
pub struct TransportRuleTemplate {
    /// The rule name.
    pub name: String,
    /// Every parameter as the file has it (including `name` and `comments`), nulls dropped.
    pub parameters: Map<String, Value>,
}

impl TransportRuleTemplate {
    /// A template from parameters; the name is the `Name` parameter (any case).
    pub fn from_parameters(parameters: Map<String, Value>) -> Self {
        let parameters: Map<String, Value> = parameters
            .into_iter()
            .filter(|(_, v)| !v.is_null())
            .collect();
        let name = parameters
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case("name"))
            .and_then(|(_, v)| v.as_str())
            .unwrap_or_default()
            .to_string();
        TransportRuleTemplate { name, parameters }
    }

    /// The parameter `name`, ignoring case.
    pub fn get(&self, name: &str) -> Option<&Value> {
        self.parameters
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v)
    }

    /// The parameters a write sends: all but [`EXCLUDED_ON_WRITE`], nulls and empty lists.
    pub fn write_parameters(&self) -> Map<String, Value> {
        self.parameters
            .iter()
            .filter(|(k, _)| !EXCLUDED_ON_WRITE.iter().any(|x| x.eq_ignore_ascii_case(k)))
            .filter(|(_, v)| {
                !matches!(v, Value::Null) && !matches!(v, Value::Array(a) if a.is_empty())
            })
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect()
    }
}

impl Serialize for TransportRuleTemplate {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.parameters.serialize(s)
    }
}

impl<'de> Deserialize<'de> for TransportRuleTemplate {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(TransportRuleTemplate::from_parameters(Map::deserialize(d)?))
    }
}
