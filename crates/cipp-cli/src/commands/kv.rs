//! `cipp kv get|set|list|delete|recover`: the secrets of an Azure Key Vault.

use std::io::Read;

use cipp::core::{ExposeSecret, SecretString, Settings};
use cipp::keyvault::{KeyVaultClient, ManagedIdentity, SecretProperties};
use cipp::Error;
use clap::{Args, Subcommand};
use futures::TryStreamExt;
use serde_json::{json, Value};

use crate::output;

#[derive(Debug, Args)]
pub struct KvArgs {
    /// The vault's name (as in `{name}.vault.azure.net`).
    #[arg(long, env = "CIPP_KEY_VAULT", global = true, default_value = "")]
    vault: String,
    /// Authenticate with the App Service managed identity (IDENTITY_ENDPOINT and
    /// IDENTITY_HEADER) instead of the SAM app's credentials.
    #[arg(long, global = true)]
    managed_identity: bool,
    #[command(subcommand)]
    command: KvCommand,
}

#[derive(Debug, Subcommand)]
pub enum KvCommand {
    /// Print a secret's value (the latest version unless --version).
    Get {
        /// Secret name.
        name: String,
        /// A specific version.
        #[arg(long)]
        version: Option<String>,
    },
    /// Store a new version of a secret.
    Set {
        /// Secret name.
        name: String,
        /// The value (visible in the process list; prefer --value-stdin).
        #[arg(
            required_unless_present = "value_stdin",
            conflicts_with = "value_stdin"
        )]
        value: Option<String>,
        /// Read the value from standard input (one trailing newline is dropped).
        #[arg(long)]
        value_stdin: bool,
    },
    /// List the secrets (names and attributes, never values).
    List,
    /// Delete a secret (soft delete: `cipp kv recover` brings it back).
    Delete {
        /// Secret name.
        name: String,
    },
    /// Recover a soft-deleted secret.
    Recover {
        /// Secret name.
        name: String,
    },
}

fn client(args: &KvArgs) -> Result<KeyVaultClient, Error> {
    let vault = match args.vault.trim() {
        // As CIPP's own hosting finds its vault (CIPP_KV_NAME, the app's site name).
        "" => cipp::keyvault::vault_name_from_env().ok_or_else(|| {
            Error::invalid_input(
                "--vault",
                "name the vault with --vault, CIPP_KEY_VAULT or CIPP_KV_NAME",
            )
        })?,
        name => name.to_string(),
    };
    if args.managed_identity {
        let endpoints = Settings::from_env()?.endpoints()?;
        return Ok(KeyVaultClient::builder(&vault)
            .endpoints(endpoints)
            .managed_identity(ManagedIdentity::from_env()?)
            .build()?);
    }
    super::cipp_from_env()?.key_vault(&vault)
}

fn print_properties(p: &SecretProperties, json: bool) {
    let v = p.to_json();
    if json {
        output::print_json(&v);
    } else {
        let cols = ["name", "version"].map(String::from);
        print!("{}", output::table(&[v], &cols));
    }
}

pub async fn run(args: KvArgs, json: bool) -> Result<(), Error> {
    let kv = client(&args)?;
    match args.command {
        KvCommand::Get { name, version } => {
            let secret = match version {
                Some(v) => kv.get_secret_version(&name, &v).await?,
                None => kv.get_secret(&name).await?,
            };
            let value = secret
                .value
                .as_ref()
                .map(|v| v.expose_secret().to_string())
                .unwrap_or_default();
            if json {
                let mut v = secret.properties.to_json();
                if let Value::Object(m) = &mut v {
                    m.insert("value".into(), json!(value));
                }
                output::print_json(&v);
            } else {
                println!("{value}");
            }
        }
        KvCommand::Set {
            name,
            value,
            value_stdin,
        } => {
            let value = if value_stdin {
                let mut s = String::new();
                std::io::stdin()
                    .read_to_string(&mut s)
                    .map_err(|e| Error::invalid_input("--value-stdin", e.to_string()))?;
                let trimmed = s.strip_suffix('\n').unwrap_or(&s);
                trimmed.strip_suffix('\r').unwrap_or(trimmed).to_string()
            } else {
                value.unwrap_or_default()
            };
            let secret = kv.set_secret(&name, SecretString::from(value)).await?;
            print_properties(&secret.properties, json);
        }
        KvCommand::List => {
            let all: Vec<SecretProperties> = kv.list_secrets().try_collect().await?;
            let rows: Vec<Value> = all
                .iter()
                .map(|p| {
                    let mut v = p.to_json();
                    if let Value::Object(m) = &mut v {
                        m.insert("enabled".into(), json!(p.enabled()));
                        m.insert("updated".into(), json!(p.attributes.updated));
                    }
                    v
                })
                .collect();
            if json {
                output::print_json(&Value::Array(rows));
            } else {
                let cols = ["name", "enabled", "updated"].map(String::from);
                print!("{}", output::table(&rows, &cols));
            }
        }
        KvCommand::Delete { name } => {
            let d = kv.delete_secret(&name).await?;
            let mut v = serde_json::to_value(&d).unwrap_or_else(|_| json!({}));
            if let Value::Object(m) = &mut v {
                m.insert("name".into(), json!(d.properties.name()));
            }
            if json {
                output::print_json(&v);
            } else {
                println!("deleted '{name}' (recoverable until it is purged)");
            }
        }
        KvCommand::Recover { name } => {
            let p = kv.recover_deleted_secret(&name).await?;
            print_properties(&p, json);
        }
    }
    Ok(())
}
