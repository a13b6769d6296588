//! Storage quotas from Microsoft 365 usage reports: mailboxes (`getMailboxUsageDetail`) and
//! OneDrive accounts (`getOneDriveUsageAccountDetail`), both over the last 7 days.
//!
//! Graph serves these reports as JSON when asked (`$format=application/json`, beta) and as
//! CSV otherwise (a redirect to a download; inside `$batch` the CSV can arrive as a string,
//! sometimes base64-encoded). A snapshot row that is a string is read as that CSV, with
//! the report's column titles mapped to the JSON names, so either shape works.

use base64::Engine as _;
use serde_json::{json, Map, Value};

use super::{n, s};
use crate::error::AlertError;
use crate::params::Params;
use crate::rule::{param, row, Context, Rows, Rule};

pub(super) const RULES: [Rule; 2] = [
    Rule {
        name: "QuotaUsed",
        description: "A mailbox uses at least the given percentage of its prohibit-send-receive quota (mailbox usage report, last 7 days), optionally only some mailbox types and never the excluded mailboxes.",
        cache_types: &["MailboxUsage"],
        params: &[
            param("QuotaUsedQuota", "int", "90", "Alert at or above this percentage used (a bare number is accepted)."),
            param("QuotaUsedExcludedMailboxes", "list", "\"\"", "Mailboxes (UPNs) never to alert on, comma separated."),
            param("QuotaUsedMailboxTypes", "list", "[]", "Only these recipient types (User, Shared, Room, Equipment...); empty: all."),
        ],
        output: &["Message", "Owner", "RecipientType", "UsagePercent", "StorageUsedInBytes", "ProhibitSendReceiveQuotaInBytes", "Tenant"],
        history: false,
        key_fields: &[],
        partner_cache_types: &[],
        eval: quota_used,
    },
    Rule {
        name: "OnedriveQuota",
        description: "A OneDrive account uses more than the given percentage of its allocated storage (OneDrive usage report, last 7 days).",
        cache_types: &["OneDriveUsage"],
        params: &[param("OnedriveQuota", "int", "90", "Alert above this percentage used (a bare number is accepted).")],
        output: &["Message", "Owner", "UsagePercent", "GBLeft", "StorageUsedInBytes", "StorageAllocatedInBytes", "Tenant"],
        history: false,
        key_fields: &[],
        partner_cache_types: &[],
        eval: onedrive_quota,
    },
];

/// The usage reports' CSV column titles and the names the JSON form uses.
const CSV_COLUMNS: &[(&str, &str)] = &[
    ("User Principal Name", "userPrincipalName"),
    ("Display Name", "displayName"),
    ("Recipient Type", "recipientType"),
    ("Storage Used (Byte)", "storageUsedInBytes"),
    (
        "Prohibit Send/Receive Quota (Byte)",
        "prohibitSendReceiveQuotaInBytes",
    ),
    ("Prohibit Send Quota (Byte)", "prohibitSendQuotaInBytes"),
    ("Issue Warning Quota (Byte)", "issueWarningQuotaInBytes"),
    ("Is Deleted", "isDeleted"),
    ("Owner Principal Name", "ownerPrincipalName"),
    ("Owner Display Name", "ownerDisplayName"),
    ("Site URL", "siteUrl"),
    ("Storage Allocated (Byte)", "storageAllocatedInBytes"),
    ("Report Refresh Date", "reportRefreshDate"),
    ("Report Period", "reportPeriod"),
];

/// A usage report in CSV as JSON rows (numbers as numbers, names as in the JSON form).
pub(crate) fn csv_rows(text: &str) -> Vec<Value> {
    let (header, records) = cipp_core::csv::with_header(text);
    let names: Vec<String> = header
        .into_iter()
        .map(|h| {
            CSV_COLUMNS
                .iter()
                .find(|(title, _)| title.eq_ignore_ascii_case(&h))
                .map(|(_, name)| name.to_string())
                .unwrap_or(h)
        })
        .collect();
    records
        .map(|record| {
            let mut m = Map::new();
            for (name, v) in names.iter().zip(record.fields) {
                let value = match v.trim().parse::<i64>() {
                    Ok(i) if name.ends_with("Bytes") => json!(i),
                    _ => json!(v),
                };
                m.insert(name.clone(), value);
            }
            Value::Object(m)
        })
        .collect()
}

