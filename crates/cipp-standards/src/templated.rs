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

/// One executor whose standards deploy stored templates (CIPP names the standard after it).
pub(crate) struct TemplateExecutor {
    /// The executor, and the standard's name.
    pub name: &'static str,
    /// The kind of template it deploys.
    pub kind: TemplateKind,
    /// The settings field that names the templates when the definition does not say
    /// (`instanceIdentity`).
    pub field: &'static str,
    /// Whether that field holds a list of templates (one instance per template), as it does
    /// for every kind but Conditional Access and Intune.
    pub list: bool,
}

/// Every template executor.
pub(crate) const TEMPLATE_EXECUTORS: &[TemplateExecutor] = &[
    TemplateExecutor {
        name: "CATemplate",
        kind: TemplateKind::ConditionalAccess,
        field: "caTemplate",
        list: false,
    },
    TemplateExecutor {
        name: "IntuneTemplate",
        kind: TemplateKind::Intune,
        field: "intuneTemplate",
        list: false,
    },
    TemplateExecutor {
        name: "TransportRuleTemplate",
        kind: TemplateKind::TransportRule,
        field: "transportRuleTemplate",
        list: true,
    },
    TemplateExecutor {
        name: "GroupTemplate",
        kind: TemplateKind::Group,
        field: "groupTemplate",
        list: true,
    },
    TemplateExecutor {
        name: "DlpCompliancePolicyTemplate",
        kind: TemplateKind::DlpCompliancePolicy,
        field: "dlpCompliancePolicyTemplate",
        list: true,
    },
    TemplateExecutor {
        name: "RetentionCompliancePolicyTemplate",
        kind: TemplateKind::RetentionCompliancePolicy,
        field: "retentionCompliancePolicyTemplate",
        list: true,
    },
    TemplateExecutor {
        name: "ExchangeConnectorTemplate",
        kind: TemplateKind::ExchangeConnector,
        field: "exConnectorTemplate",
        list: true,
    },
    TemplateExecutor {
        name: "TenantAllowBlockListTemplate",
        kind: TemplateKind::TenantAllowBlockList,
        field: "TenantAllowBlockListTemplate",
        list: true,
    },
    TemplateExecutor {
        name: "SafeLinksTemplatePolicy",
        kind: TemplateKind::SafeLinks,
        field: "TemplateIds",
        list: true,
    },
    TemplateExecutor {
        name: "DeployContactTemplates",
        kind: TemplateKind::Contact,
        field: "templateIds",
        list: true,
    },
    TemplateExecutor {
        name: "AssignmentFilterTemplate",
        kind: TemplateKind::AssignmentFilter,
        field: "assignmentFilterTemplate",
        list: true,
    },
    TemplateExecutor {
        name: "ReusableSettingsTemplate",
        kind: TemplateKind::ReusableSetting,
        field: "reusableSettingsTemplate",
        list: true,
    },
    TemplateExecutor {
        name: "SensitivityLabelTemplate",
        kind: TemplateKind::SensitivityLabel,
        field: "sensitivityLabelTemplate",
        list: true,
    },
    TemplateExecutor {
        name: "SensitiveInfoTypeTemplate",
        kind: TemplateKind::SensitiveInfoType,
        field: "sensitiveInfoTypeTemplate",
        list: true,
    },
];

/// The executor named `name` (any case).
pub(crate) fn template_executor(name: &str) -> Option<&'static TemplateExecutor> {
    TEMPLATE_EXECUTORS
        .iter()
        .find(|e| e.name.eq_ignore_ascii_case(name))
}

/// Whether `def` is a template-backed standard.
pub(crate) fn is_templated(def: &Definition) -> bool {
    def.executor()
        .is_some_and(|e| TEMPLATE_EXECUTORS.iter().any(|x| x.name == e))
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
    let executor = def
        .executor()
        .and_then(template_executor)
        .ok_or_else(|| TaskError::Settings(format!("{}: not a template standard", def.name)))?;
    let (kind, default_identity) = (executor.kind, executor.field);
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
