//! `RotateDKIM`: no enabled DKIM configuration signs with a 1024-bit key.

use serde_json::{json, Value};

use super::exchange_common::EXCHANGE_PLANS;
use super::util::{exchange, per_object, Finding};
use super::{Assessment, Input, Standard};
use crate::error::StandardsError;

/// Enabled DKIM signing configurations with a 1024-bit selector key are rotated to 2048-bit
/// keys: one `Rotate-DkimSigningConfig -KeySize 2048` per domain. Disabled configurations are
/// left to `AddDKIM`.
#[derive(Debug, Clone, Copy, Default)]
pub struct RotateDkim;

fn short_key(c: &Value) -> bool {
    ["Selector1KeySize", "Selector2KeySize"]
        .iter()
        .any(|k| c[*k].as_u64() == Some(1024) || c[*k].as_str() == Some("1024"))
}

impl Standard for RotateDkim {
    fn name(&self) -> &'static str {
        "RotateDKIM"
    }
    fn label(&self) -> &'static str {
        "2048-bit DKIM keys"
    }
    fn category(&self) -> &'static str {
        "Exchange Standards"
    }
    fn description(&self) -> &'static str {
        "Rotates the DKIM keys of every signing domain still using 1024-bit keys to 2048-bit \
         keys, which are far harder to break."
    }
    fn cache_types(&self) -> &'static [&'static str] {
        &["ExoDkimSigningConfig"]
    }
    fn required_capabilities(&self) -> &'static [&'static str] {
        EXCHANGE_PLANS
    }

    fn assess(&self, input: &Input<'_>) -> Result<Assessment, StandardsError> {
        let findings = input
            .rows("ExoDkimSigningConfig")
            .iter()
            .filter(|c| c["Enabled"].as_bool() == Some(true) && short_key(c))
            .filter_map(|c| {
                let id = c["Identity"].as_str().or(c["Domain"].as_str())?;
                Some(Finding {
                    object: c["Domain"].as_str().unwrap_or(id).to_string(),
                    current: json!({"Selector1KeySize": c["Selector1KeySize"].clone(),
                                    "Selector2KeySize": c["Selector2KeySize"].clone()}),
                    expected: json!({"Selector1KeySize": 2048, "Selector2KeySize": 2048}),
                    step: exchange(
                        "Rotate-DkimSigningConfig",
                        json!({"Identity": id, "KeySize": 2048}),
                    ),
                })
            })
            .collect();
        Ok(per_object(Value::Null, findings))
    }
}
