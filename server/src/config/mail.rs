//! Mail settings: where mail goes (an SMTP relay or `.eml` files) and whom it is from.

use super::vars::Vars;
use super::{ConfigError, DEFAULT_MAIL_OUTBOX};
use app::ssr::settings::{AppEnv, MailSettings, MailTransport, Secret};
use std::path::PathBuf;
use std::str::FromStr;

/// `SMTP_URL` (`smtp://user:pass@host:587?tls=required`, `smtps://…:465`), else `.eml` files
/// in `MAIL_OUTBOX`; `MAIL_FROM` names the sender. `prod` must send real mail, over TLS.
pub(super) fn mail_settings(
    vars: &Vars<impl Fn(&str) -> Option<String>>,
    env: AppEnv,
) -> Result<MailSettings, ConfigError> {
    let transport = match vars.get("SMTP_URL") {
        Some(url) => {
            let parsed = url::Url::parse(&url).map_err(|_| ConfigError::Invalid {
                name: "SMTP_URL",
                reason: "expected smtp://host:port or smtps://host:port".into(),
            })?;
            let tls = parsed.scheme() == "smtps"
                || parsed
                    .query_pairs()
                    .any(|(key, value)| key == "tls" && value == "required");
            if !matches!(parsed.scheme(), "smtp" | "smtps") || parsed.host_str().is_none() {
                return Err(ConfigError::Invalid {
                    name: "SMTP_URL",
                    reason: format!(
                        "expected smtp://host:port or smtps://host:port, got scheme {:?}",
                        parsed.scheme()
                    ),
                });
            }
            if !tls && vars.get("SMTP_CA_CERT").is_some() {
                return Err(ConfigError::Invalid {
                    name: "SMTP_CA_CERT",
                    reason: "it only applies to a TLS connection: SMTP_URL must be smtps:// or \
                             smtp://…?tls=required"
                        .into(),
                });
            }
            if env == AppEnv::Prod && !tls {
                return Err(ConfigError::Insecure(
                    "SMTP_URL must use TLS (smtps://, or smtp://…?tls=required)".into(),
                ));
            }
            MailTransport::Smtp {
                url: Secret::new(url),
                ca_cert: vars.get("SMTP_CA_CERT").map(PathBuf::from),
            }
        }
        None if env == AppEnv::Prod => {
            return Err(ConfigError::Insecure(
                "SMTP_URL must be set: password resets and address checks need real mail".into(),
            ))
        }
        None if vars.get("SMTP_CA_CERT").is_some() => {
            return Err(ConfigError::Invalid {
                name: "SMTP_CA_CERT",
                reason: "it only applies to a TLS connection: set SMTP_URL".into(),
            })
        }
        None => MailTransport::Directory(PathBuf::from(
            vars.get("MAIL_OUTBOX")
                .unwrap_or_else(|| DEFAULT_MAIL_OUTBOX.into()),
        )),
    };
    let from = vars
        .get("MAIL_FROM")
        .unwrap_or_else(|| format!("{} <no-reply@localhost>", app::product::NAME));
    if lettre::message::Mailbox::from_str(&from).is_err() {
        return Err(ConfigError::Invalid {
            name: "MAIL_FROM",
            reason: format!("expected an address or `Name <address>`, got {from:?}"),
        });
    }
    Ok(MailSettings { transport, from })
}
