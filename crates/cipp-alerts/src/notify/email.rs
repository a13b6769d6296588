//! E-mail through Graph `sendMail`, sent from the partner tenant's CIPP service account
//! (or a named mailbox there): one HTML message per digest.

use async_trait::async_trait;
use cipp_graph::GraphClient;
use serde_json::{json, Value};

use super::{Notifier, Sent};
use crate::digest::Digest;
use crate::error::AlertError;

/// Mails digests through Graph.
///
/// ```no_run
/// # async fn run(pipeline: cipp_core::Pipeline, digest: cipp_alerts::Digest) -> Result<(), cipp_alerts::AlertError> {
/// use cipp_alerts::{EmailNotifier, Notifier};
/// let partner = pipeline.credentials().partner_tenant().to_string();
/// let mail = EmailNotifier::new("it-mail", cipp_graph::GraphClient::new(pipeline, partner), ["it@msp.example"])?;
/// mail.send(&digest).await?;
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct EmailNotifier {
    name: String,
    graph: GraphClient,
    to: Vec<String>,
    from: Option<String>,
}

impl EmailNotifier {
    /// Mail `to` (addresses; comma- or semicolon-separated lists are split) through `graph`
    /// (a client for the partner tenant), from the signed-in service account.
    pub fn new(
        name: impl Into<String>,
        graph: GraphClient,
        to: impl IntoIterator<Item = impl AsRef<str>>,
    ) -> Result<Self, AlertError> {
        let name = name.into();
        let to: Vec<String> = to
            .into_iter()
            .flat_map(|a| {
                a.as_ref()
                    .split([',', ';'])
                    .map(|s| s.trim().to_string())
                    .collect::<Vec<_>>()
            })
            .filter(|a| !a.is_empty())
            .collect();
        if to.is_empty() || to.iter().any(|a| !a.contains('@')) {
            return Err(AlertError::Config {
                source_name: format!("destination {name}"),
                message: format!("needs e-mail addresses, got {to:?}"),
            });
        }
        Ok(EmailNotifier {
            name,
            graph: graph.v1(),
            to,
            from: None,
        })
    }

    /// Send from this mailbox (UPN or id) instead of the signed-in account (`me`).
    pub fn from_mailbox(mut self, mailbox: impl Into<String>) -> Self {
        self.from = Some(mailbox.into());
        self
    }

    /// The `sendMail` request body for `digest`.
    pub fn message(&self, digest: &Digest) -> Value {
        json!({
            "message": {
                "subject": digest.title,
                "body": {"contentType": "HTML", "content": digest.to_html()},
                "toRecipients": self.to.iter().map(|a| json!({"emailAddress": {"address": a}})).collect::<Vec<_>>(),
            },
            "saveToSentItems": true,
        })
    }
}

#[async_trait]
impl Notifier for EmailNotifier {
    fn name(&self) -> &str {
        &self.name
    }

    async fn send(&self, digest: &Digest) -> Result<Sent, AlertError> {
        let path = match &self.from {
            Some(m) => format!("users/{m}/sendMail"),
            None => "me/sendMail".to_string(),
        };
        // The pipeline retries throttling (429/503) with Retry-After.
        self.graph
            .post(&path, &self.message(digest))
            .await
            .map(|_| Sent {
                attempts: 1,
                status: Some(202),
            })
            .map_err(|e| AlertError::Delivery {
                destination: self.name.clone(),
                message: e.to_string(),
                status: None,
            })
    }
}
