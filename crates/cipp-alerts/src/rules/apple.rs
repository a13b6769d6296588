//! Apple device management tokens in Intune: the APNs certificate, DEP (Automated Device
//! Enrollment) tokens and VPP (Apps and Books) tokens.

use serde_json::json;

use super::{date, day, expires, in_window, s};
use crate::error::AlertError;
use crate::params::Params;
use crate::rule::{row, Context, Rows, Rule};

pub(super) const RULES: [Rule; 4] = [
    Rule {
        name: "AppleTerms",
        description: "Apple Business Manager has new terms to accept: a DEP token's last sync failed with error 3.",
        cache_types: &["DepOnboardingSettings"],
        params: &[],
        output: &["Message", "AppleIdentifier", "TokenName", "TokenExpirationDateTime", "LastSyncErrorCode", "LastSuccessfulSyncDateTime", "LastSyncTriggeredDateTime", "Tenant"],
        history: false,
        key_fields: &[],
        partner_cache_types: &[],
        eval: apple_terms,
    },
    Rule {
        name: "ApnCertExpiry",
        description: "The Apple Push Notification certificate expires within 30 days (or expired in the last 7).",
        cache_types: &["ApplePushNotificationCertificate"],
        params: &[],
        output: &["Message", "appleIdentifier", "expirationDateTime", "Tenant"],
        history: false,
        key_fields: &[],
        partner_cache_types: &[],
        eval: apn,
    },
    Rule {
        name: "DepTokenExpiry",
        description: "An Apple Automated Device Enrollment (DEP) token expires within 30 days (or expired in the last 7).",
        cache_types: &["DepOnboardingSettings"],
        params: &[],
        output: &["Message", "tokenName", "tokenExpirationDateTime", "Tenant"],
        history: false,
        key_fields: &[],
        partner_cache_types: &[],
        eval: dep,
    },
    Rule {
        name: "VppTokenExpiry",
        description: "An Apple VPP token is not valid, or expires within 30 days (or expired in the last 7).",
        cache_types: &["VppTokens"],
        params: &[],
        output: &["Message", "organizationName", "appleId", "vppTokenAccountType", "state", "expirationDateTime", "Tenant"],
        history: false,
        key_fields: &[],
        partner_cache_types: &[],
        eval: vpp,
    },
];

fn apple_terms(ctx: &Context<'_>, _: Params<'_>) -> Result<Rows, AlertError> {
    let mut rows = Vec::new();
    for token in ctx.rows("AppleTerms", "DepOnboardingSettings")? {
        if super::n(token, "lastSyncErrorCode") != Some(3.0) {
            continue;
        }
        rows.push(row([
            ("Message", json!(format!(
                "New Apple Business Manager terms must be accepted for {} before DEP token {} syncs again",
                s(token, "appleIdentifier"),
                s(token, "tokenName")
            ))),
            ("AppleIdentifier", json!(s(token, "appleIdentifier"))),
            ("TokenName", json!(s(token, "tokenName"))),
            ("TokenExpirationDateTime", json!(s(token, "tokenExpirationDateTime"))),
            ("LastSyncErrorCode", json!(3)),
            ("LastSuccessfulSyncDateTime", json!(s(token, "lastSuccessfulSyncDateTime"))),
            ("LastSyncTriggeredDateTime", json!(s(token, "lastSyncTriggeredDateTime"))),
        ]));
    }
    Ok(rows.into())
}

fn apn(ctx: &Context<'_>, _: Params<'_>) -> Result<Rows, AlertError> {
    let mut rows = Vec::new();
    for cert in ctx.rows("ApnCertExpiry", "ApplePushNotificationCertificate")? {
        let Some(end) = date(cert, "expirationDateTime") else {
            continue;
        };
        if in_window(ctx.now, end, 7, 30) {
            rows.push(row([
                (
                    "Message",
                    json!(format!(
                        "The Apple Push Notification certificate of {} {}",
                        s(cert, "appleIdentifier"),
                        expires(ctx.now, end)
                    )),
                ),
                ("appleIdentifier", json!(s(cert, "appleIdentifier"))),
                ("expirationDateTime", json!(s(cert, "expirationDateTime"))),
            ]));
        }
    }
    Ok(rows.into())
}

