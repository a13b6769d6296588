//! Site collections of each tenant's SharePoint: the users' OneDrives (personal sites at
//! `https://{name}-my.sharepoint.com/personal/{upn with _}`), made at start for every seeded
//! member user who holds a licence (a user created later has none, as in SharePoint, where a
//! OneDrive exists only once provisioned). Each site keeps its owner, its site collection
//! administrators and its sharing capability.
//!
//! CSOM on the admin host, for these sites:
//! - `Tenant.GetSitePropertiesByUrl(url, detail)` queried: the `SiteProperties` object;
//!   `SetProperty` on it followed by `Update` saves the change (without `Update` nothing is
//!   saved); a site may not share more widely than the tenant;
//! - `Tenant.SetSiteAdmin(url, loginName, isSiteAdmin)`: the login name (UPN, mail or
//!   `i:0#.f|membership|upn`) must be a user of the tenant; the owner cannot be removed.
//!
//! Unknown sites fail as SharePoint does: `SpoNoSiteException` inside an HTTP 200 answer.
//! Graph's `users/{id}/drive` and `users/{id}/drives` answer from the same sites.

use serde_json::{json, Map, Value};

use crate::reply::Reply;
use crate::seed::SeedTenant;

const SITE_TYPE: &str = "Microsoft.Online.SharePoint.TenantAdministration.SiteProperties";
/// Properties a `SetProperty` may change on a site here; the rest are read-only.
const WRITABLE: [&str; 4] = [
    "SharingCapability",
    "Title",
    "LockState",
    "StorageMaximumLevel",
];

/// One site collection.
#[derive(Debug, Clone)]
pub(crate) struct Site {
    pub url: String,
    pub owner_id: String,
    pub owner_upn: String,
    /// `SiteProperties` as CSOM returns it (without `_ObjectType_`).
    pub properties: Map<String, Value>,
    /// UPNs of the site collection administrators (the owner first).
    pub admins: Vec<String>,
}

/// One tenant's site collections.
#[derive(Debug, Default, Clone)]
pub(crate) struct Sites {
    pub list: Vec<Site>,
}

/// The OneDrive URL of `upn` in the tenant named `name`: every character that is not a letter
/// or digit becomes `_`.
pub(crate) fn personal_url(name: &str, upn: &str) -> String {
    let path: String = upn
        .to_ascii_lowercase()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    format!("https://{name}-my.sharepoint.com/personal/{path}")
}

fn claims(upn: &str) -> String {
    format!("i:0#.f|membership|{}", upn.to_ascii_lowercase())
}

impl Sites {
    /// A OneDrive for every licensed member user of the seeded tenant; sharing starts at the
    /// tenant's own setting.
    pub fn from_seed(tenant: &SeedTenant, name: &str, tenant_sharing: i64) -> Sites {
        let users = tenant
            .graph
            .get("users")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        let list = users
            .iter()
            .filter(|u| u["userType"].as_str().unwrap_or("Member") == "Member")
            .filter(|u| {
                u["assignedLicenses"]
                    .as_array()
                    .is_some_and(|l| !l.is_empty())
            })
            .filter_map(|u| {
                let upn = u["userPrincipalName"].as_str()?.to_string();
                let id = u["id"].as_str()?.to_string();
                let url = personal_url(name, &upn);
                let properties = json!({
                    "Url": url,
                    "Title": u["displayName"].as_str().unwrap_or(&upn),
                    "Owner": claims(&upn),
                    "OwnerEmail": upn,
                    "Template": "SPSPERS#10",
                    "Status": "Active",
                    "LockState": "Unlock",
                    "SharingCapability": tenant_sharing,
                    "StorageMaximumLevel": 1_048_576,
                    "StorageUsage": 412,
                });
                Some(Site {
                    url,
                    owner_id: id,
                    owner_upn: upn.clone(),
                    properties: properties.as_object().cloned().unwrap_or_default(),
                    admins: vec![upn],
                })
            })
            .collect();
        Sites { list }
    }

    /// The OneDrive of the user with object id `id`.
    pub fn of_owner(&self, id: &str) -> Option<&Site> {
        self.list
            .iter()
            .find(|s| s.owner_id.eq_ignore_ascii_case(id))
    }

    fn find_mut(&mut self, url: &str) -> Option<&mut Site> {
        let url = url.trim_end_matches('/');
        self.list
            .iter_mut()
            .find(|s| s.url.eq_ignore_ascii_case(url))
    }
}

/// A site as the test-facing view shows it.
pub(crate) fn describe(site: &Site) -> Value {
    let mut v = Value::Object(site.properties.clone());
    v["admins"] = json!(site.admins);
    v
}

