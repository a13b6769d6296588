//! One module per top-level command.

pub mod alerts;
pub mod alerts_audit;
pub mod auth;
pub mod bec;
pub mod collect;
pub mod demo;
pub mod exo;
pub mod gdap;
pub mod graph;
pub mod kv;
pub mod offboard;
pub mod schedule;
pub mod sim;
pub mod spo;
pub mod standards;
pub mod teams;
pub mod template;
pub mod tenants;
pub mod user;

use cipp::{Cipp, Error, Service};
use serde_json::{Map, Value};

/// A client signed in to a running simulator with its seeded credentials.
pub fn cipp_for_sim(sim: &cipp_sim::Sim) -> Result<Cipp, Error> {
    let creds = sim.credentials();
    let mut b = Cipp::builder()
        .application_id(creds.application_id)
        .application_secret(creds.application_secret)
        .refresh_token(creds.refresh_token)
        .tenant_id(creds.partner_tenant_id);
    for (name, url) in sim.endpoints() {
        b = b.endpoint(name.parse::<Service>()?, url);
    }
    b.build()
}

/// A client from the environment, with a hint when nothing is configured.
pub fn cipp_from_env() -> Result<Cipp, Error> {
    Cipp::from_env().map_err(|e| match e {
        Error::InvalidInput { field, message } => Error::InvalidInput {
            field,
            message: format!(
                "{message}. Set the CIPP_* variables, run `cipp auth login`, or try `cipp demo`"
            ),
        },
        other => other,
    })
}

/// `Name=Value` pairs into a JSON object, values as JSON when they parse.
pub fn params_object(params: &[String]) -> Result<Map<String, Value>, Error> {
    params
        .iter()
        .map(|p| {
            let (name, value) = p
                .split_once('=')
                .filter(|(n, _)| !n.trim().is_empty())
                .ok_or_else(|| {
                    Error::invalid_input("--param", format!("'{p}' is not Name=Value"))
                })?;
            let value =
                serde_json::from_str(value).unwrap_or_else(|_| Value::String(value.to_string()));
            Ok((name.trim().to_string(), value))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn params_are_json_when_they_can_be() {
        let m = params_object(&[
            "A=true".into(),
            "B=[1,2]".into(),
            "C=Unlimited".into(),
            "D=x=y".into(),
        ])
        .unwrap();
        assert_eq!(m["A"], json!(true));
        assert_eq!(m["B"], json!([1, 2]));
        assert_eq!(m["C"], json!("Unlimited"));
        assert_eq!(m["D"], json!("x=y"));
        assert!(params_object(&["=1".into()]).is_err());
        assert!(params_object(&["nothing".into()]).is_err());
    }
}
