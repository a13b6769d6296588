//! Remediation plans: the exact writes a standard would send, as data a person can read before
//! anything happens, and their execution, step by step.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use cipp_core::Pipeline;
use cipp_exchange::ExchangeClient;
use cipp_graph::GraphClient;
use cipp_sharepoint::SharePointClient;
use cipp_teams::TeamsClient;
use cipp_templates::{TemplateClient, TemplateLibrary};

use cipp_snapshot::Snapshot;

use crate::definition::Definition;
use crate::error::StandardsError;
use crate::render::{render, variables, TenantContext};
use crate::templated::options_of;

/// One write.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Step {
    /// A Graph request (`uri` relative to the beta root), app-only as CIPP sends it unless
    /// `delegated`.
    Graph {
        /// `PATCH` (default) or `POST`.
        method: String,
        /// Path under `https://graph.microsoft.com/beta/`.
        uri: String,
        /// JSON body.
        body: Value,
        /// Go on with the next step when this one fails.
        continue_on_error: bool,
        /// Read-modify-write (our format extension `mergeCurrent`): the object at `uri` is
        /// read just before the write and `body` is merged over it (objects key by key,
        /// anything else replaced), and the whole result is sent. For Graph objects that
        /// take only a `PUT` of the whole object (the device registration policy).
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        merge_current: bool,
        /// Create-or-update (our format extension `createWhenMissing`): the object at `uri`
        /// is read just before the write; when Graph answers 404 this request is sent
        /// instead (its body under `body`), otherwise the step's own write.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        create_when_missing: Option<CreateRequest>,
        /// Sent with the signed-in admin's (delegated) token instead of the app's: for the
        /// few Graph APIs that refuse app-only tokens (Copilot's admin policy settings).
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        delegated: bool,
    },
    /// A Graph request whose body is not JSON (company branding's `customCSS` takes
    /// `text/css`), app-only.
    GraphText {
        /// `PUT` (default), `POST` or `PATCH`.
        method: String,
        /// Path under `https://graph.microsoft.com/beta/`.
        uri: String,
        /// The body's media type (`text/css`).
        content_type: String,
        /// The body, sent as given.
        body: String,
    },
    /// An Exchange cmdlet.
    Exchange {
        /// The cmdlet.
        cmdlet: String,
        /// Its parameters.
        parameters: Map<String, Value>,
        /// Go on with the next step when this one fails.
        continue_on_error: bool,
        /// Sent to Security & Compliance (`New-ProtectionAlert`, `Set-DlpCompliancePolicy`...)
        /// instead of Exchange Online. Left out of the JSON when false.
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        compliance: bool,
    },
    /// SharePoint tenant properties (only those given).
    SharePoint {
        /// Property -> value (booleans, integers, text).
        properties: Map<String, Value>,
    },
    /// A method of SharePoint's tenant object, called with its parameters in order (booleans,
    /// integers, text): for settings CSOM changes only through a method, such as
    /// `SetFileVersionPolicy(enableAutoTrim, majorVersionLimit, expireAfterDays)`.
    SharePointMethod {
        /// The method's name.
        method: String,
        /// Its parameters, in order.
        parameters: Vec<Value>,
    },
    /// A Teams policy change (read-modify-write).
    Teams {
        /// The cmdlet or type (`Set-CsTeamsMeetingPolicy`).
        cmdlet: String,
        /// Instance (default `Global`).
        identity: Option<String>,
        /// Property -> value.
        parameters: Map<String, Value>,
        /// Go on with the next step when this one fails.
        continue_on_error: bool,
    },
    /// Deploy a stored Conditional Access or Intune template: create, or update by display
    /// name (nothing is written when the tenant already matches).
    Template {
        /// The template's id (GUID) in the library.
        template: String,
        /// Its display name.
        name: String,
        /// Its kind (`ConditionalAccess`, `Intune`...).
        template_kind: String,
        /// The policy state it gets when not the template's own (`enabled`, `disabled`,
        /// `enabledForReportingButNotEnforced`, `keep_live`).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        state: Option<String>,
        /// Create the groups the template names when the tenant lacks them.
        create_groups: bool,
    },
}

