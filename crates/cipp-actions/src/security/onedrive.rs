//! The user's OneDrive: found through Graph (`users/{id}/drive`), changed through CSOM on the
//! tenant's SharePoint admin host (site sharing off, site collection administrators), as CIPP
//! does it.

use cipp_graph::collection::encode_segment;
use cipp_sharepoint::SharingCapability;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::{AccountSecurity, UserRef};
use crate::{ActionError, StepOutcome, StepState};

/// A user's OneDrive.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct OneDrive {
    /// The site collection (`https://contoso-my.sharepoint.com/personal/ada_contoso_com`),
    /// which CSOM calls take.
    pub site_url: String,
    /// The drive's own URL as Graph gave it (the site's `Documents` library).
    pub web_url: String,
}

/// The site collection a OneDrive drive URL lives in: everything up to the segment after
/// `/personal/`; other URLs lose a trailing document library (`/Documents`, `/Shared
/// Documents`).
pub fn site_url_of_drive(web_url: &str) -> String {
    let url = web_url.trim_end_matches('/');
    if let Some(at) = url.find("/personal/") {
        let rest = &url[at + "/personal/".len()..];
        let segment = rest.split('/').next().unwrap_or(rest);
        return format!("{}/personal/{segment}", &url[..at]);
    }
    url.strip_suffix("/Shared Documents")
        .or_else(|| url.strip_suffix("/Documents"))
        .unwrap_or(url)
        .to_string()
}

impl AccountSecurity {
    /// The user's OneDrive, or `None` when they have none (Graph answers 404: never
    /// provisioned, or already removed).
    pub async fn onedrive(&self, user: &UserRef) -> Result<Option<OneDrive>, ActionError> {
        let upn = &user.user_principal_name;
        let path = format!(
            "users/{}/drive?$select=webUrl,driveType",
            encode_segment(&user.id)
        );
        match self.graph.get(&path).await {
            Ok(drive) => {
                let web_url = drive["webUrl"].as_str().unwrap_or_default().to_string();
                if web_url.is_empty() {
                    return Ok(None);
                }
                Ok(Some(OneDrive {
                    site_url: site_url_of_drive(&web_url),
                    web_url,
                }))
            }
            Err(e) if e.status() == Some(404) => Ok(None),
            Err(e) => Err(self.graph_error("find OneDrive", upn)(e)),
        }
    }

    fn sharepoint_error(
        &self,
        action: &str,
        user: &str,
    ) -> impl FnOnce(cipp_sharepoint::SharePointError) -> ActionError {
        let tenant = self.tenant().to_string();
        let action = action.to_string();
        let user = user.to_string();
        move |source| ActionError::SharePoint {
            action,
            tenant,
            user,
            source: Box::new(source),
        }
    }

    /// Turn off external sharing of the user's OneDrive (`SharingCapability = Disabled` on its
    /// site collection). Nothing is written when sharing is already off; a user without a
    /// OneDrive is `Info` (nothing to protect).
    pub async fn disable_onedrive_sharing(
        &self,
        user: &UserRef,
    ) -> Result<StepOutcome, ActionError> {
        const STEP: &str = "disableOneDriveSharing";
        let upn = &user.user_principal_name;
        let Some(drive) = self.onedrive(user).await? else {
            return Ok(StepOutcome::new(
                STEP,
                StepState::Info,
                format!("{upn} has no OneDrive (never provisioned or already removed); there is no sharing to turn off"),
            ));
        };
        let site = &drive.site_url;
        let before = self
            .sharepoint
            .site_properties(site)
            .await
            .map_err(self.sharepoint_error("read OneDrive sharing", upn))?;
        if before.sharing() == Some(SharingCapability::Disabled) {
            return Ok(StepOutcome::new(
                STEP,
                StepState::Info,
                format!("Sharing of the OneDrive of {upn} is already off"),
            )
            .with_detail(json!({"siteUrl": site})));
        }
        self.sharepoint
            .set_site_sharing(site, SharingCapability::Disabled)
            .await
            .map_err(self.sharepoint_error("turn off OneDrive sharing", upn))?;
        Ok(StepOutcome::new(
            STEP,
            StepState::Success,
            format!("Turned off external sharing of the OneDrive of {upn}"),
        )
        .with_detail(
            json!({"siteUrl": site, "previousSharingCapability": before.sharing_capability}),
        ))
    }

