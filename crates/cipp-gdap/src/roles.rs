//! Microsoft Entra role templates a GDAP relationship can carry, and the set CIPP
//! recommends: every role its features need, and never Global Administrator.

use serde::Serialize;

/// Global Administrator: never recommended, and a relationship holding it cannot auto-extend.
pub const GLOBAL_ADMINISTRATOR: &str = "62e90394-69f5-4237-9190-012177145e10";

/// Compliance Administrator: the directory role CIPP gives its own service principal.
pub const COMPLIANCE_ADMINISTRATOR: &str = "17315797-102d-40b4-93e0-432062caca18";

/// One Entra role template.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Role {
    /// Display name as Entra shows it.
    pub name: &'static str,
    /// Role template id (`roleDefinitionId`).
    pub id: &'static str,
    /// CIPP needs it (`true`) or merely benefits from it.
    pub required: bool,
}

const fn role(name: &'static str, id: &'static str, required: bool) -> Role {
    Role { name, id, required }
}

/// The roles a CIPP-managed relationship should hold.
pub const RECOMMENDED_ROLES: [Role; 15] = [
    role(
        "Application Administrator",
        "9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3",
        true,
    ),
    role(
        "User Administrator",
        "fe930be7-5e62-47db-91af-98c3a49a38b1",
        true,
    ),
    role(
        "Intune Administrator",
        "3a2c62db-5318-420d-8d74-23affee5d9d5",
        true,
    ),
    role(
        "Exchange Administrator",
        "29232cdf-9323-42fd-ade2-1d097af3e4de",
        true,
    ),
    role(
        "Security Administrator",
        "194ae4cb-b126-40b2-bd5b-6091b380977d",
        true,
    ),
    role(
        "Cloud App Security Administrator",
        "892c5842-a9a6-463a-8041-72aa08ca3cf6",
        true,
    ),
    role(
        "Cloud Device Administrator",
        "7698a772-787b-4ac8-901f-60d6b08affd2",
        true,
    ),
    role(
        "Teams Administrator",
        "69091246-20e8-4a56-aa4d-066075b2a7a8",
        true,
    ),
    role(
        "SharePoint Administrator",
        "f28a1f50-f6e7-4571-818b-6a12f2af6b6c",
        true,
    ),
    role(
        "Authentication Policy Administrator",
        "0526716b-113d-4c15-b2c8-68e3c22b9f80",
        true,
    ),
    role(
        "Privileged Role Administrator",
        "e8611ab8-c189-46e8-94e1-60213ab1f814",
        true,
    ),
    role(
        "Privileged Authentication Administrator",
        "7be44c8a-adaf-4e2a-84d6-ab2649e08a13",
        true,
    ),
    role(
        "Billing Administrator",
        "b0f54661-2d74-4c50-afa3-1ec803f12efe",
        false,
    ),
    role(
        "Global Reader",
        "f2ef992c-3afb-46b9-b7cf-a126ee74c451",
        false,
    ),
    role(
        "Domain Name Administrator",
        "8329153b-31d0-4727-b945-745eb3bc5f31",
        false,
    ),
];

/// The recommended role with this id (case-insensitive), or Global Administrator.
pub fn role_by_id(id: &str) -> Option<Role> {
    if id.eq_ignore_ascii_case(GLOBAL_ADMINISTRATOR) {
        return Some(role("Global Administrator", GLOBAL_ADMINISTRATOR, false));
    }
    RECOMMENDED_ROLES
        .iter()
        .find(|r| r.id.eq_ignore_ascii_case(id))
        .copied()
}

/// The recommended role with this display name (case-insensitive).
pub fn role_by_name(name: &str) -> Option<Role> {
    RECOMMENDED_ROLES
        .iter()
        .find(|r| r.name.eq_ignore_ascii_case(name.trim()))
        .copied()
}

/// The partner security group CIPP expects for `role`: `M365 GDAP {name}`.
pub fn group_name(role: &Role) -> String {
    format!("M365 GDAP {}", role.name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_is_consistent() {
        let mut ids: Vec<_> = RECOMMENDED_ROLES.iter().map(|r| r.id).collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), RECOMMENDED_ROLES.len());
        assert!(ids.iter().all(|id| uuid::Uuid::parse_str(id).is_ok()));
        assert!(!ids.contains(&GLOBAL_ADMINISTRATOR));
        assert_eq!(RECOMMENDED_ROLES.iter().filter(|r| r.required).count(), 12);
        assert_eq!(
            role_by_name("exchange administrator").map(|r| r.id),
            Some("29232cdf-9323-42fd-ade2-1d097af3e4de")
        );
        assert_eq!(
            role_by_id(GLOBAL_ADMINISTRATOR).map(|r| r.name),
            Some("Global Administrator")
        );
    }
}
