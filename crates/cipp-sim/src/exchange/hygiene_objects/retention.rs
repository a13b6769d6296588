//! Retention tags and the links of retention policies.

use super::*;

/// Folder types a retention tag may have.
const TAG_TYPES: [&str; 10] = [
    "All",
    "Personal",
    "DeletedItems",
    "Inbox",
    "JunkEmail",
    "SentItems",
    "RecoverableItems",
    "Calendar",
    "Drafts",
    "Archive",
];

/// Days as a retention age (`30`, `"30"`, or a time span `30.00:00:00`) -> the time span.
fn age_limit(name: &str, v: &Value) -> Result<String, Reply> {
    let t = text(v);
    let days = t
        .trim()
        .split('.')
        .next()
        .and_then(|d| d.parse::<u64>().ok())
        .filter(|d| (1..=24_855).contains(d))
        .ok_or_else(|| {
            binding(
                &format!(
                    "{name}: AgeLimitForRetention must be a number of days (1-24855), not {v}."
                ),
                "AgeLimitForRetention",
            )
        })?;
    Ok(format!("{days}.00:00:00"))
}

pub(super) fn retention_tag(
    nouns: &mut BTreeMap<String, Vec<Row>>,
    name: &str,
    verb: &str,
    params: &Row,
) -> Answer {
    let age = param(params, "AgeLimitForRetention")
        .map(|v| age_limit(name, v))
        .transpose()?;
    if let Some(action) = param(params, "RetentionAction").map(text) {
        if ![
            "DeleteAndAllowRecovery",
            "PermanentlyDelete",
            "MoveToArchive",
            "MarkAsPastRetentionLimit",
        ]
        .iter()
        .any(|a| a.eq_ignore_ascii_case(&action))
        {
            return Err(binding(
                &format!("{name}: '{action}' is not a RetentionAction."),
                "RetentionAction",
            ));
        }
    }
    let rows = nouns.entry(RETENTION_TAGS.into()).or_default();
    let row = if verb == "new" {
        let new_name = required(params, name, "Name")?;
        let kind = required(params, name, "Type")?;
        if !TAG_TYPES.iter().any(|t| t.eq_ignore_ascii_case(&kind)) {
            return Err(binding(
                &format!("{name}: '{kind}' is not a retention tag Type."),
                "Type",
            ));
        }
        if rows.iter().any(|r| matches_identity(r, &new_name)) {
            return Err(exists(&new_name));
        }
        rows.push(obj(
            json!({"Identity": new_name, "Name": new_name, "Type": kind,
            "RetentionEnabled": false, "RetentionAction": "DeleteAndAllowRecovery",
            "AgeLimitForRetention": null, "Guid": uuid::Uuid::new_v4().to_string()}),
        ));
        let last = rows.len() - 1;
        &mut rows[last]
    } else {
        let id = required(params, name, "Identity")?;
        let row = find(rows, &id)?;
        if param(params, "Type").is_some() {
            return Err(binding(
                &format!("{name}: the Type of an existing tag can't be changed."),
                "Type",
            ));
        }
        row
    };
    for key in ["RetentionEnabled", "RetentionAction", "Comment"] {
        if let Some(v) = param(params, key) {
            put(row, key, v.clone());
        }
    }
    if let Some(age) = age {
        put(row, "AgeLimitForRetention", json!(age));
    }
    let out = if verb == "new" {
        vec![row.clone()]
    } else {
        Vec::new()
    };
    Ok((out, Vec::new()))
}

/// `Set-RetentionPolicy -RetentionPolicyTagLinks`: the list replaces the policy's links; every
/// entry must name an existing tag.
pub(super) fn link_retention_tags(
    nouns: &mut BTreeMap<String, Vec<Row>>,
    name: &str,
    params: &Row,
) -> Answer {
    let id = required(params, name, "Identity")?;
    let links = values(param(params, "RetentionPolicyTagLinks"));
    let tags = nouns.get(RETENTION_TAGS).cloned().unwrap_or_default();
    let mut canonical = Vec::new();
    for link in &links {
        let tag = tags
            .iter()
            .find(|t| matches_identity(t, link))
            .ok_or_else(|| not_found(link))?;
        let tag_name = prop(tag, "Name").map(text).unwrap_or_else(|| link.clone());
        if !canonical.contains(&tag_name) {
            canonical.push(tag_name);
        }
    }
    let policy = find(nouns.entry(RETENTION_POLICIES.into()).or_default(), &id)?;
    if param(params, "RetentionPolicyTagLinks").is_some() {
        put(policy, "RetentionPolicyTagLinks", json!(canonical));
    }
    if let Some(v) = param(params, "Name") {
        put(policy, "Name", v.clone());
    }
    Ok((Vec::new(), Vec::new()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retention_ages_become_time_spans() {
        assert_eq!(age_limit("x", &json!(30)).ok(), Some("30.00:00:00".into()));
        assert_eq!(
            age_limit("x", &json!("7.00:00:00")).ok(),
            Some("7.00:00:00".into())
        );
        assert!(age_limit("x", &json!("soon")).is_err());
        assert!(age_limit("x", &json!(0)).is_err());
    }
}
