//! The administrators' functions: the user list, role changes, disabling and enabling accounts,
//! ending a user's sessions, and the audit log. Each change takes effect at once, on every
//! instance (see `ssr::sessions::revocation_feed`), and is written to the audit log.

use crate::auth::policy::{ADMIN, ADMIN_RECENTLY};
use crate::auth::{AuditEntry, AuditFilter, Profile};
use crate::error::AppError;
use leptos::prelude::*;
use server_fn::ServerFn;

#[cfg(feature = "ssr")]
use crate::{
    auth::{Role, Viewer},
    ssr::audit::{self, Event, EventKind},
    ssr::context::{app_state, client_info, redirect_form_post},
    ssr::mail::link_tokens,
    ssr::platform::clock::unix_now,
    ssr::state::AppState,
    ssr::two_step,
    ssr::users,
};

/// Who may call each function of this module.
pub const POLICIES: &[super::PolicyRow] = &[
    (ListUsers::PATH, ADMIN),
    (AuditLog::PATH, ADMIN),
    (SetRole::PATH, ADMIN_RECENTLY),
    (SetDisabled::PATH, ADMIN_RECENTLY),
    (RevokeUserSessions::PATH, ADMIN_RECENTLY),
    (AdminResetSecondFactors::PATH, ADMIN_RECENTLY),
];

/// How many audit events one page of the log holds.
pub const AUDIT_PAGE: i64 = 100;

/// Every account, for administrators.
#[server(prefix = "/api", endpoint = "users")]
pub async fn list_users() -> Result<Vec<Profile>, AppError> {
    let state = app_state()?;
    super::admitted_viewer::<ListUsers>()?;
    let users = users::list(&state.db).await?;
    Ok(users.iter().map(|user| user.profile()).collect())
}

/// One page of security events for administrators, newest first: those `filter` admits (all
/// when absent), older than the event `before` when given.
#[server(prefix = "/api", endpoint = "audit")]
pub async fn audit_log(
    filter: Option<AuditFilter>,
    before: Option<i64>,
) -> Result<Vec<AuditEntry>, AppError> {
    let state = app_state()?;
    super::admitted_viewer::<AuditLog>()?;
    let filter = filter.unwrap_or_default();
    Ok(audit::page(&state.db, filter, before, AUDIT_PAGE).await?)
}

/// Gives a user the role named `role` (one of `Role::ALL`), effective on their next request.
#[server(prefix = "/api", endpoint = "set_role")]
pub async fn set_role(user_id: i64, role: String) -> Result<(), AppError> {
    let role = Role::parse(&role).ok_or_else(|| AppError::invalid("role", Role::choose_one()))?;
    let (state, admin) = admin_acting_on::<SetRole>(user_id).await?;
    users::set_role(&state.db, user_id, role)
        .await?
        .into_result()?;
    state.sessions.role_changed(user_id, role).await?;
    record(
        &state,
        EventKind::RoleChanged,
        &admin,
        user_id,
        role.as_str(),
    );
    Ok(())
}

/// Disables (every session ends, sign-in refused) or enables an account.
#[server(prefix = "/api", endpoint = "set_disabled")]
pub async fn set_disabled(user_id: i64, disabled: bool) -> Result<(), AppError> {
    let (state, admin) = admin_acting_on::<SetDisabled>(user_id).await?;
    let disabled_at = disabled.then(|| unix_now() as i64);
    users::set_disabled_at(&state.db, user_id, disabled_at)
        .await?
        .into_result()?;
    if disabled {
        state.sessions.revoke_all(user_id).await?;
    }
    let kind = if disabled {
        EventKind::AccountDisabled
    } else {
        EventKind::AccountEnabled
    };
    record(&state, kind, &admin, user_id, "");
    Ok(())
}

/// Ends every session of a user.
#[server(prefix = "/api", endpoint = "revoke_user_sessions")]
pub async fn revoke_user_sessions(user_id: i64) -> Result<(), AppError> {
    let (state, admin) = admin_acting_on::<RevokeUserSessions>(user_id).await?;
    link_tokens::void_all(&state.db, user_id).await?;
    state.sessions.revoke_all(user_id).await?;
    record(
        &state,
        EventKind::SessionsRevokedByAdmin,
        &admin,
        user_id,
        "",
    );
    Ok(())
}

/// Turns off a user's two-step verification (authenticator app and recovery codes), for an owner
/// who lost both: every session of theirs ends, and they are mailed. With `passkeys` (`true`),
/// their passkeys are deleted too (a lost phone held both).
#[server(prefix = "/api", endpoint = "admin_reset_second_factors")]
pub async fn admin_reset_second_factors(
    user_id: i64,
    passkeys: Option<String>,
) -> Result<(), AppError> {
    let (state, admin) = admin_acting_on::<AdminResetSecondFactors>(user_id).await?;
    two_step::remove_all(&state.db, user_id).await?;
    let with_passkeys = matches!(passkeys.as_deref(), Some("true" | "on"));
    if with_passkeys {
        crate::ssr::passkeys::rows::delete_all(&state.db, user_id).await?;
    }
    state.sessions.revoke_all(user_id).await?;
    if let Some(user) = users::find_by_id(&state.db, user_id).await? {
        state
            .mail
            .send(&two_step::notices::reset_by_admin(&user.email))
            .await?;
    }
    let detail = if with_passkeys { "with passkeys" } else { "" };
    record(&state, EventKind::MfaResetByAdmin, &admin, user_id, detail);
    Ok(())
}

/// The administrator function `F` admitted, acting on `user_id`, which must exist and must not
/// be themselves (so no one demotes or locks out the account they are using).
#[cfg(feature = "ssr")]
async fn admin_acting_on<F: ServerFn>(user_id: i64) -> Result<(AppState, Viewer), AppError> {
    let state = app_state()?;
    let admin = super::admitted_viewer::<F>()?;
    if user_id == admin.user_id {
        return Err(AppError::invalid(
            "user_id",
            "You cannot change your own account here.",
        ));
    }
    users::find_by_id(&state.db, user_id)
        .await?
        .ok_or_else(AppError::not_found)?;
    Ok((state, admin))
}

/// Audits an administrator's change to `user_id`, naming the administrator in the detail, and
/// sends a plain form post (no JavaScript) back to the admin page.
#[cfg(feature = "ssr")]
fn record(state: &AppState, kind: EventKind, admin: &Viewer, user_id: i64, detail: &str) {
    redirect_form_post("/admin");
    let detail = format!("by admin {} {detail}", admin.user_id);
    audit::record(
        &state.db,
        Event::new(kind, client_info())
            .user(user_id)
            .detail(detail.trim_end()),
    );
}
