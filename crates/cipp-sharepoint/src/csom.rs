//! CSOM (`_vti_bin/client.svc/ProcessQuery`): the XML requests the SharePoint admin tools
//! send, and the JSON array they get back.

use serde_json::{Map, Value};

use crate::error::SharePointError;

/// Type id of `Microsoft.Online.SharePoint.TenantAdministration.Tenant`.
pub const TENANT_TYPE_ID: &str = "{268004ae-ef6b-4e9b-8425-127220d84719}";
const NAMESPACE: &str = "http://schemas.microsoft.com/sharepoint/clientquery/2009";

/// Escape text for an XML element or attribute.
pub(crate) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
    out
}

fn request(actions: &str) -> String {
    request_with_paths(actions, "")
}

/// A request on the tenant object (path 1) and, in `paths`, object paths built on it.
fn request_with_paths(actions: &str, paths: &str) -> String {
    format!(
        "<Request AddExpandoFieldTypeSuffix=\"true\" SchemaVersion=\"15.0.0.0\" LibraryVersion=\"16.0.0.0\" \
         ApplicationName=\"cipp-rs\" xmlns=\"{NAMESPACE}\"><Actions>{actions}</Actions>\
         <ObjectPaths><Constructor Id=\"1\" TypeId=\"{TENANT_TYPE_ID}\"/>{paths}</ObjectPaths></Request>"
    )
}

/// A site collection URL must be an absolute `https://` URL with a host; it is sent as text
/// inside the XML, so anything else is refused before sending.
fn check_site_url(url: &str) -> Result<(), SharePointError> {
    let host = url.strip_prefix("https://").unwrap_or_default();
    let host = host.split('/').next().unwrap_or_default();
    if host.is_empty() || url.chars().any(char::is_whitespace) {
        return Err(SharePointError::invalid(
            "site_url",
            format!("'{url}' is not an https:// site collection URL"),
        ));
    }
    Ok(())
}

/// Object path 3: `Tenant.GetSitePropertiesByUrl(url, includeDetail = false)`.
fn site_properties_path(url: &str) -> String {
    format!(
        "<Method Id=\"3\" ParentId=\"1\" Name=\"GetSitePropertiesByUrl\"><Parameters>\
         <Parameter Type=\"String\">{}</Parameter><Parameter Type=\"Boolean\">false</Parameter>\
         </Parameters></Method>",
        escape(url)
    )
}

/// Read every property of one site collection (`SiteProperties`).
pub fn query_site_properties(url: &str) -> Result<String, SharePointError> {
    check_site_url(url)?;
    Ok(request_with_paths(
        "<ObjectPath Id=\"2\" ObjectPathId=\"1\"/><ObjectPath Id=\"4\" ObjectPathId=\"3\"/>\
         <Query Id=\"5\" ObjectPathId=\"3\"><Query SelectAllProperties=\"true\"><Properties/></Query></Query>",
        &site_properties_path(url),
    ))
}

/// Set properties of one site collection and save them (`SiteProperties.Update`). Integers
/// are sent as `Enum` for the enumerations SharePoint declares so (`SharingCapability`,
/// `LockState` given as a number) and `Int32` otherwise.
pub fn set_site_properties(
    url: &str,
    properties: &Map<String, Value>,
) -> Result<String, SharePointError> {
    check_site_url(url)?;
    let mut actions = String::from(
        "<ObjectPath Id=\"2\" ObjectPathId=\"1\"/><ObjectPath Id=\"4\" ObjectPathId=\"3\"/>",
    );
    let mut id = 5;
    for (name, value) in properties {
        let (kind, text) = parameter(name, value)?;
        let kind = if kind == "Int32" && SITE_ENUMS.contains(&name.as_str()) {
            "Enum"
        } else {
            kind
        };
        actions.push_str(&format!(
            "<SetProperty Id=\"{id}\" ObjectPathId=\"3\" Name=\"{name}\"><Parameter Type=\"{kind}\">{text}</Parameter></SetProperty>"
        ));
        id += 1;
    }
    if properties.is_empty() {
        return Err(SharePointError::invalid("properties", "nothing to set"));
    }
    actions.push_str(&format!(
        "<Method Name=\"Update\" Id=\"{id}\" ObjectPathId=\"3\"/>"
    ));
    Ok(request_with_paths(&actions, &site_properties_path(url)))
}

