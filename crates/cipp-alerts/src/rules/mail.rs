//! Exchange Online: users blocked from sending, and quarantine release requests.

use serde_json::{json, Value};

use super::{date, field, s};
use crate::error::AlertError;
use crate::params::Params;
use crate::rule::{row, Context, Rows, Rule};
use crate::time;

pub(super) const RULES: [Rule; 2] = [
    Rule {
        name: "RestrictedUsers",
        description: "A user is restricted from sending mail (outbound spam block).",
        cache_types: &["BlockedSenderAddresses"],
        params: &[],
        output: &[
            "Message",
            "SenderAddress",
            "BlockType",
            "TemporaryBlock",
            "InternalCount",
            "ExternalCount",
            "CreatedDatetime",
            "Reason",
            "Tenant",
        ],
        history: false,
        key_fields: &["SenderAddress", "CreatedDatetime"],
        partner_cache_types: &[],
        eval: restricted_users,
    },
    Rule {
        name: "QuarantineReleaseRequests",
        description:
            "A user asked for a quarantined message (received in the last 6 hours) to be released.",
        cache_types: &["QuarantineReleaseRequests"],
        params: &[],
        output: &[
            "Message",
            "Identity",
            "MessageId",
            "Subject",
            "SenderAddress",
            "RecipientAddress",
            "Type",
            "PolicyName",
            "ReleaseStatus",
            "ReceivedTime",
            "Tenant",
        ],
        history: false,
        key_fields: &["Identity"],
        partner_cache_types: &[],
        eval: release_requests,
    },
];

fn get(v: &Value, k: &str) -> Value {
    field(v, k).cloned().unwrap_or(Value::Null)
}

fn restricted_users(ctx: &Context<'_>, _: Params<'_>) -> Result<Rows, AlertError> {
    Ok(ctx
        .rows("RestrictedUsers", "BlockedSenderAddresses")?
        .iter()
        .map(|b| {
            row([
                (
                    "Message",
                    json!(format!(
                        "{} is restricted from sending mail: {}",
                        s(b, "SenderAddress"),
                        s(b, "Reason")
                    )),
                ),
                ("SenderAddress", get(b, "SenderAddress")),
                ("BlockType", get(b, "BlockType")),
                ("TemporaryBlock", get(b, "TemporaryBlock")),
                ("InternalCount", get(b, "InternalCount")),
                ("ExternalCount", get(b, "ExternalCount")),
                ("CreatedDatetime", get(b, "CreatedDatetime")),
                ("Reason", get(b, "Reason")),
            ])
        })
        .collect::<Vec<_>>()
        .into())
}

/// CIPP looks back this far.
const RELEASE_WINDOW_SECS: i64 = 6 * 3_600;

fn release_requests(ctx: &Context<'_>, _: Params<'_>) -> Result<Rows, AlertError> {
    let mut rows = Vec::new();
    for m in ctx.rows("QuarantineReleaseRequests", "QuarantineReleaseRequests")? {
        if !s(m, "ReleaseStatus").eq_ignore_ascii_case("Requested") {
            continue;
        }
        match date(m, "ReceivedTime") {
            Some(t) if t <= ctx.now && ctx.now - t <= RELEASE_WINDOW_SECS => {}
            _ => continue,
        }
        rows.push(row([
            (
                "Message",
                json!(format!(
                    "{} asked to release \"{}\" from {} (received {})",
                    s(m, "RecipientAddress"),
                    s(m, "Subject"),
                    s(m, "SenderAddress"),
                    date(m, "ReceivedTime")
                        .map(time::format)
                        .unwrap_or_default()
                )),
            ),
            ("Identity", get(m, "Identity")),
            ("MessageId", get(m, "MessageId")),
            ("Subject", get(m, "Subject")),
            ("SenderAddress", get(m, "SenderAddress")),
            ("RecipientAddress", get(m, "RecipientAddress")),
            ("Type", get(m, "Type")),
            ("PolicyName", get(m, "PolicyName")),
            ("ReleaseStatus", get(m, "ReleaseStatus")),
            ("ReceivedTime", get(m, "ReceivedTime")),
        ]));
    }
    Ok(rows.into())
}

#[cfg(test)]
mod tests {
    use super::super::test_support::run;
    use serde_json::json;

    #[test]
    fn restricted_and_release_requests() {
        let blocked = json!([{"SenderAddress": "spam@x", "Reason": "OutboundSpamLimitExceeded", "CreatedDatetime": "2026-10-31T10:00:00Z"}]);
        assert_eq!(
            run(
                "RestrictedUsers",
                json!({"BlockedSenderAddresses": blocked}),
                json!(null)
            )[0]["SenderAddress"],
            "spam@x"
        );
        assert!(run(
            "RestrictedUsers",
            json!({"BlockedSenderAddresses": []}),
            json!(null)
        )
        .is_empty());
        let q = json!([
            {"Identity": "q1", "ReleaseStatus": "Requested", "ReceivedTime": "2026-10-31T22:00:00Z", "Subject": "Invoice", "RecipientAddress": "a@x", "SenderAddress": "b@y"},
            {"Identity": "q2", "ReleaseStatus": "Requested", "ReceivedTime": "2026-10-30T22:00:00Z"},
            {"Identity": "q3", "ReleaseStatus": "NotReleased", "ReceivedTime": "2026-10-31T23:00:00Z"}]);
        let rows = run(
            "QuarantineReleaseRequests",
            json!({"QuarantineReleaseRequests": q}),
            json!(null),
        );
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0]["Identity"], "q1");
    }
}