/// The Graph drive of `site` (what `users/{id}/drive` answers).
pub(crate) fn drive(site: &Site) -> Value {
    let id = uuid::Uuid::new_v5(&uuid::Uuid::NAMESPACE_URL, site.url.as_bytes());
    json!({
        "id": format!("b!{}", id.simple()),
        "driveType": "business",
        "name": "OneDrive",
        "webUrl": format!("{}/Documents", site.url),
        "owner": {"user": {"id": site.owner_id, "email": site.owner_upn,
            "displayName": site.properties.get("Title").cloned().unwrap_or(Value::Null)}},
    })
}

/// `true` when the request is about a site collection rather than the tenant object.
pub(crate) fn handles(xml: &str) -> bool {
    xml.contains("Name=\"GetSitePropertiesByUrl\"") || xml.contains("Name=\"SetSiteAdmin\"")
}

fn failure(message: &str, type_name: &str, code: i64) -> Reply {
    Reply::json(
        200,
        json!([{"SchemaVersion": "15.0.0.0", "LibraryVersion": "16.0.0.0",
            "ErrorInfo": {"ErrorMessage": message, "ErrorValue": null,
                "TraceCorrelationId": uuid::Uuid::new_v4().to_string(),
                "ErrorCode": code, "ErrorTypeName": type_name},
            "TraceCorrelationId": uuid::Uuid::new_v4().to_string()}]),
    )
}

fn no_site(url: &str) -> Reply {
    failure(
        &format!("Cannot get site {url}."),
        "Microsoft.Online.SharePoint.Common.SpoNoSiteException",
        -1,
    )
}

fn argument(message: &str) -> Reply {
    failure(message, "System.ArgumentException", -2147024809)
}

/// The value of attribute `name` in the tag that starts `tag`.
fn attribute<'a>(tag: &'a str, name: &str) -> Option<&'a str> {
    let end = tag.find('>').unwrap_or(tag.len());
    let head = &tag[..end];
    let start = head.find(&format!(" {name}=\""))? + name.len() + 3;
    let len = head[start..].find('"')?;
    Some(&head[start..start + len])
}

fn unescape(text: &str) -> String {
    text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&apos;", "'")
        .replace("&amp;", "&")
}

/// The `<Parameter>`s of the element starting at `part`, up to `closing`: (type, text).
fn parameters(part: &str, closing: &str) -> Vec<(String, String)> {
    let body = part.split(closing).next().unwrap_or_default();
    body.split("<Parameter ")
        .skip(1)
        .map(|p| {
            let kind = attribute(&format!(" {p}"), "Type")
                .unwrap_or_default()
                .to_string();
            let text = p
                .split_once('>')
                .and_then(|(_, after)| after.split_once("</Parameter>"))
                .map(|(v, _)| unescape(v))
                .unwrap_or_default();
            (kind, text)
        })
        .collect()
}

/// The object path `<Method>` calling `name`: (its id, its parameters).
fn method_path(xml: &str, name: &str) -> Option<(String, Vec<(String, String)>)> {
    let paths = xml.split_once("<ObjectPaths>")?.1;
    paths.split("<Method ").skip(1).find_map(|part| {
        let tag = format!(" {part}");
        if attribute(&tag, "Name") != Some(name) {
            return None;
        }
        let id = attribute(&tag, "Id")?.to_string();
        Some((id, parameters(part, "</Method>")))
    })
}

/// How widely a sharing capability shares: 0 none, 3 existing guests, 1 new guests, 2 anyone.
fn breadth(capability: i64) -> i64 {
    match capability {
        0 => 0,
        3 => 1,
        1 => 2,
        _ => 3,
    }
}

