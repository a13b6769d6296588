//! Tenant-wide: soft-deleted mailboxes, SharePoint storage, MX records that changed, and
//! standards alignment below a threshold.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{json, Value};

use super::{arr, b, n, s};
use crate::error::AlertError;
use crate::params::Params;
use crate::rule::{param, row, Context, Rows, Rule};

pub(super) const RULES: [Rule; 6] = [
    Rule {
        name: "SecureScore",
        description: "Secure Score is below a value (absolute points or percent of the maximum), or fell by at least a percentage since the last run (drop; the first run only records).",
        cache_types: &["SecureScore"],
        params: &[
            param("ThresholdType", "string", "\"percent\"", "absolute, percent or drop."),
            param("InputValue", "number", "50", "Points, percent, or percent drop (a bare number is accepted)."),
        ],
        output: &["Message", "CurrentScore", "MaxScore", "CurrentScorePercentage", "ThresholdType", "Threshold", "PreviousScore", "DropPercentage", "Tenant"],
        history: true,
        key_fields: &[],
        partner_cache_types: &[],
        eval: secure_score,
    },
    Rule {
        name: "SoftDeletedMailboxes",
        description: "A mailbox is soft-deleted (and is not an inactive mailbox kept by a hold).",
        cache_types: &["SoftDeletedMailboxes"],
        params: &[],
        output: &["Message", "ExchangeGuid", "ArchiveGuid", "WhenSoftDeleted", "UPN", "IsInactiveMailbox", "Tenant"],
        history: false,
        key_fields: &[],
        partner_cache_types: &[],
        eval: soft_deleted,
    },
    Rule {
        name: "SharepointQuota",
        description: "SharePoint storage used is above the given percentage of the tenant's quota.",
        cache_types: &["SPOTenant"],
        params: &[param("QuotaThreshold", "int", "90", "Percent used before alerting (a bare number is accepted).")],
        output: &["Message", "UsedStoragePercentage", "StorageUsed", "StorageQuota", "AlertQuotaThreshold", "Tenant"],
        history: false,
        key_fields: &[],
        partner_cache_types: &[],
        eval: sharepoint_quota,
    },
    Rule {
        name: "MXRecordChanged",
        description: "A domain's set of MX hosts differs from the last run (the first run only records them).",
        cache_types: &["DomainServiceRecords"],
        params: &[],
        output: &["Message", "Domain", "PreviousRecords", "CurrentRecords", "Tenant"],
        history: true,
        key_fields: &[],
        partner_cache_types: &[],
        eval: mx_changed,
    },
    Rule {
        name: "LowTenantAlignment",
        description: "The tenant's standards alignment score is below the threshold (the score comes from a standards run, given to the alert run).",
        cache_types: &[],
        params: &[param("Threshold", "int", "99", "Lowest acceptable alignment in percent (a bare number is accepted).")],
        output: &["Message", "TenantFilter", "AlignmentScore", "Threshold", "Tenant"],
        history: false,
        key_fields: &[],
        partner_cache_types: &[],
        eval: low_alignment,
    },
    Rule {
        name: "StandardsAlerts",
        description: "A standard whose template says alert (warn) is not compliant in the tenant: the results of a standards run in alert mode, given to the alert run, so they are deduplicated, snoozed and delivered like every other finding.",
        cache_types: &[],
        params: &[],
        output: &["Message", "Standard", "Template", "State", "CurrentValue", "ExpectedValue", "Tenant"],
        history: false,
        key_fields: &["Standard", "State", "CurrentValue"],
        partner_cache_types: &[],
        eval: standards_alerts,
    },
];

fn soft_deleted(ctx: &Context<'_>, _: Params<'_>) -> Result<Rows, AlertError> {
    Ok(ctx
        .rows("SoftDeletedMailboxes", "SoftDeletedMailboxes")?
        .iter()
        // A live mailbox has no WhenSoftDeleted; an inactive one is kept on purpose.
        .filter(|m| !s(m, "WhenSoftDeleted").is_empty() && b(m, "IsInactiveMailbox") != Some(true))
        .map(|m| {
            let upn = s(m, "UserPrincipalName");
            row([
                (
                    "Message",
                    json!(format!(
                        "Mailbox {upn} was soft-deleted on {}",
                        s(m, "WhenSoftDeleted")
                    )),
                ),
                ("ExchangeGuid", json!(s(m, "ExchangeGuid"))),
                ("ArchiveGuid", json!(s(m, "ArchiveGuid"))),
                ("WhenSoftDeleted", json!(s(m, "WhenSoftDeleted"))),
                ("UPN", json!(upn)),
                (
                    "IsInactiveMailbox",
                    json!(b(m, "IsInactiveMailbox").unwrap_or(false)),
                ),
            ])
        })
        .collect::<Vec<_>>()
        .into())
}

