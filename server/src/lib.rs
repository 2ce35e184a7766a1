//! The server: configuration, start-up, the request layers and the command line.
//! `main.rs` only dispatches; integration tests build the same [`startup::Application`].

pub mod backends;
pub mod cli;
pub mod commands;
pub mod config;
pub mod download;
pub mod error;
pub mod layers;
pub mod probes;
pub mod routes;
pub mod startup;
