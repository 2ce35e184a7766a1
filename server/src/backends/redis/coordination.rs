//! [`CoordinationStore`] on Redis: single commands that are atomic by themselves (`SET NX GET`), one
//! short Lua script for counters, and a capped stream for the revocation feed. Every key is
//! prefixed with the app's namespace.

use app::ssr::platform::clock::{expiry_millis, now_millis};
use app::ssr::platform::coordination::{CoordinationStore, FeedPage, StoreError};
use async_trait::async_trait;
use fred::prelude::{ClientLike, Pool};
use fred::types::{ClusterHash, CustomCommand, Value};
use std::time::Duration;

/// Adds one and starts the window when the counter is new; one round trip, atomic.
const INCREMENT_SCRIPT: &str = "local count = redis.call('INCR', KEYS[1]) \
     if count == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end \
     return count";
/// Adds a member and extends the set's life to at least ARGV[2] ms; one round trip, atomic.
const ADD_MEMBER_SCRIPT: &str = "redis.call('SADD', KEYS[1], ARGV[1]) \
     if redis.call('PTTL', KEYS[1]) < tonumber(ARGV[2]) then \
       redis.call('PEXPIRE', KEYS[1], ARGV[2]) end \
     return 1";
/// Enough for any burst between two polls.
const FEED_PAGE: &str = "1000";

pub struct RedisCoordination {
    pool: Pool,
    namespace: String,
}

impl RedisCoordination {
    pub fn new(pool: Pool, namespace: &str) -> Self {
        Self {
            pool,
            namespace: namespace.to_owned(),
        }
    }

    fn key(&self, key: &str) -> String {
        format!("{}:{key}", self.namespace)
    }

    fn feed_key(&self) -> String {
        self.key("revocations")
    }

    async fn run(&self, name: &'static str, args: Vec<String>) -> Result<Value, StoreError> {
        let command = CustomCommand::new_static(name, ClusterHash::FirstKey, false);
        self.pool
            .custom(command, args)
            .await
            .map_err(StoreError::new)
    }
}

fn millis(duration: Duration) -> String {
    duration.as_millis().max(1).to_string()
}

fn text(value: Value) -> Result<Option<String>, StoreError> {
    match value {
        Value::Null => Ok(None),
        other => other
            .into_string()
            .map(Some)
            .ok_or_else(|| StoreError::new("unexpected reply from Redis")),
    }
}

#[async_trait]
impl CoordinationStore for RedisCoordination {
    async fn insert_if_absent(
        &self,
        key: &str,
        value: &str,
        ttl: Duration,
    ) -> Result<Option<String>, StoreError> {
        let args = vec![
            self.key(key),
            value.to_owned(),
            "PX".into(),
            millis(ttl),
            "NX".into(),
            "GET".into(),
        ];
        text(self.run("SET", args).await?)
    }

    async fn get(&self, key: &str) -> Result<Option<String>, StoreError> {
        text(self.run("GET", vec![self.key(key)]).await?)
    }

    async fn put(&self, key: &str, value: &str, ttl: Duration) -> Result<(), StoreError> {
        let args = vec![self.key(key), value.to_owned(), "PX".into(), millis(ttl)];
        self.run("SET", args).await.map(drop)
    }

    async fn remaining(&self, key: &str) -> Result<Option<Duration>, StoreError> {
        let reply = self.run("PTTL", vec![self.key(key)]).await?;
        // -2: no such key; -1: no expiry (never written by us).
        Ok(reply
            .as_i64()
            .filter(|millis| *millis > 0)
            .map(|millis| Duration::from_millis(millis as u64)))
    }

    async fn delete(&self, key: &str) -> Result<(), StoreError> {
        self.run("DEL", vec![self.key(key)]).await.map(drop)
    }

    async fn increment(&self, key: &str, window: Duration) -> Result<u64, StoreError> {
        let args = vec![
            INCREMENT_SCRIPT.to_owned(),
            "1".into(),
            self.key(key),
            millis(window),
        ];
        let reply = self.run("EVAL", args).await?;
        reply
            .as_u64()
            .ok_or_else(|| StoreError::new("unexpected reply from Redis"))
    }

    async fn add_member(&self, key: &str, member: &str, ttl: Duration) -> Result<(), StoreError> {
        let args = vec![
            ADD_MEMBER_SCRIPT.to_owned(),
            "1".into(),
            self.key(key),
            member.to_owned(),
            millis(ttl),
        ];
        self.run("EVAL", args).await.map(drop)
    }

    async fn members(&self, key: &str) -> Result<Vec<String>, StoreError> {
        let reply = self.run("SMEMBERS", vec![self.key(key)]).await?;
        Ok(reply
            .into_array()
            .into_iter()
            .filter_map(Value::into_string)
            .collect())
    }

    async fn remove_member(&self, key: &str, member: &str) -> Result<(), StoreError> {
        let args = vec![self.key(key), member.to_owned()];
        self.run("SREM", args).await.map(drop)
    }

    async fn publish(&self, entry: &str, ttl: Duration) -> Result<(), StoreError> {
        // Trim entries older than any reader needs, in the same command.
        let oldest_needed = (now_millis() - ttl.as_millis() as i64).max(0);
        let args = vec![
            self.feed_key(),
            "MINID".into(),
            "~".into(),
            oldest_needed.to_string(),
            "*".into(),
            "e".into(),
            entry.to_owned(),
            // Its own expiry: trimming above is approximate and keyed to the newest entry's
            // lifetime, so readers skip entries past theirs.
            "x".into(),
            expiry_millis(ttl).to_string(),
        ];
        self.run("XADD", args).await.map(drop)
    }

    async fn feed_since(&self, cursor: Option<String>) -> Result<FeedPage, StoreError> {
        let start = match &cursor {
            Some(id) => format!("({id}"),
            None => "-".to_owned(),
        };
        let args = vec![
            self.feed_key(),
            start,
            "+".into(),
            "COUNT".into(),
            FEED_PAGE.into(),
        ];
        let reply = self.run("XRANGE", args).await?;
        let mut page = FeedPage {
            entries: Vec::new(),
            cursor,
        };
        for item in reply.into_array() {
            let mut parts = item.into_array().into_iter();
            let (Some(id), Some(fields)) = (parts.next(), parts.next()) else {
                continue;
            };
            // Fields come as [name, value, …]: the entry, then its expiry (unix milliseconds).
            let mut fields = fields.into_array().into_iter().skip(1).step_by(2);
            let entry = fields.next().and_then(Value::into_string);
            let expiry = fields
                .next()
                .and_then(Value::into_string)
                .and_then(|expiry| expiry.parse::<i64>().ok());
            let live = expiry.is_none_or(|expiry| expiry > now_millis());
            if let Some(entry) = entry.filter(|_| live) {
                page.entries.push(entry);
            }
            page.cursor = id.into_string().or(page.cursor);
        }
        Ok(page)
    }
}
