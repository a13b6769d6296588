//! Create a user, edit profile attributes, change the UPN, set the manager.

use cipp_core::{ExposeSecret, SecretString};
use cipp_graph::models::User;
use serde_json::{json, Map, Value};

use super::{check_user, invalid, is_address, path_segment, UserActions};
use crate::ActionError;

/// A new user. `display_name`, `username` and `domain` are required; the rest is optional.
#[derive(Debug, Clone, Default)]
pub struct NewUser {
    /// Display name.
    pub display_name: String,
    /// The part before `@` (also the mail nickname).
    pub username: String,
    /// A verified domain of the tenant.
    pub domain: String,
    /// Given name.
    pub given_name: Option<String>,
    /// Surname.
    pub surname: Option<String>,
    /// The password; `None` generates a strong one, returned once in [`CreatedUser`].
    pub password: Option<SecretString>,
    /// Make the user change the password at first sign-in (CIPP's default: yes).
    pub must_change_password: Option<bool>,
    /// Two-letter country code (needed before a licence can be assigned).
    pub usage_location: Option<String>,
    /// Job title.
    pub job_title: Option<String>,
    /// Department.
    pub department: Option<String>,
    /// Licences to assign after creation (SKU part numbers, ids or catalogue names; see
    /// [`UserActions::set_licences`]).
    pub licences: Vec<String>,
    /// Other Graph user properties, sent as given.
    pub extra: Map<String, Value>,
}

/// A created user and, if it was generated, the password (shown this once).
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct CreatedUser {
    /// The user as Graph created it.
    pub user: User,
    /// The generated password; `None` when the caller chose one.
    pub password: Option<SecretString>,
}

/// Profile fields that can be cleared (CIPP's whitelist for `clearProperties`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ClearableField {
    /// `givenName`
    GivenName,
    /// `surname`
    Surname,
    /// `department`
    Department,
    /// `jobTitle`
    JobTitle,
    /// `mobilePhone`
    MobilePhone,
    /// `streetAddress`
    StreetAddress,
    /// `city`
    City,
    /// `state`
    State,
    /// `postalCode`
    PostalCode,
    /// `country`
    Country,
    /// `companyName`
    CompanyName,
    /// `businessPhones` (cleared to an empty list)
    BusinessPhones,
    /// `otherMails` (cleared to an empty list)
    OtherMails,
}

impl ClearableField {
    /// Every clearable field.
    pub const ALL: [ClearableField; 13] = [
        ClearableField::GivenName,
        ClearableField::Surname,
        ClearableField::Department,
        ClearableField::JobTitle,
        ClearableField::MobilePhone,
        ClearableField::StreetAddress,
        ClearableField::City,
        ClearableField::State,
        ClearableField::PostalCode,
        ClearableField::Country,
        ClearableField::CompanyName,
        ClearableField::BusinessPhones,
        ClearableField::OtherMails,
    ];

    /// The Graph property name.
    pub fn property(self) -> &'static str {
        match self {
            ClearableField::GivenName => "givenName",
            ClearableField::Surname => "surname",
            ClearableField::Department => "department",
            ClearableField::JobTitle => "jobTitle",
            ClearableField::MobilePhone => "mobilePhone",
            ClearableField::StreetAddress => "streetAddress",
            ClearableField::City => "city",
            ClearableField::State => "state",
            ClearableField::PostalCode => "postalCode",
            ClearableField::Country => "country",
            ClearableField::CompanyName => "companyName",
            ClearableField::BusinessPhones => "businessPhones",
            ClearableField::OtherMails => "otherMails",
        }
    }

    /// The field a Graph property name (any case) stands for.
    pub fn from_property(name: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|f| f.property().eq_ignore_ascii_case(name))
    }

    fn is_list(self) -> bool {
        matches!(
            self,
            ClearableField::BusinessPhones | ClearableField::OtherMails
        )
    }
}

