//! Building the application: database, stores, state and router. `main` and the integration
//! tests use the same [`Application::build`], so the tests exercise exactly what ships.

use crate::backends::redis::{self, coordination::RedisCoordination};
use crate::backends::sql::{self as database, coordination::SqlCoordination, Database};
use crate::config::Config;
use crate::error::StartupError;
use crate::layers::authenticate::authenticate_layer;
use crate::layers::authorize::authorize_layer;
use crate::layers::caching::{cache_control, CachePolicy};
use crate::layers::compression::{bundle_compression, Bundle};
use crate::layers::panics::catch_panics;
use crate::layers::security_headers::{security_headers, set_page_policy, Transport};
use crate::routes::server_routes;
use app::pages::declared_policy;
use app::ssr::audit;
use app::ssr::mail::sealed::BodyKey;
use app::ssr::mail::sender::{self, Delivery};
use app::ssr::mail::Mailer;
use app::ssr::passwords::PasswordHasher;
use app::ssr::personal_data::{self, UNCONFIRMED_ACCOUNT_LIFETIME};
use app::ssr::platform::clock::unix_now;
use app::ssr::platform::coordination::CoordinationStore;
use app::ssr::platform::periodic;
use app::ssr::platform::relying_party::Passkeys;
use app::ssr::platform::sealing::DataKey;
use app::ssr::platform::server_secrets::{self, Origin};
use app::ssr::sessions::revocation_feed;
use app::ssr::sessions::{RefreshSessions, SessionLifetimes};
use app::ssr::settings::{AppEnv, EmailVerification, Secret};
use app::ssr::state::AppState;
use app::ssr::throttle::known_device::KnownDevices;
use app::ssr::throttle::LoginThrottle;
use app::ssr::tokens::cookies::AuthCookies;
use app::ssr::tokens::{TokenIssuer, ACCESS_LEEWAY};
use app::{shell, App};
use axum::{middleware, Router};
use leptos::prelude::*;
use leptos_axum::{generate_route_list, AxumRouteListing, LeptosRoutes};
use std::net::SocketAddr;
use std::sync::{Arc, OnceLock};
use tokio::net::TcpListener;

pub async fn build_state(
    config: &Config,
    db: &Database,
    leptos_options: LeptosOptions,
) -> Result<AppState, StartupError> {
    let settings = config.auth.clone();
    // Sessions, and the coordination store that goes with them, live in Redis when it is
    // configured.
    let (store, coordination): (_, Arc<dyn CoordinationStore>) = match &config.redis_url {
        Some(url) => {
            let pool = redis::connect(url, config.redis_ca_cert.as_deref(), config.redis_pool_size)
                .await?;
            redis::check_eviction_policy(&pool, settings.env == AppEnv::Prod).await?;
            let coordination = RedisCoordination::new(pool.clone(), &config.session_namespace);
            (redis::session_store(pool), Arc::new(coordination))
        }
        None => (
            database::session_store(db).await?,
            Arc::new(SqlCoordination::new(db.pool.clone())),
        ),
    };
    let sessions = RefreshSessions::new(
        store,
        coordination.clone(),
        SessionLifetimes {
            absolute: settings.refresh_ttl,
            idle: settings.refresh_idle_ttl,
            grace: settings.refresh_grace,
        },
        settings.access_ttl + ACCESS_LEEWAY,
        &config.session_namespace,
    );
    revocation_feed::follow(coordination.clone(), sessions.revoked().clone()).await;
    let signing_key = signing_key(config, db).await?;
    audit::sweep_periodically(db.pool.clone(), settings.audit_retention);
    if settings.email_verification == EmailVerification::Required {
        let pool = db.pool.clone();
        periodic::every_hour("unconfirmed accounts past their week erased", move || {
            let pool = pool.clone();
            async move {
                let before = unix_now().saturating_sub(UNCONFIRMED_ACCOUNT_LIFETIME.as_secs());
                personal_data::erase_unconfirmed_accounts(&pool, before as i64).await
            }
        });
    }
    let bodies = BodyKey::new(&signing_key);
    let mail = Mailer::new(
        db.pool.clone(),
        settings.public_origin.clone(),
        bodies.clone(),
    );
    sender::spawn(
        db.pool.clone(),
        Delivery::new(&config.mail)?.opening_bodies_with(bodies),
        mail.wake_signal(),
    );
    Ok(AppState {
        sessions,
        throttle: LoginThrottle::new(coordination, settings.throttle, &signing_key),
        tokens: Arc::new(TokenIssuer::new(&settings, &signing_key)),
        known_devices: KnownDevices::new(&signing_key),
        mail,
        data_key: data_key(config, db).await?,
        passkeys: Passkeys::for_party(settings.passkeys.as_ref(), &signing_key)
            .map_err(StartupError::Unsupported)?,
        passwords: PasswordHasher::new(settings.hash_cost, settings.hash_concurrency)?,
        cookies: AuthCookies::new(settings.secure_cookies()),
        settings: Arc::new(settings),
        db: db.pool.clone(),
        leptos_options,
    })
}

/// `JWT_SECRET`, or else (`dev` and `test` only) the key generated at first start and kept in
/// the database, saying which in the log.
async fn signing_key(config: &Config, db: &Database) -> Result<Secret, StartupError> {
    if let Some(secret) = &config.jwt_secret {
        return Ok(secret.clone());
    }
    let (secret, origin) =
        server_secrets::kept_secret(&db.pool, server_secrets::SIGNING_KEY).await?;
    let how = match origin {
        Origin::Generated => "generated a random one now",
        Origin::Stored => "using the random one generated at first start",
    };
    tracing::warn!(
        "JWT_SECRET is not set: {how}, kept in the database (table server_secrets), so restarts \
         keep sessions. Set JWT_SECRET to choose the key; prod requires it."
    );
    Ok(secret)
}

