//! One cmdlet call: the builder, `InvokeCommand`, paging and the reading of the answer.

use cipp_core::{Error as CoreError, Method};
use http::header::{HeaderName, HeaderValue};
use serde::de::DeserializeOwned;
use serde_json::{json, Map, Value};

use crate::anchor::Anchor;
use crate::client::ExchangeClient;
use crate::error::{CmdletError, ExchangeError};

/// Exchange's page size limit; asking for it keeps round trips down.
pub(crate) const PREFER_PAGE: &str = "odata.maxpagesize=1000";
/// Pages followed before giving up on a cmdlet (1,000 rows each).
const MAX_PAGES: u32 = 10_000;

/// A cmdlet with its parameters, ready to run alone ([`invoke`](Self::invoke)) or with others
/// in one bulk call ([`ExchangeClient::bulk`]).
///
/// Parameter values are JSON: strings, numbers, `true` for a switch, arrays for multi-valued
/// parameters, and objects for hashtables (`{"Add": [...], "Remove": [...]}`).
#[derive(Debug, Clone)]
pub struct Cmdlet {
    pub(crate) client: ExchangeClient,
    pub(crate) name: String,
    pub(crate) parameters: Map<String, Value>,
    pub(crate) select: Vec<String>,
    pub(crate) anchor: Anchor,
    pub(crate) id: Option<String>,
}

/// What a cmdlet returned.
#[derive(Debug, Clone, Default, PartialEq)]
#[non_exhaustive]
pub struct CmdletOutput {
    /// The objects, every page concatenated.
    pub rows: Vec<Value>,
    /// `@adminapi.warnings`: soft failures Exchange reports with a success status
    /// ("the command completed successfully but no settings have been modified").
    pub warnings: Vec<String>,
    /// Pages read.
    pub pages: u32,
}

impl Cmdlet {
    pub(crate) fn new(client: ExchangeClient, name: String) -> Self {
        Cmdlet {
            client,
            name,
            parameters: Map::new(),
            select: Vec::new(),
            anchor: Anchor::Auto,
            id: None,
        }
    }

    /// Set parameter `name` to `value`.
    pub fn param(mut self, name: impl Into<String>, value: impl Into<Value>) -> Self {
        self.parameters.insert(name.into(), value.into());
        self
    }

    /// Set a switch parameter (`-Confirm:$false` is `param("Confirm", false)`).
    pub fn switch(self, name: impl Into<String>) -> Self {
        self.param(name, true)
    }

    /// Add every member of a JSON object as a parameter (`null` adds none).
    pub fn params(mut self, parameters: Value) -> Result<Self, ExchangeError> {
        match parameters {
            Value::Null => {}
            Value::Object(map) => self.parameters.extend(map),
            other => {
                return Err(ExchangeError::invalid(
                    format!("{} parameters", self.name),
                    format!("expected a JSON object of parameter -> value, got {other}"),
                ))
            }
        }
        Ok(self)
    }

    /// Return only these properties (`$select`), which makes large reads much smaller.
    pub fn select<I, S>(mut self, properties: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.select.extend(properties.into_iter().map(Into::into));
        self
    }

    /// Anchor the call on a mailbox other than the cmdlet's default.
    pub fn anchor(mut self, anchor: Anchor) -> Self {
        self.anchor = anchor;
        self
    }

    /// The id of this operation in a bulk call (default: its position, `"1"`, `"2"`, ...).
    pub fn id(mut self, id: impl Into<String>) -> Self {
        self.id = Some(id.into());
        self
    }

    /// The cmdlet's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The parameters set so far.
    pub fn parameters(&self) -> &Map<String, Value> {
        &self.parameters
    }

    /// `Get-*`, `Test-*` and friends change nothing, so they may be resent after a timeout.
    pub(crate) fn is_read(&self) -> bool {
        let verb = self.name.split('-').next().unwrap_or_default();
        ["get", "test", "search", "export"]
            .iter()
            .any(|v| verb.eq_ignore_ascii_case(v))
    }

    /// `{"CmdletInput":{"CmdletName":..,"Parameters":{..}}}`.
    pub(crate) fn body(&self) -> Value {
        json!({"CmdletInput": {"CmdletName": self.name, "Parameters": self.parameters}})
    }

    /// `InvokeCommand` with its `$select`, under `base` for tenant `guid`.
    pub(crate) fn url(&self, base: &str, guid: &str) -> String {
        let mut url = format!("{base}/adminapi/beta/{guid}/InvokeCommand");
        if !self.select.is_empty() {
            url.push_str("?$select=");
            url.push_str(&self.select.join(","));
        }
        url
    }

    fn check(&self) -> Result<(), ExchangeError> {
        let ok = !self.name.is_empty()
            && self
                .name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-')
            && self.name.contains('-');
        if ok {
            Ok(())
        } else {
            Err(ExchangeError::invalid(
                "cmdlet",
                format!("'{}' is not a cmdlet name (Verb-Noun)", self.name),
            ))
        }
    }

