//! Collection: read the asked cache types of a tenant in as few round trips as the services
//! allow. Graph reads share `$batch` calls (20 per round trip, pages followed), Exchange reads
//! share one bulk call (10 cmdlets per round trip; Security & Compliance reads share another, on
//! the tenant's regional compliance host), SharePoint and Teams reads run beside them.
//! Licence gates are checked against the tenant's subscribed service plans, read first in the
//! same batch as the ungated Graph types. Fan-out types (one read per object of a parent type,
//! see [`FanOutSource`]) come last: their parents are read with everything else, then every
//! per-object read of every fan-out type shares the same Graph `$batch` and Exchange bulk calls.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use cipp_core::Pipeline;
use cipp_exchange::{ExchangeCache, ExchangeClient};
use cipp_graph::{BatchRequest, GraphClient};
use cipp_sharepoint::SharePointClient;
use cipp_teams::TeamsClient;
use futures::stream::{self, StreamExt};
use serde_json::Value;

use crate::error::SnapshotError;
use crate::registry::{
    CacheType, FanOutRequest, FanOutSource, Registry, Source, PARENT_KEY_FIELD, TENANT_ID_TOKEN,
};
use crate::snapshot::{Snapshot, Status, TypeSnapshot};

/// Failed objects named in a fan-out type's error before the rest are only counted.
const FAILURES_NAMED: usize = 3;

/// The cache type the licence gates are checked against.
pub const LICENCE_TYPE: &str = "SubscribedSkus";

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// Reads cache types from tenants. Cheap to clone.
///
/// ```no_run
/// # async fn run(pipeline: cipp_core::Pipeline) -> Result<(), cipp_snapshot::SnapshotError> {
/// let collector = cipp_snapshot::Collector::new(pipeline);
/// let snap = collector
///     .collect("alpha.onmicrosoft.com", &["Users", "AuthorizationPolicy", "ExoOrganizationConfig"])
///     .await?;
/// for (name, failed) in snap.failures() {
///     eprintln!("{name}: {:?}", failed.error);
/// }
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct Collector {
    pipeline: Pipeline,
    registry: Registry,
    exchange_cache: Arc<ExchangeCache>,
}

impl Collector {
    /// A collector with the shipped registry.
    pub fn new(pipeline: Pipeline) -> Self {
        Collector {
            pipeline,
            registry: Registry::builtin().clone(),
            exchange_cache: ExchangeCache::new(),
        }
    }

    /// Use another registry.
    pub fn with_registry(mut self, registry: Registry) -> Self {
        self.registry = registry;
        self
    }

    /// Share Exchange discoveries with other clients.
    pub fn with_exchange_cache(mut self, cache: Arc<ExchangeCache>) -> Self {
        self.exchange_cache = cache;
        self
    }

    /// The registry in use.
    pub fn registry(&self) -> &Registry {
        &self.registry
    }

