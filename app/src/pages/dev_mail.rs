//! `/dev/mail`, in the `dev` profile only: the newest mail the app sent, with its links, so every
//! flow can be tried in a browser from the first `scripts/run.sh` without a mail server. Any
//! other profile answers 404 here, and so does `dev` to anyone but this machine (a loopback peer,
//! no proxy in between, a loopback `Host`): the page holds every account's reset links, and a
//! `dev` server may have been left on a public address or shown through a tunnel.

use crate::components::display::utc_time;
use crate::error::AppError;
use crate::pages::not_found::NotFoundPage;
use leptos::either::{Either, EitherOf3};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// One mail, as the page lists it.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct SentMail {
    pub to: String,
    pub subject: String,
    pub text: String,
    /// Unix seconds.
    pub queued_at: i64,
    pub sent: bool,
}

/// The newest mail, or `None` outside `dev` or to a visitor from another machine.
async fn newest_mail() -> Result<Option<Vec<SentMail>>, AppError> {
    #[cfg(feature = "ssr")]
    {
        use crate::ssr::settings::AppEnv;
        let state = crate::ssr::context::app_state()?;
        let from_this_machine = crate::ssr::context::request_from_this_machine();
        if state.settings.env != AppEnv::Dev || !from_this_machine {
            return Ok(None);
        }
        let rows = crate::ssr::mail::outbox::newest(&state.db, 50).await?;
        Ok(Some(
            rows.into_iter()
                .map(|row| SentMail {
                    text: state.mail.open(&row.text_body).unwrap_or_default(),
                    to: row.recipient,
                    subject: row.subject,
                    queued_at: row.created_at / 1000,
                    sent: row.sent_at.is_some(),
                })
                .collect(),
        ))
    }
    #[cfg(not(feature = "ssr"))]
    Ok(None)
}

#[component]
pub fn DevMailPage() -> impl IntoView {
    let mail = Resource::new(|| (), |_| newest_mail());
    view! {
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                match mail.await {
                    Ok(Some(mail)) => EitherOf3::A(view! { <Outbox mail /> }),
                    Ok(None) => EitherOf3::B(view! { <NotFoundPage /> }),
                    Err(error) => EitherOf3::C(view! {
                        <p class="alert" role="alert">{error.message}</p>
                    }),
                }
            })}
        </Suspense>
    }
}

#[component]
fn Outbox(mail: Vec<SentMail>) -> impl IntoView {
    view! {
        <section class="card">
            <h1>"Outgoing mail (development)"</h1>
            <p class="muted">
                "The newest mail the app sent, newest first. Without SMTP_URL it goes to .eml files in MAIL_OUTBOX too."
            </p>
            {if mail.is_empty() {
                Either::Left(view! { <p data-testid="dev-mail-empty">"No mail yet."</p> })
            } else {
                Either::Right(mail.into_iter().map(|mail| view! { <MailCard mail /> }).collect_view())
            }}
        </section>
    }
}

#[component]
fn MailCard(mail: SentMail) -> impl IntoView {
    let status = if mail.sent { "sent" } else { "waiting" };
    view! {
        <article class="mail" data-testid="dev-mail">
            <h2 data-testid="dev-mail-subject">{mail.subject}</h2>
            <p class="muted">
                "To " <span data-testid="dev-mail-to">{mail.to}</span> ", "
                {utc_time(mail.queued_at)} ", " {status}
            </p>
            {mail.text.lines().filter(|line| !line.is_empty()).map(text_line).collect_view()}
        </article>
    }
}

/// A line of a mail's text: a link when it is one.
fn text_line(line: &str) -> impl IntoView {
    if line.starts_with("http://") || line.starts_with("https://") {
        Either::Left(view! {
            <p><a href=line.to_owned() data-testid="dev-mail-link">{line.to_owned()}</a></p>
        })
    } else {
        Either::Right(view! { <p>{line.to_owned()}</p> })
    }
}
