//! Partner Center (`api.partnercenter.microsoft.com`): customers, paged to the end through
//! continuation tokens, and CPV application consents.

use cipp_core::http::service_error::get_ci;
use cipp_core::{Error, Method, Pipeline, Service, ServiceRequest};
use futures::stream::{self, BoxStream, StreamExt, TryStreamExt};
use http::header::{HeaderName, HeaderValue};
use serde::Serialize;
use serde_json::{json, Value};

use crate::error::{GdapError, Result};
use crate::models::{ApplicationConsent, Customer};

/// Microsoft Graph's application id: the resource CPV consents grant.
pub const GRAPH_APP_ID: &str = "00000003-0000-0000-c000-000000000000";
/// The delegated Graph scopes a CPV consent gives the SAM application: enough to grant
/// itself the rest afterwards.
pub const CPV_SCOPES: &str =
    "DelegatedPermissionGrant.ReadWrite.All,Directory.ReadWrite.All,AppRoleAssignment.ReadWrite.All";
/// Partner Center's answer when the consent is already there.
const ALREADY_EXISTS: &str = "Permission entry already exists";

/// Partner Center for the partner tenant (delegated, through the shared pipeline).
///
/// ```no_run
/// # async fn run(pipeline: cipp_core::Pipeline) -> Result<(), cipp_gdap::GdapError> {
/// use futures::TryStreamExt;
/// let pc = cipp_gdap::PartnerCenterClient::new(pipeline);
/// let customers: Vec<_> = pc.customers().try_collect().await?;
/// println!("{} customers", customers.len());
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct PartnerCenterClient {
    pipeline: Pipeline,
    page_size: u32,
}

/// The outcome of a consent call.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "outcome", rename_all = "camelCase")]
#[non_exhaustive]
pub enum ConsentOutcome {
    /// Consent given now.
    Granted {
        /// What Partner Center recorded.
        consent: Box<ApplicationConsent>,
    },
    /// It was already in place (Partner Center's "already exists" answer).
    AlreadyExisted,
}

/// One page of Partner Center's collection format.
#[derive(Debug)]
struct PcPage {
    items: Vec<Customer>,
    continuation: Option<String>,
}

impl PartnerCenterClient {
    /// Partner Center through `pipeline` (its partner tenant and credentials).
    pub fn new(pipeline: Pipeline) -> Self {
        PartnerCenterClient {
            pipeline,
            page_size: 500,
        }
    }

    /// Customers asked for per page (default 500).
    pub fn with_page_size(mut self, size: u32) -> Self {
        self.page_size = size.clamp(1, 1000);
        self
    }

    fn url(&self, path: &str) -> String {
        self.pipeline.endpoints().join(Service::PartnerCenter, path)
    }

    fn request(&self, method: Method, path: &str) -> ServiceRequest {
        // Partner calls: the partner tenant (an empty tenant means the pipeline's partner).
        ServiceRequest::new(Service::PartnerCenter, "", method, self.url(path)).header(
            http::header::ACCEPT,
            HeaderValue::from_static("application/json"),
        )
    }

    async fn send_json(&self, req: ServiceRequest) -> Result<Value> {
        let operation = req.operation();
        let resp = self.pipeline.send(req).await?;
        // Partner Center sometimes prefixes its JSON with a byte-order mark.
        let body = String::from_utf8_lossy(&resp.body);
        let body = body.trim_start_matches('\u{feff}').trim();
        if body.is_empty() {
            return Ok(Value::Null);
        }
        serde_json::from_str(body).map_err(|e| {
            GdapError::Api(Error::Decode {
                operation,
                tenant: self.pipeline.credentials().partner_tenant().to_string(),
                path: ".".into(),
                message: e.to_string(),
            })
        })
    }

    async fn customers_page(&self, continuation: Option<String>) -> Result<PcPage> {
        let mut req = self.request(
            Method::GET,
            &format!("v1/customers?size={}", self.page_size),
        );
        if let Some(token) = &continuation {
            let v = HeaderValue::from_str(token).map_err(|_| {
                GdapError::invalid("continuation token", "not a valid header value")
            })?;
            req = req.header(HeaderName::from_static("ms-continuationtoken"), v);
        }
        let operation = req.operation();
        let page = self.send_json(req).await?;
        let items = get_ci(&page, "items").cloned().unwrap_or(json!([]));
        let tenant = self.pipeline.credentials().partner_tenant().to_string();
        let items: Vec<Customer> = cipp_core::error::decode_value(items, &operation, &tenant)?;
        Ok(PcPage {
            items,
            continuation: next_token(&page),
        })
    }