    /// Read `types` (registry names, any case) from `tenant`. Unknown names are refused before
    /// anything is sent. A type whose read fails is recorded as failed, never as empty.
    pub async fn collect(&self, tenant: &str, types: &[&str]) -> Result<Snapshot, SnapshotError> {
        let mut wanted: Vec<&CacheType> = Vec::new();
        for name in types {
            let t = self
                .registry
                .get(name)
                .ok_or_else(|| SnapshotError::UnknownType((*name).to_string()))?;
            if !wanted.iter().any(|w| w.name == t.name) {
                wanted.push(t);
            }
        }
        // A fan-out type needs its parent's rows: read the parent too, and drop it from the
        // snapshot afterwards unless it was asked for.
        let mut helpers: Vec<String> = Vec::new();
        for i in 0..wanted.len() {
            let Source::FanOut(fan) = &wanted[i].source else {
                continue;
            };
            let parent = self.registry.get(&fan.parent).ok_or_else(|| {
                SnapshotError::Registry(format!(
                    "fan-out cache type '{}': its parent '{}' is not in the registry",
                    wanted[i].name, fan.parent
                ))
            })?;
            if !wanted.iter().any(|w| w.name == parent.name) {
                helpers.push(parent.name.clone());
                wanted.push(parent);
            }
        }
        let started = now();
        let mut snapshot = Snapshot {
            tenant: tenant.to_string(),
            collected_at: started,
            round_trips: 0,
            types: BTreeMap::new(),
        };
        let gated = wanted.iter().any(|t| !t.gate.is_empty());
        let licence = self.registry.get(LICENCE_TYPE).filter(|_| gated);

        // Wave one: ungated Graph reads, with the licence read when a gate needs it.
        let mut first: Vec<&CacheType> = wanted
            .iter()
            .copied()
            .filter(|t| t.gate.is_empty() && matches!(t.source, Source::Graph(_)))
            .collect();
        if let Some(l) = licence {
            if !first.iter().any(|t| t.name == l.name) {
                first.push(l);
            }
        }
        self.graph_wave(tenant, &first, &mut snapshot).await;
        let plans = licence.map(|_| snapshot.service_plans());
        if gated && !wanted.iter().any(|t| t.name == LICENCE_TYPE) {
            snapshot.types.remove(LICENCE_TYPE);
        }

        // Wave two: everything else the tenant is licensed for.
        let mut rest: Vec<&CacheType> = Vec::new();
        for t in wanted
            .iter()
            .copied()
            .filter(|t| !first.iter().any(|f| f.name == t.name))
        {
            match (&plans, t.gate.is_empty()) {
                (_, true) => rest.push(t),
                (Some(Ok(plans)), false) => {
                    if t.gate
                        .iter()
                        .any(|g| plans.contains(&g.to_ascii_uppercase()))
                    {
                        rest.push(t);
                    } else {
                        snapshot
                            .types
                            .insert(t.name.clone(), TypeSnapshot::not_licensed(&t.gate, now()));
                    }
                }
                (Some(Err(why)), false) => {
                    snapshot.types.insert(
                        t.name.clone(),
                        TypeSnapshot::failed(format!("licence check failed: {why}"), now()),
                    );
                }
                (None, false) => rest.push(t),
            }
        }
        let graph: Vec<&CacheType> = rest
            .iter()
            .copied()
            .filter(|t| matches!(t.source, Source::Graph(_)))
            .collect();
        let exchange: Vec<&CacheType> = rest
            .iter()
            .copied()
            .filter(|t| matches!(t.source, Source::Exchange(_)))
            .collect();
        let others: Vec<&CacheType> = rest
            .iter()
            .copied()
            .filter(|t| {
                matches!(
                    t.source,
                    Source::Sharepoint(_) | Source::Teams(_) | Source::TeamsPlatform(_)
                )
            })
            .collect();
        let mut graph_part = Snapshot {
            types: BTreeMap::new(),
            round_trips: 0,
            ..snapshot.clone()
        };
        let mut exchange_part = graph_part.clone();
        let mut other_part = graph_part.clone();
        futures::join!(
            self.graph_wave(tenant, &graph, &mut graph_part),
            self.exchange_wave(tenant, &exchange, &mut exchange_part),
            self.admin_wave(tenant, &others, &mut other_part),
        );
        for part in [graph_part, exchange_part, other_part] {
            snapshot.round_trips += part.round_trips;
            snapshot.types.extend(part.types);
        }

        // Wave three: the per-object reads, once their parents are in.
        let fan_outs: Vec<&CacheType> = rest
            .iter()
            .copied()
            .filter(|t| matches!(t.source, Source::FanOut(_)))
            .collect();
        if !fan_outs.is_empty() {
            let (entries, trips) = self.fan_out_wave(tenant, &fan_outs, &snapshot).await;
            snapshot.round_trips += trips;
            snapshot.types.extend(entries);
        }
        for name in helpers {
            snapshot.types.remove(&name);
        }
        Ok(snapshot)
    }

    /// Read many tenants, `concurrency` at a time; each tenant's outcome on its own (one
    /// unreachable tenant does not stop the others). Results come in completion order.
    pub async fn collect_many(
        &self,
        tenants: &[String],
        types: &[&str],
        concurrency: usize,
    ) -> Vec<(String, Result<Snapshot, SnapshotError>)> {
        stream::iter(tenants.iter().cloned())
            .map(|t| async move {
                let r = self.collect(&t, types).await;
                (t, r)
            })
            .buffer_unordered(concurrency.max(1))
            .collect()
            .await
    }

