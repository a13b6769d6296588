//! `Digest`: everything one run delivers to one destination, in one message, and the shapes
//! it takes (HTML for mail, lines for chat).

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::Value;

use crate::finding::Finding;
use crate::time;

/// One run's findings for one destination.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct Digest {
    /// The subject line.
    pub title: String,
    /// When the run judged the tenants (Unix seconds).
    pub generated_at: i64,
    /// The findings, grouped by tenant then rule when rendered.
    pub findings: Vec<Finding>,
}

impl Digest {
    /// A digest of `findings`, titled from their count and tenants.
    pub fn new(findings: Vec<Finding>, generated_at: i64) -> Digest {
        let tenants = findings
            .iter()
            .map(|f| f.tenant.to_lowercase())
            .collect::<std::collections::BTreeSet<_>>()
            .len();
        Digest {
            title: format!(
                "CIPP alerts: {} finding{} in {} tenant{}",
                findings.len(),
                if findings.len() == 1 { "" } else { "s" },
                tenants,
                if tenants == 1 { "" } else { "s" }
            ),
            generated_at,
            findings,
        }
    }

    /// Findings by tenant (sorted), each list in rule order.
    pub fn by_tenant(&self) -> BTreeMap<&str, Vec<&Finding>> {
        let mut m: BTreeMap<&str, Vec<&Finding>> = BTreeMap::new();
        for f in &self.findings {
            m.entry(f.tenant.as_str()).or_default().push(f);
        }
        for v in m.values_mut() {
            v.sort_by(|a, b| a.rule.cmp(&b.rule).then(a.title.cmp(&b.title)));
        }
        m
    }

    /// An HTML body: one table per tenant (rule, finding, details), values escaped.
    pub fn to_html(&self) -> String {
        let mut h = format!(
            "<html><body style=\"font-family:Segoe UI,Arial,sans-serif\"><h2>{}</h2><p>Generated {}</p>",
            esc(&self.title),
            time::format(self.generated_at)
        );
        for (tenant, findings) in self.by_tenant() {
            h.push_str(&format!(
                "<h3>{}</h3><table border=\"1\" cellpadding=\"4\" cellspacing=\"0\"><tr><th>Alert</th><th>Finding</th><th>Details</th></tr>",
                esc(tenant)
            ));
            for f in findings {
                h.push_str(&format!(
                    "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
                    esc(&f.rule),
                    esc(&f.title),
                    details(&f.data)
                ));
            }
            h.push_str("</table>");
        }
        h.push_str("</body></html>");
        h
    }
}

/// `key: value` lines of a row (nested values as compact JSON, lists one per line), escaped,
/// without `Message` and `Tenant` (shown elsewhere).
fn details(data: &Value) -> String {
    let Some(o) = data.as_object() else {
        return esc(&data.to_string());
    };
    o.iter()
        .filter(|(k, v)| !matches!(k.as_str(), "Message" | "Tenant") && !v.is_null())
        .map(|(k, v)| {
            let text = match v {
                Value::String(s) => s.clone(),
                Value::Array(a) => a
                    .iter()
                    .map(|x| x.as_str().map_or_else(|| x.to_string(), str::to_string))
                    .collect::<Vec<_>>()
                    .join("<br>"),
                other => other.to_string(),
            };
            format!(
                "{}: {}",
                esc(k),
                if matches!(v, Value::Array(_)) {
                    text
                } else {
                    esc(&text)
                }
            )
        })
        .collect::<Vec<_>>()
        .join("<br>")
}

/// HTML-escape.
pub(crate) fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}