fn dep(ctx: &Context<'_>, _: Params<'_>) -> Result<Rows, AlertError> {
    let mut rows = Vec::new();
    for token in ctx.rows("DepTokenExpiry", "DepOnboardingSettings")? {
        let Some(end) = date(token, "tokenExpirationDateTime") else {
            continue;
        };
        if in_window(ctx.now, end, 7, 30) {
            rows.push(row([
                (
                    "Message",
                    json!(format!(
                        "Apple DEP token {} {}",
                        s(token, "tokenName"),
                        expires(ctx.now, end)
                    )),
                ),
                ("tokenName", json!(s(token, "tokenName"))),
                (
                    "tokenExpirationDateTime",
                    json!(s(token, "tokenExpirationDateTime")),
                ),
            ]));
        }
    }
    Ok(rows.into())
}

fn vpp(ctx: &Context<'_>, _: Params<'_>) -> Result<Rows, AlertError> {
    let mut rows = Vec::new();
    for token in ctx.rows("VppTokenExpiry", "VppTokens")? {
        let state = s(token, "state");
        let end = date(token, "expirationDateTime");
        let why = if !state.is_empty() && !state.eq_ignore_ascii_case("valid") {
            format!("is {state}")
        } else {
            match end {
                Some(end) if in_window(ctx.now, end, 7, 30) => expires(ctx.now, end),
                _ => continue,
            }
        };
        rows.push(row([
            (
                "Message",
                json!(format!(
                    "Apple VPP token of {} ({}) {why}",
                    s(token, "organizationName"),
                    s(token, "appleId")
                )),
            ),
            ("organizationName", json!(s(token, "organizationName"))),
            ("appleId", json!(s(token, "appleId"))),
            (
                "vppTokenAccountType",
                json!(s(token, "vppTokenAccountType")),
            ),
            ("state", json!(state)),
            ("expirationDateTime", json!(end.map(day))),
        ]));
    }
    Ok(rows.into())
}

#[cfg(test)]
mod tests {
    use super::super::test_support::run;
    use serde_json::json;

    #[test]
    fn apn_dep_vpp() {
        let apn = json!([{"appleIdentifier": "mdm@alpha.example", "expirationDateTime": "2026-11-25T00:00:00Z"}]);
        assert_eq!(
            run(
                "ApnCertExpiry",
                json!({"ApplePushNotificationCertificate": apn}),
                json!(null)
            )
            .len(),
            1
        );
        let later = json!([{"appleIdentifier": "x", "expirationDateTime": "2027-11-25T00:00:00Z"}]);
        assert!(run(
            "ApnCertExpiry",
            json!({"ApplePushNotificationCertificate": later}),
            json!(null)
        )
        .is_empty());
        let dep = json!([{"tokenName": "ABM", "tokenExpirationDateTime": "2026-10-30T00:00:00Z"}, {"tokenName": "ok", "tokenExpirationDateTime": "2027-10-30T00:00:00Z"}]);
        let rows = run(
            "DepTokenExpiry",
            json!({"DepOnboardingSettings": dep}),
            json!(null),
        );
        assert_eq!(rows.len(), 1);
        assert!(rows[0]["Message"]
            .as_str()
            .unwrap()
            .contains("expired on 2026-10-30"));
        let vpp = json!([{"organizationName": "Alpha", "appleId": "a@x", "state": "invalid", "expirationDateTime": "2027-10-30T00:00:00Z"},
                         {"organizationName": "Alpha", "appleId": "b@x", "state": "valid", "expirationDateTime": "2026-11-10T00:00:00Z"},
                         {"organizationName": "Alpha", "appleId": "c@x", "state": "valid", "expirationDateTime": "2027-11-10T00:00:00Z"}]);
        let rows = run("VppTokenExpiry", json!({"VppTokens": vpp}), json!(null));
        let ids: Vec<_> = rows
            .iter()
            .map(|r| r["appleId"].as_str().unwrap())
            .collect();
        assert_eq!(ids, ["a@x", "b@x"]);
        let terms = json!([{"tokenName": "ABM", "appleIdentifier": "abm@x", "lastSyncErrorCode": 3}, {"tokenName": "ok", "lastSyncErrorCode": 0}]);
        let rows = run(
            "AppleTerms",
            json!({"DepOnboardingSettings": terms}),
            json!(null),
        );
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0]["TokenName"], "ABM");
    }
}
