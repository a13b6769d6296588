//! Application credentials: secrets and certificates about to expire, SAML signing
//! certificates, and credentials valid for longer than policy allows.

use serde_json::{json, Value};

use super::{arr, date, day, expires, in_window, s};
use crate::error::AlertError;
use crate::params::Params;
use crate::rule::{param, row, Context, Rows, Rule};

pub(super) const RULES: [Rule; 3] = [
    Rule {
        name: "AppSecretExpiry",
        description: "An app registration's client secret expires within 30 days (or expired in the last 7).",
        cache_types: &["Apps"],
        params: &[],
        output: &["Message", "AppName", "AppId", "Expires", "SecretName", "SecretID", "Tenant"],
        history: false,
        key_fields: &[],
        partner_cache_types: &[],
        eval: app_secret_expiry,
    },
    Rule {
        name: "AppCertificateExpiry",
        description: "An app registration's certificate, or an enterprise app's SAML signing certificate, expires within 30 days (or expired in the last 7).",
        cache_types: &["Apps", "ServicePrincipals"],
        params: &[],
        output: &["Message", "DisplayName", "Expires", "AppId", "Type", "Tenant"],
        history: false,
        key_fields: &[],
        partner_cache_types: &[],
        eval: app_certificate_expiry,
    },
    Rule {
        name: "LongLivedAppCredentials",
        description: "An active app secret or certificate is valid (start to end) for longer than the allowed number of months (30.4375-day months).",
        cache_types: &["Apps"],
        params: &[param("MaxMonths", "int", "24", "Longest validity allowed, in months (a bare number is accepted).")],
        output: &["Message", "AppDisplayName", "AppId", "CredentialType", "CredentialName", "KeyId", "StartDateTime", "EndDateTime", "ValidityMonths", "MaxMonthsAllowed", "Tenant"],
        history: false,
        key_fields: &["AppId", "KeyId"],
        partner_cache_types: &[],
        eval: long_lived,
    },
];

fn app_secret_expiry(ctx: &Context<'_>, _: Params<'_>) -> Result<Rows, AlertError> {
    let mut rows = Vec::new();
    for app in ctx.rows("AppSecretExpiry", "Apps")? {
        for cred in arr(app, "passwordCredentials") {
            let Some(end) = date(cred, "endDateTime") else {
                continue;
            };
            if !in_window(ctx.now, end, 7, 30) {
                continue;
            }
            let name = s(cred, "displayName");
            rows.push(row([
                (
                    "Message",
                    json!(format!(
                        "Client secret {} of app {} ({}) {}",
                        if name.is_empty() {
                            s(cred, "keyId")
                        } else {
                            name
                        },
                        s(app, "displayName"),
                        s(app, "appId"),
                        expires(ctx.now, end)
                    )),
                ),
                ("AppName", json!(s(app, "displayName"))),
                ("AppId", json!(s(app, "appId"))),
                ("Expires", json!(day(end))),
                ("SecretName", json!(name)),
                ("SecretID", json!(s(cred, "keyId"))),
            ]));
        }
    }
    Ok(rows.into())
}

fn app_certificate_expiry(ctx: &Context<'_>, _: Params<'_>) -> Result<Rows, AlertError> {
    let mut rows = Vec::new();
    let mut push = |display: &str, app_id: &str, kind: &str, end: i64| {
        rows.push(row([
            (
                "Message",
                json!(format!(
                    "{} certificate of {display} ({app_id}) {}",
                    if kind == "SAML" {
                        "SAML signing"
                    } else {
                        "Application"
                    },
                    expires(ctx.now, end)
                )),
            ),
            ("DisplayName", json!(display)),
            ("Expires", json!(day(end))),
            ("AppId", json!(app_id)),
            ("Type", json!(kind)),
        ]));
    };
    for app in ctx.rows("AppCertificateExpiry", "Apps")? {
        for cred in arr(app, "keyCredentials") {
            match date(cred, "endDateTime") {
                Some(end) if in_window(ctx.now, end, 7, 30) => {
                    push(s(app, "displayName"), s(app, "appId"), "Application", end)
                }
                _ => {}
            }
        }
    }
    for sp in ctx.rows("AppCertificateExpiry", "ServicePrincipals")? {
        match date(sp, "preferredTokenSigningKeyEndDateTime") {
            Some(end) if in_window(ctx.now, end, 7, 30) => {
                push(s(sp, "displayName"), s(sp, "appId"), "SAML", end)
            }
            _ => {}
        }
    }
    Ok(rows.into())
}

/// Days in CIPP's month.
const MONTH_DAYS: f64 = 30.4375;

