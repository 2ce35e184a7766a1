//! The steps every feature that mails a link shares: whether a mail may go now, where its links
//! point, and the link confirming an address.

use crate::error::AppError;
use crate::ssr::audit::{self, Event, EventKind};
use crate::ssr::context::{client_info, request_parts};
use crate::ssr::input::Email;
use crate::ssr::mail::link_tokens::{self, Purpose};
use crate::ssr::mail::{messages, Mail, Mailer};
use crate::ssr::sessions::ClientInfo;
use crate::ssr::state::AppState;
use crate::ssr::users::UserRow;
use http::header::HOST;
use sqlx::{Any, Transaction};
use std::time::Duration;

/// The origin the links in this request's mail point to (see [`crate::ssr::mail::Mailer::link_origin`]).
pub fn link_origin(state: &AppState) -> Option<String> {
    let parts = request_parts();
    let host = parts
        .as_ref()
        .and_then(|parts| parts.headers.get(HOST))
        .and_then(|host| host.to_str().ok());
    state.mail.link_origin(host)
}

/// Whether a mail to `email` may be sent for this client now (429 past the limits, audited), and
/// the origin its link will point to.
pub async fn admit_mail(state: &AppState, email: &Email) -> Result<(String, ClientInfo), AppError> {
    let origin = link_origin(state).ok_or_else(|| {
        tracing::error!(
            "no origin for the links in mail: set PUBLIC_ORIGIN to the site's address (only \
             requests to this machine's own address may stand in for it)"
        );
        AppError::unavailable()
    })?;
    let client = client_info();
    let wait = state
        .throttle
        .admit_mail(email, client.ip.as_deref())
        .await?;
    if let Some(wait) = wait {
        let throttled = Event::new(EventKind::MailThrottled, client);
        audit::record_coalesced(&state.db, state.sessions.coordination(), throttled);
        return Err(AppError::too_many_requests(wait.as_secs() + 1));
    }
    Ok((origin, client))
}

/// For mail whose request must not show a refusal (sent in the background): whether a mail to
/// `email` caused by client `ip` is within the limits, counting it if so. No when the store that
/// counts is down (logged): nothing goes out uncounted.
pub async fn admit_mail_quietly(state: &AppState, email: &Email, ip: Option<&str>) -> bool {
    match state.throttle.admit_mail(email, ip).await {
        Ok(None) => true,
        Ok(Some(_)) => false,
        Err(error) => {
            tracing::error!(%error, "mail limits unavailable; a mail was not sent");
            false
        }
    }
}

/// Queues a link confirming `user`'s current address.
pub async fn mail_verification_link(
    state: &AppState,
    user: &UserRow,
    origin: &str,
) -> Result<(), sqlx::Error> {
    let ttl = state.settings.verify_token_ttl;
    let link = LinkFor {
        purpose: Purpose::VerifyEmail,
        user_id: user.id,
        to: &user.email,
        ttl,
    };
    mail_link(state, origin, link, |url| {
        messages::verify_address(&user.email, url, ttl)
    })
    .await?;
    let event = Event::new(EventKind::VerificationMailed, client_info()).user(user.id);
    audit::record(&state.db, event);
    Ok(())
}

/// A link to mail: what its token may do, for which account, to which address, for how long.
pub struct LinkFor<'a> {
    pub purpose: Purpose,
    pub user_id: i64,
    pub to: &'a str,
    pub ttl: Duration,
}

/// Issues `link`'s token and queues the mail `compose` writes around its URL, in one
/// transaction: a token is never live without its mail queued, and of several requests the
/// newest mail holds the live link.
pub async fn mail_link(
    state: &AppState,
    origin: &str,
    link: LinkFor<'_>,
    compose: impl FnOnce(&str) -> Mail,
) -> Result<(), sqlx::Error> {
    let mut tx = state.db.begin().await?;
    queue_link(&state.mail, &mut tx, origin, link, compose).await?;
    tx.commit().await?;
    state.mail.wake();
    Ok(())
}

/// [`mail_link`] inside the caller's transaction (which then wakes the sender once committed).
pub async fn queue_link(
    mailer: &Mailer,
    tx: &mut Transaction<'_, Any>,
    origin: &str,
    link: LinkFor<'_>,
    compose: impl FnOnce(&str) -> Mail,
) -> Result<(), sqlx::Error> {
    let token = link_tokens::issue(tx, link.purpose, link.user_id, link.to, link.ttl).await?;
    let url = format!("{origin}{}?token={token}", link.purpose.page());
    mailer.queue(&mut **tx, &compose(&url)).await
}

/// The page a link for `purpose` with `token` opens (where a refused use shows its error). A
/// token not of our shape is left out, so the page shows the link as dead, as for any unknown one.
pub fn page_of_link(purpose: Purpose, token: &str) -> String {
    let token = if link_tokens::well_formed(token) {
        token
    } else {
        ""
    };
    format!("{}?token={token}", purpose.page())
}
