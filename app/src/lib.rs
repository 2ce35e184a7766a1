//! The Leptos application: pages, components, server functions and the shared auth types.
//!
//! Reading order: [`app`] (the shell and the route table), [`pages`] (every page and who may
//! see it), [`api`] (the server functions, each with its policy and body), [`auth`] (roles,
//! policies, the viewer), then [`ssr`], the server-only engine (state, tokens, passwords,
//! sessions, stores, queries). Everything under [`ssr`] runs only on the server; the rest
//! compiles for both the server and the browser.

pub mod api;
pub mod app;
pub mod auth;
pub mod bench;
pub mod components;
pub mod error;
pub mod pages;
pub mod product;
#[cfg(feature = "ssr")]
pub mod ssr;

pub use app::{shell, App};

// The unit tests of the server-only code need the `ssr` feature; without it most of them would
// silently not exist. `cargo test -p app -p server` (as the test script runs) turns it on.
#[cfg(all(test, not(feature = "ssr")))]
compile_error!("run app's tests with its server code: cargo test -p app --features ssr");
