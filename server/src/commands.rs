//! What each subcommand does.

use crate::config::Config;
use crate::database;
use crate::startup::{Application, StartupError};
use app::auth::Role;
use app::ssr::input::{Email, NewPassword};
use app::ssr::passwords::PasswordHasher;
use app::ssr::users::{self, InsertError};
use leptos::prelude::LeptosOptions;

pub async fn serve(config: Config) -> Result<(), String> {
    let leptos_options = leptos_options();
    let addr = leptos_options.site_addr;
    let application = Application::build(config, leptos_options, addr)
        .await
        .map_err(|error| error.to_string())?;
    tracing::info!("listening on http://{}", application.local_addr());
    application.run().await.map_err(|error| error.to_string())
}

pub async fn run_migrations(config: Config) -> Result<(), String> {
    let db = migrated_database(&config).await?;
    if config.redis_url.is_none() {
        // Sessions will live in this database: create their table now too.
        database::session_store(&db)
            .await
            .map_err(|error| error.to_string())?;
    }
    println!("migrations applied");
    Ok(())
}

/// Connects to the configured database and brings its schema up to date.
async fn migrated_database(config: &Config) -> Result<database::Database, String> {
    let db = database::connect(&config.database_url, database::PoolSettings::COMMAND)
        .await
        .map_err(|error| error.to_string())?;
    database::migrate(&db)
        .await
        .map_err(|error| error.to_string())?;
    Ok(db)
}

pub async fn create_user(
    config: Config,
    email: &str,
    password: String,
    role: Role,
) -> Result<(), String> {
    let email = Email::parse(email).map_err(|error| format!("email: {error}"))?;
    let password = NewPassword::parse(password).map_err(|error| format!("password: {error}"))?;
    let db = migrated_database(&config).await?;
    let hasher = PasswordHasher::new(config.auth.hash_cost, 1)
        .map_err(|error| StartupError::from(error).to_string())?;
    let hash = hasher
        .hash(password.into_inner())
        .await
        .map_err(|error| error.to_string())?;
    match users::insert(&db.pool, &email, &hash, role).await {
        Ok(id) => {
            println!(
                "created {} user {} (id {id})",
                role.as_str(),
                email.as_str()
            );
            Ok(())
        }
        Err(InsertError::EmailTaken) => Err(format!(
            "a user with email {} already exists",
            email.as_str()
        )),
        Err(InsertError::Database(error)) => Err(error.to_string()),
    }
}

/// Leptos settings baked in by cargo-leptos at build time, overridable by `LEPTOS_*` variables.
pub fn leptos_options() -> LeptosOptions {
    leptos::config::get_configuration(None)
        .map(|conf| conf.leptos_options)
        .unwrap_or_else(|_| {
            LeptosOptions::builder()
                .output_name("leptos-hybrid-auth")
                .site_root("target/site")
                .site_pkg_dir("pkg")
                .build()
        })
}
