//! The `CoordinationStore` contract, run against every backend: one macro names the tests, each
//! backend module instantiates it (as `tower-sessions` does with its `route_tests!`).
//!
//! - `sqlite`: the SQL backend on a fresh, migrated SQLite file, always.
//! - `postgres`: the SQL backend on a fresh PostgreSQL database when `TEST_POSTGRES_URL` names a
//!   server; otherwise, like the rest of this suite, on the database `fresh_database_url` gives
//!   (SQLite).
//! - `redis`: the Redis backend under a fresh random namespace when `TEST_REDIS_URL` names a
//!   server; otherwise, like the app itself and the rest of this suite, the coordination store
//!   lives in the test database (the SQL backend on SQLite, or on PostgreSQL when that is set).
//!
//! A fallback says so on stderr (shown with `--nocapture` or on failure). Short ttls are 1 s and
//! the tests sleep just past them; tests run in parallel, so the sleeps overlap.

use crate::helpers::fresh_database_url;
use app::ssr::platform::coordination::CoordinationStore;
use server::backends::redis::coordination::RedisCoordination;
use server::backends::sql::coordination::SqlCoordination;
use server::backends::sql::{self, PoolSettings, COMMAND_ACQUIRE_TIMEOUT};
use std::sync::Arc;
use std::time::Duration;

/// A store under test, and the temporary folder its SQLite file (if any) lives in.
struct Backend {
    store: Arc<dyn CoordinationStore>,
    _dir: tempfile::TempDir,
}

/// Enough connections for every concurrent writer to hold its own, and patience for a busy
/// machine opening them.
const POOL: PoolSettings = PoolSettings {
    size: WRITERS as u32,
    acquire_timeout: COMMAND_ACQUIRE_TIMEOUT,
};

async fn sql_backend(url: &str, dir: tempfile::TempDir) -> Backend {
    let db = sql::connect(url, POOL).await.expect("database reachable");
    sql::migrate(&db).await.expect("migrations apply");
    Backend {
        store: Arc::new(SqlCoordination::new(db.pool.clone())),
        _dir: dir,
    }
}

fn configured(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|value| !value.is_empty())
}

async fn sqlite_backend() -> Backend {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite://{}/app.db", dir.path().display());
    sql_backend(&url, dir).await
}

/// The SQL backend on the suite's test database: PostgreSQL when `TEST_POSTGRES_URL` is set,
/// SQLite otherwise.
async fn test_database_backend() -> Backend {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = fresh_database_url(dir.path()).await;
    sql_backend(&url, dir).await
}

async fn run_database_backend() -> Backend {
    if configured("TEST_POSTGRES_URL").is_none() {
        eprintln!("TEST_POSTGRES_URL is not set: the run's database is SQLite");
    }
    test_database_backend().await
}

async fn run_store_backend() -> Backend {
    let Some(url) = configured("TEST_REDIS_URL") else {
        eprintln!("TEST_REDIS_URL is not set: the run's store is its SQL database");
        return test_database_backend().await;
    };
    let pool =
        server::backends::redis::connect(&url, None, server::backends::redis::DEFAULT_POOL_SIZE)
            .await
            .expect("Redis reachable");
    let namespace = app::ssr::platform::random::random_token();
    Backend {
        store: Arc::new(RedisCoordination::new(pool, &namespace)),
        _dir: tempfile::tempdir().expect("temp dir"),
    }
}

/// Defines every contract test, each calling the check of the same name in [`contract`] on a
/// fresh store from `$backend`.
macro_rules! coordination_contract {
    (@tests $backend:expr; $($name:ident),+ $(,)?) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() {
                let backend = $backend.await;
                super::contract::$name(backend.store.clone()).await;
            }
        )+
    };
    ($backend:expr) => {
        coordination_contract!(@tests $backend;
            insert_if_absent_lets_the_first_writer_win_and_leaves_its_value_alone,
            insert_if_absent_among_concurrent_writers_stores_exactly_one,
            insert_if_absent_takes_over_an_expired_entry,
            put_replaces_the_value_and_its_ttl,
            remaining_is_within_zero_and_the_ttl_and_absent_for_a_missing_key,
            delete_removes_the_value,
            an_expired_value_reads_as_absent,
            increment_counts_up_within_the_window,
            increment_starts_again_at_one_after_the_window,
            increment_window_runs_from_the_first_count_and_is_not_extended,
            increment_counts_separate_keys_separately,
            set_members_are_added_listed_distinct_and_removed,
            a_set_past_its_ttl_reads_empty,
            a_set_lives_at_least_the_longest_ttl_it_was_given,
            feed_since_none_returns_published_entries_oldest_first,
            feed_since_a_cursor_returns_every_later_entry_in_order,
            an_empty_feed_page_keeps_a_cursor_that_still_works,
            feed_since_leaves_out_entries_past_their_ttl,
        );
    };
}

