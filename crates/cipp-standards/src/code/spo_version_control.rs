//! `SPOVersionControl`: the tenant's file version policy (automatic trimming, or a fixed
//! number of major versions with an optional expiry).

use serde_json::{json, Value};

use super::util::{setting, single};
use super::{Assessment, Input, Standard};
use crate::error::StandardsError;
use crate::plan::Step;

/// SharePoint's tenant-wide file version policy, for new libraries: either Microsoft's
/// automatic trimming (`EnableAutoTrim`), or at most `MajorVersionLimit` major versions, each
/// kept `ExpireVersionsAfterDays` days (0: for ever). SharePoint changes it only through the
/// tenant method `SetFileVersionPolicy(autoTrim, majorVersionLimit, expireAfterDays)` (with
/// `-1, -1` for automatic trimming), so remediation is that one call.
///
/// CIPP's `ApplyToExistingSites` (the policy also written to every site and its existing
/// libraries) is not carried out here: asking for it is a settings error rather than a
/// silent tenant-only change.
#[derive(Debug, Clone, Copy, Default)]
pub struct SpoVersionControl;

/// The settings, checked.
struct Wanted {
    auto_trim: bool,
    major: i64,
    days: i64,
}

fn bad(setting: &str, message: impl Into<String>) -> StandardsError {
    StandardsError::Setting {
        standard: "SPOVersionControl".into(),
        setting: setting.into(),
        message: message.into(),
    }
}

/// A switch given as a boolean or `"true"`/`"false"` (unset: off).
fn switch(input: &Input<'_>, key: &str) -> Result<bool, StandardsError> {
    match setting(input.settings, key) {
        None => Ok(false),
        Some(Value::Bool(b)) => Ok(*b),
        Some(Value::String(s)) => s
            .trim()
            .parse::<bool>()
            .map_err(|_| bad(key, format!("'{s}' is not true or false"))),
        Some(other) => Err(bad(key, format!("{other} is not true or false"))),
    }
}

/// A whole number (a number or numeric text), or `default` when unset.
fn whole(input: &Input<'_>, key: &str, default: i64) -> Result<i64, StandardsError> {
    match setting(input.settings, key) {
        None => Some(default),
        Some(Value::Number(n)) => n.as_i64(),
        Some(Value::String(s)) => s.trim().parse::<i64>().ok(),
        Some(_) => None,
    }
    .ok_or_else(|| bad(key, "is not a whole number"))
}

fn wanted(input: &Input<'_>) -> Result<Wanted, StandardsError> {
    if switch(input, "ApplyToExistingSites")? {
        return Err(bad(
            "ApplyToExistingSites",
            "applying the policy to every existing site and library is not supported yet; \
             turn it off to set the tenant's policy (used by new libraries)",
        ));
    }
    let auto_trim = switch(input, "EnableAutoTrim")?;
    let major = whole(input, "MajorVersionLimit", 50)?;
    let days = whole(input, "ExpireVersionsAfterDays", 0)?;
    if !auto_trim {
        if !(1..=50_000).contains(&major) {
            return Err(bad(
                "MajorVersionLimit",
                format!("{major} is outside 1 to 50000"),
            ));
        }
        if !(days == 0 || (30..=36_500).contains(&days)) {
            return Err(bad(
                "ExpireVersionsAfterDays",
                format!("{days} must be 0 (never) or 30 to 36500"),
            ));
        }
    }
    Ok(Wanted {
        auto_trim,
        major,
        days,
    })
}

