//! The request path in front of every route: the cross-site check, the auth decision, the
//! policy check, the statuses of server-function errors, compression and caching of the bundle,
//! and the browser security headers.

pub mod api_response;
pub mod auth;
pub mod caching;
pub mod compression;
pub mod csrf;
pub mod security_headers;
