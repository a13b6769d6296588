//! Custom sensitive information type templates: one Purview SIT, either in simple form (a
//! regular expression `Pattern` with `Description`, `Confidence`, `PatternsProximity`,
//! `Locale`, `PublisherName`) from which a rule package is written, or as a whole rule package
//! (`FileDataBase64`: the rule package XML, UTF-16 or UTF-8, base64-encoded).

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Value};

use super::sensitivity_label::text_of;

/// A sensitive information type template (`*.SensitiveInfoTypeTemplate.json`). The SIT is
/// matched by `Name`, ignoring case. Every field of the file is kept.
#[derive(Debug, Clone, Default, PartialEq)]
#[non_exhaustive]
pub struct SensitiveInfoTypeTemplate {
    /// The SIT's name.
    pub name: String,
    /// The template's GUID field, when it has one.
    pub guid: Option<String>,
    /// Every property of the file, nulls dropped.
    pub parameters: Map<String, Value>,
}

fn number(m: &Map<String, Value>, key: &str) -> Option<u32> {
    let v = m.iter().find(|(k, _)| k.eq_ignore_ascii_case(key))?.1;
    match v {
        Value::Number(n) => n.as_u64().and_then(|n| u32::try_from(n).ok()),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

impl SensitiveInfoTypeTemplate {
    /// A template from the file's properties.
    pub fn from_parameters(parameters: Map<String, Value>) -> Self {
        let parameters: Map<String, Value> = parameters
            .into_iter()
            .filter(|(_, v)| !v.is_null())
            .collect();
        SensitiveInfoTypeTemplate {
            name: text_of(&parameters, "Name").unwrap_or_default(),
            guid: text_of(&parameters, "GUID"),
            parameters,
        }
    }

    /// The regular expression of the simple form.
    pub fn pattern(&self) -> Option<String> {
        text_of(&self.parameters, "Pattern")
    }

    /// The whole rule package, base64-encoded (the advanced form).
    pub fn file_data_base64(&self) -> Option<String> {
        text_of(&self.parameters, "FileDataBase64")
    }

    /// The description (empty when there is none).
    pub fn description(&self) -> String {
        text_of(&self.parameters, "Description").unwrap_or_default()
    }

    /// The recommended confidence level (85 unless the template says).
    pub fn confidence(&self) -> u32 {
        number(&self.parameters, "Confidence").unwrap_or(85)
    }

    /// How many characters around a match supporting evidence is looked for (300 unless the
    /// template says).
    pub fn patterns_proximity(&self) -> u32 {
        number(&self.parameters, "PatternsProximity").unwrap_or(300)
    }

    /// The language of the name and description (`en-US` unless the template says).
    pub fn locale(&self) -> String {
        text_of(&self.parameters, "Locale").unwrap_or_else(|| "en-US".into())
    }

    /// The publisher written into the rule package (`CIPP` unless the template says).
    pub fn publisher(&self) -> String {
        text_of(&self.parameters, "PublisherName").unwrap_or_else(|| "CIPP".into())
    }
}

impl Serialize for SensitiveInfoTypeTemplate {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.parameters.serialize(s)
    }
}

impl<'de> Deserialize<'de> for SensitiveInfoTypeTemplate {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(SensitiveInfoTypeTemplate::from_parameters(
            Map::deserialize(d)?,
        ))
    }
}
