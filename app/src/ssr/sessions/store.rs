//! Typed record I/O on the `tower-sessions` store: each record holds one [`Stored`] value under
//! that type's key, with the record's expiry.

use crate::ssr::platform::coordination::StoreError;
use crate::ssr::sessions::records::Stored;
use crate::ssr::sessions::RefreshSessions;
use std::collections::HashMap;
use time::OffsetDateTime;
use tower_sessions::session::{Id, Record};

impl RefreshSessions {
    /// Stores a new record under `id`.
    pub(super) async fn create<T: Stored>(
        &self,
        id: Id,
        value: &T,
        expiry_unix: u64,
    ) -> Result<(), StoreError> {
        let mut record = record(id, value, expiry_unix)?;
        self.store.create(&mut record).await?;
        // Ids are hashes of 256 random bits; a store that had to pick another id would break the
        // token-to-record link, so treat it as a failure rather than continue silently.
        if record.id != id {
            self.store.delete(&record.id).await?;
            return Err(StoreError::new("session id collision"));
        }
        Ok(())
    }

    /// Stores `value` under `id`, replacing what was there. `exists` says whether the caller
    /// has just loaded a record under `id`: the Redis store's `save` only replaces and never
    /// creates, so a missing record is created instead (no extra read to find out).
    pub(super) async fn put<T: Stored>(
        &self,
        id: Id,
        value: &T,
        expiry_unix: u64,
        exists: bool,
    ) -> Result<(), StoreError> {
        let record = record(id, value, expiry_unix)?;
        if exists {
            self.store.save(&record).await?;
            return Ok(());
        }
        let mut created = record.clone();
        self.store.create(&mut created).await?;
        if created.id != id {
            // Created by someone else in between: drop our stray copy, replace theirs.
            self.store.delete(&created.id).await?;
            self.store.save(&record).await?;
        }
        Ok(())
    }

    /// The live value under `id`, if there is one of type `T`.
    pub(super) async fn load<T: Stored>(&self, id: Id) -> Result<Option<T>, StoreError> {
        let Some(mut record) = self.store.load(&id).await? else {
            return Ok(None);
        };
        if record.expiry_date <= OffsetDateTime::now_utc() {
            return Ok(None);
        }
        match record.data.remove(T::KEY) {
            Some(value) => serde_json::from_value(value)
                .map(Some)
                .map_err(StoreError::new),
            None => Ok(None),
        }
    }
}

fn record<T: Stored>(id: Id, value: &T, expiry_unix: u64) -> Result<Record, StoreError> {
    let value = serde_json::to_value(value).map_err(StoreError::new)?;
    let expiry_date =
        OffsetDateTime::from_unix_timestamp(expiry_unix as i64).map_err(StoreError::new)?;
    Ok(Record {
        id,
        data: HashMap::from([(T::KEY.to_owned(), value)]),
        expiry_date,
    })
}
