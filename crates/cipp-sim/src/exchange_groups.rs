//! Distribution lists and mail-enabled security groups as Exchange serves them, kept in the
//! tenant's Graph `groups` (where Graph lists them, `mailEnabled` and not `Unified`) so both
//! sides see one object:
//!
//! - `Get-DistributionGroup [-Identity]`: the mail-enabled, non-Unified, non-dynamic groups as
//!   Exchange rows (`RecipientTypeDetails` `MailUniversalDistributionGroup` or
//!   `MailUniversalSecurityGroup`); an unknown identity is `ManagementObjectNotFoundException`;
//! - `New-DistributionGroup -Name [-DisplayName] [-Alias] [-PrimarySmtpAddress] [-Type
//!   Distribution|Security] [-Description] [-RequireSenderAuthenticationEnabled]`: a new Graph
//!   group; a name or address already in use is `ADObjectAlreadyExistsException`; the address
//!   defaults to `alias@default domain`;
//! - `Set-DistributionGroup -Identity` with `DisplayName`, `Description`,
//!   `RequireSenderAuthenticationEnabled`; other parameters are refused as unknown.

use serde_json::{json, Map, Value};

use crate::directory::SimTenant;
use crate::reply::Reply;

/// Rows and warnings, or the failure reply (the Exchange engine's shape).
type Answer = Result<(Vec<Map<String, Value>>, Vec<String>), Reply>;

/// What the caller gives to build failures in Exchange's shape.
pub(crate) struct Failures {
    pub not_found: fn(&str) -> Reply,
    pub bad: fn(&str, &str, &str) -> Reply,
}

fn param<'a>(params: &'a Map<String, Value>, name: &str) -> Option<&'a Value> {
    params
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v)
}

fn text_param(params: &Map<String, Value>, name: &str) -> Option<String> {
    param(params, name)
        .and_then(|v| match v {
            Value::String(s) => Some(s.trim().to_string()),
            Value::Null => None,
            other => Some(other.to_string()),
        })
        .filter(|s| !s.is_empty())
}

fn flag(v: &Value) -> Option<bool> {
    match v {
        Value::Bool(b) => Some(*b),
        Value::String(s) => s.trim().to_ascii_lowercase().parse().ok(),
        _ => None,
    }
}

fn is_exchange_group(g: &Value) -> bool {
    let types = g["groupTypes"].as_array();
    let has = |t: &str| types.is_some_and(|a| a.iter().any(|x| x.as_str() == Some(t)));
    g["mailEnabled"] == json!(true) && !has("Unified") && !has("DynamicMembership")
}

fn eq(a: &Value, b: &str) -> bool {
    a.as_str().is_some_and(|s| s.eq_ignore_ascii_case(b))
}

fn matches(g: &Value, identity: &str) -> bool {
    ["id", "displayName", "mail", "mailNickname"]
        .iter()
        .any(|k| eq(&g[*k], identity))
        || g["proxyAddresses"]
            .as_array()
            .is_some_and(|a| a.iter().any(|p| eq(p, &format!("smtp:{identity}"))))
}

/// The Exchange row of a Graph group.
fn row(g: &Value) -> Map<String, Value> {
    let security = g["securityEnabled"] == json!(true);
    let name = g["displayName"].clone();
    json!({
        "Identity": name,
        "Name": name,
        "DisplayName": name,
        "Alias": g["mailNickname"],
        "PrimarySmtpAddress": g["mail"],
        "ExternalDirectoryObjectId": g["id"],
        "Guid": g["id"],
        "Description": g["description"].as_str().map(|d| vec![d]).unwrap_or_default(),
        "GroupType": if security { "Universal, SecurityEnabled" } else { "Universal" },
        "RecipientTypeDetails": if security { "MailUniversalSecurityGroup" } else { "MailUniversalDistributionGroup" },
        "RequireSenderAuthenticationEnabled": g["requireSenderAuthenticationEnabled"].as_bool().unwrap_or(true),
    })
    .as_object()
    .cloned()
    .unwrap_or_default()
}