/// Profile changes, CIPP's `EditUser` fields. A field left `None` (or set to an empty text) is
/// left alone; a field listed in `clear` is cleared.
#[derive(Debug, Clone, Default)]
pub struct UserEdit {
    /// Given name.
    pub given_name: Option<String>,
    /// Surname.
    pub surname: Option<String>,
    /// Display name (cannot be cleared).
    pub display_name: Option<String>,
    /// Department.
    pub department: Option<String>,
    /// Job title.
    pub job_title: Option<String>,
    /// Mobile phone.
    pub mobile_phone: Option<String>,
    /// Street address.
    pub street_address: Option<String>,
    /// City.
    pub city: Option<String>,
    /// State or province.
    pub state: Option<String>,
    /// Postal code.
    pub postal_code: Option<String>,
    /// Country (free text).
    pub country: Option<String>,
    /// Company name.
    pub company_name: Option<String>,
    /// Usage location: a two-letter country code.
    pub usage_location: Option<String>,
    /// Business phones (blank entries dropped).
    pub business_phones: Option<Vec<String>>,
    /// Other email addresses (each entry may hold several, comma-separated).
    pub other_mails: Option<Vec<String>>,
    /// Make the user change the password at next sign-in.
    pub must_change_password: Option<bool>,
    /// Fields to clear (sent as `null`, or `[]` for lists).
    pub clear: Vec<ClearableField>,
    /// Other Graph properties (CIPP's default attributes and custom data), sent as given.
    pub extra: Map<String, Value>,
}

impl UserEdit {
    /// The PATCH body, or the field at fault.
    pub fn to_body(&self) -> Result<Map<String, Value>, ActionError> {
        let mut body = Map::new();
        let texts: [(&str, &Option<String>); 12] = [
            ("givenName", &self.given_name),
            ("surname", &self.surname),
            ("displayName", &self.display_name),
            ("department", &self.department),
            ("jobTitle", &self.job_title),
            ("mobilePhone", &self.mobile_phone),
            ("streetAddress", &self.street_address),
            ("city", &self.city),
            ("state", &self.state),
            ("postalCode", &self.postal_code),
            ("country", &self.country),
            ("companyName", &self.company_name),
        ];
        for (name, value) in texts {
            if let Some(v) = value.as_deref().map(str::trim).filter(|v| !v.is_empty()) {
                body.insert(name.into(), json!(v));
            }
        }
        if let Some(loc) = self
            .usage_location
            .as_deref()
            .map(str::trim)
            .filter(|v| !v.is_empty())
        {
            body.insert("usageLocation".into(), json!(usage_location(loc)?));
        }
        if let Some(phones) = &self.business_phones {
            let phones: Vec<&str> = phones
                .iter()
                .map(|p| p.trim())
                .filter(|p| !p.is_empty())
                .collect();
            if !phones.is_empty() {
                body.insert("businessPhones".into(), json!(phones));
            }
        }
        if let Some(mails) = &self.other_mails {
            let mails: Vec<&str> = mails
                .iter()
                .flat_map(|m| m.split(','))
                .map(str::trim)
                .filter(|m| !m.is_empty())
                .collect();
            for (i, m) in mails.iter().enumerate() {
                if !is_address(m) {
                    return Err(invalid(
                        format!("other_mails[{i}]"),
                        format!("'{m}' is not an email address"),
                    ));
                }
            }
            if !mails.is_empty() {
                body.insert("otherMails".into(), json!(mails));
            }
        }
        if self.must_change_password == Some(true) {
            body.insert(
                "passwordProfile".into(),
                json!({"forceChangePasswordNextSignIn": true}),
            );
        }
        for field in &self.clear {
            let name = field.property();
            if body.contains_key(name) {
                return Err(invalid(
                    format!("clear[{name}]"),
                    "is both set and cleared; choose one",
                ));
            }
            body.insert(
                name.into(),
                if field.is_list() {
                    json!([])
                } else {
                    Value::Null
                },
            );
        }
        for (k, v) in &self.extra {
            if body.contains_key(k) {
                return Err(invalid(
                    format!("extra.{k}"),
                    "is also a named field; set it once",
                ));
            }
            if matches!(k.as_str(), "id" | "userPrincipalName" | "passwordProfile") {
                return Err(invalid(
                    format!("extra.{k}"),
                    "cannot be set through extra attributes (use change_upn or reset_password)",
                ));
            }
            body.insert(k.clone(), v.clone());
        }
        Ok(body)
    }
}

