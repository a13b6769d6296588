//! `tenant.templates`: deploy, compare and capture portable Conditional Access, Intune,
//! transport rule and group templates in one tenant, as promises. Templates go in as CIPP's
//! JSON (an object or JSON text).

use cipp::templates::{
    Assignment, DeployOptions, StateOverride, Template, TemplateClient, TemplateKind,
};
use napi::bindgen_prelude::*;
use napi_derive::napi;
use serde_json::Value;

use crate::{invalid, OrJs};

/// Options of `templates.deploy` / `templates.compare`.
#[napi(object)]
pub struct DeployTemplateOptions {
    /// A CA policy's state: `enabled`, `disabled`, `report-only`, `donotchange`.
    pub state: Option<String>,
    /// Create groups the template names that the tenant lacks (deploy only).
    pub create_groups: Option<bool>,
    /// The template's kind (`dlp`, `retention`, `label`, `sit`, `reusablesetting`...) when its
    /// JSON alone does not tell; by default it is recognised from its fields.
    pub kind: Option<String>,
}

/// Templates in one tenant.
/// Who `templates.assign` assigns an Intune policy to.
#[napi(object)]
pub struct TemplateAssignment {
    pub all_users: Option<bool>,
    pub all_devices: Option<bool>,
    pub groups: Option<Vec<String>>,
    pub exclude_groups: Option<Vec<String>>,
}

#[napi]
pub struct Templates {
    pub(crate) client: TemplateClient,
}

fn template(value: Value, kind: Option<&str>) -> Result<Template> {
    let text = match value {
        Value::String(s) => s,
        other => other.to_string(),
    };
    let kind = kind
        .map(|k| k.parse::<TemplateKind>().map_err(|e| invalid("kind", e)))
        .transpose()?;
    Template::from_json(&text, kind)
        .map_err(cipp::Error::from)
        .js()
}

fn options(o: Option<DeployTemplateOptions>) -> Result<DeployOptions> {
    let Some(o) = o else {
        return Ok(DeployOptions::new());
    };
    let state = match o.state.as_deref() {
        None => StateOverride::AsTemplate,
        Some(s) => StateOverride::parse(s)
            .ok_or_else(|| invalid("state", format!("unknown policy state '{s}'")))?,
    };
    Ok(DeployOptions::new()
        .state(state)
        .create_groups(o.create_groups.unwrap_or(false)))
}

fn json<T: serde::Serialize>(value: &T) -> Value {
    serde_json::to_value(value).unwrap_or(Value::Null)
}

#[napi]
impl Templates {
    /// Assign the tenant's policy of an Intune template (deployed before; found by name) to
    /// all licensed users, all devices and/or groups (display name or id), leaving out
    /// `excludeGroups`. Nothing is sent when the assignments already match.
    #[napi]
    pub async fn assign(&self, template: Value, to: TemplateAssignment) -> Result<Value> {
        let t = self::template(template, None)?;
        let to = Assignment {
            all_users: to.all_users.unwrap_or(false),
            all_devices: to.all_devices.unwrap_or(false),
            groups: to.groups.unwrap_or_default(),
            exclude_groups: to.exclude_groups.unwrap_or_default(),
        };
        let r = self
            .client
            .assign(&t, &to, &DeployOptions::new())
            .await
            .map_err(cipp::Error::from)
            .js()?;
        Ok(json(&r))
    }

    /// Create or update (by display name) what the template describes; a second deploy writes
    /// nothing. Resolves to `{ result: 'created' | 'updated' | 'unchanged', id, changed? }`.
    #[napi]
    pub async fn deploy(
        &self,
        template: Value,
        options: Option<DeployTemplateOptions>,
    ) -> Result<Value> {
        let kind = options.as_ref().and_then(|o| o.kind.clone());
        let (t, o) = (
            self::template(template, kind.as_deref())?,
            self::options(options)?,
        );
        let r = self
            .client
            .deploy(&t, &o)
            .await
            .map_err(cipp::Error::from)
            .js()?;
        Ok(json(&r))
    }

    /// How the tenant stands against the template: `{ status: 'missing' | 'equal' |
    /// 'different', id?, differences? }`. Reads only.
    #[napi]
    pub async fn compare(
        &self,
        template: Value,
        options: Option<DeployTemplateOptions>,
    ) -> Result<Value> {
        let kind = options.as_ref().and_then(|o| o.kind.clone());
        let (t, o) = (
            self::template(template, kind.as_deref())?,
            self::options(options)?,
        );
        let r = self
            .client
            .compare(&t, &o)
            .await
            .map_err(cipp::Error::from)
            .js()?;
        Ok(json(&r))
    }

    /// A live object (`kind`: `ca`, `intune`, `transport`, `group`, `dlp`, `retention`, `assignmentfilter`, `reusablesetting`, `label`) as a portable template.
    #[napi]
    pub async fn capture(&self, kind: String, id: String) -> Result<Value> {
        let kind: TemplateKind = kind.parse().map_err(|e: String| invalid("kind", e))?;
        let t = self
            .client
            .capture(kind, &id)
            .await
            .map_err(cipp::Error::from)
            .js()?;
        Ok(t.to_json())
    }
}
