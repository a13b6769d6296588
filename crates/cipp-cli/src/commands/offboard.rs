//! `cipp offboard --tenant T --user UPN [--step NAME]... [--dry-run] [--yes]`: CIPP's
//! offboarding as one run, each step reported.

use cipp::actions::offboard::{OffboardOptions, OffboardStep};
use cipp::Error;
use clap::Args;
use serde_json::{json, Value};

use crate::output;

#[derive(Debug, Args)]
pub struct OffboardArgs {
    /// Tenant GUID or domain.
    #[arg(long, short)]
    tenant: String,
    /// The user: UPN or object id.
    #[arg(long, short)]
    user: String,
    /// A step by CIPP's name (RevokeSessions, ResetPass, DisableSignIn, HideFromGAL,
    /// RemoveGroups, RemoveRules, RemoveMobile, removeCalendarInvites, disableForwarding,
    /// DisableOneDriveSharing, removePermissions, removeCalendarPermissions, ConvertToShared,
    /// RemoveMFADevices, RemoveTeamsPhoneDID, RemoveLicenses, ClearImmutableId, DeleteUser),
    /// repeatable; `all` selects every one of these.
    #[arg(long = "step")]
    steps: Vec<String>,
    /// Automatic reply text.
    #[arg(long)]
    ooo: Option<String>,
    /// Forward mail to this user.
    #[arg(long)]
    forward_to: Option<String>,
    /// With --forward-to: keep a copy.
    #[arg(long)]
    keep_copy: bool,
    /// Give this user Full Access to the mailbox (automapped), repeatable.
    #[arg(long)]
    access_automap: Vec<String>,
    /// Give this user Full Access to the mailbox (not automapped), repeatable.
    #[arg(long)]
    access_no_automap: Vec<String>,
    /// Give this user access to the OneDrive, repeatable.
    #[arg(long)]
    onedrive_access: Vec<String>,
    /// Remove licences (and delete the user, if chosen) this many minutes later instead of in
    /// this run; the report's follow-up task does it (CIPP waits 5).
    #[arg(long, value_name = "MINUTES")]
    licence_delay: Option<u32>,
    /// Only list the steps; send nothing.
    #[arg(long)]
    dry_run: bool,
    /// Confirm destructive steps (delete, licence removal, conversion).
    #[arg(long)]
    yes: bool,
}

impl OffboardArgs {
    fn options(&self) -> Result<OffboardOptions, Error> {
        let mut o = OffboardOptions {
            out_of_office: self.ooo.clone(),
            forward_to: self.forward_to.clone(),
            keep_copy: self.keep_copy,
            mailbox_access_automap: self.access_automap.clone(),
            mailbox_access_no_automap: self.access_no_automap.clone(),
            onedrive_access: self.onedrive_access.clone(),
            licence_removal_delay_minutes: self.licence_delay,
            confirm: self.yes,
            ..OffboardOptions::default()
        };
        for s in &self.steps {
            if s.eq_ignore_ascii_case("all") {
                for step in OffboardStep::ORDER {
                    // Steps that need a value are set through their own flags.
                    let _ = o.select(step.name());
                }
                continue;
            }
            o.select(s)?;
        }
        Ok(o)
    }
}

pub async fn run(args: OffboardArgs, json_out: bool) -> Result<(), Error> {
    let options = args.options()?;
    let cipp = super::cipp_from_env()?;
    let offboarding = cipp.tenant(args.tenant.clone()).offboarding();
    let report = if args.dry_run {
        offboarding.dry_run(&args.user, &options)?
    } else {
        offboarding.run(&args.user, &options).await?
    };
    let value = serde_json::to_value(&report).unwrap_or(Value::Null);
    if json_out {
        output::print_json(&value);
    } else {
        let rows: Vec<Value> = report
            .steps
            .iter()
            .map(|s| json!({"step": s.step, "state": s.state, "result": s.result_text}))
            .collect();
        output::print_human(&Value::Array(rows), &[]);
        for f in &report.follow_ups {
            eprintln!(
                "follow-up '{}': run the `offboard` command with {} at or after {} (Unix seconds)",
                f.name, f.parameters, f.not_before
            );
        }
    }
    if !report.succeeded() {
        let failed: Vec<&str> = report.failed().map(|s| s.step.as_str()).collect();
        return Err(Error::invalid_input(
            "offboarding",
            format!("steps failed: {}", failed.join(", ")),
        ));
    }
    Ok(())
}
