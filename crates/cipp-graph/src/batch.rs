//! JSON `$batch`: any number of requests, sent 20 per round trip.
//!
//! Beyond what Graph does itself, this module:
//! - splits the requests into chunks of 20, keeping `dependsOn` chains in one chunk;
//! - runs chunks concurrently (bounded);
//! - resends throttled items (429, 503; 504 for reads) alone, after their own `Retry-After`;
//! - follows `@odata.nextLink` inside item responses so a listed collection comes back whole;
//! - returns every result by id, and turns a failed round trip into a failed result for each
//!   of its items rather than dropping them.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::time::Duration;

use bytes::Bytes;
use cipp_core::http::{parse_retry_after, service_error, HttpResponse};
use cipp_core::{Error, Method, ServiceError};
use futures::stream::{self, StreamExt};
use http::header::{HeaderMap, HeaderName, HeaderValue};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::client::GraphClient;

/// Graph's limit of requests per `$batch` call.
pub const MAX_BATCH_SIZE: usize = 20;

/// Settings for [`GraphClient::batch`].
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct BatchOptions {
    /// Round trips in flight at once for one call.
    pub concurrency: usize,
    /// How many times a throttled item is resent.
    pub max_item_retries: u32,
    /// Follow `@odata.nextLink` in GET item responses and merge the pages.
    pub follow_next_links: bool,
}

impl Default for BatchOptions {
    fn default() -> Self {
        BatchOptions {
            concurrency: 4,
            max_item_retries: 5,
            follow_next_links: true,
        }
    }
}

impl BatchOptions {
    /// Set the number of concurrent round trips.
    pub fn with_concurrency(mut self, n: usize) -> Self {
        self.concurrency = n.max(1);
        self
    }

    /// Set the per-item retry count.
    pub fn with_max_item_retries(mut self, n: u32) -> Self {
        self.max_item_retries = n;
        self
    }

    /// Turn nextLink following on or off.
    pub fn with_follow_next_links(mut self, yes: bool) -> Self {
        self.follow_next_links = yes;
        self
    }
}

/// One request inside a batch.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct BatchRequest {
    /// Caller-chosen id, unique within the call; results are returned under it.
    pub id: String,
    /// HTTP method, upper case.
    pub method: String,
    /// URL relative to the version root (`/users/x`), or an absolute Graph URL.
    pub url: String,
    /// Headers of this item.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub headers: BTreeMap<String, String>,
    /// JSON body.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<Value>,
    /// Ids that must run (and succeed) first.
    #[serde(rename = "dependsOn", default, skip_serializing_if = "Vec::is_empty")]
    pub depends_on: Vec<String>,
}

impl BatchRequest {
    /// A request with `method` and no body.
    pub fn new(id: impl Into<String>, method: Method, url: impl Into<String>) -> Self {
        BatchRequest {
            id: id.into(),
            method: method.as_str().to_string(),
            url: url.into(),
            headers: BTreeMap::new(),
            body: None,
            depends_on: Vec::new(),
        }
    }

    /// `GET url`.
    pub fn get(id: impl Into<String>, url: impl Into<String>) -> Self {
        Self::new(id, Method::GET, url)
    }

    /// `POST url` with a JSON body.
    pub fn post(id: impl Into<String>, url: impl Into<String>, body: Value) -> Self {
        Self::new(id, Method::POST, url).with_body(body)
    }

    /// `PATCH url` with a JSON body.
    pub fn patch(id: impl Into<String>, url: impl Into<String>, body: Value) -> Self {
        Self::new(id, Method::PATCH, url).with_body(body)
    }

    /// `DELETE url`.
    pub fn delete(id: impl Into<String>, url: impl Into<String>) -> Self {
        Self::new(id, Method::DELETE, url)
    }

    /// Set the JSON body (and its content type).
    pub fn with_body(mut self, body: Value) -> Self {
        self.headers
            .insert("Content-Type".into(), "application/json".into());
        self.body = Some(body);
        self
    }

