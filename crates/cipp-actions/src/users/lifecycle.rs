//! Temporary Access Pass, delete to the recycle bin, list deleted users, restore.

use cipp_core::SecretString;
use cipp_graph::models::User;
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

use super::{check_user, invalid, UserActions};
use crate::ActionError;

/// How a Temporary Access Pass is issued. The defaults are the tenant policy's.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TapOptions {
    /// Minutes the pass is valid (10 to 43 200); `None`: the policy's default.
    pub lifetime_minutes: Option<u32>,
    /// The pass works for one sign-in only.
    pub usable_once: bool,
    /// When the pass becomes valid: ISO 8601 (`2026-12-01T09:00:00Z`), a date
    /// (`2026-12-01`), or Unix seconds (`1764579600`). `None`: now.
    pub start: Option<String>,
}

impl TapOptions {
    /// The request body, or the option at fault.
    pub fn to_body(&self) -> Result<Value, ActionError> {
        let mut body = Map::new();
        if let Some(m) = self.lifetime_minutes {
            if !(10..=43_200).contains(&m) {
                return Err(invalid(
                    "lifetime_minutes",
                    format!("{m} is outside 10..=43200 (ten minutes to thirty days)"),
                ));
            }
            body.insert("lifetimeInMinutes".into(), json!(m));
        }
        body.insert("isUsableOnce".into(), json!(self.usable_once));
        if let Some(start) = &self.start {
            body.insert("startDateTime".into(), json!(normalise_start(start)?));
        }
        Ok(Value::Object(body))
    }
}

/// Days since 1970-01-01 to a civil date (Howard Hinnant's algorithm).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = u32::try_from(doy - (153 * mp + 2) / 5 + 1).unwrap_or(1);
    let m = u32::try_from(if mp < 10 { mp + 3 } else { mp - 9 }).unwrap_or(1);
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

/// A start time as ISO 8601 in UTC.
fn normalise_start(start: &str) -> Result<String, ActionError> {
    let s = start.trim();
    if !s.is_empty() && s.chars().all(|c| c.is_ascii_digit()) {
        let secs: i64 = s
            .parse()
            .map_err(|_| invalid("start", format!("'{s}' is not a Unix time")))?;
        let (y, m, d) = civil_from_days(secs.div_euclid(86_400));
        let rem = secs.rem_euclid(86_400);
        return Ok(format!(
            "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
            rem / 3600,
            rem % 3600 / 60,
            rem % 60
        ));
    }
    let bytes = s.as_bytes();
    let date_ok = bytes.len() >= 10
        && bytes[4] == b'-'
        && bytes[7] == b'-'
        && s[..4].chars().all(|c| c.is_ascii_digit())
        && s[5..7].parse::<u32>().is_ok_and(|m| (1..=12).contains(&m))
        && s[8..10].parse::<u32>().is_ok_and(|d| (1..=31).contains(&d));
    if !date_ok {
        return Err(invalid(
            "start",
            format!("'{s}' is neither ISO 8601 (2026-12-01T09:00:00Z), a date nor Unix seconds"),
        ));
    }
    if s.len() == 10 {
        return Ok(format!("{s}T00:00:00Z"));
    }
    let time_ok = bytes.get(10) == Some(&b'T')
        && s.len() >= 19
        && s[11..13].parse::<u32>().is_ok_and(|h| h < 24)
        && s[14..16].parse::<u32>().is_ok_and(|m| m < 60);
    if !time_ok {
        return Err(invalid("start", format!("'{s}' has no valid time of day")));
    }
    Ok(s.to_string())
}

/// An issued Temporary Access Pass. The code is shown this once.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct TemporaryAccessPass {
    /// The pass itself (redacted in `Debug`).
    pub pass: SecretString,
    /// The authentication method's id.
    pub method_id: String,
    /// Minutes valid.
    pub lifetime_minutes: Option<u64>,
    /// When it becomes valid.
    pub start_date_time: Option<String>,
    /// One sign-in only.
    pub is_usable_once: bool,
}