    async fn graph_wave(&self, tenant: &str, types: &[&CacheType], snapshot: &mut Snapshot) {
        // Paths that name the tenant by GUID (`organization/{tenantId}/...`) need it resolved
        // first: once per tenant, cached by the pipeline. Without it those types fail.
        let needs_id = types.iter().any(|t| match &t.source {
            Source::Graph(g) => g.path.contains(TENANT_ID_TOKEN),
            _ => false,
        });
        let tenant_id = if needs_id {
            Some(self.pipeline.resolve_tenant(tenant).await)
        } else {
            None
        };
        let mut by_version: BTreeMap<&str, Vec<&CacheType>> = BTreeMap::new();
        for t in types {
            if let Source::Graph(g) = &t.source {
                if let (true, Some(Err(e))) = (g.path.contains(TENANT_ID_TOKEN), &tenant_id) {
                    let why = format!("the tenant id for {} could not be resolved: {e}", g.path);
                    snapshot
                        .types
                        .insert(t.name.clone(), TypeSnapshot::failed(why, now()));
                    continue;
                }
                by_version.entry(g.version.as_str()).or_default().push(t);
            }
        }
        let id = tenant_id.and_then(Result::ok).unwrap_or_default();
        for (version, types) in by_version {
            let base = GraphClient::new(self.pipeline.clone(), tenant);
            let client = if version == "v1.0" {
                base.v1()
            } else {
                base.beta()
            };
            let requests = types.iter().filter_map(|t| {
                let Source::Graph(g) = &t.source else {
                    return None;
                };
                let path = g.path.replace(TENANT_ID_TOKEN, &id);
                let url = match &g.query {
                    Some(q) => format!("/{path}?{q}"),
                    None => format!("/{path}"),
                };
                let req = BatchRequest::get(t.name.clone(), url);
                Some(if g.consistency {
                    req.with_header("ConsistencyLevel", "eventual")
                } else {
                    req
                })
            });
            match client.batch(requests).await {
                Ok(results) => {
                    snapshot.round_trips += results.round_trips() as u64;
                    for t in &types {
                        let entry = match results.get(&t.name) {
                            Some(r) if r.is_success() => {
                                TypeSnapshot::complete(graph_rows(&batch_body(r)), now())
                            }
                            Some(r) => TypeSnapshot::failed(
                                r.error(tenant)
                                    .map(|e| e.to_string())
                                    .unwrap_or_else(|| format!("HTTP {}", r.status)),
                                now(),
                            ),
                            None => TypeSnapshot::failed("no answer in the batch", now()),
                        };
                        snapshot.types.insert(t.name.clone(), entry);
                    }
                }
                Err(e) => {
                    for t in &types {
                        snapshot
                            .types
                            .insert(t.name.clone(), TypeSnapshot::failed(e.to_string(), now()));
                    }
                }
            }
        }
    }

    /// Exchange Online reads in one bulk call and Security & Compliance reads in another,
    /// side by side (each admin API takes its own `$batch`).
    async fn exchange_wave(&self, tenant: &str, types: &[&CacheType], snapshot: &mut Snapshot) {
        let (compliance, online): (Vec<&CacheType>, Vec<&CacheType>) = types
            .iter()
            .copied()
            .partition(|t| matches!(&t.source, Source::Exchange(x) if x.compliance));
        let mut compliance_part = Snapshot {
            types: BTreeMap::new(),
            round_trips: 0,
            ..snapshot.clone()
        };
        futures::join!(
            self.exchange_bulk(tenant, &online, false, snapshot),
            self.exchange_bulk(tenant, &compliance, true, &mut compliance_part),
        );
        snapshot.round_trips += compliance_part.round_trips;
        snapshot.types.extend(compliance_part.types);
    }