/// A report's rows, whether the snapshot holds JSON objects or the CSV text (plain or base64).
pub(crate) fn report_rows(
    ctx: &Context<'_>,
    rule: &str,
    cache_type: &str,
) -> Result<Vec<Value>, AlertError> {
    let mut out = Vec::new();
    for r in ctx.rows(rule, cache_type)? {
        match r {
            Value::String(text) => {
                let decoded = if text.contains(',') {
                    text.clone()
                } else {
                    base64::engine::general_purpose::STANDARD
                        .decode(text.trim())
                        .ok()
                        .and_then(|b| String::from_utf8(b).ok())
                        .ok_or_else(|| {
                            ctx.data(rule, format!("{cache_type} is neither JSON nor CSV"))
                        })?
                };
                out.extend(csv_rows(&decoded));
            }
            other => out.push(other.clone()),
        }
    }
    Ok(out)
}

fn percent(used: f64, of: f64) -> i64 {
    (used / of * 100.0).round() as i64
}

fn quota_used(ctx: &Context<'_>, p: Params<'_>) -> Result<Rows, AlertError> {
    let threshold = p.int("QuotaUsedQuota", true, 90, 0, 100)?;
    let excluded: Vec<String> = p
        .list("QuotaUsedExcludedMailboxes", false)?
        .into_iter()
        .map(|x| x.to_lowercase())
        .collect();
    let types = p.list("QuotaUsedMailboxTypes", false)?;
    let mut rows = Vec::new();
    for m in report_rows(ctx, "QuotaUsed", "MailboxUsage")? {
        let used = n(&m, "storageUsedInBytes").unwrap_or(0.0);
        let quota = n(&m, "prohibitSendReceiveQuotaInBytes").unwrap_or(0.0);
        // An empty mailbox or one without a quota cannot be "full".
        if used <= 0.0 || quota <= 0.0 {
            continue;
        }
        let upn = s(&m, "userPrincipalName");
        let kind = s(&m, "recipientType");
        if excluded.iter().any(|x| x.eq_ignore_ascii_case(upn))
            || (!types.is_empty() && !types.iter().any(|t| t.eq_ignore_ascii_case(kind)))
        {
            continue;
        }
        let pct = percent(used, quota);
        if pct < threshold {
            continue;
        }
        rows.push(row([
            (
                "Message",
                json!(format!(
                    "{upn}: mailbox is {pct}% full (alert at {threshold}%)"
                )),
            ),
            ("Owner", json!(upn)),
            ("RecipientType", json!(kind)),
            ("UsagePercent", json!(pct)),
            ("StorageUsedInBytes", json!(used as i64)),
            ("ProhibitSendReceiveQuotaInBytes", json!(quota as i64)),
        ]));
    }
    Ok(rows.into())
}

fn onedrive_quota(ctx: &Context<'_>, p: Params<'_>) -> Result<Rows, AlertError> {
    let threshold = p.int("OnedriveQuota", true, 90, 0, 100)?;
    let mut rows = Vec::new();
    for a in report_rows(ctx, "OnedriveQuota", "OneDriveUsage")? {
        let used = n(&a, "storageUsedInBytes").unwrap_or(0.0);
        let allocated = n(&a, "storageAllocatedInBytes").unwrap_or(0.0);
        if used <= 0.0 || allocated <= 0.0 {
            continue;
        }
        let pct = percent(used, allocated);
        if pct <= threshold {
            continue;
        }
        let owner = s(&a, "ownerPrincipalName");
        let gb_left = ((allocated - used) / 1_073_741_824.0).round() as i64;
        rows.push(row([
            (
                "Message",
                json!(format!(
                    "{owner}: OneDrive is {pct}% full, {gb_left} GB left"
                )),
            ),
            ("Owner", json!(owner)),
            ("UsagePercent", json!(pct)),
            ("GBLeft", json!(gb_left)),
            ("StorageUsedInBytes", json!(used as i64)),
            ("StorageAllocatedInBytes", json!(allocated as i64)),
        ]));
    }
    Ok(rows.into())
}

