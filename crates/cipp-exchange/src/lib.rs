//! # cipp-exchange
//!
//! Exchange Online and Security & Compliance administration for customer tenants, over the
//! admin API's `InvokeCommand` (the REST surface the Exchange PowerShell module itself uses;
//! no PowerShell involved).
//!
//! ```no_run
//! # async fn run(pipeline: cipp_core::Pipeline) -> Result<(), cipp_exchange::ExchangeError> {
//! use cipp_exchange::ExchangeClient;
//! let exo = ExchangeClient::new(pipeline, "alpha.onmicrosoft.com");
//! for mailbox in exo.mailboxes().await? {
//!     if mailbox.forwards() {
//!         println!("{:?} forwards mail", mailbox.user_principal_name);
//!     }
//! }
//! // Any cmdlet, raw rows:
//! let rules = exo.cmdlet("Get-TransportRule").select(["Name", "State"]).rows().await?;
//! // Security & Compliance (the regional host is found once per tenant):
//! let labels = exo.compliance().cmdlet("Get-Label").rows().await?;
//! # let _ = (rules, labels); Ok(()) }
//! ```
//!
//! What it does for you:
//! - the tenant GUID in the URL (looked up from a domain once), the anchor mailbox each cmdlet
//!   needs ([`Anchor`]), `Prefer: odata.maxpagesize=1000`, every page followed;
//! - warnings Exchange returns with a success (`@adminapi.warnings`) kept in
//!   [`CmdletOutput::warnings`];
//! - errors read from wherever Exchange put them and split into a typed [`CmdletError`]
//!   (`ExNNNNNN` code, .NET exception type, message, target);
//! - throttling retried after `Retry-After`; a write is never resent after a timeout;
//! - [`ExchangeClient::bulk`]: many cmdlets in `$batch` calls of ten, one result per operation,
//!   throttled operations resent, none dropped.

mod anchor;
mod bulk;
mod client;
mod cmdlet;
mod error;
pub mod models;
mod resources;

pub use anchor::{Anchor, ADMIN_AUDIT_LOG_MAILBOX, SYSTEM_MAILBOX};
pub use bulk::{BulkResult, OperationResult, BATCH_SIZE};
pub use client::{Endpoint, ExchangeCache, ExchangeClient, ExchangeClientBuilder};
pub use cmdlet::{Cmdlet, CmdletOutput};
pub use error::{CmdletError, ExchangeError};
pub use resources::POLICY_CMDLETS;