mod sqlite {
    coordination_contract!(super::sqlite_backend());
}

/// On the run's database: PostgreSQL in the runs on PostgreSQL, SQLite in the others (a second
/// SQLite pass there). `backends.rs` fails a run that is not on the backends it was meant for.
mod run_database {
    coordination_contract!(super::run_database_backend());
}

/// On the run's session store: Redis in the run with Redis, else the run's database.
mod run_store {
    coordination_contract!(super::run_store_backend());
}

const LONG: Duration = Duration::from_secs(60);
/// Long enough that the store round trips a test makes before it expires fit with room to spare
/// on a busy two-core machine (a run shares the stores with hundreds of other tests).
const SHORT: Duration = Duration::from_secs(3);
/// Sleeping this long puts an entry stored with [`SHORT`] past its ttl.
const PAST_SHORT: Duration = Duration::from_millis(3_300);
const WRITERS: usize = 16;

async fn sleep(duration: Duration) {
    tokio::time::sleep(duration).await;
}

/// The checks, one per test; each gets a fresh, empty store.
mod contract {
    use super::*;
    use futures::future::join_all;
    use tokio::sync::Barrier;

    type Store = Arc<dyn CoordinationStore>;

    async fn members(store: &Store, key: &str) -> Vec<String> {
        let mut members = store.members(key).await.unwrap();
        members.sort();
        members
    }

    fn strings(items: &[&str]) -> Vec<String> {
        items.iter().map(|item| item.to_string()).collect()
    }

    pub async fn insert_if_absent_lets_the_first_writer_win_and_leaves_its_value_alone(
        store: Store,
    ) {
        assert_eq!(
            store
                .insert_if_absent("claim", "first", LONG)
                .await
                .unwrap(),
            None,
            "the first writer stores its value"
        );
        assert_eq!(
            store
                .insert_if_absent("claim", "second", SHORT)
                .await
                .unwrap()
                .as_deref(),
            Some("first"),
            "a later writer is told the value already there"
        );
        assert_eq!(store.get("claim").await.unwrap().as_deref(), Some("first"));
        let remaining = store.remaining("claim").await.unwrap().unwrap();
        assert!(
            remaining > SHORT,
            "the losing writer's ttl must not replace the winner's: {remaining:?} left"
        );
    }

    pub async fn insert_if_absent_among_concurrent_writers_stores_exactly_one(store: Store) {
        for round in 0..4 {
            let key = format!("contended-{round}");
            let barrier = Arc::new(Barrier::new(WRITERS));
            let writers = (0..WRITERS).map(|writer| {
                let (store, barrier, key) = (store.clone(), barrier.clone(), key.clone());
                tokio::spawn(async move {
                    let value = format!("writer-{writer}");
                    barrier.wait().await;
                    let found = store.insert_if_absent(&key, &value, LONG).await.unwrap();
                    (value, found)
                })
            });
            let outcomes: Vec<(String, Option<String>)> = join_all(writers)
                .await
                .into_iter()
                .map(|joined| joined.expect("writer task"))
                .collect();
            let winners: Vec<&String> = outcomes
                .iter()
                .filter(|(_, found)| found.is_none())
                .map(|(value, _)| value)
                .collect();
            assert_eq!(
                winners.len(),
                1,
                "round {round}: exactly one of {WRITERS} concurrent writers stores its value, \
                 got {winners:?}"
            );
            let winner = winners[0];
            for (value, found) in &outcomes {
                if let Some(found) = found {
                    assert_eq!(
                        found, winner,
                        "round {round}: {value} must be told the winner's value"
                    );
                }
            }
            assert_eq!(store.get(&key).await.unwrap().as_ref(), Some(winner));
        }
    }

    pub async fn insert_if_absent_takes_over_an_expired_entry(store: Store) {
        assert_eq!(
            store.insert_if_absent("claim", "old", SHORT).await.unwrap(),
            None
        );
        sleep(PAST_SHORT).await;
        assert_eq!(
            store.insert_if_absent("claim", "new", LONG).await.unwrap(),
            None,
            "an expired entry counts as absent"
        );
        assert_eq!(store.get("claim").await.unwrap().as_deref(), Some("new"));
        assert!(store.remaining("claim").await.unwrap().unwrap() > SHORT);
    }

