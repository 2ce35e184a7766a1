use clap::Parser;
use server::cli::{Cli, Command, UserCommand};
use server::commands;
use server::config::Config;
use std::process::ExitCode;

#[tokio::main]
async fn main() -> ExitCode {
    let _ = dotenvy::dotenv();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "info,sqlx=warn".into()),
        )
        .init();

    let cli = Cli::parse();
    let config = match Config::from_env() {
        Ok(config) => config,
        Err(error) => {
            eprintln!("configuration error: {error}");
            return ExitCode::from(2);
        }
    };
    let result = match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => commands::serve(config).await,
        Command::Migrate => commands::run_migrations(config).await,
        Command::User {
            action:
                UserCommand::Create {
                    email,
                    password,
                    role,
                },
        } => commands::create_user(config, &email, password, role).await,
        Command::User {
            action: UserCommand::ResetMfa { email, passkeys },
        } => commands::reset_mfa(config, &email, passkeys).await,
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}
