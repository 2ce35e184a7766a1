//! The request path in front of every route: the cross-site check, the auth decision, the
//! policy check, and the statuses of server-function errors.

pub mod api_response;
pub mod auth;
pub mod compression;
pub mod csrf;