fn sharepoint_quota(ctx: &Context<'_>, p: Params<'_>) -> Result<Rows, AlertError> {
    const RULE: &str = "SharepointQuota";
    let threshold = p.int("QuotaThreshold", true, 90, 1, 100)?;
    let Some(t) = ctx.rows(RULE, "SPOTenant")?.first() else {
        return Err(ctx.data(RULE, "SPOTenant has no row"));
    };
    let (Some(quota), Some(used)) = (n(t, "StorageQuota"), n(t, "GeoUsedStorageMB")) else {
        return Err(ctx.data(RULE, "SPOTenant has no StorageQuota or GeoUsedStorageMB"));
    };
    if quota <= 0.0 {
        return Ok(Rows::default());
    }
    let pct = (used / quota * 1000.0).round() / 10.0;
    if pct <= threshold as f64 {
        return Ok(Rows::default());
    }
    let gb = |mb: f64| (mb / 1024.0 * 100.0).round() / 100.0;
    Ok(vec![row([
        (
            "Message",
            json!(format!(
                "SharePoint storage is {pct}% used ({} of {} GB)",
                gb(used),
                gb(quota)
            )),
        ),
        ("UsedStoragePercentage", json!(pct)),
        ("StorageUsed", json!(gb(used))),
        ("StorageQuota", json!(gb(quota))),
        ("AlertQuotaThreshold", json!(threshold)),
    ])]
    .into())
}

fn mx_changed(ctx: &Context<'_>, _: Params<'_>) -> Result<Rows, AlertError> {
    let mut now: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for d in ctx.rows("MXRecordChanged", "DomainServiceRecords")? {
        let hosts = arr(d, "serviceConfigurationRecords")
            .iter()
            .filter(|r| s(r, "recordType").eq_ignore_ascii_case("Mx"))
            .map(|r| {
                s(r, "mailExchange")
                    .trim_end_matches('.')
                    .to_ascii_lowercase()
            })
            .filter(|h| !h.is_empty());
        now.insert(s(d, "id").to_ascii_lowercase(), hosts.collect());
    }
    let mut rows = Vec::new();
    if let Some(prev) = ctx.previous {
        for (domain, hosts) in &now {
            // A domain seen for the first time is recorded, not reported.
            let Some(before) = prev.get(domain).and_then(Value::as_array) else {
                continue;
            };
            let before: BTreeSet<String> = before
                .iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect();
            if &before != hosts {
                let join = |s: &BTreeSet<String>| s.iter().cloned().collect::<Vec<_>>().join(", ");
                rows.push(row([
                    (
                        "Message",
                        json!(format!(
                            "MX records of {domain} changed from [{}] to [{}]",
                            join(&before),
                            join(hosts)
                        )),
                    ),
                    ("Domain", json!(domain)),
                    ("PreviousRecords", json!(before)),
                    ("CurrentRecords", json!(hosts)),
                ]));
            }
        }
    }
    Ok(Rows {
        rows,
        state: Some(json!(now)),
    })
}

