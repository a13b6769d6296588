//! `cipp user ...`: user management in one tenant.

use cipp::actions::security::{MethodSelection, ResetPasswordOptions};
use cipp::actions::users::{
    AliasChange, AutoReplyState, ClearableField, Forwarding, LicenceCatalogue, LicenceChange,
    MailboxKind, MailboxRight, NewUser, OutOfOffice, TapOptions, UserEdit,
};
use cipp::core::{ExposeSecret, SecretString};
use cipp::Error;
use clap::{Args, Subcommand, ValueEnum};
use serde_json::{json, Value};

use crate::output;

/// The tenant and user every subcommand takes.
#[derive(Debug, Args)]
pub struct Target {
    /// Tenant GUID or domain.
    #[arg(long, short)]
    tenant: String,
    /// The user: UPN or object id.
    #[arg(long, short)]
    user: String,
}

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Show a user.
    Show(Target),
    /// Create a user; a generated password is printed once.
    Create {
        /// Tenant GUID or domain.
        #[arg(long, short)]
        tenant: String,
        /// Display name.
        #[arg(long)]
        display_name: String,
        /// The part before `@`.
        #[arg(long)]
        username: String,
        /// A verified domain.
        #[arg(long)]
        domain: String,
        /// Two-letter usage location (needed for licences).
        #[arg(long)]
        usage_location: Option<String>,
        /// Licence to assign (SKU part number or id), repeatable.
        #[arg(long = "licence")]
        licences: Vec<String>,
        /// Password from this environment variable instead of a generated one.
        #[arg(long)]
        password_env: Option<String>,
    },
    /// Edit attributes (`-p jobTitle=Analyst`); `--clear city` empties a field.
    Edit {
        #[command(flatten)]
        target: Target,
        /// `property=value`, repeatable (givenName, surname, displayName, department,
        /// jobTitle, mobilePhone, streetAddress, city, state, postalCode, country, companyName,
        /// usageLocation; anything else is sent as given).
        #[arg(long = "param", short = 'p')]
        params: Vec<String>,
        /// Field to clear, repeatable.
        #[arg(long)]
        clear: Vec<String>,
    },
    /// Join or leave groups, or copy another user's groups (each group reported).
    Groups {
        #[command(flatten)]
        target: Target,
        /// Group to join (id, display name or mail), repeatable.
        #[arg(long)]
        add: Vec<String>,
        /// Group to leave, repeatable.
        #[arg(long)]
        remove: Vec<String>,
        /// Join every assigned group this user is in.
        #[arg(long)]
        copy_from: Option<String>,
    },
    /// Give (or with --revoke take away) administrator access to the user's OneDrive.
    OnedriveAccess {
        #[command(flatten)]
        target: Target,
        /// User to give access, repeatable.
        #[arg(long = "to", required = true)]
        people: Vec<String>,
        /// Take the access away instead.
        #[arg(long)]
        revoke: bool,
    },
    /// Add or remove aliases, or set the primary address (through Exchange).
    Alias {
        #[command(flatten)]
        target: Target,
        /// Address to add, repeatable.
        #[arg(long)]
        add: Vec<String>,
        /// Address to remove, repeatable.
        #[arg(long)]
        remove: Vec<String>,
        /// An existing address to make primary.
        #[arg(long)]
        primary: Option<String>,
    },
    /// Change the UPN to username@domain.
    Upn {
        #[command(flatten)]
        target: Target,
        /// New user name.
        #[arg(long)]
        username: String,
        /// Verified domain.
        #[arg(long)]
        domain: String,
    },
    /// Set (or with --remove, clear) the manager.
    Manager {
        #[command(flatten)]
        target: Target,
        /// The manager's UPN or id.
        #[arg(long, conflicts_with = "remove")]
        manager: Option<String>,
        /// Remove the manager.
        #[arg(long)]
        remove: bool,
    },
    /// Add or remove licences (SKU part number, id, or product name with --catalogue).
    Licence {
        #[command(flatten)]
        target: Target,
        /// Licence to add, repeatable.
        #[arg(long)]
        add: Vec<String>,
        /// Licence to remove, repeatable.
        #[arg(long)]
        remove: Vec<String>,
        /// A ConversionTable.csv for product names.
        #[arg(long)]
        catalogue: Option<std::path::PathBuf>,
    },
    /// Issue a Temporary Access Pass (printed once).
    Tap {
        #[command(flatten)]
        target: Target,
        /// Minutes valid (10..43200).
        #[arg(long)]
        lifetime: Option<u32>,
        /// Valid for one sign-in.
        #[arg(long)]
        once: bool,
        /// Start: ISO 8601, a date, or Unix seconds.
        #[arg(long)]
        start: Option<String>,
    },
    /// Block sign-in.
    Block(Target),
    /// Allow sign-in again.
    Unblock(Target),
    /// Set a random password (printed once), forcing a change at next sign-in.
    ResetPassword(Target),
    /// Sign the user out everywhere.
    RevokeSessions(Target),
    /// Remove every MFA method except the password.
    RemoveMfa(Target),
    /// Delete to the recycle bin (needs --yes).
    Delete {
        #[command(flatten)]
        target: Target,
        /// Confirm.
        #[arg(long)]
        yes: bool,
    },
    /// Users in the recycle bin.
    Deleted {
        /// Tenant GUID or domain.
        #[arg(long, short)]
        tenant: String,
    },
    /// Restore a deleted user by object id.
    Restore {
        /// Tenant GUID or domain.
        #[arg(long, short)]
        tenant: String,
        /// The deleted user's object id.
        #[arg(long)]
        id: String,
    },
    /// Convert the mailbox to shared or regular.
    Convert {
        #[command(flatten)]
        target: Target,
        /// Shared or regular.
        #[arg(long, value_enum)]
        to: Kind,
    },
    /// Set the automatic reply (no --message turns it off).
    Ooo {
        #[command(flatten)]
        target: Target,
        /// Reply text (internal and, without --external, external).
        #[arg(long)]
        message: Option<String>,
        /// External reply text.
        #[arg(long)]
        external: Option<String>,
        /// Scheduled start (ISO 8601).
        #[arg(long, requires = "end")]
        start: Option<String>,
        /// Scheduled end (ISO 8601).
        #[arg(long, requires = "start")]
        end: Option<String>,
    },
    /// Grant or revoke a right over the user's mailbox.
    Permission {
        #[command(flatten)]
        target: Target,
        /// Who gets (or loses) the right.
        #[arg(long)]
        delegate: String,
        /// The right.
        #[arg(long, value_enum)]
        right: Right,
        /// Revoke instead of grant.
        #[arg(long)]
        revoke: bool,
    },
    /// Forward mail (--to a user, --external an address) or turn it off (--off).
    Forward {
        #[command(flatten)]
        target: Target,
        /// Internal recipient.
        #[arg(long, conflicts_with_all = ["external", "off"])]
        to: Option<String>,
        /// External address.
        #[arg(long, conflicts_with = "off")]
        external: Option<String>,
        /// Keep a copy in the mailbox.
        #[arg(long)]
        keep_copy: bool,
        /// Turn forwarding off.
        #[arg(long)]
        off: bool,
    },
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Kind {
    Shared,
    Regular,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Right {
    FullAccess,
    FullAccessNoAutomap,
    SendAs,
    SendOnBehalf,
}

fn edit_from(params: &[String], clear: &[String]) -> Result<UserEdit, Error> {
    let mut edit = UserEdit::default();
    for (k, v) in super::params_object(params)? {
        let text = match &v {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        let slot = match k.to_ascii_lowercase().as_str() {
            "givenname" => &mut edit.given_name,
            "surname" => &mut edit.surname,
            "displayname" => &mut edit.display_name,
            "department" => &mut edit.department,
            "jobtitle" => &mut edit.job_title,
            "mobilephone" => &mut edit.mobile_phone,
            "streetaddress" => &mut edit.street_address,
            "city" => &mut edit.city,
            "state" => &mut edit.state,
            "postalcode" => &mut edit.postal_code,
            "country" => &mut edit.country,
            "companyname" => &mut edit.company_name,
            "usagelocation" => &mut edit.usage_location,
            "businessphones" => {
                edit.business_phones = Some(text.split(',').map(str::to_string).collect());
                continue;
            }
            "othermails" => {
                edit.other_mails = Some(vec![text]);
                continue;
            }
            _ => {
                edit.extra.insert(k, v);
                continue;
            }
        };
        *slot = Some(text);
    }
    for c in clear {
        edit.clear
            .push(ClearableField::from_property(c).ok_or_else(|| {
                Error::invalid_input(
                    "--clear",
                    format!(
                        "'{c}' cannot be cleared (one of: {})",
                        ClearableField::ALL.map(ClearableField::property).join(", ")
                    ),
                )
            })?);
    }
    Ok(edit)
}

pub async fn run(cmd: UserCommand, json_out: bool) -> Result<(), Error> {
    let cipp = super::cipp_from_env()?;
    let value: Value = match cmd {
        UserCommand::Show(t) => {
            serde_json::to_value(cipp.tenant(t.tenant).users().get(&t.user).await?)
                .unwrap_or(Value::Null)
        }
        UserCommand::Create {
            tenant,
            display_name,
            username,
            domain,
            usage_location,
            licences,
            password_env,
        } => {
            let password = match password_env {
                Some(var) => Some(SecretString::from(std::env::var(&var).map_err(|_| {
                    Error::invalid_input("--password-env", format!("{var} is not set"))
                })?)),
                None => None,
            };
            let created = cipp
                .tenant(tenant)
                .users()
                .create(NewUser {
                    display_name,
                    username,
                    domain,
                    usage_location,
                    licences,
                    password,
                    ..NewUser::default()
                })
                .await?;
            json!({
                "user": created.user,
                "password": created.password.as_ref().map(|p| p.expose_secret().to_string()),
            })
        }
        UserCommand::Edit {
            target,
            params,
            clear,
        } => {
            let edit = edit_from(&params, &clear)?;
            let sent = cipp
                .tenant(target.tenant)
                .users()
                .edit(&target.user, edit)
                .await?;
            json!({"changed": sent})
        }
        UserCommand::Groups {
            target,
            add,
            remove,
            copy_from,
        } => {
            let outcomes = cipp
                .tenant(target.tenant)
                .users()
                .edit_groups(
                    &target.user,
                    &cipp::actions::users::GroupMembershipEdit {
                        add_to: add,
                        remove_from: remove,
                        copy_from,
                    },
                )
                .await?;
            let failed = outcomes.iter().filter(|o| o.failed()).count();
            let value = serde_json::to_value(&outcomes).unwrap_or(Value::Null);
            if failed > 0 {
                if json_out {
                    output::print_json(&value);
                }
                return Err(Error::invalid_input(
                    "groups",
                    format!("{failed} group change(s) failed: {value}"),
                ));
            }
            value
        }
        UserCommand::OnedriveAccess {
            target,
            people,
            revoke,
        } => {
            let users = cipp.tenant(target.tenant).users();
            let outcome = if revoke {
                users.revoke_onedrive_access(&target.user, &people).await?
            } else {
                users.grant_onedrive_access(&target.user, &people).await?
            };
            if outcome.failed() {
                return Err(Error::invalid_input("onedrive access", outcome.result_text));
            }
            serde_json::to_value(&outcome).unwrap_or(Value::Null)
        }
        UserCommand::Alias {
            target,
            add,
            remove,
            primary,
        } => {
            let list = cipp
                .tenant(target.tenant)
                .users()
                .edit_aliases(
                    &target.user,
                    &AliasChange {
                        add,
                        remove,
                        make_primary: primary,
                    },
                )
                .await?;
            json!({"emailAddresses": list})
        }
        UserCommand::Upn {
            target,
            username,
            domain,
        } => {
            let upn = cipp
                .tenant(target.tenant)
                .users()
                .change_upn(&target.user, &username, &domain)
                .await?;
            json!({"userPrincipalName": upn})
        }
        UserCommand::Manager {
            target,
            manager,
            remove,
        } => {
            if manager.is_none() && !remove {
                return Err(Error::invalid_input(
                    "--manager",
                    "give --manager or --remove",
                ));
            }
            cipp.tenant(target.tenant)
                .users()
                .set_manager(&target.user, manager.as_deref())
                .await?;
            json!({"manager": manager})
        }
        UserCommand::Licence {
            target,
            add,
            remove,
            catalogue,
        } => {
            let catalogue = match catalogue {
                Some(path) => {
                    let text = std::fs::read_to_string(&path).map_err(|e| {
                        Error::invalid_input("--catalogue", format!("{}: {e}", path.display()))
                    })?;
                    Some(LicenceCatalogue::from_csv(&text)?)
                }
                None => None,
            };
            let held = cipp
                .tenant(target.tenant)
                .users()
                .set_licences(
                    &target.user,
                    &LicenceChange { add, remove },
                    catalogue.as_ref(),
                )
                .await?;
            json!({"assignedSkuIds": held})
        }
        UserCommand::Tap {
            target,
            lifetime,
            once,
            start,
        } => {
            let tap = cipp
                .tenant(target.tenant)
                .users()
                .create_tap(
                    &target.user,
                    &TapOptions {
                        lifetime_minutes: lifetime,
                        usable_once: once,
                        start,
                    },
                )
                .await?;
            json!({
                "temporaryAccessPass": tap.pass.expose_secret(),
                "lifetimeInMinutes": tap.lifetime_minutes,
                "startDateTime": tap.start_date_time,
                "isUsableOnce": tap.is_usable_once,
            })
        }
        UserCommand::Block(t) => security(&cipp, t, Primitive::Block).await?,
        UserCommand::Unblock(t) => security(&cipp, t, Primitive::Unblock).await?,
        UserCommand::RevokeSessions(t) => security(&cipp, t, Primitive::Revoke).await?,
        UserCommand::RemoveMfa(t) => security(&cipp, t, Primitive::RemoveMfa).await?,
        UserCommand::ResetPassword(t) => security(&cipp, t, Primitive::ResetPassword).await?,
        UserCommand::Delete { target, yes } => {
            cipp.tenant(target.tenant)
                .users()
                .delete(&target.user, yes)
                .await?;
            json!({"deleted": target.user})
        }
        UserCommand::Deleted { tenant } => {
            serde_json::to_value(cipp.tenant(tenant).users().deleted_users().await?)
                .unwrap_or(Value::Null)
        }
        UserCommand::Restore { tenant, id } => {
            serde_json::to_value(cipp.tenant(tenant).users().restore(&id).await?)
                .unwrap_or(Value::Null)
        }
        UserCommand::Convert { target, to } => {
            let kind = match to {
                Kind::Shared => MailboxKind::Shared,
                Kind::Regular => MailboxKind::Regular,
            };
            cipp.tenant(target.tenant)
                .users()
                .convert_mailbox(&target.user, kind)
                .await?;
            json!({"converted": target.user, "to": format!("{kind:?}")})
        }
        UserCommand::Ooo {
            target,
            message,
            external,
            start,
            end,
        } => {
            let state = match (&message, start, end) {
                (None, _, _) => AutoReplyState::Disabled,
                (Some(_), Some(start), Some(end)) => AutoReplyState::Scheduled { start, end },
                (Some(_), _, _) => AutoReplyState::Enabled,
            };
            let users = cipp.tenant(target.tenant).users();
            users
                .set_out_of_office(
                    &target.user,
                    &OutOfOffice {
                        state,
                        internal_message: message,
                        external_message: external,
                        ..OutOfOffice::default()
                    },
                )
                .await?;
            serde_json::to_value(users.out_of_office(&target.user).await?).unwrap_or(Value::Null)
        }
        UserCommand::Permission {
            target,
            delegate,
            right,
            revoke,
        } => {
            let right = match right {
                Right::FullAccess => MailboxRight::FullAccess { automap: true },
                Right::FullAccessNoAutomap => MailboxRight::FullAccess { automap: false },
                Right::SendAs => MailboxRight::SendAs,
                Right::SendOnBehalf => MailboxRight::SendOnBehalf,
            };
            let users = cipp.tenant(target.tenant).users();
            if revoke {
                users
                    .revoke_mailbox_right(&target.user, &delegate, right)
                    .await?;
            } else {
                users
                    .grant_mailbox_right(&target.user, &delegate, right)
                    .await?;
            }
            json!({"mailbox": target.user, "delegate": delegate, "right": format!("{right:?}"), "granted": !revoke})
        }
        UserCommand::Forward {
            target,
            to,
            external,
            keep_copy,
            off,
        } => {
            let forwarding = match (to, external, off) {
                (Some(to), _, _) => Forwarding::Internal { to, keep_copy },
                (None, Some(address), _) => Forwarding::External { address, keep_copy },
                (None, None, true) => Forwarding::Disabled,
                (None, None, false) => {
                    return Err(Error::invalid_input(
                        "--to",
                        "give --to, --external or --off",
                    ))
                }
            };
            cipp.tenant(target.tenant)
                .users()
                .set_forwarding(&target.user, &forwarding)
                .await?;
            json!({"forwarding": format!("{forwarding:?}")})
        }
    };
    if json_out {
        output::print_json(&value);
    } else {
        output::print_human(&value, &[]);
    }
    Ok(())
}

enum Primitive {
    Block,
    Unblock,
    Revoke,
    RemoveMfa,
    ResetPassword,
}

async fn security(cipp: &cipp::Cipp, t: Target, what: Primitive) -> Result<Value, Error> {
    let users = cipp.tenant(t.tenant).users();
    let (outcome, password) = match what {
        Primitive::Block => (users.block_sign_in(&t.user).await?, None),
        Primitive::Unblock => (users.unblock_sign_in(&t.user).await?, None),
        Primitive::Revoke => (users.revoke_sessions(&t.user).await?, None),
        Primitive::RemoveMfa => (
            users
                .remove_mfa_methods(&t.user, &MethodSelection::All)
                .await?,
            None,
        ),
        Primitive::ResetPassword => {
            let reset = users
                .reset_password(
                    &t.user,
                    &ResetPasswordOptions {
                        reveal_password: true,
                        ..ResetPasswordOptions::default()
                    },
                )
                .await?;
            (
                reset.outcome,
                reset.password.map(|p| p.expose().to_string()),
            )
        }
    };
    let mut v = serde_json::to_value(outcome).unwrap_or(Value::Null);
    if let Some(p) = password {
        v["password"] = json!(p);
    }
    Ok(v)
}