    pub async fn put_replaces_the_value_and_its_ttl(store: Store) {
        store.put("key", "one", LONG).await.unwrap();
        assert_eq!(store.get("key").await.unwrap().as_deref(), Some("one"));
        store.put("key", "two", SHORT).await.unwrap();
        assert_eq!(store.get("key").await.unwrap().as_deref(), Some("two"));
        let remaining = store.remaining("key").await.unwrap().unwrap();
        assert!(
            remaining <= SHORT,
            "the new ttl applies: {remaining:?} left"
        );
        assert_eq!(
            store
                .insert_if_absent("key", "three", LONG)
                .await
                .unwrap()
                .as_deref(),
            Some("two"),
            "a put value is a live value for insert_if_absent"
        );
    }

    pub async fn remaining_is_within_zero_and_the_ttl_and_absent_for_a_missing_key(store: Store) {
        assert_eq!(store.remaining("missing").await.unwrap(), None);
        store.put("key", "value", LONG).await.unwrap();
        let remaining = store.remaining("key").await.unwrap().expect("a live value");
        assert!(
            remaining > Duration::ZERO && remaining <= LONG,
            "remaining {remaining:?} is within (0, {LONG:?}]"
        );
        assert!(
            remaining > LONG - Duration::from_secs(10),
            "remaining {remaining:?} counts down from the ttl just given"
        );
    }

    pub async fn delete_removes_the_value(store: Store) {
        store.put("key", "value", LONG).await.unwrap();
        store.delete("key").await.unwrap();
        assert_eq!(store.get("key").await.unwrap(), None);
        assert_eq!(store.remaining("key").await.unwrap(), None);
        assert_eq!(
            store.insert_if_absent("key", "again", LONG).await.unwrap(),
            None,
            "a deleted key is free for insert_if_absent"
        );
        store.delete("never-written").await.unwrap();
    }

    pub async fn an_expired_value_reads_as_absent(store: Store) {
        store.put("key", "value", SHORT).await.unwrap();
        assert_eq!(store.get("key").await.unwrap().as_deref(), Some("value"));
        sleep(PAST_SHORT).await;
        assert_eq!(store.get("key").await.unwrap(), None);
        assert_eq!(store.remaining("key").await.unwrap(), None);
    }

    pub async fn increment_counts_up_within_the_window(store: Store) {
        for expected in 1..=3 {
            assert_eq!(store.increment("counter", LONG).await.unwrap(), expected);
        }
    }

    pub async fn increment_starts_again_at_one_after_the_window(store: Store) {
        assert_eq!(store.increment("counter", SHORT).await.unwrap(), 1);
        assert_eq!(store.increment("counter", SHORT).await.unwrap(), 2);
        sleep(PAST_SHORT).await;
        assert_eq!(store.increment("counter", SHORT).await.unwrap(), 1);
        assert_eq!(store.increment("counter", SHORT).await.unwrap(), 2);
    }

    pub async fn increment_window_runs_from_the_first_count_and_is_not_extended(store: Store) {
        // The second count must land within the window (2 s to spare), the third past it but
        // within a window of the second (2.5 s to spare).
        let window = Duration::from_secs(5);
        assert_eq!(store.increment("counter", window).await.unwrap(), 1);
        sleep(Duration::from_millis(3_000)).await;
        assert_eq!(store.increment("counter", window).await.unwrap(), 2);
        // 5.5 s after the first count: past its window, though within 5 s of the second.
        sleep(Duration::from_millis(2_500)).await;
        assert_eq!(store.increment("counter", window).await.unwrap(), 1);
    }

    pub async fn increment_counts_separate_keys_separately(store: Store) {
        assert_eq!(store.increment("a", LONG).await.unwrap(), 1);
        assert_eq!(store.increment("a", LONG).await.unwrap(), 2);
        assert_eq!(store.increment("b", LONG).await.unwrap(), 1);
        assert_eq!(store.increment("a", LONG).await.unwrap(), 3);
        assert_eq!(store.increment("b", LONG).await.unwrap(), 2);
    }

