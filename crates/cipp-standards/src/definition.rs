//! CIPP's declarative standard definitions, as files: one JSON object each. Every field CIPP
//! defines is typed here; any other field is kept in `extra`.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::error::StandardsError;

/// The executors whose writes [`crate::plan`] builds from data.
const DECLARATIVE_EXECUTORS: [&str; 4] =
    ["GraphRequest", "ExoRequest", "TeamsRequest", "SPOTenant"];

/// One variable a standard's settings fill.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Variable {
    /// `switch`, `autoComplete`, `number` or `textField`.
    #[serde(rename = "type")]
    pub kind: String,
    /// Label for people.
    #[serde(default)]
    pub label: Option<String>,
    /// The value used when the settings give none.
    #[serde(default)]
    pub default: Option<Value>,
    /// Allowed values for `autoComplete` (`[{label, value}]`).
    #[serde(default)]
    pub options: Vec<Value>,
    /// Our format extension: the variable may stay unset (no value given, null or blank
    /// text, and no default). Then every place that is exactly its token (`"%name%"`) is
    /// dropped from the expected state and the writes: the object key, or the list item;
    /// an object or list left empty by that is dropped too. So only what a person filled in
    /// is compared and written. A token of it inside longer text stays an error.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub optional: bool,
    /// Every other field.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// How a field of CIPP's classic standards templates (the UI's `addedComponent` names) fills
/// one of this definition's variables, for templates saved before the definition existed.
/// Ours; CIPP's files have no such field.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ClassicSetting {
    /// The variable it fills.
    pub variable: String,
    /// Classic value (as text, any case) -> the variable's value; absent: taken as it is.
    #[serde(default)]
    pub values: BTreeMap<String, Value>,
}

/// One filter of a read: `property` (dot path) compared with `value`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Filter {
    /// Dot path on each candidate.
    pub property: String,
    /// `eq` (default), `ne`, `startsWith`, `notStartsWith`.
    #[serde(default)]
    pub operator: Option<String>,
    /// The value (may hold `%variable%` tokens).
    pub value: Value,
}

