//! Template-backed standards (`ConditionalAccessTemplate`, `IntuneTemplate`,
//! `TransportRuleTemplate`, `GroupTemplate`, `DlpCompliancePolicyTemplate`,
//! `RetentionCompliancePolicyTemplate`, `ExchangeConnectorTemplate`,
//! `TenantAllowBlockListTemplate`, `SafeLinksTemplatePolicy`, `DeployContactTemplates`,
//! `SensitivityLabelTemplate`, `SensitiveInfoTypeTemplate`): the instance names a stored template (CA or Intune policy,
//! transport rule, group, DLP or retention policy with its rules, Exchange connector,
//! allow/block list entries, Safe Links policy and rule, mail contact, sensitivity label with
//! its label policy, custom sensitive information type) by id; the tenant is compliant when it holds an object of the
//! template's name that matches it, and remediation deploys the template (create
//! or update by name). The comparison and the deploy are cipp-templates'; this module turns
//! them into the engine's outcomes and steps.

use serde_json::{json, Map, Value};

use cipp_templates::{
    Comparison, DeployOptions, StateOverride, Template, TemplateKind, TemplateLibrary,
};

use crate::compare::Difference;
use crate::definition::Definition;
use crate::evaluate::Outcome;
use crate::plan::Step;
use crate::render::variables;

/// Executors whose standards deploy stored templates.
pub(crate) const TEMPLATE_EXECUTORS: &[&str] = &[
    "CATemplate",
    "IntuneTemplate",
    "TransportRuleTemplate",
    "GroupTemplate",
    "DlpCompliancePolicyTemplate",
    "RetentionCompliancePolicyTemplate",
    "ExchangeConnectorTemplate",
    "TenantAllowBlockListTemplate",
    "SafeLinksTemplatePolicy",
    "DeployContactTemplates",
    "AssignmentFilterTemplate",
    "ReusableSettingsTemplate",
    "SensitivityLabelTemplate",
    "SensitiveInfoTypeTemplate",
];

/// The kind of template each executor deploys, and the settings field that names it when the
/// definition does not say (`instanceIdentity`).
fn executor_kind(executor: Option<&str>) -> (TemplateKind, &'static str) {
    match executor {
        Some("CATemplate") => (TemplateKind::ConditionalAccess, "caTemplate"),
        Some("TransportRuleTemplate") => (TemplateKind::TransportRule, "transportRuleTemplate"),
        Some("GroupTemplate") => (TemplateKind::Group, "groupTemplate"),
        Some("DlpCompliancePolicyTemplate") => (
            TemplateKind::DlpCompliancePolicy,
            "dlpCompliancePolicyTemplate",
        ),
        Some("RetentionCompliancePolicyTemplate") => (
            TemplateKind::RetentionCompliancePolicy,
            "retentionCompliancePolicyTemplate",
        ),
        Some("ExchangeConnectorTemplate") => {
            (TemplateKind::ExchangeConnector, "exConnectorTemplate")
        }
        Some("TenantAllowBlockListTemplate") => (
            TemplateKind::TenantAllowBlockList,
            "TenantAllowBlockListTemplate",
        ),
        Some("SafeLinksTemplatePolicy") => (TemplateKind::SafeLinks, "TemplateIds"),
        Some("DeployContactTemplates") => (TemplateKind::Contact, "templateIds"),
        Some("AssignmentFilterTemplate") => {
            (TemplateKind::AssignmentFilter, "assignmentFilterTemplate")
        }
        Some("ReusableSettingsTemplate") => {
            (TemplateKind::ReusableSetting, "reusableSettingsTemplate")
        }
        Some("SensitivityLabelTemplate") => {
            (TemplateKind::SensitivityLabel, "sensitivityLabelTemplate")
        }
        Some("SensitiveInfoTypeTemplate") => {
            (TemplateKind::SensitiveInfoType, "sensitiveInfoTypeTemplate")
        }
        _ => (TemplateKind::Intune, "intuneTemplate"),
    }
}

/// Whether `def` is a template-backed standard.
pub(crate) fn is_templated(def: &Definition) -> bool {
    def.executor()
        .is_some_and(|e| TEMPLATE_EXECUTORS.contains(&e))
}

/// The template an instance names, and how to deploy it.
pub(crate) struct TemplateTask<'a> {
    pub template: &'a Template,
    pub options: DeployOptions,
}

