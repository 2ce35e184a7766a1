//! [`CoordinationStore`] on the app's database (SQLite or PostgreSQL, one dialect for both): every
//! operation is a single statement, so the database's own row locking makes it atomic across
//! instances. Rows past their expiry count as absent; a sweeper deletes them.

use app::ssr::platform::clock::{expiry_millis, now_millis};
use app::ssr::platform::coordination::{CoordinationStore, FeedPage, StoreError};
use async_trait::async_trait;
use sqlx::{AnyPool, Row};
use std::time::Duration;

const SWEEP_INTERVAL: Duration = Duration::from_secs(300);
/// Feed ids are allocated before the inserting transaction commits, so on PostgreSQL a smaller id
/// can appear after a larger one was read. Each poll re-reads this many ids behind its cursor
/// (entries are idempotent, so seeing one twice is harmless).
const FEED_LOOKBACK: i64 = 64;

pub struct SqlCoordination {
    pool: AnyPool,
}

impl SqlCoordination {
    /// Also starts the background sweep of expired rows.
    pub fn new(pool: AnyPool) -> Self {
        let shared = Self { pool };
        let sweeper = shared.pool.clone();
        tokio::spawn(async move {
            let mut interval = tokio::time::interval(SWEEP_INTERVAL);
            loop {
                interval.tick().await;
                if let Err(error) = sweep(&sweeper).await {
                    tracing::warn!(%error, "sweeping expired session state failed");
                }
            }
        });
        shared
    }
}

async fn sweep(pool: &AnyPool) -> Result<(), sqlx::Error> {
    let now = now_millis();
    for table in [
        "auth_kv",
        "auth_counters",
        "auth_set_members",
        "revocations",
    ] {
        sqlx::query(&format!("DELETE FROM {table} WHERE expires_at <= $1"))
            .bind(now)
            .execute(pool)
            .await?;
    }
    Ok(())
}

fn failed(error: sqlx::Error) -> StoreError {
    StoreError::new(error)
}

#[async_trait]
impl CoordinationStore for SqlCoordination {
    async fn insert_if_absent(
        &self,
        key: &str,
        value: &str,
        ttl: Duration,
    ) -> Result<Option<String>, StoreError> {
        // Inserts, or takes over an expired row; a live row is left alone (0 rows affected).
        let stored = sqlx::query(
            "INSERT INTO auth_kv (key, value, expires_at) VALUES ($1, $2, $3) \
             ON CONFLICT (key) DO UPDATE SET value = excluded.value, expires_at = excluded.expires_at \
             WHERE auth_kv.expires_at <= $4",
        )
        .bind(key)
        .bind(value)
        .bind(expiry_millis(ttl))
        .bind(now_millis())
        .execute(&self.pool)
        .await
        .map_err(failed)?
        .rows_affected()
            == 1;
        if stored {
            return Ok(None);
        }
        // Someone else's live value; it can only have expired in between, then report it anyway.
        let found = sqlx::query("SELECT value FROM auth_kv WHERE key = $1")
            .bind(key)
            .fetch_optional(&self.pool)
            .await
            .map_err(failed)?;
        Ok(Some(match found {
            Some(row) => row.try_get("value").map_err(failed)?,
            None => String::new(),
        }))
    }

    async fn get(&self, key: &str) -> Result<Option<String>, StoreError> {
        sqlx::query("SELECT value FROM auth_kv WHERE key = $1 AND expires_at > $2")
            .bind(key)
            .bind(now_millis())
            .fetch_optional(&self.pool)
            .await
            .map_err(failed)?
            .map(|row| row.try_get("value").map_err(failed))
            .transpose()
    }