fn secure_score(ctx: &Context<'_>, p: Params<'_>) -> Result<Rows, AlertError> {
    const RULE: &str = "SecureScore";
    let kind = match p
        .field("ThresholdType")
        .and_then(Value::as_str)
        .map(str::to_ascii_lowercase)
    {
        None => "percent".to_string(),
        Some(k) if matches!(k.as_str(), "absolute" | "percent" | "drop") => k,
        Some(k) => {
            return Err(AlertError::param(
                RULE,
                "ThresholdType",
                format!("'{k}' is not absolute, percent or drop"),
            ))
        }
    };
    let value = p.number("InputValue", true, 50.0, 0.0, 100_000.0)?;
    // The newest score (the cache type reads the latest only).
    let Some(latest) = ctx
        .rows(RULE, "SecureScore")?
        .iter()
        .max_by_key(|r| super::date(r, "createdDateTime").unwrap_or(i64::MIN))
    else {
        return Err(ctx.data(RULE, "no Secure Score has been computed for this tenant"));
    };
    let (Some(current), max) = (
        n(latest, "currentScore"),
        n(latest, "maxScore").unwrap_or(0.0),
    ) else {
        return Err(ctx.data(RULE, "the Secure Score has no currentScore"));
    };
    let pct = if max > 0.0 {
        (current / max * 1000.0).round() / 10.0
    } else {
        0.0
    };
    let previous = ctx
        .previous
        .and_then(|v| v.get("currentScore"))
        .and_then(Value::as_f64);
    let state = Some(json!({"currentScore": current}));
    let (hit, message, drop) = match kind.as_str() {
        "absolute" => (
            current < value,
            format!("Secure Score is {current}, below {value}"),
            None,
        ),
        "percent" => (
            pct < value,
            format!("Secure Score is {pct}% of the maximum, below {value}%"),
            None,
        ),
        _ => match previous {
            Some(prev) if prev > 0.0 => {
                let d = ((prev - current) / prev * 1000.0).round() / 10.0;
                (
                    d >= value,
                    format!("Secure Score fell {d}% (from {prev} to {current})"),
                    Some(d),
                )
            }
            _ => (false, String::new(), None),
        },
    };
    if !hit {
        return Ok(Rows {
            rows: Vec::new(),
            state,
        });
    }
    Ok(Rows {
        rows: vec![row([
            ("Message", json!(message)),
            ("CurrentScore", json!(current)),
            ("MaxScore", json!(max)),
            ("CurrentScorePercentage", json!(pct)),
            ("ThresholdType", json!(kind)),
            ("Threshold", json!(value)),
            ("PreviousScore", json!(previous)),
            ("DropPercentage", json!(drop)),
        ])],
        state,
    })
}

fn low_alignment(ctx: &Context<'_>, p: Params<'_>) -> Result<Rows, AlertError> {
    const RULE: &str = "LowTenantAlignment";
    let threshold = p.int("Threshold", true, 99, 0, 100)?;
    let Some(score) = ctx.alignment else {
        return Err(ctx.data(
            RULE,
            "no standards alignment score was given for this tenant",
        ));
    };
    if score >= threshold as f64 {
        return Ok(Rows::default());
    }
    Ok(vec![row([
        (
            "Message",
            json!(format!(
                "Standards alignment is {score}%, below {threshold}%"
            )),
        ),
        ("TenantFilter", json!(ctx.tenant)),
        ("AlignmentScore", json!(score)),
        ("Threshold", json!(threshold)),
    ])]
    .into())
}

