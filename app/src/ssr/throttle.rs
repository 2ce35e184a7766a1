//! Login throttling, per account and per IP address, in the shared store so that it holds across
//! instances.
//!
//! An account counts every attempt from the moment it is admitted (see [`LoginThrottle::admit`]);
//! a success clears the count. The attempt that reaches `account_failures` within the window
//! blocks the account for `first_block`; each further attempt (after the block ends) doubles the
//! block, up to the window. An address counts only failures, at a higher bound, so one person
//! guessing across many accounts is slowed while a whole office behind one NAT is not locked out
//! by a few typos. Everything expires by itself.

use super::client_address::group_of_recorded;
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

    /// Whether this attempt may have its password checked, or how long it must wait first.
    ///
    /// A blocked account or address waits. Otherwise the attempt is counted against the account
    /// *before* its password is checked, so a burst of parallel guesses cannot all slip past a
    /// check made before any of them failed: the attempt that reaches the limit sets the block
    /// itself (atomically, so exactly one attempt per round holds the last slot) and is checked;
    /// every other attempt of the burst waits. A success lifts the block again.
    pub async fn admit(&self, attempt: &Attempt<'_>) -> Result<Option<Duration>, StoreError> {
        if let Some(wait) = self.blocked_for(attempt).await? {
            return Ok(Some(wait));
        }
        let account = Subject::Account(account_hash(attempt.email));
        let limit = self.limits.account_failures;
        let attempts = self
            .store
            .increment(&account.count_key(), self.limits.window)
            .await?;
        if attempts < limit {
            return Ok(None);
        }
        let block = block_after(&self.limits, attempts - limit);
        let taken = self
            .store
            .insert_if_absent(&account.block_key(), "1", block)
            .await?;
        if taken.is_none() {
            return Ok(None);
        }
        let remaining = self.store.remaining(&account.block_key()).await?;
        Ok(Some(remaining.unwrap_or(block)))
    }

    /// How long this attempt must wait, if the account or the address is blocked.
    async fn blocked_for(&self, attempt: &Attempt<'_>) -> Result<Option<Duration>, StoreError> {
        let mut longest = None;
        for subject in subjects(attempt) {
            let remaining = self.store.remaining(&subject.block_key()).await?;
            longest = longest.max(remaining);
        }
        Ok(longest)
    }

    /// Counts a failed attempt against the address (the account counted it when admitting it),
    /// blocking the address once over its limit.
    pub async fn failed(&self, attempt: &Attempt<'_>) -> Result<(), StoreError> {
        let Some(ip) = attempt.ip else { return Ok(()) };
        let address = Subject::address(ip);
        let failures = self
            .store
            .increment(&address.count_key(), self.limits.window)
            .await?;
        if failures >= self.limits.address_failures {
            let block = block_after(&self.limits, failures - self.limits.address_failures);
            self.store.put(&address.block_key(), "1", block).await?;
        }
        Ok(())
    }

    /// Whether one more account may be created from `ip` now, or how long it must wait: each
    /// address may create `registrations_per_address` accounts per window, so one source can
    /// neither fill the hashing queue with sign-ups nor test emails for "already taken" in bulk.
    pub async fn admit_registration(
        &self,
        ip: Option<&str>,
    ) -> Result<Option<Duration>, StoreError> {
        let Some(ip) = ip else { return Ok(None) };
        let subject = Subject::registrations(ip);
        if let Some(wait) = self.store.remaining(&subject.block_key()).await? {
            return Ok(Some(wait));
        }
        let count = self
            .store
            .increment(&subject.count_key(), self.limits.window)
            .await?;
        if count <= self.limits.registrations_per_address {
            return Ok(None);
        }
        self.store
            .put(&subject.block_key(), "1", self.limits.window)
            .await?;
        Ok(Some(self.limits.window))
    }

    /// A successful sign-in clears the account's count and lifts its block (the address keeps
    /// its count).
    pub async fn succeeded(&self, email: &Email) -> Result<(), StoreError> {
        let account = Subject::Account(account_hash(email));
        self.store.delete(&account.count_key()).await?;
        self.store.delete(&account.block_key()).await
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
    /// Sign-ups from one address group.
    Registrations(String),
}

impl Subject {
    /// The address's throttle group (its /64 for IPv6; see `client_address`).
    fn address(ip: &str) -> Subject {
        Subject::Address(group_of_recorded(ip))
    }

    fn registrations(ip: &str) -> Subject {
        Subject::Registrations(group_of_recorded(ip))
    }

    fn count_key(&self) -> String {
        match self {
            Subject::Account(hash) => format!("login-failures:account:{hash}"),
            Subject::Address(ip) => format!("login-failures:ip:{ip}"),
            Subject::Registrations(ip) => format!("registrations:ip:{ip}"),
        }
    }

    fn block_key(&self) -> String {
        match self {
            Subject::Account(hash) => format!("login-block:account:{hash}"),
            Subject::Address(ip) => format!("login-block:ip:{ip}"),
            Subject::Registrations(ip) => format!("registration-block:ip:{ip}"),
        }
    }
}

fn subjects(attempt: &Attempt<'_>) -> Vec<Subject> {
    let mut subjects = vec![Subject::Account(account_hash(attempt.email))];
    if let Some(ip) = attempt.ip {
        subjects.push(Subject::address(ip));
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