/// The request that creates the object a Graph step updates, when it does not exist yet.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct CreateRequest {
    /// `POST` (default) or `PUT`.
    pub method: String,
    /// Path under the beta root (usually the collection).
    pub uri: String,
    /// The whole body sent: the definition's `createWhenMissing.body` with the step's body
    /// laid over it.
    pub body: Value,
}

impl Step {
    /// Whether this write can change what another standard's plan was made from beyond the
    /// properties it names: it creates, removes or replaces objects (a Graph `POST`, `PUT` or
    /// `DELETE`, a create-when-missing, an Exchange `New-`, `Remove-` or `Add-` cmdlet, a text
    /// body), calls a SharePoint method, or deploys a template.
    pub(crate) fn reshapes(&self) -> bool {
        match self {
            Step::Graph {
                method,
                create_when_missing,
                ..
            } => create_when_missing.is_some() || !method.eq_ignore_ascii_case("PATCH"),
            Step::Exchange { cmdlet, .. } => {
                let verb = cmdlet.split('-').next().unwrap_or_default();
                ["New", "Remove", "Add"]
                    .iter()
                    .any(|v| v.eq_ignore_ascii_case(verb))
            }
            Step::SharePoint { .. } | Step::Teams { .. } => false,
            // A whole text replaced, a method whose effect names no properties, a template.
            Step::GraphText { .. } | Step::SharePointMethod { .. } | Step::Template { .. } => true,
        }
    }

    /// The object a property write sets (lower case) and the properties it names, one pair
    /// each; empty for other writes.
    pub(crate) fn sets(&self) -> Vec<(String, String)> {
        let pairs = |target: String, keys: &mut dyn Iterator<Item = &String>| {
            keys.filter(|k| !k.eq_ignore_ascii_case("Identity"))
                .map(|k| (target.clone(), k.to_ascii_lowercase()))
                .collect()
        };
        match self {
            Step::Graph {
                method, uri, body, ..
            } if method.eq_ignore_ascii_case("PATCH") => {
                let path = uri.split('?').next().unwrap_or_default();
                match body.as_object() {
                    Some(o) => pairs(
                        format!("graph:{}", path.to_ascii_lowercase()),
                        &mut o.keys(),
                    ),
                    None => Vec::new(),
                }
            }
            Step::Exchange {
                cmdlet, parameters, ..
            } => {
                let noun = cmdlet.split_once('-').map_or("", |(_, n)| n);
                let identity = parameters
                    .iter()
                    .find(|(k, _)| k.eq_ignore_ascii_case("Identity"))
                    .map(|(_, v)| v.as_str().unwrap_or_default().to_string())
                    .unwrap_or_default();
                let target = format!("exchange:{noun}|{identity}").to_ascii_lowercase();
                pairs(target, &mut parameters.keys())
            }
            Step::SharePoint { properties } => {
                pairs("sharepoint:tenant".to_string(), &mut properties.keys())
            }
            Step::Teams {
                cmdlet,
                identity,
                parameters,
                ..
            } => {
                let noun = cmdlet.split_once('-').map_or(cmdlet.as_str(), |(_, n)| n);
                let target = format!("teams:{noun}|{}", identity.as_deref().unwrap_or("Global"))
                    .to_ascii_lowercase();
                pairs(target, &mut parameters.keys())
            }
            _ => Vec::new(),
        }
    }

    /// Whether the steps after this one run when it fails.
    pub fn continues_on_error(&self) -> bool {
        match self {
            Step::Graph {
                continue_on_error, ..
            }
            | Step::Exchange {
                continue_on_error, ..
            }
            | Step::Teams {
                continue_on_error, ..
            } => *continue_on_error,
            Step::GraphText { .. }
            | Step::SharePoint { .. }
            | Step::SharePointMethod { .. }
            | Step::Template { .. } => false,
        }
    }
}

