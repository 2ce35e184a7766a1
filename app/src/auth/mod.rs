//! Authentication types shared by server and browser, the server functions, and the policies
//! that decide who may see which page and call which function.

pub mod api;
pub mod policy;
pub mod viewer;

use serde::{Deserialize, Serialize};

/// A user's role. Stored in the database and carried in the access token.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    User,
    Admin,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::User => "user",
            Role::Admin => "admin",
        }
    }

    pub fn parse(value: &str) -> Option<Role> {
        match value {
            "user" => Some(Role::User),
            "admin" => Some(Role::Admin),
            _ => None,
        }
    }
}

/// Who is signed in, exactly as the verified access token says: an id and a role, never personal
/// data. The server renders it into the page so the browser starts with the same answer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Viewer {
    pub user_id: i64,
    pub role: Role,
}

/// A user's own profile, read from the database (the token deliberately lacks the email).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Profile {
    pub id: i64,
    pub email: String,
    pub role: Role,
    /// Unix seconds.
    pub created_at: i64,
    /// Disabled by an administrator: cannot sign in.
    #[serde(default)]
    pub disabled: bool,
}

/// One of the signed-in user's logins, for their devices list.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionInfo {
    /// Names the login in requests (a hash; not a credential).
    pub handle: String,
    pub user_agent: Option<String>,
    pub ip: Option<String>,
    /// Unix seconds.
    pub started_at: i64,
    pub last_used_at: i64,
    /// The login this request was made with.
    pub current: bool,
}

/// One audit-log event as the admin page shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    /// Unix seconds.
    pub at: i64,
    pub kind: String,
    pub user_id: Option<i64>,
    /// A short hash of the login (session family), never the id itself.
    pub session: Option<String>,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    pub detail: Option<String>,
}
