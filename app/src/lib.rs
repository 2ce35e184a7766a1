//! The Leptos application: pages, components, server functions and the shared auth types.
//!
//! Everything under [`ssr`] runs only on the server (database, sessions, tokens, passwords);
//! the rest compiles for both the server and the browser.

pub mod app;
pub mod auth;
pub mod components;
pub mod error;
pub mod pages;
#[cfg(feature = "ssr")]
pub mod ssr;

pub use app::{shell, App};
