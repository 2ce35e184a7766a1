//! New recovery codes, kept for the login that made them for ten minutes, so the page after
//! the form can show them (with JavaScript or without, the answer to a form is a new page). Kept
//! sealed under the data key, in the store every instance shares, and only ever shown to the
//! login that made them; after that only their hashes remain.

use crate::ssr::platform::coordination::StoreError;
use crate::ssr::platform::sealing::DataKey;
use crate::ssr::state::AppState;
use std::time::Duration;

/// How long new codes can be seen.
pub const SHOWN_FOR: Duration = Duration::from_secs(10 * 60);
const SEALED_FOR: &str = "fresh recovery codes";

fn key(family: &str) -> String {
    format!("mfa-fresh-codes:{family}")
}

/// Keeps `codes` of account `user_id` for login `family` to see.
pub async fn keep(
    state: &AppState,
    data_key: &DataKey,
    family: &str,
    user_id: i64,
    codes: &[String],
) -> Result<(), StoreError> {
    let sealed = data_key.seal(SEALED_FOR, user_id, codes.join(" ").as_bytes());
    state
        .sessions
        .coordination()
        .put(&key(family), &sealed, SHOWN_FOR)
        .await
}

/// The codes login `family` of account `user_id` made within the last ten minutes, if any.
pub async fn shown_to(
    state: &AppState,
    family: &str,
    user_id: i64,
) -> Result<Vec<String>, StoreError> {
    let (Some(data_key), Some(sealed)) = (
        state.data_key.as_ref(),
        state.sessions.coordination().get(&key(family)).await?,
    ) else {
        return Ok(Vec::new());
    };
    let codes = data_key
        .open(SEALED_FOR, user_id, &sealed)
        .and_then(|bytes| String::from_utf8(bytes).ok())
        .unwrap_or_default();
    Ok(codes.split_whitespace().map(str::to_owned).collect())
}
