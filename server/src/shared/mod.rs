//! The two backends of [`app::ssr::shared::SharedStore`]: Redis when sessions live there, the
//! database otherwise.

pub mod redis;
pub mod sql;