/// A user in the recycle bin.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct DeletedUser {
    /// Object id (what [`UserActions::restore`] takes).
    pub id: String,
    /// Sign-in name when deleted.
    #[serde(default)]
    pub user_principal_name: Option<String>,
    /// Display name.
    #[serde(default)]
    pub display_name: Option<String>,
    /// When it was deleted (Entra keeps it 30 days).
    #[serde(default)]
    pub deleted_date_time: Option<String>,
    /// Other properties.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl UserActions {
    /// Issue a Temporary Access Pass
    /// (`POST users/{id}/authentication/temporaryAccessPassMethods`).
    pub async fn create_tap(
        &self,
        user: &str,
        options: &TapOptions,
    ) -> Result<TemporaryAccessPass, ActionError> {
        check_user(user)?;
        let body = options.to_body()?;
        let (id, _) = self.resolve(user).await?;
        let v = self
            .graph
            .post(
                &format!("users/{id}/authentication/temporaryAccessPassMethods"),
                &body,
            )
            .await
            .map_err(|e| self.graph_error("create Temporary Access Pass", user, e))?;
        let pass = v["temporaryAccessPass"].as_str().ok_or_else(|| {
            invalid(
                "temporaryAccessPass",
                "Graph's answer holds no pass; check the tenant's Temporary Access Pass policy",
            )
        })?;
        Ok(TemporaryAccessPass {
            pass: SecretString::from(pass.to_string()),
            method_id: v["id"].as_str().unwrap_or_default().to_string(),
            lifetime_minutes: v["lifetimeInMinutes"].as_u64(),
            start_date_time: v["startDateTime"].as_str().map(str::to_string),
            is_usable_once: v["isUsableOnce"].as_bool().unwrap_or(options.usable_once),
        })
    }

    /// Delete the user to the recycle bin (`DELETE users/{id}`; restorable for 30 days).
    /// Destructive: refused unless `confirmed`.
    pub async fn delete(&self, user: &str, confirmed: bool) -> Result<(), ActionError> {
        check_user(user)?;
        if !confirmed {
            return Err(ActionError::NotConfirmed {
                action: format!("delete user '{user}'"),
            });
        }
        let (id, _) = self.resolve(user).await?;
        self.graph
            .delete(&format!("users/{id}"))
            .await
            .map_err(|e| self.graph_error("delete user", user, e))
    }

    /// Users in the recycle bin.
    pub async fn deleted_users(&self) -> Result<Vec<DeletedUser>, ActionError> {
        let v = self
            .graph
            .get("directory/deletedItems/microsoft.graph.user?$select=id,userPrincipalName,displayName,deletedDateTime")
            .await
            .map_err(|e| self.graph_error("list deleted users", "-", e))?;
        serde_json::from_value(v["value"].clone())
            .map_err(|e| invalid("deletedItems", format!("could not be read: {e}")))
    }

    /// Restore a deleted user by object id
    /// (`POST directory/deletedItems/{id}/restore`).
    pub async fn restore(&self, id: &str) -> Result<User, ActionError> {
        if !cipp_core::is_guid(id.trim()) {
            return Err(invalid(
                "id",
                format!("'{id}' is not an object id; deleted users are restored by id (see deleted_users)"),
            ));
        }
        let v = self
            .graph
            .post(
                &format!("directory/deletedItems/{}/restore", id.trim()),
                &json!({}),
            )
            .await
            .map_err(|e| {
                if e.status() == Some(404) {
                    ActionError::UserNotFound {
                        tenant: self.tenant().to_string(),
                        user: format!("{id} (in the recycle bin)"),
                    }
                } else {
                    self.graph_error("restore user", id, e)
                }
            })?;
        serde_json::from_value(v).map_err(|e| invalid("user", format!("could not be read: {e}")))
    }

    /// Delete a user from the recycle bin for good. Destructive: refused unless `confirmed`.
    pub async fn purge_deleted(&self, id: &str, confirmed: bool) -> Result<(), ActionError> {
        if !cipp_core::is_guid(id.trim()) {
            return Err(invalid("id", format!("'{id}' is not an object id")));
        }
        if !confirmed {
            return Err(ActionError::NotConfirmed {
                action: format!("permanently delete '{id}'"),
            });
        }
        self.graph
            .delete(&format!("directory/deletedItems/{}", id.trim()))
            .await
            .map_err(|e| self.graph_error("permanently delete user", id, e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn start_times_are_normalised() {
        assert_eq!(
            normalise_start("0").ok().as_deref(),
            Some("1970-01-01T00:00:00Z")
        );
        assert_eq!(
            normalise_start("1764579600").ok().as_deref(),
            Some("2025-12-01T09:00:00Z")
        );
        assert_eq!(
            normalise_start("2026-12-01").ok().as_deref(),
            Some("2026-12-01T00:00:00Z")
        );
        assert!(normalise_start("2026-13-01").is_err());
        assert!(normalise_start("tomorrow").is_err());
    }
}
