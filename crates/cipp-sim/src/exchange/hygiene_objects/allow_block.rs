//! Tenant Allow/Block List items by list type and subtype.

use super::*;

/// `ListType` and `ListSubType` (default `Tenant`) of a Tenant Allow/Block List call.
fn list_of(name: &str, params: &Row) -> Result<(String, String), Reply> {
    let list = required(params, name, "ListType")?;
    let canonical = ["Sender", "Url", "FileHash", "IP"]
        .iter()
        .find(|t| t.eq_ignore_ascii_case(&list))
        .ok_or_else(|| binding(&format!("{name}: '{list}' is not a ListType."), "ListType"))?;
    let sub = param(params, "ListSubType")
        .map(text)
        .unwrap_or_else(|| "Tenant".into());
    let sub = ["Tenant", "AdvancedDelivery"]
        .iter()
        .find(|t| t.eq_ignore_ascii_case(&sub))
        .ok_or_else(|| {
            binding(
                &format!("{name}: '{sub}' is not a ListSubType."),
                "ListSubType",
            )
        })?;
    Ok(((*canonical).to_string(), (*sub).to_string()))
}

fn in_list(row: &Row, list: &str, sub: &str) -> bool {
    let is = |k: &str, v: &str| prop(row, k).is_some_and(|x| text(x).eq_ignore_ascii_case(v));
    is("ListType", list) && is("ListSubType", sub)
}

pub(super) fn get_allow_block(
    nouns: &mut BTreeMap<String, Vec<Row>>,
    name: &str,
    params: &Row,
) -> Answer {
    let (list, sub) = list_of(name, params)?;
    let action = if truthy(param(params, "Allow")) {
        Some("Allow")
    } else if truthy(param(params, "Block")) {
        Some("Block")
    } else {
        None
    };
    let rows = nouns
        .get(ALLOW_BLOCK)
        .into_iter()
        .flatten()
        .filter(|r| in_list(r, &list, &sub))
        .filter(|r| {
            action
                .is_none_or(|a| prop(r, "Action").is_some_and(|x| text(x).eq_ignore_ascii_case(a)))
        })
        .cloned()
        .collect();
    Ok((rows, Vec::new()))
}

pub(super) fn new_allow_block(
    nouns: &mut BTreeMap<String, Vec<Row>>,
    name: &str,
    params: &Row,
) -> Answer {
    let (list, sub) = list_of(name, params)?;
    let entries = values(param(params, "Entries"));
    if entries.is_empty() {
        return Err(binding(
            &format!("{name}: the Entries parameter is required."),
            "Entries",
        ));
    }
    let action = match (
        truthy(param(params, "Allow")),
        truthy(param(params, "Block")),
    ) {
        (true, false) => "Allow",
        (false, true) => "Block",
        _ => {
            return Err(binding(
                &format!("{name}: give exactly one of -Allow and -Block."),
                "Allow",
            ))
        }
    };
    if sub == "AdvancedDelivery" && action != "Allow" {
        return Err(invalid(
            "Advanced delivery entries can only allow.",
            "ListSubType",
        ));
    }
    let no_expiry = truthy(param(params, "NoExpiration"));
    let expiry = param(params, "ExpirationDate").cloned();
    if no_expiry && expiry.is_some() {
        return Err(binding(
            &format!("{name}: NoExpiration and ExpirationDate exclude each other."),
            "NoExpiration",
        ));
    }
    let rows = nouns.entry(ALLOW_BLOCK.into()).or_default();
    let mut created = Vec::new();
    for entry in &entries {
        let taken = rows.iter().any(|r| {
            in_list(r, &list, &sub)
                && prop(r, "Value").is_some_and(|v| text(v).eq_ignore_ascii_case(entry))
        });
        if taken {
            return Err(invalid(
                &format!("An entry for '{entry}' already exists in the {list} list."),
                entry,
            ));
        }
        created.push(obj(json!({"Identity": uuid::Uuid::new_v4().to_string(),
            "Value": entry, "Action": action, "ListType": list, "ListSubType": sub,
            "ExpirationDate": if no_expiry { Value::Null } else { expiry.clone().unwrap_or(Value::Null) },
            "Notes": param(params, "Notes").cloned().unwrap_or(Value::Null)})));
    }
    rows.extend(created.iter().cloned());
    Ok((created, Vec::new()))
}

pub(super) fn remove_allow_block(
    nouns: &mut BTreeMap<String, Vec<Row>>,
    name: &str,
    params: &Row,
) -> Answer {
    let (list, sub) = list_of(name, params)?;
    let entries = values(param(params, "Entries"));
    let ids = values(param(params, "Ids"));
    if entries.is_empty() && ids.is_empty() {
        return Err(binding(&format!("{name}: give Entries or Ids."), "Entries"));
    }
    let rows = nouns.entry(ALLOW_BLOCK.into()).or_default();
    let hit = |r: &Row, e: &str| {
        prop(r, "Value").is_some_and(|v| text(v).eq_ignore_ascii_case(e))
            || prop(r, "Identity").is_some_and(|v| text(v).eq_ignore_ascii_case(e))
    };
    for e in entries.iter().chain(&ids) {
        if !rows.iter().any(|r| in_list(r, &list, &sub) && hit(r, e)) {
            return Err(not_found(e));
        }
    }
    rows.retain(|r| !(in_list(r, &list, &sub) && entries.iter().chain(&ids).any(|e| hit(r, e))));
    Ok((Vec::new(), Vec::new()))
}
