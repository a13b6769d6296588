//! `tenant.exchange`: Exchange Online (and `.compliance`) cmdlets as promises of plain
//! objects; rows keep Exchange's PascalCase property names.

use cipp::exchange::{Anchor, Cmdlet, ExchangeClient, ExchangeError};
use cipp::Cipp;
use napi::bindgen_prelude::*;
use napi_derive::napi;
use serde_json::{json, Value};

use crate::js_error;

/// Exchange Online cmdlets in one tenant.
#[napi]
pub struct Exchange {
    pub(crate) cipp: Cipp,
    pub(crate) tenant: String,
    pub(crate) compliance: bool,
}

/// Options of `invoke`.
#[napi(object)]
pub struct InvokeOptions {
    /// Properties to return.
    pub select: Option<Vec<String>>,
    /// Run on this mailbox (UPN or object id) instead of the system mailbox.
    pub anchor: Option<String>,
}

/// A refused cmdlet becomes `CmdletError` with `cmdlet`, `exceptionType`, `exchangeCode`,
/// `target` and `detail`; anything else maps like every other error.
fn exo_error(e: ExchangeError) -> Error {
    let Some(c) = e.as_cmdlet().cloned() else {
        return js_error(e.into());
    };
    let info = json!({
        "kind": "CmdletError",
        "message": c.to_string(),
        "status": c.status,
        "code": c.short_type().or(c.code.as_deref()),
        "tenant": c.tenant,
        "requestId": c.request_id,
        "cmdlet": c.cmdlet,
        "exceptionType": c.exception_type,
        "exchangeCode": c.code,
        "target": c.target,
        "detail": c.message,
    });
    Error::new(Status::GenericFailure, format!("CIPP_ERROR:{info}"))
}

fn cmdlet(
    exo: &ExchangeClient,
    name: String,
    parameters: Option<Value>,
    options: Option<InvokeOptions>,
) -> Result<Cmdlet> {
    let mut c = exo
        .cmdlet(name)
        .params(parameters.unwrap_or(Value::Null))
        .map_err(exo_error)?;
    if let Some(o) = options {
        if let Some(s) = o.select {
            c = c.select(s);
        }
        if let Some(a) = o.anchor {
            c = c.anchor(Anchor::mailbox(a));
        }
    }
    Ok(c)
}

fn to_value<T: serde::Serialize>(v: std::result::Result<T, ExchangeError>) -> Result<Value> {
    let v = v.map_err(exo_error)?;
    serde_json::to_value(v).map_err(|e| crate::invalid("exchange", e.to_string()))
}

/// Large results (cmdlet rows, every mailbox) cross as JSON text that `lib/index.js` hands to
/// `JSON.parse`, as Graph pages do: cheaper than one N-API call per property.
fn to_text<T: serde::Serialize>(v: std::result::Result<T, ExchangeError>) -> Result<String> {
    let v = v.map_err(exo_error)?;
    serde_json::to_string(&v).map_err(|e| crate::invalid("exchange", e.to_string()))
}

impl Exchange {
    fn client(&self) -> ExchangeClient {
        let exo = self.cipp.tenant(self.tenant.clone()).exchange();
        if self.compliance {
            exo.compliance()
        } else {
            exo
        }
    }
}

#[napi]
impl Exchange {
    /// The same tenant's Security & Compliance cmdlets.
    #[napi(getter)]
    pub fn compliance(&self) -> Exchange {
        Exchange {
            cipp: self.cipp.clone(),
            tenant: self.tenant.clone(),
            compliance: true,
        }
    }

    /// Run a cmdlet and resolve to its rows (every page).
    #[napi]
    pub async fn invoke_json(
        &self,
        name: String,
        parameters: Option<Value>,
        options: Option<InvokeOptions>,
    ) -> Result<String> {
        let c = cmdlet(&self.client(), name, parameters, options)?;
        to_text(c.rows().await)
    }

    /// Like `invoke`, resolving to `{rows, warnings, pages}`.
    #[napi]
    pub async fn invoke_output_json(
        &self,
        name: String,
        parameters: Option<Value>,
        options: Option<InvokeOptions>,
    ) -> Result<String> {
        let c = cmdlet(&self.client(), name, parameters, options)?;
        let out = c.invoke().await.map_err(exo_error)?;
        Ok(json!({"rows": out.rows, "warnings": out.warnings, "pages": out.pages}).to_string())
    }

    /// Many cmdlets in `$batch` calls of ten: `[{cmdlet, parameters, id, select}]` ->
    /// `{operations: [{id, cmdlet, success, rows, warnings | error}], round_trips}`.
    #[napi]
    pub async fn bulk(&self, operations: Value) -> Result<Value> {
        let exo = self.client();
        let ops = exo.operations_from_json(operations).map_err(exo_error)?;
        let result = exo.bulk(ops).await.map_err(exo_error)?;
        Ok(result.to_json())
    }

    /// Every mailbox.
    #[napi]
    pub async fn mailboxes_json(&self) -> Result<String> {
        to_text(self.client().mailboxes().await)
    }

    /// The inbox rules of a mailbox.
    #[napi]
    pub async fn inbox_rules(&self, mailbox: String) -> Result<Value> {
        to_value(self.client().inbox_rules(&mailbox).await)
    }

    /// `Get-OrganizationConfig`.
    #[napi]
    pub async fn organization_config(&self) -> Result<Value> {
        to_value(self.client().organization_config().await)
    }

    /// The cmdlets the tenant's admin session may run.
    #[napi]
    pub async fn available_cmdlets(&self) -> Result<Vec<String>> {
        self.client().available_cmdlets().await.map_err(exo_error)
    }
}
