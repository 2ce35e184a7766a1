//! Login throttling, per account and per IP address, in the shared store so that it holds across
//! instances.
//!
//! Only failures count. Once an account has `account_failures` failures within the window it is
//! blocked for `first_block`; each further failure (after the block ends) doubles the block, up
//! to the window. An address gets the same treatment at a higher bound, so one person guessing
//! across many accounts is slowed while a whole office behind one NAT is not locked out by a few
//! typos. A success clears the account's count. Everything expires by itself.

use super::coordination::{CoordinationStore, StoreError};
use super::input::Email;
use super::settings::ThrottleLimits;
use sha2::{Digest, Sha256};
use std::sync::Arc;
use std::time::Duration;

#[derive(Clone)]
pub struct LoginThrottle {
    store: Arc<dyn CoordinationStore>,
    limits: ThrottleLimits,
}

/// Who is trying: the account (by email, whether or not it exists, so the answer reveals
/// nothing) and the address.
pub struct Attempt<'a> {
    pub email: &'a Email,
    pub ip: Option<&'a str>,
}

impl LoginThrottle {
    pub fn new(store: Arc<dyn CoordinationStore>, limits: ThrottleLimits) -> Self {
        Self { store, limits }
    }

    /// How long this attempt must wait, if the account or the address is blocked.
    pub async fn blocked_for(&self, attempt: &Attempt<'_>) -> Result<Option<Duration>, StoreError> {
        let mut longest = None;
        for subject in subjects(attempt) {
            let remaining = self.store.remaining(&subject.block_key()).await?;
            longest = longest.max(remaining);
        }
        Ok(longest)
    }

    /// Counts a failed attempt, blocking the account or address once over its limit.
    pub async fn failed(&self, attempt: &Attempt<'_>) -> Result<(), StoreError> {
        for subject in subjects(attempt) {
            let failures = self
                .store
                .increment(&subject.count_key(), self.limits.window)
                .await?;
            let limit = match subject {
                Subject::Account(_) => self.limits.account_failures,
                Subject::Address(_) => self.limits.address_failures,
            };
            if failures >= limit {
                let block = block_after(&self.limits, failures - limit);
                self.store.put(&subject.block_key(), "1", block).await?;
            }
        }
        Ok(())
    }

    /// A successful sign-in clears the account's failures (the address keeps its count).
    pub async fn succeeded(&self, email: &Email) -> Result<(), StoreError> {
        self.store
            .delete(&Subject::Account(account_hash(email)).count_key())
            .await
    }
}

/// `first_block`, doubled for each failure beyond the limit, capped at the window.
fn block_after(limits: &ThrottleLimits, failures_over_limit: u64) -> Duration {
    let doublings = failures_over_limit.min(16) as u32;
    limits
        .first_block
        .saturating_mul(2u32.saturating_pow(doublings))
        .min(limits.window.max(limits.first_block))
}

enum Subject {
    Account(String),
    Address(String),
}

impl Subject {
    fn count_key(&self) -> String {
        match self {
            Subject::Account(hash) => format!("login-failures:account:{hash}"),
            Subject::Address(ip) => format!("login-failures:ip:{ip}"),
        }
    }

    fn block_key(&self) -> String {
        match self {
            Subject::Account(hash) => format!("login-block:account:{hash}"),
            Subject::Address(ip) => format!("login-block:ip:{ip}"),
        }
    }
}

fn subjects(attempt: &Attempt<'_>) -> Vec<Subject> {
    let mut subjects = vec![Subject::Account(account_hash(attempt.email))];
    if let Some(ip) = attempt.ip {
        subjects.push(Subject::Address(ip.to_owned()));
    }
    subjects
}

/// Keys name accounts by a hash: the store holds no email addresses.
fn account_hash(email: &Email) -> String {
    Sha256::digest(email.as_str().as_bytes())
        .iter()
        .take(16)
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_double_per_failure_up_to_the_window() {
        let blocks: Vec<u64> = (0..8)
            .map(|n| block_after(&ThrottleLimits::DEFAULT, n).as_secs())
            .collect();
        assert_eq!(blocks, [30, 60, 120, 240, 480, 900, 900, 900]);
    }
}