/// A usage location must be a two-letter country code.
fn usage_location(loc: &str) -> Result<String, ActionError> {
    if loc.len() == 2 && loc.chars().all(|c| c.is_ascii_alphabetic()) {
        Ok(loc.to_ascii_uppercase())
    } else {
        Err(invalid(
            "usage_location",
            format!("'{loc}' is not a two-letter country code (such as US or GB)"),
        ))
    }
}

/// A strong password (the shared generator: 16 characters of four classes).
fn generate_password() -> SecretString {
    SecretString::from(
        crate::security::GeneratedPassword::generate(16)
            .expose()
            .to_string(),
    )
}

fn check_username(username: &str) -> Result<(), ActionError> {
    let ok = !username.is_empty()
        && username
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "._-'".contains(c))
        && !username.starts_with('.')
        && !username.ends_with('.');
    if ok {
        Ok(())
    } else {
        Err(invalid(
            "username",
            format!("'{username}' is not a valid user name (letters, digits, '.', '_', '-', no leading or trailing dot)"),
        ))
    }
}

impl UserActions {
    /// Verified domains of the tenant.
    async fn verified_domains(&self) -> Result<Vec<String>, ActionError> {
        let v = self
            .graph
            .get("domains?$select=id,isVerified")
            .await
            .map_err(|e| self.graph_error("list domains", "-", e))?;
        Ok(v["value"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|d| d["isVerified"] != json!(false))
            .filter_map(|d| d["id"].as_str().map(str::to_string))
            .collect())
    }

    async fn check_domain(&self, domain: &str) -> Result<String, ActionError> {
        if domain.trim().is_empty() {
            return Err(invalid("domain", "is empty"));
        }
        let domains = self.verified_domains().await?;
        domains
            .iter()
            .find(|d| d.eq_ignore_ascii_case(domain.trim()))
            .cloned()
            .ok_or_else(|| {
                invalid(
                    "domain",
                    format!(
                        "'{domain}' is not a verified domain of tenant '{}' (it has: {})",
                        self.tenant(),
                        domains.join(", ")
                    ),
                )
            })
    }

    /// Create a user (`POST users`), then assign its licences. The password, when generated,
    /// is returned once and never logged.
    pub async fn create(&self, new: NewUser) -> Result<CreatedUser, ActionError> {
        if new.display_name.trim().is_empty() {
            return Err(invalid("display_name", "is empty"));
        }
        check_username(new.username.trim())?;
        let usage = new
            .usage_location
            .as_deref()
            .map(usage_location)
            .transpose()?;
        if !new.licences.is_empty() && usage.is_none() {
            return Err(invalid(
                "usage_location",
                "is needed to assign licences; set a two-letter country code",
            ));
        }
        let domain = self.check_domain(&new.domain).await?;
        let upn = format!("{}@{domain}", new.username.trim());
        let (password, generated) = match new.password {
            Some(p) if p.expose_secret().len() < 8 => {
                return Err(invalid("password", "is shorter than 8 characters"))
            }
            Some(p) => (p, None),
            None => {
                let p = generate_password();
                (p.clone(), Some(p))
            }
        };
        let mut body = json!({
            "accountEnabled": true,
            "displayName": new.display_name.trim(),
            "mailNickname": new.username.trim(),
            "userPrincipalName": upn,
            "passwordProfile": {
                "forceChangePasswordNextSignIn": new.must_change_password.unwrap_or(true),
                "password": password.expose_secret(),
            },
        });
        let optional = [
            ("givenName", new.given_name),
            ("surname", new.surname),
            ("usageLocation", usage),
            ("jobTitle", new.job_title),
            ("department", new.department),
        ];
        for (k, v) in optional {
            if let Some(v) = v.filter(|v| !v.trim().is_empty()) {
                body[k] = json!(v.trim());
            }
        }
        for (k, v) in new.extra {
            body[k] = v;
        }
        let created = self
            .graph
            .post("users", &body)
            .await
            .map_err(|e| self.graph_error("create user", &upn, e))?;
        let mut user: User = serde_json::from_value(created).map_err(|e| {
            invalid(
                "user",
                format!("Graph answered with an unreadable user: {e}"),
            )
        })?;
        // The answer echoes the request; the password must not travel further.
        user.extra.remove("passwordProfile");
        if !new.licences.is_empty() {
            let id = user.id.clone().unwrap_or_else(|| upn.clone());
            self.set_licences(
                &id,
                &super::LicenceChange {
                    add: new.licences,
                    remove: Vec::new(),
                },
                None,
            )
            .await?;
        }
        Ok(CreatedUser {
            user,
            password: generated,
        })
    }

