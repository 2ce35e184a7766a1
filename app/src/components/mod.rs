//! Reusable pieces of UI.

pub mod display;
pub mod form;
pub mod header;
pub mod hydration;
