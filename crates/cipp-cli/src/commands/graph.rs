//! `cipp graph get|post|patch|put|delete|batch`.

use std::io::Read;

use cipp::graph::{BatchRequest, GraphClient, Query, QueryOptions};
use cipp::Error;
use clap::{Args, Subcommand};
use futures::TryStreamExt;
use serde_json::Value;

use crate::output;

#[derive(Debug, Args)]
pub struct Target {
    /// Tenant GUID or domain (default: the partner tenant).
    #[arg(long, short, default_value = "")]
    tenant: String,
    /// Use the beta API instead of v1.0.
    #[arg(long)]
    beta: bool,
    /// Use an app-only token instead of the delegated one.
    #[arg(long)]
    app_only: bool,
}

impl Target {
    fn client(&self) -> Result<GraphClient, Error> {
        let cipp = super::cipp_from_env()?;
        let mut g = cipp.tenant(self.tenant.clone()).graph();
        if self.beta {
            g = g.beta();
        }
        if self.app_only {
            g = g.app_only();
        }
        Ok(g)
    }
}

#[derive(Debug, Subcommand)]
pub enum GraphCommand {
    /// GET a path, e.g. `users` or `users/{id}`.
    Get {
        /// Path relative to the version root.
        path: String,
        #[command(flatten)]
        target: Target,
        /// Follow every nextLink and print all items.
        #[arg(long)]
        all: bool,
        /// `$select`, comma separated.
        #[arg(long, value_delimiter = ',')]
        select: Vec<String>,
        /// `$filter`.
        #[arg(long)]
        filter: Option<String>,
        /// `$top`.
        #[arg(long)]
        top: Option<u32>,
        /// `$orderby`.
        #[arg(long)]
        orderby: Option<String>,
        /// `$search`.
        #[arg(long)]
        search: Option<String>,
        /// `$expand`, comma separated.
        #[arg(long, value_delimiter = ',')]
        expand: Vec<String>,
        /// `$count=true` (adds ConsistencyLevel: eventual).
        #[arg(long)]
        count: bool,
    },
    /// POST a JSON body.
    Post(WriteArgs),
    /// PATCH a JSON body.
    Patch(WriteArgs),
    /// PUT a JSON body.
    Put(WriteArgs),
    /// DELETE a path.
    Delete {
        /// Path relative to the version root.
        path: String,
        #[command(flatten)]
        target: Target,
    },
    /// Send requests through $batch: a JSON array of {id, method, url, body?, dependsOn?}.
    Batch {
        /// File with the requests, or `-` for standard input.
        #[arg(long, short, default_value = "-")]
        file: String,
        #[command(flatten)]
        target: Target,
    },
}

#[derive(Debug, Args)]
pub struct WriteArgs {
    /// Path relative to the version root.
    path: String,
    /// JSON body, `@file`, or `-` for standard input.
    #[arg(long, short)]
    body: String,
    #[command(flatten)]
    target: Target,
}

fn read_source(source: &str, what: &str) -> Result<String, Error> {
    let io_err = |e: std::io::Error| Error::invalid_input(what, e.to_string());
    if source == "-" {
        let mut s = String::new();
        std::io::stdin().read_to_string(&mut s).map_err(io_err)?;
        Ok(s)
    } else if let Some(file) = source.strip_prefix('@') {
        std::fs::read_to_string(file).map_err(io_err)
    } else {
        Ok(source.to_string())
    }
}

fn parse_json(text: &str, what: &str) -> Result<Value, Error> {
    serde_json::from_str(text)
        .map_err(|e| Error::invalid_input(what, format!("not valid JSON: {e}")))
}

fn print(value: &Value, json: bool, selected: &[String]) {
    if json {
        output::print_json(value);
    } else {
        output::print_human(value, selected);
    }
}

pub async fn run(cmd: GraphCommand, json: bool) -> Result<(), Error> {
    match cmd {
        GraphCommand::Get {
            path,
            target,
            all,
            select,
            filter,
            top,
            orderby,
            search,
            expand,
            count,
        } => {
            let g = target.client()?;
            let q: Query = QueryOptions {
                select: select.clone(),
                filter,
                top,
                orderby,
                search,
                expand,
                count,
            }
            .into();
            let value = if all {
                let list = g.list_json(path).with_query(q);
                Value::Array(list.stream().try_collect().await?)
            } else {
                g.request(cipp::core::Method::GET, path)
                    .with_query(q)
                    .send()
                    .await?
            };
            print(&value, json, &select);
            Ok(())
        }
        GraphCommand::Post(w) => write(w, cipp::core::Method::POST, json).await,
        GraphCommand::Patch(w) => write(w, cipp::core::Method::PATCH, json).await,
        GraphCommand::Put(w) => write(w, cipp::core::Method::PUT, json).await,
        GraphCommand::Delete { path, target } => {
            target.client()?.delete(&path).await?;
            if json {
                output::print_json(&serde_json::json!({"deleted": path}));
            } else {
                println!("deleted {path}");
            }
            Ok(())
        }
        GraphCommand::Batch { file, target } => {
            let text = read_source(
                &if file == "-" {
                    file
                } else {
                    format!("@{file}")
                },
                "--file",
            )?;
            let requests: Vec<BatchRequest> = serde_json::from_str(&text).map_err(|e| {
                Error::invalid_input("--file", format!("not a JSON array of batch requests: {e}"))
            })?;
            let g = target.client()?;
            let results = g.batch(requests).await?;
            let rows: Vec<Value> = results
                .iter()
                .map(|r| serde_json::to_value(r).unwrap_or(Value::Null))
                .collect();
            if json {
                output::print_json(&Value::Array(rows));
            } else {
                let cols = vec!["id".to_string(), "status".to_string()];
                print!("{}", output::table(&rows, &cols));
                println!(
                    "({} responses, {} round trips)",
                    results.len(),
                    results.round_trips()
                );
            }
            Ok(())
        }
    }
}

async fn write(w: WriteArgs, method: cipp::core::Method, json: bool) -> Result<(), Error> {
    let body = parse_json(&read_source(&w.body, "--body")?, "--body")?;
    let g = w.target.client()?;
    let value = g.request(method, w.path).body(body).send().await?;
    print(&value, json, &[]);
    Ok(())
}
