//! `GlobalQuarantineNotifications`: how often users hear about their quarantined mail.

use serde_json::{json, Value};

use super::exchange_common::EXCHANGE_PLANS;
use super::util::{exchange, single, text};
use super::{Assessment, Input, Standard};
use crate::error::StandardsError;

/// The global quarantine policy's `EndUserSpamNotificationFrequency` is `NotificationInterval`
/// (`04:00:00`, `1.00:00:00` or `7.00:00:00`; default one day). The admin API reads the value
/// as an ISO 8601 duration (`PT4H`, `P1D`, `P7D`) but the cmdlet takes a time span, which is
/// why this is code: both are turned into seconds to compare, and the time span is written.
/// While the tenant still has the built-in `DefaultGlobalPolicy`, a `DefaultGlobalTag` policy
/// is created in its place (`New-QuarantinePolicy`), else the policy is set.
#[derive(Debug, Clone, Copy, Default)]
pub struct GlobalQuarantineNotifications;

const CACHE: &str = "ExoGlobalQuarantinePolicy";
const ALLOWED: [u64; 3] = [4 * 3600, 86_400, 7 * 86_400];

/// Seconds of a .NET time span (`04:00:00`, `1.00:00:00`).
fn timespan_seconds(text: &str) -> Option<u64> {
    let t = text.trim();
    let (days, clock) = match t.split_once('.') {
        Some((d, c)) if c.contains(':') => (d.parse::<u64>().ok()?, c),
        _ => (0, t),
    };
    let parts: Vec<u64> = clock
        .split(':')
        .map(|p| p.parse().ok())
        .collect::<Option<_>>()?;
    let [h, m, s] = parts.as_slice() else {
        return None;
    };
    Some(days * 86_400 + h * 3600 + m * 60 + s)
}

/// Seconds of an ISO 8601 duration of days, hours, minutes and seconds (`P1D`, `PT4H`,
/// `P1DT12H`).
fn iso_seconds(text: &str) -> Option<u64> {
    let rest = text.trim().strip_prefix(['P', 'p'])?;
    let (date, time) = rest.split_once(['T', 't']).unwrap_or((rest, ""));
    let mut total = 0;
    for (part, units) in [
        (date, &[('D', 86_400)][..]),
        (time, &[('H', 3600), ('M', 60), ('S', 1)][..]),
    ] {
        let mut number = String::new();
        for c in part.chars() {
            if c.is_ascii_digit() {
                number.push(c);
                continue;
            }
            let (_, factor) = units.iter().find(|(u, _)| u.eq_ignore_ascii_case(&c))?;
            total += number.parse::<u64>().ok()? * factor;
            number.clear();
        }
        if !number.is_empty() {
            return None;
        }
    }
    Some(total)
}

/// The value's seconds whichever way it is written (ISO duration, time span, or days).
fn frequency_seconds(v: &Value) -> Option<u64> {
    let t = v.as_str()?;
    iso_seconds(t).or_else(|| timespan_seconds(t))
}

impl Standard for GlobalQuarantineNotifications {
    fn name(&self) -> &'static str {
        "GlobalQuarantineNotifications"
    }
    fn label(&self) -> &'static str {
        "Quarantine notification frequency"
    }
    fn category(&self) -> &'static str {
        "Exchange Standards"
    }
    fn description(&self) -> &'static str {
        "Sets how often users get the notice listing their quarantined mail (every four \
         hours, daily or weekly), so legitimate mail held by mistake is released in time."
    }
    fn cache_types(&self) -> &'static [&'static str] {
        &[CACHE]
    }
    fn required_capabilities(&self) -> &'static [&'static str] {
        EXCHANGE_PLANS
    }
    fn settings(&self) -> &'static [(&'static str, &'static str)] {
        &[("NotificationInterval", "1.00:00:00")]
    }

    fn assess(&self, input: &Input<'_>) -> Result<Assessment, StandardsError> {
        let wanted =
            text(input.settings, "NotificationInterval").unwrap_or_else(|| "1.00:00:00".into());
        let seconds = timespan_seconds(&wanted)
            .filter(|s| ALLOWED.contains(s))
            .ok_or_else(|| StandardsError::Setting {
                standard: self.name().into(),
                setting: "NotificationInterval".into(),
                message: format!("'{wanted}' is not 04:00:00, 1.00:00:00 or 7.00:00:00"),
            })?;
        let policy = input.rows(CACHE).first();
        let current_value = policy.map(|p| p["EndUserSpamNotificationFrequency"].clone());
        let current_hours = current_value
            .as_ref()
            .and_then(frequency_seconds)
            .map(|s| s / 3600);
        let current = json!({
            "EndUserSpamNotificationFrequency": current_value,
            "hours": current_hours,
        });
        // Judged in hours: the value read and the value written are spelled differently.
        let expected = json!({"hours": seconds / 3600});
        let name = policy.and_then(|p| p["Name"].as_str());
        let step = match name {
            Some(n) if !n.eq_ignore_ascii_case("DefaultGlobalPolicy") => exchange(
                "Set-QuarantinePolicy",
                json!({"Identity": policy.and_then(|p| p["Identity"].as_str()).unwrap_or(n),
                       "EndUserSpamNotificationFrequency": wanted}),
            ),
            _ => exchange(
                "New-QuarantinePolicy",
                json!({"Name": "DefaultGlobalTag", "QuarantinePolicyType": "GlobalQuarantinePolicy",
                       "EndUserSpamNotificationFrequency": wanted}),
            ),
        };
        Ok(single(current, expected, vec![step]))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn read_and_write_formats_meet_in_seconds() {
        assert_eq!(iso_seconds("PT4H"), Some(14_400));
        assert_eq!(iso_seconds("P7D"), Some(604_800));
        assert_eq!(iso_seconds("P1DT12H"), Some(129_600));
        assert_eq!(iso_seconds("P1X"), None);
        assert_eq!(timespan_seconds("1.00:00:00"), Some(86_400));
        assert_eq!(frequency_seconds(&json!("04:00:00")), Some(14_400));
        assert_eq!(frequency_seconds(&json!(7)), None);
    }
}
