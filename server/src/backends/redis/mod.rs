//! Refresh sessions in Redis, through `tower-sessions-redis-store` on a `fred` pool with the
//! settings a production deployment needs: every command times out quickly (so an outage is a
//! fast 503, not a hang), connections reconnect forever with capped back-off, a connection that
//! stops answering is detected and replaced, and the pool is bounded.

pub mod coordination;

use crate::error::StartupError;
use fred::prelude::{Builder, ClientLike, Config, Pool, ReconnectPolicy};
use fred::types::config::{TlsConnector, UnresponsiveConfig};
use fred::types::{ClusterHash, CustomCommand, Value};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::CertificateDer;
use rustls::{ClientConfig, RootCertStore};
use std::path::Path;
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

/// Connects to `url`; fails at start-up, clearly, when Redis cannot be reached. A `rediss://`
/// URL connects over TLS and verifies the server against the system's certificate store, or
/// against `ca_cert` alone when given (a private authority, as managed services often use).
pub async fn connect(
    url: &str,
    ca_cert: Option<&Path>,
    pool_size: usize,
) -> Result<Pool, StartupError> {
    let redis_failed = |error: fred::error::Error| StartupError::Redis(error.to_string());
    let mut config = Config::from_url(url).map_err(redis_failed)?;
    if let (Some(tls), Some(ca_cert)) = (config.tls.as_mut(), ca_cert) {
        tls.connector = trusting_only(ca_cert)?;
    }
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

/// A TLS connector that trusts the certificates in the PEM file `ca_cert` and nothing else.
fn trusting_only(ca_cert: &Path) -> Result<TlsConnector, StartupError> {
    let unusable = |reason: String| {
        StartupError::Redis(format!("REDIS_CA_CERT {}: {reason}", ca_cert.display()))
    };
    let mut roots = RootCertStore::empty();
    let certificates =
        CertificateDer::pem_file_iter(ca_cert).map_err(|error| unusable(error.to_string()))?;
    for certificate in certificates {
        let certificate = certificate.map_err(|error| unusable(error.to_string()))?;
        roots
            .add(certificate)
            .map_err(|error| unusable(error.to_string()))?;
    }
    if roots.is_empty() {
        return Err(unusable("no certificate in the file".into()));
    }
    // The provider is named rather than taken from the process default, which would panic if
    // another dependency ever enabled a second one.
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|error| unusable(error.to_string()))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(TlsConnector::from(config))
}

pub fn session_store(pool: Pool) -> Arc<dyn SessionStore> {
    Arc::new(RedisStore::new(pool))
}

/// Refuses (in `prod`) or warns loudly about a Redis that may evict keys to make room.
///
/// Every session key has a time to live, so `volatile-*` policies may drop them as readily as
/// `allkeys-*`: an evicted rotation claim lets a replayed refresh token through, an evicted
/// revocation or block silently lifts it. Only `noeviction` keeps them until they expire (a
/// full Redis then refuses writes, which the app answers with 503). The policy is read from
/// `INFO memory`, which managed services allow where `CONFIG GET` is disabled.
pub async fn check_eviction_policy(pool: &Pool, refuse: bool) -> Result<(), StartupError> {
    let info = CustomCommand::new_static("INFO", ClusterHash::Random, false);
    let reply: Value = pool
        .custom(info, vec!["memory".to_owned()])
        .await
        .map_err(|error| StartupError::Redis(error.to_string()))?;
    let info = reply.as_string().unwrap_or_default();
    let policy = eviction_policy(&info);
    match policy {
        Some("noeviction") => Ok(()),
        _ if refuse => Err(StartupError::RedisEviction(
            policy.unwrap_or("unknown").to_owned(),
        )),
        _ => {
            tracing::warn!(
                policy = policy.unwrap_or("unknown"),
                "Redis may evict session keys (maxmemory-policy is not noeviction): revocations \
                 and rotation claims could silently disappear; prod refuses to start like this"
            );
            Ok(())
        }
    }
}

/// The `maxmemory_policy` line of an `INFO memory` reply.
fn eviction_policy(info: &str) -> Option<&str> {
    info.lines()
        .find_map(|line| line.trim().strip_prefix("maxmemory_policy:"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_policy_is_read_from_info_memory() {
        let info = "# Memory\r\nused_memory:1000\r\nmaxmemory_policy:allkeys-lru\r\nmem_fragmentation_ratio:1.2\r\n";
        assert_eq!(eviction_policy(info), Some("allkeys-lru"));
        assert_eq!(eviction_policy("# Memory\r\n"), None);
    }
}
