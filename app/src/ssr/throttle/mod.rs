//! Login throttling, per account and per IP address, in the shared store so that it holds across
//! instances.
//!
//! Guesses at an account are counted per *source*: a known device of the account (a browser it
//! signed in from before, see [`known_device`]) has a count of its own; every other browser counts
//! under the account and its address group. Each source counts every attempt from the moment it
//! is admitted (see [`LoginThrottle::admit`]), and its success clears its count. The attempt that
//! reaches `account_failures` within the window blocks that source for `first_block`; each
//! further attempt (after the block ends) doubles the block, up to the window. So a guesser
//! blocks itself, not the owner: the owner's own devices, and the owner from another address,
//! still get in with the right password.
//!
//! Failures from unknown browsers at every address together are counted too, at a higher bound
//! (`account_failures_everywhere`): a guesser spread over many addresses then blocks the account
//! for unknown browsers, while its known devices keep their own counts; and within a day
//! (`account_failures_daily`), which past its bound refuses unknown browsers for a day, so a
//! patient guesser gets a few hundred guesses a day, not thousands. An address counts only
//! failures, at a higher bound again, so one person guessing across many accounts is slowed while
//! a whole office behind one NAT is not locked out by a few typos. Everything expires by itself.
//! Addresses are the client's as [`client_address`] works it out behind trusted proxies.

pub mod client_address;
pub mod known_device;
mod subjects;

use crate::ssr::input::Email;
use crate::ssr::platform::coordination::{CoordinationStore, StoreError};
use crate::ssr::platform::keyed_hash::KeyedHash;
use crate::ssr::settings::Secret;
use crate::ssr::settings::ThrottleLimits;
use crate::ssr::throttle::client_address::group_of_recorded;
use futures::future::try_join_all;
use std::sync::Arc;
use std::time::Duration;
use subjects::Subject;

/// The window of the daily failure count.
const DAY: Duration = Duration::from_secs(24 * 3600);

/// How many times `mail_per_recipient` an address may be sent from all clients together.
pub const RECIPIENT_WIDE_FACTOR: u64 = 4;

#[derive(Clone)]
pub struct LoginThrottle {
    store: Arc<dyn CoordinationStore>,
    limits: ThrottleLimits,
    /// Names accounts in the store's keys: a keyed hash of the email, so the store holds no
    /// email, nor anything a dictionary of emails could be matched against.
    account_names: KeyedHash,
}

/// Who is trying: the account (by email, whether or not it exists, so the answer reveals
/// nothing), the address, and the browser's device id if it is a known device of the account.
pub struct Attempt<'a> {
    pub email: &'a Email,
    pub ip: Option<&'a str>,
    pub known_device: Option<&'a str>,
}

impl LoginThrottle {
    pub fn new(
        store: Arc<dyn CoordinationStore>,
        limits: ThrottleLimits,
        signing_key: &Secret,
    ) -> Self {
        Self {
            store,
            limits,
            account_names: KeyedHash::derive(signing_key, "throttled account names v1"),
        }
    }

    /// Whether this attempt may have its password checked, or how long it must wait first.
    ///
    /// A blocked source waits, as does an unknown browser while the account is blocked for all
    /// of them or its address is blocked. Otherwise the attempt is counted against its source
    /// *before* its password is checked, so a burst of parallel guesses cannot all slip past a
    /// check made before any of them failed: the attempt that reaches the limit sets the block
    /// itself (atomically, so exactly one attempt per round holds the last slot) and is checked;
    /// every other attempt of the burst waits. A success lifts the source's block again.
    pub async fn admit(&self, attempt: &Attempt<'_>) -> Result<Option<Duration>, StoreError> {
        if let Some(wait) = self.blocked_for(attempt).await? {
            return Ok(Some(wait));
        }
        let source = self.source(attempt);
        let limit = self.limits.account_failures;
        let attempts = self
            .store
            .increment(&source.count_key(), self.limits.window)
            .await?;
        if attempts < limit {
            return Ok(None);
        }
        let block = block_after(&self.limits, attempts - limit);
        let taken = self
            .store
            .insert_if_absent(&source.block_key(), "1", block)
            .await?;
        if taken.is_none() {
            return Ok(None);
        }
        let remaining = self.store.remaining(&source.block_key()).await?;
        Ok(Some(remaining.unwrap_or(block)))
    }

    /// How long this attempt must wait, if anything that applies to it is blocked.
    /// The blocks are read side by side: one store round trip, however many apply.
    async fn blocked_for(&self, attempt: &Attempt<'_>) -> Result<Option<Duration>, StoreError> {
        let keys: Vec<String> = self
            .blocks_that_apply(attempt)
            .iter()
            .map(Subject::block_key)
            .collect();
        let remaining = try_join_all(keys.iter().map(|key| self.store.remaining(key))).await?;
        Ok(remaining.into_iter().flatten().max())
    }

    /// Counts a failed attempt (its source counted it when admitting it): against the address,
    /// and, from an unknown browser, against the account everywhere; blocks each once over its
    /// limit.
    pub async fn failed(&self, attempt: &Attempt<'_>) -> Result<(), StoreError> {
        if let Some(ip) = attempt.ip {
            self.count_failure(Subject::address(ip), self.limits.address_failures)
                .await?;
        }
        if attempt.known_device.is_none() {
            let account = self.account_name(attempt.email);
            let everywhere = Subject::Account(account.clone());
            self.count_failure(everywhere, self.limits.account_failures_everywhere)
                .await?;
            let today = Subject::AccountDaily(account);
            let failures = self.store.increment(&today.count_key(), DAY).await?;
            if failures >= self.limits.account_failures_daily {
                self.store.put(&today.block_key(), "1", DAY).await?;
            }
        }
        Ok(())
    }