    /// Run the cmdlet, following every page.
    pub async fn invoke(&self) -> Result<CmdletOutput, ExchangeError> {
        self.check()?;
        let client = &self.client;
        let base = client.base().await?;
        let guid = client.tenant_guid().await?;
        let anchor = client.anchor_header(&self.anchor, &self.name).await?;
        let body = self.body();
        let first = self.url(&base, &guid);
        let mut url = first.clone();
        let mut out = CmdletOutput::default();
        loop {
            let req = client
                .request(Method::POST, url.clone())
                .json(&body)
                .idempotent(self.is_read())
                .header(HeaderName::from_static("x-anchormailbox"), anchor.clone())
                .header(
                    HeaderName::from_static("prefer"),
                    HeaderValue::from_static(PREFER_PAGE),
                );
            let resp = client.send(req).await.map_err(|e| self.error(e))?;
            out.pages += 1;
            let page: Value = if resp.body.iter().all(u8::is_ascii_whitespace) {
                Value::Null
            } else {
                serde_json::from_slice(&resp.body).map_err(|e| CoreError::Decode {
                    operation: self.name.clone(),
                    tenant: client.tenant.clone(),
                    path: ".".into(),
                    message: e.to_string(),
                })?
            };
            let next = read_page(&page, &mut out);
            match next {
                Some(next) if out.pages < MAX_PAGES => {
                    url = cipp_core::http::same_origin(&first, &next)
                        .then_some(next.clone())
                        .ok_or_else(|| {
                            ExchangeError::invalid(
                                "@odata.nextLink",
                                format!(
                                    "{} returned a next page on another host: {next}",
                                    self.name
                                ),
                            )
                        })?;
                }
                _ => break,
            }
        }
        for w in &out.warnings {
            tracing::warn!(cmdlet = %self.name, tenant = %client.tenant, warning = %w, "Exchange warning");
        }
        Ok(out)
    }

    /// Run the cmdlet and return its rows.
    pub async fn rows(&self) -> Result<Vec<Value>, ExchangeError> {
        Ok(self.invoke().await?.rows)
    }

    /// Run the cmdlet and decode its rows into `T`.
    pub async fn rows_as<T: DeserializeOwned>(&self) -> Result<Vec<T>, ExchangeError> {
        let rows = self.rows().await?;
        Ok(cipp_core::error::decode_value(
            Value::Array(rows),
            &self.name,
            &self.client.tenant,
        )?)
    }

    /// Run the cmdlet and decode its first row (for the single-object `Get-*Config` cmdlets).
    pub async fn one<T: DeserializeOwned>(&self) -> Result<T, ExchangeError> {
        let row = self
            .rows()
            .await?
            .into_iter()
            .next()
            .ok_or_else(|| CmdletError {
                cmdlet: self.name.clone(),
                tenant: self.client.tenant.clone(),
                status: None,
                message: "the cmdlet returned no object".into(),
                exception_type: None,
                code: None,
                target: None,
                request_id: None,
            })?;
        Ok(cipp_core::error::decode_value(
            row,
            &self.name,
            &self.client.tenant,
        )?)
    }

    /// A failed call as a cmdlet error when Exchange explained it, otherwise as it came.
    fn error(&self, e: CoreError) -> ExchangeError {
        cmdlet_error(&self.name, &self.client.tenant, e)
    }
}

/// Read a cmdlet error out of a failed answer's body; throttling, auth and transport failures
/// stay what they are.
pub(crate) fn cmdlet_error(cmdlet: &str, tenant: &str, e: CoreError) -> ExchangeError {
    if let CoreError::Service(s) = &e {
        if s.status != 429 {
            let parsed = s
                .raw_body
                .as_deref()
                .and_then(|b| serde_json::from_str::<Value>(b).ok())
                .and_then(|b| CmdletError::from_body(cmdlet, tenant, Some(s.status), &b));
            if let Some(mut c) = parsed {
                c.request_id = c.request_id.or_else(|| s.request_id.clone());
                return c.into();
            }
        }
    }
    e.into()
}

/// Append a page's rows and warnings to `out`; return its next link.
pub(crate) fn read_page(page: &Value, out: &mut CmdletOutput) -> Option<String> {
    match page.get("value") {
        Some(Value::Array(rows)) => out.rows.extend(rows.iter().cloned()),
        Some(Value::Null) | None => {}
        Some(other) => out.rows.push(other.clone()),
    }
    if let Some(Value::Array(ws)) = page.get("@adminapi.warnings") {
        out.warnings.extend(ws.iter().map(|w| match w {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        }));
    }
    page.get("@odata.nextLink")
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_read_rows_warnings_and_links() {
        let mut out = CmdletOutput::default();
        let next = read_page(
            &json!({"value": [{"a": 1}], "@odata.nextLink": "https://h/x?$skiptoken=1",
                "@adminapi.warnings": ["careful"]}),
            &mut out,
        );
        assert_eq!(next.as_deref(), Some("https://h/x?$skiptoken=1"));
        assert_eq!(read_page(&json!({"value": [{"b": 2}]}), &mut out), None);
        assert_eq!(out.rows.len(), 2);
        assert_eq!(out.warnings, vec!["careful".to_string()]);
    }
}
