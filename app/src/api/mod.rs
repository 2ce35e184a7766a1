//! The server functions, at stable URLs under `/api`, one module per feature. Each accepts a
//! form-encoded POST, so the same endpoint serves a hydrated `ActionForm` and a plain HTML form
//! without JavaScript.
//!
//! Each feature module declares its functions with their bodies, and beside them one table,
//! `POLICIES`, saying who may call each. The server's authorization layer enforces it before any
//! body runs; a function missing from it is refused (deny by default), and a test fails for it.
//! A body never restates its policy: it asks for the viewer the policy admitted with
//! [`admitted_viewer`], which reads the same table (during server rendering a page calls a
//! function directly, without the layer, so the body checks again from the one source).
//!
//! Reading order: [`sign_in`] (sign-up, sign-in, refresh, sign-out), [`account`] (a user's own
//! devices and password), [`email`] (password reset and address checks by mail),
//! [`address_change`] (moving an account to a new address, and undoing a move), [`step_up`]
//! (confirming it's you before a sensitive action), [`two_step`] (setting up a second factor),
//! [`second_step`] (signing in with it), [`passkeys`] (adding and managing passkeys),
//! [`passkey_sign_in`] (signing in with one), [`admin`] (accounts and the audit log).

pub mod account;
pub mod address_change;
pub mod admin;
pub mod bench;
pub mod email;
pub mod passkey_sign_in;
pub mod passkeys;
pub mod second_step;
pub mod sign_in;
pub mod step_up;
pub mod two_step;

use crate::auth::policy::Policy;
use server_fn::ServerFn;

/// One row of a feature's policy table: a server function's URL and who may call it.
pub type PolicyRow = (&'static str, Policy);

/// Every feature's policy table. A new feature module adds its `POLICIES` here.
const FEATURES: &[&[PolicyRow]] = &[
    sign_in::POLICIES,
    account::POLICIES,
    address_change::POLICIES,
    email::POLICIES,
    admin::POLICIES,
    step_up::POLICIES,
    two_step::POLICIES,
    second_step::POLICIES,
    passkeys::POLICIES,
    passkey_sign_in::POLICIES,
    bench::POLICIES,
];

/// The functions a login confined to setting up two-step verification may call
/// (`MFA_REQUIRED_ROLES`), beside the public ones; every other answers 403
/// `mfa_enrollment_required`.
pub const OPEN_WHILE_ENROLLING: &[&str] = &[
    two_step::SecurityOverview::PATH,
    two_step::TotpEnrolment::PATH,
    two_step::BeginTotp::PATH,
    two_step::ConfirmTotp::PATH,
    step_up::Reauthenticate::PATH,
    step_up::PasskeyReauthenticationOptions::PATH,
    step_up::ReauthenticateWithPasskey::PATH,
    sign_in::LogoutAll::PATH,
    sign_in::Me::PATH,
];

/// The policy of the server function at `path`, if it declares one.
pub fn server_fn_policy(path: &str) -> Option<Policy> {
    FEATURES
        .iter()
        .flat_map(|rows| rows.iter())
        .find(|(fn_path, _)| *fn_path == path)
        .map(|(_, policy)| *policy)
}

#[cfg(feature = "ssr")]
pub use admitted::admitted_viewer;

#[cfg(feature = "ssr")]
mod admitted {
    use super::server_fn_policy;
    use crate::auth::Viewer;
    use crate::error::AppError;
    use crate::ssr::context::authorize;
    use server_fn::ServerFn;

    /// The signed-in viewer that server function `F`'s policy admits, from `F`'s row in its
    /// feature's `POLICIES`; a function without a row admits nobody.
    pub fn admitted_viewer<F: ServerFn>() -> Result<Viewer, AppError> {
        let Some(policy) = server_fn_policy(F::PATH) else {
            tracing::error!(path = F::PATH, "server function without a policy refused");
            return Err(AppError::forbidden());
        };
        let viewer = authorize(policy)?.ok_or_else(AppError::unauthenticated)?;
        let confined = crate::ssr::context::request_auth()
            .claims
            .is_some_and(|claims| claims.enrol);
        if confined && !super::OPEN_WHILE_ENROLLING.contains(&F::PATH) {
            return Err(AppError::mfa_enrollment_required());
        }
        Ok(viewer)
    }
}
