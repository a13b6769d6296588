//! `cipp gdap ...`: relationships, invites, auto-extend, Global Administrator removal and
//! checks in the partner tenant.

use std::path::PathBuf;

use cipp::gdap::{Change, GdapClient, Invite, PermissionManifest, Relationship, Severity};
use cipp::Error;
use clap::Subcommand;
use serde_json::{json, Value};

use crate::output;

#[derive(Debug, Subcommand)]
pub enum GdapCommand {
    /// List relationships (active ones unless --all).
    Relationships {
        /// Every status, not only active.
        #[arg(long)]
        all: bool,
    },
    /// Create an invitation and print the link to send the customer.
    Invite {
        /// Role template ids (default: the recommended set, without Global Administrator).
        #[arg(long = "role", value_name = "ROLE_ID")]
        roles: Vec<String>,
        /// Display name (default CIPP_{new GUID}).
        #[arg(long)]
        name: Option<String>,
        /// Duration in days (at most 730).
        #[arg(long, default_value_t = 730)]
        days: u32,
    },
    /// Turn auto-extend on for one relationship, or every eligible one with --all.
    Extend {
        /// Relationship id.
        id: Option<String>,
        /// Every active relationship without auto-extend.
        #[arg(long)]
        all: bool,
    },
    /// Remove Global Administrator from an active relationship.
    RemoveGa {
        /// Relationship id.
        id: String,
    },
    /// End an active relationship.
    Terminate {
        /// Relationship id.
        id: String,
    },
    /// Consent the SAM application in a customer (CPV) and grant it what the manifest asks.
    Cpv {
        /// Customer tenant (GUID or domain).
        #[arg(long)]
        tenant: String,
        /// Permission manifest (JSON, Entra's requiredResourceAccess shape).
        #[arg(long)]
        manifest: PathBuf,
    },
    /// Health checks: the partner's GDAP set-up, or one customer's roles with --tenant,
    /// or the SAM application's permissions with --manifest.
    Check {
        /// Check the roles partner groups hold in this customer.
        #[arg(long)]
        tenant: Option<String>,
        /// Check the SAM application against this permission manifest (JSON).
        #[arg(long)]
        manifest: Option<PathBuf>,
        /// With --manifest: add the missing permissions to the application.
        #[arg(long, requires = "manifest")]
        repair: bool,
    },
}

fn gdap_error(e: cipp::gdap::GdapError) -> Error {
    e.into()
}

fn read_manifest(path: &std::path::Path) -> Result<PermissionManifest, Error> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| Error::invalid_input("--manifest", format!("{}: {e}", path.display())))?;
    PermissionManifest::from_json(&text).map_err(gdap_error)
}

fn relationship_row(r: &Relationship) -> Value {
    json!({
        "id": r.id,
        "display_name": r.display_name,
        "status": r.status_str(),
        "customer": r.customer.as_ref().and_then(|c| c.display_name.clone()),
        "customer_id": r.customer_id(),
        "auto_extend": r.auto_extend_duration,
        "global_admin": r.has_global_administrator(),
        "end": r.end_date_time,
    })
}

fn print(value: &Value, cols: &[&str], json: bool) {
    if json {
        output::print_json(value);
    } else {
        let cols: Vec<String> = cols.iter().map(|s| s.to_string()).collect();
        let rows = match value {
            Value::Array(a) => a.clone(),
            other => vec![other.clone()],
        };
        print!("{}", output::table(&rows, &cols));
    }
}

