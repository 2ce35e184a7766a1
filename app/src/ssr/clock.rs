//! The wall clock, in the units the stores and tokens keep: unix seconds for tokens and
//! session records, unix milliseconds for the database's coordination rows.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

pub fn unix_now() -> u64 {
    since_epoch().as_secs()
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
