//! The account-data registry (`app::ssr::personal_data::ACCOUNT_TABLES`) against the real schema,
//! export and erasure: a table that holds account data cannot be left out of it unnoticed, and
//! each of its promises holds.

use crate::helpers::*;
use app::ssr::personal_data::{
    account_table, AccountTable, Erasure, Export, ACCOUNT_COLUMNS, ACCOUNT_TABLES,
};
use reqwest::StatusCode;
use sqlx::AnyPool;
use std::time::Duration;

/// Every `(table, column)` of the database, and the columns that reference `users`.
async fn schema(app: &TestApp) -> (Vec<(String, String)>, Vec<(String, String)>) {
    let (columns, references) = if app.database_url.starts_with("sqlite") {
        (
            "SELECT m.name, p.name FROM sqlite_master m JOIN pragma_table_info(m.name) p \
             WHERE m.type = 'table'",
            "SELECT m.name, p.\"from\" FROM sqlite_master m \
             JOIN pragma_foreign_key_list(m.name) p WHERE m.type = 'table' AND p.\"table\" = 'users'",
        )
    } else {
        (
            "SELECT table_name::text, column_name::text FROM information_schema.columns \
             WHERE table_schema = 'public'",
            "SELECT k.table_name::text, k.column_name::text \
             FROM information_schema.referential_constraints r \
             JOIN information_schema.key_column_usage k ON k.constraint_name = r.constraint_name \
             JOIN information_schema.constraint_column_usage u \
               ON u.constraint_name = r.unique_constraint_name \
             WHERE u.table_name = 'users'",
        )
    };
    let read = |query: &'static str| async move {
        sqlx::query_as::<_, (String, String)>(query)
            .fetch_all(&app.state.db)
            .await
            .unwrap()
    };
    (read(columns).await, read(references).await)
}

/// The tables that tie rows to an account (a column of `ACCOUNT_COLUMNS`, or a reference to
/// `users`) but have no row in the registry.
async fn unregistered_account_tables(app: &TestApp) -> Vec<String> {
    let (columns, references) = schema(app).await;
    let mut missing: Vec<String> = columns
        .iter()
        .filter(|(_, column)| ACCOUNT_COLUMNS.contains(&column.as_str()))
        .chain(&references)
        .map(|(table, _)| table.clone())
        .filter(|table| account_table(table).is_none())
        .collect();
    missing.sort();
    missing.dedup();
    missing
}

#[tokio::test]
async fn every_table_holding_account_data_is_in_the_registry_and_every_row_is_a_table() {
    let app = TestApp::spawn().await;
    assert_eq!(
        unregistered_account_tables(&app).await,
        Vec::<String>::new()
    );
    let (columns, _) = schema(&app).await;
    for row in ACCOUNT_TABLES {
        assert!(
            columns.contains(&(row.table.to_owned(), row.column.to_owned())),
            "{}.{} named in the registry does not exist",
            row.table,
            row.column
        );
    }
}

#[tokio::test]
async fn a_fork_table_holding_account_data_outside_the_registry_is_found() {
    let app = TestApp::spawn().await;
    for statement in [
        "CREATE TABLE articles (id INTEGER PRIMARY KEY, author_id INTEGER REFERENCES users (id))",
        "CREATE TABLE newsletter (email TEXT NOT NULL)",
    ] {
        sqlx::query(statement).execute(&app.state.db).await.unwrap();
    }
    assert_eq!(
        unregistered_account_tables(&app).await,
        ["articles", "newsletter"]
    );
}

/// How many rows of `row`'s table still name the account (by its id or its address, as the
/// row's own `keyed_by_id` says).
async fn rows_naming(db: &AnyPool, row: &AccountTable, user_id: i64, email: &str) -> i64 {
    let query = format!(
        "SELECT COUNT(*) FROM {} WHERE {} = $1",
        row.table, row.column
    );
    let count = if row.keyed_by_id() {
        sqlx::query_scalar(&query).bind(user_id).fetch_one(db).await
    } else {
        sqlx::query_scalar(&query).bind(email).fetch_one(db).await
    };
    count.unwrap()
}

