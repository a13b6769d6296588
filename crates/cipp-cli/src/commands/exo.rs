//! `cipp exo run|bulk|cmdlets`: Exchange Online and Security & Compliance cmdlets.

use std::io::Read;

use cipp::exchange::{Anchor, ExchangeClient};
use cipp::{Error, Grant};
use clap::{Args, Parser, Subcommand};
use serde_json::{json, Value};

use crate::output;

#[derive(Debug, Args)]
pub struct Target {
    /// Tenant GUID or domain.
    #[arg(long, short)]
    tenant: String,
    /// Security & Compliance (IPPS) instead of Exchange Online.
    #[arg(long)]
    compliance: bool,
    /// Use an app-only token instead of the delegated one.
    #[arg(long)]
    app_only: bool,
}

impl Target {
    fn client(&self) -> Result<ExchangeClient, Error> {
        let cipp = super::cipp_from_env()?;
        let mut exo = cipp.tenant(self.tenant.clone()).exchange();
        if self.app_only {
            exo = cipp::exchange::ExchangeClient::builder(cipp.pipeline().clone(), &self.tenant)
                .grant(Grant::AppOnly)
                .build();
        }
        Ok(if self.compliance {
            exo.compliance()
        } else {
            exo
        })
    }
}

#[derive(Debug, Subcommand)]
pub enum ExoCommand {
    /// Run one cmdlet, e.g. `cipp exo run Get-Mailbox -t contoso.com -p ResultSize=Unlimited`
    /// (`cipp exo Get-Mailbox ...` works too).
    Run(RunArgs),
    /// Run many cmdlets in `$batch` calls: a JSON array of
    /// `{"cmdlet": "...", "parameters": {...}, "id": "...", "select": [...]}` from a file or `-`.
    Bulk {
        /// File with the operations (`-` for stdin).
        file: String,
        #[command(flatten)]
        target: Target,
    },
    /// The cmdlets the tenant's admin session may run.
    Cmdlets {
        #[command(flatten)]
        target: Target,
    },
    /// `cipp exo <Cmdlet> ...`: the same as `cipp exo run <Cmdlet> ...`.
    #[command(external_subcommand)]
    Cmdlet(Vec<String>),
}

/// One cmdlet call.
#[derive(Debug, Parser)]
#[command(name = "cipp exo")]
pub struct RunArgs {
    /// The cmdlet (Verb-Noun).
    cmdlet: String,
    #[command(flatten)]
    target: Target,
    /// A parameter as `Name=Value`; the value is read as JSON when it is JSON
    /// (`true`, `5`, `["a","b"]`), as text otherwise. Repeatable.
    #[arg(long = "param", short = 'p')]
    params: Vec<String>,
    /// All parameters as one JSON object (merged before --param).
    #[arg(long)]
    params_json: Option<String>,
    /// Properties to return, comma separated.
    #[arg(long, value_delimiter = ',')]
    select: Vec<String>,
    /// Anchor on this mailbox (UPN or object id) instead of the system mailbox.
    #[arg(long)]
    anchor: Option<String>,
    /// Print JSON.
    #[arg(long)]
    json: bool,
}

pub async fn run(cmd: ExoCommand, json_out: bool) -> Result<(), Error> {
    match cmd {
        ExoCommand::Run(args) => run_cmdlet(args, json_out).await,
        ExoCommand::Cmdlet(argv) => {
            let args = RunArgs::try_parse_from(std::iter::once("cipp exo".to_string()).chain(argv))
                .map_err(|e| Error::invalid_input("arguments", e.to_string()))?;
            run_cmdlet(args, json_out).await
        }
        ExoCommand::Bulk { file, target } => {
            let text = if file == "-" {
                let mut s = String::new();
                std::io::stdin()
                    .read_to_string(&mut s)
                    .map_err(|e| Error::invalid_input("stdin", e.to_string()))?;
                s
            } else {
                std::fs::read_to_string(&file)
                    .map_err(|e| Error::invalid_input("file", format!("{file}: {e}")))?
            };
            let exo = target.client()?;
            let ops: Value = serde_json::from_str(&text)
                .map_err(|e| Error::invalid_input("bulk file", e.to_string()))?;
            let result = exo.bulk(exo.operations_from_json(ops)?).await?;
            let report = result.to_json();
            let failed = result.failures().count();
            let total = result.operations.len();
            if json_out {
                output::print_json(&report);
            } else {
                let rows: Vec<Value> = report["operations"]
                    .as_array()
                    .cloned()
                    .unwrap_or_default()
                    .into_iter()
                    .map(|mut o| {
                        o["error"] = o["error"]["message"].clone();
                        o
                    })
                    .collect();
                let cols: Vec<String> = ["id", "cmdlet", "success", "error"]
                    .map(String::from)
                    .to_vec();
                print!("{}", output::table(&rows, &cols));
                println!(
                    "({total} operations, {failed} failed, {} round trips)",
                    result.round_trips
                );
            }
            if failed > 0 {
                return Err(Error::invalid_input(
                    "bulk",
                    format!("{failed} of {total} operations failed"),
                ));
            }
            Ok(())
        }
        ExoCommand::Cmdlets { target } => {
            let names = target.client()?.available_cmdlets().await?;
            if json_out {
                output::print_json(&json!(names));
            } else {
                for n in names {
                    println!("{n}");
                }
            }
            Ok(())
        }
    }
}

async fn run_cmdlet(args: RunArgs, json_out: bool) -> Result<(), Error> {
    let exo = args.target.client()?;
    let mut call = exo.cmdlet(args.cmdlet).select(args.select);
    if let Some(text) = args.params_json {
        let value: Value = serde_json::from_str(&text)
            .map_err(|e| Error::invalid_input("--params-json", e.to_string()))?;
        call = call.params(value)?;
    }
    for (name, value) in super::params_object(&args.params)? {
        call = call.param(name, value);
    }
    if let Some(a) = args.anchor {
        call = call.anchor(Anchor::mailbox(a));
    }
    let out = call.invoke().await?;
    for w in &out.warnings {
        eprintln!("warning: {w}");
    }
    if json_out || args.json {
        output::print_json(&Value::Array(out.rows));
    } else {
        output::print_human(&Value::Array(out.rows), &[]);
    }
    Ok(())
}