    /// Every customer, page by page until Partner Center gives no continuation token.
    pub fn customers(&self) -> BoxStream<'static, Result<Customer>> {
        let this = self.clone();
        stream::try_unfold(Some(None), move |state: Option<Option<String>>| {
            let this = this.clone();
            async move {
                let Some(token) = state else {
                    return Ok::<_, GdapError>(None);
                };
                let page = this.customers_page(token).await?;
                let next = page.continuation.map(Some);
                Ok(Some((stream::iter(page.items.into_iter().map(Ok)), next)))
            }
        })
        .try_flatten()
        .boxed()
    }

    /// One customer.
    pub async fn customer(&self, customer_id: &str) -> Result<Customer> {
        let req = self.request(Method::GET, &format!("v1/customers/{}", guid(customer_id)?));
        let operation = req.operation();
        let v = self.send_json(req).await?;
        let tenant = self.pipeline.credentials().partner_tenant().to_string();
        Ok(cipp_core::error::decode_value(v, &operation, &tenant)?)
    }

    /// Consent `application_id` in the customer with the standard CPV Graph scopes. An
    /// "already exists" answer is a success ([`ConsentOutcome::AlreadyExisted`]).
    pub async fn add_application_consent(
        &self,
        customer_id: &str,
        application_id: &str,
    ) -> Result<ConsentOutcome> {
        let customer_id = guid(customer_id)?;
        let application_id = guid(application_id)?;
        if customer_id.eq_ignore_ascii_case(self.pipeline.credentials().partner_tenant()) {
            return Err(GdapError::invalid(
                "customer_id",
                "CPV consent cannot be changed in the partner tenant itself",
            ));
        }
        let body = json!({
            "ApplicationId": application_id,
            "ApplicationGrants": [{"EnterpriseApplicationId": GRAPH_APP_ID, "Scope": CPV_SCOPES}],
        });
        let req = self
            .request(
                Method::POST,
                &format!("v1/customers/{customer_id}/applicationconsents"),
            )
            .json(&body);
        let operation = req.operation();
        match self.send_json(req).await {
            Ok(v) => {
                let tenant = customer_id.to_string();
                let consent = cipp_core::error::decode_value(v, &operation, &tenant)?;
                self.pipeline.tokens().clear_tenant(customer_id);
                Ok(ConsentOutcome::Granted {
                    consent: Box::new(consent),
                })
            }
            Err(GdapError::Api(Error::Service(e))) if e.message.contains(ALREADY_EXISTS) => {
                Ok(ConsentOutcome::AlreadyExisted)
            }
            Err(e) => Err(e),
        }
    }

    /// Remove the consent of `application_id` in the customer (before consenting anew).
    pub async fn remove_application_consent(
        &self,
        customer_id: &str,
        application_id: &str,
    ) -> Result<()> {
        let path = format!(
            "v1/customers/{}/applicationconsents/{}",
            guid(customer_id)?,
            guid(application_id)?
        );
        self.send_json(self.request(Method::DELETE, &path)).await?;
        self.pipeline.tokens().clear_tenant(customer_id);
        Ok(())
    }

    /// Consents recorded for a customer.
    pub async fn application_consents(&self, customer_id: &str) -> Result<Vec<ApplicationConsent>> {
        let req = self.request(
            Method::GET,
            &format!("v1/customers/{}/applicationconsents", guid(customer_id)?),
        );
        let operation = req.operation();
        let v = self.send_json(req).await?;
        let items = get_ci(&v, "items").cloned().unwrap_or(json!([]));
        Ok(cipp_core::error::decode_value(
            items,
            &operation,
            customer_id,
        )?)
    }
}

fn guid(id: &str) -> Result<&str> {
    let id = id.trim();
    uuid::Uuid::parse_str(id).map(|_| id).map_err(|_| {
        GdapError::invalid("tenant or application id", format!("'{id}' is not a GUID"))
    })
}

/// The `MS-ContinuationToken` of `links.next`, if there is a next page.
fn next_token(page: &Value) -> Option<String> {
    let next = get_ci(get_ci(page, "links")?, "next")?;
    let headers = get_ci(next, "headers")?.as_array()?;
    headers.iter().find_map(|h| {
        let key = get_ci(h, "key")?.as_str()?;
        key.eq_ignore_ascii_case("MS-ContinuationToken")
            .then(|| get_ci(h, "value")?.as_str().map(str::to_string))?
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn continuation_token_comes_from_links_next_headers() {
        let page = json!({"items": [], "links": {"next": {"uri": "/v1/customers?size=2", "method": "GET",
            "headers": [{"key": "MS-ContinuationToken", "value": "abc"}]}}});
        assert_eq!(next_token(&page).as_deref(), Some("abc"));
        assert_eq!(next_token(&json!({"items": []})), None);
    }
}
