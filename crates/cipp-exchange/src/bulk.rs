//! Many cmdlets in few round trips: Exchange's `$batch`, ten operations per call.
//!
//! Every operation gets its own result: its rows (all pages, followed inside later batches),
//! or its error. Operations Exchange throttled (429) or refused as unavailable (503) are sent
//! again after the `Retry-After` it asked for: both mean the cmdlet did not run. Nothing is
//! dropped: an operation the service did not answer is reported as failed.

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use cipp_core::{Error as CoreError, Method};
use futures::stream::{self, StreamExt};
use http::header::{HeaderName, HeaderValue};
use serde_json::{json, Value};

use crate::client::ExchangeClient;
use crate::cmdlet::{cmdlet_error, read_page, Cmdlet, CmdletOutput, PREFER_PAGE};
use crate::error::{CmdletError, ExchangeError};

/// Operations per `$batch` (Exchange's limit).
pub const BATCH_SIZE: usize = 10;
/// How often a throttled operation is sent again before it is reported as throttled.
const MAX_ITEM_RETRIES: u32 = 4;
/// Wait before resending a throttled operation when Exchange names no delay.
const DEFAULT_ITEM_WAIT: Duration = Duration::from_secs(2);
/// Longest wait honoured between resends.
const MAX_ITEM_WAIT: Duration = Duration::from_secs(60);
/// Batches of one tenant in flight at once.
const CONCURRENT_BATCHES: usize = 3;

/// The result of one operation of a bulk call.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct OperationResult {
    /// The operation's id (given with [`Cmdlet::id`] or its 1-based position).
    pub id: String,
    /// The cmdlet.
    pub cmdlet: String,
    /// Its rows and warnings, or the error Exchange gave.
    pub outcome: Result<CmdletOutput, CmdletError>,
}

impl OperationResult {
    /// `true` when the cmdlet succeeded.
    pub fn is_success(&self) -> bool {
        self.outcome.is_ok()
    }
}

/// The results of a bulk call, in the order the operations were given.
#[derive(Debug, Clone, Default, PartialEq)]
#[non_exhaustive]
pub struct BulkResult {
    /// One entry per operation.
    pub operations: Vec<OperationResult>,
    /// `$batch` calls sent (resends and continuation pages included).
    pub round_trips: u32,
}

impl BulkResult {
    /// The operations that failed.
    pub fn failures(&self) -> impl Iterator<Item = &OperationResult> {
        self.operations.iter().filter(|o| !o.is_success())
    }

    /// The result of operation `id`.
    pub fn get(&self, id: &str) -> Option<&OperationResult> {
        self.operations.iter().find(|o| o.id == id)
    }

    /// `{"operations": [{"id", "cmdlet", "success", "rows", "warnings"} | {"id", "cmdlet",
    /// "success": false, "error": {"message", "exception_type", "code", "status", "target"}}],
    /// "round_trips"}`: the shape the CLI prints and the bindings return.
    pub fn to_json(&self) -> Value {
        let operations: Vec<Value> = self
            .operations
            .iter()
            .map(|o| match &o.outcome {
                Ok(out) => json!({"id": o.id, "cmdlet": o.cmdlet, "success": true,
                    "rows": out.rows, "warnings": out.warnings}),
                Err(e) => json!({"id": o.id, "cmdlet": o.cmdlet, "success": false,
                    "error": {"message": e.message, "exception_type": e.exception_type,
                        "code": e.code, "status": e.status, "target": e.target}}),
            })
            .collect();
        json!({"operations": operations, "round_trips": self.round_trips})
    }
}

/// One sub-request still to send: operation index and the URL to post to.
#[derive(Debug, Clone)]
struct Pending {
    op: usize,
    url: String,
    attempt: u32,
}

/// The state of one operation while the bulk call runs.
#[derive(Debug)]
struct OpState {
    output: CmdletOutput,
    error: Option<CmdletError>,
    done: bool,
}

