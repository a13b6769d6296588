//! `cipp auth login|status`: get the partner refresh token and see whose it is.

use std::path::PathBuf;

use cipp::core::http::{ReqwestTransport, TransportOptions};
use cipp::core::{DeviceCodeLogin, ExposeSecret, Grant, Service, Settings, TokenClaims};
use cipp::Error;
use clap::{Args, Subcommand};
use serde_json::json;

use crate::{dotenv, output};

#[derive(Debug, Subcommand)]
pub enum AuthCommand {
    /// Device-code sign-in as the partner service account; stores the refresh token.
    Login(LoginArgs),
    /// Show who the configured refresh token belongs to (never the token itself).
    Status,
}

#[derive(Debug, Args)]
pub struct LoginArgs {
    /// Tenant to sign in to (default: CIPP_TENANT_ID, else `organizations`).
    #[arg(long)]
    tenant: Option<String>,
    /// File to store the refresh token in (default: the cipp credentials file).
    #[arg(long)]
    save: Option<PathBuf>,
    /// Print `export CIPP_REFRESH_TOKEN=...` to standard output instead of saving it.
    #[arg(long)]
    print_env: bool,
}

pub async fn run(cmd: AuthCommand, json: bool) -> Result<(), Error> {
    match cmd {
        AuthCommand::Login(a) => login(a, json).await,
        AuthCommand::Status => status(json).await,
    }
}

async fn login(a: LoginArgs, json: bool) -> Result<(), Error> {
    let settings = Settings::from_env()?;
    let app = settings.application_id.clone().ok_or_else(|| {
        Error::invalid_input("CIPP_APPLICATION_ID", "not set (the SAM application id)")
    })?;
    let endpoints = settings.endpoints()?;
    let transport = ReqwestTransport::new(&TransportOptions::default())?;
    let flow = DeviceCodeLogin::new(&transport, &endpoints, app, None);
    let tenant = a.tenant.or(settings.tenant_id.clone());
    let prompt = flow.start(tenant.as_deref()).await?;
    eprintln!(
        "{}",
        if prompt.message.is_empty() {
            format!(
                "Open {} and enter the code {}",
                prompt.verification_uri, prompt.user_code
            )
        } else {
            prompt.message.clone()
        }
    );
    let grant = flow.wait(&prompt).await?;
    let claims = TokenClaims::decode(grant.access_token.secret()).unwrap_or_default();
    let refresh = grant.refresh_token.ok_or_else(|| {
        Error::invalid_input(
            "device code",
            "Entra returned no refresh token (is offline_access allowed?)",
        )
    })?;
    if a.print_env {
        println!("export CIPP_REFRESH_TOKEN='{}'", refresh.expose_secret());
    } else {
        let path = a
            .save
            .or_else(dotenv::default_path)
            .ok_or_else(|| Error::invalid_input("--save", "no home directory; pass a path"))?;
        dotenv::upsert(&path, "CIPP_REFRESH_TOKEN", refresh.expose_secret())
            .map_err(|e| Error::invalid_input("--save", format!("{}: {e}", path.display())))?;
        if let Some(tid) = &claims.tid {
            if settings.tenant_id.is_none() {
                dotenv::upsert(&path, "CIPP_TENANT_ID", tid)
                    .map_err(|e| Error::invalid_input("--save", e.to_string()))?;
            }
        }
        eprintln!("Saved the refresh token to {} (mode 0600).", path.display());
    }
    let who = json!({"user": claims.user(), "tenant_id": claims.tid, "mfa": claims.has_mfa()});
    if json {
        output::print_json(&who);
    } else {
        eprintln!(
            "Signed in as {} in tenant {}.",
            claims.user().unwrap_or("?"),
            claims.tid.as_deref().unwrap_or("?")
        );
    }
    Ok(())
}

async fn status(json: bool) -> Result<(), Error> {
    let cipp = super::cipp_from_env()?;
    let token = cipp
        .pipeline()
        .token("", Service::Graph, Grant::Delegated)
        .await?;
    let claims = TokenClaims::decode(token.secret()).unwrap_or_default();
    let expires_in = token
        .expires_on
        .duration_since(std::time::SystemTime::now())
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let value = json!({
        "user": claims.user(),
        "name": claims.name,
        "tenant_id": claims.tid,
        "application_id": claims.appid,
        "mfa": claims.has_mfa(),
        "auth_methods": claims.amr,
        "scopes": claims.scp,
        "access_token_expires_in_seconds": expires_in,
        "refresh_token_rotated": true,
    });
    if json {
        output::print_json(&value);
    } else {
        output::print_human(&value, &[]);
        if !claims.has_mfa() {
            eprintln!("warning: this sign-in did not use MFA; Microsoft requires MFA for partner delegated access");
        }
    }
    Ok(())
}
