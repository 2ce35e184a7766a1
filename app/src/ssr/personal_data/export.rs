//! Everything the app holds about one account, as one JSON document: its copy of its own data
//! (GDPR articles 15 and 20). The account page offers it as a download (`/account/export`).

use crate::error::AppError;
use crate::ssr::audit::{self, Event, EventKind};
use crate::ssr::context::client_info;
use crate::ssr::platform::clock::unix_now;
use crate::ssr::sessions::public_handle;
use crate::ssr::state::AppState;
use crate::ssr::users;
use serde_json::{json, Value};

/// The account's data: its profile, its logins with their devices, its audit events and the
/// mail sent to it. `current` is the login the request was made with, marked as such.
pub async fn account_data(
    state: &AppState,
    user_id: i64,
    current: &str,
) -> Result<Value, AppError> {
    let user = users::find_by_id(&state.db, user_id)
        .await?
        .ok_or_else(AppError::unauthenticated)?;
    let logins: Vec<Value> = state
        .sessions
        .logins(user_id)
        .await?
        .into_iter()
        .map(|login| {
            json!({
                "session": public_handle(&login.family),
                "current": login.family == current,
                "started_at": login.started_at,
                "last_used_at": login.last_used_at,
                "user_agent": login.client.user_agent,
                "ip": login.client.ip,
            })
        })
        .collect();
    let events: Vec<Value> = audit::of_user(&state.db, user_id)
        .await?
        .into_iter()
        .map(|event| {
            json!({
                "at": event.at,
                "kind": event.kind,
                "session": event.session,
                "ip": event.ip,
                "user_agent": event.user_agent,
                "detail": event.detail,
            })
        })
        .collect();
    let mail: Vec<Value> = crate::ssr::mail::outbox::to_recipient(&state.db, &user.email)
        .await?
        .into_iter()
        .map(|mail| {
            json!({
                "subject": mail.subject,
                "queued_at": mail.created_at / 1000,
                "sent_at": mail.sent_at.map(|millis| millis / 1000),
            })
        })
        .collect();
    // When the authenticator was set up and how many recovery codes are left; never a secret.
    let factors = crate::ssr::two_step::factors(&state.db, user_id).await?;
    let two_step = json!({
        "authenticator_app_since": factors.totp_since,
        "recovery_codes_left": factors.recovery_codes_left,
    });
    let trusted_browsers: Vec<Value> =
        crate::ssr::two_step::trusted::list(&state.db, user_id, unix_now() as i64)
            .await?
            .into_iter()
            .map(|browser| {
                json!({
                    "trusted_at": browser.created_at,
                    "expires_at": browser.expires_at,
                    "last_used_at": browser.last_used_at,
                    "user_agent": browser.user_agent,
                    "ip": browser.ip,
                })
            })
            .collect();
    // Names and dates only: the public keys say nothing about the person.
    let passkeys: Vec<Value> = crate::ssr::passkeys::rows::list(&state.db, user_id)
        .await?
        .into_iter()
        .map(|passkey| {
            json!({
                "name": passkey.name,
                "created_at": passkey.created_at,
                "last_used_at": passkey.last_used_at,
                "synced": passkey.synced(),
            })
        })
        .collect();
    // Any signed-in browser can ask for it again and again: written once a minute at most.
    audit::record_coalesced(
        &state.db,
        state.sessions.coordination(),
        Event::new(EventKind::DataExported, client_info()).user(user_id),
    );
    Ok(json!({
        "exported_at": unix_now(),
        "account": {
            "id": user.id,
            "email": user.email,
            "role": user.role().as_str(),
            "created_at": user.created_at,
            "email_verified_at": user.email_verified_at,
            "disabled_at": user.disabled_at,
        },
        "logins": logins,
        "audit_events": events,
        "mail": mail,
        "two_step_verification": two_step,
        "trusted_browsers": trusted_browsers,
        "passkeys": passkeys,
    }))
}
