//! The database behind users and roles (and, without Redis, behind refresh sessions): SQLite by
//! default, PostgreSQL when `DATABASE_URL` says `postgres://`. The app's own queries go through
//! one `AnyPool` in a dialect both engines accept; each engine has its own migrations folder.

pub mod coordination;

use crate::error::StartupError;
use app::auth::Role;
use sqlx::any::{install_default_drivers, AnyPoolOptions};
use sqlx::migrate::Migrator;
use sqlx::postgres::PgPoolOptions;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions};
use sqlx::{AnyPool, Executor};
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;
use tower_sessions::session_store::{ExpiredDeletion, SessionStore};
use tower_sessions_sqlx_store::{PostgresStore, SqliteStore};

static SQLITE_MIGRATOR: Migrator = sqlx::migrate!("../migrations/sqlite");
static POSTGRES_MIGRATOR: Migrator = sqlx::migrate!("../migrations/postgres");

/// A request waits at most this long for a connection (opening one included) before answering
/// 503. While the database is down, this is how long an operation that needs it takes to fail;
/// it leaves room for a new connection on a loaded machine.
pub const REQUEST_ACQUIRE_TIMEOUT: Duration = Duration::from_secs(1);
/// A command-line run (`migrate`, `user create`) has no one waiting on a 503: it is patient with
/// a busy machine or a database still starting.
pub const COMMAND_ACQUIRE_TIMEOUT: Duration = Duration::from_secs(10);
pub const DEFAULT_POOL_SIZE: u32 = 8;
/// The embedded session store's own pool never needs more than this.
const SESSION_POOL_SIZE: u32 = 4;

/// How many connections a pool may open, and how long a caller waits for one.
#[derive(Clone, Copy, Debug)]
pub struct PoolSettings {
    pub size: u32,
    pub acquire_timeout: Duration,
}

impl PoolSettings {
    pub fn for_requests(size: u32) -> Self {
        Self {
            size: size.max(1),
            acquire_timeout: REQUEST_ACQUIRE_TIMEOUT,
        }
    }

    pub const COMMAND: PoolSettings = PoolSettings {
        size: 2,
        acquire_timeout: COMMAND_ACQUIRE_TIMEOUT,
    };
}
/// Expired refresh records are never loaded, but they take space: sweep them hourly.
const EXPIRED_SWEEP_INTERVAL: Duration = Duration::from_secs(3600);

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Engine {
    Sqlite,
    Postgres,
}

impl Engine {
    pub fn of(url: &str) -> Result<Engine, StartupError> {
        if url.starts_with("sqlite:") {
            Ok(Engine::Sqlite)
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            Ok(Engine::Postgres)
        } else {
            Err(StartupError::Unsupported(
                "DATABASE_URL must start with sqlite: or postgres:".into(),
            ))
        }
    }
}

#[derive(Clone, Debug)]
pub struct Database {
    pub pool: AnyPool,
    pub engine: Engine,
    url: String,
    pool_settings: PoolSettings,
}

/// Connects to `url`, creating the SQLite file (and its folder) when needed.
pub async fn connect(url: &str, pool_settings: PoolSettings) -> Result<Database, StartupError> {
    let engine = Engine::of(url)?;
    install_default_drivers();
    let any_url = match engine {
        Engine::Sqlite => {
            create_parent_folder(url)?;
            with_create_mode(url)
        }
        Engine::Postgres => url.to_owned(),
    };
    let pool = AnyPoolOptions::new()
        .max_connections(pool_settings.size)
        .acquire_timeout(pool_settings.acquire_timeout)
        .after_connect(|connection, _| {
            Box::pin(async move {
                if connection.backend_name() == "SQLite" {
                    // The busy timeout first: switching to WAL may wait on another process.
                    for pragma in [
                        "PRAGMA busy_timeout = 5000",
                        "PRAGMA journal_mode = WAL",
                        "PRAGMA foreign_keys = ON",
                    ] {
                        connection.execute(pragma).await?;
                    }
                }
                Ok(())
            })
        })
        .connect(&any_url)
        .await?;
    Ok(Database {
        pool,
        engine,
        url: url.to_owned(),
        pool_settings,
    })
}