/// Answer the distribution-group cmdlets; `None` for any other.
pub(crate) fn intercept(
    tenant: &SimTenant,
    root: &mut Value,
    name: &str,
    params: &Map<String, Value>,
    fail: &Failures,
) -> Option<Answer> {
    let verb = name.to_ascii_lowercase();
    if !matches!(
        verb.as_str(),
        "get-distributiongroup" | "new-distributiongroup" | "set-distributiongroup"
    ) {
        return None;
    }
    let groups = root
        .as_object_mut()
        .map(|root| root.entry("groups").or_insert_with(|| json!([])));
    let Some(Value::Array(groups)) = groups else {
        return Some(Err((fail.not_found)("groups")));
    };
    Some(match verb.as_str() {
        "get-distributiongroup" => {
            let identity = text_param(params, "Identity");
            let rows: Vec<_> = groups
                .iter()
                .filter(|g| is_exchange_group(g))
                .filter(|g| identity.as_deref().is_none_or(|i| matches(g, i)))
                .map(row)
                .collect();
            match (&identity, rows.is_empty()) {
                (Some(i), true) => Err((fail.not_found)(i)),
                _ => Ok((rows, Vec::new())),
            }
        }
        "new-distributiongroup" => {
            let Some(group_name) = text_param(params, "Name") else {
                return Some(Err((fail.bad)(
                    "System.Management.Automation.ParameterBindingException",
                    "New-DistributionGroup: the Name parameter is required.",
                    "Name",
                )));
            };
            let display = text_param(params, "DisplayName").unwrap_or_else(|| group_name.clone());
            let alias = text_param(params, "Alias").unwrap_or_else(|| {
                group_name
                    .chars()
                    .filter(char::is_ascii_alphanumeric)
                    .collect()
            });
            let address = text_param(params, "PrimarySmtpAddress")
                .unwrap_or_else(|| format!("{alias}@{}", tenant.default_domain));
            let security = match text_param(params, "Type").map(|t| t.to_ascii_lowercase()) {
                None => false,
                Some(t) if t == "distribution" => false,
                Some(t) if t == "security" => true,
                Some(t) => {
                    return Some(Err((fail.bad)(
                        "System.Management.Automation.ParameterBindingException",
                        &format!(
                        "Cannot process argument 'Type': '{t}' is not Distribution or Security."
                    ),
                        "Type",
                    )))
                }
            };
            let taken = groups.iter().any(|g| {
                eq(&g["displayName"], &display)
                    || eq(&g["mail"], &address)
                    || eq(&g["mailNickname"], &alias)
            });
            if taken {
                return Some(Err((fail.bad)(
                    "Microsoft.Exchange.Data.Directory.ADObjectAlreadyExistsException",
                    &format!("The name '{display}' or address '{address}' is already in use."),
                    &display,
                )));
            }
            let require_auth = param(params, "RequireSenderAuthenticationEnabled")
                .and_then(flag)
                .unwrap_or(true);
            let group = json!({
                "id": uuid::Uuid::new_v4().to_string(),
                "displayName": display,
                "description": text_param(params, "Description"),
                "mailNickname": alias,
                "mail": address,
                "proxyAddresses": [format!("SMTP:{address}")],
                "mailEnabled": true,
                "securityEnabled": security,
                "groupTypes": [],
                "requireSenderAuthenticationEnabled": require_auth,
                "members": [],
            });
            let out = row(&group);
            groups.push(group);
            Ok((vec![out], Vec::new()))
        }
        "set-distributiongroup" => {
            let Some(identity) = text_param(params, "Identity") else {
                return Some(Err((fail.bad)(
                    "System.Management.Automation.ParameterBindingException",
                    "Set-DistributionGroup: the Identity parameter is required.",
                    "Identity",
                )));
            };
            let Some(g) = groups
                .iter_mut()
                .find(|g| is_exchange_group(g) && matches(g, &identity))
            else {
                return Some(Err((fail.not_found)(&identity)));
            };
            for (k, v) in params {
                let key = match k.to_ascii_lowercase().as_str() {
                    "identity" | "confirm" | "bypasssecuritygroupmanagercheck" => continue,
                    "displayname" => "displayName",
                    "description" => "description",
                    "requiresenderauthenticationenabled" => "requireSenderAuthenticationEnabled",
                    _ => {
                        return Some(Err((fail.bad)(
                            "System.Management.Automation.ParameterBindingException",
                            &format!(
                                "A parameter cannot be found that matches parameter name '{k}'."
                            ),
                            k,
                        )))
                    }
                };
                let value = match (key, v) {
                    ("requireSenderAuthenticationEnabled", v) => json!(flag(v).unwrap_or(true)),
                    (_, Value::Array(a)) => a.first().cloned().unwrap_or(Value::Null),
                    (_, v) => v.clone(),
                };
                g[key] = value;
            }
            Ok((Vec::new(), Vec::new()))
        }
        _ => return None,
    })
}
