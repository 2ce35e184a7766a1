//! The signed-in user's passkeys: adding one (two steps: options, then the browser's
//! credential), naming, listing and deleting them. Adding and deleting ask for a recent sign-in,
//! and are mailed to the owner and audited.

use crate::auth::policy::{Policy, SIGNED_IN_RECENTLY};
use crate::error::AppError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};
use server_fn::ServerFn;

#[cfg(feature = "ssr")]
use crate::{
    ssr::audit::{self, Event, EventKind},
    ssr::context::{client_info, continue_to},
    ssr::passkeys::{self, notices, rows, rows::PasskeyRow, Refusal},
    ssr::state::AppState,
};

/// Who may call each function of this module.
pub const POLICIES: &[super::PolicyRow] = &[
    (ListPasskeys::PATH, Policy::SignedIn),
    (PasskeyRegistrationOptions::PATH, SIGNED_IN_RECENTLY),
    (RegisterPasskey::PATH, SIGNED_IN_RECENTLY),
    (RenamePasskey::PATH, Policy::SignedIn),
    (DeletePasskey::PATH, SIGNED_IN_RECENTLY),
];

/// Where a plain form goes back to: the security page, which lists the passkeys.
#[cfg(feature = "ssr")]
use crate::auth::redirect::SECURITY_PAGE;

/// The longest passkey name.
pub const NAME_MAX_CHARS: usize = 64;

/// A passkey as its owner's list shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PasskeyInfo {
    pub id: i64,
    pub name: String,
    /// Unix seconds.
    pub created_at: i64,
    pub last_used_at: Option<i64>,
    /// Whether it is synced between the owner's devices (a backup exists).
    pub synced: bool,
}

/// A ceremony started: its id (sent back with the credential) and the options for
/// `navigator.credentials`, as JSON the browser's `parse…OptionsFromJSON` reads.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CeremonyOptions {
    pub ceremony: String,
    pub options: String,
}

#[cfg(feature = "ssr")]
impl From<passkeys::Started> for CeremonyOptions {
    fn from(started: passkeys::Started) -> Self {
        CeremonyOptions {
            ceremony: started.ceremony,
            options: started.options,
        }
    }
}

#[cfg(feature = "ssr")]
impl From<&PasskeyRow> for PasskeyInfo {
    fn from(row: &PasskeyRow) -> Self {
        PasskeyInfo {
            id: row.id,
            name: row.name.clone(),
            created_at: row.created_at,
            last_used_at: row.last_used_at,
            synced: row.synced(),
        }
    }
}

#[server(prefix = "/api", endpoint = "passkeys")]
pub async fn list_passkeys() -> Result<Vec<PasskeyInfo>, AppError> {
    let (state, viewer, _) = super::account::current_login::<ListPasskeys>()?;
    let rows = rows::list(&state.db, viewer.user_id).await?;
    Ok(rows.iter().map(PasskeyInfo::from).collect())
}

/// Starts adding a passkey. 409 `passkey_limit` when the account has ten; 503 when this server
/// offers no passkeys.
#[server(prefix = "/api", endpoint = "passkey_registration_options")]
pub async fn passkey_registration_options() -> Result<CeremonyOptions, AppError> {
    let (state, viewer, family) = super::account::current_login::<PasskeyRegistrationOptions>()?;
    let (_, email) = super::account::own_account(&state, &viewer).await?;
    let started =
        passkeys::start_registration(&state, viewer.user_id, &family, email.as_str()).await?;
    Ok(started.into())
}

/// Adds the passkey the browser made for `ceremony` (`credential`: its `toJSON()`), named
/// `name` (1 to 64 characters; the browser's name when empty). Bad: the ceremony spent,
/// unknown or expired 410 `passkey_ceremony_expired`; a credential that fails verification, or
/// a ceremony of another login, 400 `passkey_invalid`.
#[server(prefix = "/api", endpoint = "register_passkey")]
pub async fn register_passkey(
    ceremony: String,
    credential: String,
    name: Option<String>,
) -> Result<PasskeyInfo, AppError> {
    let (state, viewer, family) = super::account::current_login::<RegisterPasskey>()?;
    let client = client_info();
    let name = match name
        .as_deref()
        .map(str::trim)
        .filter(|name| !name.is_empty())
    {
        Some(name) => checked_name(name)?,
        None => crate::user_agent::device_name(client.user_agent.as_deref()),
    };
    let finished = passkeys::finish_registration(
        &state,
        viewer.user_id,
        &family,
        &ceremony,
        &credential,
        &name,
    )
    .await?;
    let row = match finished {
        Ok(row) => row,
        Err(refusal) => {
            let refused = Event::new(EventKind::PasskeyRefused, client).user(viewer.user_id);
            audit::record(&state.db, refused.detail(refusal.as_str()));
            return Err(match refusal {
                Refusal::Expired => AppError::passkey_ceremony_expired(),
                _ => AppError::passkey_invalid(),
            });
        }
    };
    let (_, email) = super::account::own_account(&state, &viewer).await?;
    state
        .mail
        .send(&notices::added(email.as_str(), &name))
        .await?;
    let added = Event::new(EventKind::PasskeyAdded, client).user(viewer.user_id);
    audit::record(&state.db, added.family(&family).detail(&name));
    Ok(PasskeyInfo::from(&row))
}

/// Renames passkey `id`. 404 when the account has no such passkey.
#[server(prefix = "/api", endpoint = "rename_passkey")]
pub async fn rename_passkey(id: i64, name: String) -> Result<(), AppError> {
    let (state, viewer, family) = super::account::current_login::<RenamePasskey>()?;
    let name = checked_name(name.trim())?;
    if !rows::rename(&state.db, viewer.user_id, id, &name).await? {
        return Err(AppError::not_found());
    }
    let renamed = Event::new(EventKind::PasskeyRenamed, client_info()).user(viewer.user_id);
    audit::record(&state.db, renamed.family(&family).detail(&name));
    continue_to(SECURITY_PAGE);
    Ok(())
}

/// Deletes passkey `id`: it no longer signs in. 404 when the account has no such passkey.
#[server(prefix = "/api", endpoint = "delete_passkey")]
pub async fn delete_passkey(id: i64) -> Result<(), AppError> {
    let (state, viewer, family) = super::account::current_login::<DeletePasskey>()?;
    let Some(name) = rows::delete(&state.db, viewer.user_id, id).await? else {
        return Err(AppError::not_found());
    };
    removed(&state, viewer.user_id, &family, &name).await?;
    continue_to(SECURITY_PAGE);
    Ok(())
}

/// Mails and audits the removal of passkey `name`.
#[cfg(feature = "ssr")]
async fn removed(state: &AppState, user_id: i64, family: &str, name: &str) -> Result<(), AppError> {
    let user = crate::ssr::users::find_by_id(&state.db, user_id).await?;
    if let Some(user) = user {
        state
            .mail
            .send(&notices::removed(&user.email, name))
            .await?;
    }
    let event = Event::new(EventKind::PasskeyRemoved, client_info()).user(user_id);
    audit::record(&state.db, event.family(family).detail(name));
    Ok(())
}

/// A passkey name of 1 to 64 characters, without control characters; 422 `invalid` on `name`.
#[cfg(feature = "ssr")]
fn checked_name(name: &str) -> Result<String, AppError> {
    let count = name.chars().count();
    if count == 0 || count > NAME_MAX_CHARS || name.chars().any(char::is_control) {
        return Err(AppError::invalid(
            "name",
            format!("Name the passkey in 1 to {NAME_MAX_CHARS} characters."),
        ));
    }
    Ok(name.to_owned())
}