#[tokio::test]
async fn the_export_carries_and_the_erasure_removes_what_the_registry_says() {
    let app = TestApp::spawn().await;
    let email = "gdpr@example.com";
    let browser = app.browser();
    assert_eq!(
        browser.post_register(email, PASSWORD).await.status(),
        StatusCode::OK
    );
    app.wait_for_mail(email, 1).await;
    // Two-step verification, for rows in its tables.
    crate::two_step::clear_of_step_end(3).await;
    let enrolled = crate::two_step::enrol_with(&browser, 0).await;
    // A trusted browser, for a row in its table: this one, signing in again.
    browser.post_login(email, PASSWORD, None).await;
    let form = [
        ("code", crate::two_step::code_at(&enrolled.seed, 30)),
        ("trust_device", "true".to_owned()),
    ];
    let trusted = browser
        .post_form(
            "/api/verify_second_factor",
            &form
                .iter()
                .map(|(k, v)| (*k, v.as_str()))
                .collect::<Vec<_>>(),
        )
        .await;
    assert_eq!(trusted.status(), StatusCode::OK);
    // A passkey, for a row in its table (the second step just now makes this login fresh).
    crate::passkeys::add_passkey(&browser, "Phone").await;
    let user_id: i64 = sqlx::query_scalar("SELECT id FROM users WHERE email = $1")
        .bind(email)
        .fetch_one(&app.state.db)
        .await
        .unwrap();
    // Audit events are written in the background.
    for row in ACCOUNT_TABLES {
        let has_rows = crate::processes::eventually(Duration::from_secs(3), || async {
            rows_naming(&app.state.db, row, user_id, email).await > 0
        })
        .await;
        assert!(
            has_rows,
            "the account has no rows in {} to check",
            row.table
        );
    }

    let export = json(browser.get("/account/export").await).await;
    for row in ACCOUNT_TABLES {
        if let Export::Under(key) = row.export {
            let value = &export[key];
            let carried = value
                .as_array()
                .map_or(value.is_object(), |rows| !rows.is_empty());
            assert!(
                carried,
                "the export carries nothing under {key:?}: {export}"
            );
        }
    }

    let erased = browser
        .post_form("/api/delete_account", &[("password", PASSWORD)])
        .await;
    assert_eq!(erased.status(), StatusCode::OK);
    for row in ACCOUNT_TABLES {
        let rows = rows_naming(&app.state.db, row, user_id, email).await;
        match row.erasure {
            Erasure::Deleted => {
                assert_eq!(rows, 0, "{} keeps the erased account's rows", row.table)
            }
            Erasure::Kept(_) => assert!(rows > 0, "{} was to keep its rows", row.table),
        }
    }
}

#[tokio::test]
async fn accounts_never_confirmed_are_erased_after_their_week_and_free_the_address() {
    use app::ssr::personal_data::{erase_unconfirmed_accounts, UNCONFIRMED_ACCOUNT_LIFETIME};
    let app = TestApp::spawn_with(&[("EMAIL_VERIFICATION", "required")]).await;
    let squatted = "squatted@example.com";
    for email in [squatted, "recent@example.com"] {
        let signed_up = app.browser().post_register(email, PASSWORD).await;
        assert_eq!(signed_up.status(), StatusCode::OK);
    }
    app.create_user("confirmed@example.com", app::auth::Role::User)
        .await;
    let squatter_id = app.user_id(squatted).await;
    // Eight days old: the squatted account and the confirmed one.
    sqlx::query("UPDATE users SET created_at = created_at - 691200 WHERE email <> $1")
        .bind("recent@example.com")
        .execute(&app.state.db)
        .await
        .unwrap();
    let before = now().saturating_sub(UNCONFIRMED_ACCOUNT_LIFETIME.as_secs()) as i64;
    let erased = erase_unconfirmed_accounts(&app.state.db, before)
        .await
        .unwrap();
    assert_eq!(erased, 1, "only the old account never confirmed");
    let left: Vec<String> = sqlx::query_scalar("SELECT email FROM users ORDER BY email")
        .fetch_all(&app.state.db)
        .await
        .unwrap();
    assert_eq!(left, ["confirmed@example.com", "recent@example.com"]);
    let tokens: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM link_tokens WHERE user_id = $1")
        .bind(squatter_id)
        .fetch_one(&app.state.db)
        .await
        .unwrap();
    assert_eq!(tokens, 0, "its confirmation link went with it");
    // The address's owner can now sign up with it.
    let owner = app
        .browser()
        .post_register(squatted, "the owner's passphrase")
        .await;
    assert_eq!(owner.status(), StatusCode::OK);
    assert!(app.user_id(squatted).await != squatter_id);
}