    async fn put(&self, key: &str, value: &str, ttl: Duration) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO auth_kv (key, value, expires_at) VALUES ($1, $2, $3) \
             ON CONFLICT (key) DO UPDATE SET value = excluded.value, expires_at = excluded.expires_at",
        )
        .bind(key)
        .bind(value)
        .bind(expiry_millis(ttl))
        .execute(&self.pool)
        .await
        .map_err(failed)
        .map(drop)
    }

    async fn remaining(&self, key: &str) -> Result<Option<Duration>, StoreError> {
        let now = now_millis();
        let expires_at: Option<i64> =
            sqlx::query("SELECT expires_at FROM auth_kv WHERE key = $1 AND expires_at > $2")
                .bind(key)
                .bind(now)
                .fetch_optional(&self.pool)
                .await
                .map_err(failed)?
                .map(|row| row.try_get("expires_at").map_err(failed))
                .transpose()?;
        Ok(expires_at.map(|at| Duration::from_millis((at - now).max(0) as u64)))
    }

    async fn delete(&self, key: &str) -> Result<(), StoreError> {
        for table in ["auth_kv", "auth_counters"] {
            sqlx::query(&format!("DELETE FROM {table} WHERE key = $1"))
                .bind(key)
                .execute(&self.pool)
                .await
                .map_err(failed)?;
        }
        Ok(())
    }

    async fn increment(&self, key: &str, window: Duration) -> Result<u64, StoreError> {
        let now = now_millis();
        let row = sqlx::query(
            "INSERT INTO auth_counters (key, count, expires_at) VALUES ($1, 1, $2) \
             ON CONFLICT (key) DO UPDATE SET \
               count = CASE WHEN auth_counters.expires_at <= $3 THEN 1 ELSE auth_counters.count + 1 END, \
               expires_at = CASE WHEN auth_counters.expires_at <= $3 THEN excluded.expires_at \
                                 ELSE auth_counters.expires_at END \
             RETURNING count",
        )
        .bind(key)
        .bind(now.saturating_add(window.as_millis() as i64))
        .bind(now)
        .fetch_one(&self.pool)
        .await
        .map_err(failed)?;
        let count: i64 = row.try_get("count").map_err(failed)?;
        Ok(count.max(0) as u64)
    }

    async fn add_member(&self, key: &str, member: &str, ttl: Duration) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO auth_set_members (set_key, member, expires_at) VALUES ($1, $2, $3) \
             ON CONFLICT (set_key, member) DO UPDATE SET expires_at = \
               CASE WHEN excluded.expires_at > auth_set_members.expires_at \
                    THEN excluded.expires_at ELSE auth_set_members.expires_at END",
        )
        .bind(key)
        .bind(member)
        .bind(expiry_millis(ttl))
        .execute(&self.pool)
        .await
        .map_err(failed)
        .map(drop)
    }

    async fn members(&self, key: &str) -> Result<Vec<String>, StoreError> {
        let rows = sqlx::query(
            "SELECT member FROM auth_set_members WHERE set_key = $1 AND expires_at > $2 \
             ORDER BY member",
        )
        .bind(key)
        .bind(now_millis())
        .fetch_all(&self.pool)
        .await
        .map_err(failed)?;
        rows.iter()
            .map(|row| row.try_get("member").map_err(failed))
            .collect()
    }

    async fn remove_member(&self, key: &str, member: &str) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM auth_set_members WHERE set_key = $1 AND member = $2")
            .bind(key)
            .bind(member)
            .execute(&self.pool)
            .await
            .map_err(failed)
            .map(drop)
    }

    async fn publish(&self, entry: &str, ttl: Duration) -> Result<(), StoreError> {
        sqlx::query("INSERT INTO revocations (entry, expires_at) VALUES ($1, $2)")
            .bind(entry)
            .bind(expiry_millis(ttl))
            .execute(&self.pool)
            .await
            .map_err(failed)
            .map(drop)
    }

    async fn feed_since(&self, cursor: Option<String>) -> Result<FeedPage, StoreError> {
        let after = cursor
            .as_deref()
            .and_then(|cursor| cursor.parse::<i64>().ok())
            .map_or(0, |id| id - FEED_LOOKBACK);
        let rows = sqlx::query(
            "SELECT id, entry FROM revocations WHERE id > $1 AND expires_at > $2 ORDER BY id",
        )
        .bind(after)
        .bind(now_millis())
        .fetch_all(&self.pool)
        .await
        .map_err(failed)?;
        let mut page = FeedPage {
            entries: Vec::with_capacity(rows.len()),
            cursor,
        };
        for row in rows {
            let id: i64 = row.try_get("id").map_err(failed)?;
            page.entries.push(row.try_get("entry").map_err(failed)?);
            page.cursor = Some(id.to_string());
        }
        Ok(page)
    }
}
