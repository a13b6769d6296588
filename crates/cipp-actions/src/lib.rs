//! # cipp-actions
//!
//! What a technician does for one user or one tenant, as library calls:
//! - [`users`]: user management (create, edit, aliases, licences, passwords, Temporary Access
//!   Pass, sign-in state, sessions, MFA methods, delete and restore, mailbox settings);
//! - [`security`]: the account-security primitives that user management, compromised-account
//!   remediation and offboarding share;
//! - [`bec`]: compromised-account research (one structured report) and remediation in CIPP's
//!   order, with a dry run;
//! - [`offboard`]: CIPP's offboarding options as one planned, step-by-step run.
//!
//! Every multi-step action reports each step separately ([`StepOutcome`]) and goes on past a
//! failed step; destructive actions need an explicit confirmation.

mod error;
mod outcome;

pub mod bec;
pub mod offboard;
pub mod security;
pub mod users;

pub use error::ActionError;
pub use outcome::{StepOutcome, StepState};