    /// Add a header.
    pub fn with_header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.insert(name.into(), value.into());
        self
    }

    /// Run after `ids`.
    pub fn depends_on<I, S>(mut self, ids: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.depends_on.extend(ids.into_iter().map(Into::into));
        self
    }

    fn is_read(&self) -> bool {
        self.method.eq_ignore_ascii_case("GET") || self.method.eq_ignore_ascii_case("HEAD")
    }
}

/// The answer to one batched request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct BatchResponse {
    /// The request's id.
    pub id: String,
    /// HTTP status (0 when the round trip carrying it failed without an answer).
    pub status: u16,
    /// Response headers.
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
    /// Response body (`null` when empty). For followed collections, all pages' `value`s.
    #[serde(default)]
    pub body: Value,
}

impl BatchResponse {
    /// `true` for 2xx.
    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }

    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    fn retry_after(&self) -> Option<Duration> {
        self.header("retry-after").and_then(parse_retry_after)
    }

    /// The error of a failed item, typed like any other service error.
    pub fn error(&self, tenant: &str) -> Option<ServiceError> {
        if self.is_success() {
            return None;
        }
        let mut headers = HeaderMap::new();
        for (k, v) in &self.headers {
            if let (Ok(k), Ok(v)) = (HeaderName::try_from(k.as_str()), HeaderValue::from_str(v)) {
                headers.insert(k, v);
            }
        }
        let resp = HttpResponse {
            status: self.status,
            headers,
            body: Bytes::from(self.body.to_string()),
        };
        Some(service_error(
            &format!("$batch item '{}'", self.id),
            tenant,
            &resp,
        ))
    }

    /// The body on success, the typed error otherwise.
    pub fn into_result(self, tenant: &str) -> Result<Value, Error> {
        match self.error(tenant) {
            Some(e) => Err(e.into()),
            None => Ok(self.body),
        }
    }

    /// `body.value` for collections, else the body itself.
    pub fn items(&self) -> Vec<Value> {
        match self.body.get("value") {
            Some(Value::Array(a)) => a.clone(),
            _ => vec![self.body.clone()],
        }
    }
}

/// Results of a batch call, by id, remembering the request order.
#[derive(Debug, Clone, Default)]
pub struct BatchResults {
    order: Vec<String>,
    by_id: HashMap<String, BatchResponse>,
    round_trips: usize,
}

impl BatchResults {
    /// The response for `id`.
    pub fn get(&self, id: &str) -> Option<&BatchResponse> {
        self.by_id.get(id)
    }

    /// Responses in the order the requests were given.
    pub fn iter(&self) -> impl Iterator<Item = &BatchResponse> {
        self.order.iter().filter_map(|id| self.by_id.get(id))
    }

    /// Responses that did not succeed.
    pub fn failures(&self) -> impl Iterator<Item = &BatchResponse> {
        self.iter().filter(|r| !r.is_success())
    }

    /// Number of responses.
    pub fn len(&self) -> usize {
        self.by_id.len()
    }

    /// `true` when empty.
    pub fn is_empty(&self) -> bool {
        self.by_id.is_empty()
    }

    /// HTTP round trips this call made (chunks, retries and followed pages).
    pub fn round_trips(&self) -> usize {
        self.round_trips
    }

    /// Consume into a map by id.
    pub fn into_map(self) -> HashMap<String, BatchResponse> {
        self.by_id
    }
}