    /// Edit profile attributes (`PATCH users/{id}`). Returns the properties sent; nothing is
    /// sent when there is nothing to change.
    pub async fn edit(&self, user: &str, edit: UserEdit) -> Result<Vec<String>, ActionError> {
        check_user(user)?;
        let body = edit.to_body()?;
        if body.is_empty() {
            return Ok(Vec::new());
        }
        let (id, _) = self.resolve(user).await?;
        self.graph
            .patch(&format!("users/{id}"), &Value::Object(body.clone()))
            .await
            .map_err(|e| self.graph_error("edit user", user, e))?;
        Ok(body.keys().cloned().collect())
    }

    /// Change the sign-in name to `username@domain` (the domain must be verified); the mail
    /// nickname follows. Returns the new UPN. Addresses are not changed (see
    /// [`UserActions::edit_aliases`]).
    pub async fn change_upn(
        &self,
        user: &str,
        username: &str,
        domain: &str,
    ) -> Result<String, ActionError> {
        check_user(user)?;
        check_username(username.trim())?;
        let domain = self.check_domain(domain).await?;
        let (id, old) = self.resolve(user).await?;
        let upn = format!("{}@{domain}", username.trim());
        if upn.eq_ignore_ascii_case(&old) {
            return Ok(old);
        }
        self.graph
            .patch(
                &format!("users/{id}"),
                &json!({"userPrincipalName": upn, "mailNickname": username.trim()}),
            )
            .await
            .map_err(|e| self.graph_error("change UPN", user, e))?;
        Ok(upn)
    }

    /// Set the user's manager (`PUT users/{id}/manager/$ref`), or remove it with `None`.
    pub async fn set_manager(&self, user: &str, manager: Option<&str>) -> Result<(), ActionError> {
        check_user(user)?;
        let (id, _) = self.resolve(user).await?;
        match manager {
            Some(m) => {
                check_user(m).map_err(|_| invalid("manager", "is empty"))?;
                let (manager_id, _) = self.resolve(m).await?;
                if manager_id.eq_ignore_ascii_case(&id) {
                    return Err(invalid("manager", "is the user; nobody manages themselves"));
                }
                self.graph
                    .put(
                        &format!("users/{id}/manager/$ref"),
                        &json!({"@odata.id": format!("https://graph.microsoft.com/v1.0/directoryObjects/{manager_id}")}),
                    )
                    .await
                    .map_err(|e| self.graph_error("set manager", user, e))?;
            }
            None => {
                match self.graph.delete(&format!("users/{id}/manager/$ref")).await {
                    Ok(()) => {}
                    // No manager: already the wanted state.
                    Err(e) if e.status() == Some(404) => {}
                    Err(e) => return Err(self.graph_error("remove manager", user, e)),
                }
            }
        }
        Ok(())
    }

    /// The user's manager, if one is set.
    pub async fn manager(&self, user: &str) -> Result<Option<User>, ActionError> {
        check_user(user)?;
        match self
            .graph
            .get(&format!("users/{}/manager", path_segment(user)))
            .await
        {
            Ok(v) => Ok(serde_json::from_value(v).ok()),
            Err(e) if e.status() == Some(404) => {
                // Either no manager or no user: tell them apart.
                self.resolve(user).await?;
                Ok(None)
            }
            Err(e) => Err(self.graph_error("read manager", user, e)),
        }
    }
}