    /// Make each of `people` (UPNs or ids) a site collection administrator of the user's
    /// OneDrive, so they can reach its files (`Tenant.SetSiteAdmin`, as CIPP's offboarding
    /// does). Asking again changes nothing. Each person's result is in the detail; the step
    /// is an error when any of them failed, and a warning when the user has no OneDrive.
    pub async fn grant_onedrive_access(
        &self,
        user: &UserRef,
        people: &[String],
    ) -> Result<StepOutcome, ActionError> {
        self.change_onedrive_access(user, people, true).await
    }

    /// Take site collection administration of the user's OneDrive away from `people`
    /// (the owner keeps it).
    pub async fn revoke_onedrive_access(
        &self,
        user: &UserRef,
        people: &[String],
    ) -> Result<StepOutcome, ActionError> {
        self.change_onedrive_access(user, people, false).await
    }

    async fn change_onedrive_access(
        &self,
        user: &UserRef,
        people: &[String],
        grant: bool,
    ) -> Result<StepOutcome, ActionError> {
        let step = if grant {
            "grantOneDriveAccess"
        } else {
            "revokeOneDriveAccess"
        };
        let upn = &user.user_principal_name;
        for (i, p) in people.iter().enumerate() {
            if p.trim().is_empty() {
                return Err(ActionError::InvalidInput {
                    field: format!("people[{i}]"),
                    message: "is empty".into(),
                });
            }
        }
        if people.is_empty() {
            return Err(ActionError::InvalidInput {
                field: "people".into(),
                message: "name at least one user".into(),
            });
        }
        let Some(drive) = self.onedrive(user).await? else {
            return Ok(StepOutcome::new(
                step,
                StepState::Warning,
                format!(
                    "{upn} has no OneDrive (never provisioned or already removed); access for {} was not changed",
                    people.join(", ")
                ),
            ));
        };
        let site = &drive.site_url;
        let mut done = Vec::new();
        let mut failed = Vec::new();
        for person in people {
            // Resolve through Graph first: a typo is named here rather than as a CSOM error.
            let result = match self.resolve_user(person).await {
                Ok(p) => self
                    .sharepoint
                    .set_site_admin(site, &p.user_principal_name, grant)
                    .await
                    .map(|()| p.user_principal_name)
                    .map_err(|e| e.to_string()),
                Err(e) => Err(e.to_string()),
            };
            match result {
                Ok(who) => done.push(Value::String(who)),
                Err(e) => failed.push(json!({"user": person, "error": e})),
            }
        }
        let names: Vec<&str> = done.iter().filter_map(Value::as_str).collect();
        let text = match (failed.is_empty(), grant) {
            (true, true) => format!(
                "Gave {} administrator access to the OneDrive of {upn}",
                names.join(", ")
            ),
            (true, false) => format!(
                "Removed administrator access of {} to the OneDrive of {upn}",
                names.join(", ")
            ),
            (false, _) => format!(
                "Changed OneDrive access of {upn} for {} user(s); {} failed",
                done.len(),
                failed.len()
            ),
        };
        let state = if failed.is_empty() {
            StepState::Success
        } else {
            StepState::Error
        };
        Ok(StepOutcome::new(step, state, text)
            .with_detail(json!({"siteUrl": site, "changed": done, "failed": failed})))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn drive_urls_map_to_their_site() {
        assert_eq!(
            site_url_of_drive(
                "https://contoso-my.sharepoint.com/personal/ada_contoso_com/Documents"
            ),
            "https://contoso-my.sharepoint.com/personal/ada_contoso_com"
        );
        assert_eq!(
            site_url_of_drive("https://contoso-my.sharepoint.com/personal/ada_contoso_com/"),
            "https://contoso-my.sharepoint.com/personal/ada_contoso_com"
        );
        assert_eq!(
            site_url_of_drive("https://contoso.sharepoint.com/sites/x/Shared Documents"),
            "https://contoso.sharepoint.com/sites/x"
        );
    }
}