impl ExchangeClient {
    /// Operations from JSON: `[{"cmdlet": "Set-Mailbox", "parameters": {...}, "id": "...",
    /// "select": [...]}]` (what the CLI's bulk file and the bindings take).
    pub fn operations_from_json(&self, operations: Value) -> Result<Vec<Cmdlet>, ExchangeError> {
        let Value::Array(items) = operations else {
            return Err(ExchangeError::invalid(
                "operations",
                "expected an array of {cmdlet, parameters, id, select} objects",
            ));
        };
        items
            .into_iter()
            .enumerate()
            .map(|(i, item)| {
                let name = item.get("cmdlet").and_then(Value::as_str).ok_or_else(|| {
                    ExchangeError::invalid(format!("operations[{i}].cmdlet"), "missing or not text")
                })?;
                let mut op = self
                    .cmdlet(name)
                    .params(item.get("parameters").cloned().unwrap_or(Value::Null))?;
                match item.get("id") {
                    Some(Value::String(id)) => op = op.id(id.as_str()),
                    None | Some(Value::Null) => {}
                    Some(_) => {
                        return Err(ExchangeError::invalid(
                            format!("operations[{i}].id"),
                            "not text",
                        ))
                    }
                }
                match item.get("select") {
                    Some(Value::Array(sel)) => op = op.select(sel.iter().filter_map(Value::as_str)),
                    None | Some(Value::Null) => {}
                    Some(_) => {
                        return Err(ExchangeError::invalid(
                            format!("operations[{i}].select"),
                            "not a list of property names",
                        ))
                    }
                }
                Ok(op)
            })
            .collect()
    }

