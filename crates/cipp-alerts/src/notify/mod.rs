//! Notifiers: where digests go. One [`Notifier`] per destination; a run sends each
//! destination one digest.

mod email;
mod formats;
mod retry;
mod webhook;

use async_trait::async_trait;

pub use email::EmailNotifier;
pub use formats::WebhookFormat;
pub use retry::RetryOptions;
pub use webhook::{WebhookAuth, WebhookNotifier};

use crate::digest::Digest;
use crate::error::AlertError;

/// What a successful delivery took.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Sent {
    /// Attempts, the successful one included.
    pub attempts: u32,
    /// The final HTTP status, when known.
    pub status: Option<u16>,
}

/// A destination. Implementations never put a secret (or a URL that may embed one) in
/// their `Debug` output or their errors.
#[async_trait]
pub trait Notifier: Send + Sync + std::fmt::Debug {
    /// The destination's name, as the configuration and reports call it.
    fn name(&self) -> &str;
    /// Deliver one digest (retrying what can be retried).
    async fn send(&self, digest: &Digest) -> Result<Sent, AlertError>;
}
