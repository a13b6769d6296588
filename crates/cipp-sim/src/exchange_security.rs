//! Exchange cmdlets of compromised-account research and remediation that the generic
//! verb-noun engine cannot express: `Get-MessageTraceV2` and `Search-UnifiedAuditLog` (reads
//! over seeded `MessageTrace` and `UnifiedAuditLog` rows, filtered by their parameters), and
//! `Disable-InboxRule` refusing the hidden delegate rules as Exchange does. Also the
//! `MailboxOverride` seed noun, which sets properties of the generated mailboxes (forwarding)
//! without replacing them.
//!
//! The simulated unified audit log answers whether or not `UnifiedAuditLogIngestionEnabled`
//! is on, so tests can read seeded events in a tenant whose ingestion flag reports off.

use std::collections::BTreeMap;

use serde_json::{json, Map, Value};

use crate::reply::Reply;

type Row = Map<String, Value>;
/// A cmdlet's rows and warnings, or its failure.
type Answer = Result<(Vec<Row>, Vec<String>), Reply>;

/// Parameters `Get-MessageTraceV2` understands here.
const TRACE_PARAMETERS: [&str; 7] = [
    "SenderAddress",
    "RecipientAddress",
    "StartDate",
    "EndDate",
    "ResultSize",
    "Status",
    "MessageId",
];
/// Parameters `Search-UnifiedAuditLog` understands here.
const AUDIT_PARAMETERS: [&str; 10] = [
    "StartDate",
    "EndDate",
    "Operations",
    "UserIds",
    "RecordType",
    "ResultSize",
    "SessionId",
    "SessionCommand",
    "FreeText",
    "Formatted",
];

fn get<'a>(row: &'a Row, key: &str) -> Option<&'a Value> {
    row.iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(key))
        .map(|(_, v)| v)
}

fn text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// The values of a multi-valued parameter (an array, or a comma-separated string).
fn values(v: &Value) -> Vec<String> {
    match v {
        Value::Array(a) => a.iter().map(text).collect(),
        other => text(other)
            .split(',')
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
            .collect(),
    }
}

fn failure(kind: &str, message: &str, target: &str) -> Reply {
    let full = format!("|{kind}|{message}");
    Reply::json(
        400,
        json!({"error": {"code": "BadRequest",
            "message": format!("|Microsoft.Exchange.Management.RestApiClient.RestApiException|{message}"),
            "details": [{"code": "Context", "target": target, "message": full}],
            "innererror": {"message": message, "type": "Microsoft.Exchange.Admin.OData.Core.ODataServiceException",
                "internalexception": {"message": full, "type": kind}}}}),
    )
}

fn unknown_parameter(cmdlet: &str, params: &Row, known: &[&str]) -> Option<Reply> {
    let k = params
        .keys()
        .find(|k| !known.iter().any(|g| g.eq_ignore_ascii_case(k)))?;
    Some(failure(
        "System.Management.Automation.ParameterBindingException",
        &format!("A parameter cannot be found that matches parameter name '{k}' (cipp-sim's {cmdlet} takes {}).", known.join(", ")),
        k,
    ))
}

/// `true` when the timestamp `at` lies within the `StartDate`/`EndDate` parameters. ISO 8601
/// UTC strings compare correctly as text.
fn in_window(at: Option<&Value>, params: &Row) -> bool {
    let at = at.map(text).unwrap_or_default();
    let start = get(params, "StartDate").map(text);
    let end = get(params, "EndDate").map(text);
    start.is_none_or(|s| at.as_str() >= s.as_str()) && end.is_none_or(|e| at.as_str() <= e.as_str())
}

fn result_size(params: &Row) -> usize {
    get(params, "ResultSize")
        .and_then(|v| match v {
            Value::Number(n) => n.as_u64(),
            Value::String(s) => s.parse().ok(),
            _ => None,
        })
        .and_then(|n| usize::try_from(n).ok())
        .unwrap_or(5000)
}