/// The outcome of one executed step.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct StepOutcome {
    /// The step.
    pub step: Step,
    /// `None` when it succeeded, else the error.
    pub error: Option<String>,
    /// `true` when it was not run because an earlier step failed.
    pub skipped: bool,
}

/// CIPP's SharePoint coercion: booleans stay, integral numbers become Int32, the rest text.
fn spo_value(v: &Value) -> Value {
    match v {
        Value::Bool(_) => v.clone(),
        Value::Number(n) => match n.as_f64() {
            Some(f) if f.fract() == 0.0 && f.abs() <= f64::from(i32::MAX) => Value::from(f as i64),
            _ => Value::String(n.to_string()),
        },
        Value::String(s) => match s.parse::<i64>() {
            Ok(i) if i32::try_from(i).is_ok() => Value::from(i),
            _ => v.clone(),
        },
        other => Value::String(other.to_string()),
    }
}

fn list<'a>(remediate: &'a Value, key: &str) -> &'a [Value] {
    remediate
        .get(key)
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or(&[])
}

fn bad(def: &Definition, message: impl Into<String>) -> StandardsError {
    StandardsError::Definition {
        file: def.name.clone(),
        path: "remediate".into(),
        message: message.into(),
    }
}

/// The `cmdlets` list of an Exchange or Teams executor, each made into a step by `make(cmdlet,
/// entry, params)`.
fn cmdlet_steps(
    def: &Definition,
    remediate: &Value,
    make: impl Fn(String, &Value, Map<String, Value>) -> Step,
) -> Result<Vec<Step>, StandardsError> {
    list(remediate, "cmdlets")
        .iter()
        .map(|x| {
            let cmdlet = x
                .get("cmdlet")
                .and_then(Value::as_str)
                .ok_or_else(|| bad(def, "a step has no cmdlet"))?;
            let params = match x.get("params") {
                Some(Value::Object(m)) => m.clone(),
                _ => Map::new(),
            };
            Ok(make(cmdlet.to_string(), x, params))
        })
        .collect()
}

/// The `createWhenMissing` of a rendered request: its `uri` (required), `method` (default
/// `POST`) and `body`, with the request's own body laid over that body.
fn create_request(
    def: &Definition,
    request: &Value,
) -> Result<Option<CreateRequest>, StandardsError> {
    let Some(create) = request.get("createWhenMissing") else {
        return Ok(None);
    };
    let uri = create
        .get("uri")
        .and_then(Value::as_str)
        .ok_or_else(|| bad(def, "createWhenMissing has no uri"))?;
    let body = match (create.get("body"), request.get("body")) {
        (Some(base), Some(own)) => merged(base.clone(), own),
        (Some(base), None) => base.clone(),
        (None, Some(own)) => own.clone(),
        (None, None) => Value::Null,
    };
    Ok(Some(CreateRequest {
        method: create
            .get("method")
            .and_then(Value::as_str)
            .unwrap_or("POST")
            .to_ascii_uppercase(),
        uri: uri.trim_start_matches('/').to_string(),
        body,
    }))
}

/// The writes remediation would send for `def` with `settings`. `Ok(None)` when the standard
/// has no declarative remediation (template and code standards). A definition whose writes
/// name the object the read found (`%current.id%`) needs [`plan_for`] and the snapshot.
pub fn plan(
    def: &Definition,
    settings: &Map<String, Value>,
    tenant: &TenantContext,
) -> Result<Option<Vec<Step>>, StandardsError> {
    plan_with_current(def, settings, tenant, None)
}

/// [`plan`], with `%current.<path>%` tokens (our format extension) filled from the object
/// the definition's read finds in `snapshot` (e.g. `%current.id%` in a request's `uri`,
/// for objects Graph names by an id only the tenant knows).
pub fn plan_for(
    def: &Definition,
    settings: &Map<String, Value>,
    snapshot: &Snapshot,
    tenant: &TenantContext,
) -> Result<Option<Vec<Step>>, StandardsError> {
    let current = match &def.read {
        Some(read) => match snapshot.rows(&read.cache_type) {
            Some(rows) => {
                let vars = variables(def, settings);
                crate::read::current(def, read, rows, &vars, tenant)?
            }
            None => None,
        },
        None => None,
    };
    plan_with_current(def, settings, tenant, current.as_ref())
}

