//! Housekeeping that every instance runs now and then hourly, for as long as the process runs.
//! Instances running it at once do the same idempotent work; nothing needs coordinating.

use std::future::Future;
use std::time::Duration;

const EVERY: Duration = Duration::from_secs(3600);

/// Runs `task` now and then every hour; `what` names it in the log, with how many rows it
/// removed (quiet when none).
pub fn every_hour<F, Fut>(what: &'static str, task: F)
where
    F: Fn() -> Fut + Send + 'static,
    Fut: Future<Output = Result<u64, sqlx::Error>> + Send,
{
    tokio::spawn(async move {
        let mut interval = tokio::time::interval(EVERY);
        interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            interval.tick().await;
            match task().await {
                Ok(0) => {}
                Ok(removed) => tracing::info!(removed, "{what}"),
                Err(error) => tracing::warn!(%error, "{what}: failed"),
            }
        }
    });
}
