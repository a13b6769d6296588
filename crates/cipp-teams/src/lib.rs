//! # cipp-teams
//!
//! The Teams admin ConfigAPI (what the Teams PowerShell module's `*-Cs*` cmdlets call) for
//! customer tenants: tenant service discovery, policies and configurations listed, read and
//! changed read-modify-write, with the extra routing federation settings need.
//!
//! ```no_run
//! # async fn run(pipeline: cipp_core::Pipeline) -> Result<(), cipp_teams::TeamsError> {
//! use cipp_teams::TeamsClient;
//! let teams = TeamsClient::new(pipeline, "alpha.onmicrosoft.com");
//! let policy = teams.get("Get-CsTeamsMeetingPolicy", None).await?;
//! println!("anonymous join: {}", policy["AllowAnonymousUsersToJoinMeeting"]);
//! let mut change = serde_json::Map::new();
//! change.insert("AllowAnonymousUsersToJoinMeeting".into(), false.into());
//! let outcome = teams.set("TeamsMeetingPolicy", None, &change).await?;
//! println!("changed: {}", outcome.changed);
//! # Ok(()) }
//! ```

mod client;
mod error;

pub use client::{policy_type, Discovery, SetOutcome, TeamsClient};
pub use error::TeamsError;
