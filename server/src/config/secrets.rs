//! The token signing key: `JWT_SECRET`, refused when it could not have been generated.

use super::vars::Vars;
use super::ConfigError;
use app::ssr::platform::sealing::DataKey;
use app::ssr::settings::{AppEnv, Secret};

/// The signing key earlier versions of this template used in `dev` and `test`: published, so
/// refused everywhere (a deployment may still have it in its environment).
pub(super) const PUBLISHED_DEV_SECRET: &str = "dev-only-secret-change-me-dev-only-secret-change-me";
const MIN_SECRET_BYTES: usize = 32;
/// A key of at least 32 bytes that uses fewer different characters than this (`aaaa…`,
/// `abababab…`) was typed, not generated.
const MIN_SECRET_DISTINCT_CHARS: usize = 8;

/// `JWT_SECRET`, checked; `prod` requires it, `dev` and `test` may leave it unset (`None`).
pub(super) fn jwt_secret(
    vars: &Vars<impl Fn(&str) -> Option<String>>,
    app_env: AppEnv,
) -> Result<Option<Secret>, ConfigError> {
    match vars.get("JWT_SECRET") {
        Some(secret) => checked_secret(secret).map(Some),
        None if app_env == AppEnv::Prod => {
            Err(ConfigError::Insecure("JWT_SECRET must be set".into()))
        }
        None => Ok(None),
    }
}

/// `DATA_ENCRYPTION_KEY`, checked; `None` when unset (start-up then decides: see
/// `server::startup`).
pub(super) fn data_key(
    vars: &Vars<impl Fn(&str) -> Option<String>>,
) -> Result<Option<DataKey>, ConfigError> {
    vars.get("DATA_ENCRYPTION_KEY")
        .map(|value| {
            DataKey::parse(&value).map_err(|error| ConfigError::Invalid {
                name: "DATA_ENCRYPTION_KEY",
                reason: error.to_string(),
            })
        })
        .transpose()
}

/// `JWT_SECRET` if it could be a generated key: long, not the published development value, not
/// a typed pattern. Checked in every profile: a weak key is as weak in `dev` on a public address.
pub(super) fn checked_secret(secret: String) -> Result<Secret, ConfigError> {
    if secret == PUBLISHED_DEV_SECRET {
        return Err(ConfigError::WeakSecret(
            "it is the development value published with this template; generate one \
             (openssl rand -base64 48) or leave it unset outside prod"
                .into(),
        ));
    }
    if secret.len() < MIN_SECRET_BYTES {
        return Err(ConfigError::WeakSecret(format!(
            "it must be at least {MIN_SECRET_BYTES} bytes (openssl rand -base64 48)"
        )));
    }
    let distinct: std::collections::HashSet<char> = secret.chars().collect();
    if distinct.len() < MIN_SECRET_DISTINCT_CHARS {
        return Err(ConfigError::WeakSecret(format!(
            "it has fewer than {MIN_SECRET_DISTINCT_CHARS} different characters: use a \
             generated key (openssl rand -base64 48)"
        )));
    }
    Ok(Secret::new(secret))
}
