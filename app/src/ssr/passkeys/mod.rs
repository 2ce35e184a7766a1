//! Passkeys (WebAuthn): adding one to an account, and signing in with one, with or without a
//! typed address, or as the second step of a password sign-in.
//!
//! Every ceremony's state stays on the server ([`ceremony`]); the browser gets the options as
//! JSON and posts back what `credential.toJSON()` gives. webauthn-rs checks the origin, the RP
//! id, the challenge, user verification (always required: a passkey sign-in is two factors in
//! one) and the signature counter; this module adds what only the app knows: whose credential
//! it is, and that a ceremony serves the account and login it was started for.

pub mod ceremony;
pub mod notices;
pub mod rows;

use crate::error::AppError;
use crate::ssr::platform::relying_party::Passkeys;
use crate::ssr::state::AppState;
use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};
use rows::PasskeyRow;
use serde::{Deserialize, Serialize};
use webauthn_rs::prelude::{
    CredentialID, DiscoverableAuthentication, PasskeyRegistration, PublicKeyCredential,
    RegisterPublicKeyCredential, Uuid, Webauthn, WebauthnError,
};
use webauthn_rs_proto::{AllowCredentials, ResidentKeyRequirement};

/// Passkeys one account may have.
pub const MAX_PER_ACCOUNT: usize = 10;

/// A ceremony started: its id, and the options for `navigator.credentials` as JSON.
#[derive(Clone, Debug)]
pub struct Started {
    pub ceremony: String,
    pub options: String,
}

/// A registration in flight: for which account, from which login.
#[derive(Serialize, Deserialize)]
struct Registering {
    user_id: i64,
    family: String,
    state: PasskeyRegistration,
}

/// A sign-in in flight. Every kind runs as a discoverable authentication (its state lists no
/// credentials); [`Signer`] says whose passkeys may finish it.
#[derive(Serialize, Deserialize)]
struct SigningIn {
    signer: Signer,
    state: DiscoverableAuthentication,
}

/// Whose passkey may finish a sign-in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Signer {
    /// Any account's: the browser offers every passkey it has for this site.
    Anyone,
    /// This account's only: its address was typed, or its password given.
    Account(i64),
    /// Nobody's: the address typed has no account (the options offered stand-ins).
    Nobody,
}

/// Why a passkey was refused, for the audit log; the browser is told only
/// `passkey_ceremony_expired` or `passkey_invalid`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// The ceremony is unknown, expired, or already finished.
    Expired,
    /// The signature counter did not move forward: the credential may have been copied.
    CloneSuspected,
    /// The credential is not stored, or belongs to another account than the one asked for.
    NotTheAccounts,
    /// The authenticator did not verify the user (no PIN, no biometric).
    UserNotVerified,
    /// Anything else that fails verification (signature, origin, challenge, malformed).
    Invalid,
}

impl Refusal {
    pub fn as_str(self) -> &'static str {
        match self {
            Refusal::Expired => "ceremony_expired",
            Refusal::CloneSuspected => "clone_suspected",
            Refusal::NotTheAccounts => "not_the_accounts",
            Refusal::UserNotVerified => "user_not_verified",
            Refusal::Invalid => "invalid",
        }
    }
}

/// The passkey service, or 503 when passkeys are off (`PASSKEYS=off`).
pub fn service(state: &AppState) -> Result<&Passkeys, AppError> {
    state
        .passkeys
        .as_deref()
        .ok_or_else(AppError::passkeys_unavailable)
}

/// The verifier, or 503 when passkeys are off.
pub fn verifier(state: &AppState) -> Result<&Webauthn, AppError> {
    service(state).map(|passkeys| &passkeys.webauthn)
}

/// The credential ids of `rows`, for a ceremony's allow-list (URL-safe base64, as stored).
pub fn credential_ids(rows: &[PasskeyRow]) -> Vec<String> {
    rows.iter().map(|row| row.credential_id.clone()).collect()
}