    async fn exchange_bulk(
        &self,
        tenant: &str,
        types: &[&CacheType],
        compliance: bool,
        snapshot: &mut Snapshot,
    ) {
        if types.is_empty() {
            return;
        }
        let builder = ExchangeClient::builder(self.pipeline.clone(), tenant)
            .cache(self.exchange_cache.clone());
        let exo = if compliance {
            builder.compliance().build()
        } else {
            builder.build()
        };
        let ops = types.iter().filter_map(|t| {
            let Source::Exchange(x) = &t.source else {
                return None;
            };
            exo.cmdlet(x.cmdlet.clone())
                .id(t.name.clone())
                .params(Value::Object(x.parameters.clone()))
                .ok()
        });
        match exo.bulk(ops).await {
            Ok(result) => {
                for t in types {
                    let entry = match result.get(&t.name).map(|o| &o.outcome) {
                        Some(Ok(out)) => TypeSnapshot::complete(out.rows.clone(), now()),
                        Some(Err(e)) => TypeSnapshot::failed(e.to_string(), now()),
                        None => TypeSnapshot::failed("the cmdlet's parameters were refused", now()),
                    };
                    snapshot.types.insert(t.name.clone(), entry);
                }
            }
            Err(e) => {
                for t in types {
                    snapshot
                        .types
                        .insert(t.name.clone(), TypeSnapshot::failed(e.to_string(), now()));
                }
            }
        }
        snapshot.round_trips += exo.round_trips();
    }

    async fn admin_wave(&self, tenant: &str, types: &[&CacheType], snapshot: &mut Snapshot) {
        let spo = SharePointClient::new(self.pipeline.clone(), tenant);
        let teams = TeamsClient::new(self.pipeline.clone(), tenant);
        let mut spo_used = false;
        let mut teams_used = false;
        for t in types {
            let read = match &t.source {
                Source::Sharepoint(_) => {
                    spo_used = true;
                    snapshot.round_trips += 1;
                    spo.tenant_settings()
                        .await
                        .map(|s| vec![Value::Object(s.properties)])
                        .map_err(|e| e.to_string())
                }
                Source::Teams(x) => {
                    teams_used = true;
                    snapshot.round_trips += 1;
                    teams
                        .get(&x.kind, Some(&x.identity))
                        .await
                        .map(|v| vec![v])
                        .map_err(|e| e.to_string())
                }
                Source::TeamsPlatform(list) => {
                    teams_used = true;
                    snapshot.round_trips += 1;
                    match list.as_str() {
                        "ApplicationInstances" => {
                            teams.application_instances().await.map_err(|e| {
                                format!("Teams.PlatformService/v2/ApplicationInstances: {e}")
                            })
                        }
                        other => Err(format!(
                            "the Teams platform list '{other}' is not one the collector reads \
                             (ApplicationInstances)"
                        )),
                    }
                }
                _ => continue,
            };
            let entry = match read {
                Ok(rows) => TypeSnapshot::complete(rows, now()),
                Err(e) => TypeSnapshot::failed(e, now()),
            };
            snapshot.types.insert(t.name.clone(), entry);
        }
        // One discovery each: the SharePoint name, the Teams service location.
        snapshot.round_trips += u64::from(spo_used) + u64::from(teams_used);
    }
}

/// One fan-out type's reads, as they come back.
struct Tally {
    name: String,
    requests: u64,
    rows: Vec<Value>,
    failures: Vec<String>,
    /// Settled before any read (the parent failed or is unlicensed).
    settled: Option<TypeSnapshot>,
}

impl Tally {
    fn finish(self) -> (String, TypeSnapshot) {
        let entry = match self.settled {
            Some(entry) => entry,
            None if self.failures.is_empty() => {
                TypeSnapshot::complete(self.rows, now()).with_requests(self.requests)
            }
            None => {
                let mut why = format!(
                    "{} of {} per-object reads failed: {}",
                    self.failures.len(),
                    self.requests,
                    self.failures
                        .iter()
                        .take(FAILURES_NAMED)
                        .cloned()
                        .collect::<Vec<_>>()
                        .join("; ")
                );
                if self.failures.len() > FAILURES_NAMED {
                    why.push_str(&format!(
                        "; and {} more",
                        self.failures.len() - FAILURES_NAMED
                    ));
                }
                TypeSnapshot::failed(why, now()).with_requests(self.requests)
            }
        };
        (self.name, entry)
    }
}

/// `row` with the parent's key on it (a bare value is wrapped as `{"value": ...}`).
fn keyed(row: Value, key: &str) -> Value {
    let mut obj = match row {
        Value::Object(m) => m,
        other => {
            let mut m = serde_json::Map::new();
            m.insert("value".into(), other);
            m
        }
    };
    obj.remove("@odata.context");
    obj.insert(PARENT_KEY_FIELD.into(), Value::String(key.to_string()));
    Value::Object(obj)
}

