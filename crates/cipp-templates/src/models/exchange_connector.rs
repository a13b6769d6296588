//! Exchange connector templates: the parameters of `New-InboundConnector` or
//! `New-OutboundConnector`, and which of the two.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Value};

/// Keys of a connector template that say which connector it is rather than configure it.
const DIRECTION_KEYS: [&str; 2] = ["direction", "cippconnectortype"];

/// Which way mail flows through a connector.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[non_exhaustive]
pub enum ConnectorDirection {
    /// Mail from a partner or service into Microsoft 365 (`*-InboundConnector`).
    Inbound,
    /// Mail from Microsoft 365 out to a partner or service (`*-OutboundConnector`).
    Outbound,
}

impl ConnectorDirection {
    /// The cmdlet noun: `InboundConnector` or `OutboundConnector`.
    pub fn noun(self) -> &'static str {
        match self {
            ConnectorDirection::Inbound => "InboundConnector",
            ConnectorDirection::Outbound => "OutboundConnector",
        }
    }

    /// `inbound` / `outbound` (any case); `None` for anything else.
    pub fn parse(s: &str) -> Option<ConnectorDirection> {
        match s.trim().to_ascii_lowercase().as_str() {
            "inbound" => Some(ConnectorDirection::Inbound),
            "outbound" => Some(ConnectorDirection::Outbound),
            _ => None,
        }
    }
}

/// An Exchange connector template (`*.ExConnectorTemplate.json`): `direction` (`Inbound` or
/// `Outbound`; CIPP's files may say `cippconnectortype`) and the connector cmdlet's
/// parameters by name, in any letter case. Connectors are matched by `name`, ignoring case.
///
/// ```
/// use cipp_templates::{ConnectorDirection, Template, TemplateBody, TemplateKind};
/// let t = Template::from_json(r#"{"name": "From scanner", "direction": "Inbound",
///     "ConnectorType": "OnPremises", "SenderIPAddresses": ["203.0.113.10"]}"#,
///     Some(TemplateKind::ExchangeConnector))?;
/// let TemplateBody::ExchangeConnector(c) = &t.body else { unreachable!() };
/// assert_eq!(c.direction, Some(ConnectorDirection::Inbound));
/// assert!(!c.write_parameters().contains_key("direction"));
/// # Ok::<(), cipp_templates::TemplateError>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
#[non_exhaustive]
pub struct ExchangeConnectorTemplate {
    /// The connector name.
    pub name: String,
    /// Inbound or outbound (`None` when the file does not say, which a deploy refuses).
    pub direction: Option<ConnectorDirection>,
    /// Every key as the file has it (including `name` and `direction`), nulls dropped.
    pub parameters: Map<String, Value>,
}

impl ExchangeConnectorTemplate {
    /// A template from the file's keys.
    pub fn from_parameters(parameters: Map<String, Value>) -> Self {
        let parameters: Map<String, Value> = parameters
            .into_iter()
            .filter(|(_, v)| !v.is_null())
            .collect();
        let get = |key: &str| {
            parameters
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(key))
                .and_then(|(_, v)| v.as_str())
        };
        let name = get("name").unwrap_or_default().to_string();
        let direction = DIRECTION_KEYS
            .iter()
            .find_map(|k| get(k))
            .and_then(ConnectorDirection::parse);
        ExchangeConnectorTemplate {
            name,
            direction,
            parameters,
        }
    }

    /// The parameters a write sends: all but the direction, `GUID`, nulls and empty lists.
    pub fn write_parameters(&self) -> Map<String, Value> {
        self.parameters
            .iter()
            .filter(|(k, _)| {
                !DIRECTION_KEYS.iter().any(|d| d.eq_ignore_ascii_case(k))
                    && !k.eq_ignore_ascii_case("GUID")
            })
            .filter(|(_, v)| !matches!(v, Value::Array(a) if a.is_empty()))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect()
    }
}

impl Serialize for ExchangeConnectorTemplate {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.parameters.serialize(s)
    }
}

impl<'de> Deserialize<'de> for ExchangeConnectorTemplate {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(ExchangeConnectorTemplate::from_parameters(
            Map::deserialize(d)?,
        ))
    }
}