    async fn count_failure(&self, subject: Subject, limit: u64) -> Result<(), StoreError> {
        let failures = self
            .store
            .increment(&subject.count_key(), self.limits.window)
            .await?;
        if failures >= limit {
            let block = block_after(&self.limits, failures - limit);
            self.store.put(&subject.block_key(), "1", block).await?;
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
        let limit = self.limits.registrations_per_address;
        self.admit_counted(Subject::registrations(ip), limit, self.limits.window)
            .await
    }

    /// Whether a client at `ip` may start another passkey ceremony, or how long it must wait
    /// (each stores its challenge for a few minutes: a flood must not fill the store).
    pub async fn admit_passkey_ceremony(
        &self,
        ip: Option<&str>,
    ) -> Result<Option<Duration>, StoreError> {
        let Some(ip) = ip else { return Ok(None) };
        let limit = self.limits.passkey_ceremonies_per_address;
        self.admit_counted(Subject::passkey_ceremonies(ip), limit, self.limits.window)
            .await
    }

    /// Whether a mail may go to `recipient` at the request of a client at `ip`, or how long it
    /// must wait. Per `mail_window`: each client (address group) may cause `mail_per_address`
    /// mails; each address may be sent `mail_per_recipient` at the requests of one client group,
    /// and [`RECIPIENT_WIDE_FACTOR`] times as many in all. So whoever uses up an address's quota
    /// from one place has used up their own share only: its owner, asking from elsewhere, still
    /// gets the mail (short of a requester spread over that many address groups). The recipient
    /// is counted whether or not it has an account, so a refusal reveals nothing about it.
    pub async fn admit_mail(
        &self,
        recipient: &Email,
        ip: Option<&str>,
    ) -> Result<Option<Duration>, StoreError> {
        let window = self.limits.mail_window;
        let group = ip.map_or_else(|| "unknown".to_owned(), group_of_recorded);
        let per_recipient = self.limits.mail_per_recipient;
        let recipient = self.account_name(recipient);
        let checks = [
            (
                Subject::MailFrom(group.clone()),
                self.limits.mail_per_address,
            ),
            (
                Subject::MailToFrom {
                    recipient: recipient.clone(),
                    address: group,
                },
                per_recipient,
            ),
            (
                Subject::MailTo(recipient),
                per_recipient.saturating_mul(RECIPIENT_WIDE_FACTOR),
            ),
        ];
        for (subject, limit) in checks {
            if let Some(wait) = self.admit_counted(subject, limit, window).await? {
                return Ok(Some(wait));
            }
        }
        Ok(None)
    }

    /// Counts one more request of `subject`; past `limit` within `window`, the subject is
    /// blocked for the rest of the window and the wait is returned.
    async fn admit_counted(
        &self,
        subject: Subject,
        limit: u64,
        window: Duration,
    ) -> Result<Option<Duration>, StoreError> {
        if let Some(wait) = self.store.remaining(&subject.block_key()).await? {
            return Ok(Some(wait));
        }
        let count = self.store.increment(&subject.count_key(), window).await?;
        if count <= limit {
            return Ok(None);
        }
        self.store.put(&subject.block_key(), "1", window).await?;
        Ok(Some(window))
    }

    /// A successful sign-in clears its source's count and lifts its block. The address and the
    /// account's count everywhere are kept: a guesser elsewhere stays blocked.
    pub async fn succeeded(&self, attempt: &Attempt<'_>) -> Result<(), StoreError> {
        let source = self.source(attempt);
        self.store.delete(&source.count_key()).await?;
        self.store.delete(&source.block_key()).await
    }

    /// Where the attempt counts as coming from: its known device, or else the account from its
    /// address group.
    fn source(&self, attempt: &Attempt<'_>) -> Subject {
        match attempt.known_device {
            Some(device) => Subject::KnownDevice(device.to_owned()),
            None => Subject::AccountFrom {
                account: self.account_name(attempt.email),
                address: attempt.ip.map(group_of_recorded).unwrap_or_default(),
            },
        }
    }

    /// The blocks an attempt must respect: its source's; from an unknown browser also the
    /// account's everywhere and the address's. A known device answers for itself alone, so neither
    /// a guesser spread over many addresses nor one sharing the owner's address locks it out.
    fn blocks_that_apply(&self, attempt: &Attempt<'_>) -> Vec<Subject> {
        let mut subjects = vec![self.source(attempt)];
        if attempt.known_device.is_none() {
            let account = self.account_name(attempt.email);
            subjects.push(Subject::Account(account.clone()));
            subjects.push(Subject::AccountDaily(account));
            if let Some(ip) = attempt.ip {
                subjects.push(Subject::address(ip));
            }
        }
        subjects
    }

    /// The account's name in the store's keys (see `account_names`).
    fn account_name(&self, email: &Email) -> String {
        self.account_names.mac(&[email.as_str()])[..16]
            .iter()
            .map(|byte| format!("{byte:02x}"))
            .collect()
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
