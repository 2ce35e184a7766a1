//! Where state lives. Each backend folder connects to its service and provides what the app
//! keeps there: [`sql`] holds users, roles and the audit log, and (without Redis) the refresh
//! sessions and the coordination store; [`redis`] holds the refresh sessions and the
//! coordination store when `REDIS_URL` is set.

pub mod redis;
pub mod sql;