/// Why a template-backed instance cannot run.
pub(crate) enum TaskError {
    /// No library to find templates in: the standard is not supported in this run.
    NoLibrary,
    /// The settings are wrong (no template named, unknown template, bad state).
    Settings(String),
}

fn text(v: Option<&Value>) -> Option<String> {
    match v? {
        Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_string()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// The template and options of one instance of `def` with `settings`.
pub(crate) fn task<'a>(
    def: &Definition,
    settings: &Map<String, Value>,
    library: Option<&'a TemplateLibrary>,
) -> Result<TemplateTask<'a>, TaskError> {
    let library = library.ok_or(TaskError::NoLibrary)?;
    let vars = variables(def, settings);
    let (kind, default_identity) = executor_kind(def.executor());
    let identity = def
        .extra
        .get("instanceIdentity")
        .and_then(Value::as_str)
        .unwrap_or(default_identity);
    let id = text(vars.get(identity)).ok_or_else(|| {
        TaskError::Settings(format!("{}: no template chosen ({identity})", def.name))
    })?;
    let template = library
        .find(&id)
        .map_err(|e| TaskError::Settings(format!("{}: {e}", def.name)))?;
    // A library holds every kind; a transport rule id given to the group standard is a
    // settings mistake, not something to deploy.
    if template.kind() != kind {
        return Err(TaskError::Settings(format!(
            "{}: template '{id}' is a {:?} template, this standard deploys {kind:?} templates",
            def.name,
            template.kind()
        )));
    }
    let state = match text(vars.get("state")) {
        None => StateOverride::AsTemplate,
        Some(s) => StateOverride::parse(&s).ok_or_else(|| {
            TaskError::Settings(format!("{}: unknown policy state '{s}'", def.name))
        })?,
    };
    let create_groups = matches!(vars.get("createGroups"), Some(Value::Bool(true)))
        || text(vars.get("createGroups")).is_some_and(|s| s.eq_ignore_ascii_case("true"));
    Ok(TemplateTask {
        template,
        options: DeployOptions::new()
            .state(state)
            .create_groups(create_groups),
    })
}

fn state_name(state: StateOverride) -> Option<String> {
    match state {
        StateOverride::AsTemplate => None,
        StateOverride::KeepLive => Some("keep_live".into()),
        other => other.state().map(str::to_string),
    }
}

/// The step that deploys the task's template.
pub(crate) fn step(task: &TemplateTask<'_>) -> Step {
    Step::Template {
        template: task
            .template
            .guid
            .clone()
            .unwrap_or_else(|| task.template.display_name().to_string()),
        name: task.template.display_name().to_string(),
        template_kind: format!("{:?}", task.template.kind()),
        state: state_name(task.options.state),
        create_groups: task.options.create_groups,
    }
}

/// Deploy options from a template step.
pub(crate) fn options_of(state: Option<&str>, create_groups: bool) -> DeployOptions {
    let state = match state {
        Some("keep_live") => StateOverride::KeepLive,
        Some(s) => StateOverride::parse(s).unwrap_or_default(),
        None => StateOverride::AsTemplate,
    };
    DeployOptions::new()
        .state(state)
        .create_groups(create_groups)
}

/// The engine's outcome for a comparison of `template` with the tenant.
pub(crate) fn outcome(template: &Template, comparison: Comparison) -> Outcome {
    let name = template.display_name().to_string();
    let expected = json!({"displayName": name});
    match comparison {
        Comparison::Equal { id } => Outcome::Compliant {
            current: json!({"displayName": name, "id": id}),
        },
        Comparison::Missing => Outcome::Drifted {
            current: json!({"displayName": null}),
            expected: expected.clone(),
            diff: vec![Difference {
                property: "displayName".into(),
                expected: json!(name),
                current: Value::Null,
            }],
        },
        Comparison::Different { id, differences } => Outcome::Drifted {
            current: json!({"displayName": name, "id": id}),
            expected,
            diff: differences
                .into_iter()
                .map(|d| Difference {
                    property: d.path,
                    expected: d.expected.unwrap_or(Value::Null),
                    current: d.found.unwrap_or(Value::Null),
                })
                .collect(),
        },
        // A comparison outcome added later: report it as drift with nothing more to say.
        _ => Outcome::Drifted {
            current: Value::Null,
            expected,
            diff: Vec::new(),
        },
    }
}
