//! The command line: `serve` (the default), `migrate`, `user create` and `user reset-mfa`.

use app::auth::Role;
use clap::{Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(
    name = "server",
    about = app::product::NAME,
    version
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Migrate the database and serve the app (the default).
    Serve,
    /// Apply database migrations and exit.
    Migrate,
    /// Manage accounts.
    User {
        #[command(subcommand)]
        action: UserCommand,
    },
}

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Create an account (for bootstrapping the first administrator).
    Create {
        #[arg(long)]
        email: String,
        #[arg(long)]
        password: String,
        /// One of the roles of `app::auth::Role` (user, admin, …).
        #[arg(long, value_parser = parse_role, default_value = Role::NEW_ACCOUNT.as_str())]
        role: Role,
    },
    /// Turn off an account's two-step verification (its authenticator app and recovery codes),
    /// for when its owner lost both and no administrator can sign in to do it: the break-glass.
    /// Audited. The account then signs in with its password alone; its open sessions stay (end
    /// them from the admin page, or rotate `JWT_SECRET` and the session keys).
    ResetMfa {
        #[arg(long)]
        email: String,
        /// Delete the account's passkeys too (the lost device held them).
        #[arg(long)]
        passkeys: bool,
    },
}

/// Reads `--role NAME` as one of the app's roles, listing them when the name is unknown.
fn parse_role(name: &str) -> Result<Role, String> {
    Role::parse(name).ok_or_else(|| format!("unknown role {name:?}. {}", Role::choose_one()))
}
