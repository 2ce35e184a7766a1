//! Refresh sessions in Redis, through `tower-sessions-redis-store` on a `fred` pool with the
//! settings a production deployment needs: every command times out quickly (so an outage is a
//! fast 503, not a hang), connections reconnect forever with capped back-off, a connection that
//! stops answering is detected and replaced, and the pool is bounded.

pub mod coordination;

use crate::error::StartupError;
use fred::prelude::{Builder, ClientLike, Config, Pool, ReconnectPolicy};
use fred::types::config::UnresponsiveConfig;
use std::sync::Arc;
use std::time::Duration;
use tower_sessions::session_store::SessionStore;
use tower_sessions_redis_store::RedisStore;

/// A command waiting longer than this fails, and the request answers 503.
const COMMAND_TIMEOUT: Duration = Duration::from_millis(250);
const CONNECT_TIMEOUT: Duration = Duration::from_secs(2);
/// A connection with a command unanswered this long is considered stalled and replaced.
const STALL_TIMEOUT: Duration = Duration::from_secs(1);
const STALL_CHECK_INTERVAL: Duration = Duration::from_millis(250);
/// Reconnect after 50 ms, doubling up to 1 s, forever.
const RECONNECT_MIN_DELAY_MS: u32 = 50;
const RECONNECT_MAX_DELAY_MS: u32 = 1_000;
pub const DEFAULT_POOL_SIZE: usize = 4;

/// Connects to `url`; fails at start-up, clearly, when Redis cannot be reached.
pub async fn connect(url: &str, pool_size: usize) -> Result<Pool, StartupError> {
    let redis_failed = |error: fred::error::Error| StartupError::Redis(error.to_string());
    let config = Config::from_url(url).map_err(redis_failed)?;
    let pool = Builder::from_config(config)
        .with_connection_config(|connection| {
            connection.connection_timeout = CONNECT_TIMEOUT;
            connection.internal_command_timeout = CONNECT_TIMEOUT;
            connection.unresponsive = UnresponsiveConfig {
                max_timeout: Some(STALL_TIMEOUT),
                interval: STALL_CHECK_INTERVAL,
            };
        })
        .with_performance_config(|performance| {
            performance.default_command_timeout = COMMAND_TIMEOUT;
        })
        .set_policy(ReconnectPolicy::new_exponential(
            0,
            RECONNECT_MIN_DELAY_MS,
            RECONNECT_MAX_DELAY_MS,
            2,
        ))
        .build_pool(pool_size.max(1))
        .map_err(redis_failed)?;
    pool.init().await.map_err(redis_failed)?;
    Ok(pool)
}

pub fn session_store(pool: Pool) -> Arc<dyn SessionStore> {
    Arc::new(RedisStore::new(pool))
}
