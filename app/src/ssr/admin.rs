//! The bodies of the administrators' functions: the user list, role changes, disabling and
//! enabling accounts, ending a user's sessions, and the audit log. Each change takes effect at
//! once, on every instance (see `revocations`), and is written to the audit log.

use super::audit::{self, Event, EventKind};
use super::context::{app_state, client_info, redirect_form_post, require_viewer};
use super::flows::{database_failed, store_failed};
use super::state::AppState;
use super::tokens::unix_now;
use super::users;
use crate::auth::policy::Policy;
use crate::auth::{AuditEntry, Profile, Role, Viewer};
use crate::error::AppError;

/// How many audit events the admin page shows.
const AUDIT_PAGE: i64 = 100;

fn admin() -> Result<(AppState, Viewer), AppError> {
    let state = app_state()?;
    let viewer = require_viewer(Policy::Role(Role::Admin))?;
    Ok((state, viewer))
}

/// An administrator acting on `user_id`, which must exist and must not be themselves (so no
/// one demotes or locks out the account they are using).
async fn admin_acting_on(user_id: i64) -> Result<(AppState, Viewer), AppError> {
    let (state, viewer) = admin()?;
    if user_id == viewer.user_id {
        return Err(AppError::invalid(
            "user_id",
            "You cannot change your own account here.",
        ));
    }
    users::find_by_id(&state.db, user_id)
        .await
        .map_err(database_failed)?
        .ok_or_else(AppError::not_found)?;
    Ok((state, viewer))
}

pub async fn list_users() -> Result<Vec<Profile>, AppError> {
    let (state, _) = admin()?;
    let users = users::list(&state.db).await.map_err(database_failed)?;
    Ok(users.iter().map(|user| user.profile()).collect())
}

pub async fn audit_log() -> Result<Vec<AuditEntry>, AppError> {
    let (state, _) = admin()?;
    audit::latest(&state.db, AUDIT_PAGE)
        .await
        .map_err(database_failed)
}

pub async fn set_role(user_id: i64, role: String) -> Result<(), AppError> {
    let role =
        Role::parse(&role).ok_or_else(|| AppError::invalid("role", "Choose user or admin."))?;
    let (state, admin) = admin_acting_on(user_id).await?;
    users::set_role(&state.db, user_id, role)
        .await
        .map_err(database_failed)?;
    state
        .sessions
        .role_changed(user_id, role)
        .await
        .map_err(store_failed)?;
    record(
        &state,
        EventKind::RoleChanged,
        &admin,
        user_id,
        role.as_str(),
    );
    Ok(())
}

pub async fn set_disabled(user_id: i64, disabled: bool) -> Result<(), AppError> {
    let (state, admin) = admin_acting_on(user_id).await?;
    let disabled_at = disabled.then(|| unix_now() as i64);
    users::set_disabled_at(&state.db, user_id, disabled_at)
        .await
        .map_err(database_failed)?;
    if disabled {
        state
            .sessions
            .revoke_all(user_id)
            .await
            .map_err(store_failed)?;
    }
    let kind = if disabled {
        EventKind::AccountDisabled
    } else {
        EventKind::AccountEnabled
    };
    record(&state, kind, &admin, user_id, "");
    Ok(())
}

pub async fn revoke_user_sessions(user_id: i64) -> Result<(), AppError> {
    let (state, admin) = admin_acting_on(user_id).await?;
    state
        .sessions
        .revoke_all(user_id)
        .await
        .map_err(store_failed)?;
    record(
        &state,
        EventKind::SessionsRevokedByAdmin,
        &admin,
        user_id,
        "",
    );
    Ok(())
}

/// Audits an administrator's change to `user_id`, naming the administrator in the detail, and
/// sends a plain form post (no JavaScript) back to the admin page.
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
