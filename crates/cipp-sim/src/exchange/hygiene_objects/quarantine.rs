//! Quarantine policies: the tags (permissions as a number and as text) and the global
//! policy's per-language notification texts.

use super::*;

/// The end-user quarantine permissions, highest bit first, as `EndUserQuarantinePermissionsValue`
/// packs them.
const PERMISSIONS: [&str; 8] = [
    "PermissionToViewHeader",
    "PermissionToDownload",
    "PermissionToAllowSender",
    "PermissionToBlockSender",
    "PermissionToRequestRelease",
    "PermissionToRelease",
    "PermissionToPreview",
    "PermissionToDelete",
];

/// The global policy's per-language lists, which must be as long as `MultiLanguageSetting`.
const PER_LANGUAGE: [&str; 3] = [
    "MultiLanguageSenderName",
    "ESNCustomSubject",
    "MultiLanguageCustomDisclaimer",
];

/// Parameters of the global policy this module keeps.
const GLOBAL_TEXTS: [&str; 6] = [
    "MultiLanguageSetting",
    "MultiLanguageSenderName",
    "ESNCustomSubject",
    "MultiLanguageCustomDisclaimer",
    "EndUserSpamNotificationCustomFromAddress",
    "OrganizationBrandingEnabled",
];

/// The permissions text `Get-QuarantinePolicy` shows for a permissions value.
pub(super) fn permissions_text(value: u64) -> String {
    let lines: Vec<String> = PERMISSIONS
        .iter()
        .enumerate()
        .map(|(i, name)| {
            let on = value & (1 << (7 - i)) != 0;
            format!("{name}: {}", if on { "True" } else { "False" })
        })
        .collect();
    format!("[{}]", lines.join("\n"))
}

/// Whether the call addresses the global quarantine policy.
fn is_global(nouns: &BTreeMap<String, Vec<Row>>, params: &Row) -> bool {
    let typed = param(params, "QuarantinePolicyType")
        .is_some_and(|t| text(t).eq_ignore_ascii_case("GlobalQuarantinePolicy"));
    let named = param(params, "Identity").map(text).is_some_and(|id| {
        nouns
            .get(GLOBAL_QUARANTINE)
            .is_some_and(|rows| rows.iter().any(|r| matches_identity(r, &id)))
    });
    typed || named
}

pub(super) fn quarantine(
    nouns: &mut BTreeMap<String, Vec<Row>>,
    name: &str,
    verb: &str,
    params: &Row,
) -> Option<Answer> {
    if is_global(nouns, params) {
        let has_texts = params
            .keys()
            .any(|k| GLOBAL_TEXTS.iter().any(|g| g.eq_ignore_ascii_case(k)));
        return has_texts.then(|| global_texts(nouns, name, verb, params));
    }
    Some(quarantine_tag(nouns, name, verb, params))
}

/// The global policy's notification texts; the rest of the call (its frequency, the creation
/// of the policy) goes to the standards-objects module first.
fn global_texts(
    nouns: &mut BTreeMap<String, Vec<Row>>,
    name: &str,
    verb: &str,
    params: &Row,
) -> Answer {
    let (texts, rest): (Row, Row) = params
        .clone()
        .into_iter()
        .partition(|(k, _)| GLOBAL_TEXTS.iter().any(|g| g.eq_ignore_ascii_case(k)));
    let current_languages = nouns
        .get(GLOBAL_QUARANTINE)
        .and_then(|rows| rows.first())
        .map(|r| values(prop(r, "MultiLanguageSetting")))
        .unwrap_or_default();
    let languages = match param(&texts, "MultiLanguageSetting") {
        Some(v) => values(Some(v)),
        None => current_languages,
    };
    let languages = if languages.is_empty() {
        vec!["Default".to_string()]
    } else {
        languages
    };
    for key in PER_LANGUAGE {
        if let Some(v) = param(&texts, key) {
            let n = values(Some(v)).len();
            if n != 0 && n != languages.len() {
                return Err(invalid(
                    &format!(
                        "{key} has {n} entries but MultiLanguageSetting has {} languages; give one per language.",
                        languages.len()
                    ),
                    key,
                ));
            }
        }
    }
    if let Some(v) = param(&texts, "OrganizationBrandingEnabled") {
        if !matches!(v, Value::Bool(_)) {
            return Err(binding(
                &format!("{name}: OrganizationBrandingEnabled takes true or false, not {v}."),
                "OrganizationBrandingEnabled",
            ));
        }
    }
    let (rows, warnings) = match super::super::standards_objects::run(nouns, name, &rest) {
        Some(answer) => answer?,
        None => (Vec::new(), Vec::new()),
    };
    let target = if verb == "new" {
        required(params, name, "Name")?
    } else {
        required(params, name, "Identity")?
    };
    let policy = find(nouns.entry(GLOBAL_QUARANTINE.into()).or_default(), &target)?;
    put(policy, "MultiLanguageSetting", json!(languages));
    for (k, v) in texts {
        let canonical = GLOBAL_TEXTS
            .iter()
            .find(|g| g.eq_ignore_ascii_case(&k))
            .copied()
            .unwrap_or(k.as_str())
            .to_string();
        let v = if PER_LANGUAGE.contains(&canonical.as_str()) || canonical == "MultiLanguageSetting"
        {
            json!(values(Some(&v)))
        } else {
            v
        };
        put(policy, &canonical, v);
    }
    let rows = if verb == "new" {
        vec![policy.clone()]
    } else {
        rows
    };
    Ok((rows, warnings))
}