pub async fn run(cmd: GdapCommand, json: bool) -> Result<(), Error> {
    let cipp = super::cipp_from_env()?;
    let gdap: GdapClient = cipp.gdap();
    match cmd {
        GdapCommand::Relationships { all } => {
            let rels = if all {
                gdap.relationships().collect_all().await?
            } else {
                gdap.active_relationships().await.map_err(gdap_error)?
            };
            let rows: Vec<Value> = rels.iter().map(relationship_row).collect();
            print(
                &Value::Array(rows),
                &[
                    "display_name",
                    "status",
                    "customer",
                    "auto_extend",
                    "global_admin",
                    "id",
                ],
                json,
            );
        }
        GdapCommand::Invite { roles, name, days } => {
            let mut invite = if roles.is_empty() {
                Invite::recommended()
            } else {
                Invite::with_roles(roles)
            };
            if let Some(n) = name {
                invite = invite.display_name(n);
            }
            let created = gdap
                .create_invite(invite.duration_days(days))
                .await
                .map_err(gdap_error)?;
            let mut row = relationship_row(&created.relationship);
            row["link"] = json!(created.link);
            print(
                &row,
                &["display_name", "status", "auto_extend", "link"],
                json,
            );
        }
        GdapCommand::Extend { id, all } => {
            let results = match (id, all) {
                (Some(id), false) => vec![(id.clone(), gdap.enable_auto_extend(&id).await)],
                (None, true) => gdap.enable_auto_extend_all().await.map_err(gdap_error)?,
                _ => {
                    return Err(Error::invalid_input(
                        "gdap extend",
                        "give one relationship id or --all",
                    ))
                }
            };
            let mut failed = None;
            let rows: Vec<Value> = results
                .into_iter()
                .map(|(id, r)| match r {
                    Ok(Change::Changed { .. }) => {
                        json!({"id": id, "result": "auto-extend enabled"})
                    }
                    Ok(Change::Unchanged { reason }) => json!({"id": id, "result": reason}),
                    Ok(other) => json!({"id": id, "result": format!("{other:?}")}),
                    Err(e) => {
                        let text = e.to_string();
                        failed.get_or_insert(e);
                        json!({"id": id, "result": text})
                    }
                })
                .collect();
            print(&Value::Array(rows), &["id", "result"], json);
            if let Some(e) = failed {
                return Err(gdap_error(e));
            }
        }
        GdapCommand::RemoveGa { id } => {
            let rel = gdap
                .remove_global_administrator(&id)
                .await
                .map_err(gdap_error)?;
            print(
                &relationship_row(&rel),
                &["display_name", "status", "global_admin", "id"],
                json,
            );
        }
        GdapCommand::Terminate { id } => {
            let req = gdap.terminate(&id).await.map_err(gdap_error)?;
            print(
                &json!({"id": id, "action": req.action, "status": req.status}),
                &["id", "action", "status"],
                json,
            );
        }
        GdapCommand::Cpv { tenant, manifest } => {
            let manifest = read_manifest(&manifest)?;
            let app = cipp.pipeline().credentials().application_id().to_string();
            let report = gdap
                .refresh_cpv(&tenant, &app, &manifest)
                .await
                .map_err(gdap_error)?;
            if json {
                output::print_json(&serde_json::to_value(&report).unwrap_or_default());
            } else {
                println!(
                    "{}: consent {}, {} app role(s) and {} scope(s) added, {} unresolved, {} error(s)",
                    report.tenant,
                    if report.consented { "given" } else { "already present" },
                    report.app_roles_added.len(),
                    report.scopes_added.len(),
                    report.unresolved.len(),
                    report.errors.len()
                );
                for e in &report.errors {
                    println!("- {e}");
                }
            }
            if !report.is_success() {
                return Err(Error::invalid_input(
                    "gdap cpv",
                    format!(
                        "{} permission write(s) failed in {}",
                        report.errors.len(),
                        report.tenant
                    ),
                ));
            }
        }
        GdapCommand::Check {
            tenant: Some(tenant),
            manifest: None,
            ..
        } => {
            let access = gdap.tenant_access(&tenant).await.map_err(gdap_error)?;
            if json {
                output::print_json(&serde_json::to_value(&access).unwrap_or_default());
            } else {
                println!("{}: {}", access.tenant, access.summary);
                let rows: Vec<Value> = access
                    .roles
                    .iter()
                    .map(|r| json!({"role": r.role, "required": r.required, "groups": r.groups.join(", ")}))
                    .collect();
                print(&Value::Array(rows), &["role", "required", "groups"], false);
            }
        }
        GdapCommand::Check {
            tenant: None,
            manifest: Some(path),
            repair,
        } => {
            let manifest = read_manifest(&path)?;
            let check = gdap.sam_check(&manifest).await.map_err(gdap_error)?;
            let added = if repair {
                gdap.repair_sam_permissions(&check)
                    .await
                    .map_err(gdap_error)?
                    .len()
            } else {
                0
            };
            let mut v = serde_json::to_value(&check).unwrap_or_default();
            v["missing_count"] = json!(check.missing.len());
            v["added"] = json!(added);
            if json {
                output::print_json(&v);
            } else {
                println!(
                    "service account: {} (MFA: {})",
                    check.service_account.as_deref().unwrap_or("?"),
                    if check.mfa { "yes" } else { "no" }
                );
                println!("missing permissions: {}", check.missing.len());
                for p in &check.problems {
                    println!("- {p}");
                }
                if repair {
                    println!("added {added} permission(s) to the application");
                }
            }
        }
        GdapCommand::Check {
            tenant: None,
            manifest: None,
            ..
        } => {
            let health = gdap.health().await.map_err(gdap_error)?;
            if json {
                output::print_json(&serde_json::to_value(&health).unwrap_or_default());
            } else {
                println!(
                    "service account: {}",
                    health.service_account.as_deref().unwrap_or("?")
                );
                let rows: Vec<Value> = health
                    .issues
                    .iter()
                    .map(|i| {
                        json!({
                            "severity": if i.severity == Severity::Error { "error" } else { "warning" },
                            "issue": i.issue,
                            "tenant": i.tenant,
                        })
                    })
                    .collect();
                print(&Value::Array(rows), &["severity", "issue", "tenant"], false);
            }
        }
        GdapCommand::Check { .. } => {
            return Err(Error::invalid_input(
                "gdap check",
                "give --tenant or --manifest, not both",
            ))
        }
    }
    Ok(())
}
