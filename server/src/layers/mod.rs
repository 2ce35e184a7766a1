//! The request path: in front of every route the cross-site check and authentication,
//! compression and caching of the bundle, and the browser security headers; around each route
//! that matched, authorization by that route's policy and the statuses of server-function errors;
//! and around all of it, a panic answered as a 500 rather than a dropped connection.

pub mod api_response;
pub mod authenticate;
pub mod authorize;
pub mod caching;
pub mod compression;
pub mod csrf;
pub mod panics;
pub mod security_headers;