/// Every `%current.<path>%` token in the strings of `v`.
fn current_tokens(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::String(s) => {
            let mut rest = s.as_str();
            while let Some(start) = rest.find("%current.") {
                let after = &rest[start + 1..];
                let Some(len) = after.find('%') else { break };
                out.push(after[..len].to_string());
                rest = &after[len + 1..];
            }
        }
        Value::Array(items) => items.iter().for_each(|i| current_tokens(i, out)),
        Value::Object(o) => o.values().for_each(|i| current_tokens(i, out)),
        _ => {}
    }
}

fn plan_with_current(
    def: &Definition,
    settings: &Map<String, Value>,
    tenant: &TenantContext,
    current: Option<&Value>,
) -> Result<Option<Vec<Step>>, StandardsError> {
    let Some(remediate) = &def.remediate else {
        return Ok(None);
    };
    let mut vars = variables(def, settings);
    let mut tokens = Vec::new();
    current_tokens(remediate, &mut tokens);
    let mut unfilled = Vec::new();
    for token in tokens {
        let found = current
            .zip(token.strip_prefix("current."))
            .and_then(|(c, p)| crate::read::path(c, p))
            .filter(|v| !v.is_null());
        match found {
            Some(v) => {
                vars.insert(token, v.clone());
            }
            None => unfilled.push(format!("%{token}%")),
        }
    }
    if !unfilled.is_empty() {
        unfilled.sort();
        unfilled.dedup();
        return Err(StandardsError::Unresolved {
            standard: def.name.clone(),
            tokens: format!(
                "{} (the object the read finds fills them; none was found or given)",
                unfilled.join(", ")
            ),
        });
    }
    let r = render(def, remediate, &vars, tenant)?;
    let flag = |x: &Value| {
        x.get("continueOnError")
            .and_then(Value::as_bool)
            .unwrap_or(false)
    };
    let params = |x: &Value, key: &str| match x.get(key) {
        Some(Value::Object(m)) => m.clone(),
        _ => Map::new(),
    };
    let steps = match def.executor() {
        Some("GraphRequest") => list(&r, "requests")
            .iter()
            .map(|x| {
                let uri = x
                    .get("uri")
                    .and_then(Value::as_str)
                    .ok_or_else(|| bad(def, "a request has no uri"))?;
                Ok(Step::Graph {
                    method: x
                        .get("method")
                        .and_then(Value::as_str)
                        .unwrap_or("PATCH")
                        .to_ascii_uppercase(),
                    uri: uri.trim_start_matches('/').to_string(),
                    body: x.get("body").cloned().unwrap_or(Value::Null),
                    continue_on_error: flag(x),
                    merge_current: x
                        .get("mergeCurrent")
                        .and_then(Value::as_bool)
                        .unwrap_or(false),
                    create_when_missing: create_request(def, x)?,
                    delegated: false,
                })
            })
            .collect::<Result<Vec<_>, StandardsError>>()?,
        Some("ExoRequest") => cmdlet_steps(def, &r, |cmdlet, x, parameters| Step::Exchange {
            cmdlet,
            parameters,
            continue_on_error: flag(x),
            compliance: x
                .get("compliance")
                .and_then(Value::as_bool)
                .unwrap_or(false),
        })?,
        Some("TeamsRequest") => cmdlet_steps(def, &r, |cmdlet, x, mut parameters| {
            // What the cmdlets take as switches, never properties to write.
            for k in [
                "Identity",
                "ErrorAction",
                "Confirm",
                "WhatIf",
                "Verbose",
                "Debug",
            ] {
                parameters.remove(k);
            }
            Step::Teams {
                cmdlet,
                identity: x
                    .get("identity")
                    .and_then(Value::as_str)
                    .map(str::to_string),
                parameters,
                continue_on_error: flag(x),
            }
        })?,
        Some("SPOTenant") => {
            let properties = params(&r, "properties")
                .iter()
                .map(|(k, v)| (k.clone(), spo_value(v)))
                .collect();
            vec![Step::SharePoint { properties }]
        }
        _ => return Ok(None),
    };
    Ok(Some(steps))
}

