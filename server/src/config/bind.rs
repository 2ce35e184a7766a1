//! What may be served beyond this machine. `dev` and `test` are for one's own machine (cookies
//! without `Secure` in `dev`, fast password hashing and generous mail limits in `test`, the
//! signing key kept in the database), the benchmark pages for a benchmark run: each refuses a
//! listen address other machines can reach, unless `ALLOW_PUBLIC_BIND=1` says that is meant.
//! Whatever is served to the network names its links by `PUBLIC_ORIGIN`, never by a request.

use super::{Config, ConfigError};
use app::ssr::settings::AppEnv;
use std::net::SocketAddr;

impl Config {
    /// Refuses to serve this configuration at `addr` when that would expose what is meant for
    /// this machine only.
    pub fn check_listen_address(&self, addr: SocketAddr) -> Result<(), ConfigError> {
        if addr.ip().is_loopback() {
            return Ok(());
        }
        let refuse = |reason: String| {
            Err(ConfigError::Invalid {
                name: "LEPTOS_SITE_ADDR",
                reason: format!("{addr} is reachable from other machines: {reason}"),
            })
        };
        if self.auth.bench_routes {
            return refuse("BENCH_ROUTES=1 serves the benchmark pages; bind to 127.0.0.1".into());
        }
        let env = self.auth.env;
        if env != AppEnv::Prod && !self.allow_public_bind {
            return refuse(format!(
                "APP_ENV={} is for this machine only; use prod, or set ALLOW_PUBLIC_BIND=1 if \
                 this is meant",
                env.as_str()
            ));
        }
        if self.auth.public_origin.is_none() {
            return refuse("set PUBLIC_ORIGIN, the origin the links in mail point to".into());
        }
        Ok(())
    }
}
