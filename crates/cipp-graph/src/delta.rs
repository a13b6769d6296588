//! Delta queries: read a collection once, then only what changed since.

use cipp_core::Error;
use serde_json::Value;

use crate::client::GraphClient;
use crate::pager::fetch_page;
use crate::query::Query;

/// The outcome of a delta round: changed items and the link to resume from.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct DeltaResult {
    /// Items created or changed since the last round (all items on the first round).
    pub changed: Vec<Value>,
    /// Ids removed since the last round (items carrying `@removed`).
    pub removed: Vec<String>,
    /// Pass this to [`GraphClient::delta_resume`] next time. Store it with the tenant.
    pub delta_link: String,
}

impl GraphClient {
    /// Start a delta query over `resource` (`users`, `groups`, ...), following every page to
    /// the delta link.
    ///
    /// ```no_run
    /// # async fn run(graph: cipp_graph::GraphClient) -> Result<(), cipp_core::Error> {
    /// let first = graph.delta("users", |q| { q.select(["id", "displayName"]); }).await?;
    /// // ... later ...
    /// let since = graph.delta_resume(&first.delta_link).await?;
    /// println!("{} changed, {} removed", since.changed.len(), since.removed.len());
    /// # Ok(()) }
    /// ```
    pub async fn delta(
        &self,
        resource: &str,
        options: impl FnOnce(&mut Query),
    ) -> Result<DeltaResult, Error> {
        let mut q = Query::new();
        options(&mut q);
        let qs = q.to_query_string();
        let path = format!("{}/delta", resource.trim_matches('/'));
        let url = if qs.is_empty() {
            path
        } else {
            format!("{path}?{qs}")
        };
        self.delta_resume(&url).await
    }

    /// Continue from a stored delta link (or any delta page URL).
    pub async fn delta_resume(&self, link: &str) -> Result<DeltaResult, Error> {
        let mut changed = Vec::new();
        let mut removed = Vec::new();
        let mut next = link.to_string();
        loop {
            let page = fetch_page::<Value>(self, next, false).await?;
            for item in page.items {
                if item.get("@removed").is_some() {
                    if let Some(id) = item.get("id").and_then(Value::as_str) {
                        removed.push(id.to_string());
                    }
                } else {
                    changed.push(item);
                }
            }
            match (page.next_link, page.delta_link) {
                (Some(n), _) => next = n,
                (None, Some(delta_link)) => {
                    return Ok(DeltaResult {
                        changed,
                        removed,
                        delta_link,
                    })
                }
                (None, None) => {
                    return Err(Error::Decode {
                        operation: "GET delta".into(),
                        tenant: self.tenant().to_string(),
                        path: "@odata.deltaLink".into(),
                        message: "the last page had neither a nextLink nor a deltaLink".into(),
                    })
                }
            }
        }
    }
}
