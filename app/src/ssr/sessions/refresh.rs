//! The refresh rotation as the app uses it, for `/api/refresh` and the authentication layer's
//! transparent refresh alike: the session engine rotates the token, the account decides the role
//! (and whether there is a session at all), and a detected reuse goes to the audit log.

use crate::auth::assurance::Authentication;
use crate::ssr::audit::{self, Event, EventKind};
use crate::ssr::platform::coordination::StoreError;
use crate::ssr::sessions::{ClientInfo, IssuedRefresh, RotationOutcome};
use crate::ssr::state::AppState;
use crate::ssr::users;

/// Rotates the refresh `token`, recording a reuse it revealed, and a successor handed again within
/// the grace window, in the audit log. Plain rotations are not audited: one per access-token
/// lifetime per active login would drown the log, and the login's last use is kept with the
/// login itself.
pub async fn rotate(
    state: &AppState,
    token: &str,
    client: ClientInfo,
) -> Result<Option<IssuedRefresh>, StoreError> {
    rotate_with(state, token, client, None).await
}

/// [`rotate`], the successor recording `authentication` when given: the holder has just
/// confirmed it's them (see `RefreshSessions::rotate_with`).
pub async fn rotate_with(
    state: &AppState,
    token: &str,
    client: ClientInfo,
    authentication: Option<Authentication>,
) -> Result<Option<IssuedRefresh>, StoreError> {
    let outcome = state
        .sessions
        .rotate_with(token, &client, authentication)
        .await?;
    if let RotationOutcome::GraceReplay(issued) = &outcome {
        let event = Event::new(EventKind::RefreshGraceReplay, client.clone())
            .user(issued.record.user_id)
            .family(&issued.record.family);
        audit::record(&state.db, event);
    }
    match outcome {
        RotationOutcome::Rotated(mut issued) | RotationOutcome::GraceReplay(mut issued) => {
            let user = users::find_by_id(&state.db, issued.record.user_id)
                .await
                .map_err(StoreError::new)?;
            let Some(user) = user.filter(|user| !user.is_disabled()) else {
                state.sessions.revoke_family(&issued.record.family).await?;
                return Ok(None);
            };
            issued.record.role = user.role();
            issued.record.second_factor = user.has_second_factor();
            Ok(Some(issued))
        }
        RotationOutcome::Refused => Ok(None),
        RotationOutcome::Reused { user_id, family } => {
            tracing::warn!(
                user_id,
                "refresh token reuse detected; the login was revoked"
            );
            let event = Event::new(EventKind::ReuseDetected, client)
                .user(user_id)
                .family(&family)
                .detail("a rotated refresh token was presented again; login revoked");
            audit::record(&state.db, event);
            Ok(None)
        }
    }
}