    /// Run many cmdlets in as few round trips as Exchange allows.
    ///
    /// ```no_run
    /// # async fn run(exo: cipp_exchange::ExchangeClient) -> Result<(), cipp_exchange::ExchangeError> {
    /// let ops = ["adele@alpha.example", "bob@alpha.example"].map(|upn| {
    ///     exo.cmdlet("Set-Mailbox").id(upn).param("Identity", upn).param("AuditEnabled", true)
    /// });
    /// let result = exo.bulk(ops).await?;
    /// for failed in result.failures() {
    ///     eprintln!("{}: {:?}", failed.id, failed.outcome);
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn bulk(
        &self,
        operations: impl IntoIterator<Item = Cmdlet>,
    ) -> Result<BulkResult, ExchangeError> {
        let mut ops: Vec<Cmdlet> = operations.into_iter().collect();
        let mut seen = HashSet::new();
        for (i, op) in ops.iter_mut().enumerate() {
            if op.id.is_none() {
                op.id = Some((i + 1).to_string());
            }
            let id = op.id.clone().unwrap_or_default();
            if id.is_empty() || !seen.insert(id.clone()) {
                return Err(ExchangeError::invalid(
                    format!("operations[{i}].id"),
                    format!("'{id}' is empty or used by an earlier operation"),
                ));
            }
            if op.client.tenant != self.tenant {
                return Err(ExchangeError::invalid(
                    format!("operations[{i}]"),
                    format!(
                        "built for tenant '{}', but this bulk call runs in '{}'",
                        op.client.tenant, self.tenant
                    ),
                ));
            }
        }
        let mut result = BulkResult::default();
        if ops.is_empty() {
            return Ok(result);
        }
        let base = self.base().await?;
        let guid = self.tenant_guid().await?;
        let batch_url = format!("{base}/adminapi/beta/{guid}/$batch");
        let system_anchor = self
            .anchor_header(&crate::Anchor::SystemMailbox, "")
            .await?;
        let mut anchors = Vec::with_capacity(ops.len());
        for op in &ops {
            anchors.push(self.anchor_header(&op.anchor, &op.name).await?);
        }
        let mut states: Vec<OpState> = ops
            .iter()
            .map(|_| OpState {
                output: CmdletOutput::default(),
                error: None,
                done: false,
            })
            .collect();
        let mut pending: Vec<Pending> = ops
            .iter()
            .enumerate()
            .map(|(op, c)| Pending {
                op,
                url: c.url(&base, &guid),
                attempt: 0,
            })
            .collect();

        while !pending.is_empty() {
            let chunks: Vec<Vec<Pending>> = pending.chunks(BATCH_SIZE).map(<[_]>::to_vec).collect();
            pending = Vec::new();
            let answers: Vec<(Vec<Pending>, Result<Value, CoreError>)> = stream::iter(chunks)
                .map(|chunk| {
                    let body = batch_body(&ops, &anchors, &chunk);
                    let req = self
                        .request(Method::POST, batch_url.clone())
                        .json(&body)
                        // A batch of reads may be resent; one with a write may not.
                        .idempotent(chunk.iter().all(|p| ops[p.op].is_read()))
                        .header(
                            HeaderName::from_static("x-anchormailbox"),
                            system_anchor.clone(),
                        )
                        .header(
                            HeaderName::from_static("prefer"),
                            HeaderValue::from_static(
                                "odata.maxpagesize=1000;odata.continue-on-error",
                            ),
                        )
                        .header(
                            HeaderName::from_static("parameter-based-routing"),
                            HeaderValue::from_static("True"),
                        );
                    async move {
                        let answer = self.send(req).await.and_then(|resp| {
                            serde_json::from_slice::<Value>(&resp.body).map_err(|e| {
                                CoreError::Decode {
                                    operation: "POST $batch".into(),
                                    tenant: self.tenant.clone(),
                                    path: ".".into(),
                                    message: e.to_string(),
                                }
                            })
                        });
                        (chunk, answer)
                    }
                })
                .buffer_unordered(CONCURRENT_BATCHES)
                .collect()
                .await;
            let mut wait = Duration::ZERO;
            for (chunk, answer) in answers {
                result.round_trips += 1;
                let body = match answer {
                    Ok(b) => b,
                    Err(e) => {
                        // The whole call failed: every operation in it carries the failure.
                        for p in &chunk {
                            let st = &mut states[p.op];
                            st.error = Some(as_cmdlet_error(&ops[p.op].name, &self.tenant, &e));
                            st.done = true;
                        }
                        continue;
                    }
                };
                let responses: HashMap<String, &Value> = body
                    .get("responses")
                    .and_then(Value::as_array)
                    .map(|rs| {
                        rs.iter()
                            .filter_map(|r| Some((r.get("id")?.as_str()?.to_string(), r)))
                            .collect()
                    })
                    .unwrap_or_default();
                for p in chunk {
                    let op = &ops[p.op];
                    let id = op.id.as_deref().unwrap_or_default();
                    let st = &mut states[p.op];
                    let Some(r) = responses.get(id) else {
                        st.error = Some(missing(op, &self.tenant));
                        st.done = true;
                        continue;
                    };
                    let status = r
                        .get("status")
                        .and_then(Value::as_u64)
                        .and_then(|s| u16::try_from(s).ok())
                        .unwrap_or(0);
                    let item_body = r.get("body").cloned().unwrap_or(Value::Null);
                    if (200..300).contains(&status) {
                        match read_page(&item_body, &mut st.output) {
                            Some(next) => {
                                match cipp_core::http::same_origin(&p.url, &next).then_some(next) {
                                    Some(url) => pending.push(Pending {
                                        op: p.op,
                                        url,
                                        attempt: 0,
                                    }),
                                    None => {
                                        st.error = Some(item_error(
                                            op,
                                            &self.tenant,
                                            status,
                                            "the next page is on another host",
                                        ));
                                        st.done = true;
                                    }
                                }
                            }
                            None => st.done = true,
                        }
                        st.output.pages += 1;
                    } else if matches!(status, 429 | 503) && p.attempt < MAX_ITEM_RETRIES {
                        wait = wait.max(item_retry_after(r));
                        pending.push(Pending {
                            attempt: p.attempt + 1,
                            ..p
                        });
                    } else {
                        st.error = Some(
                            CmdletError::from_body(
                                &op.name,
                                &self.tenant,
                                Some(status),
                                &item_body,
                            )
                            .unwrap_or_else(|| {
                                item_error(op, &self.tenant, status, "the operation failed")
                            }),
                        );
                        st.done = true;
                    }
                }
            }
            if !pending.is_empty() && !wait.is_zero() {
                tracing::debug!(tenant = %self.tenant, wait_ms = wait.as_millis() as u64, resend = pending.len(), "Exchange throttled bulk operations");
                tokio::time::sleep(wait.min(MAX_ITEM_WAIT)).await;
            }
        }

        result.operations = ops
            .iter()
            .zip(states)
            .map(|(op, st)| OperationResult {
                id: op.id.clone().unwrap_or_default(),
                cmdlet: op.name.clone(),
                outcome: match st.error {
                    Some(e) => Err(e),
                    None => Ok(st.output),
                },
            })
            .collect();
        Ok(result)
    }
}