/// Answer a CSOM request on a site collection. `users` are the tenant's Graph users (login
/// names are checked against them); `tenant_sharing` is the tenant's `SharingCapability`.
pub(crate) fn process_query(
    xml: &str,
    sites: &mut Sites,
    users: &[Value],
    tenant_sharing: i64,
) -> Reply {
    let header = json!({"SchemaVersion": "15.0.0.0", "LibraryVersion": "16.0.0.0",
        "ErrorInfo": null, "TraceCorrelationId": uuid::Uuid::new_v4().to_string()});
    if let Some((_, params)) = method_path(xml, "SetSiteAdmin") {
        let [(_, url), (_, login), (_, flag)] = params.as_slice() else {
            return argument("SetSiteAdmin takes a site URL, a login name and a flag.");
        };
        let Ok(is_admin) = flag.parse::<bool>() else {
            return argument(&format!("The value '{flag}' is not a Boolean."));
        };
        let Some(site) = sites.find_mut(url) else {
            return no_site(url);
        };
        let wanted = login.rsplit('|').next().unwrap_or(login).trim();
        let Some(upn) = users
            .iter()
            .find(|u| {
                ["userPrincipalName", "mail"].iter().any(|k| {
                    u[*k]
                        .as_str()
                        .is_some_and(|v| v.eq_ignore_ascii_case(wanted))
                })
            })
            .and_then(|u| u["userPrincipalName"].as_str())
        else {
            return failure(
                &format!("The user '{login}' does not exist or is not unique."),
                "Microsoft.SharePoint.SPException",
                -2146232832,
            );
        };
        let held = site.admins.iter().position(|a| a.eq_ignore_ascii_case(upn));
        match (is_admin, held) {
            (true, None) => site.admins.push(upn.to_string()),
            (false, Some(_)) if upn.eq_ignore_ascii_case(&site.owner_upn) => {
                return failure(
                    "The primary site collection administrator cannot be removed.",
                    "Microsoft.SharePoint.SPException",
                    -2146232832,
                );
            }
            (false, Some(at)) => {
                site.admins.remove(at);
            }
            _ => {}
        }
        return Reply::json(200, json!([header]));
    }
    let Some((path_id, params)) = method_path(xml, "GetSitePropertiesByUrl") else {
        return argument("No site collection method in the request.");
    };
    let Some((_, url)) = params.first() else {
        return argument("GetSitePropertiesByUrl takes a site URL.");
    };
    let Some(site) = sites.find_mut(url) else {
        return no_site(url);
    };
    let actions = xml
        .split_once("<Actions>")
        .and_then(|(_, a)| a.split_once("</Actions>"))
        .map(|(a, _)| a)
        .unwrap_or_default();
    let mut changes = Vec::new();
    for part in actions.split("<SetProperty ").skip(1) {
        let tag = format!(" {part}");
        if attribute(&tag, "ObjectPathId") != Some(path_id.as_str()) {
            continue;
        }
        let Some(name) = attribute(&tag, "Name") else {
            return argument("SetProperty without a Name.");
        };
        let Some((kind, raw)) = parameters(part, "</SetProperty>").into_iter().next() else {
            return argument(&format!("SetProperty '{name}' without a value."));
        };
        if !site.properties.contains_key(name) {
            return failure(
                &format!("The property '{name}' does not exist on type '{SITE_TYPE}'."),
                "Microsoft.SharePoint.Client.InvalidClientQueryException",
                -1,
            );
        }
        if !WRITABLE.contains(&name) {
            return argument(&format!("The property '{name}' is read-only."));
        }
        let value = match (kind.as_str(), &site.properties[name]) {
            ("Enum" | "Int32" | "Int64", Value::Number(_)) => {
                raw.parse::<i64>().ok().map(Value::from)
            }
            ("String", Value::String(_)) => Some(Value::String(raw.clone())),
            ("Boolean", Value::Bool(_)) => raw.parse::<bool>().ok().map(Value::Bool),
            _ => None,
        };
        let Some(value) = value else {
            return argument(&format!(
                "The value '{raw}' is not valid for property '{name}'."
            ));
        };
        if name == "SharingCapability" {
            let asked = value.as_i64().unwrap_or(-1);
            if !(0..=3).contains(&asked) {
                return argument(&format!("'{asked}' is not a SharingCapabilities value."));
            }
            if breadth(asked) > breadth(tenant_sharing) {
                return failure(
                    "The sharing setting of a site cannot allow more than the organization's.",
                    "System.InvalidOperationException",
                    -2146233079,
                );
            }
        }
        changes.push((name.to_string(), value));
    }
    let saved = actions.contains("<Method Name=\"Update\"")
        && actions
            .split("<Method ")
            .skip(1)
            .any(|m| attribute(&format!(" {m}"), "ObjectPathId") == Some(path_id.as_str()));
    if saved {
        for (k, v) in changes {
            site.properties.insert(k, v);
        }
    }
    let mut out = vec![header];
    let queried = actions
        .split("<Query ")
        .skip(1)
        .any(|q| attribute(&format!(" {q}"), "ObjectPathId") == Some(path_id.as_str()));
    if queried {
        let mut object = Map::new();
        object.insert("_ObjectType_".into(), json!(SITE_TYPE));
        object.extend(site.properties.clone());
        out.push(json!(5));
        out.push(Value::Object(object));
    }
    Reply::json(200, Value::Array(out))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn personal_urls_follow_sharepoint() {
        assert_eq!(
            personal_url("alpha", "Elif.Ortiz@alphadental.com"),
            "https://alpha-my.sharepoint.com/personal/elif_ortiz_alphadental_com"
        );
    }

    #[test]
    fn method_paths_and_parameters_are_read() {
        let xml = "<Request><Actions><ObjectPath Id=\"4\" ObjectPathId=\"3\"/></Actions><ObjectPaths>\
            <Constructor Id=\"1\" TypeId=\"x\"/><Method Id=\"3\" ParentId=\"1\" Name=\"SetSiteAdmin\"><Parameters>\
            <Parameter Type=\"String\">https://a/b</Parameter><Parameter Type=\"String\">a&amp;b@x.com</Parameter>\
            <Parameter Type=\"Boolean\">true</Parameter></Parameters></Method></ObjectPaths></Request>";
        let (id, params) = method_path(xml, "SetSiteAdmin").unwrap_or_default();
        assert_eq!(id, "3");
        assert_eq!(params[1], ("String".to_string(), "a&b@x.com".to_string()));
        assert_eq!(params.len(), 3);
    }
}
