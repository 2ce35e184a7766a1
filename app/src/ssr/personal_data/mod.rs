//! Every table that holds data about one account, and what the account's data export and its
//! erasure do with it. A feature that stores per-user data adds its table to [`ACCOUNT_TABLES`];
//! a test lists the database's tables and fails for one with an account column
//! ([`ACCOUNT_COLUMNS`]) that is missing here, and checks each row's promise against what the
//! export and the erasure really do.

pub mod export;

use sqlx::AnyPool;

/// Columns that tie a row to an account: its id, or its address.
pub const ACCOUNT_COLUMNS: &[&str] = &["user_id", "email", "recipient"];

/// One table holding account data.
#[derive(Clone, Copy, Debug)]
pub struct AccountTable {
    pub table: &'static str,
    /// The column naming the account: its id (`user_id`, or `id` for `users`) or its address.
    pub column: &'static str,
    /// The key of the export document that carries these rows, or why it leaves them out.
    pub export: Export,
    /// What erasing the account does to these rows.
    pub erasure: Erasure,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Export {
    /// Under this key of the export document.
    Under(&'static str),
    /// Left out, for this reason.
    Omitted(&'static str),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Erasure {
    /// Every row of the account is deleted.
    Deleted,
    /// Rows stay, stripped of what identifies the person, for this reason.
    Kept(&'static str),
}

/// The account data the app holds, table by table.
pub const ACCOUNT_TABLES: &[AccountTable] = &[
    AccountTable {
        table: "users",
        column: "id",
        export: Export::Under("account"),
        erasure: Erasure::Deleted,
    },
    AccountTable {
        table: "audit_events",
        column: "user_id",
        export: Export::Under("audit_events"),
        erasure: Erasure::Kept(
            "the security record of what happened to the account, without addresses, devices \
             or details, until the retention sweep",
        ),
    },
    AccountTable {
        table: "mail_outbox",
        column: "recipient",
        export: Export::Under("mail"),
        erasure: Erasure::Deleted,
    },
    AccountTable {
        table: "user_totp",
        column: "user_id",
        export: Export::Under("two_step_verification"),
        erasure: Erasure::Deleted,
    },
    AccountTable {
        table: "recovery_codes",
        column: "user_id",
        export: Export::Omitted(
            "hashes of one-time secrets; how many are left is under two_step_verification",
        ),
        erasure: Erasure::Deleted,
    },
    AccountTable {
        table: "trusted_devices",
        column: "user_id",
        export: Export::Under("trusted_browsers"),
        erasure: Erasure::Deleted,
    },
    AccountTable {
        table: "passkeys",
        column: "user_id",
        export: Export::Under("passkeys"),
        erasure: Erasure::Deleted,
    },
    AccountTable {
        table: "link_tokens",
        column: "user_id",
        export: Export::Omitted("hashes of one-time secrets: nothing a person can read"),
        erasure: Erasure::Deleted,
    },
];

/// The row of `table`, if it holds account data.
pub fn account_table(table: &str) -> Option<&'static AccountTable> {
    ACCOUNT_TABLES.iter().find(|row| row.table == table)
}

impl AccountTable {
    /// Whether [`Self::column`] holds the account's id (else its address).
    pub fn keyed_by_id(&self) -> bool {
        self.column == "id" || self.column.ends_with("_id")
    }
}

/// Erases the account's data everywhere but `users` itself (deleted first, by the caller, which
/// may refuse): strips its audit events of addresses, devices and details (the rows the registry
/// keeps), and deletes its rows from every table whose erasure is [`Erasure::Deleted`]. Table
/// and column names are this module's constants, never input.
pub async fn erase_rows(db: &AnyPool, user_id: i64, email: &str) -> Result<(), sqlx::Error> {
    crate::ssr::audit::forget_user(db, user_id).await?;
    let erased = ACCOUNT_TABLES
        .iter()
        .filter(|row| row.erasure == Erasure::Deleted && row.table != "users");
    for row in erased {
        let statement = format!("DELETE FROM {} WHERE {} = $1", row.table, row.column);
        let query = sqlx::query(&statement);
        let query = if row.keyed_by_id() {
            query.bind(user_id)
        } else {
            query.bind(email)
        };
        query.execute(db).await?;
    }
    Ok(())
}

/// How long an account whose address was never confirmed is kept where sign-in waits for the
/// confirmation (`EMAIL_VERIFICATION=required`). It cannot be used meanwhile; one made with
/// someone else's address holds that address, and its maker's password, until the address's
/// owner follows the confirmation mail they never asked for. So it goes after a week.
pub const UNCONFIRMED_ACCOUNT_LIFETIME: std::time::Duration =
    std::time::Duration::from_secs(7 * 24 * 3600);

/// Erases the accounts whose address was never confirmed and that were made before `before`
/// (Unix seconds), as an erasure does (their rows everywhere, their audit events anonymised);
/// returns how many. An account confirmed meanwhile is kept.
pub async fn erase_unconfirmed_accounts(db: &AnyPool, before: i64) -> Result<u64, sqlx::Error> {
    let stale: Vec<(i64, String)> = sqlx::query_as(
        "SELECT id, email FROM users WHERE email_verified_at IS NULL AND created_at < $1",
    )
    .bind(before)
    .fetch_all(db)
    .await?;
    let mut erased = 0;
    for (id, email) in stale {
        let deleted = sqlx::query("DELETE FROM users WHERE id = $1 AND email_verified_at IS NULL")
            .bind(id)
            .execute(db)
            .await?;
        if deleted.rows_affected() == 1 {
            erase_rows(db, id, &email).await?;
            erased += 1;
        }
    }
    Ok(erased)
}