/// Applies the app's migrations (the session store creates its own table when opened).
pub async fn migrate(db: &Database) -> Result<(), StartupError> {
    match db.engine {
        Engine::Sqlite => SQLITE_MIGRATOR.run(&db.pool).await?,
        Engine::Postgres => POSTGRES_MIGRATOR.run(&db.pool).await?,
    }
    Ok(())
}

/// Refuses to start while a role the code knows (`app::auth::Role::ALL`) has no row in the
/// `roles` table: accounts could not be given it. Each role needs its migration.
pub async fn check_roles(db: &Database) -> Result<(), StartupError> {
    let stored: Vec<String> = sqlx::query_scalar("SELECT name FROM roles")
        .fetch_all(&db.pool)
        .await?;
    let missing: Vec<&'static str> = Role::ALL
        .iter()
        .map(|role| role.as_str())
        .filter(|name| !stored.iter().any(|stored| stored == name))
        .collect();
    if missing.is_empty() {
        Ok(())
    } else {
        Err(StartupError::RolesMissing(missing))
    }
}

/// The embedded refresh-session store: a table in the same database (created here if missing),
/// with its own small pool (the `tower-sessions` stores need an engine-specific pool), swept of
/// expired records in the background. Open it once per process.
pub async fn session_store(db: &Database) -> Result<Arc<dyn SessionStore>, StartupError> {
    let migrate_failed = |error: tower_sessions_sqlx_store::sqlx::Error| {
        StartupError::SessionStore(error.to_string())
    };
    match db.engine {
        Engine::Sqlite => {
            let options = SqliteConnectOptions::from_str(&db.url)?
                .create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                .busy_timeout(Duration::from_secs(5));
            let pool = SqlitePoolOptions::new()
                .max_connections(db.pool_settings.size.min(SESSION_POOL_SIZE))
                .acquire_timeout(db.pool_settings.acquire_timeout)
                .connect_with(options)
                .await?;
            let store = SqliteStore::new(pool);
            store.migrate().await.map_err(migrate_failed)?;
            sweep_expired(store.clone());
            Ok(Arc::new(store))
        }
        Engine::Postgres => {
            let pool = PgPoolOptions::new()
                .max_connections(db.pool_settings.size.min(SESSION_POOL_SIZE))
                .acquire_timeout(db.pool_settings.acquire_timeout)
                .connect(&db.url)
                .await?;
            let store = PostgresStore::new(pool);
            store.migrate().await.map_err(migrate_failed)?;
            sweep_expired(store.clone());
            Ok(Arc::new(store))
        }
    }
}

fn sweep_expired<S: ExpiredDeletion + Clone + 'static>(store: S) {
    tokio::spawn(async move {
        if let Err(error) = store
            .continuously_delete_expired(EXPIRED_SWEEP_INTERVAL)
            .await
        {
            tracing::error!(%error, "expired-session cleanup stopped");
        }
    });
}

fn create_parent_folder(url: &str) -> Result<(), StartupError> {
    let options = SqliteConnectOptions::from_str(url)?;
    if let Some(parent) = options.get_filename().parent() {
        if !parent.as_os_str().is_empty() {
            std::fs::create_dir_all(parent).map_err(sqlx::Error::Io)?;
        }
    }
    Ok(())
}

/// The `Any` driver takes SQLite options from the URL only: ask it to create the file.
fn with_create_mode(url: &str) -> String {
    if url.contains("mode=") || url.contains(":memory:") {
        url.to_owned()
    } else if url.contains('?') {
        format!("{url}&mode=rwc")
    } else {
        format!("{url}?mode=rwc")
    }
}
