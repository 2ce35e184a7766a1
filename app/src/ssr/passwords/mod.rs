//! Argon2id password hashing, off the async runtime and bounded in concurrency.
//!
//! Each hash takes ~19 MiB (a reused work area, see `work_areas`) and tens of milliseconds of a
//! core, so hashes run on their own low-priority threads (`threads`) behind a semaphore: a
//! burst of logins queues instead of exhausting memory or starving the request handlers. Unknown
//! accounts are verified against a dummy hash of the same cost, so their answer takes as long as
//! a wrong password.
//!
//! The queue is bounded too: beyond [`QUEUE_PER_PERMIT`] waiting hashes per permit, a sign-in is
//! refused at once (503 with `Retry-After`) rather than waiting seconds behind a storm, so memory
//! and page latency stay bounded whatever arrives. A caller takes its place in the queue
//! ([`PasswordHasher::queue_slot`]) before any other work, so a refused sign-in costs nothing
//! but the refusal.

mod threads;
mod work_areas;

use crate::ssr::settings::HashCost;
use argon2::password_hash::PasswordHash;
use argon2::{Algorithm, Argon2, Params, Version};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use threads::HashThreads;
use tokio::sync::Semaphore;
use work_areas::WorkAreas;

/// How many hashes may wait for each permit before new ones are refused.
pub const QUEUE_PER_PERMIT: usize = 4;

#[derive(Debug, thiserror::Error)]
pub enum HashError {
    #[error("password hashing failed: {0}")]
    Hashing(String),
    #[error("the hashing task did not complete")]
    Task,
    #[error("too many password hashes waiting")]
    Busy,
}

#[derive(Clone)]
pub struct PasswordHasher {
    argon: Arc<Argon2<'static>>,
    areas: WorkAreas,
    threads: HashThreads,
    permits: Arc<Semaphore>,
    /// Hashes running or waiting, and how many may be.
    in_flight: Arc<AtomicUsize>,
    capacity: usize,
    dummy_hash: Arc<str>,
}

impl PasswordHasher {
    /// Builds the hasher and its dummy hash (one hash of work, done once at start-up).
    pub fn new(cost: HashCost, concurrency: usize) -> Result<Self, HashError> {
        let params = Params::new(cost.memory_kib, cost.iterations, cost.parallelism, None)
            .map_err(|error| HashError::Hashing(error.to_string()))?;
        let areas = WorkAreas::new(&params);
        let argon = Arc::new(Argon2::new(Algorithm::Argon2id, Version::V0x13, params));
        let dummy_hash = hash_with(&argon, &areas, "a password nobody has")?.into();
        let concurrency = concurrency.max(1);
        let threads = HashThreads::start(concurrency)
            .map_err(|error| HashError::Hashing(error.to_string()))?;
        Ok(Self {
            argon,
            areas,
            threads,
            permits: Arc::new(Semaphore::new(concurrency)),
            in_flight: Arc::new(AtomicUsize::new(0)),
            capacity: concurrency * (1 + QUEUE_PER_PERMIT),
            dummy_hash,
        })
    }

    /// A place in the hashing queue, or `Busy` when it is full: take it before doing any other
    /// work for a request that will hash.
    pub fn queue_slot(&self) -> Result<QueueSlot, HashError> {
        if self.in_flight.fetch_add(1, Ordering::AcqRel) >= self.capacity {
            self.in_flight.fetch_sub(1, Ordering::AcqRel);
            return Err(HashError::Busy);
        }
        Ok(QueueSlot(self.in_flight.clone()))
    }

    pub async fn hash(&self, password: String) -> Result<String, HashError> {
        let slot = self.queue_slot()?;
        let (argon, areas) = (self.argon.clone(), self.areas.clone());
        self.run(slot, move || hash_with(&argon, &areas, &password))
            .await?
    }

