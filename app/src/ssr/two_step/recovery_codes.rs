//! Recovery codes: ten one-time codes shown once, for when the authenticator is lost.
//!
//! A code is 16 Crockford base32 characters (80 bits), shown as `XXXX-XXXX-XXXX-XXXX`. Its first
//! group (20 bits) is stored in clear to find it among the account's codes; the other 60 bits are
//! stored Argon2id-hashed (ASVS 6.5.2: a lookup secret under 112 bits needs a salted slow hash),
//! so checking one costs one hash, not ten. Typing is forgiving: case, dashes and spaces do not
//! matter, and `O` reads as `0`, `I` and `L` as `1`. A code is spent in one conditional
//! `UPDATE`, so of two simultaneous uses exactly one wins.

use crate::ssr::passwords::{HashError, PasswordHasher};
use rand::RngCore;
use sqlx::{Any, AnyPool, Transaction};

/// How many codes an account gets at a time.
pub const COUNT: usize = 10;
/// Crockford's base32 alphabet: no I, L, O or U.
const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
const CHARS: usize = 16;
const LOOKUP_CHARS: usize = 4;

/// A code as typed, split into the part that finds it and the part that proves it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TypedCode {
    lookup: String,
    secret: String,
}

impl TypedCode {
    /// The code in `input`, if it has the shape of one (after forgiving case, dashes, spaces and
    /// look-alike letters).
    pub fn parse(input: &str) -> Option<TypedCode> {
        let mut canonical = String::with_capacity(CHARS);
        for c in input.chars() {
            let c = match c.to_ascii_uppercase() {
                '-' | ' ' => continue,
                'O' => '0',
                'I' | 'L' => '1',
                c if c.is_ascii() && ALPHABET.contains(&(c as u8)) => c,
                _ => return None,
            };
            if canonical.len() == CHARS {
                return None;
            }
            canonical.push(c);
        }
        (canonical.len() == CHARS).then(|| TypedCode {
            lookup: canonical[..LOOKUP_CHARS].to_owned(),
            secret: canonical[LOOKUP_CHARS..].to_owned(),
        })
    }
}

/// Ten new codes, formatted for showing, with distinct lookups.
pub fn generate() -> Vec<String> {
    let mut codes: Vec<String> = Vec::with_capacity(COUNT);
    while codes.len() < COUNT {
        let mut bytes = [0u8; CHARS];
        rand::rngs::OsRng.fill_bytes(&mut bytes);
        let chars: String = bytes
            .iter()
            .map(|byte| ALPHABET[usize::from(byte & 31)] as char)
            .collect();
        let code = format!(
            "{}-{}-{}-{}",
            &chars[..4],
            &chars[4..8],
            &chars[8..12],
            &chars[12..]
        );
        if !codes.iter().any(|other| other[..4] == code[..4]) {
            codes.push(code);
        }
    }
    codes
}

/// Replaces the account's codes with `codes` (as [`generate`] made them), hashing each.
pub async fn replace(
    tx: &mut Transaction<'_, Any>,
    passwords: &PasswordHasher,
    user_id: i64,
    codes: &[String],
    now: i64,
) -> Result<(), ReplaceError> {
    let mut rows = Vec::with_capacity(codes.len());
    for code in codes {
        let typed = TypedCode::parse(code).ok_or(ReplaceError::Malformed)?;
        rows.push((typed.lookup, passwords.hash(typed.secret).await?));
    }
    sqlx::query("DELETE FROM recovery_codes WHERE user_id = $1")
        .bind(user_id)
        .execute(&mut **tx)
        .await?;
    for (lookup, hash) in rows {
        sqlx::query(
            "INSERT INTO recovery_codes (user_id, lookup, hash, created_at) VALUES ($1, $2, $3, $4)",
        )
        .bind(user_id)
        .bind(lookup)
        .bind(hash)
        .bind(now)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

#[derive(Debug, thiserror::Error)]
pub enum ReplaceError {
    #[error("a generated code did not parse")]
    Malformed,
    #[error(transparent)]
    Hash(#[from] HashError),
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

/// Spends `code` of account `user_id` if it is one of its unspent codes: `true` once, for the
/// one use that spent it. An unknown first group costs the same hash as a known one.
pub async fn spend(
    db: &AnyPool,
    passwords: &PasswordHasher,
    user_id: i64,
    code: &TypedCode,
    now: i64,
) -> Result<bool, SpendError> {
    let slot = passwords.queue_slot()?;
    let row: Option<(i64, String)> = sqlx::query_as(
        "SELECT id, hash FROM recovery_codes WHERE user_id = $1 AND lookup = $2 AND used_at IS NULL",
    )
    .bind(user_id)
    .bind(&code.lookup)
    .fetch_optional(db)
    .await?;
    let (id, hash) = match row {
        Some((id, hash)) => (Some(id), Some(hash)),
        None => (None, None),
    };
    if !passwords.verify(slot, code.secret.clone(), hash).await? {
        return Ok(false);
    }
    let Some(id) = id else { return Ok(false) };
    let spent =
        sqlx::query("UPDATE recovery_codes SET used_at = $2 WHERE id = $1 AND used_at IS NULL")
            .bind(id)
            .bind(now)
            .execute(db)
            .await?;
    Ok(spent.rows_affected() == 1)
}

#[derive(Debug, thiserror::Error)]
pub enum SpendError {
    #[error(transparent)]
    Hash(#[from] HashError),
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

/// How many unspent codes the account has.
pub async fn left(db: &AnyPool, user_id: i64) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT COUNT(*) FROM recovery_codes WHERE user_id = $1 AND used_at IS NULL")
        .bind(user_id)
        .fetch_one(db)
        .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_codes_have_the_shape_distinct_lookups_and_parse_back() {
        let codes = generate();
        assert_eq!(codes.len(), COUNT);
        for code in &codes {
            assert_eq!(code.len(), 19, "{code}");
            assert_eq!(code.matches('-').count(), 3, "{code}");
            assert!(TypedCode::parse(code).is_some(), "{code}");
        }
        let mut lookups: Vec<_> = codes.iter().map(|code| &code[..4]).collect();
        lookups.dedup();
        assert_eq!(lookups.len(), COUNT);
    }

    #[test]
    fn typing_forgives_case_dashes_spaces_and_look_alikes() {
        let canonical = TypedCode::parse("0A1B-2C3D-4E5F-6G7H").unwrap();
        for typed in [
            "0a1b-2c3d-4e5f-6g7h",
            "0A1B2C3D4E5F6G7H",
            " 0a1b 2c3d 4e5f 6g7h ",
            "OA1B-2C3D-4E5F-6G7H",
            "0AIB-2C3D-4E5F-6G7H",
            "0ALB-2C3D-4E5F-6G7H",
        ] {
            assert_eq!(
                TypedCode::parse(typed),
                Some(canonical.clone()),
                "{typed:?}"
            );
        }
        for malformed in [
            "",
            "0A1B-2C3D-4E5F",
            "0A1B-2C3D-4E5F-6G7H-0",
            "0A1B-2C3D-4E5F-6G7U",
            "0A1B_2C3D_4E5F_6G7H",
            "٠A1B-2C3D-4E5F-6G7H",
            "123456",
        ] {
            assert_eq!(TypedCode::parse(malformed), None, "{malformed:?}");
        }
    }
}