/// Run `steps` in order in `tenant`. A failed step stops the rest unless it says
/// `continue_on_error`; every step's outcome is returned. Nothing is retried that the
/// pipeline would not retry itself (a write is never resent after a timeout). Template steps
/// need [`apply_with`] and a library.
pub async fn apply(pipeline: &Pipeline, tenant: &str, steps: &[Step]) -> Vec<StepOutcome> {
    apply_with(pipeline, tenant, steps, None).await
}

/// [`apply`], with the library template steps deploy from.
pub async fn apply_with(
    pipeline: &Pipeline,
    tenant: &str,
    steps: &[Step],
    library: Option<&TemplateLibrary>,
) -> Vec<StepOutcome> {
    let delegated_graph = GraphClient::new(pipeline.clone(), tenant).beta();
    let app_graph = delegated_graph.app_only();
    let exo = ExchangeClient::new(pipeline.clone(), tenant);
    // Shares the Exchange client's cache, so the regional host is found once per run.
    let scc = exo.compliance();
    let spo = SharePointClient::new(pipeline.clone(), tenant);
    let teams = TeamsClient::new(pipeline.clone(), tenant);
    let mut out = Vec::with_capacity(steps.len());
    let mut stopped = false;
    for step in steps {
        if stopped {
            out.push(StepOutcome {
                step: step.clone(),
                error: None,
                skipped: true,
            });
            continue;
        }
        let (result, go_on) = match step {
            Step::Graph {
                method,
                uri,
                body,
                continue_on_error,
                merge_current,
                create_when_missing,
                delegated,
            } => {
                let graph = if *delegated {
                    &delegated_graph
                } else {
                    &app_graph
                };
                if let Some(create) = create_when_missing {
                    match graph.get(uri).await {
                        Ok(_) => {}
                        Err(e) if e.status() == Some(404) => {
                            let r = match create.method.as_str() {
                                "PUT" => graph.put(&create.uri, &create.body).await.map(|_| ()),
                                _ => graph.post(&create.uri, &create.body).await.map(|_| ()),
                            };
                            let failed = r.is_err();
                            out.push(StepOutcome {
                                step: step.clone(),
                                error: r.err().map(|e| format!("creating {}: {e}", create.uri)),
                                skipped: false,
                            });
                            stopped = failed && !*continue_on_error;
                            continue;
                        }
                        Err(e) => {
                            out.push(StepOutcome {
                                step: step.clone(),
                                error: Some(format!("reading {uri} to see whether it exists: {e}")),
                                skipped: false,
                            });
                            stopped = !*continue_on_error;
                            continue;
                        }
                    }
                }
                let body = if *merge_current {
                    match graph.get(uri).await {
                        Ok(current) => merged(current, body),
                        Err(e) => {
                            let e = format!("reading {uri} to merge the change into: {e}");
                            out.push(StepOutcome {
                                step: step.clone(),
                                error: Some(e),
                                skipped: false,
                            });
                            stopped = !*continue_on_error;
                            continue;
                        }
                    }
                } else {
                    body.clone()
                };
                let r = match method.as_str() {
                    "POST" => graph.post(uri, &body).await.map(|_| ()),
                    "PUT" => graph.put(uri, &body).await.map(|_| ()),
                    "DELETE" => graph.delete(uri).await,
                    _ => graph.patch(uri, &body).await.map(|_| ()),
                };
                (r.map_err(|e| e.to_string()), *continue_on_error)
            }
            Step::GraphText {
                method,
                uri,
                content_type,
                body,
            } => {
                let method = match method.as_str() {
                    "POST" => cipp_core::Method::POST,
                    "PATCH" => cipp_core::Method::PATCH,
                    _ => cipp_core::Method::PUT,
                };
                let r = app_graph
                    .request(method, uri.as_str())
                    .text(content_type, body)
                    .send()
                    .await
                    .map(|_| ())
                    .map_err(|e| e.to_string());
                (r, false)
            }
            Step::Exchange {
                cmdlet,
                parameters,
                continue_on_error,
                compliance,
            } => {
                let client = if *compliance { &scc } else { &exo };
                let r = match client
                    .cmdlet(cmdlet.clone())
                    .params(Value::Object(parameters.clone()))
                {
                    Ok(c) => c.invoke().await.map(|_| ()).map_err(|e| e.to_string()),
                    Err(e) => Err(e.to_string()),
                };
                (r, *continue_on_error)
            }
            Step::Template {
                template,
                state,
                create_groups,
                ..
            } => {
                let r = match library.map(|l| l.find(template)) {
                    None => Err("a template step needs a template library".to_string()),
                    Some(Err(e)) => Err(e.to_string()),
                    Some(Ok(t)) => TemplateClient::new(pipeline.clone(), tenant)
                        .deploy(t, &options_of(state.as_deref(), *create_groups))
                        .await
                        .map(|_| ())
                        .map_err(|e| e.to_string()),
                };
                (r, false)
            }
            Step::SharePoint { properties } => (
                spo.set_tenant_settings(properties)
                    .await
                    .map_err(|e| e.to_string()),
                false,
            ),
            Step::SharePointMethod { method, parameters } => (
                spo.call_tenant_method(method, parameters)
                    .await
                    .map_err(|e| e.to_string()),
                false,
            ),
            Step::Teams {
                cmdlet,
                identity,
                parameters,
                continue_on_error,
            } => (
                teams
                    .set(cmdlet, identity.as_deref(), parameters)
                    .await
                    .map(|_| ())
                    .map_err(|e| e.to_string()),
                *continue_on_error,
            ),
        };
        if result.is_err() && !go_on {
            stopped = true;
        }
        out.push(StepOutcome {
            step: step.clone(),
            error: result.err(),
            skipped: false,
        });
    }
    out
}

