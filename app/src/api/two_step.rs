//! Two-step verification on the signed-in user's own account: what it has, setting up an
//! authenticator app, recovery codes, and turning it off. Every change asks for a recent sign-in
//! (with both factors once there are two), is mailed to the owner and audited.

use crate::auth::policy::{Policy, SIGNED_IN_RECENTLY};
use crate::error::AppError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};
use server_fn::ServerFn;

#[cfg(feature = "ssr")]
use crate::{
    ssr::audit::{self, Event, EventKind},
    ssr::context::{client_info, continue_to},
    ssr::platform::clock::unix_now,
    ssr::sign_in::renew_authentication,
    ssr::two_step::{self, fresh_codes, notices, recovery_codes, totp, trusted},
};

/// Who may call each function of this module.
pub const POLICIES: &[super::PolicyRow] = &[
    (SecurityOverview::PATH, Policy::SignedIn),
    (TotpEnrolment::PATH, SIGNED_IN_RECENTLY),
    (BeginTotp::PATH, SIGNED_IN_RECENTLY),
    (ConfirmTotp::PATH, SIGNED_IN_RECENTLY),
    (DisableTotp::PATH, SIGNED_IN_RECENTLY),
    (RegenerateRecoveryCodes::PATH, SIGNED_IN_RECENTLY),
    (ForgetTrustedBrowser::PATH, Policy::SignedIn),
    (ForgetTrustedBrowsers::PATH, Policy::SignedIn),
];

/// The security page after a change, and the page showing new recovery codes.
pub use crate::auth::redirect::SECURITY_PAGE;
pub const TOTP_PAGE: &str = "/account/security/totp";
pub const RECOVERY_CODES_PAGE: &str = "/account/security/recovery-codes";

/// The signed-in user's second factors, as the security page shows them.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Security {
    /// Whether two-step verification can be set up on this server (it needs a data key).
    pub available: bool,
    /// When the authenticator app was confirmed (Unix seconds); `None` when there is none.
    pub totp_since: Option<i64>,
    pub recovery_codes_left: i64,
    /// Recovery codes this login made in the last ten minutes, to be written down.
    pub fresh_recovery_codes: Vec<String>,
    /// Browsers that skip the second step until their trust ends.
    pub trusted_browsers: Vec<TrustedBrowserInfo>,
}

/// A browser trusted to skip the second step.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrustedBrowserInfo {
    /// Names it in requests (a hash; not a credential).
    pub handle: String,
    pub user_agent: Option<String>,
    pub ip: Option<String>,
    /// Unix seconds.
    pub trusted_at: i64,
    pub expires_at: i64,
}

/// An authenticator set-up under way: what the app needs to learn the seed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Enrolment {
    /// The QR code of the `otpauth://` URL, as an SVG element.
    pub qr_svg: String,
    /// The seed in base32 groups of four, to type in by hand.
    pub secret: String,
}

#[server(prefix = "/api", endpoint = "security")]
pub async fn security_overview() -> Result<Security, AppError> {
    let (state, viewer, family) = super::account::current_login::<SecurityOverview>()?;
    let factors = two_step::factors(&state.db, viewer.user_id).await?;
    Ok(Security {
        available: state.data_key.is_some(),
        totp_since: factors.totp_since,
        recovery_codes_left: factors.recovery_codes_left,
        fresh_recovery_codes: fresh_codes::shown_to(&state, &family, viewer.user_id).await?,
        trusted_browsers: trusted::list(&state.db, viewer.user_id, unix_now() as i64)
            .await?
            .into_iter()
            .map(|browser| TrustedBrowserInfo {
                handle: browser.handle,
                user_agent: browser.user_agent,
                ip: browser.ip,
                trusted_at: browser.created_at,
                expires_at: browser.expires_at,
            })
            .collect(),
    })
}

