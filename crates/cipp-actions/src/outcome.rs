//! The result of one step of a multi-step action, in CIPP's `{resultText, state}` shape.

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// How one step ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub enum StepState {
    /// The step did what it should.
    Success,
    /// The step ran but something needs a person (a directory-synced account, a partial
    /// result).
    Warning,
    /// The step failed; later steps still ran.
    Error,
    /// Nothing to do (already in the wanted state, nothing found).
    Info,
    /// A dry run: the step would run.
    Planned,
    /// Not run, because an earlier step it depends on failed.
    Skipped,
    /// Not run now: handed over to run later (see the report's follow-up tasks).
    Scheduled,
}

/// One step of a multi-step action and how it ended.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StepOutcome {
    /// The step's stable name (`resetPassword`, `disableInboxRules`).
    pub step: String,
    /// How it ended.
    pub state: StepState,
    /// One sentence for a person.
    pub result_text: String,
    /// Step-specific data (the generated password is never put here unless asked for).
    #[serde(default, skip_serializing_if = "Value::is_null")]
    pub detail: Value,
}

impl StepOutcome {
    /// A step in `state` with its sentence.
    pub fn new(step: impl Into<String>, state: StepState, result_text: impl Into<String>) -> Self {
        StepOutcome {
            step: step.into(),
            state,
            result_text: result_text.into(),
            detail: Value::Null,
        }
    }

    /// The same outcome carrying `detail`.
    pub fn with_detail(mut self, detail: Value) -> Self {
        self.detail = detail;
        self
    }

    /// `true` when the step failed.
    pub fn failed(&self) -> bool {
        self.state == StepState::Error
    }
}
