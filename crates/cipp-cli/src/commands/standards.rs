//! `cipp standards`: the catalogue, one definition, and template runs (plan, report, alert,
//! remediate) over one tenant or all of them, with Markdown / HTML / JSON reports.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use cipp::standards::{Definition, Mode, Progress, RunReport, StandardsTemplate, State};
use cipp::Error;
use clap::{Args, Subcommand};
use serde_json::{json, Value};

use crate::output;

#[derive(Debug, Subcommand)]
pub enum StandardsCommand {
    /// List the standards (the built-in catalogue, or the definitions under --definitions).
    List {
        #[command(flatten)]
        source: DefinitionSource,
    },
    /// Show one standard's definition.
    Show {
        /// The standard's name (`DisableSMS`).
        name: String,
        #[command(flatten)]
        source: DefinitionSource,
    },
    /// Evaluate templates (report mode, nothing written) and show what remediation would send.
    Plan(RunArgs),
    /// Run templates in report, alert or remediate mode.
    Run {
        #[command(flatten)]
        run: RunArgs,
        /// report, alert or remediate.
        #[arg(long, default_value = "report")]
        mode: String,
        /// Needed with --mode remediate: writes to tenants.
        #[arg(long)]
        yes: bool,
    },
}

#[derive(Debug, Args)]
pub struct DefinitionSource {
    /// A folder of definition files (CIPP's BaselineStandards folder works) instead of the
    /// built-in catalogue.
    #[arg(long)]
    definitions: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct RunArgs {
    /// A standards template file (CIPP's JSON; one template or an array). Repeatable, oldest
    /// first.
    #[arg(long, required = true)]
    template: Vec<PathBuf>,
    /// One tenant (GUID or domain).
    #[arg(long, short, conflicts_with = "all")]
    tenant: Option<String>,
    /// Every managed tenant the templates reach.
    #[arg(long)]
    all: bool,
    /// Tenants run at once.
    #[arg(long, default_value_t = 8)]
    concurrency: usize,
    /// Keep snapshots and results in this SQLite store and report drift since its last run.
    #[arg(long, env = "CIPP_STORE")]
    store: Option<PathBuf>,
    /// Write the report as a self-contained HTML page.
    #[arg(long)]
    html: Option<PathBuf>,
    /// Write the report as Markdown.
    #[arg(long)]
    markdown: Option<PathBuf>,
    /// Exact comparison instead of CIPP's loose rules.
    #[arg(long)]
    strict: bool,
    /// A folder of Conditional Access / Intune template files (CIPP's format) that
    /// ConditionalAccessTemplate and IntuneTemplate standards name by id.
    #[arg(long, env = "CIPP_TEMPLATES")]
    templates: Option<PathBuf>,
    /// Let remediation disable the users, guests and devices that destructive standards
    /// (DisableGuests, DisableInactiveUsers, StaleEntraDevices) found; without it their
    /// remediation is refused and nothing is written.
    #[arg(long)]
    allow_destructive: bool,
    /// Judge day-counting standards at this time (RFC 3339) instead of the collection time.
    #[arg(long)]
    as_of: Option<String>,
    #[command(flatten)]
    source: DefinitionSource,
}

pub async fn run(command: StandardsCommand, json_out: bool) -> Result<(), Error> {
    match command {
        StandardsCommand::List { source } => list(&options(&source).catalogue()?, json_out),
        StandardsCommand::Show { name, source } => {
            let defs = definitions(&source)?;
            if let Some(def) = defs.iter().find(|d| d.name.eq_ignore_ascii_case(&name)) {
                output::print_json(&serde_json::to_value(def).unwrap_or_default());
                return Ok(());
            }
            // A code standard has no definition file: show its catalogue entry.
            let entry = options(&source)
                .catalogue()?
                .into_iter()
                .find(|e| e.name.eq_ignore_ascii_case(&name))
                .ok_or_else(|| {
                    Error::invalid_input("name", format!("no standard named '{name}'"))
                })?;
            output::print_json(&serde_json::to_value(entry).unwrap_or_default());
            Ok(())
        }
        StandardsCommand::Plan(args) => {
            let report = execute(&args, Mode::Report).await?;
            if json_out {
                output::print_json(&plan_json(&report));
            } else {
                print_plan(&report);
            }
            write_files(&args, &report)
        }
        StandardsCommand::Run { run, mode, yes } => {
            let mode: Mode = mode
                .parse()
                .map_err(|e| Error::invalid_input("--mode", e))?;
            if mode == Mode::Remediate && !yes {
                return Err(Error::invalid_input(
                    "--yes",
                    "remediate writes to tenants; add --yes to go ahead (or run `cipp standards plan` first)",
                ));
            }
            let report = execute(&run, mode).await?;
            if json_out {
                output::print_json(&report.to_json());
            } else {
                print!("{}", summary_table(&report));
            }
            write_files(&run, &report)?;
            outcome(&report)
        }
    }
}

/// The built-in catalogue, or every definition under `--definitions`.
pub fn definitions(source: &DefinitionSource) -> Result<Vec<Definition>, Error> {
    options(source).load_definitions()
}

fn options(source: &DefinitionSource) -> cipp::StandardsOptions {
    match &source.definitions {
        Some(dir) => cipp::StandardsOptions::default().definitions(dir),
        None => cipp::StandardsOptions::default(),
    }
}

fn list(entries: &[cipp::CatalogueEntry], json_out: bool) -> Result<(), Error> {
    let rows: Vec<Value> = entries
        .iter()
        .map(|e| serde_json::to_value(e).unwrap_or_default())
        .collect();
    if json_out {
        output::print_json(&Value::Array(rows));
    } else {
        let rows: Vec<Value> = entries
            .iter()
            .map(|e| {
                json!({
                    "name": e.name,
                    "category": e.category,
                    "impact": e.impact,
                    "kind": if e.destructive { format!("{} (destructive)", e.kind) } else { e.kind.to_string() },
                    "reads": e.reads.join(", "),
                })
            })
            .collect();
        let cols = ["name", "category", "impact", "kind", "reads"].map(String::from);
        print!("{}", output::table(&rows, &cols));
    }
    Ok(())
}

fn templates(paths: &[PathBuf]) -> Result<Vec<StandardsTemplate>, Error> {
    let mut out = Vec::new();
    for path in paths {
        let name = path.display().to_string();
        let text = std::fs::read_to_string(path)
            .map_err(|e| Error::invalid_input("--template", format!("{name}: {e}")))?;
        out.extend(
            StandardsTemplate::all_from_json(&text, &name)
                .map_err(|e| Error::invalid_input("--template", e.to_string()))?,
        );
    }
    Ok(out)
}

async fn execute(args: &RunArgs, mode: Mode) -> Result<RunReport, Error> {
    let templates = templates(&args.template)?;
    let mut options = options(&args.source)
        .concurrency(args.concurrency)
        .strict(args.strict)
        .allow_destructive(args.allow_destructive);
    if let Some(at) = &args.as_of {
        let secs = cipp::alerts::time::parse(at)
            .filter(|s| *s >= 0)
            .ok_or_else(|| {
                Error::invalid_input(
                    "--as-of",
                    format!("'{at}' is not a date (2026-11-01T00:00:00Z)"),
                )
            })?;
        options = options.as_of(secs as u64);
    }
    match (&args.tenant, args.all) {
        (Some(t), false) => options = options.tenants([t.clone()]),
        (None, true) => {}
        _ => return Err(Error::invalid_input("--tenant", "give --tenant T or --all")),
    }
    if let Some(path) = &args.store {
        options = options.store(path);
    }
    if let Some(dir) = &args.templates {
        options = options.templates(dir);
    }
    if std::io::stderr().is_terminal() {
        options = options.on_progress(show_progress);
    }
    let cipp = super::cipp_from_env()?;
    let report = cipp.run_standards(&templates, mode, &options).await?;
    if report.tenants.is_empty() {
        return Err(Error::invalid_input(
            "--template",
            "the templates reach none of the chosen tenants",
        ));
    }
    Ok(report)
}

fn show_progress(p: &Progress) {
    if let Progress::TenantStarted {
        tenant,
        index,
        total,
    } = p
    {
        eprintln!("[{index}/{total}] {tenant}");
    }
}

fn write_files(args: &RunArgs, report: &RunReport) -> Result<(), Error> {
    let write = |path: &Path, text: String, flag: &str| {
        std::fs::write(path, text)
            .map_err(|e| Error::invalid_input(flag, format!("{}: {e}", path.display())))
    };
    if let Some(p) = &args.html {
        write(p, report.to_html(), "--html")?;
    }
    if let Some(p) = &args.markdown {
        write(p, report.to_markdown(), "--markdown")?;
    }
    Ok(())
}

fn count(s: &cipp::standards::Summary, state: State) -> usize {
    s.count(state)
}

fn summary_table(report: &RunReport) -> String {
    let rows: Vec<Value> = report
        .tenants
        .iter()
        .map(|t| {
            let s = &t.summary;
            json!({
                "tenant": t.tenant,
                "alignment": s.alignment.map(|a| format!("{a}%")).unwrap_or_else(|| "-".into()),
                "compliant": count(s, State::Compliant),
                "drifted": count(s, State::Drifted),
                "remediated": count(s, State::Remediated),
                "failed": count(s, State::RemediationFailed) + count(s, State::Unconfirmed) + count(s, State::Error),
                "no_data": count(s, State::NoData),
                "n/a": count(s, State::NotApplicable) + count(s, State::Unsupported),
                "changed": s.changed_since_last,
                "error": t.error,
            })
        })
        .collect();
    let cols = [
        "tenant",
        "alignment",
        "compliant",
        "drifted",
        "remediated",
        "failed",
        "no_data",
        "n/a",
        "changed",
        "error",
    ]
    .map(String::from);
    output::table(&rows, &cols)
}

/// What remediation would send, per tenant and standard.
fn plan_json(report: &RunReport) -> Value {
    Value::Array(
        report
            .tenants
            .iter()
            .map(|t| {
                let standards: Vec<Value> = t
                    .results
                    .iter()
                    .filter(|r| r.state == State::Drifted)
                    .map(|r| {
                        json!({
                            "standard": r.instance().trim_end_matches('|'),
                            "remediate": r.actions.remediate,
                            "steps": r.planned,
                            "error": r.error,
                        })
                    })
                    .collect();
                json!({"tenant": t.tenant, "error": t.error, "drifted": standards})
            })
            .collect(),
    )
}

fn print_plan(report: &RunReport) {
    for t in &report.tenants {
        println!("{}", t.tenant);
        if let Some(e) = &t.error {
            println!("  not run: {e}");
            continue;
        }
        let drifted: Vec<_> = t
            .results
            .iter()
            .filter(|r| r.state == State::Drifted)
            .collect();
        if drifted.is_empty() {
            println!("  nothing drifted");
        }
        for r in drifted {
            let how = if r.actions.remediate {
                "would remediate"
            } else {
                "report only"
            };
            println!("  {} ({how})", r.instance().trim_end_matches('|'));
            for step in &r.planned {
                println!("    {}", serde_json::to_string(step).unwrap_or_default());
            }
            if r.planned.is_empty() {
                println!("    (no declarative remediation)");
            }
        }
    }
}

/// A run fails when a tenant could not be run or a remediation failed; drift alone does not.
fn outcome(report: &RunReport) -> Result<(), Error> {
    let tenants = report.tenants.iter().filter(|t| t.error.is_some()).count();
    let failed = report.summary.count(State::RemediationFailed);
    if tenants + failed == 0 {
        return Ok(());
    }
    Err(Error::invalid_input(
        "standards",
        format!("{tenants} tenant(s) could not be run, {failed} remediation(s) failed"),
    ))
}
