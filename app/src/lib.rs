//! The Leptos application: pages, components, server functions and the shared auth types.
//!
//! Its modules in layers, top to bottom, which is also a good reading order. A module imports
//! from its own layer and the ones below, never from one above, and no modules import each
//! other in a cycle (`server/tests/layout.rs` checks both against this list):
//! 1. [`app`]: the shell and the route table
//! 2. [`pages`]: every page, and who may see it
//! 3. [`components`]: the parts pages share
//! 4. [`api`]: the server functions, each with its policy and body
//! 5. [`ssr`]: the server-only engine (state, tokens, passwords, sessions, stores, queries)
//! 6. [`auth`], [`error`], [`product`], [`user_agent`]: roles, policies and the viewer; errors;
//!    the name; browsers' names
//!
//! Everything under [`ssr`] runs only on the server; the rest compiles for both the server and
//! the browser.

pub mod api;
pub mod app;
pub mod auth;
pub mod components;
pub mod error;
pub mod pages;
pub mod product;
#[cfg(feature = "ssr")]
pub mod ssr;
pub mod user_agent;

pub use app::{shell, App};

// The unit tests of the server-only code need the `ssr` feature; without it most of them would
// silently not exist. `cargo test -p app -p server` (as the test script runs) turns it on.
#[cfg(all(test, not(feature = "ssr")))]
compile_error!("run app's tests with its server code: cargo test -p app --features ssr");