/// Group requests so every `dependsOn` chain lands in one chunk of at most 20.
fn plan_chunks(requests: Vec<BatchRequest>) -> Result<Vec<Vec<BatchRequest>>, Error> {
    // Union-find over request indexes joined by dependsOn.
    let index: HashMap<&str, usize> = requests
        .iter()
        .enumerate()
        .map(|(i, r)| (r.id.as_str(), i))
        .collect();
    let mut parent: Vec<usize> = (0..requests.len()).collect();
    fn find(parent: &mut [usize], mut i: usize) -> usize {
        while parent[i] != i {
            parent[i] = parent[parent[i]];
            i = parent[i];
        }
        i
    }
    for (i, r) in requests.iter().enumerate() {
        for dep in &r.depends_on {
            let j = *index.get(dep.as_str()).ok_or_else(|| {
                Error::invalid_input(
                    format!("batch[{}].dependsOn", r.id),
                    format!("'{dep}' is not the id of a request in this batch"),
                )
            })?;
            let (a, b) = (find(&mut parent, i), find(&mut parent, j));
            parent[a] = b;
        }
    }
    let mut groups: Vec<(usize, Vec<BatchRequest>)> = Vec::new();
    let mut group_of_root: HashMap<usize, usize> = HashMap::new();
    let roots: Vec<usize> = (0..requests.len()).map(|i| find(&mut parent, i)).collect();
    for (i, r) in requests.into_iter().enumerate() {
        let g = *group_of_root.entry(roots[i]).or_insert_with(|| {
            groups.push((roots[i], Vec::new()));
            groups.len() - 1
        });
        groups[g].1.push(r);
    }
    let mut chunks: Vec<Vec<BatchRequest>> = Vec::new();
    for (_, group) in groups {
        if group.len() > MAX_BATCH_SIZE {
            return Err(Error::invalid_input(
                format!("batch[{}].dependsOn", group[0].id),
                format!(
                    "a dependsOn chain of {} requests does not fit in one batch of {MAX_BATCH_SIZE}",
                    group.len()
                ),
            ));
        }
        match chunks.last_mut() {
            Some(last) if last.len() + group.len() <= MAX_BATCH_SIZE => last.extend(group),
            _ => chunks.push(group),
        }
    }
    Ok(chunks)
}

#[derive(Deserialize)]
struct BatchEnvelope {
    #[serde(default)]
    responses: Vec<BatchResponse>,
}

/// A failed round trip becomes a failed answer for each item it carried.
fn failed_items(items: &[BatchRequest], err: &Error) -> Vec<BatchResponse> {
    let code = err.code().unwrap_or("BatchRequestFailed").to_string();
    items
        .iter()
        .map(|r| BatchResponse {
            id: r.id.clone(),
            status: err.status().unwrap_or(0),
            headers: BTreeMap::new(),
            body: json!({"error": {"code": code, "message": err.to_string()}}),
        })
        .collect()
}

fn is_retryable_item(req: &BatchRequest, status: u16) -> bool {
    match status {
        429 | 503 => true,
        504 => req.is_read(),
        _ => false,
    }
}

impl GraphClient {
    /// Send any number of requests through `$batch`, 20 per round trip, and return every
    /// result by id.
    ///
    /// ```no_run
    /// # async fn run(graph: cipp_graph::GraphClient) -> Result<(), cipp_core::Error> {
    /// use cipp_graph::BatchRequest;
    /// let results = graph
    ///     .batch((0..45).map(|i| BatchRequest::get(i.to_string(), format!("/users?$top=1&$skip={i}"))))
    ///     .await?;
    /// assert_eq!(results.len(), 45);
    /// for failed in results.failures() {
    ///     eprintln!("{}: {:?}", failed.id, failed.error(graph.tenant()));
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn batch<I>(&self, requests: I) -> Result<BatchResults, Error>
    where
        I: IntoIterator<Item = BatchRequest>,
    {
        let mut seen = HashSet::new();
        let mut prepared = Vec::new();
        for (i, mut r) in requests.into_iter().enumerate() {
            if r.id.trim().is_empty() {
                return Err(Error::invalid_input(format!("batch[{i}].id"), "is empty"));
            }
            if !seen.insert(r.id.clone()) {
                return Err(Error::invalid_input(
                    format!("batch[{i}].id"),
                    format!("'{}' is used twice; ids must be unique", r.id),
                ));
            }
            if Method::from_bytes(r.method.to_ascii_uppercase().as_bytes()).is_err() {
                return Err(Error::invalid_input(
                    format!("batch[{i}].method"),
                    format!("'{}' is not an HTTP method", r.method),
                ));
            }
            r.method = r.method.to_ascii_uppercase();
            r.url = self.relative(&r.url);
            prepared.push(r);
        }
        let order: Vec<String> = prepared.iter().map(|r| r.id.clone()).collect();
        let chunks = plan_chunks(prepared)?;
        let concurrency = self.batch.concurrency.max(1);
        let outcomes: Vec<(Vec<BatchResponse>, usize)> = stream::iter(chunks)
            .map(|chunk| self.run_chunk(chunk))
            .buffer_unordered(concurrency)
            .collect()
            .await;
        let mut results = BatchResults {
            order,
            ..Default::default()
        };
        for (responses, trips) in outcomes {
            results.round_trips += trips;
            for r in responses {
                results.by_id.insert(r.id.clone(), r);
            }
        }
        if self.batch.follow_next_links {
            self.follow_next_links(&mut results).await;
        }
        Ok(results)
    }