/// `New-`/`Set-QuarantinePolicy` of a quarantine tag.
fn quarantine_tag(
    nouns: &mut BTreeMap<String, Vec<Row>>,
    name: &str,
    verb: &str,
    params: &Row,
) -> Answer {
    let permissions = match param(params, "EndUserQuarantinePermissionsValue") {
        None => None,
        Some(v) => {
            let n = v
                .as_u64()
                .or_else(|| text(v).trim().parse().ok())
                .filter(|n| *n <= 255)
                .ok_or_else(|| {
                    binding(
                        &format!(
                            "{name}: EndUserQuarantinePermissionsValue must be 0-255, not {v}."
                        ),
                        "EndUserQuarantinePermissionsValue",
                    )
                })?;
            // Bits 3 and 2: request release and release.
            if n & 0b1100 == 0b1100 {
                return Err(invalid(
                    "PermissionToRelease and PermissionToRequestRelease can't both be granted.",
                    "EndUserQuarantinePermissionsValue",
                ));
            }
            Some(n)
        }
    };
    let rows = nouns.entry(QUARANTINE.into()).or_default();
    let row = if verb == "new" {
        let new_name = required(params, name, "Name")?;
        if rows.iter().any(|r| matches_identity(r, &new_name)) {
            return Err(exists(&new_name));
        }
        rows.push(obj(json!({"Identity": new_name, "Name": new_name,
            "Guid": uuid::Uuid::new_v4().to_string(), "ESNEnabled": false,
            "IncludeMessagesFromBlockedSenderAddress": false,
            "EndUserQuarantinePermissionsValue": 0,
            "EndUserQuarantinePermissions": permissions_text(0)})));
        let last = rows.len() - 1;
        &mut rows[last]
    } else {
        let id = required(params, name, "Identity")?;
        find(rows, &id)?
    };
    for (k, v) in params {
        if [
            "Name",
            "Identity",
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
        if prop(row, k).is_none() {
            return Err(binding(
                &format!("A parameter cannot be found that matches parameter name '{k}'."),
                k,
            ));
        }
        put(row, k, v.clone());
    }
    if let Some(n) = permissions {
        put(row, "EndUserQuarantinePermissionsValue", json!(n));
        put(
            row,
            "EndUserQuarantinePermissions",
            json!(permissions_text(n)),
        );
    }
    let out = if verb == "new" {
        vec![row.clone()]
    } else {
        Vec::new()
    };
    Ok((out, Vec::new()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn permissions_read_as_exchange_shows_them() {
        let t = permissions_text(0b0001_0011);
        assert!(t.starts_with("[PermissionToViewHeader: False\n"));
        assert!(t.contains("PermissionToBlockSender: True"));
        assert!(t.contains("PermissionToPreview: True"));
        assert!(t.ends_with("PermissionToDelete: True]"));
        assert!(t.contains("PermissionToRelease: False"));
    }
}
