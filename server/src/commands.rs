//! What each subcommand does.

use crate::backends::sql::{self as database, Database, PoolSettings};
use crate::config::Config;
use crate::error::{CommandError, StartupError};
use crate::startup::Application;
use app::auth::Role;
use app::ssr::audit::{self, Event, EventKind};
use app::ssr::input::{Email, NewPassword};
use app::ssr::passwords::PasswordHasher;
use app::ssr::sessions::ClientInfo;
use app::ssr::two_step;
use app::ssr::users::{self, InsertError};
use leptos::prelude::LeptosOptions;

pub async fn serve(config: Config) -> Result<(), CommandError> {
    let leptos_options = leptos_options();
    let addr = leptos_options.site_addr;
    let application = Application::build(config, leptos_options, addr).await?;
    tracing::info!("listening on http://{}", application.local_addr());
    Ok(application.run().await?)
}

pub async fn run_migrations(config: Config) -> Result<(), CommandError> {
    let db = migrated_database(&config).await?;
    if config.redis_url.is_none() {
        // Sessions will live in this database: create their table now too.
        database::session_store(&db).await?;
    }
    println!("migrations applied");
    Ok(())
}

/// Connects to the configured database and brings its schema up to date.
async fn migrated_database(config: &Config) -> Result<Database, StartupError> {
    let db = database::connect(&config.database_url, PoolSettings::COMMAND).await?;
    database::migrate(&db).await?;
    database::check_roles(&db).await?;
    Ok(db)
}

pub async fn create_user(
    config: Config,
    email: &str,
    password: String,
    role: Role,
) -> Result<(), CommandError> {
    let email = Email::parse(email).map_err(|error| CommandError::invalid("email", error))?;
    let password = NewPassword::parse(password, Some(&email))
        .map_err(|error| CommandError::invalid("password", error))?;
    let db = migrated_database(&config).await?;
    let hasher = PasswordHasher::new(config.auth.hash_cost, 1).map_err(StartupError::from)?;
    let hash = hasher
        .hash(password.into_inner())
        .await
        .map_err(StartupError::from)?;
    match users::insert(&db.pool, &email, &hash, role, users::Address::Verified).await {
        Ok(id) => {
            println!(
                "created {} user {} (id {id})",
                role.as_str(),
                email.as_str()
            );
            Ok(())
        }
        Err(InsertError::EmailTaken) => Err(CommandError::EmailTaken(email.as_str().to_owned())),
        Err(InsertError::Database(error)) => Err(StartupError::from(error).into()),
    }
}

/// Turns off two-step verification of the account at `email` (`user reset-mfa`), and with
/// `passkeys` deletes its passkeys too, audited as an operator's act.
pub async fn reset_mfa(config: Config, email: &str, passkeys: bool) -> Result<(), CommandError> {
    let email = Email::parse(email).map_err(|error| CommandError::invalid("email", error))?;
    let db = migrated_database(&config).await?;
    let user = users::find_by_email(&db.pool, &email)
        .await
        .map_err(StartupError::from)?
        .ok_or_else(|| CommandError::NoSuchUser(email.as_str().to_owned()))?;
    two_step::remove_all(&db.pool, user.id)
        .await
        .map_err(StartupError::from)?;
    if passkeys {
        app::ssr::passkeys::rows::delete_all(&db.pool, user.id)
            .await
            .map_err(StartupError::from)?;
    }
    let how = if passkeys {
        "by the server's command line, with passkeys"
    } else {
        "by the server's command line"
    };
    let event = Event::new(EventKind::MfaResetByAdmin, ClientInfo::default())
        .user(user.id)
        .detail(how);
    audit::insert(&db.pool, &event)
        .await
        .map_err(StartupError::from)?;
    let and_passkeys = if passkeys {
        ", its passkeys deleted"
    } else {
        ""
    };
    println!(
        "two-step verification turned off for {} (id {}){and_passkeys}; its password alone signs in now",
        email.as_str(),
        user.id
    );
    Ok(())
}

/// Leptos settings baked in by cargo-leptos at build time, overridable by `LEPTOS_*` variables.
///
/// Whether the bundle's file names are hashed follows the build: cargo-leptos writes the hashes
/// beside the server binary when it hashes (`hash-files` in the workspace manifest), so a
/// binary started without `LEPTOS_HASH_FILES` still links the files by their real names.
pub fn leptos_options() -> LeptosOptions {
    let mut options = leptos::config::get_configuration(None)
        .map(|conf| conf.leptos_options)
        .unwrap_or_else(|_| {
            LeptosOptions::builder()
                .output_name(app::product::SLUG)
                .site_root("target/site")
                .site_pkg_dir("pkg")
                .build()
        });
    if std::env::var_os("LEPTOS_HASH_FILES").is_none() {
        options.hash_files = hash_file_beside_binary(&options.hash_file);
    }
    options
}

fn hash_file_beside_binary(name: &str) -> bool {
    std::env::current_exe()
        .ok()
        .and_then(|exe| Some(exe.parent()?.join(name)))
        .is_some_and(|path| path.is_file())
}
