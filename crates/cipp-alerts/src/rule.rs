//! `Rule`: one alert, as a pure function of a tenant's snapshot, its parameters and (for the
//! alerts that compare with earlier runs) the state it left last time.

use serde::Serialize;
use serde_json::{Map, Value};

use cipp_snapshot::{Snapshot, Status};

use crate::error::AlertError;
use crate::finding::Finding;
use crate::params::Params;

/// One parameter a rule reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct ParamSpec {
    /// CIPP's name (`DaysSinceLastLogin`).
    pub name: &'static str,
    /// `int`, `number`, `bool`, `string` or `list`.
    pub kind: &'static str,
    /// The default, as JSON text (`90`, `false`, `""`).
    pub default: &'static str,
    /// What it does.
    pub description: &'static str,
}

pub(crate) const fn param(
    name: &'static str,
    kind: &'static str,
    default: &'static str,
    description: &'static str,
) -> ParamSpec {
    ParamSpec {
        name,
        kind,
        default,
        description,
    }
}

/// What a rule sees: the tenant's snapshot, the time to judge it at, its previous state
/// (history rules) and the inputs that do not come from a snapshot.
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub struct Context<'a> {
    /// The tenant's data.
    pub snapshot: &'a Snapshot,
    /// The tenant's name, as findings carry it.
    pub tenant: &'a str,
    /// "Now", in Unix seconds (the snapshot's collection time unless the run says otherwise).
    pub now: i64,
    /// What this rule stored for this tenant last time (history rules); `None` on a first run.
    pub previous: Option<&'a Value>,
    /// The tenant's standards alignment in percent (`LowTenantAlignment`), when known.
    pub alignment: Option<f64>,
    /// What was read in the partner tenant (Lighthouse states, the partner's own
    /// organisation), for the rules with [`Rule::partner_cache_types`].
    pub partner: Option<&'a Snapshot>,
    /// The tenant's standards results that a standards run in alert mode flagged
    /// (`StandardsAlerts`), when given to the run.
    pub standards: Option<&'a [Value]>,
}

impl<'a> Context<'a> {
    /// A context judging `snapshot` at its collection time, with no history.
    pub fn new(snapshot: &'a Snapshot) -> Self {
        Context {
            snapshot,
            tenant: &snapshot.tenant,
            now: snapshot.collected_at as i64,
            previous: None,
            alignment: None,
            partner: None,
            standards: None,
        }
    }

    /// Judge at `now` (Unix seconds).
    pub fn at(mut self, now: i64) -> Self {
        self.now = now;
        self
    }

    /// The state the rule left last time.
    pub fn with_previous(mut self, previous: Option<&'a Value>) -> Self {
        self.previous = previous;
        self
    }

    /// The tenant's standards alignment (percent).
    pub fn with_alignment(mut self, alignment: Option<f64>) -> Self {
        self.alignment = alignment;
        self
    }

    /// The tenant's flagged standards results (`StandardsAlerts`).
    pub fn with_standards(mut self, standards: Option<&'a [Value]>) -> Self {
        self.standards = standards;
        self
    }

    /// The partner tenant's snapshot (read once per run for every customer).
    pub fn with_partner(mut self, partner: Option<&'a Snapshot>) -> Self {
        self.partner = partner;
        self
    }

    /// The rows of the partner-side `cache_type`, or a data error naming the rule.
    pub(crate) fn partner_rows(
        &self,
        rule: &str,
        cache_type: &str,
    ) -> Result<&'a [Value], AlertError> {
        let Some(partner) = self.partner else {
            return Err(self.data(
                rule,
                format!("{cache_type} (partner tenant) was not collected"),
            ));
        };
        let inner = Context {
            snapshot: partner,
            ..*self
        };
        inner.rows(rule, cache_type)
    }

    /// The rows of `cache_type`, or a data error naming the rule and why they are missing.
    pub(crate) fn rows(&self, rule: &str, cache_type: &str) -> Result<&'a [Value], AlertError> {
        match self.snapshot.get(cache_type) {
            Some(t) if t.status == Status::Complete => Ok(&t.rows),
            Some(t) => Err(self.data(
                rule,
                format!(
                    "{cache_type} {}: {}",
                    match t.status {
                        Status::NotLicensed => "is not licensed",
                        _ => "could not be read",
                    },
                    t.error.as_deref().unwrap_or("no reason given")
                ),
            )),
            None => Err(self.data(rule, format!("{cache_type} was not collected"))),
        }
    }

    /// The rows of `cache_type` when complete; empty when the tenant is not licensed for it
    /// (a tenant without Entra P1 has no Conditional Access policies); an error otherwise.
    pub(crate) fn rows_or_unlicensed(
        &self,
        rule: &str,
        cache_type: &str,
    ) -> Result<&'a [Value], AlertError> {
        match self.snapshot.get(cache_type) {
            Some(t) if t.status == Status::NotLicensed => Ok(&[]),
            _ => self.rows(rule, cache_type),
        }
    }

    pub(crate) fn data(&self, rule: &str, message: impl Into<String>) -> AlertError {
        AlertError::Data {
            rule: rule.to_string(),
            tenant: self.tenant.to_string(),
            message: message.into(),
        }
    }
}

