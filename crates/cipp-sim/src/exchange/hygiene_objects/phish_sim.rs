//! The phishing-simulation override policy and its rule.

use super::*;

pub(super) fn new_phish_sim_policy(nouns: &mut BTreeMap<String, Vec<Row>>, params: &Row) -> Answer {
    let rows = nouns.entry(PHISH_SIM_POLICY.into()).or_default();
    if !rows.is_empty() {
        return Err(exists("PhishSimOverridePolicy"));
    }
    // Exchange names the tenant's one override policy itself, whatever -Name says.
    let enabled = param(params, "Enabled").is_none_or(|v| truthy(Some(v)));
    let row = obj(json!({"Identity": "PhishSimOverridePolicy",
        "Name": "PhishSimOverridePolicy", "Enabled": enabled, "Mode": "Enforce",
        "Guid": uuid::Uuid::new_v4().to_string()}));
    rows.push(row.clone());
    Ok((vec![row], Vec::new()))
}

pub(super) fn new_phish_sim_rule(
    nouns: &mut BTreeMap<String, Vec<Row>>,
    name: &str,
    params: &Row,
) -> Answer {
    required(params, name, "Name")?;
    let policy = required(params, name, "Policy")?;
    let known = nouns
        .get(PHISH_SIM_POLICY)
        .is_some_and(|rows| rows.iter().any(|r| matches_identity(r, &policy)));
    if !known {
        return Err(not_found(&policy));
    }
    let domains = values(param(params, "Domains"));
    let ranges = values(param(params, "SenderIpRanges"));
    if domains.is_empty() || ranges.is_empty() {
        return Err(binding(
            &format!("{name}: Domains and SenderIpRanges each need at least one value."),
            "Domains",
        ));
    }
    let rows = nouns.entry(PHISH_SIM_RULE.into()).or_default();
    if !rows.is_empty() {
        return Err(invalid(
            "A tenant has one phishing simulation override rule; change it with Set-ExoPhishSimOverrideRule.",
            "Name",
        ));
    }
    let guid = uuid::Uuid::new_v4().to_string();
    let rule_name = format!("_Exe:PhishSimOverr:{guid}");
    let row = obj(
        json!({"Identity": rule_name, "Name": rule_name, "Policy": "PhishSimOverridePolicy",
        "SenderIpRanges": ranges, "Domains": domains, "Guid": guid}),
    );
    rows.push(row.clone());
    Ok((vec![row], Vec::new()))
}

pub(super) fn set_phish_sim_rule(
    nouns: &mut BTreeMap<String, Vec<Row>>,
    name: &str,
    params: &Row,
) -> Answer {
    let id = required(params, name, "Identity")?;
    let rule = find(nouns.entry(PHISH_SIM_RULE.into()).or_default(), &id)?;
    for list in ["SenderIpRanges", "Domains"] {
        let mut current = match param(params, list) {
            Some(v) => values(Some(v)),
            None => values(prop(rule, list)),
        };
        for add in values(param(params, &format!("Add{list}"))) {
            if !current.iter().any(|c| c.eq_ignore_ascii_case(&add)) {
                current.push(add);
            }
        }
        let remove = values(param(params, &format!("Remove{list}")));
        current.retain(|c| !remove.iter().any(|r| r.eq_ignore_ascii_case(c)));
        put(rule, list, json!(current));
    }
    Ok((Vec::new(), Vec::new()))
}