    /// Checks `password` against `stored`; with no stored hash (unknown account) it does the same
    /// work against the dummy hash and answers `false`.
    pub async fn verify(
        &self,
        slot: QueueSlot,
        password: String,
        stored: Option<String>,
    ) -> Result<bool, HashError> {
        let areas = self.areas.clone();
        let known = stored.is_some();
        let hash = stored.unwrap_or_else(|| self.dummy_hash.to_string());
        let matches = self
            .run(slot, move || match PasswordHash::new(&hash) {
                Ok(parsed) => work_areas::verify(&areas, password.as_bytes(), &parsed),
                Err(_) => false,
            })
            .await?;
        Ok(known && matches)
    }

    /// Waits for a permit, then runs `work` on a hashing thread; the slot is freed after.
    async fn run<T: Send + 'static>(
        &self,
        _slot: QueueSlot,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, HashError> {
        let _permit = self.permits.acquire().await.map_err(|_| HashError::Task)?;
        self.threads.run(work).await.ok_or(HashError::Task)
    }
}

/// A place in the hashing queue, freed when dropped: when its hash finishes, or when its request
/// ends (or is dropped) before hashing.
pub struct QueueSlot(Arc<AtomicUsize>);

impl Drop for QueueSlot {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

fn hash_with(
    argon: &Argon2<'static>,
    areas: &WorkAreas,
    password: &str,
) -> Result<String, HashError> {
    work_areas::hash(argon, areas, password.as_bytes())
        .map_err(|error| HashError::Hashing(error.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hashes_are_argon2id_phc_strings_that_verify_only_the_right_password() {
        let hasher = PasswordHasher::new(HashCost::FAST_FOR_TESTS, 2).unwrap();
        let hash = hasher.hash("correct horse".into()).await.unwrap();
        assert!(hash.starts_with("$argon2id$v=19$"), "{hash}");
        assert!(hasher
            .verify(
                hasher.queue_slot().unwrap(),
                "correct horse".into(),
                Some(hash.clone())
            )
            .await
            .unwrap());
        assert!(!hasher
            .verify(
                hasher.queue_slot().unwrap(),
                "wrong horse".into(),
                Some(hash)
            )
            .await
            .unwrap());
    }

    #[tokio::test]
    async fn unknown_accounts_never_verify() {
        let hasher = PasswordHasher::new(HashCost::FAST_FOR_TESTS, 1).unwrap();
        assert!(!hasher
            .verify(
                hasher.queue_slot().unwrap(),
                "a password nobody has".into(),
                None
            )
            .await
            .unwrap());
    }

    #[tokio::test]
    async fn a_full_queue_refuses_new_hashes_at_once_and_frees_up_after() {
        let hasher = PasswordHasher::new(HashCost::FAST_FOR_TESTS, 1).unwrap();
        // Hold the only permit, so every attempt below waits or is refused; none can finish.
        let held = hasher.permits.clone().acquire_owned().await.unwrap();
        let mut waiting = Vec::new();
        let mut refused = 0;
        for _ in 0..20 {
            match hasher.queue_slot() {
                Ok(slot) => {
                    let mut attempt = Box::pin(hasher.verify(slot, "guess".into(), None));
                    assert!(futures::poll!(attempt.as_mut()).is_pending());
                    waiting.push(attempt);
                }
                Err(error) => {
                    assert!(matches!(error, HashError::Busy), "{error:?}");
                    refused += 1;
                }
            }
        }
        assert_eq!(waiting.len(), 1 + QUEUE_PER_PERMIT);
        assert_eq!(refused, 20 - (1 + QUEUE_PER_PERMIT));

        drop(held);
        for attempt in waiting {
            assert!(attempt.await.is_ok());
        }
        let slot = hasher.queue_slot().unwrap();
        assert!(hasher.verify(slot, "guess".into(), None).await.is_ok());
    }

    #[test]
    fn the_default_cost_is_owasps() {
        assert_eq!(
            HashCost::OWASP,
            HashCost {
                memory_kib: 19_456,
                iterations: 2,
                parallelism: 1
            }
        );
    }
}
