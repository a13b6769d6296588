//! `cipp template deploy|compare|capture`: portable policy templates.

use std::path::PathBuf;

use cipp::templates::{
    Comparison, DeployOptions, DeployOutcome, StateOverride, Template, TemplateClient,
    TemplateKind, TemplateLibrary,
};
use cipp::Error;
use clap::{Args, Subcommand};
use serde_json::{json, Value};

use crate::output;

#[derive(Debug, Subcommand)]
pub enum TemplateCommand {
    /// Create or update a tenant's objects from templates (by display name; a template that
    /// already matches is left alone).
    Deploy(DeployArgs),
    /// Compare templates with a tenant: missing, equal, or the differences.
    Compare(SourceArgs),
    /// Turn a live object into a portable template.
    Capture(CaptureArgs),
}

#[derive(Debug, Args)]
pub struct SourceArgs {
    /// One template file.
    #[arg(long, conflicts_with = "dir", required_unless_present = "dir")]
    file: Option<PathBuf>,
    /// A folder of template files (searched recursively).
    #[arg(long)]
    dir: Option<PathBuf>,
    /// Only these templates of the folder (GUID or display name), repeatable.
    #[arg(long = "only", requires = "dir")]
    only: Vec<String>,
    /// Tenant GUID or domain.
    #[arg(long, short)]
    tenant: String,
    /// Conditional Access state: enabled, disabled, report-only, keep (existing policies keep
    /// theirs), template (default).
    #[arg(long, default_value = "template")]
    state: String,
    /// `name=value` for `%name%` in Intune payloads, repeatable.
    #[arg(long = "var")]
    vars: Vec<String>,
}

#[derive(Debug, Args)]
pub struct DeployArgs {
    #[command(flatten)]
    source: SourceArgs,
    /// Create groups Conditional Access templates name but the tenant lacks (otherwise such a
    /// template fails and nothing is written for it).
    #[arg(long)]
    create_groups: bool,
    /// After deploying, assign each Intune policy to all licensed users.
    #[arg(long)]
    assign_all_users: bool,
    /// After deploying, assign each Intune policy to all devices.
    #[arg(long)]
    assign_all_devices: bool,
    /// After deploying, assign each Intune policy to this group (name or id), repeatable.
    #[arg(long = "assign-group")]
    assign_groups: Vec<String>,
    /// With an assignment: leave this group out (name or id), repeatable.
    #[arg(long = "exclude-group")]
    exclude_groups: Vec<String>,
}

impl DeployArgs {
    /// The assignment asked for, if any.
    fn assignment(&self) -> Option<cipp::templates::Assignment> {
        let any =
            self.assign_all_users || self.assign_all_devices || !self.assign_groups.is_empty();
        any.then(|| cipp::templates::Assignment {
            all_users: self.assign_all_users,
            all_devices: self.assign_all_devices,
            groups: self.assign_groups.clone(),
            exclude_groups: self.exclude_groups.clone(),
        })
    }
}

#[derive(Debug, Args)]
pub struct CaptureArgs {
    /// Tenant GUID or domain.
    #[arg(long, short)]
    tenant: String,
    /// What to capture: ca, intune, group, transport, dlp, retention, assignmentfilter,
    /// reusablesetting or label.
    #[arg(long, value_parser = parse_kind)]
    kind: TemplateKind,
    /// Object id (a transport rule's, compliance policy's or label's name works too).
    #[arg(long)]
    id: String,
    /// Write the template here (a folder gets `<guid>.<Kind>Template.json`); default stdout.
    #[arg(long)]
    out: Option<PathBuf>,
}

fn templates(args: &SourceArgs) -> Result<Vec<Template>, Error> {
    if let Some(file) = &args.file {
        return Ok(vec![Template::from_file(file)?]);
    }
    let Some(dir) = &args.dir else {
        return Err(Error::invalid_input("--file", "give --file or --dir"));
    };
    let library = TemplateLibrary::load(dir)?;
    if args.only.is_empty() {
        return Ok(library.into_iter().collect());
    }
    args.only
        .iter()
        .map(|q| library.find(q).cloned().map_err(Error::from))
        .collect()
}

fn options(args: &SourceArgs, create_groups: bool) -> Result<DeployOptions, Error> {
    let state = StateOverride::parse(&args.state).ok_or_else(|| {
        Error::invalid_input(
            "--state",
            format!(
                "'{}' is not enabled, disabled, report-only, keep or template",
                args.state
            ),
        )
    })?;
    let mut o = DeployOptions::new()
        .state(state)
        .create_groups(create_groups);
    for v in &args.vars {
        let (name, value) = v
            .split_once('=')
            .filter(|(n, _)| !n.trim().is_empty())
            .ok_or_else(|| Error::invalid_input("--var", format!("'{v}' is not name=value")))?;
        o = o.variable(name.trim(), value);
    }
    Ok(o)
}

fn parse_kind(s: &str) -> Result<TemplateKind, String> {
    s.parse()
}

fn kind_name(k: TemplateKind) -> &'static str {
    k.short_name()
}