    /// One chunk: send, then resend throttled items alone until they settle.
    async fn run_chunk(&self, chunk: Vec<BatchRequest>) -> (Vec<BatchResponse>, usize) {
        let mut done: HashMap<String, BatchResponse> = HashMap::new();
        let mut pending = chunk;
        let mut round: u32 = 0;
        let mut waited = Duration::ZERO;
        let mut trips = 0;
        loop {
            trips += 1;
            let answers = match self.send_batch(&pending).await {
                Ok(a) => a,
                Err(e) => {
                    for r in failed_items(&pending, &e) {
                        done.insert(r.id.clone(), r);
                    }
                    break;
                }
            };
            let by_id: HashMap<&str, &BatchRequest> =
                pending.iter().map(|r| (r.id.as_str(), r)).collect();
            let mut retry_ids: HashSet<String> = answers
                .iter()
                .filter(|a| {
                    by_id
                        .get(a.id.as_str())
                        .map(|r| is_retryable_item(r, a.status))
                        .unwrap_or(false)
                })
                .map(|a| a.id.clone())
                .collect();
            // A dependent answered 424 because its dependency was throttled: resend it too.
            loop {
                let more: Vec<String> = answers
                    .iter()
                    .filter(|a| a.status == 424 && !retry_ids.contains(&a.id))
                    .filter(|a| {
                        by_id
                            .get(a.id.as_str())
                            .map(|r| r.depends_on.iter().any(|d| retry_ids.contains(d)))
                            .unwrap_or(false)
                    })
                    .map(|a| a.id.clone())
                    .collect();
                if more.is_empty() {
                    break;
                }
                retry_ids.extend(more);
            }
            let retry_after = answers
                .iter()
                .filter(|a| retry_ids.contains(&a.id))
                .filter_map(BatchResponse::retry_after)
                .max();
            let wait = if retry_ids.is_empty() || round >= self.batch.max_item_retries {
                None
            } else {
                self.pipeline
                    .retry_policy()
                    .delay(0, retry_after, waited)
                    .map(|d| {
                        // Back off further on each round when the service gave no Retry-After.
                        d.max(self.pipeline.retry_policy().backoff(round))
                    })
            };
            let answered: HashSet<&str> = answers.iter().map(|a| a.id.as_str()).collect();
            let missing: Vec<BatchRequest> = pending
                .iter()
                .filter(|r| !answered.contains(r.id.as_str()))
                .cloned()
                .collect();
            for r in failed_items(
                &missing,
                &Error::invalid_input("$batch", "the service returned no answer for this id"),
            ) {
                done.insert(r.id.clone(), r);
            }
            let Some(wait) = wait else {
                for a in answers {
                    done.insert(a.id.clone(), a);
                }
                break;
            };
            for a in answers {
                if !retry_ids.contains(&a.id) {
                    done.insert(a.id.clone(), a);
                }
            }
            tracing::warn!(
                tenant = %self.tenant,
                items = retry_ids.len(),
                wait_ms = wait.as_millis() as u64,
                "throttled $batch items, resending"
            );
            tokio::time::sleep(wait).await;
            waited += wait;
            round += 1;
            pending = pending
                .into_iter()
                .filter(|r| retry_ids.contains(&r.id))
                .map(|mut r| {
                    // Dependencies that already succeeded are not in the resent chunk.
                    r.depends_on.retain(|d| retry_ids.contains(d));
                    r
                })
                .collect();
        }
        (done.into_values().collect(), trips)
    }