/// Site properties that are enumerations in CSOM.
const SITE_ENUMS: [&str; 4] = [
    "SharingCapability",
    "LockState",
    "SharingDomainRestrictionMode",
    "DefaultSharingLinkType",
];

/// Make `login_name` a site collection administrator of `url` or remove them
/// (`Tenant.SetSiteAdmin(url, loginName, isSiteAdmin)`). The login name is a UPN or a claims
/// name (`i:0#.f|membership|upn`).
pub fn set_site_admin(
    url: &str,
    login_name: &str,
    is_admin: bool,
) -> Result<String, SharePointError> {
    check_site_url(url)?;
    if login_name.trim().is_empty() {
        return Err(SharePointError::invalid("login_name", "is empty"));
    }
    let paths = format!(
        "<Method Id=\"3\" ParentId=\"1\" Name=\"SetSiteAdmin\"><Parameters>\
         <Parameter Type=\"String\">{}</Parameter><Parameter Type=\"String\">{}</Parameter>\
         <Parameter Type=\"Boolean\">{is_admin}</Parameter></Parameters></Method>",
        escape(url),
        escape(login_name.trim())
    );
    Ok(request_with_paths(
        "<ObjectPath Id=\"2\" ObjectPathId=\"1\"/><ObjectPath Id=\"4\" ObjectPathId=\"3\"/>",
        &paths,
    ))
}

/// One property value as a CSOM parameter: (type, escaped text).
fn parameter(name: &str, value: &Value) -> Result<(&'static str, String), SharePointError> {
    let valid_name = !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric());
    if !valid_name {
        return Err(SharePointError::invalid(
            "property",
            format!("'{name}' is not a property name"),
        ));
    }
    match value {
        Value::Bool(b) => Ok(("Boolean", b.to_string())),
        Value::Number(n) if n.is_i64() => Ok(("Int32", n.to_string())),
        Value::String(s) => Ok(("String", escape(s))),
        other => Err(SharePointError::invalid(
            format!("properties.{name}"),
            format!("CSOM takes booleans, integers or text, not {other}"),
        )),
    }
}

/// Read every property of the tenant object.
pub fn query_tenant() -> String {
    request(
        "<ObjectPath Id=\"2\" ObjectPathId=\"1\"/><Query Id=\"3\" ObjectPathId=\"1\">\
         <Query SelectAllProperties=\"true\"><Properties/></Query></Query>",
    )
}

/// Set tenant properties and save them (`Update`). Values must be booleans, integers or text.
pub fn set_tenant(properties: &Map<String, Value>) -> Result<String, SharePointError> {
    let mut actions = String::new();
    let mut id = 2;
    for (name, value) in properties {
        let (kind, text) = parameter(name, value)?;
        actions.push_str(&format!(
            "<SetProperty Id=\"{id}\" ObjectPathId=\"1\" Name=\"{name}\"><Parameter Type=\"{kind}\">{text}</Parameter></SetProperty>"
        ));
        id += 1;
    }
    if actions.is_empty() {
        return Err(SharePointError::invalid("properties", "nothing to set"));
    }
    actions.push_str(&format!(
        "<Method Name=\"Update\" Id=\"{id}\" ObjectPathId=\"1\"/>"
    ));
    Ok(request(&actions))
}

/// Call a method of the tenant object (`Tenant.SetFileVersionPolicy(true, -1, -1)`): the
/// parameters in order, booleans as `Boolean`, integers as `Int32` (`Int64` beyond its range),
/// text as `String`. The method saves its own change (no `Update`).
pub fn call_tenant_method(method: &str, parameters: &[Value]) -> Result<String, SharePointError> {
    let valid = !method.is_empty() && method.chars().all(|c| c.is_ascii_alphanumeric());
    if !valid {
        return Err(SharePointError::invalid(
            "method",
            format!("'{method}' is not a method name"),
        ));
    }
    let mut params = String::new();
    for (i, value) in parameters.iter().enumerate() {
        let (kind, text) = match value {
            Value::Bool(b) => ("Boolean", b.to_string()),
            Value::Number(n) => match n.as_i64() {
                Some(i) if i32::try_from(i).is_ok() => ("Int32", i.to_string()),
                Some(i) => ("Int64", i.to_string()),
                None => {
                    return Err(SharePointError::invalid(
                        format!("{method}.parameters[{i}]"),
                        format!("CSOM takes booleans, integers or text, not {n}"),
                    ))
                }
            },
            Value::String(s) => ("String", escape(s)),
            other => {
                return Err(SharePointError::invalid(
                    format!("{method}.parameters[{i}]"),
                    format!("CSOM takes booleans, integers or text, not {other}"),
                ))
            }
        };
        params.push_str(&format!("<Parameter Type=\"{kind}\">{text}</Parameter>"));
    }
    Ok(request(&format!(
        "<Method Name=\"{method}\" Id=\"2\" ObjectPathId=\"1\"><Parameters>{params}</Parameters></Method>"
    )))
}

