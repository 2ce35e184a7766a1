//! One module per page.

pub mod account;
pub mod admin;
pub mod dashboard;
pub mod forbidden;
pub mod home;
pub mod login;
pub mod not_found;
pub mod register;