/// A parent row's key as text (text or a number), if it has one.
fn key_of(row: &Value, field: &str) -> Option<String> {
    match &row[field] {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

impl Collector {
    /// Read every object of every fan-out type in `types`, their parents already in
    /// `parents`. Graph reads of one version share one `$batch` call (20 per round trip, a
    /// few in flight), Exchange reads one bulk call (10 per round trip, a few in flight).
    /// Returns the entries and the round trips taken.
    async fn fan_out_wave(
        &self,
        tenant: &str,
        types: &[&CacheType],
        parents: &Snapshot,
    ) -> (Vec<(String, TypeSnapshot)>, u64) {
        let exo = ExchangeClient::builder(self.pipeline.clone(), tenant)
            .cache(self.exchange_cache.clone())
            .build();
        let mut tallies: Vec<Tally> = Vec::new();
        // Request id -> (tally, object key).
        let mut owners: HashMap<String, (usize, String)> = HashMap::new();
        let mut graph: BTreeMap<String, Vec<BatchRequest>> = BTreeMap::new();
        let mut exchange = Vec::new();
        for t in types {
            let Source::FanOut(fan) = &t.source else {
                continue;
            };
            let at = tallies.len();
            let mut tally = Tally {
                name: t.name.clone(),
                requests: 0,
                rows: Vec::new(),
                failures: Vec::new(),
                settled: None,
            };
            let parent = parents.get(&fan.parent);
            let rows = match parent.map(|p| p.status) {
                Some(Status::Complete) => parent.map(|p| p.rows.as_slice()).unwrap_or(&[]),
                Some(Status::NotLicensed) => {
                    let gate = self
                        .registry
                        .get(&fan.parent)
                        .map(|p| p.gate.clone())
                        .unwrap_or_default();
                    tally.settled = Some(TypeSnapshot::not_licensed(&gate, now()));
                    tallies.push(tally);
                    continue;
                }
                Some(Status::Failed) => {
                    let why = parent.and_then(|p| p.error.clone()).unwrap_or_default();
                    tally.settled = Some(TypeSnapshot::failed(
                        format!("its parent {} could not be read: {why}", fan.parent),
                        now(),
                    ));
                    tallies.push(tally);
                    continue;
                }
                None => {
                    tally.settled = Some(TypeSnapshot::failed(
                        format!("its parent {} was not read", fan.parent),
                        now(),
                    ));
                    tallies.push(tally);
                    continue;
                }
            };
            for (i, row) in rows.iter().enumerate().filter(|(_, r)| fan.selects(r)) {
                let Some(key) = key_of(row, &fan.key) else {
                    tally.failures.push(format!(
                        "{} row {i} has no {} to read it by",
                        fan.parent, fan.key
                    ));
                    continue;
                };
                let id = format!("{at}.{i}");
                match child_request(&exo, fan, row, &id) {
                    Ok(ChildRequest::Graph(version, request)) => {
                        graph.entry(version).or_default().push(request);
                    }
                    Ok(ChildRequest::Exchange(op)) => exchange.push((id.clone(), op)),
                    Err(why) => {
                        tally.failures.push(format!("{key}: {why}"));
                        continue;
                    }
                }
                tally.requests += 1;
                owners.insert(id, (at, key));
            }
            tallies.push(tally);
        }

        let mut trips = 0u64;
        for (version, requests) in graph {
            let ids: Vec<String> = requests.iter().map(|r| r.id.clone()).collect();
            let base = GraphClient::new(self.pipeline.clone(), tenant);
            let client = if version == "v1.0" {
                base.v1()
            } else {
                base.beta()
            };
            let results = client.batch(requests).await;
            if let Ok(r) = &results {
                trips += r.round_trips() as u64;
            }
            for id in ids {
                let Some((at, key)) = owners.get(&id) else {
                    continue;
                };
                let Some(tally) = tallies.get_mut(*at) else {
                    continue;
                };
                match results.as_ref().map(|r| r.get(&id)) {
                    Ok(Some(r)) if r.is_success() => tally
                        .rows
                        .extend(graph_rows(&r.body).into_iter().map(|row| keyed(row, key))),
                    Ok(Some(r)) => tally.failures.push(format!(
                        "{key}: {}",
                        r.error(tenant)
                            .map(|e| e.to_string())
                            .unwrap_or_else(|| format!("HTTP {}", r.status))
                    )),
                    Ok(None) => tally
                        .failures
                        .push(format!("{key}: no answer in the batch")),
                    Err(e) => tally.failures.push(format!("{key}: {e}")),
                }
            }
        }
        if !exchange.is_empty() {
            let (ids, ops): (Vec<String>, Vec<cipp_exchange::Cmdlet>) =
                exchange.into_iter().unzip();
            let results = exo.bulk(ops).await;
            for id in ids {
                let Some((at, key)) = owners.get(&id) else {
                    continue;
                };
                let Some(tally) = tallies.get_mut(*at) else {
                    continue;
                };
                match results.as_ref().map(|r| r.get(&id).map(|o| &o.outcome)) {
                    Ok(Some(Ok(out))) => tally
                        .rows
                        .extend(out.rows.iter().cloned().map(|row| keyed(row, key))),
                    Ok(Some(Err(e))) => tally.failures.push(format!("{key}: {e}")),
                    Ok(None) => tally
                        .failures
                        .push(format!("{key}: no answer in the bulk call")),
                    Err(e) => tally.failures.push(format!("{key}: {e}")),
                }
            }
            trips += exo.round_trips();
        }
        (tallies.into_iter().map(Tally::finish).collect(), trips)
    }
}

/// One object's read, built from its parent row.
enum ChildRequest {
    /// A Graph request, with its API version.
    Graph(String, BatchRequest),
    /// An Exchange cmdlet.
    Exchange(cipp_exchange::Cmdlet),
}

fn child_request(
    exo: &ExchangeClient,
    fan: &FanOutSource,
    row: &Value,
    id: &str,
) -> Result<ChildRequest, String> {
    match &fan.request {
        FanOutRequest::Graph(g) => {
            let path = FanOutSource::fill(&g.path, row, true)?;
            let url = match &g.query {
                Some(q) => format!("/{path}?{}", FanOutSource::fill(q, row, true)?),
                None => format!("/{path}"),
            };
            let req = BatchRequest::get(id, url);
            let req = if g.consistency {
                req.with_header("ConsistencyLevel", "eventual")
            } else {
                req
            };
            Ok(ChildRequest::Graph(g.version.clone(), req))
        }
        FanOutRequest::Exchange(x) => {
            let mut params = serde_json::Map::new();
            for (name, value) in &x.parameters {
                let filled = match value {
                    Value::String(template) => {
                        Value::String(FanOutSource::fill(template, row, false)?)
                    }
                    other => other.clone(),
                };
                params.insert(name.clone(), filled);
            }
            exo.cmdlet(x.cmdlet.clone())
                .id(id)
                .params(Value::Object(params))
                .map(ChildRequest::Exchange)
                .map_err(|e| e.to_string())
        }
    }
}

/// A Graph answer as rows: a collection's items, or the single object.
/// The body of a batch answer, with a non-JSON body (a stream property such as branding's
/// `customCSS`, `text/css`) as its text: Graph sends such bodies base64-encoded inside the
/// batch; text that is not base64 is kept as it came.
fn batch_body(r: &cipp_graph::BatchResponse) -> Value {
    use base64::Engine as _;
    let json = r
        .headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("content-type"))
        .is_none_or(|(_, v)| v.to_ascii_lowercase().contains("json"));
    match &r.body {
        Value::String(text) if !json => base64::engine::general_purpose::STANDARD
            .decode(text.trim())
            .ok()
            .and_then(|b| String::from_utf8(b).ok())
            .map(Value::String)
            .unwrap_or_else(|| r.body.clone()),
        other => other.clone(),
    }
}

fn graph_rows(body: &Value) -> Vec<Value> {
    match body.get("value") {
        Some(Value::Array(items)) => items.clone(),
        _ if body.is_null() => Vec::new(),
        _ => {
            let mut obj = body.clone();
            if let Some(m) = obj.as_object_mut() {
                m.remove("@odata.context");
            }
            vec![obj]
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn rows_from_collections_and_objects() {
        assert_eq!(
            graph_rows(&json!({"value": [{"id": 1}, {"id": 2}]})).len(),
            2
        );
        let one = graph_rows(&json!({"@odata.context": "x", "id": "authorizationPolicy"}));
        assert_eq!(one, vec![json!({"id": "authorizationPolicy"})]);
        assert!(graph_rows(&Value::Null).is_empty());
    }
}
