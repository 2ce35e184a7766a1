//! The server: configuration, start-up, the request layers and the command line.
//! `main.rs` only dispatches; integration tests build the same [`startup::Application`].

pub mod cli;
pub mod commands;
pub mod config;
pub mod database;
pub mod layers;
pub mod probes;
pub mod redis;
pub mod shared;
pub mod startup;