/// Check the answer's `ErrorInfo` (a failure comes back with HTTP 200) and return the rest.
pub fn read_answer(tenant: &str, answer: Value) -> Result<Vec<Value>, SharePointError> {
    let Value::Array(mut items) = answer else {
        return Err(cipp_core::Error::Decode {
            operation: "POST ProcessQuery".into(),
            tenant: tenant.into(),
            path: ".".into(),
            message: "expected a JSON array".into(),
        }
        .into());
    };
    if items.is_empty() {
        return Err(cipp_core::Error::Decode {
            operation: "POST ProcessQuery".into(),
            tenant: tenant.into(),
            path: ".".into(),
            message: "empty answer".into(),
        }
        .into());
    }
    let head = items.remove(0);
    match head.get("ErrorInfo") {
        Some(Value::Null) | None => Ok(items),
        Some(info) => Err(SharePointError::Csom {
            tenant: tenant.to_string(),
            message: info["ErrorMessage"]
                .as_str()
                .unwrap_or("unknown error")
                .to_string(),
            code: info["ErrorCode"].as_i64().unwrap_or(0),
            type_name: info["ErrorTypeName"]
                .as_str()
                .unwrap_or_default()
                .to_string(),
        }),
    }
}

/// The first object in the answer with an `_ObjectType_` (the queried object).
pub fn queried_object(items: &[Value]) -> Option<Map<String, Value>> {
    items.iter().find_map(|v| {
        v.get("_ObjectType_")?;
        v.as_object().cloned()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn set_requests_are_typed_and_escaped() {
        let mut m = Map::new();
        m.insert("SharingCapability".into(), json!(0));
        m.insert("ShowEveryoneClaim".into(), json!(false));
        m.insert("SignInAccelerationDomain".into(), json!("a<b&\"c\""));
        let xml = set_tenant(&m).unwrap();
        assert!(xml.contains("Name=\"SharingCapability\"><Parameter Type=\"Int32\">0</Parameter>"));
        assert!(xml.contains("<Parameter Type=\"Boolean\">false</Parameter>"));
        assert!(xml.contains("a&lt;b&amp;&quot;c&quot;"));
        assert!(xml.contains("<Method Name=\"Update\""));
        m.insert("Bad Name".into(), json!(1));
        assert!(set_tenant(&m).is_err());
        let mut f = Map::new();
        f.insert("X".into(), json!(1.5));
        assert!(set_tenant(&f).is_err());
    }

    #[test]
    fn method_calls_are_typed_in_order() {
        let xml = call_tenant_method("SetFileVersionPolicy", &[json!(false), json!(50), json!(0)])
            .unwrap();
        assert!(xml.contains(
            "<Method Name=\"SetFileVersionPolicy\" Id=\"2\" ObjectPathId=\"1\"><Parameters>\
             <Parameter Type=\"Boolean\">false</Parameter><Parameter Type=\"Int32\">50</Parameter>\
             <Parameter Type=\"Int32\">0</Parameter></Parameters></Method>"
        ));
        assert!(!xml.contains("Update"));
        assert!(call_tenant_method("Bad Name", &[]).is_err());
        assert!(call_tenant_method("M", &[json!(1.5)]).is_err());
        assert!(call_tenant_method("M", &[json!(null)]).is_err());
    }

    #[test]
    fn error_info_inside_a_success() {
        let ok = json!([{"ErrorInfo": null}, 3, {"_ObjectType_": "T", "SharingCapability": 1}]);
        let items = read_answer("t", ok).unwrap();
        assert_eq!(queried_object(&items).unwrap()["SharingCapability"], 1);
        let bad = json!([{"ErrorInfo": {"ErrorMessage": "Cannot find site", "ErrorCode": -2147024809, "ErrorTypeName": "System.ArgumentException"}}]);
        let e = read_answer("t", bad).unwrap_err();
        assert!(e.to_string().contains("Cannot find site"));
        assert!(read_answer("t", json!({})).is_err());
    }
}