/// Answer the cmdlets this module knows; `None` lets the generic engine run.
pub(crate) fn run(
    nouns: &mut BTreeMap<String, Vec<Row>>,
    name: &str,
    params: &Row,
) -> Option<Answer> {
    if name.eq_ignore_ascii_case("Get-MessageTraceV2")
        || name.eq_ignore_ascii_case("Get-MessageTrace")
    {
        if let Some(r) = unknown_parameter(name, params, &TRACE_PARAMETERS) {
            return Some(Err(r));
        }
        let sender = get(params, "SenderAddress").map(text);
        let recipient = get(params, "RecipientAddress").map(text);
        let rows: Vec<Row> = nouns
            .get("messagetrace")
            .into_iter()
            .flatten()
            .filter(|r| {
                sender.as_deref().is_none_or(|s| {
                    get(r, "SenderAddress").is_some_and(|v| text(v).eq_ignore_ascii_case(s))
                })
            })
            .filter(|r| {
                recipient.as_deref().is_none_or(|s| {
                    get(r, "RecipientAddress").is_some_and(|v| text(v).eq_ignore_ascii_case(s))
                })
            })
            .filter(|r| in_window(get(r, "Received"), params))
            .take(result_size(params))
            .cloned()
            .collect();
        return Some(Ok((rows, Vec::new())));
    }
    if name.eq_ignore_ascii_case("Search-UnifiedAuditLog") {
        if let Some(r) = unknown_parameter(name, params, &AUDIT_PARAMETERS) {
            return Some(Err(r));
        }
        if get(params, "StartDate").is_none() || get(params, "EndDate").is_none() {
            return Some(Err(failure(
                "System.Management.Automation.ParameterBindingException",
                "Search-UnifiedAuditLog: the StartDate and EndDate parameters are required.",
                "StartDate",
            )));
        }
        let operations = get(params, "Operations").map(values);
        let users = get(params, "UserIds").map(values);
        let rows: Vec<Row> = nouns
            .get("unifiedauditlog")
            .into_iter()
            .flatten()
            .filter(|r| {
                operations.as_ref().is_none_or(|ops| {
                    get(r, "Operations")
                        .is_some_and(|v| ops.iter().any(|o| o.eq_ignore_ascii_case(&text(v))))
                })
            })
            .filter(|r| {
                users.as_ref().is_none_or(|ids| {
                    get(r, "UserIds")
                        .is_some_and(|v| ids.iter().any(|u| u.eq_ignore_ascii_case(&text(v))))
                })
            })
            .filter(|r| in_window(get(r, "CreationDate"), params))
            .take(result_size(params))
            .cloned()
            .collect();
        let total = rows.len();
        let rows = rows
            .into_iter()
            .enumerate()
            .map(|(i, mut r)| {
                r.insert("ResultIndex".into(), json!(i + 1));
                r.insert("ResultCount".into(), json!(total));
                r
            })
            .collect();
        return Some(Ok((rows, Vec::new())));
    }
    if name.eq_ignore_ascii_case("Disable-InboxRule") {
        let identity = get(params, "Identity").map(text).unwrap_or_default();
        let mailbox = get(params, "Mailbox").map(text);
        let delegate = nouns.get("inboxrule").into_iter().flatten().any(|r| {
            let named = ["Identity", "Name"]
                .iter()
                .any(|k| get(r, k).is_some_and(|v| text(v).eq_ignore_ascii_case(&identity)));
            let owned = mailbox.as_deref().is_none_or(|m| {
                get(r, "MailboxOwnerId").is_some_and(|v| text(v).eq_ignore_ascii_case(m))
            });
            named && owned && get(r, "Name").is_some_and(|n| text(n).starts_with("Delegate Rule"))
        });
        if delegate {
            return Some(Err(failure(
                "Microsoft.Exchange.Management.Tasks.InboxRuleOperationException",
                &format!("The rule '{identity}' is a delegate rule and can't be changed with this cmdlet."),
                &identity,
            )));
        }
    }
    None
}

/// Merge the seed's `MailboxOverride` rows into the mailboxes they name (by
/// `UserPrincipalName`), then drop the noun: a seed can make one generated mailbox forward
/// without listing every mailbox of the tenant.
pub(crate) fn apply_mailbox_overrides(nouns: &mut BTreeMap<String, Vec<Row>>) {
    let Some(overrides) = nouns.remove("mailboxoverride") else {
        return;
    };
    let Some(mailboxes) = nouns.get_mut("mailbox") else {
        return;
    };
    for o in overrides {
        let Some(upn) = get(&o, "UserPrincipalName").map(text) else {
            continue;
        };
        for m in mailboxes.iter_mut().filter(|m| {
            get(m, "UserPrincipalName").is_some_and(|v| text(v).eq_ignore_ascii_case(&upn))
        }) {
            for (k, v) in &o {
                let key = m
                    .keys()
                    .find(|x| x.eq_ignore_ascii_case(k))
                    .cloned()
                    .unwrap_or_else(|| k.clone());
                m.insert(key, v.clone());
            }
        }
    }
}
