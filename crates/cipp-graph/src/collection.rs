//! A typed handle on one Graph collection: list, get, create, update, delete.

use std::marker::PhantomData;

use cipp_core::{Error, Method};
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;

use crate::client::GraphClient;
use crate::pager::ListRequest;

/// Percent-encode one path segment (ids may be UPNs with `#` or `'`).
pub fn encode_segment(s: &str) -> String {
    percent_encoding::utf8_percent_encode(s, percent_encoding::NON_ALPHANUMERIC)
        .to_string()
        .replace("%2D", "-")
        .replace("%2E", ".")
        .replace("%5F", "_")
        .replace("%40", "@")
}

/// A collection of `T` at a path, e.g. `users`.
#[derive(Debug, Clone)]
pub struct Collection<T> {
    client: GraphClient,
    path: String,
    _item: PhantomData<fn() -> T>,
}

impl<T: DeserializeOwned + Serialize + Send + 'static> Collection<T> {
    pub(crate) fn new(client: GraphClient, path: impl Into<String>) -> Self {
        Collection {
            client,
            path: path.into(),
            _item: PhantomData,
        }
    }

    /// The collection's path.
    pub fn path(&self) -> &str {
        &self.path
    }

    fn item_path(&self, id: &str) -> Result<String, Error> {
        if id.trim().is_empty() {
            return Err(Error::invalid_input(
                format!("{}.id", self.path),
                "an id is required",
            ));
        }
        Ok(format!("{}/{}", self.path, encode_segment(id)))
    }

    /// A lazy list; add query options, then `.stream()`, `.pages()` or `.collect_all()`.
    pub fn list(&self) -> ListRequest<T> {
        self.client.list(self.path.clone())
    }

    /// One item by id.
    pub async fn get(&self, id: &str) -> Result<T, Error> {
        self.client
            .request(Method::GET, self.item_path(id)?)
            .send_as()
            .await
    }

    /// One item by id with only `select`ed properties.
    pub async fn get_select(&self, id: &str, select: &[&str]) -> Result<T, Error> {
        self.client
            .request(Method::GET, self.item_path(id)?)
            .query(|q| {
                q.select(select.iter().copied());
            })
            .send_as()
            .await
    }

    /// Create an item; returns what the service stored.
    pub async fn create(&self, item: &T) -> Result<T, Error> {
        let body = serde_json::to_value(item)
            .map_err(|e| Error::invalid_input(self.path.clone(), e.to_string()))?;
        self.client
            .request(Method::POST, self.path.clone())
            .body(body)
            .send_as()
            .await
    }

    /// Change the given properties of an item (`PATCH`); others are left alone.
    pub async fn update(&self, id: &str, changes: &Value) -> Result<(), Error> {
        self.client
            .request(Method::PATCH, self.item_path(id)?)
            .body(changes.clone())
            .send()
            .await
            .map(|_| ())
    }

    /// Delete an item.
    pub async fn delete(&self, id: &str) -> Result<(), Error> {
        self.client
            .request(Method::DELETE, self.item_path(id)?)
            .send()
            .await
            .map(|_| ())
    }
}
