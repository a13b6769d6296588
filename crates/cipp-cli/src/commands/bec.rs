//! `cipp bec research|remediate`: compromised-account research and remediation for one user.

use cipp::actions::bec::{RemediationOptions, RemediationStep, ResearchOptions};
use cipp::Error;
use clap::Subcommand;

use crate::output;

#[derive(Debug, Subcommand)]
pub enum BecCommand {
    /// Gather sign-ins, inbox rules, forwarding, MFA methods, new apps and users, devices,
    /// sent mail and audit events for one user; suspicious items first.
    Research {
        /// Tenant GUID or domain.
        #[arg(long, short)]
        tenant: String,
        /// The user's UPN or object id.
        #[arg(long, short)]
        user: String,
        /// Days back (1 to 30).
        #[arg(long, default_value_t = 7)]
        days: u32,
        /// End of the window, RFC 3339 UTC (default: now).
        #[arg(long)]
        as_of: Option<String>,
        /// Print the report as Markdown even with `--json` (Markdown is the default).
        #[arg(long)]
        markdown: bool,
    },
    /// Reset password, block sign-in, revoke sessions, remove MFA methods, disable inbox
    /// rules, remove forwarding, OneDrive sharing: each step reported on its own.
    Remediate {
        /// Tenant GUID or domain.
        #[arg(long, short)]
        tenant: String,
        /// The user's UPN or object id.
        #[arg(long, short)]
        user: String,
        /// Only list the steps; change nothing.
        #[arg(long)]
        dry_run: bool,
        /// Confirm the remediation (required unless --dry-run).
        #[arg(long)]
        yes: bool,
        /// A step not to run (repeatable): resetPassword, disableSignIn, revokeSessions,
        /// removeMfaMethods, disableInboxRules, removeForwarding, disableOneDriveSharing.
        #[arg(long = "skip")]
        skip: Vec<String>,
    },
}

pub async fn run(cmd: BecCommand, json_out: bool) -> Result<(), Error> {
    let cipp = super::cipp_from_env()?;
    match cmd {
        BecCommand::Research {
            tenant,
            user,
            days,
            as_of,
            markdown,
        } => {
            let options = ResearchOptions { days, as_of };
            let report = cipp.tenant(tenant).bec().research(&user, &options).await?;
            if json_out && !markdown {
                output::print_json(&serde_json::to_value(&report).unwrap_or_default());
            } else {
                print!("{}", report.to_markdown());
            }
        }
        BecCommand::Remediate {
            tenant,
            user,
            dry_run,
            yes,
            skip,
        } => {
            let mut options = RemediationOptions {
                confirm: yes,
                ..Default::default()
            };
            for s in &skip {
                options.skip.insert(s.parse::<RemediationStep>()?);
            }
            let bec = cipp.tenant(tenant).bec();
            let report = if dry_run {
                bec.plan(&user, &options).await?
            } else if !yes {
                return Err(Error::invalid_input(
                    "--yes",
                    "remediation changes the account (password, sign-in, MFA, rules); pass --yes to confirm or --dry-run to see the steps",
                ));
            } else {
                bec.remediate(&user, &options).await?
            };
            if json_out {
                output::print_json(&serde_json::to_value(&report).unwrap_or_default());
            } else {
                print!("{}", report.to_markdown());
            }
            let failed = report.failures().count();
            if failed > 0 {
                eprintln!("error: {failed} remediation step(s) failed; the others ran");
                // Scripts need a failing exit status; the report above says which steps.
                std::process::exit(1);
            }
        }
    }
    Ok(())
}
