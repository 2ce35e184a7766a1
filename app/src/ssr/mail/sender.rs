//! The background sender: delivers due mail from the outbox, on every instance.
//!
//! It wakes when this instance queues mail and otherwise polls every second (for mail queued by
//! other instances, and for retries). A failed delivery is logged and retried after 10 s,
//! doubling up to 4 hours; after [`MAX_ATTEMPTS`] the mail is given up with an error in the log
//! and the reason kept in its row. A mail whose address cannot be written is given up at once.

use crate::ssr::mail::outbox::{self, Claimed};
use crate::ssr::mail::sealed::BodyKey;
use crate::ssr::mail::Mail;
use crate::ssr::settings::{MailSettings, MailTransport};
use lettre::message::{Mailbox, MultiPart};
use lettre::transport::smtp::client::{Certificate, CertificateStore, Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use sqlx::AnyPool;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Notify;

const POLL_INTERVAL: Duration = Duration::from_secs(1);
/// Claimed mail is this instance's to send for this long; past it, another instance may.
const LEASE: Duration = Duration::from_secs(60);
const BATCH: i64 = 20;
const FIRST_RETRY: Duration = Duration::from_secs(10);
const LONGEST_RETRY: Duration = Duration::from_secs(4 * 3600);
pub const MAX_ATTEMPTS: i64 = 12;
/// Sent and abandoned mail stays this long in the table (the sending log), then goes.
const KEPT_FOR: Duration = Duration::from_secs(30 * 24 * 3600);
const SMTP_TIMEOUT: Duration = Duration::from_secs(15);

/// Where mail is delivered.
pub enum Transport {
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    /// One `<unix ms>-<id>.eml` file per mail (RFC 5322, as it would travel).
    Directory(PathBuf),
}

#[derive(Debug, thiserror::Error)]
pub enum SetupError {
    #[error("SMTP_URL is not usable: {0}")]
    Smtp(String),
    #[error("MAIL_FROM is not an address: {0}")]
    From(String),
    #[error("cannot create the mail outbox directory {path}: {source}")]
    Directory {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// Why a delivery failed: worth retrying, or never going to work.
#[derive(Debug)]
enum Failure {
    Transient(String),
    Permanent(String),
}

/// The configured transport and sender, checked before the server starts serving.
pub struct Delivery {
    transport: Transport,
    from: Mailbox,
    /// The key queued bodies are sealed with (see `sealed`); without one, bodies are read as
    /// stored.
    bodies: Option<BodyKey>,
}

impl Delivery {
    pub fn new(settings: &MailSettings) -> Result<Self, SetupError> {
        let from = settings
            .from
            .parse::<Mailbox>()
            .map_err(|error| SetupError::From(error.to_string()))?;
        let transport = match &settings.transport {
            MailTransport::Smtp { url, ca_cert } => {
                let mut smtp = AsyncSmtpTransport::<Tokio1Executor>::from_url(url.expose())
                    .map_err(|error| SetupError::Smtp(error.to_string()))?;
                if let Some(ca_cert) = ca_cert {
                    smtp = smtp.tls(trusting_only(url.expose(), ca_cert)?);
                }
                Transport::Smtp(smtp.timeout(Some(SMTP_TIMEOUT)).build())
            }
            MailTransport::Directory(path) => {
                std::fs::create_dir_all(path).map_err(|source| SetupError::Directory {
                    path: path.clone(),
                    source,
                })?;
                Transport::Directory(path.clone())
            }
        };
        Ok(Self {
            transport,
            from,
            bodies: None,
        })
    }

    /// Opens sealed bodies with `key` before delivering them.
    pub fn opening_bodies_with(self, key: BodyKey) -> Self {
        Self {
            bodies: Some(key),
            ..self
        }
    }

    /// The claimed mail as it is to go out: its bodies opened. `None` when one cannot be (sealed
    /// under another key, or altered).
    fn readable(&self, claimed: &Claimed) -> Option<Mail> {
        let mail = claimed.mail();
        let Some(key) = &self.bodies else {
            return Some(mail);
        };
        Some(Mail {
            text: key.open(&mail.text)?,
            html: key.open(&mail.html)?,
            ..mail
        })
    }

    /// Whether mail stays readable where it went (files), so the outbox may keep its bodies.
    fn keeps_copies(&self) -> bool {
        matches!(self.transport, Transport::Directory(_))
    }

    async fn deliver(&self, id: i64, mail: &Mail) -> Result<(), Failure> {
        let message = self.message(mail)?;
        match &self.transport {
            Transport::Smtp(smtp) => smtp.send(message).await.map(drop).map_err(|error| {
                if error.is_permanent() {
                    Failure::Permanent(error.to_string())
                } else {
                    Failure::Transient(error.to_string())
                }
            }),
            Transport::Directory(dir) => {
                let name = format!("{}-{id}.eml", crate::ssr::platform::clock::now_millis());
                let (dir, bytes) = (dir.clone(), message.formatted());
                tokio::task::spawn_blocking(move || write_whole(&dir, &name, &bytes))
                    .await
                    .map_err(|error| Failure::Transient(error.to_string()))?
                    .map_err(|error| Failure::Transient(error.to_string()))
            }
        }
    }

    fn message(&self, mail: &Mail) -> Result<Message, Failure> {
        let to = mail
            .to
            .parse::<Mailbox>()
            .map_err(|error| Failure::Permanent(format!("recipient: {error}")))?;
        Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(mail.subject.clone())
            .multipart(MultiPart::alternative_plain_html(
                mail.text.clone(),
                mail.html.clone(),
            ))
            .map_err(|error| Failure::Permanent(error.to_string()))
    }
}

/// TLS for the SMTP server at `url` that trusts the authority in the PEM file `ca_cert` alone
/// (a private relay's), in the way the URL asks for: from the first byte (`smtps://`) or after
/// STARTTLS (`smtp://…?tls=required`).
fn trusting_only(url: &str, ca_cert: &Path) -> Result<Tls, SetupError> {
    let smtp = |error: String| SetupError::Smtp(error);
    let parsed = url::Url::parse(url).map_err(|error| smtp(error.to_string()))?;
    let host = parsed.host_str().ok_or_else(|| smtp("no host".into()))?;
    let pem = std::fs::read(ca_cert).map_err(|error| {
        SetupError::Smtp(format!("SMTP_CA_CERT {}: {error}", ca_cert.display()))
    })?;
    let authority =
        Certificate::from_pem(&pem).map_err(|error| smtp(format!("SMTP_CA_CERT: {error}")))?;
    let parameters = TlsParameters::builder(host.to_owned())
        .certificate_store(CertificateStore::None)
        .add_root_certificate(authority)
        .build_rustls()
        .map_err(|error| smtp(error.to_string()))?;
    Ok(if parsed.scheme() == "smtps" {
        Tls::Wrapper(parameters)
    } else {
        Tls::Required(parameters)
    })
}

/// Writes `name` in `dir` whole or not at all (a reader never sees half a mail).
fn write_whole(dir: &std::path::Path, name: &str, bytes: &[u8]) -> std::io::Result<()> {
    let partial = dir.join(format!(".{name}.partial"));
    std::fs::write(&partial, bytes)?;
    std::fs::rename(partial, dir.join(name))
}

/// The wait before attempt `attempts + 1`: 10 s, doubling, at most 4 hours.
fn retry_after(attempts: i64) -> Duration {
    let doublings = attempts.clamp(1, 16) as u32 - 1;
    FIRST_RETRY
        .saturating_mul(2u32.pow(doublings))
        .min(LONGEST_RETRY)
}

/// Starts delivering, for as long as the process runs.
pub fn spawn(db: AnyPool, delivery: Delivery, wake: Arc<Notify>) {
    tokio::spawn(async move {
        let mut sweep = tokio::time::interval(Duration::from_secs(3600));
        loop {
            tokio::select! {
                _ = wake.notified() => {}
                _ = tokio::time::sleep(POLL_INTERVAL) => {}
                _ = sweep.tick() => sweep_old(&db).await,
            }
            if let Err(error) = deliver_due(&db, &delivery).await {
                tracing::warn!(%error, "reading the mail outbox failed; retrying shortly");
            }
        }
    });
}

/// Hourly: old sent mail, and link tokens that can no longer be used.
async fn sweep_old(db: &AnyPool) {
    if let Err(error) = outbox::sweep(db, KEPT_FOR).await {
        tracing::warn!(%error, "sweeping old mail failed");
    }
    if let Err(error) = crate::ssr::mail::link_tokens::sweep(db).await {
        tracing::warn!(%error, "sweeping spent link tokens failed");
    }
}

/// Sends everything due now.
pub async fn deliver_due(db: &AnyPool, delivery: &Delivery) -> Result<(), sqlx::Error> {
    loop {
        let claimed = outbox::claim_due(db, BATCH, LEASE).await?;
        if claimed.is_empty() {
            return Ok(());
        }
        for mail in claimed {
            settle(db, delivery, &mail).await?;
        }
    }
}

/// Delivers one claimed mail and records the outcome.
async fn settle(db: &AnyPool, delivery: &Delivery, claimed: &Claimed) -> Result<(), sqlx::Error> {
    let outcome = match delivery.readable(claimed) {
        Some(mail) => delivery.deliver(claimed.id, &mail).await,
        None => Err(Failure::Permanent(
            "its body cannot be opened: sealed under another signing key".into(),
        )),
    };
    match outcome {
        Ok(()) => outbox::mark_sent(db, claimed.id, delivery.keeps_copies()).await,
        Err(Failure::Transient(error)) if claimed.attempts < MAX_ATTEMPTS => {
            let wait = retry_after(claimed.attempts);
            tracing::warn!(
                id = claimed.id,
                attempt = claimed.attempts,
                retry_in_s = wait.as_secs(),
                %error,
                "sending mail failed; it will be retried"
            );
            outbox::retry_later(db, claimed.id, wait, &error).await
        }
        Err(Failure::Transient(error) | Failure::Permanent(error)) => {
            tracing::error!(
                id = claimed.id,
                attempts = claimed.attempts,
                %error,
                "mail given up: it was not delivered"
            );
            outbox::give_up(db, claimed.id, &error).await
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_back_off_from_ten_seconds_to_four_hours() {
        let waits: Vec<u64> = [1, 2, 3, 4, 11, 12]
            .into_iter()
            .map(|attempts| retry_after(attempts).as_secs())
            .collect();
        assert_eq!(waits, [10, 20, 40, 80, 10_240, 14_400]);
    }
}