/// The set-up under way, if any (`None`: none is, or the app is already set up).
#[server(prefix = "/api", endpoint = "totp_enrolment")]
pub async fn totp_enrolment() -> Result<Option<Enrolment>, AppError> {
    let state = crate::ssr::context::app_state()?;
    let viewer = super::admitted_viewer::<TotpEnrolment>()?;
    let (Some(key), Some(row)) = (
        state.data_key.as_ref(),
        totp::find(&state.db, viewer.user_id).await?,
    ) else {
        return Ok(None);
    };
    if row.confirmed_at.is_some() {
        return Ok(None);
    }
    let Some(seed) = totp::open(key, viewer.user_id, &row.secret_sealed) else {
        return Ok(None);
    };
    let (_, email) = super::account::own_account(&state, &viewer).await?;
    let url = totp::enrolment_url(&seed, crate::product::NAME, email.as_str())
        .ok_or_else(AppError::internal)?;
    Ok(Some(Enrolment {
        qr_svg: qr_svg(&url)?,
        secret: totp::typed_form(&seed),
    }))
}

/// `url` as a QR code: an inline SVG element labelled for screen readers.
#[cfg(feature = "ssr")]
fn qr_svg(url: &str) -> Result<String, AppError> {
    let code = qrcode::QrCode::new(url.as_bytes()).map_err(|_| AppError::internal())?;
    let svg = code
        .render::<qrcode::render::svg::Color>()
        .min_dimensions(200, 200)
        .build();
    let element = svg.get(svg.find("<svg").unwrap_or(0)..).unwrap_or_default();
    Ok(element.replacen(
        "<svg",
        r#"<svg role="img" aria-label="QR code for your authenticator app" data-testid="totp-qr""#,
        1,
    ))
}

/// Starts setting up an authenticator app: a new seed, not yet in use, shown on the set-up page.
#[server(prefix = "/api", endpoint = "begin_totp")]
pub async fn begin_totp() -> Result<(), AppError> {
    let state = crate::ssr::context::app_state()?;
    let viewer = super::admitted_viewer::<BeginTotp>()?;
    let key = state.data_key.as_ref().ok_or_else(AppError::unavailable)?;
    let sealed = totp::seal(key, viewer.user_id, &totp::new_seed());
    if !totp::begin(&state.db, viewer.user_id, &sealed, unix_now() as i64).await? {
        return Err(AppError::mfa_already_enabled());
    }
    continue_to(TOTP_PAGE);
    Ok(())
}

/// Confirms the set-up with a first `code` from the app: two-step verification is on, this
/// login counts as having used both factors, and ten recovery codes are made (shown once, on the
/// page this leads to).
#[server(prefix = "/api", endpoint = "confirm_totp")]
pub async fn confirm_totp(code: String) -> Result<(), AppError> {
    let (state, viewer, family) = super::account::current_login::<ConfirmTotp>()?;
    let two_step::Code::Totp(digits) = two_step::Code::parse(two_step::Method::Totp, &code)? else {
        return Err(AppError::invalid_code());
    };
    let key = state.data_key.as_ref().ok_or_else(AppError::unavailable)?;
    let row = totp::find(&state.db, viewer.user_id)
        .await?
        .filter(|row| row.confirmed_at.is_none())
        .ok_or_else(AppError::mfa_already_enabled)?;
    let step = totp::open(key, viewer.user_id, &row.secret_sealed)
        .and_then(|seed| totp::matching_step(&seed, &digits, unix_now()))
        .ok_or_else(AppError::invalid_code)?;
    let codes = recovery_codes::generate();
    let now = unix_now() as i64;
    let mut tx = state.db.begin().await?;
    recovery_codes::replace(&mut tx, &state.passwords, viewer.user_id, &codes, now).await?;
    if !totp::confirm(&mut *tx, viewer.user_id, step, now).await? {
        return Err(AppError::mfa_already_enabled());
    }
    tx.commit().await?;
    let (_, email) = super::account::own_account(&state, &viewer).await?;
    state.mail.send(&notices::turned_on(email.as_str())).await?;
    audit::record(
        &state.db,
        Event::new(EventKind::MfaEnabled, client_info())
            .user(viewer.user_id)
            .family(&family),
    );
    fresh_codes::keep(&state, key, &family, viewer.user_id, &codes).await?;
    // The code just proved the second factor: this login counts as using both from now on.
    // Best effort: the factor is on either way, and a login that could not be renewed asks for
    // both at its next step-up.
    if let Err(error) = renew_authentication(&state, two_step::both_factors()).await {
        tracing::warn!(error = %error.message, "a login was not renewed after turning on two-step verification");
    }
    continue_to(RECOVERY_CODES_PAGE);
    Ok(())
}

