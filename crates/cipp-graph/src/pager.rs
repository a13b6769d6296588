//! Lazy paging over Graph collections, following `@odata.nextLink`.

use std::marker::PhantomData;

use cipp_core::{Error, Method};
use futures::stream::{self, BoxStream, StreamExt, TryStreamExt};
use http::header::{HeaderName, HeaderValue};
use serde::de::DeserializeOwned;
use serde::Deserialize;

use crate::client::GraphClient;
use crate::query::Query;

/// One page of a collection.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Page<T> {
    /// The items of this page.
    pub items: Vec<T>,
    /// Where the next page is, if any.
    pub next_link: Option<String>,
    /// `@odata.count`, when `$count=true` was asked.
    pub count: Option<u64>,
    /// `@odata.deltaLink` on the last page of a delta query.
    pub delta_link: Option<String>,
}

#[derive(Deserialize)]
#[serde(bound = "T: DeserializeOwned")]
struct RawPage<T> {
    #[serde(default = "Vec::new")]
    value: Vec<T>,
    #[serde(rename = "@odata.nextLink", default)]
    next_link: Option<String>,
    #[serde(rename = "@odata.count", default)]
    count: Option<u64>,
    #[serde(rename = "@odata.deltaLink", default)]
    delta_link: Option<String>,
}

/// Fetch and decode one page at `url`.
pub(crate) async fn fetch_page<T: DeserializeOwned>(
    client: &GraphClient,
    url: String,
    eventual: bool,
) -> Result<Page<T>, Error> {
    let mut req = client.service_request(Method::GET, client.url(&url));
    if eventual {
        req = req.header(
            HeaderName::from_static("consistencylevel"),
            HeaderValue::from_static("eventual"),
        );
    }
    let operation = req.operation();
    let resp = client.execute(req).await?;
    let raw: RawPage<T> = cipp_core::error::decode_json(&resp.body, &operation, client.tenant())?;
    Ok(Page {
        items: raw.value,
        // Graph sometimes ends with an empty or blank link rather than none.
        next_link: raw.next_link.filter(|l| !l.trim().is_empty()),
        count: raw.count,
        delta_link: raw.delta_link,
    })
}

/// A list request: set query options, then stream pages or items. Nothing is sent until the
/// stream is polled.
#[derive(Debug)]
pub struct ListRequest<T> {
    client: GraphClient,
    path: String,
    query: Query,
    eventual: bool,
    _item: PhantomData<fn() -> T>,
}

impl<T: DeserializeOwned + Send + 'static> ListRequest<T> {
    pub(crate) fn new(client: GraphClient, path: String) -> Self {
        ListRequest {
            client,
            path,
            query: Query::new(),
            eventual: false,
            _item: PhantomData,
        }
    }

    /// `$select` properties.
    pub fn select<I, S>(mut self, fields: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.query.select(fields);
        self
    }

    /// `$filter`.
    pub fn filter(mut self, expr: impl Into<String>) -> Self {
        self.query.filter(expr);
        self
    }

    /// `$top` (page size; Graph allows up to 999 for most directory objects).
    pub fn top(mut self, n: u32) -> Self {
        self.query.top(n);
        self
    }

    /// `$expand`.
    pub fn expand<I, S>(mut self, fields: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.query.expand(fields);
        self
    }

    /// `$orderby`.
    pub fn orderby(mut self, clause: impl Into<String>) -> Self {
        self.query.orderby(clause);
        self
    }

    /// `$search` (sets `ConsistencyLevel: eventual`).
    pub fn search(mut self, expr: impl Into<String>) -> Self {
        self.query.search(expr);
        self
    }

    /// `$count=true` (sets `ConsistencyLevel: eventual`); read it from [`Page::count`].
    pub fn count(mut self, yes: bool) -> Self {
        self.query.count(yes);
        self
    }

    /// Any other query parameter.
    pub fn param(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.query.param(name, value);
        self
    }

    /// Send `ConsistencyLevel: eventual` even without `$count`/`$search` (advanced filters
    /// such as `endsWith` or `ne` need it).
    pub fn eventual_consistency(mut self) -> Self {
        self.eventual = true;
        self
    }

    fn first_url(&self) -> String {
        self.query.append_to(&self.path)
    }

    /// Replace the query options (`ConsistencyLevel` follows from them).
    pub fn with_query(mut self, query: Query) -> Self {
        self.query = query;
        self
    }

    /// Pages, one request each, lazily.
    pub fn pages(self) -> BoxStream<'static, Result<Page<T>, Error>> {
        let eventual = self.eventual || self.query.needs_eventual_consistency();
        let first = self.first_url();
        let client = self.client;
        stream::try_unfold(Some(first), move |next| {
            let client = client.clone();
            async move {
                let Some(url) = next else { return Ok(None) };
                let page = fetch_page::<T>(&client, url, eventual).await?;
                let next = page.next_link.clone();
                Ok(Some((page, next)))
            }
        })
        .boxed()
    }

    /// Items across all pages, lazily.
    pub fn stream(self) -> BoxStream<'static, Result<T, Error>> {
        self.pages()
            .map_ok(|p| stream::iter(p.items.into_iter().map(Ok)))
            .try_flatten()
            .boxed()
    }

    /// Every item of every page, in one `Vec`.
    pub async fn collect_all(self) -> Result<Vec<T>, Error> {
        let mut out = Vec::new();
        let mut pages = self.pages();
        while let Some(page) = pages.try_next().await? {
            out.extend(page.items);
        }
        Ok(out)
    }

    /// Only the first page.
    pub async fn first_page(self) -> Result<Page<T>, Error> {
        let eventual = self.eventual || self.query.needs_eventual_consistency();
        fetch_page(&self.client, self.first_url(), eventual).await
    }

    /// The total count (`$count=true&$top=1`, one request).
    pub async fn total_count(self) -> Result<u64, Error> {
        let client = self.client.clone();
        let page = self.count(true).top(1).first_page().await?;
        page.count.ok_or_else(|| Error::Decode {
            operation: "GET with $count=true".into(),
            tenant: client.tenant().to_string(),
            path: "@odata.count".into(),
            message: "the service returned no count".into(),
        })
    }
}
