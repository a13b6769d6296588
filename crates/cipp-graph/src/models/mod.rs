//! Typed Graph models. Every model keeps properties it does not name in `extra`, so a
//! read-modify-write never drops a field Microsoft added after this crate was written.

mod auth_methods;
mod conditional_access;
mod directory_role;
mod domain;
mod group;
mod organization;
mod subscribed_sku;
mod user;

pub use auth_methods::{AuthenticationMethodConfiguration, AuthenticationMethodsPolicy};
pub use conditional_access::{ConditionalAccessPolicy, PolicyState};
pub use directory_role::DirectoryRole;
pub use domain::Domain;
pub use group::Group;
pub use organization::{Organization, VerifiedDomain};
pub use subscribed_sku::{LicenseUnits, ServicePlanInfo, SubscribedSku};
pub use user::{AssignedLicense, User};

/// Properties a model does not name, kept verbatim.
pub type Extra = serde_json::Map<String, serde_json::Value>;

/// A string enum that keeps values it does not know as `Unknown(text)`.
macro_rules! open_enum {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum $name {
            $($(#[$vmeta])* $variant,)+
            /// A value this version does not know.
            Unknown(String),
        }

        impl $name {
            /// The wire text.
            pub fn as_str(&self) -> &str {
                match self {
                    $($name::$variant => $text,)+
                    $name::Unknown(s) => s,
                }
            }
        }

        impl From<&str> for $name {
            fn from(s: &str) -> Self {
                match s {
                    $($text => $name::$variant,)+
                    other => $name::Unknown(other.to_string()),
                }
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = String::deserialize(d)?;
                Ok($name::from(s.as_str()))
            }
        }
    };
}
pub(crate) use open_enum;

open_enum! {
    /// `enabled` / `disabled`, as used by authentication method configurations.
    FeatureState {
        /// On.
        Enabled => "enabled",
        /// Off.
        Disabled => "disabled",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn unknown_fields_and_enum_values_survive_a_round_trip() {
        let raw = json!({
            "id": "p1",
            "displayName": "Require MFA",
            "state": "somethingNew",
            "brandNewProperty": {"a": 1}
        });
        let p: ConditionalAccessPolicy = serde_json::from_value(raw.clone()).unwrap();
        assert_eq!(p.state, Some(PolicyState::Unknown("somethingNew".into())));
        assert_eq!(serde_json::to_value(&p).unwrap(), raw);
    }
}
