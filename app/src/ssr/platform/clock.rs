//! The wall clock, in the units the stores and tokens keep: unix seconds for tokens and
//! session records, unix milliseconds for the database's coordination rows, unix microseconds
//! for ordering a login against a sign-out everywhere.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

pub fn unix_now() -> u64 {
    since_epoch().as_secs()
}

/// Unix microseconds: when a login's password check began, and a user's sign-out cutoff, which
/// are compared with each other and need to be finer than any request takes.
pub fn now_micros() -> u64 {
    since_epoch().as_micros() as u64
}

pub fn now_millis() -> i64 {
    since_epoch().as_millis() as i64
}

/// Unix milliseconds, `ttl` from now: how the database backend stores expiry.
pub fn expiry_millis(ttl: Duration) -> i64 {
    now_millis().saturating_add(ttl.as_millis() as i64)
}

fn since_epoch() -> Duration {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
}
