//! Secrets the server generates once and keeps in the `server_secrets` table.
//!
//! Without `JWT_SECRET` (allowed in `dev` and `test` only), tokens are signed with a random key
//! made at first start. A key in the repository would let anyone who read it mint tokens for any
//! reachable deployment; a key made per process would sign everyone out at each restart and make
//! sibling instances refuse each other's tokens. Kept with the data, it has neither problem.

use crate::ssr::platform::clock::unix_now;
use crate::ssr::platform::random::random_token;
use crate::ssr::settings::Secret;
use sqlx::AnyPool;

/// The name of the token signing key's row.
pub const SIGNING_KEY: &str = "jwt_signing_key";
/// The name of the data encryption key's row (`DATA_ENCRYPTION_KEY` when unset, outside `prod`).
pub const DATA_KEY: &str = "data_encryption_key";

/// Whether [`kept_secret`] found the secret or made it now.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Origin {
    Generated,
    Stored,
}

/// The secret called `name`, made (256 random bits) and stored if there is none yet. Instances
/// starting at once agree: the first insert wins and every one reads the stored row.
pub async fn kept_secret(db: &AnyPool, name: &str) -> Result<(Secret, Origin), sqlx::Error> {
    let inserted = sqlx::query(
        "INSERT INTO server_secrets (name, value, created_at) VALUES ($1, $2, $3) \
         ON CONFLICT (name) DO NOTHING",
    )
    .bind(name)
    .bind(random_token())
    .bind(unix_now() as i64)
    .execute(db)
    .await?
    .rows_affected();
    let value: String = sqlx::query_scalar("SELECT value FROM server_secrets WHERE name = $1")
        .bind(name)
        .fetch_one(db)
        .await?;
    let origin = if inserted == 1 {
        Origin::Generated
    } else {
        Origin::Stored
    };
    Ok((Secret::new(value), origin))
}
