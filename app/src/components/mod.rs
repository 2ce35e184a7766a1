//! Reusable pieces of UI.

pub mod browser;
pub mod display;
pub mod form;
pub mod header;
pub mod hydration;
pub mod page_script;
pub mod passkey;