/// Where the current value comes from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Read {
    /// The snapshot cache type.
    pub cache_type: String,
    /// Flatten this array (dot path) of every row into the candidates.
    #[serde(default)]
    pub array: Option<String>,
    /// Conditions every candidate must meet (AND).
    #[serde(default)]
    pub filter: Vec<Filter>,
    /// Descend this dot path in the first candidate.
    #[serde(default)]
    pub object: Option<String>,
    /// Every other field (`requiredCaches`, `liveCount`, `freshnessType`).
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A declarative standard.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Definition {
    /// CIPP's name (equals the file name).
    pub name: String,
    /// Title for people.
    #[serde(default)]
    pub label: String,
    /// Category (`Exchange Standards`...).
    #[serde(default)]
    pub cat: String,
    /// `Low Impact`, `Medium Impact`, `High Impact`.
    #[serde(default)]
    pub impact: Option<String>,
    /// Service plans of which one is needed (empty: none).
    #[serde(default)]
    pub required_capabilities: Vec<String>,
    /// The settings' variables.
    #[serde(default)]
    pub variables: BTreeMap<String, Variable>,
    /// The desired state (top-level keys are what is compared).
    #[serde(default)]
    pub expected: Option<Value>,
    /// Where the current state is read.
    #[serde(default)]
    pub read: Option<Read>,
    /// How the desired state is written (`executor` and its fields).
    #[serde(default)]
    pub remediate: Option<Value>,
    /// Deletion executor (drift detection standards).
    #[serde(default)]
    pub delete: Option<Value>,
    /// A prepare hook (code, not data).
    #[serde(default)]
    pub prepare: Option<String>,
    /// The whole flow is code.
    #[serde(default)]
    pub custom: bool,
    /// A manual task block.
    #[serde(default)]
    pub manual: Option<Value>,
    /// Classic template field -> variable (see [`ClassicSetting`]).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub classic_settings: BTreeMap<String, ClassicSetting>,
    /// The hard-gap pass of the comparison (default on).
    #[serde(default = "yes")]
    pub hard_compare: bool,
    /// Every other field (tags, texts, UI hints).
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

fn yes() -> bool {
    true
}

impl Definition {
    /// Parse one definition; `file` names it in errors.
    pub fn from_json(text: &str, file: &str) -> Result<Definition, StandardsError> {
        let de = &mut serde_json::Deserializer::from_str(text);
        let def: Definition =
            serde_path_to_error::deserialize(de).map_err(|e| StandardsError::Definition {
                file: file.to_string(),
                path: e.path().to_string(),
                message: e.inner().to_string(),
            })?;
        if def.name.trim().is_empty() {
            return Err(StandardsError::Definition {
                file: file.to_string(),
                path: "name".into(),
                message: "is empty".into(),
            });
        }
        Ok(def)
    }

    /// Read one definition file. Its base name must equal its `name`.
    pub fn from_file(path: impl AsRef<Path>) -> Result<Definition, StandardsError> {
        let path = path.as_ref();
        let file = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|e| StandardsError::Io {
            path: file.clone(),
            message: e.to_string(),
        })?;
        Definition::from_named_json(&text, &file)
    }

    /// Parse the text of the file at `file`, whose base name must equal the `name` inside.
    pub(crate) fn from_named_json(text: &str, file: &str) -> Result<Definition, StandardsError> {
        let def = Definition::from_json(text, file)?;
        let stem = Path::new(file)
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or_default();
        if !stem.eq_ignore_ascii_case(&def.name) {
            return Err(StandardsError::Definition {
                file: file.to_string(),
                path: "name".into(),
                message: format!("'{}' differs from the file name '{stem}'", def.name),
            });
        }
        Ok(def)
    }

    /// Every `*.json` definition under `dir` (recursively), sorted by name; the first bad file
    /// is an error naming it.
    pub fn load_dir(dir: impl AsRef<Path>) -> Result<Vec<Definition>, StandardsError> {
        let mut out = Vec::new();
        walk(dir.as_ref(), &mut out)?;
        sorted_unique(out, &dir.as_ref().display().to_string())
    }

    /// The executor of `remediate` (`ExoRequest`, `GraphRequest`, `SPOTenant`, ...).
    pub fn executor(&self) -> Option<&str> {
        self.remediate.as_ref()?.get("executor")?.as_str()
    }

    /// Why this engine cannot evaluate the standard from its data alone (a custom function, a
    /// manual task, a prepare hook, or no `read`/`expected`); `None` when it can.
    pub fn unsupported_reason(&self) -> Option<&'static str> {
        if self.custom {
            Some("a custom standard (code)")
        } else if self.manual.is_some() {
            Some("a manual task")
        } else if self.prepare.is_some() {
            Some("a prepare hook (template standards)")
        } else if self.read.is_none() || self.expected.is_none() {
            Some("no read or expected state")
        } else {
            None
        }
    }

    /// Whether the engine both evaluates and remediates the standard from its data alone: it
    /// is supported (see [`Definition::unsupported_reason`]) and its executor is one the plan
    /// builds steps for.
    pub fn is_declarative(&self) -> bool {
        self.unsupported_reason().is_none()
            && self
                .executor()
                .is_some_and(|e| DECLARATIVE_EXECUTORS.contains(&e))
    }

    /// Whether a run uses this definition rather than a code standard of the same name: it is
    /// declarative, or a template standard (its executor deploys stored templates).
    pub fn runs_from_data(&self) -> bool {
        self.is_declarative() || crate::templated::is_templated(self)
    }
}

/// `defs` sorted by name (case-insensitively); a name given twice is an error naming `origin`.
pub(crate) fn sorted_unique(
    mut defs: Vec<Definition>,
    origin: &str,
) -> Result<Vec<Definition>, StandardsError> {
    defs.sort_by(|a, b| {
        a.name
            .to_ascii_lowercase()
            .cmp(&b.name.to_ascii_lowercase())
    });
    for pair in defs.windows(2) {
        if pair[0].name.eq_ignore_ascii_case(&pair[1].name) {
            return Err(StandardsError::Definition {
                file: origin.to_string(),
                path: "name".into(),
                message: format!("'{}' is defined twice", pair[0].name),
            });
        }
    }
    Ok(defs)
}

fn walk(dir: &Path, out: &mut Vec<Definition>) -> Result<(), StandardsError> {
    let io = |e: std::io::Error| StandardsError::Io {
        path: dir.display().to_string(),
        message: e.to_string(),
    };
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .map_err(io)?
        .collect::<Result<_, _>>()
        .map_err(io)?;
    entries.sort_by_key(|e| e.path());
    for entry in entries {
        let path = entry.path();
        if path.is_dir() {
            walk(&path, out)?;
        } else if path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("json"))
        {
            out.push(Definition::from_file(&path)?);
        }
    }
    Ok(())
}