fn standards_alerts(ctx: &Context<'_>, _: Params<'_>) -> Result<Rows, AlertError> {
    let Some(results) = ctx.standards else {
        return Err(ctx.data(
            "StandardsAlerts",
            "no standards results were given for this tenant",
        ));
    };
    Ok(results
        .iter()
        .map(|r| {
            let standard = s(r, "standard");
            let state = s(r, "state");
            let outcome = &r["outcome"];
            row([
                (
                    "Message",
                    json!(format!(
                        "Standard {standard} is {} in {}",
                        state.replace('_', " "),
                        ctx.tenant
                    )),
                ),
                ("Standard", json!(standard)),
                ("Template", json!(s(r, "template"))),
                ("State", json!(state)),
                ("CurrentValue", outcome["current"].clone()),
                ("ExpectedValue", outcome["expected"].clone()),
            ])
        })
        .collect::<Vec<_>>()
        .into())
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{run, snap};
    use serde_json::json;

    #[test]
    fn soft_deleted_and_quota() {
        let mbx = json!([{"UserPrincipalName": "gone@x", "WhenSoftDeleted": "2026-10-01T00:00:00Z", "IsInactiveMailbox": false, "ExchangeGuid": "g"},
                         {"UserPrincipalName": "held@x", "WhenSoftDeleted": "2026-10-01T00:00:00Z", "IsInactiveMailbox": true},
                         {"UserPrincipalName": "live@x"}]);
        let rows = run(
            "SoftDeletedMailboxes",
            json!({"SoftDeletedMailboxes": mbx}),
            json!(null),
        );
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0]["UPN"], "gone@x");
        let spo = json!([{"StorageQuota": 1_048_576, "GeoUsedStorageMB": 996_147}]);
        let rows = run("SharepointQuota", json!({"SPOTenant": spo}), json!(null));
        assert_eq!(rows[0]["UsedStoragePercentage"], 95.0);
        assert!(run("SharepointQuota", json!({"SPOTenant": spo}), json!(96)).is_empty());
    }

    #[test]
    fn standards_alerts_fire_for_flagged_results_only() {
        let rule = crate::catalogue::get("StandardsAlerts").unwrap();
        let s = snap(json!({}));
        let flagged = [
            json!({"standard": "DisableSMS", "template": "Alerting", "state": "drifted",
            "outcome": {"current": {"state": "enabled"}, "expected": {"state": "disabled"}}}),
        ];
        let fired = rule
            .evaluate(
                &crate::Context::new(&s).with_standards(Some(&flagged)),
                &json!(null),
            )
            .unwrap();
        assert_eq!(fired.findings.len(), 1);
        assert_eq!(fired.findings[0].data["Standard"], "DisableSMS");
        assert_eq!(fired.findings[0].data["ExpectedValue"]["state"], "disabled");
        let quiet = rule
            .evaluate(
                &crate::Context::new(&s).with_standards(Some(&[])),
                &json!(null),
            )
            .unwrap();
        assert!(quiet.findings.is_empty());
        // Without a standards run there is no data, not "nothing wrong".
        assert!(rule
            .evaluate(&crate::Context::new(&s), &json!(null))
            .is_err());
    }

    #[test]
    fn mx_seeds_then_reports_changes() {
        let rule = crate::catalogue::get("MXRecordChanged").unwrap();
        let d = |host: &str| {
            json!({"DomainServiceRecords": [
            {"id": "alpha.example", "serviceConfigurationRecords": [{"recordType": "Mx", "mailExchange": host}, {"recordType": "Txt", "text": "v=spf1"}]},
            {"id": "new.example", "serviceConfigurationRecords": []}]})
        };
        let s1 = snap(d("alpha-example.mail.protection.outlook.com"));
        let first = rule
            .evaluate(&crate::Context::new(&s1), &json!(null))
            .unwrap();
        assert!(first.findings.is_empty());
        let state = first.state.unwrap();
        let same = rule
            .evaluate(
                &crate::Context::new(&s1).with_previous(Some(&state)),
                &json!(null),
            )
            .unwrap();
        assert!(same.findings.is_empty());
        let s2 = snap(d("mx.evil.example."));
        let changed = rule
            .evaluate(
                &crate::Context::new(&s2).with_previous(Some(&state)),
                &json!(null),
            )
            .unwrap();
        assert_eq!(changed.findings.len(), 1);
        assert_eq!(
            changed.findings[0].data["CurrentRecords"],
            json!(["mx.evil.example"])
        );
    }

    #[test]
    fn secure_score() {
        let rule = crate::catalogue::get("SecureScore").unwrap();
        let t = |score: f64| {
            snap(
                json!({"SecureScore": [{"currentScore": score, "maxScore": 200, "createdDateTime": "2026-10-31T00:00:00Z"}]}),
            )
        };
        let eval = |s: &cipp_snapshot::Snapshot,
                    params: serde_json::Value,
                    prev: Option<&serde_json::Value>| {
            rule.evaluate(&crate::Context::new(s).with_previous(prev), &params)
                .unwrap()
        };
        let low = t(60.0);
        assert_eq!(
            eval(&low, json!(null), None).findings[0].data["CurrentScorePercentage"],
            30.0
        );
        assert!(eval(
            &low,
            json!({"ThresholdType": "absolute", "InputValue": 50}),
            None
        )
        .findings
        .is_empty());
        let first = eval(
            &t(100.0),
            json!({"ThresholdType": "drop", "InputValue": 20}),
            None,
        );
        assert!(first.findings.is_empty());
        let fell = eval(
            &low,
            json!({"ThresholdType": "drop", "InputValue": 20}),
            first.state.as_ref(),
        );
        assert_eq!(fell.findings[0].data["DropPercentage"], 40.0);
        assert!(rule
            .check_params(&json!({"ThresholdType": "sideways"}))
            .is_err());
    }

    #[test]
    fn alignment() {
        let rule = crate::catalogue::get("LowTenantAlignment").unwrap();
        let s = snap(json!({}));
        let low = rule
            .evaluate(
                &crate::Context::new(&s).with_alignment(Some(80.0)),
                &json!(90),
            )
            .unwrap();
        assert_eq!(low.findings.len(), 1);
        assert!(rule
            .evaluate(
                &crate::Context::new(&s).with_alignment(Some(100.0)),
                &json!(null)
            )
            .unwrap()
            .findings
            .is_empty());
        assert!(matches!(
            rule.evaluate(&crate::Context::new(&s), &json!(null)),
            Err(crate::AlertError::Data { .. })
        ));
    }
}
