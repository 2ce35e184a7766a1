//! Outgoing mail: password resets, address checks and notices.
//!
//! A request never talks to the mail server. It writes the mail into the `mail_outbox` table
//! ([`outbox`]), in the same database as the account, and returns; a background [`sender`] on
//! every instance delivers what is due, over SMTP or into `.eml` files, retrying with back-off.
//! So the answer, and how long it takes, do not depend on the mail server, and a restart or a
//! mail-server outage loses nothing. [`messages`] holds the texts, [`link_tokens`] the one-time
//! tokens in their links, and [`links`] the steps every feature that mails a link shares.

pub mod link_tokens;
pub mod links;
pub mod messages;
pub mod outbox;
pub mod sealed;
pub mod sender;

use crate::ssr::platform::loopback::loopback_origin;
use sealed::BodyKey;
use sqlx::{Any, AnyPool, Executor};
use std::sync::Arc;
use tokio::sync::Notify;

/// One message, as the outbox keeps it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mail {
    pub to: String,
    pub subject: String,
    pub text: String,
    pub html: String,
}

/// What requests use to send mail: writes it into the outbox and wakes this instance's sender.
#[derive(Clone)]
pub struct Mailer {
    db: AnyPool,
    wake: Arc<Notify>,
    /// `PUBLIC_ORIGIN`, the origin of the links in mail.
    public_origin: Option<String>,
    /// Seals bodies before they are stored.
    bodies: BodyKey,
}

impl Mailer {
    pub fn new(db: AnyPool, public_origin: Option<String>, bodies: BodyKey) -> Self {
        Self {
            db,
            wake: Arc::new(Notify::new()),
            public_origin,
            bodies,
        }
    }

    /// Queues `mail`; it goes out within moments, or later if the mail server is down.
    pub async fn send(&self, mail: &Mail) -> Result<(), sqlx::Error> {
        self.queue(&self.db, mail).await?;
        self.wake();
        Ok(())
    }

    /// Queues `mail` through `executor` (a transaction of the caller's, which then calls
    /// [`Self::wake`] once committed), its bodies sealed.
    pub async fn queue<'e>(
        &self,
        executor: impl Executor<'e, Database = Any>,
        mail: &Mail,
    ) -> Result<(), sqlx::Error> {
        let sealed = Mail {
            to: mail.to.clone(),
            subject: mail.subject.clone(),
            text: self.bodies.seal(&mail.text),
            html: self.bodies.seal(&mail.html),
        };
        outbox::enqueue(executor, &sealed).await
    }

    /// A stored body as it was written (for the development outbox page); `None` if it cannot
    /// be opened.
    pub fn open(&self, stored: &str) -> Option<String> {
        self.bodies.open(stored)
    }

    /// Wakes this instance's sender: for mail queued in a transaction of the caller's, once it
    /// has committed.
    pub fn wake(&self) {
        self.wake.notify_one();
    }

    /// Wakes the sender when mail is queued (see [`sender::spawn`]).
    pub fn wake_signal(&self) -> Arc<Notify> {
        self.wake.clone()
    }

    /// The origin the links in a request's mail point to: `PUBLIC_ORIGIN`, or else (`dev` and
    /// `test` only, where it may be unset) the request's own `host` if it strictly names this
    /// machine. Another host is refused (`None`): a `Host` header is the client's to choose, and
    /// a reset link pointing at an attacker's site would hand them the token.
    pub fn link_origin(&self, host: Option<&str>) -> Option<String> {
        if let Some(origin) = &self.public_origin {
            return Some(origin.clone());
        }
        loopback_origin(host?)
    }
}
