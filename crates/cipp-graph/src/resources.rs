//! Resource handles on [`GraphClient`].

use cipp_core::{Error, Method};
use serde_json::Value;

use crate::client::GraphClient;
use crate::collection::Collection;
use crate::models::{
    AuthenticationMethodConfiguration, AuthenticationMethodsPolicy, ConditionalAccessPolicy,
    DirectoryRole, Domain, Group, Organization, SubscribedSku, User,
};

/// The singleton `/policies/authenticationMethodsPolicy`.
#[derive(Debug, Clone)]
pub struct AuthenticationMethodsPolicyHandle {
    client: GraphClient,
}

const AUTH_METHODS_POLICY: &str = "policies/authenticationMethodsPolicy";

impl AuthenticationMethodsPolicyHandle {
    /// Read the policy with all method configurations.
    pub async fn get(&self) -> Result<AuthenticationMethodsPolicy, Error> {
        self.client
            .request(Method::GET, AUTH_METHODS_POLICY)
            .send_as()
            .await
    }

    /// The configurations collection (`.../authenticationMethodConfigurations/{id}`).
    pub fn configurations(&self) -> Collection<AuthenticationMethodConfiguration> {
        Collection::new(
            self.client.clone(),
            format!("{AUTH_METHODS_POLICY}/authenticationMethodConfigurations"),
        )
    }

    /// Change policy-level properties.
    pub async fn update(&self, changes: &Value) -> Result<(), Error> {
        self.client
            .patch(AUTH_METHODS_POLICY, changes)
            .await
            .map(|_| ())
    }
}

impl GraphClient {
    /// `/users`.
    pub fn users(&self) -> Collection<User> {
        Collection::new(self.clone(), "users")
    }

    /// `/groups`.
    pub fn groups(&self) -> Collection<Group> {
        Collection::new(self.clone(), "groups")
    }

    /// `/domains` (ids are domain names).
    pub fn domains(&self) -> Collection<Domain> {
        Collection::new(self.clone(), "domains")
    }

    /// `/subscribedSkus`.
    pub fn subscribed_skus(&self) -> Collection<SubscribedSku> {
        Collection::new(self.clone(), "subscribedSkus")
    }

    /// `/directoryRoles`.
    pub fn directory_roles(&self) -> Collection<DirectoryRole> {
        Collection::new(self.clone(), "directoryRoles")
    }

    /// `/identity/conditionalAccess/policies`.
    pub fn conditional_access_policies(&self) -> Collection<ConditionalAccessPolicy> {
        Collection::new(self.clone(), "identity/conditionalAccess/policies")
    }

    /// `/policies/authenticationMethodsPolicy`.
    pub fn authentication_methods_policy(&self) -> AuthenticationMethodsPolicyHandle {
        AuthenticationMethodsPolicyHandle {
            client: self.clone(),
        }
    }

    /// The tenant's organization object (`/organization` has exactly one item).
    pub async fn organization(&self) -> Result<Organization, Error> {
        let mut all = self
            .list::<Organization>("organization")
            .collect_all()
            .await?;
        if all.is_empty() {
            return Err(Error::Decode {
                operation: "GET organization".into(),
                tenant: self.tenant().to_string(),
                path: "value".into(),
                message: "the tenant returned no organization".into(),
            });
        }
        Ok(all.swap_remove(0))
    }
}
