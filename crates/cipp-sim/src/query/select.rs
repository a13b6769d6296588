//! `$select`: keep the named top-level properties, `id` and OData annotations. Projection
//! serialises straight from the stored item, without copying it.

use serde::ser::{Serialize, SerializeMap, Serializer};
use serde_json::Value;

/// The properties to keep (empty keeps everything).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Select(Vec<String>);

impl Select {
    /// Parse `a,b,c/d` (a nested path selects its top-level property; `*` selects all).
    pub fn parse(text: &str) -> Select {
        let mut names: Vec<String> = Vec::new();
        for part in text.split(',') {
            let top = part.trim().split('/').next().unwrap_or_default().trim();
            if top == "*" {
                return Select::default();
            }
            if !top.is_empty() && !names.iter().any(|n| n.eq_ignore_ascii_case(top)) {
                names.push(top.to_string());
            }
        }
        Select(names)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Whether a property survives the projection.
    pub fn keeps(&self, key: &str) -> bool {
        self.0.is_empty()
            || key.eq_ignore_ascii_case("id")
            || key.starts_with('@')
            || self.0.iter().any(|n| n.eq_ignore_ascii_case(key))
    }

    /// A projected copy of `item`.
    #[cfg(test)]
    pub fn project(&self, item: &Value) -> Value {
        match item {
            Value::Object(o) if !self.is_empty() => Value::Object(
                o.iter()
                    .filter(|(k, _)| self.keeps(k))
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect::<serde_json::Map<String, Value>>(),
            ),
            other => other.clone(),
        }
    }
}

/// An item seen through a [`Select`], serialisable without copying.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Projected<'a> {
    pub item: &'a Value,
    pub select: &'a Select,
}

impl Serialize for Projected<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self.item {
            Value::Object(o) if !self.select.is_empty() => {
                let mut map = s.serialize_map(None)?;
                for (k, v) in o.iter().filter(|(k, _)| self.select.keeps(k)) {
                    map.serialize_entry(k, v)?;
                }
                map.end()
            }
            other => other.serialize(s),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn keeps_id_annotations_and_named_fields() {
        let u = json!({"id": "1", "@odata.type": "#x", "displayName": "A", "mail": "m", "manager": {"id": "2"}});
        let s = Select::parse(" DisplayName , manager/id,,displayName");
        assert_eq!(
            s.project(&u),
            json!({"id": "1", "@odata.type": "#x", "displayName": "A", "manager": {"id": "2"}})
        );
        let text = serde_json::to_string(&Projected {
            item: &u,
            select: &s,
        })
        .unwrap();
        assert_eq!(serde_json::from_str::<Value>(&text).unwrap(), s.project(&u));
        assert_eq!(Select::parse("*").project(&u), u);
        assert_eq!(Select::parse("").project(&u), u);
    }
}