impl Standard for SpoVersionControl {
    fn name(&self) -> &'static str {
        "SPOVersionControl"
    }
    fn label(&self) -> &'static str {
        "Set SharePoint file version limits"
    }
    fn category(&self) -> &'static str {
        "SharePoint Standards"
    }
    fn description(&self) -> &'static str {
        "Sets the tenant's file version policy: automatic version trimming, or a fixed number \
         of major versions with an optional expiry in days."
    }
    fn cache_types(&self) -> &'static [&'static str] {
        &["SPOTenant"]
    }
    fn required_capabilities(&self) -> &'static [&'static str] {
        &[
            "SHAREPOINTWAC",
            "SHAREPOINTSTANDARD",
            "SHAREPOINTENTERPRISE",
            "SHAREPOINTENTERPRISE_EDU",
            "SHAREPOINTENTERPRISE_GOV",
            "ONEDRIVE_BASIC",
            "ONEDRIVE_ENTERPRISE",
        ]
    }
    fn settings(&self) -> &'static [(&'static str, &'static str)] {
        &[
            ("EnableAutoTrim", "false"),
            ("MajorVersionLimit", "50"),
            ("ExpireVersionsAfterDays", "0"),
            ("ApplyToExistingSites", "false"),
        ]
    }

    fn assess(&self, input: &Input<'_>) -> Result<Assessment, StandardsError> {
        let w = wanted(input)?;
        let tenant = input
            .rows("SPOTenant")
            .first()
            .cloned()
            .unwrap_or(Value::Null);
        let auto = tenant["EnableAutoExpirationVersionTrim"].clone();
        let (current, expected, parameters) = if w.auto_trim {
            (
                json!({"EnableAutoExpirationVersionTrim": auto}),
                json!({"EnableAutoExpirationVersionTrim": true}),
                vec![json!(true), json!(-1), json!(-1)],
            )
        } else {
            (
                json!({"EnableAutoExpirationVersionTrim": auto,
                       "MajorVersionLimit": tenant["MajorVersionLimit"],
                       "ExpireVersionsAfterDays": tenant["ExpireVersionsAfterDays"]}),
                json!({"EnableAutoExpirationVersionTrim": false,
                       "MajorVersionLimit": w.major,
                       "ExpireVersionsAfterDays": w.days}),
                vec![json!(false), json!(w.major), json!(w.days)],
            )
        };
        Ok(single(
            current,
            expected,
            vec![Step::SharePointMethod {
                method: "SetFileVersionPolicy".into(),
                parameters,
            }],
        ))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::evaluate::Outcome;
    use crate::render::TenantContext;
    use cipp_snapshot::Snapshot;
    use serde_json::Map;

    fn snapshot(tenant: Value) -> Snapshot {
        serde_json::from_value(json!({"tenant": "t", "collected_at": 0, "round_trips": 0,
            "types": {"SPOTenant": {"status": "complete", "collected_at": 0, "rows": [tenant]}}}))
        .unwrap()
    }

    fn judge(settings: Value, tenant: Value) -> Result<Assessment, StandardsError> {
        let settings: Map<String, Value> = settings.as_object().cloned().unwrap();
        let snap = snapshot(tenant);
        let ctx = TenantContext::default();
        SpoVersionControl.assess(&Input::new(&settings, &snap, &ctx))
    }

    #[test]
    fn fixed_limits_are_compared_and_set_in_one_call() {
        let tenant = json!({"EnableAutoExpirationVersionTrim": false, "MajorVersionLimit": 500,
                            "ExpireVersionsAfterDays": 0});
        let a = judge(
            json!({"MajorVersionLimit": "100", "ExpireVersionsAfterDays": 365}),
            tenant,
        )
        .unwrap();
        assert!(matches!(a.outcome, Outcome::Drifted { .. }));
        assert_eq!(
            a.steps,
            vec![Step::SharePointMethod {
                method: "SetFileVersionPolicy".into(),
                parameters: vec![json!(false), json!(100), json!(365)],
            }]
        );
        let ok = json!({"EnableAutoExpirationVersionTrim": false, "MajorVersionLimit": 50,
                        "ExpireVersionsAfterDays": 0});
        let a = judge(json!({}), ok).unwrap();
        assert!(matches!(a.outcome, Outcome::Compliant { .. }));
    }

    #[test]
    fn auto_trim_ignores_the_limits() {
        let tenant = json!({"EnableAutoExpirationVersionTrim": true, "MajorVersionLimit": -1,
                            "ExpireVersionsAfterDays": -1});
        let a = judge(
            json!({"EnableAutoTrim": true, "MajorVersionLimit": 7}),
            tenant,
        )
        .unwrap();
        assert!(matches!(a.outcome, Outcome::Compliant { .. }));
        let off = json!({"EnableAutoExpirationVersionTrim": false, "MajorVersionLimit": 500});
        let a = judge(json!({"EnableAutoTrim": "true"}), off).unwrap();
        assert_eq!(
            a.steps,
            vec![Step::SharePointMethod {
                method: "SetFileVersionPolicy".into(),
                parameters: vec![json!(true), json!(-1), json!(-1)],
            }]
        );
    }

    #[test]
    fn bad_settings_name_the_setting() {
        let e = judge(json!({"ExpireVersionsAfterDays": 10}), json!({})).unwrap_err();
        assert!(e.to_string().contains("ExpireVersionsAfterDays"), "{e}");
        let e = judge(json!({"MajorVersionLimit": 0}), json!({})).unwrap_err();
        assert!(e.to_string().contains("MajorVersionLimit"), "{e}");
        let e = judge(json!({"ApplyToExistingSites": true}), json!({})).unwrap_err();
        assert!(e.to_string().contains("ApplyToExistingSites"), "{e}");
    }
}