/// What one rule found in one tenant.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct RuleResult {
    /// The findings (each row carries `Tenant`).
    pub findings: Vec<Finding>,
    /// The state to keep for the next run (history rules only).
    pub state: Option<Value>,
}

/// What a rule's function returns: rows with CIPP's field names, and the state to keep.
#[derive(Debug, Clone, Default)]
pub(crate) struct Rows {
    pub rows: Vec<Value>,
    pub state: Option<Value>,
}

impl From<Vec<Value>> for Rows {
    fn from(rows: Vec<Value>) -> Self {
        Rows { rows, state: None }
    }
}

type Eval = fn(&Context<'_>, Params<'_>) -> Result<Rows, AlertError>;

/// One alert rule.
#[derive(Clone, Copy)]
#[non_exhaustive]
pub struct Rule {
    /// CIPP's name without the `Get-CIPPAlert` prefix (`AppSecretExpiry`).
    pub name: &'static str,
    /// What it looks for.
    pub description: &'static str,
    /// The cache types it reads in the tenant.
    pub cache_types: &'static [&'static str],
    /// The cache types it reads in the partner tenant (Lighthouse's cross-tenant views),
    /// read once per run and shared by every customer.
    pub partner_cache_types: &'static [&'static str],
    /// Its parameters.
    pub params: &'static [ParamSpec],
    /// The fields of each finding's data.
    pub output: &'static [&'static str],
    /// It compares with what it saw last time (the first run only records).
    pub history: bool,
    /// The fields that identify a finding; empty: CIPP's content key (`UserPrincipalName`,
    /// `Id`, then `Message`).
    pub key_fields: &'static [&'static str],
    pub(crate) eval: Eval,
}

impl std::fmt::Debug for Rule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Rule")
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

impl Serialize for Rule {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct Out<'a> {
            name: &'a str,
            description: &'a str,
            cache_types: &'a [&'a str],
            #[serde(skip_serializing_if = "<[_]>::is_empty")]
            partner_cache_types: &'a [&'a str],
            params: &'a [ParamSpec],
            output: &'a [&'a str],
            history: bool,
        }
        Out {
            name: self.name,
            description: self.description,
            cache_types: self.cache_types,
            partner_cache_types: self.partner_cache_types,
            params: self.params,
            output: self.output,
            history: self.history,
        }
        .serialize(s)
    }
}

impl Rule {
    /// Evaluate in one tenant. A parameter error or missing data is an error naming the rule
    /// (and tenant); the rule itself never panics on odd data.
    ///
    /// ```
    /// # fn run(snapshot: cipp_snapshot::Snapshot) -> Result<(), cipp_alerts::AlertError> {
    /// use cipp_alerts::{catalogue, Context};
    /// let rule = catalogue::get("InactiveUsers").unwrap();
    /// let result = rule.evaluate(&Context::new(&snapshot), &serde_json::json!({"DaysSinceLastLogin": 60}))?;
    /// for f in &result.findings {
    ///     println!("{}: {}", f.tenant, f.title);
    /// }
    /// # Ok(()) }
    /// ```
    pub fn evaluate(&self, ctx: &Context<'_>, params: &Value) -> Result<RuleResult, AlertError> {
        let out = (self.eval)(ctx, Params::new(self.name, params))?;
        let findings = out
            .rows
            .into_iter()
            .map(|mut row| {
                if let Value::Object(o) = &mut row {
                    o.entry("Tenant").or_insert_with(|| ctx.tenant.into());
                }
                Finding::new(self.name, ctx.tenant, row, self.key_fields)
            })
            .collect();
        Ok(RuleResult {
            findings,
            state: out.state,
        })
    }

    /// Check `params` without data: a parameter error, or `Ok`.
    pub fn check_params(&self, params: &Value) -> Result<(), AlertError> {
        let empty = empty_snapshot();
        match (self.eval)(&Context::new(&empty), Params::new(self.name, params)) {
            Err(e @ AlertError::Parameter { .. }) => Err(e),
            _ => Ok(()),
        }
    }
}

/// A JSON object from pairs (rows are built with this so field order is CIPP's).
pub(crate) fn row<const N: usize>(pairs: [(&str, Value); N]) -> Value {
    let mut m = Map::with_capacity(N);
    for (k, v) in pairs {
        m.insert(k.to_string(), v);
    }
    Value::Object(m)
}

/// A snapshot with no data (the `Snapshot` type is non-exhaustive, so it is made from JSON).
pub(crate) fn empty_snapshot() -> Snapshot {
    serde_json::from_value(serde_json::json!({
        "tenant": "", "collected_at": 0, "round_trips": 0, "types": {}
    }))
    .unwrap_or_else(|_| unreachable_snapshot())
}

#[cold]
fn unreachable_snapshot() -> Snapshot {
    // `Snapshot` has exactly these four fields; a unit test checks the JSON above decodes.
    #[allow(clippy::panic)]
    {
        panic!("the empty snapshot JSON no longer matches cipp_snapshot::Snapshot")
    }
}
