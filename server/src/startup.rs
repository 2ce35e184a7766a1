//! Building the application: database, stores, state and router. `main` and the integration
//! tests use the same [`Application::build`], so the tests exercise exactly what ships.

use crate::config::Config;
use crate::layers::auth::auth_layer;
use app::ssr::cookies::AuthCookies;
use app::ssr::passwords::PasswordHasher;
use app::ssr::sessions::{RefreshSessions, SessionLifetimes};
use app::ssr::state::AppState;
use app::ssr::tokens::TokenIssuer;
use app::{shell, App};
use axum::routing::get;
use axum::{middleware, Router};
use leptos::prelude::*;
use leptos_axum::{generate_route_list, LeptosRoutes};
use sqlx::migrate::Migrator;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions};
use sqlx::SqlitePool;
use std::net::SocketAddr;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tower_sessions_sqlx_store::SqliteStore;

pub static MIGRATOR: Migrator = sqlx::migrate!("../migrations/sqlite");

#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error("{0}")]
    Unsupported(String),
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    #[error("migrations: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("session store: {0}")]
    SessionStore(String),
    #[error("password hasher: {0}")]
    Hasher(#[from] app::ssr::passwords::HashError),
    #[error("listening on {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        source: std::io::Error,
    },
}

/// Opens (creating if needed) the SQLite database named by `url`.
pub async fn connect_database(url: &str) -> Result<SqlitePool, StartupError> {
    if !url.starts_with("sqlite:") {
        return Err(StartupError::Unsupported(format!(
            "DATABASE_URL must be a sqlite: URL in this version (got a {} URL)",
            url.split(':').next().unwrap_or("different")
        )));
    }
    let options = SqliteConnectOptions::from_str(url)?
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .busy_timeout(Duration::from_secs(5))
        .foreign_keys(true);
    if let Some(parent) = options.get_filename().parent() {
        if !parent.as_os_str().is_empty() {
            std::fs::create_dir_all(parent).map_err(sqlx::Error::Io)?;
        }
    }
    Ok(SqlitePoolOptions::new()
        .max_connections(8)
        .acquire_timeout(Duration::from_secs(3))
        .connect_with(options)
        .await?)
}

/// Applies the schema migrations and creates the session store's table.
pub async fn migrate(db: &SqlitePool) -> Result<(), StartupError> {
    MIGRATOR.run(db).await?;
    SqliteStore::new(db.clone())
        .migrate()
        .await
        .map_err(|error| StartupError::SessionStore(error.to_string()))?;
    Ok(())
}

pub async fn build_state(
    config: &Config,
    db: SqlitePool,
    leptos_options: LeptosOptions,
) -> Result<AppState, StartupError> {
    if config.redis_url.is_some() {
        return Err(StartupError::Unsupported(
            "REDIS_URL is not supported in this version yet; unset it to use the embedded store"
                .into(),
        ));
    }
    let settings = config.auth.clone();
    let store = Arc::new(SqliteStore::new(db.clone()));
    spawn_expired_session_cleanup(store.clone());
    Ok(AppState {
        sessions: RefreshSessions::new(
            store,
            SessionLifetimes {
                absolute: settings.refresh_ttl,
                idle: settings.refresh_idle_ttl,
                grace: settings.refresh_grace,
            },
        ),
        tokens: Arc::new(TokenIssuer::new(&settings)),
        passwords: PasswordHasher::new(settings.hash_cost, settings.hash_concurrency)?,
        cookies: AuthCookies::new(settings.secure_cookies()),
        settings: Arc::new(settings),
        db,
        leptos_options,
    })
}

/// Expired refresh records are never loaded, but they take space: sweep them hourly.
fn spawn_expired_session_cleanup(store: Arc<SqliteStore>) {
    use tower_sessions::session_store::ExpiredDeletion;
    tokio::spawn(async move {
        if let Err(error) = SqliteStore::clone(&store)
            .continuously_delete_expired(Duration::from_secs(3600))
            .await
        {
            tracing::error!(%error, "expired-session cleanup stopped");
        }
    });
}

/// The whole HTTP surface: pages, server functions, assets, and the auth layer in front.
pub fn router(state: AppState) -> Router {
    let routes = generate_route_list(App);
    let context_state = state.clone();
    let shell_options = state.leptos_options.clone();
    Router::new()
        .route("/healthz", get(|| async { "ok" }))
        .leptos_routes_with_context(
            &state,
            routes,
            move || provide_context(context_state.clone()),
            move || shell(shell_options.clone()),
        )
        .fallback(leptos_axum::file_and_error_handler::<AppState, _>(shell))
        .layer(middleware::from_fn_with_state(state.clone(), auth_layer))
        .with_state(state)
}

/// A built, bound, not yet running server.
pub struct Application {
    listener: TcpListener,
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
        let db = connect_database(&config.database_url).await?;
        migrate(&db).await?;
        let state = build_state(&config, db, leptos_options).await?;
        let listener = TcpListener::bind(addr)
            .await
            .map_err(|source| StartupError::Bind { addr, source })?;
        Ok(Application {
            listener,
            router: router(state.clone()),
            state,
        })
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.listener
            .local_addr()
            .expect("a bound listener has an address")
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