fn long_lived(ctx: &Context<'_>, p: Params<'_>) -> Result<Rows, AlertError> {
    let max = p.int("MaxMonths", true, 24, 1, 1200)?;
    let mut rows = Vec::new();
    for app in ctx.rows("LongLivedAppCredentials", "Apps")? {
        let kinds: [(&str, &str); 2] = [
            ("passwordCredentials", "Secret"),
            ("keyCredentials", "Certificate"),
        ];
        for (key, kind) in kinds {
            for cred in arr(app, key) {
                let (Some(start), Some(end)) =
                    (date(cred, "startDateTime"), date(cred, "endDateTime"))
                else {
                    continue;
                };
                if end < ctx.now || start > ctx.now {
                    continue;
                }
                let months = (end - start) as f64 / 86_400.0 / MONTH_DAYS;
                if months <= max as f64 {
                    continue;
                }
                let months = (months * 10.0).round() / 10.0;
                rows.push(row([
                    (
                        "Message",
                        json!(format!(
                            "{kind} {} of app {} is valid for {months} months (more than {max})",
                            s(cred, "displayName"),
                            s(app, "displayName")
                        )),
                    ),
                    ("AppDisplayName", json!(s(app, "displayName"))),
                    ("AppId", json!(s(app, "appId"))),
                    ("CredentialType", json!(kind)),
                    ("CredentialName", json!(s(cred, "displayName"))),
                    ("KeyId", json!(s(cred, "keyId"))),
                    (
                        "StartDateTime",
                        cred.get("startDateTime").cloned().unwrap_or(Value::Null),
                    ),
                    (
                        "EndDateTime",
                        cred.get("endDateTime").cloned().unwrap_or(Value::Null),
                    ),
                    ("ValidityMonths", json!(months)),
                    ("MaxMonthsAllowed", json!(max)),
                ]));
            }
        }
    }
    Ok(rows.into())
}

#[cfg(test)]
mod tests {
    use super::super::test_support::run;
    use serde_json::json;

    fn apps() -> serde_json::Value {
        json!([{"displayName": "Payroll", "appId": "a1",
            "passwordCredentials": [
                {"keyId": "k1", "displayName": "soon", "startDateTime": "2026-05-01T00:00:00Z", "endDateTime": "2026-11-20T00:00:00Z"},
                {"keyId": "k2", "displayName": "later", "startDateTime": "2024-01-01T00:00:00Z", "endDateTime": "2028-01-01T00:00:00Z"},
                {"keyId": "k3", "displayName": "long gone", "endDateTime": "2026-10-01T00:00:00Z"},
                {"keyId": "k4", "displayName": "just gone", "endDateTime": "2026-10-28T00:00:00Z"},
                {"keyId": "k5", "endDateTime": "garbage"}],
            "keyCredentials": [{"keyId": "c1", "displayName": "cert", "startDateTime": "2026-01-01T00:00:00Z", "endDateTime": "2026-11-15T00:00:00Z"}]}])
    }

    #[test]
    fn secrets_in_the_window_only() {
        let rows = run("AppSecretExpiry", json!({"Apps": apps()}), json!(null));
        let ids: Vec<_> = rows
            .iter()
            .map(|r| r["SecretID"].as_str().unwrap())
            .collect();
        assert_eq!(ids, ["k1", "k4"]);
        assert!(rows[1]["Message"]
            .as_str()
            .unwrap()
            .contains("expired on 2026-10-28"));
        assert_eq!(rows[0]["Expires"], "2026-11-20");
        assert_eq!(rows[0]["Tenant"], "t.example");
    }

    #[test]
    fn certificates_and_saml() {
        let sps = json!([{"displayName": "SAML app", "appId": "s1", "preferredTokenSigningKeyEndDateTime": "2026-11-05T00:00:00Z"},
                         {"displayName": "Fine", "appId": "s2", "preferredTokenSigningKeyEndDateTime": "2029-01-01T00:00:00Z"}]);
        let rows = run(
            "AppCertificateExpiry",
            json!({"Apps": apps(), "ServicePrincipals": sps}),
            json!(null),
        );
        let kinds: Vec<_> = rows.iter().map(|r| r["Type"].as_str().unwrap()).collect();
        assert_eq!(kinds, ["Application", "SAML"]);
    }

    #[test]
    fn long_lived_credentials() {
        let rows = run(
            "LongLivedAppCredentials",
            json!({"Apps": apps()}),
            json!(24),
        );
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0]["KeyId"], "k2");
        assert_eq!(rows[0]["ValidityMonths"], 48.0);
        assert!(run(
            "LongLivedAppCredentials",
            json!({"Apps": apps()}),
            json!({"MaxMonths": 60})
        )
        .is_empty());
        let rule = crate::catalogue::get("LongLivedAppCredentials").unwrap();
        assert!(rule.check_params(&json!({"MaxMonths": "x"})).is_err());
    }
}