    /// One `$batch` round trip.
    async fn send_batch(&self, items: &[BatchRequest]) -> Result<Vec<BatchResponse>, Error> {
        let all_reads = items.iter().all(BatchRequest::is_read);
        let body = json!({ "requests": items });
        let req = self
            .service_request(Method::POST, self.url("$batch"))
            .json(&body)
            // A batch of reads changes nothing, so it may be resent after any failure.
            .idempotent(all_reads);
        let operation = req.operation();
        let resp = self.execute(req).await?;
        let env: BatchEnvelope =
            cipp_core::error::decode_json(&resp.body, &operation, self.tenant())?;
        Ok(env.responses)
    }

    /// Fetch the remaining pages of collections answered inside the batch.
    async fn follow_next_links(&self, results: &mut BatchResults) {
        loop {
            let follow: Vec<BatchRequest> = results
                .by_id
                .values()
                .filter(|r| r.status == 200)
                .filter_map(|r| {
                    let link = r.body.get("@odata.nextLink")?.as_str()?;
                    Some(BatchRequest::get(r.id.clone(), link.to_string()))
                })
                .map(|mut r| {
                    r.url = self.relative(&r.url);
                    r
                })
                .collect();
            if follow.is_empty() {
                return;
            }
            let chunks: Vec<Vec<BatchRequest>> = follow
                .chunks(MAX_BATCH_SIZE)
                .map(<[BatchRequest]>::to_vec)
                .collect();
            let outcomes: Vec<(Vec<BatchResponse>, usize)> = stream::iter(chunks)
                .map(|chunk| self.run_chunk(chunk))
                .buffer_unordered(self.batch.concurrency.max(1))
                .collect()
                .await;
            for (pages, trips) in outcomes {
                results.round_trips += trips;
                for page in pages {
                    let Some(original) = results.by_id.get_mut(&page.id) else {
                        continue;
                    };
                    let Some(obj) = original.body.as_object_mut() else {
                        continue;
                    };
                    if !page.is_success() {
                        // Keep what was read and say the rest failed, rather than loop.
                        obj.remove("@odata.nextLink");
                        original.status = page.status;
                        original.body = page.body;
                        continue;
                    }
                    if let (Some(Value::Array(into)), Some(Value::Array(more))) =
                        (obj.get_mut("value"), page.body.get("value"))
                    {
                        into.extend(more.iter().cloned());
                    }
                    match page.body.get("@odata.nextLink") {
                        Some(next) => {
                            obj.insert("@odata.nextLink".into(), next.clone());
                        }
                        None => {
                            obj.remove("@odata.nextLink");
                        }
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(chunks: &[Vec<BatchRequest>]) -> Vec<Vec<String>> {
        chunks
            .iter()
            .map(|c| c.iter().map(|r| r.id.clone()).collect())
            .collect()
    }

    #[test]
    fn chunks_of_twenty_keep_dependency_chains_together() {
        let mut reqs: Vec<BatchRequest> = (0..19)
            .map(|i| BatchRequest::get(format!("r{i}"), "/users"))
            .collect();
        reqs.push(BatchRequest::get("a", "/users"));
        reqs.push(BatchRequest::get("b", "/users").depends_on(["a"]));
        let chunks = plan_chunks(reqs).unwrap();
        let got = ids(&chunks);
        assert_eq!(got[0].len(), 19);
        assert_eq!(got[1], vec!["a".to_string(), "b".to_string()]);

        let plain: Vec<BatchRequest> = (0..45)
            .map(|i| BatchRequest::get(format!("{i}"), "/users"))
            .collect();
        let sizes: Vec<usize> = plan_chunks(plain).unwrap().iter().map(Vec::len).collect();
        assert_eq!(sizes, vec![20, 20, 5]);
    }

    #[test]
    fn unknown_dependency_and_oversized_chain_are_typed_errors() {
        let err = plan_chunks(vec![BatchRequest::get("a", "/x").depends_on(["zz"])])
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("batch[a].dependsOn") && err.contains("zz"),
            "{err}"
        );
        let chain: Vec<BatchRequest> = (0..21)
            .map(|i| {
                let r = BatchRequest::get(format!("{i}"), "/x");
                if i == 0 {
                    r
                } else {
                    r.depends_on([format!("{}", i - 1)])
                }
            })
            .collect();
        assert!(plan_chunks(chain).is_err());
    }
}