/// `change` merged over `current` (objects key by key, anything else replaced), without the
/// read-only annotations of the answer (`@odata.context`...; `@odata.type` stays).
fn merged(current: Value, change: &Value) -> Value {
    fn merge(into: &mut Value, change: &Value) {
        match (into, change) {
            (Value::Object(a), Value::Object(b)) => {
                for (k, v) in b {
                    match a.get_mut(k) {
                        Some(slot) => merge(slot, v),
                        None => {
                            a.insert(k.clone(), v.clone());
                        }
                    }
                }
            }
            (slot, v) => *slot = v.clone(),
        }
    }
    let mut out = current;
    if let Value::Object(o) = &mut out {
        o.retain(|k, _| !k.starts_with("@odata.") || k == "@odata.type");
    }
    merge(&mut out, change);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn merge_current_keeps_what_the_change_does_not_name() {
        let current = json!({"@odata.context": "x", "id": "p", "quota": 50,
                             "join": {"allowed": {"@odata.type": "all"}, "admins": true}});
        let out = merged(current, &json!({"quota": 10, "join": {"admins": false}}));
        assert_eq!(
            out,
            json!({"id": "p", "quota": 10, "join": {"allowed": {"@odata.type": "all"}, "admins": false}})
        );
    }

    #[test]
    fn sharepoint_values_are_coerced_like_cipp() {
        assert_eq!(spo_value(&json!(true)), json!(true));
        assert_eq!(spo_value(&json!(2.0)), json!(2));
        assert_eq!(spo_value(&json!("30")), json!(30));
        assert_eq!(spo_value(&json!(1.5)), json!("1.5"));
        assert_eq!(spo_value(&json!("x")), json!("x"));
    }
}
