//! Transport rule parameters a rule lacks yet, and new inbound and outbound connectors.

use super::*;

/// Conditions, exceptions and actions `Set-TransportRule` takes even when the rule does not
/// have them yet (the generic engine refuses a property an object lacks).
const RULE_PARAMETERS: [&str; 16] = [
    "Comments",
    "FromScope",
    "SentToScope",
    "Priority",
    "Mode",
    "HeaderMatchesMessageHeader",
    "HeaderMatchesPatterns",
    "ExceptIfSenderDomainIs",
    "ExceptIfFromAddressContainsWords",
    "ExceptIfFrom",
    "ApplyHtmlDisclaimerText",
    "ApplyHtmlDisclaimerLocation",
    "ApplyHtmlDisclaimerFallbackAction",
    "SetSCL",
    "PrependSubject",
    "SetHeaderName",
];

/// `Set-TransportRule`: the rule's own properties and the known rule parameters; lists given
/// as one value hold one entry.
pub(super) fn set_transport_rule(
    nouns: &mut BTreeMap<String, Vec<Row>>,
    name: &str,
    params: &Row,
) -> Answer {
    let id = required(params, name, "Identity")?;
    let rule = find(nouns.entry("transportrule".into()).or_default(), &id)?;
    for (k, v) in params {
        if ["Identity", "Confirm", "Force", "WhatIf", "ErrorAction"]
            .iter()
            .any(|c| c.eq_ignore_ascii_case(k))
        {
            continue;
        }
        let known = RULE_PARAMETERS.iter().any(|p| p.eq_ignore_ascii_case(k));
        if prop(rule, k).is_none() && !known {
            return Err(binding(
                &format!("A parameter cannot be found that matches parameter name '{k}'."),
                k,
            ));
        }
        let list = matches!(prop(rule, k), Some(Value::Array(_)));
        let v = match v {
            Value::String(s) if list => json!([s]),
            other => other.clone(),
        };
        put(rule, k, v);
    }
    Ok((Vec::new(), Vec::new()))
}

/// `New-InboundConnector` / `New-OutboundConnector`: `Name` and a `ConnectorType` of
/// `OnPremises` or `Partner`; an outbound connector that does not use MX records needs
/// `SmartHosts`. Properties are kept in Exchange's spelling (`Name`, `Comment`), the rest as
/// given; a connector starts enabled.
pub(super) fn new_connector(
    nouns: &mut BTreeMap<String, Vec<Row>>,
    name: &str,
    noun: &str,
    params: &Row,
) -> Answer {
    let connector_name = required(params, name, "Name")?;
    let kind = param(params, "ConnectorType")
        .map(text)
        .unwrap_or_else(|| "Partner".into());
    let Some(kind) = ["OnPremises", "Partner"]
        .into_iter()
        .find(|k| k.eq_ignore_ascii_case(&kind))
    else {
        return Err(binding(
            &format!("{name}: '{kind}' is not a ConnectorType (OnPremises or Partner)."),
            "ConnectorType",
        ));
    };
    let outbound = noun == "outboundconnector";
    let uses_mx = param(params, "UseMXRecord").is_none_or(|v| truthy(Some(v)));
    if outbound && !uses_mx && values(param(params, "SmartHosts")).is_empty() {
        return Err(invalid(
            "SmartHosts must be set when UseMXRecord is false.",
            "SmartHosts",
        ));
    }
    let rows = nouns.entry(noun.into()).or_default();
    if rows.iter().any(|r| matches_identity(r, &connector_name)) {
        return Err(exists(&connector_name));
    }
    let mut row = obj(json!({"Identity": connector_name, "Name": connector_name,
        "ConnectorType": kind, "Enabled": true, "Comment": "",
        "Guid": uuid::Uuid::new_v4().to_string()}));
    for (k, v) in params {
        if [
            "Name",
            "ConnectorType",
            "Confirm",
            "Force",
            "WhatIf",
            "ErrorAction",
        ]
        .iter()
        .any(|c| c.eq_ignore_ascii_case(k))
        {
            continue;
        }
        put(&mut row, k, v.clone());
    }
    rows.push(row.clone());
    Ok((vec![row], Vec::new()))
}