/// Starts a sign-in that only a passkey of account `user_id` finishes, offering its passkeys (a
/// second step, or confirming it's you). 404 when the account has none.
pub async fn start_for_account(state: &AppState, user_id: i64) -> Result<Started, AppError> {
    let service = service(state)?;
    let stored = rows::list(&state.db, user_id).await?;
    if stored.is_empty() {
        return Err(AppError::not_found());
    }
    let offered = service.offered_for(&credential_ids(&stored), "");
    start_sign_in(state, Signer::Account(user_id), offered).await
}

/// Starts adding a passkey to account `user_id` (known to authenticators as `email`) from login
/// `family`. 409 `passkey_limit` at [`MAX_PER_ACCOUNT`].
pub async fn start_registration(
    state: &AppState,
    user_id: i64,
    family: &str,
    email: &str,
) -> Result<Started, AppError> {
    let webauthn = verifier(state)?;
    let existing = rows::list(&state.db, user_id).await?;
    if existing.len() >= MAX_PER_ACCOUNT {
        return Err(AppError::passkey_limit());
    }
    let exclude = existing
        .iter()
        .filter_map(PasskeyRow::credential)
        .map(|passkey| passkey.cred_id().clone())
        .collect();
    let handle = rows::handle_of(&state.db, user_id).await?;
    let (mut options, registration) = webauthn
        .start_passkey_registration(handle, email, email, Some(exclude))
        .map_err(internal)?;
    // webauthn-rs asks for a non-discoverable credential; Chromium then refuses every sign-in
    // that does not name the account first (the button and autofill). "preferred" lets the
    // authenticator keep it (a slot on a hardware key), as SimpleWebAuthn does by default.
    if let Some(selection) = options.public_key.authenticator_selection.as_mut() {
        selection.resident_key = Some(ResidentKeyRequirement::Preferred);
        selection.require_resident_key = false;
    }
    let registering = Registering {
        user_id,
        family: family.to_owned(),
        state: registration,
    };
    let store = state.sessions.coordination().as_ref();
    Ok(Started {
        ceremony: ceremony::start(store, &registering).await?,
        options: serde_json::to_string(&options).map_err(internal)?,
    })
}

/// Finishes adding a passkey: the browser's `credential` for `ceremony`, which login `family`
/// of account `user_id` started. The stored row, or the refusal.
pub async fn finish_registration(
    state: &AppState,
    user_id: i64,
    family: &str,
    ceremony: &str,
    credential: &str,
    name: &str,
) -> Result<Result<PasskeyRow, Refusal>, AppError> {
    let webauthn = verifier(state)?;
    let store = state.sessions.coordination().as_ref();
    let Some(registering) = ceremony::take::<Registering>(store, ceremony).await? else {
        return Ok(Err(Refusal::Expired));
    };
    if registering.user_id != user_id || registering.family != family {
        return Ok(Err(Refusal::NotTheAccounts));
    }
    let Ok(credential) = serde_json::from_str::<RegisterPublicKeyCredential>(credential) else {
        return Ok(Err(Refusal::Invalid));
    };
    let passkey = match webauthn.finish_passkey_registration(&credential, &registering.state) {
        Ok(passkey) => passkey,
        Err(error) => return Ok(Err(refusal_of(error))),
    };
    let credential_id = URL_SAFE_NO_PAD.encode(passkey.cred_id().as_slice());
    let now = crate::ssr::platform::clock::unix_now() as i64;
    if !rows::insert(&state.db, user_id, &credential_id, &passkey, name, now).await? {
        return Ok(Err(Refusal::NotTheAccounts));
    }
    let stored = rows::find_by_credential(&state.db, &credential_id).await?;
    Ok(stored.ok_or(Refusal::Invalid))
}

