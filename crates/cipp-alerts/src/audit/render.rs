//! The alert a matched record becomes: CIPP's title for the well-known operations (or the
//! rule's custom subject), `%property%` tokens resolved, and the finding that goes into a
//! digest.

use serde_json::{json, Value};

use super::enrich::AuditRecord;

/// Resolve `%property%` tokens: `%tenant%`, `%username%` (the record's `UserId`) and any
/// record property; an unknown token is left as written.
pub fn resolve_tokens(template: &str, record: &AuditRecord, tenant: &str) -> String {
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(start) = rest.find('%') {
        out.push_str(&rest[..start]);
        let after = &rest[start + 1..];
        let Some(end) = after.find('%') else {
            out.push_str(&rest[start..]);
            return out;
        };
        let name = &after[..end];
        let value = match name.to_ascii_lowercase().as_str() {
            "tenant" | "tenantfilter" => Some(tenant.to_string()),
            "username" => Some(record.text("UserId")),
            _ if !name.is_empty() && !name.contains(char::is_whitespace) => {
                record.get(name).map(super::operator::text)
            }
            _ => None,
        };
        match value {
            Some(v) => {
                out.push_str(&v);
                rest = &after[end + 1..];
            }
            None => {
                // Not a token: keep the `%` and go on after it.
                out.push('%');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// CIPP's title for a record (its built-in alert template), or the generic one.
pub fn title(record: &AuditRecord, tenant: &str) -> String {
    let op = record.text("Operation");
    let user = record.text("UserId");
    let object = record.text("ObjectId");
    match op.as_str() {
        "New-InboxRule" | "Set-InboxRule"
            if !record.text("ForwardTo").is_empty()
                || !record.text("RedirectTo").is_empty()
                || !record.text("ForwardAsAttachmentTo").is_empty() =>
        {
            format!("{tenant} - New forwarding or redirect rule detected for {user}")
        }
        "New-InboxRule" => format!("{tenant} - New rule detected for {user}"),
        "Set-InboxRule" => format!("{tenant} - Rule edit detected for {user}"),
        "Add member to role." => format!("{tenant} - Role change detected for {object}"),
        "Remove Member from a role." => format!("{tenant} - Role removal detected for {object}"),
        "Disable account." => format!("{tenant} - {object} has been disabled"),
        "Enable account." => format!("{tenant} - {object} has been enabled"),
        "Update StsRefreshTokenValidFrom Timestamp." => {
            format!("{tenant} - {object} has had all sessions revoked")
        }
        "Disable Strong Authentication." => format!("{tenant} - {object} MFA has been disabled"),
        "Reset user password." => format!("{tenant} - {object} has had their password reset"),
        "Add service principal." => format!("{tenant} - Service principal {object} has been added"),
        "Remove service principal." => {
            format!("{tenant} - Service principal {object} has been removed")
        }
        "UserLoggedIn" => format!(
            "{tenant} - {user} logged in from {}",
            record.text("ClientIP")
        ),
        _ => format!("{tenant} - {op} executed by {user}"),
    }
}

/// The finding's row: what people and webhook receivers read.
pub(crate) fn row(
    record: &AuditRecord,
    tenant: &str,
    title: &str,
    rules: &[String],
    clause: &str,
    comment: Option<&str>,
) -> Value {
    json!({
        "Message": title,
        "RecordId": record.id,
        "Operation": record.text("Operation"),
        "UserId": record.text("UserId"),
        "ObjectId": record.text("ObjectId"),
        "ClientIP": record.text("ClientIP"),
        "CreationTime": record.text("CreationTime"),
        "Rules": rules.join(", "),
        "CIPPClause": clause,
        "AlertComment": comment,
        "Tenant": tenant,
        "AuditRecord": Value::Object(record.data.clone()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_and_titles() {
        let r = super::super::enrich::enrich(&json!({"id": "1", "auditData": {
            "Operation": "New-InboxRule", "UserId": "ann@x", "Parameters": [{"Name": "ForwardTo", "Value": "evil@y"}]}}))
        .unwrap();
        assert_eq!(
            resolve_tokens(
                "%tenant%: %username% forwards to %ForwardTo% (100% sure, %nope%)",
                &r,
                "alpha"
            ),
            "alpha: ann@x forwards to evil@y (100% sure, %nope%)"
        );
        assert_eq!(
            title(&r, "alpha"),
            "alpha - New forwarding or redirect rule detected for ann@x"
        );
        let plain = super::super::enrich::enrich(
            &json!({"id": "2", "auditData": {"Operation": "Update user.", "UserId": "b@x"}}),
        )
        .unwrap();
        assert_eq!(
            title(&plain, "alpha"),
            "alpha - Update user. executed by b@x"
        );
    }
}