    pub async fn set_members_are_added_listed_distinct_and_removed(store: Store) {
        assert!(members(&store, "set").await.is_empty());
        store.add_member("set", "b", LONG).await.unwrap();
        store.add_member("set", "a", LONG).await.unwrap();
        store.add_member("set", "b", LONG).await.unwrap();
        assert_eq!(members(&store, "set").await, strings(&["a", "b"]));
        assert!(
            members(&store, "other").await.is_empty(),
            "sets are kept per key"
        );
        store.remove_member("set", "b").await.unwrap();
        assert_eq!(members(&store, "set").await, strings(&["a"]));
        store.remove_member("set", "not-a-member").await.unwrap();
        store.remove_member("set", "a").await.unwrap();
        assert!(members(&store, "set").await.is_empty());
    }

    pub async fn a_set_past_its_ttl_reads_empty(store: Store) {
        store.add_member("set", "a", SHORT).await.unwrap();
        store.add_member("set", "b", SHORT).await.unwrap();
        assert_eq!(members(&store, "set").await, strings(&["a", "b"]));
        sleep(PAST_SHORT).await;
        assert!(members(&store, "set").await.is_empty());
    }

    /// The trait: "the set lives at least `ttl` from now": a later, shorter ttl cannot take back
    /// what an earlier, longer one promised.
    pub async fn a_set_lives_at_least_the_longest_ttl_it_was_given(store: Store) {
        store.add_member("set", "a", LONG).await.unwrap();
        store.add_member("set", "a", SHORT).await.unwrap();
        sleep(PAST_SHORT).await;
        assert_eq!(members(&store, "set").await, strings(&["a"]));
    }

    pub async fn feed_since_none_returns_published_entries_oldest_first(store: Store) {
        let empty = store.feed_since(None).await.unwrap();
        assert!(empty.entries.is_empty(), "a fresh store has an empty feed");
        let published: Vec<String> = (0..5).map(|n| format!("entry-{n}")).collect();
        for entry in &published {
            store.publish(entry, LONG).await.unwrap();
        }
        let page = store.feed_since(None).await.unwrap();
        assert_eq!(page.entries, published);
        assert!(page.cursor.is_some(), "a page with entries has a cursor");
    }

    pub async fn feed_since_a_cursor_returns_every_later_entry_in_order(store: Store) {
        store.publish("a", LONG).await.unwrap();
        store.publish("b", LONG).await.unwrap();
        let first = store.feed_since(None).await.unwrap();
        assert_eq!(first.entries, strings(&["a", "b"]));

        store.publish("c", LONG).await.unwrap();
        store.publish("d", LONG).await.unwrap();
        // At least once: a backend may repeat entries from before the cursor (the trait allows
        // it), but every later entry comes, in order, and nothing that was never published.
        let second = store.feed_since(first.cursor).await.unwrap();
        assert!(
            second.entries.ends_with(&strings(&["c", "d"])),
            "the entries after the cursor, last: {:?}",
            second.entries
        );
        assert!(
            strings(&["a", "b", "c", "d"]).ends_with(&second.entries),
            "repeats are the entries just before the cursor, in order: {:?}",
            second.entries
        );

        let third = store.feed_since(second.cursor).await.unwrap();
        assert!(
            strings(&["a", "b", "c", "d"]).ends_with(&third.entries),
            "nothing new after the cursor: {:?}",
            third.entries
        );
    }

    pub async fn an_empty_feed_page_keeps_a_cursor_that_still_works(store: Store) {
        // An empty feed from the start: whatever cursor it gives, the next entry follows it.
        let start = store.feed_since(None).await.unwrap();
        assert!(start.entries.is_empty());
        store.publish("first", SHORT).await.unwrap();
        let first = store.feed_since(start.cursor).await.unwrap();
        assert_eq!(first.entries, strings(&["first"]));
        assert!(first.cursor.is_some());

        // An empty page after a cursor (the one entry has expired, nothing came after it).
        sleep(PAST_SHORT).await;
        let empty = store.feed_since(first.cursor).await.unwrap();
        assert_eq!(empty.entries, Vec::<String>::new());
        assert!(empty.cursor.is_some(), "an empty page keeps the cursor");

        store.publish("second", LONG).await.unwrap();
        let next = store.feed_since(empty.cursor).await.unwrap();
        assert_eq!(next.entries, strings(&["second"]));
    }

    /// The trait: `feed_since` returns "the feed's live entries".
    pub async fn feed_since_leaves_out_entries_past_their_ttl(store: Store) {
        store.publish("old", SHORT).await.unwrap();
        sleep(PAST_SHORT).await;
        store.publish("new", LONG).await.unwrap();
        let page = store.feed_since(None).await.unwrap();
        assert_eq!(page.entries, strings(&["new"]));
    }
}