/// `DATA_ENCRYPTION_KEY`, or else, in `dev` and `test`, a key generated at first start and kept
/// in the database (as the signing key is). `prod` without one offers no two-step verification,
/// and refuses to start while any account has a factor sealed under a key it no longer has.
async fn data_key(config: &Config, db: &Database) -> Result<Option<DataKey>, StartupError> {
    if let Some(key) = &config.data_key {
        return Ok(Some(key.clone()));
    }
    if config.auth.env == AppEnv::Prod {
        let sealed: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM user_totp")
            .fetch_one(&db.pool)
            .await?;
        if sealed > 0 {
            return Err(StartupError::Unsupported(
                "DATA_ENCRYPTION_KEY is not set, and accounts have second factors sealed under \
                 it: set it back (openssl rand -base64 32 makes a new one only for a new \
                 deployment)"
                    .into(),
            ));
        }
        tracing::warn!(
            "DATA_ENCRYPTION_KEY is not set: two-step verification is off until it is \
             (openssl rand -base64 32)"
        );
        return Ok(None);
    }
    let (secret, _) = server_secrets::kept_secret(&db.pool, server_secrets::DATA_KEY).await?;
    let key = DataKey::parse(secret.expose()).map_err(|error| {
        StartupError::Unsupported(format!(
            "the stored data encryption key is unusable: {error}"
        ))
    })?;
    Ok(Some(key))
}

/// The app's route list, generated once per process.
///
/// Generating it renders the app with resource loading suppressed through a process-wide flag,
/// so a page rendering at that moment in the same process could wait forever on a resource
/// (leptos issue #4773). A server builds its router once, before it serves; the integration
/// tests build many apps in one process while others serve, so the list is shared instead.
pub fn route_list() -> Vec<AxumRouteListing> {
    static ROUTES: OnceLock<Vec<AxumRouteListing>> = OnceLock::new();
    ROUTES.get_or_init(|| generate_route_list(App)).clone()
}

/// The app's routes that have no row in `app::pages::PAGES`, and so no policy of their own.
pub fn pages_without_policy() -> Vec<String> {
    route_list()
        .iter()
        .map(|route| route.path().to_owned())
        .filter(|path| declared_policy(path).is_none())
        .collect()
}

/// The whole HTTP surface: pages, server functions, the server's own routes and assets.
/// Authentication wraps everything; authorization wraps every route (a `route_layer`, so it
/// sees the template of the route that matched), and not the fallback that serves files and
/// the not-found page. A route added below the `route_layer` would be unguarded: add routes in
/// [`server_routes`] or as pages and functions of the app.
pub fn router(state: AppState) -> Router {
    let routes = route_list();
    let context_state = state.clone();
    let shell_options = state.leptos_options.clone();
    let bundle = Bundle::new(&state.leptos_options);
    let caching = CachePolicy::new(&state.leptos_options);
    let transport = Transport {
        https_only: state.settings.secure_cookies(),
    };
    bundle.prepare_in_background();
    server_routes()
        .leptos_routes_with_context(
            &state,
            routes,
            move || {
                provide_context(context_state.clone());
                set_page_policy();
            },
            move || shell(shell_options.clone()),
        )
        .route_layer(middleware::from_fn_with_state(
            state.clone(),
            authorize_layer,
        ))
        .fallback(leptos_axum::file_and_error_handler_with_context::<
            AppState,
            _,
        >(set_page_policy, shell))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            authenticate_layer,
        ))
        .layer(middleware::from_fn_with_state(bundle, bundle_compression))
        .layer(catch_panics())
        .layer(middleware::from_fn_with_state(caching, cache_control))
        .layer(middleware::from_fn_with_state(transport, security_headers))
        .with_state(state)
}

/// A built, bound, not yet running server.
pub struct Application {
    listener: TcpListener,
    local_addr: SocketAddr,
    router: Router,
    pub state: AppState,
}

impl Application {
    /// Connects, migrates, builds the state and binds `addr` (port 0 picks a free port).
    pub async fn build(
        config: Config,
        leptos_options: LeptosOptions,
        addr: SocketAddr,
    ) -> Result<Application, StartupError> {
        config
            .check_listen_address(addr)
            .map_err(|refused| StartupError::Unsupported(refused.to_string()))?;
        let db = database::connect(
            &config.database_url,
            database::PoolSettings::for_requests(config.database_pool_size),
        )
        .await?;
        database::migrate(&db).await?;
        database::check_roles(&db).await?;
        let unguarded = pages_without_policy();
        if !unguarded.is_empty() {
            return Err(StartupError::PagesWithoutPolicy(unguarded));
        }
        let state = build_state(&config, &db, leptos_options).await?;
        let listener = TcpListener::bind(addr)
            .await
            .map_err(|source| StartupError::Bind { addr, source })?;
        let local_addr = listener
            .local_addr()
            .map_err(|source| StartupError::Bind { addr, source })?;
        Ok(Application {
            listener,
            local_addr,
            router: router(state.clone()),
            state,
        })
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// Serves until the process is asked to stop (Ctrl-C or SIGTERM).
    pub async fn run(self) -> std::io::Result<()> {
        let service = self
            .router
            .into_make_service_with_connect_info::<SocketAddr>();
        axum::serve(self.listener, service)
            .with_graceful_shutdown(shutdown_signal())
            .await
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        if let Ok(mut signal) =
            tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            signal.recv().await;
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = terminate => {},
    }
}