/// `{"requests":[{id, method, url, body, headers}, ...]}` for one chunk.
fn batch_body(ops: &[Cmdlet], anchors: &[HeaderValue], chunk: &[Pending]) -> Value {
    let requests: Vec<Value> = chunk
        .iter()
        .map(|p| {
            let op = &ops[p.op];
            json!({
                "id": op.id,
                "method": "POST",
                "url": p.url,
                "body": op.body(),
                "headers": {
                    "Content-Type": "application/json",
                    "Prefer": PREFER_PAGE,
                    "X-AnchorMailbox": anchors[p.op].to_str().unwrap_or_default(),
                    "X-CmdletName": op.name,
                    "parameter-based-routing": true,
                },
            })
        })
        .collect();
    json!({ "requests": requests })
}

fn item_retry_after(response: &Value) -> Duration {
    response
        .get("headers")
        .and_then(Value::as_object)
        .and_then(|h| {
            h.iter()
                .find(|(k, _)| k.eq_ignore_ascii_case("retry-after"))
                .map(|(_, v)| v)
        })
        .and_then(|v| match v {
            Value::String(s) => cipp_core::http::parse_retry_after(s),
            Value::Number(n) => n.as_f64().map(Duration::from_secs_f64),
            _ => None,
        })
        .unwrap_or(DEFAULT_ITEM_WAIT)
}

fn item_error(op: &Cmdlet, tenant: &str, status: u16, message: &str) -> CmdletError {
    CmdletError {
        cmdlet: op.name.clone(),
        tenant: tenant.to_string(),
        status: (status != 0).then_some(status),
        message: message.to_string(),
        exception_type: None,
        code: None,
        target: None,
        request_id: None,
    }
}

fn missing(op: &Cmdlet, tenant: &str) -> CmdletError {
    item_error(
        op,
        tenant,
        0,
        "Exchange's batch answer has no response for this operation; it may or may not have run",
    )
}

/// A failure of a whole batch call, recorded against each of its operations.
fn as_cmdlet_error(cmdlet: &str, tenant: &str, e: &CoreError) -> CmdletError {
    if let CoreError::Service(s) = e {
        if let ExchangeError::Cmdlet(c) =
            cmdlet_error(cmdlet, tenant, CoreError::Service(s.clone()))
        {
            return *c;
        }
    }
    CmdletError {
        cmdlet: cmdlet.to_string(),
        tenant: tenant.to_string(),
        status: e.status(),
        message: match e {
            CoreError::Service(s) => s.message.clone(),
            _ => e.to_string(),
        },
        exception_type: None,
        code: e.code().map(str::to_string),
        target: None,
        request_id: None,
    }
}