pub async fn run(cmd: TemplateCommand, json_out: bool) -> Result<(), Error> {
    let cipp = super::cipp_from_env()?;
    match cmd {
        TemplateCommand::Deploy(args) => {
            let list = templates(&args.source)?;
            let opts = options(&args.source, args.create_groups)?;
            let client = TemplateClient::new(cipp.pipeline().clone(), &args.source.tenant);
            let reports = client.deploy_all(&list, &opts).await;
            let mut assigned = Vec::new();
            if let Some(to) = args.assignment() {
                for (t, r) in list.iter().zip(&reports) {
                    let intune = matches!(t.body, cipp::templates::TemplateBody::Intune(_));
                    if intune && r.result.is_ok() {
                        assigned.push(Some(client.assign(t, &to, &opts).await));
                    } else {
                        assigned.push(None);
                    }
                }
            }
            let mut failed = 0;
            let rows: Vec<Value> = reports
                .iter()
                .enumerate()
                .map(|(i, r)| {
                    let mut row =
                        json!({"template": r.template, "guid": r.guid, "kind": kind_name(r.kind)});
                    match assigned.get(i).and_then(Option::as_ref) {
                        Some(Ok(DeployOutcome::Unchanged { .. })) => {
                            row["assignment"] = json!("unchanged")
                        }
                        Some(Ok(_)) => row["assignment"] = json!("assigned"),
                        Some(Err(e)) => {
                            failed += 1;
                            row["assignment"] = json!(format!("failed: {e}"));
                        }
                        None => {}
                    }
                    match &r.result {
                        Ok(DeployOutcome::Created { id }) => {
                            row["result"] = json!("created");
                            row["id"] = json!(id);
                        }
                        Ok(DeployOutcome::Updated { id, changed }) => {
                            row["result"] = json!("updated");
                            row["id"] = json!(id);
                            row["changed"] = json!(changed);
                        }
                        Ok(DeployOutcome::Unchanged { id }) => {
                            row["result"] = json!("unchanged");
                            row["id"] = json!(id);
                        }
                        Ok(other) => row["result"] = json!(format!("{other:?}")),
                        Err(e) => {
                            failed += 1;
                            row["result"] = json!("failed");
                            row["error"] = json!(e.to_string());
                        }
                    }
                    row
                })
                .collect();
            print(
                json_out,
                rows,
                &[
                    "template",
                    "kind",
                    "result",
                    "id",
                    "changed",
                    "assignment",
                    "error",
                ],
            );
            if failed > 0 {
                return Err(Error::invalid_input(
                    "templates",
                    format!("{failed} of {} templates failed to deploy", reports.len()),
                ));
            }
            Ok(())
        }
        TemplateCommand::Compare(args) => {
            let list = templates(&args)?;
            let opts = options(&args, false)?;
            let client = TemplateClient::new(cipp.pipeline().clone(), &args.tenant);
            let rows: Vec<Value> = client
                .compare_all(&list, &opts)
                .await
                .into_iter()
                .map(|r| {
                    let mut row =
                        json!({"template": r.template, "guid": r.guid, "kind": kind_name(r.kind)});
                    match r.result {
                        Ok(Comparison::Missing) => row["result"] = json!("missing"),
                        Ok(Comparison::Equal { id }) => {
                            row["result"] = json!("equal");
                            row["id"] = json!(id);
                        }
                        Ok(Comparison::Different { id, differences }) => {
                            row["result"] = json!("different");
                            row["id"] = json!(id);
                            row["differences"] =
                                serde_json::to_value(differences).unwrap_or_default();
                        }
                        Ok(other) => row["result"] = json!(format!("{other:?}")),
                        Err(e) => {
                            row["result"] = json!("failed");
                            row["error"] = json!(e.to_string());
                        }
                    }
                    row
                })
                .collect();
            print(
                json_out,
                rows,
                &["template", "kind", "result", "id", "error"],
            );
            Ok(())
        }
        TemplateCommand::Capture(args) => {
            let client = TemplateClient::new(cipp.pipeline().clone(), &args.tenant);
            let template = client.capture(args.kind, &args.id).await?;
            let text = serde_json::to_string_pretty(&template.to_json())
                .map_err(|e| Error::invalid_input("template", e.to_string()))?;
            match args.out {
                None => println!("{text}"),
                Some(out) => {
                    let path = if out.is_dir() {
                        out.join(template.file_name())
                    } else {
                        out
                    };
                    std::fs::write(&path, format!("{text}\n")).map_err(|e| {
                        Error::invalid_input("--out", format!("{}: {e}", path.display()))
                    })?;
                    if json_out {
                        output::print_json(
                            &json!({"written": path, "template": template.display_name(), "guid": template.guid}),
                        );
                    } else {
                        eprintln!("wrote {} ({})", path.display(), template.display_name());
                    }
                }
            }
            Ok(())
        }
    }
}

fn print(json_out: bool, rows: Vec<Value>, columns: &[&str]) {
    let value = Value::Array(rows);
    if json_out {
        output::print_json(&value);
    } else {
        let cols: Vec<String> = columns.iter().map(|c| (*c).to_string()).collect();
        output::print_human(&value, &cols);
    }
}
