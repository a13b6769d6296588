//! The alert configuration: which rules run with which parameters, how often an unchanged
//! finding is sent again, and where digests go.
//!
//! ```json
//! {
//!   "rules": {
//!     "InactiveUsers": {"params": {"DaysSinceLastLogin": 60}, "resend_hours": 168},
//!     "AppSecretExpiry": {},
//!     "GlobalAdminAllowList": {"params": {"ApprovedGlobalAdmins": "admin,breakglass"}, "destinations": ["soc"]}
//!   },
//!   "destinations": [
//!     {"name": "soc", "type": "webhook", "url": "https://siem.example.com/hook", "format": "json",
//!      "auth": {"type": "bearer", "secret": "SiemToken"}},
//!     {"name": "it-mail", "type": "email", "to": ["it@msp.example"]}
//!   ]
//! }
//! ```

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::error::AlertError;
use crate::notify::{WebhookAuth, WebhookFormat};

/// CIPP sends an unchanged finding again once a day.
pub const DEFAULT_RESEND_HOURS: u64 = 24;

/// One rule's settings.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct RuleConfig {
    /// The rule's parameters (CIPP's `InputValue`: a bare value or an object).
    #[serde(default)]
    pub params: Value,
    /// Send an unchanged finding again after this many hours (default 24, CIPP's daily
    /// re-send); 0: only when it changes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resend_hours: Option<u64>,
    /// Only these destinations (by name); empty: all.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub destinations: Vec<String>,
}

impl RuleConfig {
    /// The re-send interval in seconds; `None`: never while unchanged.
    pub fn resend_after(&self) -> Option<u64> {
        match self.resend_hours.unwrap_or(DEFAULT_RESEND_HOURS) {
            0 => None,
            h => Some(h * 3_600),
        }
    }
}

/// Where digests go.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
#[non_exhaustive]
pub enum DestinationConfig {
    /// A webhook (generic JSON, Teams, Slack or Discord).
    Webhook {
        /// The destination's name.
        name: String,
        /// The URL (for Teams, Slack and Discord it is the credential: keep the file safe).
        url: String,
        /// The payload shape; default: guessed from the URL.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        format: Option<WebhookFormat>,
        /// Authentication, with secret names.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        auth: Option<WebhookAuth>,
    },
    /// Mail through Graph from the partner tenant.
    Email {
        /// The destination's name.
        name: String,
        /// Recipients.
        to: Vec<String>,
        /// Send from this mailbox instead of the signed-in account.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        from: Option<String>,
    },
}

impl DestinationConfig {
    /// Its name.
    pub fn name(&self) -> &str {
        match self {
            DestinationConfig::Webhook { name, .. } | DestinationConfig::Email { name, .. } => name,
        }
    }
}

/// The whole configuration.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct AlertConfig {
    /// Rule name -> settings.
    #[serde(default)]
    pub rules: BTreeMap<String, RuleConfig>,
    /// Destinations.
    #[serde(default)]
    pub destinations: Vec<DestinationConfig>,
}

impl AlertConfig {
    /// Every rule of the catalogue with its defaults, except those that need parameters
    /// (`GlobalAdminAllowList`) or outside input (`LowTenantAlignment`); no destinations.
    pub fn defaults() -> AlertConfig {
        AlertConfig {
            rules: crate::catalogue::all()
                .iter()
                .filter(|r| r.check_params(&Value::Null).is_ok() && !r.cache_types.is_empty())
                .map(|r| (r.name.to_string(), RuleConfig::default()))
                .collect(),
            destinations: Vec::new(),
        }
    }

    /// Parse and check JSON text (`source` names it in errors).
    pub fn from_json(text: &str, source: &str) -> Result<AlertConfig, AlertError> {
        let de = &mut serde_json::Deserializer::from_str(text);
        let config: AlertConfig =
            serde_path_to_error::deserialize(de).map_err(|e| AlertError::Config {
                source_name: source.to_string(),
                message: format!("at {}: {}", e.path(), e.inner()),
            })?;
        config.check(source)?;
        Ok(config)
    }

    /// Read, parse and check a file.
    pub fn from_file(path: impl AsRef<Path>) -> Result<AlertConfig, AlertError> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|e| AlertError::Config {
            source_name: path.display().to_string(),
            message: e.to_string(),
        })?;
        AlertConfig::from_json(&text, &path.display().to_string())
    }

    /// Check rule names, parameters and destination references.
    pub fn check(&self, source: &str) -> Result<(), AlertError> {
        let cfg = |message: String| AlertError::Config {
            source_name: source.to_string(),
            message,
        };
        let mut names = std::collections::BTreeSet::new();
        for d in &self.destinations {
            if !names.insert(d.name().to_ascii_lowercase()) {
                return Err(cfg(format!("destination '{}' appears twice", d.name())));
            }
        }
        for (name, rc) in &self.rules {
            let rule =
                crate::catalogue::get(name).ok_or_else(|| AlertError::UnknownRule(name.clone()))?;
            rule.check_params(&rc.params)?;
            for d in &rc.destinations {
                if !names.contains(&d.to_ascii_lowercase()) {
                    return Err(cfg(format!("rule {name}: no destination called '{d}'")));
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_checks_and_names_problems() {
        let text = r#"{"rules": {"inactiveusers": {"params": 60, "resend_hours": 0, "destinations": ["soc"]}, "AppSecretExpiry": {}},
            "destinations": [{"name": "soc", "type": "webhook", "url": "https://x.example/h", "auth": {"type": "api_key", "header": "X-Key", "secret": "K"}},
                             {"name": "mail", "type": "email", "to": ["a@b.example"]}]}"#;
        let c = AlertConfig::from_json(text, "cfg.json").unwrap();
        assert_eq!(c.rules["inactiveusers"].resend_after(), None);
        assert_eq!(c.rules["AppSecretExpiry"].resend_after(), Some(86_400));
        for (bad, want) in [
            (r#"{"rules": {"Nope": {}}}"#, "unknown alert rule 'Nope'"),
            (
                r#"{"rules": {"InactiveUsers": {"params": {"DaysSinceLastLogin": "x"}}}}"#,
                "DaysSinceLastLogin",
            ),
            (
                r#"{"rules": {"InactiveUsers": {"destinations": ["x"]}}}"#,
                "no destination called 'x'",
            ),
            (
                r#"{"rules": {"InactiveUsers": {"parms": 1}}}"#,
                "rules.InactiveUsers",
            ),
            (
                r#"{"destinations": [{"name": "a", "type": "pigeon"}]}"#,
                "destinations[0]",
            ),
        ] {
            let e = AlertConfig::from_json(bad, "cfg.json")
                .unwrap_err()
                .to_string();
            assert!(e.contains(want), "{e}");
        }
        let d = AlertConfig::defaults();
        assert!(
            d.rules.contains_key("AppSecretExpiry")
                && !d.rules.contains_key("GlobalAdminAllowList")
        );
    }
}