/// Starts a sign-in that `signer`'s passkey may finish, offering the credentials `offered` (none:
/// the browser offers whichever it has for this site).
pub async fn start_sign_in(
    state: &AppState,
    signer: Signer,
    offered: Vec<CredentialID>,
) -> Result<Started, AppError> {
    let webauthn = verifier(state)?;
    let (mut options, authentication) = webauthn
        .start_discoverable_authentication()
        .map_err(internal)?;
    // The page picks the mediation (conditional for autofill, modal for the button).
    options.mediation = None;
    options.public_key.allow_credentials = offered
        .into_iter()
        .map(|id| AllowCredentials {
            type_: "public-key".to_owned(),
            id,
            transports: None,
        })
        .collect();
    let signing_in = SigningIn {
        signer,
        state: authentication,
    };
    let store = state.sessions.coordination().as_ref();
    Ok(Started {
        ceremony: ceremony::start(store, &signing_in).await?,
        options: serde_json::to_string(&options).map_err(internal)?,
    })
}

/// Finishes a sign-in: the browser's `credential` for `ceremony`. The passkey's row (its
/// counter and last use recorded), or the refusal, with the account of the passkey presented
/// when it is a stored one.
pub async fn finish_sign_in(
    state: &AppState,
    ceremony: &str,
    credential: &str,
) -> Result<Result<PasskeyRow, (Refusal, Option<i64>)>, AppError> {
    let webauthn = verifier(state)?;
    let store = state.sessions.coordination().as_ref();
    let Some(signing_in) = ceremony::take::<SigningIn>(store, ceremony).await? else {
        return Ok(Err((Refusal::Expired, None)));
    };
    let Ok(credential) = serde_json::from_str::<PublicKeyCredential>(credential) else {
        return Ok(Err((Refusal::Invalid, None)));
    };
    let credential_id = URL_SAFE_NO_PAD.encode(credential.get_credential_id());
    let Some(row) = rows::find_by_credential(&state.db, &credential_id).await? else {
        return Ok(Err((Refusal::NotTheAccounts, None)));
    };
    let refused = |refusal| Ok(Err((refusal, Some(row.user_id))));
    if !owned_as_claimed(state, &row, &credential, signing_in.signer).await? {
        return refused(Refusal::NotTheAccounts);
    }
    let Some(mut passkey) = row.credential() else {
        return refused(Refusal::Invalid);
    };
    let result = match webauthn.finish_discoverable_authentication_v2(
        &credential,
        signing_in.state,
        &passkey,
    ) {
        Ok(result) => result,
        Err(error) => return refused(refusal_of(error)),
    };
    if !result.user_verified() {
        return refused(Refusal::UserNotVerified);
    }
    passkey.update_credential(&result);
    let now = crate::ssr::platform::clock::unix_now() as i64;
    rows::record_use(&state.db, &row, &passkey, result.backup_state(), now).await?;
    Ok(Ok(row))
}

/// Whether passkey `row` may finish a sign-in for `signer`, and belongs to the account its user
/// handle names (if the authenticator sent one; a sign-in for anyone needs it).
async fn owned_as_claimed(
    state: &AppState,
    row: &PasskeyRow,
    credential: &PublicKeyCredential,
    signer: Signer,
) -> Result<bool, AppError> {
    match signer {
        Signer::Nobody => return Ok(false),
        Signer::Account(user_id) if user_id != row.user_id => return Ok(false),
        Signer::Account(_) | Signer::Anyone => {}
    }
    let Some(handle) = credential.get_user_unique_id() else {
        return Ok(signer != Signer::Anyone);
    };
    let Ok(handle) = Uuid::from_slice(handle) else {
        return Ok(false);
    };
    Ok(rows::user_with_handle(&state.db, &handle).await? == Some(row.user_id))
}

fn refusal_of(error: WebauthnError) -> Refusal {
    match error {
        WebauthnError::CredentialPossibleCompromise => Refusal::CloneSuspected,
        WebauthnError::UserNotVerified => Refusal::UserNotVerified,
        error => {
            tracing::info!(%error, "a passkey failed verification");
            Refusal::Invalid
        }
    }
}

fn internal(error: impl std::fmt::Display) -> AppError {
    tracing::error!(%error, "passkey ceremony");
    AppError::internal()
}