#[cfg(test)]
mod tests {
    use super::super::test_support::run;
    use serde_json::json;

    const GB: i64 = 1_073_741_824;

    #[test]
    fn quota_used_fires_over_the_threshold_and_honours_filters() {
        let usage = json!([
            {"userPrincipalName": "full@x", "recipientType": "User", "storageUsedInBytes": 48 * GB, "prohibitSendReceiveQuotaInBytes": 50 * GB},
            {"userPrincipalName": "shared@x", "recipientType": "Shared", "storageUsedInBytes": 46 * GB, "prohibitSendReceiveQuotaInBytes": 50 * GB},
            {"userPrincipalName": "half@x", "recipientType": "User", "storageUsedInBytes": 25 * GB, "prohibitSendReceiveQuotaInBytes": 50 * GB},
            {"userPrincipalName": "empty@x", "recipientType": "User", "storageUsedInBytes": 0, "prohibitSendReceiveQuotaInBytes": 50 * GB}]);
        let all = run("QuotaUsed", json!({"MailboxUsage": usage}), json!(null));
        assert_eq!(all.len(), 2);
        assert_eq!(all[0]["UsagePercent"], 96);
        assert_eq!(all[0]["Owner"], "full@x");
        let users = run(
            "QuotaUsed",
            json!({"MailboxUsage": usage}),
            json!({"QuotaUsedMailboxTypes": ["User"], "QuotaUsedExcludedMailboxes": "nobody@x"}),
        );
        assert_eq!(users.len(), 1);
        let none = run(
            "QuotaUsed",
            json!({"MailboxUsage": usage}),
            json!({"QuotaUsedExcludedMailboxes": "FULL@x, shared@x"}),
        );
        assert!(none.is_empty());
        assert_eq!(
            run("QuotaUsed", json!({"MailboxUsage": usage}), json!(97)).len(),
            0
        );
        let rule = crate::catalogue::get("QuotaUsed").unwrap();
        let e = rule
            .check_params(&json!({"QuotaUsedQuota": 120}))
            .unwrap_err();
        assert!(e.to_string().contains("QuotaUsedQuota"), "{e}");
    }

    #[test]
    fn quota_used_reads_the_csv_form() {
        let csv = "\u{feff}Report Refresh Date,User Principal Name,Display Name,Recipient Type,Storage Used (Byte),Prohibit Send/Receive Quota (Byte)\n\
                   2026-10-31,full@x,\"Full, Mailbox\",User,53687091200,53687091200\n\
                   2026-10-31,half@x,Half,User,1000,53687091200\n";
        let rows = run("QuotaUsed", json!({"MailboxUsage": [csv]}), json!(null));
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0]["UsagePercent"], 100);
        use base64::Engine as _;
        let b64 = base64::engine::general_purpose::STANDARD.encode(csv);
        let rows = run("QuotaUsed", json!({"MailboxUsage": [b64]}), json!(null));
        assert_eq!(rows.len(), 1);
    }

    #[test]
    fn onedrive_quota() {
        let usage = json!([
            {"ownerPrincipalName": "a@x", "storageUsedInBytes": 950 * GB, "storageAllocatedInBytes": 1024 * GB},
            {"ownerPrincipalName": "b@x", "storageUsedInBytes": 10 * GB, "storageAllocatedInBytes": 1024 * GB},
            {"ownerPrincipalName": "c@x", "storageUsedInBytes": 10 * GB, "storageAllocatedInBytes": 0}]);
        let rows = run(
            "OnedriveQuota",
            json!({"OneDriveUsage": usage}),
            json!(null),
        );
        assert_eq!(rows.len(), 1);
        assert_eq!(
            (rows[0]["UsagePercent"].as_i64(), rows[0]["GBLeft"].as_i64()),
            (Some(93), Some(74))
        );
        assert!(run("OnedriveQuota", json!({"OneDriveUsage": usage}), json!(95)).is_empty());
        assert!(run("OnedriveQuota", json!({"OneDriveUsage": []}), json!(null)).is_empty());
    }
}