/// Turns two-step verification off: the authenticator and every recovery code are deleted.
#[server(prefix = "/api", endpoint = "disable_totp")]
pub async fn disable_totp() -> Result<(), AppError> {
    let (state, viewer, family) = super::account::current_login::<DisableTotp>()?;
    if state.settings.mfa_required_roles.contains(&viewer.role) {
        return Err(AppError::mfa_required_for_role());
    }
    if !two_step::has_second_factor(&state.db, viewer.user_id).await? {
        continue_to(SECURITY_PAGE);
        return Ok(());
    }
    two_step::remove_all(&state.db, viewer.user_id).await?;
    let (_, email) = super::account::own_account(&state, &viewer).await?;
    state
        .mail
        .send(&notices::turned_off(email.as_str()))
        .await?;
    audit::record(
        &state.db,
        Event::new(EventKind::MfaDisabled, client_info())
            .user(viewer.user_id)
            .family(&family),
    );
    continue_to(SECURITY_PAGE);
    Ok(())
}

/// Ten new recovery codes in place of the old ones (shown once, on the page this leads to).
#[server(prefix = "/api", endpoint = "regenerate_recovery_codes")]
pub async fn regenerate_recovery_codes() -> Result<(), AppError> {
    let (state, viewer, family) = super::account::current_login::<RegenerateRecoveryCodes>()?;
    let key = state.data_key.as_ref().ok_or_else(AppError::unavailable)?;
    if !two_step::has_second_factor(&state.db, viewer.user_id).await? {
        return Err(AppError::not_found());
    }
    let codes = recovery_codes::generate();
    let mut tx = state.db.begin().await?;
    recovery_codes::replace(
        &mut tx,
        &state.passwords,
        viewer.user_id,
        &codes,
        unix_now() as i64,
    )
    .await?;
    tx.commit().await?;
    audit::record(
        &state.db,
        Event::new(EventKind::RecoveryCodesRegenerated, client_info())
            .user(viewer.user_id)
            .family(&family),
    );
    fresh_codes::keep(&state, key, &family, viewer.user_id, &codes).await?;
    continue_to(RECOVERY_CODES_PAGE);
    Ok(())
}

/// Forgets one trusted browser, named by its `handle` from `/api/security`: it asks for the
/// second step again.
#[server(prefix = "/api", endpoint = "forget_trusted_browser")]
pub async fn forget_trusted_browser(handle: String) -> Result<(), AppError> {
    let (state, viewer, _) = super::account::current_login::<ForgetTrustedBrowser>()?;
    if !trusted::forget(&state.db, viewer.user_id, &handle).await? {
        return Err(AppError::not_found());
    }
    forgotten(&state, viewer.user_id);
    Ok(())
}

/// Forgets every trusted browser of the account.
#[server(prefix = "/api", endpoint = "forget_trusted_browsers")]
pub async fn forget_trusted_browsers() -> Result<(), AppError> {
    let (state, viewer, _) = super::account::current_login::<ForgetTrustedBrowsers>()?;
    trusted::forget_all(&state.db, viewer.user_id).await?;
    forgotten(&state, viewer.user_id);
    Ok(())
}

/// Audits a forgotten trust and sends a plain form back to the security page.
#[cfg(feature = "ssr")]
fn forgotten(state: &crate::ssr::state::AppState, user_id: i64) {
    let event = Event::new(EventKind::TrustedDeviceForgotten, client_info()).user(user_id);
    audit::record(&state.db, event);
    continue_to(SECURITY_PAGE);
}
