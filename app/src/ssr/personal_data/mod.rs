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

/// Deletes the account's rows from every table whose erasure is [`Erasure::Deleted`], but for
/// `users` itself (deleted first, by `users::delete`, which may refuse). Table and column names
/// are this module's constants, never input.
pub async fn erase_rows(db: &AnyPool, user_id: i64, email: &str) -> Result<(), sqlx::Error> {
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
